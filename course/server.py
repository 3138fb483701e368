"""Django's development server as a background process that is always stopped."""

from __future__ import annotations

import html
import importlib.util
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

from course import background, inkernel, lifeline
from course.errors import CourseError
from course.shell import require_project, shorten, terminal_env, typed

HOST = "127.0.0.1"  # loopback only: the dev server is never reachable from other machines
PROBE = "course-ready"  # the query parameter of the request that tells that our runserver answers
BANNER_END = "For more information on production servers see:"  # last line runserver prints at start
CHECKED = "System check identified"  # how runserver's report of the system checks ends (or its banner)
GRACE = 0.3  # seconds a runserver with its autoreloader is watched, after its checks' report, still running


class PortInUse(CourseError, OSError):
    """The port asked for is taken by another process (an ``OSError`` too, as it was)."""


class ServerFailed(CourseError):
    """runserver exited, or did not answer in time; what it printed is shown above the error."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def proxy_prefix(port: int) -> str | None:
    """Where the learner's browser reaches ``port`` of this machine: ``/user/NAME/proxy/PORT`` on a
    JupyterHub or Binder whose environment has jupyter-server-proxy (the course's ``hub`` extra);
    None where the browser runs on this machine, or nothing proxies for it."""
    service = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
    if not service or importlib.util.find_spec("jupyter_server_proxy") is None:
        return None
    return f"{service.rstrip('/')}/proxy/{port}"


class Link(str):
    """An address to open in the browser: shown as itself, and as a link in JupyterLab."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return f'<a href="{html.escape(self)}" target="_blank">{html.escape(self)}</a>'


def port_in_use(port: int) -> bool:
    """Whether something already accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


class DevServer:
    """``manage.py runserver`` on 127.0.0.1 in the background; use ``stop()`` or a ``with`` block.

    ``settings`` names a settings module (``--settings``); without it, manage.py's default applies.
    """

    kind = "dev server"  # for course.background
    paused_note = ("the dev server (to go on, rerun the cells from `server = DevServer()` down: it starts "
                   "afresh, and the browser must log in again)")

    def __init__(self, port: int | None = None, timeout: float = 30.0, settings: str | None = None):
        if port is not None and port_in_use(port):
            raise PortInUse(
                f"Port {port} on {HOST} is already in use (another runserver, or another notebook?). "
                "Stop that server, or call DevServer() without a port to get a free one."
            )
        require_project()
        self._settings = settings
        # A free port can be taken by another process before runserver binds it (parallel runs):
        # then runserver exits at once, and a port of our own choosing is simply chosen again.
        try:
            for attempt in range(3):
                self._start(port or free_port())
                if self._wait(timeout):
                    break
                if port is not None or attempt == 2:
                    raise PortInUse(f"Port {self.port} on {HOST} was taken by another process while "
                                    "runserver started. Call DevServer() without a port to get a free one.")
        except BaseException:  # failed, or interrupted while it started: nothing left running
            if hasattr(self, "process"):
                self._stop_process()
            raise
        background.register(self)

    def _start(self, port: int) -> None:
        self.port = port
        self.url = f"http://{HOST}:{self.port}"
        self._log = open(Path("runserver.log"), "w+", encoding="utf-8")
        # On a hub, runserver is told the proxy's prefix, which the learner's browser goes through
        # (course.proxied); elsewhere it is plain `python manage.py runserver`.
        prefix = proxy_prefix(port)
        behind = ["-m", "course.proxied", prefix] if prefix else []
        # Through its guard (course.lifeline), which runs runserver and stops it when this kernel
        # ends, however it ends (Linux, macOS and Windows). The environment is a new terminal's, as
        # for every command the notebooks run.
        self.process = background.start_guard(
            [sys.executable, *behind, "manage.py", "runserver", f"{HOST}:{self.port}", "--noreload",
             *([f"--settings={self._settings}"] if self._settings else [])],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=terminal_env(PYTHONUNBUFFERED="1"),
        )

    def _answers(self) -> bool:
        """Whether this very runserver answers on its port: a request marked with a token of our
        own must appear in its log (another process on the port would answer, but not log it)."""
        import requests  # here: lesson 13's runserver_checks imports this module in the browser, without it

        token = secrets.token_hex(8)
        try:
            requests.get(f"{self.url}/admin/login/?{PROBE}={token}", timeout=5)
        except requests.RequestException:
            return False
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if f"{PROBE}={token}" in self.log():
                return True
            time.sleep(0.05)
        return False

    def _wait(self, timeout: float) -> bool:
        """Return once this runserver is alive and answers on our port (True); False if it exited
        because the port was taken meanwhile; raise if it failed otherwise or took too long."""
        deadline = time.monotonic() + timeout
        ours = f"Starting development server at {self.url}/"
        while not (self.process.poll() is None and ours in self.log() and self._answers()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                taken = "That port is already in use" in self.log()
                why = "exited" if self.process.poll() is not None else f"did not answer within {timeout:g} s"
                self._stop_process()
                if taken:
                    return False
                print(shorten(self.log()).rstrip())
                raise ServerFailed(f"runserver {why}; what it printed is above (often an error in the "
                                   "settings or the project's code): fix that, then rerun this cell.")
            time.sleep(0.1)
        return True

    def link(self, path: str = "/admin/") -> Link:
        """The address of ``path`` on this server for your browser: ``http://127.0.0.1:PORT/…`` where
        the browser runs on this machine, the path through the hub's proxy on a JupyterHub."""
        if not self.running:
            raise ServerFailed("This server is stopped, so its link would open nothing: start one again "
                               "(server = DevServer()) and ask that one.")
        path = f"/{path.lstrip('/')}"  # "admin/" as "/admin/"
        prefix = proxy_prefix(self.port)
        if prefix is None:
            return Link(f"{self.url}{path}")
        return Link(f"{os.environ.get('JUPYTERHUB_PUBLIC_URL', '').rstrip('/')}{prefix}{path}")

    def startup(self) -> str:
        """What runserver printed when it started, with the date and the port masked (they change on
        every run)."""
        deadline = time.monotonic() + 5  # the banner's last lines follow the bind by a moment
        while BANNER_END not in self.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        banner = self.log().split("\n[", 1)[0]  # request lines start with "[date]"
        banner = re.sub(r"^.* \d{4} - .*$", "<date and time of the start>", banner, flags=re.M)
        return banner.replace(f":{self.port}/", ":<port>/").rstrip()

    @property
    def running(self) -> bool:
        """Whether the server process is still alive."""
        return self.process.poll() is None

    def log(self) -> str:
        """What the server printed so far."""
        if not self._log.closed:
            self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8")

    def requests(self) -> list[str]:
        """The requests served so far, as ``METHOD path status`` (the log's timestamps left out)."""
        found = re.findall(r'"([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3})', self.log())
        return [" ".join(match) for match in found if f"?{PROBE}=" not in match[1]]

    def _stop_process(self) -> None:
        background.release(self.process)  # the guard stops runserver, then exits
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            lifeline.stop(self.process)
        self._log.close()

    def stop(self) -> None:
        """Stop the server (idempotent) and wait for it to exit."""
        self._stop_process()
        background.forget(self)

    def pause(self) -> bool:
        """Stop the server (a dev server is started afresh, from its cell). Return True: even one that
        ended by itself (an interrupt reaches runserver too) must be started again from its cell."""
        self.stop()
        return True

    def resume(self) -> None:
        """Nothing to do: a stopped dev server has left the registry (``course.background``)."""

    def __enter__(self) -> DevServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<DevServer {state} on {HOST}, port chosen at start>"


def runserver_checks(*args: str, timeout: float = 30.0) -> None:
    """Run ``manage.py runserver 127.0.0.1:<a free port> *args`` until its system checks have reported
    (or it has exited); print the command, what it printed, and its exit code or that it still runs;
    then stop it, with every process it started (the autoreloader serves from a child process).

    For showing what runserver does with failing checks: with the autoreloader it keeps running.
    The port is shown as ``<port>``, the date of a start masked, and tracebacks as ``shorten`` prints them.
    """
    require_project()
    if inkernel.IN_BROWSER:  # one line, and Run All goes on: the lesson's other cells run there
        print(typed(["python", "manage.py", "runserver", f"{HOST}:<port>", *args]))
        print("[runserver starts a server, which the browser edition cannot: run this cell where the "
              "course is installed]")
        return
    port = free_port()
    log_path = Path("runserver.log")
    with open(log_path, "w", encoding="utf-8") as log:
        guard = background.start_guard([sys.executable, "manage.py", "runserver", f"{HOST}:{port}", *args],
                                       stdout=log, stderr=subprocess.STDOUT,
                                       env=terminal_env(PYTHONUNBUFFERED="1"))
        try:
            code = _exit_after_checks(guard, log_path, timeout, exits="--noreload" in args)
        finally:
            _stop_tree(guard)
    print(typed(["python", "manage.py", "runserver", f"{HOST}:{port}", *args]).replace(f":{port}", ":<port>"))
    printed = shorten(log_path.read_text(encoding="utf-8")).rstrip().replace(f":{port}/", ":<port>/")
    print(re.sub(r"^.* \d{4} - .*$", "<date and time of the start>", printed, flags=re.M))
    print(f"[exit code {code}]" if code is not None else
          "[still running after its checks, waiting for a file to change: stopped here]")


def _exit_after_checks(guard: subprocess.Popen, log_path: Path, timeout: float, exits: bool) -> int | None:
    """Wait until the runserver under ``guard`` has exited (its exit code) or reported its checks and
    is still running ``GRACE`` seconds later (None). One that ``exits`` (``--noreload``: no reloader
    keeps it alive) is waited for to the end of ``timeout``, however slowly it exits on a busy machine."""
    deadline = time.monotonic() + timeout
    while guard.poll() is None and CHECKED not in log_path.read_text(encoding="utf-8"):
        if time.monotonic() > deadline:
            raise ServerFailed(f"runserver reported no system checks within {timeout:g} s.")
        time.sleep(0.1)
    try:
        return guard.wait(max(deadline - time.monotonic(), GRACE) if exits else GRACE)
    except subprocess.TimeoutExpired:
        if exits:
            raise ServerFailed(f"runserver --noreload still ran {timeout:g} s after its checks.") from None
        return None


def _stop_tree(guard: subprocess.Popen) -> None:
    """Stop what ``guard`` runs and every process that started, then the guard itself."""
    import psutil

    try:
        started = psutil.Process(guard.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    background.release(guard)  # the guard stops its command, then exits
    try:
        guard.wait(timeout=15)
    except subprocess.TimeoutExpired:
        lifeline.stop(guard)
    for process in started:  # on Windows the autoreloader's child outlives its parent
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(started, timeout=10)
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
