"""``course.forkserver``: a command forked from the server is the command python would have run."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from course import forkserver
from course.shell import terminal_env

pytestmark = pytest.mark.skipif(not forkserver.enabled(), reason="commands are forked on Linux only")

SCRIPT = """\
import os, sys
print(sys.argv, sys.path[0], __file__, __name__, sorted(k for k in globals() if not k.startswith('__')))
print('DJANGO_SETTINGS_MODULE' in os.environ, os.environ.get('ASKED'), os.getcwd() == {cwd!r})
print('to stderr', file=sys.stderr)
if sys.argv[1:] == ['fail']:
    def inner():
        raise ValueError('wrong')
    inner()
if sys.argv[1:] == ['interrupted']:
    raise KeyboardInterrupt
if sys.argv[1:] == ['exit']:
    sys.exit('said why')
sys.exit(int(sys.argv[1]) if sys.argv[1:] else None)
"""

PYTHON = [
    ["script.py"], ["script.py", "3"], ["script.py", "fail"], ["script.py", "interrupted"],
    ["script.py", "exit"], ["missing.py"],
    ["-c", "import sys; print(sys.argv, repr(sys.path[0]), sorted(globals()))", "word"],
    ["-c", "import threading, time\nthreading.Thread(target=lambda: (time.sleep(0.3), print(1))).start()"],
    ["-c", "import django.conf; print(django.conf.settings.configured)"],
    ["-m", "django", "--version"], ["-m", "no_such_module"],
]


@pytest.mark.parametrize("args", PYTHON, ids=" ".join)
def test_a_forked_command_prints_and_exits_as_python_itself(tmp_path, monkeypatch, args):
    (tmp_path / "script.py").write_text(SCRIPT.format(cwd=str(tmp_path)))
    monkeypatch.chdir(tmp_path)
    env = terminal_env(ASKED="yes")
    forked = forkserver.run([sys.executable, *args], env)
    assert forkserver._server is not None and forkserver._server.process.poll() is None  # forked, indeed
    python = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)
    assert (forked.returncode, forked.stdout, forked.stderr) == \
        (python.returncode, python.stdout, python.stderr)


def test_django_is_imported_but_no_settings_are_read_before_the_fork(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = "import sys; print('django.db.models' in sys.modules)"
    assert forkserver.run([sys.executable, "-c", code], terminal_env()).stdout == "True\n"
    # a fork copies one thread only: the server runs no other (python 3.12+ warns of them)
    assert psutil.Process(forkserver._server.process.pid).num_threads() == 1


def test_a_command_stops_when_its_starter_lets_go_and_tells_how_it_ended(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    command = forkserver.popen([sys.executable, "-c", "import time; print('started'); time.sleep(60)"],
                               terminal_env())
    assert isinstance(command, forkserver.Command)
    assert command.stdout.readline() == "started\n"
    started = time.monotonic()
    command.stdin.close()
    assert command.stdout.read() == ""
    assert command.wait() == -signal.SIGTERM and time.monotonic() - started < 5


STARTER = textwrap.dedent("""\
    import sys, time
    from course import forkserver, shell
    command = forkserver.popen([sys.executable, "-c", "import os, time; print(os.getpid()); time.sleep(120)"],
                               shell.terminal_env())
    print(forkserver._server.process.pid, command.stdout.readline().strip(), flush=True)
    time.sleep(120)
""")


def test_the_server_and_its_commands_end_with_the_process_that_started_them(tmp_path):
    starter = subprocess.Popen([sys.executable, "-c", STARTER], stdout=subprocess.PIPE, text=True,
                               cwd=tmp_path)
    server, command = map(int, starter.stdout.readline().split())
    assert psutil.pid_exists(server) and psutil.pid_exists(command)
    starter.kill()  # as a killed kernel: nothing closes anything on purpose
    starter.wait()
    deadline = time.monotonic() + 15
    while any(_running(pid) for pid in (server, command)):
        assert time.monotonic() < deadline, "the command server or its command outlived their starter"
        time.sleep(0.1)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_without_the_server_a_command_starts_as_a_new_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_FORKSERVER", "0")
    command = forkserver.popen([sys.executable, "-c", "print('new')"], terminal_env())
    assert isinstance(command, subprocess.Popen) and command.stdout.read() == "new\n"
    command.stdin.close()
    assert command.wait() == 0


def test_a_server_that_does_not_start_leaves_commands_to_new_processes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = set(_servers())
    monkeypatch.setattr(forkserver, "_server", None)
    monkeypatch.setattr(forkserver, "_unavailable", False)
    monkeypatch.setattr(forkserver, "READY", b"never said")
    result = forkserver.run([sys.executable, "-c", "print('still runs')"], terminal_env())
    assert (result.returncode, result.stdout) == (0, "still runs\n")
    assert forkserver._unavailable and forkserver._server is None
    assert set(_servers()) == before  # the one that did not start is gone


def _servers() -> list[int]:
    return [p.pid for p in psutil.Process().children()
            if "course.forkserver" in p.cmdline() and _running(p.pid)]


def test_a_killed_server_is_replaced_for_the_next_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = forkserver.run([sys.executable, "-c", "print(1)"], terminal_env())
    forkserver._server.process.kill()
    forkserver._server.process.wait()
    again = forkserver.run([sys.executable, "-c", "print(2)"], terminal_env())
    assert (first.stdout, again.stdout) == ("1\n", "2\n")
    assert forkserver._server.process.poll() is None
    os.kill(forkserver._server.process.pid, 0)
