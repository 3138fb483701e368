"""The course's own errors: shown in Jupyter as their one-line message, without frames."""

from __future__ import annotations


class CourseError(RuntimeError):
    """An error whose message says what is wrong and what to do; its frames would be the course's
    helpers, not the learner's code, so Jupyter shows only ``Name: message``."""

    def _render_traceback_(self) -> list[str]:
        """IPython's hook for how an exception is shown: here, its one line."""
        return [f"{type(self).__name__}: {self}"]
