"""JupyterLab for the course (``make lab``, ``make lab-solutions``): the command that starts it with
the course's settings on the learner's copies or on the solved notebooks, the one already serving
them (a second would save its tabs over the first one's), and Ctrl-C left to JupyterLab itself.

Standard library only, like ``cli``, whose paths it uses and which imports it when a command needs
JupyterLab: it runs with the interpreter the learner chose, JupyterLab in the course's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import webbrowser
from pathlib import Path

from course.cli import SETTINGS, WORKSPACES, shown
from course.series import REPO, notebooks


def start(python: Path, solutions: bool = False) -> int:
    """Open the learner's JupyterLab (the teacher's, with ``solutions``) and return its exit code
    when it stops; or, when one already serves the same copies, open that one in the browser."""
    command, folder = lab_command(python, solutions)
    running = serving(python, REPO if solutions else REPO / "student")
    if running:  # a second one would autosave over the first one's tabs
        print(f"JupyterLab already serves {shown(Path(running['root_dir']))} (process "
              f"{running['pid']}): opening it. To start afresh, stop that one first (File › Shut "
              "Down, or Ctrl-C where it runs).")
        page = f"{running['url']}lab?token={running['token']}"
        if not webbrowser.open(page):
            print(f"No browser could be opened here: open {page}")
        return 0
    forget_tabs(solutions)
    return until_it_exits(command, cwd=folder, env=terminal_shell(os.environ))


def lab_command(python: Path, solutions: bool = False) -> tuple[list[str], Path]:
    """JupyterLab on 127.0.0.1, open on the first lesson, with the course's settings: the command
    and the folder of the lessons, to run it in.

    Learners get a JupyterLab that serves only their own copies in student/ (exercises to do), so
    that autosave can never rewrite the solved notebooks the tests compare; ``solutions`` serves
    the whole course, open on notebooks/, with autosave off. Both: Markdown such as the index opens
    rendered, no "Jupyter news?" toast (``jupyter-settings/``), a workspace of their own in the
    course's folder, and at most two lessons' kernels running (``course.lessonkernels``). It runs in
    the folder of the lessons: jupyter_server finds the file to open from its working directory, and
    a terminal (*File › New › Terminal*) starts there, where the lessons' ``cd`` lines begin.
    """
    who, root = ("teacher", REPO) if solutions else ("learner", REPO / "student")
    argv = [str(python), "-m", "jupyterlab", f"--ServerApp.root_dir={root}", "--ServerApp.ip=127.0.0.1",
            f"--LabApp.app_settings_dir={SETTINGS / who}", f"--LabApp.workspaces_dir={WORKSPACES / who}",
            "--ServerApp.session_manager_class=course.lessonkernels.RecentLessons"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # JupyterLab refuses root without it (containers, CI images)
    return [*argv, notebooks()[0].name], REPO / "notebooks" if solutions else root


def terminal_shell(env: dict[str, str]) -> dict[str, str]:
    """``env`` with a ``SHELL`` for JupyterLab's terminal. It starts the learner's ``$SHELL``; where
    none is set (a container, a CI runner, some hubs' spawners) it falls back to ``sh``, in which
    the lessons' ``source .venv/bin/activate`` fails: bash then, when the machine has it."""
    bash = shutil.which("bash")
    return env if env.get("SHELL") or not bash else {**env, "SHELL": bash}


def serving(python: Path, root: Path) -> dict | None:
    """The JupyterLab (any Jupyter server) of this user already serving ``root``, as jupyter_server
    lists its running servers (``url``, ``token``, ``pid``, ``root_dir``), or None."""
    listed = subprocess.run([str(python), "-c", "import json\nfrom jupyter_server.serverapp import "
                             "list_running_servers\nprint(json.dumps(list(list_running_servers())))"],
                            capture_output=True, text=True)
    if listed.returncode != 0:
        return None
    for server in json.loads(listed.stdout):
        if Path(server.get("root_dir", "")).resolve() == root.resolve():
            return server
    return None


def until_it_exits(command: list[str], **options) -> int:
    """Run ``command`` (JupyterLab) to its end and return its exit code. Ctrl-C in the terminal
    reaches it too, and it handles it its own way (it asks whether to shut down, and stops its
    kernels): here it only waits on, where ``subprocess.call`` would kill it outright."""
    with subprocess.Popen(command, **options) as process:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                continue


def forget_tabs(solutions: bool = False) -> None:
    """Let the learner's (or the teacher's) JupyterLab forget the tabs it had open, with the rest
    of its workspace: it would reopen every tab at start, and each notebook would start a kernel at
    once. Settings are not part of a workspace and stay."""
    for workspace in (WORKSPACES / ("teacher" if solutions else "learner")).glob("*.jupyterlab-workspace"):
        workspace.unlink()
