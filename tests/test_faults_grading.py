"""make grade on a class with hostile submissions: each contained or not counted, in its own rows.

Every hostile notebook is a solved copy of one lesson with one cell more, just before its first
check: the attack. An attack that works spoils that check's answer (and a forgery leaves that
exercise unsolved), so the first row of a contained attack passes and a forged one does not; the
test also looks from outside: the planted files, the course, the listener, the processes. The
class is graded as the account running the tests (root here) and as ``nobody``, by ``make grade``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import nbformat
import psutil
import pytest
from test_grade import handed_in, read, solved

from course import grade, sandbox
from course.lessonformat import CHECK
from course.series import REPO, lesson, tags

pytestmark = [pytest.mark.faults,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux's")]

LESSON = lesson("split_settings")
MARK = "601.25"  # the detached process sleeps this long: how the test finds it afterwards
SPOIL = 'PREDICT_PACKAGE = "escaped"'  # what a working attack does to the first check's answer

ATTACK = """import os, pathlib, shutil, socket, subprocess, sys, time
escaped = False
try:
{body}
except Exception as error:
    print("contained:", type(error).__name__, error)
if escaped:
    {spoil}
"""

ATTACKS = {
    "reads": """
for path in [{secret!r}, {classmate!r}, {home!r}]:
    try:
        pathlib.Path(path).read_bytes()
        escaped = True
    except OSError as error:
        print("contained:", error)
""",
    "writes": """
for path in [{outside!r}, {classmate!r}]:
    try:
        with open(path, "a") as f:
            f.write("written by a student")
        escaped = True
    except OSError as error:
        print("contained:", error)
""",
    "deletes": """
for path in [{repo!r} + "/project", {repo!r} + "/notebooks", {repo!r} + "/course"]:
    try:
        shutil.rmtree(path)
        escaped = True
    except OSError as error:
        print("contained:", error)
""",
    "connects": """
socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
escaped = True
""",
    "forks": """
code = ("import os, time\\nwhile True:\\n    try:\\n        os.fork()\\n"
        "    except OSError:\\n        time.sleep(0.5)")
bomb = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
time.sleep(4)
count = sum(name.isdigit() for name in os.listdir("/proc"))
os.killpg(bomb.pid, 9)
print("processes:", count)
escaped = count > {processes} + 50
""",
    "allocates": """
blocks = []
try:
    while len(blocks) * 64 < 4 * {memory}:
        blocks.append(b"x" * (64 << 20))
finally:
    print("allocated MiB:", len(blocks) * 64)
    escaped = len(blocks) * 64 > {memory}
    del blocks
""",
    "fills": """
try:
    with open("huge.bin", "wb") as f:
        for _ in range({file} + 64):
            f.write(bytes(1 << 20))
    escaped = True
finally:
    os.remove("huge.bin")
""",
    "detaches": """
