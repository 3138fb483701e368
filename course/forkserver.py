"""Start the course's Python commands from a process that has imported Django already.

``python manage.py check`` spends about 0.25 s of its 0.3 s starting Python and importing Django,
and a lesson runs dozens of such commands (``manage``, the checks). On Linux the
first of them starts this server, one per kernel; every command after it is a fork of the server,
which runs ``manage.py`` (or ``-m django``, ``-c CODE``) as ``python …`` would: the same
``sys.argv``, ``sys.path[0]``, folder, environment, ``__main__``, output, traceback and exit code,
in about a fifth of the time. Django's settings are never read before the fork, so each command
loads the project afresh, as in a new terminal.

It is what ``course.lifeline`` is for a new process: each command runs only as long as the kernel
holds its end of a socket. Kernel › Interrupt (SIGINT to the kernel's process group) reaches the
command as in a terminal; the server and the process watching each command ignore it. When the
kernel ends, however it ends, the server's socket closes and the server exits; each command's
watcher stops its command.

Elsewhere (macOS, Windows: no safe ``fork``), for another interpreter, or with
``COURSE_FORKSERVER=0`` in the environment, ``popen`` and ``run`` start a new process instead; in
the browser edition, where no process starts, they run the command inside the kernel (``inkernel``).
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from course import inkernel

# Imported once by the server, before any settings exist: what every Django command imports first.
# (Nothing that defines a model: that needs the project's settings.)
PRELOAD = [
    "django.core.management", "django.core.management.base", "django.core.management.color",
    "django.core.checks", "django.db.models", "django.db.migrations.autodetector",
    "django.db.migrations.executor", "django.db.migrations.writer", "django.db.backends.sqlite3.base",
    "django.urls", "django.contrib.admin", "django.contrib.admin.filters", "django.test",
    "django.test.runner", "django.core.serializers.json", "django.contrib.sessions.backends.db",
    "django.template.defaulttags", "django.template.defaultfilters", "django.views.generic.base",
    "django.db.backends.postgresql.base",  # needs psycopg, the postgres extra: skipped without it
]
# What the interpreter reads as it starts, so a command needs a server started with the same values.
STARTUP = ("PYTHON", "LANG", "LC_", "TZ")
READY, READY_WAIT = b"ready", 60.0  # what the server says once Django is imported, and how long it may take
STOP_WAIT = 10.0  # seconds a stopped command has to exit before it is killed (as course.lifeline)

_server: _Server | None = None
_unavailable = False  # the server could not start in this process: commands start as new processes


class Unavailable(Exception):
    """The command server could not be started (the command then starts as a new process)."""


def enabled() -> bool:
    """Whether commands start as forks here: on Linux, unless ``COURSE_FORKSERVER=0``."""
    return sys.platform.startswith("linux") and os.environ.get("COURSE_FORKSERVER", "1") != "0"


def _forkable(argv: list[str]) -> bool:
    """Whether ``argv`` is this interpreter running a script, ``-m MODULE`` or ``-c CODE``, other than
    pytest: pytest-django's output differs when Django is imported already (its header)."""
    if not (enabled() and len(argv) >= 2 and argv[0] == sys.executable):
        return False
    if argv[1] in ("-m", "-c"):
        return len(argv) >= 3 and argv[1:3] != ["-m", "pytest"]
    return not argv[1].startswith("-")


def _startup(env: dict[str, str]) -> dict[str, str]:
    """What of ``env`` the interpreter reads as it starts (the server's output is unbuffered anyway)."""
    return {k: v for k, v in env.items() if k.startswith(STARTUP) and k != "PYTHONUNBUFFERED"}


