"""Unit tests of ``course.cleanup``: a failed cell stops what runs in the background."""

from __future__ import annotations

import pytest


class _Result:
    def __init__(self, source: str, error: Exception | None):
        import types

        self.info, self.error_in_exec = types.SimpleNamespace(raw_cell=source), error


@pytest.mark.parametrize(
    ("source", "error", "stops"),
    [("check(ANSWER)", ValueError("wrong"), True),  # Run All stops here: nothing must go on running
     ("# This cell fails on purpose: read the error.\nboom()", NameError("boom"), False),
     ("print('fine')", None, False)],
)
def test_a_failed_cell_stops_the_background_servers(source, error, stops, monkeypatch, capsys):
    from course import background, cleanup, postgres, server

    class Fake:
        def __init__(self, kind):
            self.kind, self.paused_note, self.stopped = kind.__name__, kind.paused_note, False

        def pause(self):
            self.stopped = True
            return True

    dev, pg = Fake(server.DevServer), Fake(postgres.EmbeddedPostgres)
    monkeypatch.setattr(background, "_registered", [dev, pg])
    cleanup.after_cell(_Result(source, error))
    assert dev.stopped is stops and pg.stopped is stops
    out = capsys.readouterr().out
    assert ("dev server" in out and "PostgreSQL (paused" in out) if stops else out == ""


def test_a_pause_is_announced_once(monkeypatch, capsys):
    """A wrong answer rerun, whose check resumed PostgreSQL to ask it something, pauses it again
    without a second line: the learner was told at the first pause."""
    from course import background, cleanup, postgres

    class Fake:
        kind, paused_note, paused = "PostgreSQL", postgres.EmbeddedPostgres.paused_note, False

        def pause(self):
            self.paused = True
            return True

        def resume(self):
            self.paused = False

    pg = Fake()
    monkeypatch.setattr(background, "_registered", [pg])
    monkeypatch.setattr(cleanup, "_paused_before", [])
    lines = []
    for _ in range(3):  # three wrong answers; each check resumes the server while it runs
        cleanup.before_cell()
        pg.resume()
        cleanup.after_cell(_Result("check(ANSWER)", ValueError("wrong")))
        lines.append(capsys.readouterr().out)
    assert "PostgreSQL (paused" in lines[0] and lines[1:] == ["", ""]
    cleanup.before_cell()  # a cell that resumed it and went well, then a failure: a new pause
    pg.resume()
    cleanup.after_cell(_Result("print('fine')", None))
    cleanup.before_cell()
    cleanup.after_cell(_Result("check(ANSWER)", ValueError("wrong")))
    assert "PostgreSQL (paused" in capsys.readouterr().out


def test_the_cleanup_is_registered_once_per_kernel():
    from IPython.core.interactiveshell import InteractiveShell

    from course import cleanup

    shell = InteractiveShell.instance()
    cleanup.register(shell)
    cleanup.register(shell)
    assert shell.events.callbacks["post_run_cell"].count(cleanup.after_cell) == 1
    assert shell.events.callbacks["pre_run_cell"].count(cleanup.before_cell) == 1
    shell.events.unregister("post_run_cell", cleanup.after_cell)
    shell.events.unregister("pre_run_cell", cleanup.before_cell)
