"""The one link that puts the course in each learner's home on a JupyterHub (``python -m course hub-link``).

nbgitpuller (the ``hub`` extra, installed in the hub's environment) serves ``/git-pull`` on every
learner's server: the link clones the course's repository into the learner's home on the first
click, pulls the teacher's updates on the next ones, and opens a notebook. A learner's own edits
are kept: nbgitpuller merges with their changes winning (``git merge -Xours``), restores a file they
deleted, and renames a file of theirs that the update would overwrite. ``work/`` (their projects
and databases) is ignored by git and never touched.
"""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlencode, urlsplit

from course import arguments
from course.series import REPO, notebooks


def origin() -> str | None:
    """The address of this clone's ``origin`` remote, where the teacher pushes the course; None if none."""
    found = subprocess.run(["git", "remote", "get-url", "origin"], cwd=REPO, capture_output=True, text=True)
    return found.stdout.strip() or None if found.returncode == 0 else None


def link(hub: str, repo: str, branch: str, open_: str) -> str:
    """The nbgitpuller link on ``hub`` that pulls ``branch`` of ``repo`` into the learner's home and
    opens ``open_`` (a path inside the repository) in JupyterLab."""
    folder = repo.rstrip("/").split("/")[-1]  # where nbgitpuller clones it, in the learner's home
    query = urlencode({"repo": repo, "branch": branch, "urlpath": f"lab/tree/{folder}/{open_}"})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def main(argv: list[str] | None = None) -> int:
    args = arguments.parser("course.hublink", __doc__).parse_args(argv)
    hub = urlsplit(args.hub)
    if hub.scheme not in ("http", "https") or not hub.netloc:
        print(f"--hub is the hub's address, such as https://hub.example.org, not {args.hub!r}",
              file=sys.stderr)
        return 2
    repo = args.repo or origin()
    if repo is None:
        print("This clone has no 'origin' remote: give the repository the learners pull, "
              "--repo https://github.com/YOU/COURSE", file=sys.stderr)
        return 2
    print(link(args.hub, repo, args.branch, args.open or f"notebooks/{notebooks()[0].name}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