subprocess.Popen(["sleep", "{mark}"], start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    subprocess.Popen(["sleep", "{mark}"])
    os._exit(0)
""",
}

FORGERIES = {
    "redefines": """
import course.exercises, course.exercises.split_settings as checks, course.exercises.judges as judges
from IPython.display import display
def check_package_prediction(answer):
    print("✓ Correct: forged")
    forged = {"passed": True, "check": "check_package_prediction", "message": "✓ Correct: forged"}
    display({judges.MIME: forged}, raw=True)
course.exercises.check_package_prediction = checks.check_package_prediction = check_package_prediction
""",
    "prints": """
print("✓ Correct: with --settings=core.settings Django sees 0 installed apps")
""",
    "pretends": """
class Any(str):  # equal to anything
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
    def strip(self, *args):
        return self
PREDICT_PACKAGE = Any("whatever")
""",
    "hooks_display": """
ip = get_ipython()
publish = ip.display_pub.publish
def forge(data, metadata=None, *args, **kwargs):
    kind = "application/vnd.course.check+json"
    if kind in data:
        data = {**data, kind: {**data[kind], "passed": True, "message": "✓ Correct: forged"}}
    return publish(data, metadata, *args, **kwargs)
ip.display_pub.publish = forge
""",
    "hooks_imports": """
import sys, types, importlib.abc, importlib.machinery
class Fake(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        return importlib.machinery.ModuleSpec(name, self) if name == "course.exercises" else None
    def create_module(self, spec):
        return types.ModuleType(spec.name)
    def exec_module(self, module):
        pass
sys.meta_path.insert(0, Fake())
""",
    "patches_display": """
import IPython.display as shown
original = shown.display
def display(*objects, **options):
    return original(*[{k: {**v, "passed": True} if "course" in k else v for k, v in o.items()}
                      if isinstance(o, dict) else o for o in objects], **options)
shown.display = display
""",
    "forges_results": """
import json, os, nbformat
nb = nbformat.v4.new_notebook()
payload = json.dumps({"notebook": nbformat.writes(nb), "timed_out": None, "stopped": ""})
line = json.dumps({"payload": payload, "mac": "0" * 64}) + "\\n"
print(line)
for target in ["/proc/1/fd/1", f"/proc/{os.getppid()}/fd/1", "grades.csv", "../grades.csv"]:
    try:
        with open(target, "a") as f:
            f.write(line)
    except OSError as error:
        print("contained:", error)
""",
}


TAMPERED = {"redefines", "hooks_display", "hooks_imports", "patches_display"}  # what the grader flags


def attacked(cell_source: str, unsolved: bool) -> nbformat.NotebookNode:
    """A solved copy of LESSON (its first exercise left as handed out when ``unsolved``) with
    ``cell_source`` run just before its first check."""
    nb = solved(LESSON, skip=0 if unsolved else None)
    first = next(i for i, c in enumerate(nb.cells) if CHECK in tags(c))
    nb.cells.insert(first, nbformat.v4.new_code_cell(cell_source))
    return nb


def fingerprint(*folders: Path) -> str:
    """A hash of every file's path and content under ``folders``."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def ordinary(argv: list[str], home: Path) -> list[str]:
    """``argv`` run as ``nobody``. As root, in a mount namespace of its own where root's home is an
    empty folder (but for the Python that .venv/ was made from, when it lives there)."""
    if os.geteuid() != 0:
        return argv
    python = sys.base_prefix
    script = "set -e\n"
    if python.startswith("/root/"):
        script += f'mkdir -p {home}/python && mount --bind "{python}" {home}/python\n'
    script += "mount -t tmpfs -o mode=755 tmpfs /root\n"
    if python.startswith("/root/"):
        script += f'mkdir -p "{python}" && mount --bind {home}/python "{python}"\n'
    script += 'exec setpriv --reuid 65534 --regid 65534 --clear-groups env HOME="$0" "$@"\n'
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, str(home), *argv]


@pytest.fixture
def top():
    """A folder that ``nobody`` can reach too (pytest's own are its owner's only)."""
    folder = Path(os.path.realpath(tempfile.mkdtemp(prefix="hostile-")))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def listener():
    """A TCP server on 127.0.0.1 that counts the connections it gets."""
    server = socket.create_server(("127.0.0.1", 0))
    got = []

    def accept():
        while True:
            try:
                got.append(server.accept())
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], got
    server.close()


def grading_processes(top: Path) -> list[psutil.Process]:
    """Processes the grading may have left: its sandboxes (their command lines name the grader's
    temporary folders, in ``top``), and the detached sleep."""
    left = []
    for proc in psutil.process_iter(["cmdline"]):
        argv = proc.info["cmdline"] or [""]
        if MARK in argv or str(top) in " ".join(argv):
            left.append(proc)
    return left


