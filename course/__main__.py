"""``python -m course COMMAND``: what ``make COMMAND`` does, on any machine, with or without make.

This file only checks the interpreter, in syntax that every Python can read, so that an
unsupported one gets one clear line instead of a traceback; ``course.cli`` does the rest.
"""

import sys

from course import PYTHONS

if "%d.%d" % sys.version_info[:2] not in PYTHONS:
    sys.exit(
        "Python %s (%s) is not supported: the course needs CPython %s to %s. Pick one with PYTHON=, "
        "for example `make lab PYTHON=python3.12`, or without make `python3.12 -m course lab`."
        % (sys.version.split()[0], sys.executable, PYTHONS[0], PYTHONS[-1])
    )

from course.cli import main  # noqa: E402 (only once the interpreter is known to be supported)

sys.exit(main())
