"""The one link that puts the course in each learner's home on a JupyterHub (``python -m course hub-link``).

nbgitpuller (the ``hub`` extra, installed in the hub's environment) serves ``/git-pull`` on every
learner's server: the link clones the course's repository into the learner's home on the first
click, pulls the teacher's updates on the next ones, and opens a notebook. A learner's own edits
are kept: nbgitpuller merges with their changes winning (``git merge -Xours``), restores a file they
deleted, and renames a file of theirs that the update would overwrite. ``work/`` (their projects
and databases) is ignored by git and never touched.
"""

from __future__ import annotations

import re
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


def refusal(hub: str, repo: str | None, open_: str | None) -> str | None:
    """Why the link for these arguments would not work, in one line; None if it would."""
    address = urlsplit(hub)
    if address.scheme not in ("http", "https") or not address.netloc:
        return f"--hub is the hub's address, such as https://hub.example.org, not {hub!r}"
    if re.search(r"(^|/)(hub|user)(/|$)", address.path):
        return (f"--hub is the hub's address alone, such as https://hub.example.org, not one of its pages "
                f"({hub!r})")
    if repo is None:
        return (f"This clone ({REPO}) has no 'origin' remote: give the repository the learners pull, "
                "--repo https://github.com/YOU/COURSE")
    if open_ is not None and not open_.endswith((".ipynb", ".md")):
        return f"--open names a notebook in the repository, such as student/01_…ipynb, not {open_!r}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = arguments.parser("course.hublink", __doc__).parse_args(argv)
    repo = args.repo or origin()
    opened = args.open.lstrip("/") if args.open else None
    why = refusal(args.hub, repo, opened)
    if why is None and args.repo is None and opened and not (REPO / opened).is_file():
        why = f"--open {opened}: no such file in this clone ({REPO})"
    if why:
        print(why, file=sys.stderr)
        return 2
    if not repo.startswith("https://"):
        print(f"Note: every learner's server must be able to clone {repo}; on most hubs only a public "
              "https:// address can be.", file=sys.stderr)
    if opened is None:
        opened = f"notebooks/{notebooks()[0].name}"
        print("Note: this link opens the solved notebooks (notebooks/); for a class, publish the exercise "
              "copies and link to them (TEACHING.md, On a JupyterHub).", file=sys.stderr)
    print(link(args.hub, repo, args.branch, opened))
    return 0


if __name__ == "__main__":
    sys.exit(main())
