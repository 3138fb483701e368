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
