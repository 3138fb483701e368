"""Django's development server as a background process that is always stopped."""

from __future__ import annotations

import atexit
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from course import lifeline
from course.shell import require_project

HOST = "127.0.0.1"  # loopback only: the dev server is never reachable from other machines
BANNER_END = "For more information on production servers see:"  # last line runserver prints at start


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    """Whether something already accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


class DevServer:
    """``manage.py runserver`` on 127.0.0.1 in the background; use ``stop()`` or a ``with`` block.

    ``settings`` names a settings module (``--settings``); without it, manage.py's default applies.
    """

    started: list[DevServer] = []  # every server this process started, for stop_all()

    def __init__(self, port: int | None = None, timeout: float = 30.0, settings: str | None = None):
        if port is not None and port_in_use(port):
            raise OSError(
                f"Port {port} on {HOST} is already in use (another runserver, or another notebook?). "
                "Stop that server, or call DevServer() without a port to get a free one."
            )
        require_project()
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._log = open(Path("runserver.log"), "w+", encoding="utf-8")
        # Through course.lifeline, which stops runserver when this kernel ends, however it ends
        # (Linux, macOS and Windows): the kernel holds the other end of its stdin pipe.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "course.lifeline",
             sys.executable, "manage.py", "runserver", f"{HOST}:{self.port}", "--noreload",
             *([f"--settings={settings}"] if settings else [])],
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        atexit.register(self.stop)
        DevServer.started.append(self)
        self._wait(timeout)

    @classmethod
    def stop_all(cls) -> None:
        """Stop every server this process started (a notebook's first cell calls this)."""
        while cls.started:
            cls.started.pop().stop()

    def _wait(self, timeout: float) -> None:
        """Return once this runserver says it serves on our port and the port answers."""
        deadline = time.monotonic() + timeout
        ours = f"Starting development server at {self.url}/"
        while not (ours in self.log() and port_in_use(self.port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"runserver did not start. It printed:\n{self.log()}")
            time.sleep(0.1)

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
        return [" ".join(match) for match in found]

    def stop(self) -> None:
        """Stop the server (idempotent) and wait for it to exit."""
        if not self.process.stdin.closed:
            self.process.stdin.close()  # the lifeline stops runserver, then exits
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            lifeline.stop(self.process)
        self._log.close()
        atexit.unregister(self.stop)
        if self in DevServer.started:
            DevServer.started.remove(self)

    def __enter__(self) -> DevServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<DevServer {state} on {HOST}, port chosen at start>"
