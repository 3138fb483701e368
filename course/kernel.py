"""Set up Django inside the notebook's kernel to ask it questions (routers, models, queries)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def setup_django(settings_module: str) -> None:
    """Import the project in the current folder with ``settings_module`` and call ``django.setup()``.

    Settings can be configured once per process: asking for other settings later raises an
    error that says to restart the kernel.
    """
    import django
    from django.conf import settings

    current = os.environ.get("DJANGO_SETTINGS_MODULE")
    if settings.configured and current != settings_module:
        raise RuntimeError(
            f"Django is already set up in this kernel with {current!r}; settings load once per "
            f"process. Restart the kernel (Kernel > Restart) to use {settings_module!r}."
        )
    if not Path("manage.py").is_file():
        raise FileNotFoundError("No manage.py here: run the notebook's first cell first.")
    project = str(Path.cwd())
    if project not in sys.path:
        sys.path.insert(0, project)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    # The kernel runs an asyncio event loop, so Django would refuse synchronous ORM calls here;
    # a notebook runs one cell at a time, which makes them safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    django.setup()
