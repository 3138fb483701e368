"""The machines the README promises: the CI workflow runs the README's command on Linux, macOS and
Windows with every supported Python, and the Windows side of the course's POSIX mechanisms (tried
here by giving the code what Windows gives it: no ``os.geteuid``, ``os.name == "nt"``)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import PurePosixPath

import pytest
import yaml

from course import PYTHONS, cli, lab, postgres
from course.series import lesson

WORKFLOW = yaml.safe_load((cli.REPO / ".github" / "workflows" / "test.yml").read_text(encoding="utf-8"))
README = (cli.REPO / "README.md").read_text(encoding="utf-8")
RUNNERS = {"ubuntu": "Linux", "macos": "macOS", "windows": "Windows"}  # runs-on label -> runner.os


def runs(job: dict, system: str) -> list[str]:
    """The commands ``job`` runs where ``runner.os`` is ``system``."""
    found = []
    for step in job["steps"]:
        condition = step.get("if", "")
        match = re.fullmatch(r"runner\.os (==|!=) '(\w+)'", condition)
        assert match or not condition, f"a condition this test cannot read: {condition}"
        if "run" in step and (not match or (match[2] == system) == (match[1] == "==")):
            found.append(step["run"])
    return found


def test_ci_runs_the_suite_on_every_os_with_every_supported_python():
    job = WORKFLOW["jobs"]["test"]
    matrix = job["strategy"]["matrix"]
    assert {label.split("-")[0] for label in matrix["os"]} == set(RUNNERS)
    assert matrix["python"] == list(PYTHONS), "the matrix's Pythons are course.PYTHONS (quoted strings)"
    assert not {"include", "exclude"} & set(matrix), "every OS with every Python, none left out"
    assert job["runs-on"] == "${{ matrix.os }}"
    setup = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "${{ matrix.python }}"
    assert job["strategy"]["fail-fast"] is False and 0 < job["timeout-minutes"] <= 60


def test_ci_runs_the_readmes_commands():
    job = WORKFLOW["jobs"]["test"]
    for system in ("Linux", "macOS"):
        assert "make test" in runs(job, system)
    windows = runs(job, "Windows")
    assert "python -m course test" in windows and not any(r.startswith("make") for r in windows)
    assert re.search(r"^make test ", README, re.M), "the README's test command"
    assert "Every target is also `python -m course TARGET`" in README, "the README's form without make"
    assert cli.parser().parse_known_args(["test"])[0].command == "test"
    browser = WORKFLOW["jobs"]["browser"]
    assert browser["runs-on"].startswith("ubuntu") and "make test-browser" in runs(browser, "Linux")
    assert "`make test-browser`" in README and "apt install chromium" in README
    assert any("chromium" in r for r in runs(browser, "Linux")), "Debian's chromium, as the README says"


def test_ci_uses_the_official_actions_at_a_major_version():
    uses = [s["uses"] for job in WORKFLOW["jobs"].values() for s in job["steps"] if "uses" in s]
    assert uses and all(re.fullmatch(r"actions/(checkout|setup-python)@v\d+", u) for u in uses), uses


@pytest.mark.parametrize(("euid", "allowed"), [(None, False), (0, True), (1000, False)],
                         ids=["windows", "root", "user"])
def test_jupyterlab_is_allowed_to_run_as_root_only_where_there_is_a_root(euid, allowed, monkeypatch):
    """Windows has no ``os.geteuid`` (and no root): JupyterLab starts without --allow-root there."""
    if euid is None:
        monkeypatch.delattr(os, "geteuid", raising=False)
    else:
        monkeypatch.setattr(os, "geteuid", lambda: euid, raising=False)
    argv, _ = lab.lab_command(cli.REPO / ".venv" / "bin" / "python")
    assert ("--allow-root" in argv) is allowed


@pytest.mark.parametrize(("name", "python"), [("posix", "bin/python"), ("nt", "Scripts/python.exe")])
def test_the_venvs_python_is_where_venv_puts_it_on_each_os(name, python, monkeypatch, tmp_path):
    monkeypatch.setattr(os, "name", name)
    assert cli.python_in(tmp_path) == tmp_path.joinpath(*python.split("/"))


@pytest.mark.parametrize(("name", "detached"), [
    ("posix", {"start_new_session": True}),  # out of the kernel's process group, which Jupyter kills
    ("nt", {"creationflags": 0x200}),  # CREATE_NEW_PROCESS_GROUP: Windows has no sessions
])
def test_the_postgres_guard_outlives_the_kernel_on_each_os(name, detached, monkeypatch):
    started = []
    monkeypatch.setattr(os, "name", name)
    monkeypatch.setattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200, raising=False)  # as on Windows
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **options: started.append((argv, options)))
    pg = postgres.EmbeddedPostgres.__new__(postgres.EmbeddedPostgres)  # no server: only the guard
    pg.folder = PurePosixPath(f"/course/work/{lesson('postgresql').stem}/pg")
    pg._start_guard()
    ((argv, options),) = started
    assert argv[-3:] == ["course.lifeline", "--folder", str(pg.folder)]
    assert options == {"stdin": subprocess.PIPE, **detached}
