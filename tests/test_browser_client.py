"""Unit tests of ``course.browser``, the HTTP client that reads the admin's pages (``tests/test_browser.py``
is another thing: the learner's walkthrough in Chromium, ``make test-browser``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from course import shell, workspace
from course.browser import Browser, ServerGone
from course.server import DevServer, free_port


def test_a_browser_on_a_stopped_server_says_so_in_one_line():
    with pytest.raises(ServerGone, match=r"the dev server is stopped .*server = DevServer\(\)"):
        Browser(f"http://127.0.0.1:{free_port()}").get("/admin/")


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    """The finished project, migrated, with a superuser, served by the real dev server."""
    import shutil
    import subprocess

    folder = tmp_path_factory.mktemp("admin") / "project"
    shutil.copytree(workspace.REPO / "project", folder, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**shell.terminal_env(), "DJANGO_SUPERUSER_PASSWORD": "course-local-only"}
    for args in (["migrate", "--database=auth_db"], ["migrate", "--database=acmeapp_db"],
                 ["createsuperuser", "--noinput", "--username=admin", "--email=admin@example.com",
                  "--database=auth_db"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=folder, env=env, check=True,
                       capture_output=True)
    here = Path.cwd()
    os.chdir(folder)
    try:
        server = DevServer()
    finally:
        os.chdir(here)
    yield server
    server.stop()


@pytest.mark.slow
def test_page_reads_the_real_admin_login_form_and_its_errors(admin_server):
    browser = Browser(admin_server.url)
    form = browser.get("/admin/login/")
    assert (form.status, form.path, form.title) == (200, "/admin/login/", "Log in | Django site admin")
    assert form.errors == [] and form.messages == []
    wrong = browser.login("admin", "not-the-password")
    assert wrong.path == "/admin/login/"
    assert wrong.errors == ["Please enter the correct username and password for a staff account. Note that "
                            "both fields may be case-sensitive."]
    page = browser.login("admin", "course-local-only")
    assert (page.status, page.path, page.title) == (200, "/admin/", "Site administration | Django site admin")


@pytest.mark.slow
def test_page_reads_the_real_add_form_errors_change_list_and_messages(admin_server):
    browser = Browser(admin_server.url)
    browser.login("admin", "course-local-only")
    invalid = browser.post_form("/admin/acmeapp/post/add/", {"title": "", "body": ""})
    assert invalid.path == "/admin/acmeapp/post/add/"
    assert invalid.errors == ["Please correct the error below.", "This field is required."]
    saved = browser.post_form("/admin/acmeapp/post/add/", {"title": "Read with Beautiful Soup", "body": ""})
    assert (saved.path, saved.title) == ("/admin/acmeapp/post/", "Select post to change | Django site admin")
    assert saved.messages == ["The post “Read with Beautiful Soup” was added successfully."]
    assert browser.get("/admin/acmeapp/post/999999/change/").path == "/admin/"  # the admin redirects
    assert browser.get("/no-such-page/").status == 404  # a real status, not an exception
