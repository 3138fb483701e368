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


def test_the_cleanup_is_registered_once_per_kernel():
    from IPython.core.interactiveshell import InteractiveShell

    from course import cleanup

    shell = InteractiveShell.instance()
    cleanup.register(shell)
    cleanup.register(shell)
    assert shell.events.callbacks["post_run_cell"].count(cleanup.after_cell) == 1
    shell.events.unregister("post_run_cell", cleanup.after_cell)
