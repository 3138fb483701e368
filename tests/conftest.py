"""Fixtures shared by the test modules."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

# The learner's folders in this checkout: a test run must leave them as it found them (a test works
# in tmp_path, COURSE_WORKDIR or a copy of the course, never in the learner's copies or projects).
LEARNER_FOLDERS = ("student", "work")
_LEARNER_FILES = pytest.StashKey[dict]()
_LEARNER_CHANGES = pytest.StashKey[list]()


def learner_files() -> dict[str, tuple[int, int]]:
    """Every file under the learner's folders of this checkout: its size and modification time."""
    from course.cli import REPO

    return {str(path.relative_to(REPO)): (path.stat().st_size, path.stat().st_mtime_ns)
            for name in LEARNER_FOLDERS for path in sorted((REPO / name).rglob("*")) if path.is_file()}


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # pytest-xdist: the controller alone
        session.config.stash[_LEARNER_FILES] = learner_files()


def pytest_sessionfinish(session):
    before = session.config.stash.get(_LEARNER_FILES, None)
    if before is None:
        return
    after = learner_files()
    changes = ([f"removed {name}" for name in sorted(before.keys() - after.keys())]
               + [f"added {name}" for name in sorted(after.keys() - before.keys())]
               + [f"changed {name}" for name in sorted(before.keys() & after.keys())
                  if before[name] != after[name]])
    if changes:
        session.config.stash[_LEARNER_CHANGES] = changes
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    changes = config.stash.get(_LEARNER_CHANGES, [])
    if changes:
        terminalreporter.section("the learner's files of this checkout changed", red=True)
        folders = " or ".join(f"{name}/" for name in LEARNER_FOLDERS)
        terminalreporter.line(f"The run changed {len(changes)} file(s) in {folders} of this checkout; "
                              "tests must work in a copy of the course:")
        for change in changes[:20]:
            terminalreporter.line(f"  {change}")


@pytest.fixture(scope="session")
def restore_cache(tmp_path_factory, worker_id) -> Path:
    """One folder of restore snapshots for the whole session, shared by the pytest-xdist workers.

    Snapshots are keyed by the content of the cells they replay and only ever added whole, so
    tests that each start from their own scratch folder can share them: each earlier notebook is
    replayed once per session instead of once per test. Tests of a fresh clone do not use it.
    """
    base = tmp_path_factory.getbasetemp()
    return (base if worker_id == "master" else base.parent) / "restore-cache"


@pytest.fixture
def scratch(tmp_path, monkeypatch, restore_cache) -> Path:
    """An empty scratch folder for the notebooks run by this test (``COURSE_WORKDIR``), with the
    session's shared restore snapshots (``COURSE_CACHE``)."""
    monkeypatch.setenv("COURSE_WORKDIR", str(tmp_path / "work"))
    monkeypatch.setenv("COURSE_CACHE", str(restore_cache))
    return tmp_path / "work"


def copy_of_the_course(folder: Path, venv: str = ".venv") -> Path:
    """A throwaway clone of the course as its files are now (tracked and new files, not what git
    ignores), committed, with this checkout's ``.venv/`` linked in (or, named by ``venv``, another
    of its environments, such as ``.venv-3.13`` of make test-pythons), and its ``build/site-deps/``
    (what ``make site-deps`` fetched, for ``make site``): the place to run the commands
    the documentation shows, exactly as written, without touching this checkout's ``student/`` or
    ``work/``. Run them with :func:`copy_env`, so that the linked environment imports the copy's
    ``course`` package rather than this checkout's (it is installed in editable mode)."""
    from course.cli import REPO

    if Path(sys.prefix).resolve() != (REPO / ".venv").resolve():
        pytest.skip("the documented commands run with the course's .venv/ (make test), not "
                    f"{Path(sys.prefix).name}/: make would rebuild the environment it runs in")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():  # a file deleted but not yet committed is left out
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, folder / name)
    try:
        (folder / ".venv").symlink_to(REPO / venv, target_is_directory=True)
    except OSError:
        if os.name != "nt":
            raise
        # Windows lets only administrators and developer mode make symbolic links; a junction, the
        # folder link any user may make, does the same here (and rmtree removes it, not its target).
        subprocess.run(["cmd", "/c", "mklink", "/J", str(folder / ".venv"), str(REPO / venv)],
                       check=True, capture_output=True)
    deps = REPO / "build" / "site-deps"  # what `make site-deps` fetched (ignored by git), for `make site`
    if deps.is_dir():
        (folder / "build").mkdir(exist_ok=True)
        (folder / "build" / "site-deps").symlink_to(deps, target_is_directory=True)
    git = ["git", "-c", "user.name=course", "-c", "user.email=course@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the course as tested"]):
        subprocess.run([*git, *args], cwd=folder, check=True, capture_output=True)
    return folder