class _Server:
    """The server as the kernel sees it: its process and its end of the socket."""

    def __init__(self, env: dict[str, str]) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.owner, self.startup, self.socket = os.getpid(), _startup(env), mine
        self.process = subprocess.Popen(
            [sys.executable, "-m", "course.forkserver", str(theirs.fileno())], pass_fds=[theirs.fileno()],
            # Nothing it says may reach a cell (ipykernel shows what its children write to its stderr).
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**env, "PYTHONUNBUFFERED": "1"}, cwd=os.path.dirname(os.path.dirname(__file__)))
        theirs.close()
        mine.settimeout(READY_WAIT)
        try:
            ready = mine.recv(16) == READY
        except OSError:
            ready = False
        if not ready:  # it could not start: commands start as new processes, which say why if they fail
            self.process.kill()
            raise Unavailable(f"the command server did not start: {self.process.wait()}")
        mine.settimeout(None)
        # Reaped as soon as it ends: ipykernel, shutting down, waits until no child of its is left,
        # a zombie included.
        threading.Thread(target=self.process.wait, daemon=True).start()

    def usable(self, env: dict[str, str]) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None and self.startup == _startup(env)

    def close(self) -> None:
        self.socket.close()  # the server exits; commands still running go on until they end


def _server_for(env: dict[str, str], fresh: bool = False) -> _Server:
    """This kernel's server for commands with the environment ``env`` (started if need be, or anew)."""
    global _server
    if fresh or _server is None or not _server.usable(env):
        if _server is not None and _server.owner == os.getpid():
            _server.close()
        _server = _Server(env)
    return _server


class _Link:
    """The kernel's end of one command's socket; ``close()`` stops the command if it still runs."""

    def __init__(self, sock: socket.socket) -> None:
        self.socket = sock

    def close(self) -> None:
        try:
            self.socket.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class Command:
    """A command started by the server, used as a ``subprocess.Popen``: ``stdout`` (and ``stderr``
    when kept apart), ``stdin.close()`` to stop it, ``wait()`` and ``returncode``."""

    def __init__(self, argv: list[str], env: dict[str, str], merged: bool) -> None:
        request = json.dumps({"argv": argv[1:], "cwd": os.getcwd(), "env": env}).encode()
        server = _server_for(env)
        out_r, out_w = os.pipe()
        err_r, err_w = (out_r, out_w) if merged else os.pipe()
        mine, theirs = socket.socketpair()
        fds = [out_w, err_w, theirs.fileno()]
        try:
            try:
                socket.send_fds(server.socket, [request], fds)
            except OSError:  # the server ended since (killed): start another, once
                socket.send_fds(_server_for(env, fresh=True).socket, [request], fds)
        except BaseException:
            for fd in {out_r, err_r}:
                os.close(fd)
            mine.close()
            raise
        finally:
            for fd in {out_w, err_w}:
                os.close(fd)
            theirs.close()
        self.stdout = open(out_r, encoding="utf-8", errors="replace")
        self.stderr = None if merged else open(err_r, encoding="utf-8", errors="replace")
        self.stdin, self._socket, self.returncode = _Link(mine), mine, None

    def wait(self) -> int:
        if self.returncode is None:
            received = b""
            while chunk := self._socket.recv(64):
                received += chunk
            self._socket.close()
            # No exit code: the server went away before the command ended (killed by the system).
            self.returncode = int(received) if received.strip() else -signal.SIGKILL
        return self.returncode


def _command(argv: list[str], env: dict[str, str], merged: bool) -> Command | None:
    """``argv`` started by the server, or ``None`` where it cannot be (it then starts as a new process)."""
    global _unavailable
    if _unavailable or not _forkable(argv):
        return None
    try:
        return Command(argv, env, merged)
    except Unavailable:
        _unavailable = True
        return None
    except FileNotFoundError:  # the current folder was deleted: the new process says what it says
        return None


