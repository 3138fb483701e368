"""The JupyterLab of ``make lab`` keeps the kernels of the two lessons used last, no more.

Each link of a lesson's navigation bar opens the next lesson in a tab of its own, and each tab
starts a kernel: after a walk through the series, fourteen kernels (and the servers they started)
would share the learner's cores. ``make lab`` and ``make lab-solutions`` run JupyterLab with this
session manager: a few seconds after a notebook gets a kernel (once its tab has settled), the
kernels of all but the two notebooks used last are shut down. A tab whose kernel was shut down
shows "No Kernel"; running a cell there starts a fresh kernel, and the lesson's first cell
restores its project as always.
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.sessions.sessionmanager import SessionManager
from tornado import web

KEEP = 2  # kernels: the lesson in front, and the one the learner came from
SETTLE = 5  # seconds a new tab is given to finish setting up its kernel: it fails if shut down before


class RecentLessons(SessionManager):
    """A session manager that keeps at most ``KEEP`` notebook kernels running."""

    _opened = 0  # notebooks given a kernel so far: the tidy-up after the last one alone acts
    _waiting: set[asyncio.Task] = set()

    async def create_session(self, path=None, name=None, type=None, kernel_name=None, kernel_id=None):
        """Create the session, then tidy up once no other notebook has opened for ``SETTLE`` s."""
        model = await super().create_session(path=path, name=name, type=type, kernel_name=kernel_name,
                                             kernel_id=kernel_id)
        if type == "notebook":
            self._opened += 1
            task = asyncio.ensure_future(self.keep_recent(SETTLE, after=self._opened))
            self._waiting.add(task)
            task.add_done_callback(self._waiting.discard)
        return model

    async def keep_recent(self, delay: float = 0, after: int | None = None) -> None:
        """After ``delay`` seconds, shut down the kernels of the notebooks other than the ``KEEP``
        used last; not if another notebook opened meanwhile (``after``: the count when this one
        did), since the tidy-up after that one follows. A failure is logged: the kernels then
        stay, as in a plain JupyterLab."""
        await asyncio.sleep(delay)
        if after is not None and after != self._opened:
            return
        try:
            notebooks = [s for s in await self.list_sessions() if s["type"] == "notebook"]
            notebooks.sort(key=lambda session: session["kernel"].get("last_activity") or "", reverse=True)
            for session in notebooks[KEEP:]:
                self.log.info("Shutting down the kernel of %s: a lesson left for another keeps no kernel",
                              session["path"])
                try:
                    await self.delete_session(session["id"])
                except (KeyError, web.HTTPError):
                    pass  # closed meanwhile, its kernel with it
        except Exception:
            self.log.exception("Could not shut down the kernels of the lessons left behind")
