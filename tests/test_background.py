"""Unit tests of ``course.background``: one registry of what runs in the background."""

from __future__ import annotations


def test_the_registry_stops_what_runs_newest_first_and_by_kind(monkeypatch):
    from course import background

    class Fake:
        def __init__(self, kind):
            self.kind, self.events = kind, []

        def stop(self):
            events.append((self.kind, "stop"))

    events = []
    monkeypatch.setattr(background, "_registered", [])
    dev, pg = Fake("dev server"), Fake("PostgreSQL")
    background.register(dev)
    background.register(pg)
    background.register(pg)  # once only
    assert background.running() == [dev, pg] and background.running("PostgreSQL") == [pg]
    assert background.stop_all("dev server") == [dev] and background.running() == [pg]
    background.register(dev)
    assert background.stop_all() == [dev, pg] and background.running() == []
    assert events == [("dev server", "stop"), ("dev server", "stop"), ("PostgreSQL", "stop")]