def copy_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment for a command run in the copy ``folder``: this one without the course's,
    pytest's and make's own variables (a shell has none of them), with the copy's ``course``
    package first on the path. ``SHELL`` goes too, as on a CI runner or in a container: the
    lessons' terminal recipe must work there, not only under the tester's login shell."""
    own = ("COURSE_", "PYTEST_", "JUPYTER_", "MAKE", "MFLAGS")  # make's: as typed in a shell, not under make
    env = {k: v for k, v in os.environ.items() if not k.startswith(own) and k != "SHELL"}
    return {**env, "PYTHONPATH": str(folder), **extra}


LAB_TOKEN = "course-browser-test"


@contextlib.contextmanager
def documented_lab(folder: Path, command: str, timeout: float = 180, **extra: str) -> Iterator[str]:
    """Run ``command`` (``make lab`` or another JupyterLab command, exactly as the documentation
    writes it) in the copy ``folder`` as a person does: JupyterLab hands the page it opens to
    ``BROWSER``, here a recorder. Yield that page's address (the token included); then stop the
    command and everything it started, by its process group. ``extra``: more environment (PATH)."""
    from course.server import free_port

    if os.name == "nt":
        pytest.skip("the documented JupyterLab commands are run here on Linux and macOS")
    recorder, urls, log = (folder.parent / name for name in ("browser", "opened.txt", "lab.log"))
    urls.unlink(missing_ok=True)  # what an earlier run in the same folder opened
    recorder.write_text(f'#!/bin/sh\necho "$1" >> "{urls}"\n', encoding="utf-8")
    recorder.chmod(0o755)
    env = copy_env(folder, BROWSER=f"{recorder} %s", JUPYTER_TOKEN=LAB_TOKEN, JUPYTER_PORT=str(free_port()),
                   **extra)
    with open(log, "w", encoding="utf-8") as output:
        process = subprocess.Popen(shlex.split(command), cwd=folder, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not (urls.is_file() and urls.read_text()) and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if not (urls.is_file() and urls.read_text()):
            tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-8:])
            pytest.fail(f"`{command}` opened no page (exit code {process.poll()}); its last lines:\n{tail}")
        opened = urls.read_text(encoding="utf-8").split()[0]
        if opened.startswith("file://"):  # JupyterLab's redirect page, holding the real address
            page = Path(unquote(urlparse(opened).path)).read_text(encoding="utf-8")
            opened = re.search(r'http://[^"\s]+', page).group()
        yield opened
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen, grace: float = 60) -> None:
    """Stop ``process`` and every process of its group, JupyterLab included (make exits first):
    SIGTERM, which lets JupyterLab shut its kernels down, then SIGKILL to what is left after
    ``grace`` seconds."""
    deadline = time.monotonic() + grace
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
        while time.monotonic() < deadline:
            process.poll()  # make itself, reaped once it exits: a zombie still counts in its group
            os.killpg(process.pid, 0)  # ProcessLookupError once the whole group is gone
            time.sleep(0.5)
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, one for the session (Playwright's sync API allows one at a time)."""
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        pytest.fail("make test-browser needs Chromium: install Debian's chromium package, or set CHROMIUM")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


ANSI = re.compile(r"\x1b\[[0-9;]*m")


class LiveKernel:
    """A real IPython kernel of this environment, started as JupyterLab starts one for a lesson (in
    ``cwd``, with ``env``), for the fault suite: run cells, interrupt or kill it mid-cell."""

    def __init__(self, cwd: Path, env: dict[str, str]):
        from jupyter_client import KernelManager

        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(cwd=str(cwd), env=env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        self.displayed: list[dict] = []  # what the last cell run displayed, each as its MIME bundle

    @property
    def pid(self) -> int:
        """The kernel's process id."""
        return self.manager.provisioner.process.pid

    def send(self, code: str) -> str:
        """Start running ``code`` without waiting for it; the message id, for :meth:`result`."""
        return self.client.execute(code, store_history=True)

    def result(self, msg_id: str, timeout: float = 180) -> tuple[str, str]:
        """What the cell ``msg_id`` printed (streams and displayed text), and its error as JupyterLab
        shows it (the traceback's lines, colours removed; "" when none), once it has finished. What
        it displayed, as data, is in ``displayed`` until the next cell."""
        printed, error = [], ""
        self.displayed = []
        while True:
            msg = self.client.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                printed.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                self.displayed.append(content["data"])
                if "text/plain" in content["data"]:  # a check's result has none: JupyterLab shows nothing
                    printed.append(content["data"]["text/plain"] + "\n")
            elif kind == "error":
                error = ANSI.sub("", "\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(printed), error

    def run(self, code: str, timeout: float = 180) -> tuple[str, str]:
        """Run ``code`` as a cell; what it printed and its error (see :meth:`result`)."""
        return self.result(self.send(code), timeout)

    def interrupt(self) -> None:
        """What Kernel › Interrupt does (SIGINT)."""
        self.manager.interrupt_kernel()

    def kill(self) -> None:
        """Kill the kernel's process (SIGKILL), as a crash or the system's out-of-memory killer."""
        self.manager.provisioner.process.kill()
        self.manager.provisioner.process.wait()

    def shutdown(self) -> None:
        """Shut the kernel down as JupyterLab does (idempotent)."""
        self.client.stop_channels()
        if self.manager.has_kernel:
            self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernels(tmp_path, restore_cache) -> Iterator:
    """Start real lesson kernels: ``kernels(**env)`` returns a :class:`LiveKernel` running in
    ``notebooks/``, with its scratch folders in ``tmp_path/work`` (``COURSE_WORKDIR``, or ``env``'s)
    and the session's restore snapshots. Every kernel is shut down after the test."""
    from course.series import NOTEBOOKS

    started: list[LiveKernel] = []

    def start(cwd: Path = NOTEBOOKS, **env: str) -> LiveKernel:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COURSE_"))}
        base |= {"COURSE_WORKDIR": str(tmp_path / "work"), "COURSE_CACHE": str(restore_cache)}
        started.append(LiveKernel(cwd, base | env))
        return started[-1]

    yield start
    for kernel in started:
        kernel.shutdown()
