"""The sandbox each handed-in notebook runs in while it is graded (Linux, with bubblewrap).

``command(argv, cache)`` wraps a command in ``bwrap``: new user, PID, network, IPC and UTS
namespaces; only loopback inside (the kernel's own ZMQ ports work, nothing outside is reachable,
the teacher's 127.0.0.1 included); a filesystem that holds the system's programs and libraries,
Python, the course's code, notebooks and environment, all read-only, the restore snapshots at
``CACHE`` (read-only unless ``writable_cache``), and two small in-memory folders, ``HOME`` (the
notebook's scratch) and ``/tmp``, the only places it can write. The teacher's home, the class's
folder and the rest of the disk are not there at all. Everything it starts is in its PID
namespace, so it dies with the sandbox (``--die-with-parent``; a process that detaches with
``setsid`` too). bwrap itself, PID 1 inside, runs with an environment of its own (``OUTSIDE``),
never the grader's, which the notebook could read in ``/proc/1/environ``.

bubblewrap limits nothing itself; what does:

- the size of each in-memory folder (``DISK_MB``, tmpfs ``size=``): the disk it can fill;
- ``RLIMIT_FSIZE`` (``FILE_MB``): a single file;
- ``RLIMIT_AS`` (``MEMORY_MB``): the address space of each process (not of all of them);
- ``RLIMIT_NPROC`` (``PROCESSES``): processes and threads of the sandbox's user. The kernel counts
  them per user namespace, so each sandbox has its own count, but it does not hold for root: when
  the grader runs as root, a pids cgroup (``pids.max``) holds the count instead (``Processes``).

The limits are set by ``course.gradekernel`` inside the sandbox, before any of the notebook runs
(a process without privileges can lower them, never raise them).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from course.series import REPO

HOME = "/home/student"  # the notebook's scratch folder, and its HOME
CACHE = "/cache"  # the restore snapshots
UID = 1000  # the sandbox's user: not root, so PostgreSQL (notebook 08) starts
DISK_MB, TMP_MB, FILE_MB, MEMORY_MB, PROCESSES = 1024, 256, 256, 4096, 512
INSTALL = ("bubblewrap is not installed, and grading runs each notebook in its sandbox: install it "
           "(Debian, Ubuntu: sudo apt install bubblewrap; Fedora: sudo dnf install bubblewrap), or "
           "grade without a sandbox, with the rights of your account: UNSANDBOXED=yes (--unsandboxed).")
# From the course's folder, only what a kernel reads: never work/, submissions, or anything else.
COURSE = ["course", "notebooks", "project", "pyproject.toml", "requirements.txt"]
OUTSIDE = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # bwrap's own environment: never the grader's
ETC = ["ld.so.cache", "localtime", "hosts", "nsswitch.conf", "host.conf", "mime.types"]


def missing() -> str | None:
    """Why grading cannot sandbox here, in one line with the way out, or None when it can."""
    if not sys.platform.startswith("linux"):
        return ("Grading sandboxes each notebook with bubblewrap, which needs Linux: grade on Linux "
                "(a virtual machine, WSL 2), or without a sandbox, with the rights of your account: "
                "UNSANDBOXED=yes (--unsandboxed).")
    return None if shutil.which("bwrap") else INSTALL


def _system() -> list[str]:
    """The system's programs and libraries, read-only (merged-/usr links kept as links)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ETC:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def _python() -> list[str]:
    """Python and the course's environment, read-only, at the paths they have outside."""
    args = []
    for prefix in dict.fromkeys([sys.base_prefix, sys.prefix]):
        if not prefix.startswith("/usr/"):
            args += ["--ro-bind", prefix, prefix]
    for name in COURSE:
        if (REPO / name).exists():
            args += ["--ro-bind", str(REPO / name), str(REPO / name)]
    return args


