"""The JupyterLab of ``make lab`` keeps the kernels of the two lessons used last, no more.

Each link of a lesson's navigation bar opens the next lesson in a tab of its own, and each tab
starts a kernel: after a walk through the series, fourteen kernels (and the servers they started)
would share the learner's cores. ``make lab`` and ``make lab-solutions`` run JupyterLab with this
session manager: before a notebook gets a kernel, the kernels of the other notebooks are shut down,
all but the one used last. A tab whose kernel was shut down shows "No Kernel"; running a cell there
asks for one, and the lesson's first cell restores its project as always.
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.sessions.sessionmanager import SessionManager

KEEP = 2  # kernels: the lesson in front, and the one the learner came from


class RecentLessons(SessionManager):
    """A session manager that keeps at most ``KEEP`` notebook kernels running."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._one_at_a_time = asyncio.Lock()  # sessions made at once would not see each other

    async def create_session(self, path=None, name=None, type=None, kernel_name=None, kernel_id=None):
        """Make room first (for a notebook that needs a new kernel), then create the session."""
        async with self._one_at_a_time:
            if type == "notebook" and kernel_id is None:
                await self.make_room(path)
            return await super().create_session(path=path, name=name, type=type, kernel_name=kernel_name,
                                                kernel_id=kernel_id)

    async def make_room(self, path: str | None) -> None:
        """Shut down the kernels of the notebooks other than ``path``, all but the one used last."""
        others = [s for s in await self.list_sessions() if s["type"] == "notebook" and s["path"] != path]
        others.sort(key=lambda session: session["kernel"]["last_activity"], reverse=True)
        for session in others[KEEP - 1:]:
            self.log.info("Shutting down the kernel of %s: a lesson left for another keeps no kernel",
                          session["path"])
            await self.delete_session(session["id"])
