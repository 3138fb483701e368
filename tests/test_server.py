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
    assert server.link() == server.link("admin/") == f"{server.url}/admin/"
    server.stop()
    assert "Starting development server" in server.log()
    assert server.requests() == [] and not server.running
    from course.server import ServerFailed

    with pytest.raises(ServerFailed, match="This server is stopped, so its link would open nothing"):
        server.link()


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


def test_the_admin_link_is_the_local_address_without_a_hub():
    from course.server import Link

    link = Link("http://127.0.0.1:8000/admin/")
    assert repr(link) == "http://127.0.0.1:8000/admin/"
    assert link._repr_html_() == ('<a href="http://127.0.0.1:8000/admin/" target="_blank">'
                                  "http://127.0.0.1:8000/admin/</a>")


def test_behind_a_hubs_proxy_runserver_writes_the_prefix_and_checks_the_hubs_origin(tmp_path, monkeypatch):
    """On a hub (jupyter-server-proxy takes /user/NAME/proxy/PORT off the path and says it in
    X-Forwarded-Prefix): links and static files carry the prefix, a redirect's Location does not (the
    proxy adds it), a form posted from another site is refused; a request from the kernel, without
    the header, is served as by a plain runserver. Only this Unix user's processes are answered."""
    import os
    import re
    import shutil
    import subprocess
    import sys

    import requests

    from course import project, server

    shutil.copytree(project.PROJECT, tmp_path / "p", ignore=shutil.ignore_patterns("*.sqlite3"))
    monkeypatch.chdir(tmp_path / "p")
    subprocess.run([sys.executable, "manage.py", "migrate", "--database=auth_db", "-v0"], check=True)
    subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--username=admin",
                    "--email=admin@example.com", "--database=auth_db"], check=True,
                   env={**os.environ, "DJANGO_SUPERUSER_PASSWORD": "pw"})
    monkeypatch.setattr(server, "proxy_prefix", lambda port: f"/user/ada/proxy/{port}")
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", "https://hub.example.org/")
    dev = DevServer()
    try:
        prefix = f"/user/ada/proxy/{dev.port}"
        assert dev.link() == f"https://hub.example.org{prefix}/admin/"
        hub = {"X-Forwarded-Prefix": prefix, "Host": "hub.example.org", "X-Forwarded-Proto": "https"}
        browser = requests.Session()
        moved = browser.get(f"{dev.url}/admin/", headers=hub, allow_redirects=False)
        assert moved.headers["Location"] == f"/admin/login/?next={prefix}/admin/"
        login = browser.get(f"{dev.url}/admin/login/", headers=hub)
        assert f'href="{prefix}/static/admin/css/base.css"' in login.text
        assert browser.get(f"{dev.url}/static/admin/css/base.css", headers=hub).status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
        form = {"csrfmiddlewaretoken": token, "username": "admin", "password": "pw",
                "next": f"{prefix}/admin/"}
        forged = browser.post(f"{dev.url}/admin/login/", data=form, allow_redirects=False,
                              headers={**hub, "Origin": "https://elsewhere.example"})
        assert forged.status_code == 403
        done = browser.post(f"{dev.url}/admin/login/", data=form, allow_redirects=False,
                            headers={**hub, "Origin": "https://hub.example.org"})
        assert (done.status_code, done.headers["Location"]) == (302, "/admin/")
        plain = requests.get(f"{dev.url}/admin/", allow_redirects=False)  # the kernel's own Browser
        assert plain.headers["Location"] == "/admin/login/?next=/admin/"
        python = shutil.which("python3", path="/usr/bin")  # one any user may run
        if os.geteuid() == 0 and shutil.which("runuser") and python:  # another Unix user on this machine
            ask = f"import urllib.request; urllib.request.urlopen('{dev.url}/admin/login/')"
            other = subprocess.run(["runuser", "-u", "nobody", "--", python, "-c", ask],
                                   capture_output=True, text=True)
            assert other.returncode != 0 and "closed connection" in other.stderr, other.stderr
    finally:
        dev.stop()
