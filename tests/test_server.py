"""Unit tests of ``course.server``: the development server in the background."""

from __future__ import annotations

import socket

import pytest

from course.server import DevServer


def test_busy_port_is_reported_before_starting_anything():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(OSError, match=f"Port {port} .* already in use"):
            DevServer(port=port)


def test_a_stopped_server_still_shows_its_log_and_requests(tmp_path, monkeypatch):
    import shutil

    from course import project

    shutil.copytree(project.PROJECT, tmp_path / "p", ignore=shutil.ignore_patterns("*.sqlite3"))
    monkeypatch.chdir(tmp_path / "p")
    server = DevServer()
    server.stop()
    assert "Starting development server" in server.log()
    assert server.requests() == [] and not server.running


def test_a_port_taken_while_runserver_starts_is_replaced_and_ready_means_ours(tmp_path, monkeypatch):
    """free_port() then runserver's bind is a race with parallel runs: a port taken meanwhile makes
    runserver exit, and DevServer takes another; ready means our own runserver logged our probe."""
    import shutil

    from course import project, server

    shutil.copytree(project.PROJECT, tmp_path / "p", ignore=shutil.ignore_patterns("*.sqlite3"))
    monkeypatch.chdir(tmp_path / "p")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = iter([taken.getsockname()[1], server.free_port()])
        monkeypatch.setattr(server, "free_port", lambda: next(ports))
        dev = DevServer()
        try:
            assert dev.port != taken.getsockname()[1] and dev.running
            assert f"?{server.PROBE}=" in dev.log()  # our runserver answered our probe
            assert dev.requests() == []  # the probe is not one of the learner's requests
        finally:
            dev.stop()


FAKE_RUNSERVER = """import subprocess, sys, time
print("Performing system checks...")
print("System check identified 1 issue (0 silenced).", flush=True)
if "--noreload" in sys.argv:
    sys.exit(1)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # as the autoreloader's
open("child.pid", "w").write(str(child.pid))
time.sleep(60)
"""


def test_runserver_checks_shows_the_exit_code_or_stops_what_still_runs_with_its_child(tmp_path, monkeypatch,
                                                                                      capsys):
    """A runserver whose checks failed: with --noreload its exit code; with the autoreloader it still runs,
    and it is stopped with the child it started (which a terminated parent leaves behind on Windows)."""
    import psutil

    from course.server import runserver_checks

    (tmp_path / "manage.py").write_text(FAKE_RUNSERVER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runserver_checks("--noreload")
    assert capsys.readouterr().out.splitlines() == [
        "$ python manage.py runserver 127.0.0.1:<port> --noreload", "Performing system checks...",
        "System check identified 1 issue (0 silenced).", "[exit code 1]"]
    runserver_checks("--settings=x")
    assert capsys.readouterr().out.splitlines()[-1].startswith("[still running after its checks")
    child = int((tmp_path / "child.pid").read_text())
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE
