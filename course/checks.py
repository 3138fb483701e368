"""The old name of ``course.exercises``, kept so that student copies written before the rename run.

(Renamed so that it is not mistaken for the project's ``core/checks.py``: Django system checks.)
"""

from course.exercises import *  # noqa: F403
from course.exercises import Incorrect, __getattr__  # noqa: F401 (a check renamed since: its one line)