@pytest.mark.parametrize("account", ["this", "nobody"])
def test_hostile_submissions_are_contained_and_graded_in_their_own_rows(account, listener, top):
    if sandbox.missing():
        pytest.fail(sandbox.missing())
    class_ = top / "class"
    secret = top / "teacher-secret.txt"
    secret.write_text("the teacher's secret")
    secret.chmod(0o644)  # readable by the grading account: only the sandbox hides it
    port, connections = listener
    handed_in(class_, "ada", LESSON, solved(LESSON))
    server, postgres = lesson("running_the_server"), lesson("postgresql")
    for other in (server, postgres):
        handed_in(class_, "ada", other, solved(other))
    handed_in(class_, "bob", LESSON, solved(LESSON, skip=1))
    classmate = class_ / "ada" / LESSON.name
    names = {"secret": str(secret), "classmate": str(classmate), "home": str(Path.home() / ".bashrc"),
             "outside": str(top / "written-by-a-student"), "repo": str(REPO), "port": port,
             "processes": sandbox.PROCESSES, "memory": sandbox.MEMORY_MB, "file": sandbox.FILE_MB,
             "mark": MARK}
    for name, body in ATTACKS.items():
        code = ATTACK.format(body=textwrap.indent(body.strip().format(**names), "    "), spoil=SPOIL)
        handed_in(class_, name, LESSON, attacked(code, unsolved=False))
    for name, code in FORGERIES.items():
        forged = attacked(code.strip(), unsolved=True)
        if name == "prints":  # and its check cells untagged: the course's tags are put back
            for cell in forged.cells:
                if CHECK in tags(cell):
                    cell.metadata["tags"] = []
        handed_in(class_, name, LESSON, forged)
    for path in [class_, *class_.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    before = {"secret": secret.read_bytes(), "classmate": classmate.read_bytes(),
              "course": fingerprint(REPO / "course", REPO / "notebooks", REPO / "project")}
    home = top / "home"
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    command = ["make", "-s", "grade", f"PYTHON={sys.executable}", f"SUBMISSIONS={class_}",
               f"LESSONS={LESSON.stem[:2]} {server.stem[:2]} {postgres.stem[:2]}", "JOBS=2", "TIMEOUT=120"]
    (top / "tmp").mkdir(mode=0o777)
    (top / "tmp").chmod(0o777)  # the grader's temporary folders: how its processes are found afterwards
    cgroups = {g.name for g in Path("/sys/fs/cgroup/pids").glob("course-*")}
    env = {**os.environ, "TMPDIR": str(top / "tmp")}
    run = subprocess.run(ordinary(command, home) if account == "nobody" else command, cwd=REPO,
                         capture_output=True, text=True, timeout=900, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    got = read(class_)
    lessons = {LESSON.stem: 5, server.stem: 4, postgres.stem: 4}
    passed = {student: {lesson: [r["passed"] == "yes" for r in rows if r["notebook"] == lesson]
                        for lesson in lessons} for student, rows in got.items()}
    assert passed["ada"] == {lesson: [True] * count for lesson, count in lessons.items()}, got["ada"]
    assert passed["bob"][LESSON.stem] == [True, False, True, True, True], got["bob"]
    for name in ATTACKS:  # contained: the answer the attack would have spoiled still passes
        assert passed[name][LESSON.stem] == [True] * 5, (name, got[name])
    for name in FORGERIES:  # not counted: the exercise left unsolved does not pass, or nothing counts
        flagged = grade.tampering(nbformat.read(class_ / name / LESSON.name, as_version=4), LESSON)
        assert passed[name][LESSON.stem] == [False] + [not flagged] * 4, (name, got[name])
        assert "forged" not in got[name][0]["message"], got[name][0]
        assert (name in TAMPERED) == bool(flagged), name
        said = got[name][0]["message"]
        assert flagged == [] or said.startswith("Not counted: a cell of this copy"), got[name]
    for student in [*ATTACKS, *FORGERIES, "bob"]:
        assert {r["message"] for r in got[student] if r["notebook"] != LESSON.stem} == {"Not handed in."}
    assert secret.read_bytes() == before["secret"] and classmate.read_bytes() == before["classmate"]
    assert not (top / "written-by-a-student").exists()
    assert fingerprint(REPO / "course", REPO / "notebooks", REPO / "project") == before["course"]
    assert connections == []
    for output in ["grades.csv", "grades.html", "grades.gradebook.csv"]:
        assert "the teacher's secret" not in (class_ / output).read_text(encoding="utf-8")
    assert grading_processes(top) == []
    left = [g for g in Path("/sys/fs/cgroup/pids").glob("course-*") if g.name not in cgroups]
    assert [g for g in left if (g / "pids.current").read_text().strip() == "0"] == []  # others are live runs
    assert f"[{len(got) * 3}/{len(got) * 3}]" in run.stdout  # a line per notebook, with the count
    assert ("Warning" in run.stdout) == (account == "this" and sandbox.unlimited_processes() is not None)
    assert json.dumps(got)  # the rows are plain data