def popen(argv: list[str], env: dict[str, str]) -> subprocess.Popen | Command:
    """Start ``argv`` in the current folder with the environment ``env``, stdout and stderr merged
    into one pipe; it runs as long as the kernel holds it (``stdin.close()`` stops it). Where no process
    can start (the browser edition), it runs inside the kernel and has finished on return."""
    if inkernel.enabled():
        return inkernel.Finished(argv, env)
    command = _command(argv, env, merged=True)
    if command is None:
        command = subprocess.Popen([sys.executable, "-m", "course.lifeline", *argv], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    return command


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """``subprocess.run(argv, capture_output=True, text=True, env=env)``, started by the server where
    it can be (inside the kernel in the browser edition); an interrupt stops the command."""
    if inkernel.enabled():
        command = inkernel.Finished(argv, env, merged=False)
        return subprocess.CompletedProcess(argv, command.returncode, command.stdout.read(),
                                           command.stderr.read())
    command = _command(argv, env, merged=False)
    if command is None:
        return subprocess.run(argv, capture_output=True, text=True, env=env)
    outputs: dict[str, str] = {}

    def read(name: str, file) -> None:
        outputs[name] = file.read()

    readers = [threading.Thread(target=read, args=("stdout", command.stdout), daemon=True),
               threading.Thread(target=read, args=("stderr", command.stderr), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        for reader in readers:
            while reader.is_alive():
                reader.join(0.1)
    finally:
        command.stdin.close()
        for reader in readers:
            reader.join()
        command.stdout.close()
        command.stderr.close()
        returncode = command.wait()
    return subprocess.CompletedProcess(argv, returncode, outputs["stdout"], outputs["stderr"])


# The server's side. Every function below runs in the server or in a process forked from it.

def _preload() -> None:
    """Import ``PRELOAD``, skipping what does not import here (the command imports it itself)."""
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)  # reading settings now fails instead of loading some
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # not installed, or a later Django needs settings for it
            continue


def serve(control: socket.socket) -> list[str] | None:
    """Fork a watcher for each request until the kernel closes ``control``; return ``None`` then.

    Returns a command's ``argv`` (after the interpreter) in that command's own process only.
    """
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the watchers are reaped as they exit
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 20, 3)
        except OSError:
            return None
        if not data:
            return None
        if os.fork() == 0:
            control.close()
            return _watch(json.loads(data), *fds)
        for fd in fds:
            os.close(fd)


def _watch(request: dict, out: int, err: int, link_fd: int) -> list[str]:
    """Fork the command and wait for it; send its exit code to the kernel, or stop it when the kernel
    lets go of ``link_fd`` first. Returns (in the command's process only) what the command runs."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        os.close(link_fd)
        return _become(request, out, err)
    os.close(out)
    os.close(err)
    link = socket.socket(fileno=link_fd)

    def ended() -> bool:  # without reaping it: its exit code is read below
        try:
            return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:  # reaped below already
            return True

    def stop_when_let_go() -> None:
        while link.recv(1024):
            pass
        deadline = time.monotonic() + STOP_WAIT
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if ended():
                return  # it ended already: its exit code goes to the kernel
            try:
                os.kill(pid, sig)
            except ProcessLookupError:  # reaped just now
                return
            while time.monotonic() < deadline and not ended():
                time.sleep(0.05)

    threading.Thread(target=stop_when_let_go, daemon=True).start()
    _, status = os.waitpid(pid, 0)
    try:
        link.sendall(b"%d" % os.waitstatus_to_exitcode(status))
    except OSError:  # the kernel is gone
        pass
    os._exit(0)


def _become(request: dict, out: int, err: int) -> list[str]:
    """Turn this process into the one ``python ARGV…`` would start in the request's folder."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    for fd, target in ((devnull, 0), (out, 1), (err, 2)):
        os.dup2(fd, target)
    for name in os.listdir("/proc/self/fd"):  # nothing else of the server's stays open
        if int(name) > 2:
            try:
                os.close(int(name))
            except OSError:
                pass
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    return request["argv"]


def run_as_main(argv: list[str]) -> None:
    """Run ``argv`` (what follows ``python`` on a command line) as ``__main__``, and exit as Python
    would: with the code of ``sys.exit``, or after a traceback starting at the command's own code
    with code 1 (or by the signal, for an uncaught ``KeyboardInterrupt``)."""
    _exit(inkernel.as_main(argv))


def _exit(code: int) -> None:
    """End this process as Python's own exit does, less the freeing of every module (a tenth of a
    second, with Django imported): wait for its threads, run ``atexit``, flush the output."""
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    if code == -signal.SIGINT:  # an uncaught KeyboardInterrupt ends python by the signal itself
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code & 0xFF)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Kernel › Interrupt is for the commands
    _preload()
    control = socket.socket(fileno=int(sys.argv[1]))
    control.send(READY)
    command = serve(control)
    if command is None:
        sys.exit(0)
    run_as_main(command)