def users(folder: Path) -> list[str]:
    """``/etc/passwd`` and ``/etc/group`` naming the sandbox's user (PostgreSQL's initdb asks who it
    is), written into ``folder`` and bound read-only."""
    (folder / "passwd").write_text(f"student:x:{UID}:{UID}:student:{HOME}:/bin/sh\n"
                                   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    (folder / "group").write_text(f"student:x:{UID}:\nnogroup:x:65534:\n")
    return ["--ro-bind", str(folder / "passwd"), "/etc/passwd",
            "--ro-bind", str(folder / "group"), "/etc/group"]


def command(argv: list[str], cache: Path, etc: Path, writable_cache: bool = False) -> list[str]:
    """``argv`` run in a sandbox (see the module's docstring), from ``HOME``, with a clean
    environment; ``etc`` is a folder of the grader's for the sandbox's ``/etc/passwd``."""
    env = {"HOME": HOME, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
           "TMPDIR": "/tmp", "COURSE_WORKDIR": f"{HOME}/work", "COURSE_CACHE": CACHE,
           "JUPYTER_PLATFORM_DIRS": "1", "PYTHONDONTWRITEBYTECODE": "1", "MALLOC_ARENA_MAX": "2",
           "PYTHONPATH": str(REPO)}  # this course, whichever one .venv/ was installed from
    if "COURSE_FORKSERVER" in os.environ:
        env["COURSE_FORKSERVER"] = os.environ["COURSE_FORKSERVER"]
    setenv = [arg for name, value in env.items() for arg in ("--setenv", name, value)]
    return [
        shutil.which("bwrap") or "bwrap",
        "--unshare-user", "--uid", str(UID), "--gid", str(UID), "--unshare-pid", "--unshare-net",
        "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
        "--disable-userns", "--die-with-parent", "--new-session",
        # The in-memory folders first: a later mount hides what is under it (a course in /tmp).
        "--size", str(DISK_MB << 20), "--tmpfs", HOME, "--size", str(TMP_MB << 20), "--tmpfs", "/tmp",
        *_system(), *_python(), *users(etc),
        "--proc", "/proc", "--dev", "/dev",
        "--ro-bind" if not writable_cache else "--bind", str(cache), CACHE,
        "--remount-ro", "/",  # the sandbox's own root, an in-memory folder with no size limit
        "--chdir", HOME, "--clearenv", *setenv, "--", *argv,
    ]


def _pids_cgroups() -> Path | None:
    """Where root can make a pids cgroup (cgroup v1's pids hierarchy, or v2 with pids), or None."""
    for top, controllers in [(Path("/sys/fs/cgroup/pids"), None),
                             (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/cgroup.subtree_control"))]:
        try:
            if (top / "cgroup.procs").exists() and os.access(top, os.W_OK) and \
                    (controllers is None or "pids" in controllers.read_text().split()):
                return top
        except OSError:
            continue
    return None


def unlimited_processes() -> str | None:
    """Why the sandboxes' process count cannot be held here, in one line, or None: as root,
    ``RLIMIT_NPROC`` does not apply, and a pids cgroup must be made instead."""
    if os.geteuid() == 0 and _pids_cgroups() is None:
        return ("Warning: grading as root with no pids cgroup to write to: a notebook's processes are "
                "not limited in number (grade as an ordinary user, where RLIMIT_NPROC holds them).")
    return None


def processes(argv: list[str], folder: Path) -> list[str]:
    """``argv`` (a sandbox's command) put into a pids cgroup of its own limited to ``PROCESSES``
    when the grader is root (``RLIMIT_NPROC`` does not hold root's processes); else as it is.
    ``release(folder)`` removes the cgroup."""
    top = _pids_cgroups() if os.geteuid() == 0 else None
    if top is None:
        return argv
    group = top / f"course-{folder.name}"
    try:
        group.mkdir()
        (group / "pids.max").write_text(str(PROCESSES))
    except OSError:
        return argv
    (folder / "cgroup").write_text(str(group))
    return ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(group), *argv]


def kill(proc) -> None:
    """Stop a sandbox that outran its time: its first process, and with it the whole sandbox."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def release(folder: Path) -> None:
    """Remove the pids cgroup ``processes`` made for the sandbox of ``folder``, once it is empty."""
    import time

    record = folder / "cgroup"
    if not record.exists():
        return
    group = Path(record.read_text())
    for _ in range(100):  # the PID namespace's last processes are still being reaped
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)
