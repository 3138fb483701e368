"""Regenerate requirements.txt from pyproject.toml, for every platform and supported Python (``make lock``).

``python -m course.lock [--upgrade PACKAGE…]`` runs in the course's environment (``python -m course
lock`` installs it first and runs it there): uv resolves what pyproject.toml declares, with its
ranges, into one pin per package for Linux, macOS and Windows and every supported Python at once
(environment markers where a pin must differ); then every platform and Python is shown to install
every pin from a wheel alone.
"""

from __future__ import annotations

import subprocess
import sys

from course import PYTHONS, arguments
from course.cli import LOCK, REPO

UV = "uv==0.13.8"  # the resolver behind `lock`: universal (every platform and Python) and fast
PLATFORMS = {  # where the lock must install from wheels alone, as uv names them
    "Linux x86-64": "x86_64-manylinux_2_28",
    "Linux arm64": "aarch64-manylinux_2_28",
    "macOS arm64": "aarch64-apple-darwin",
    "macOS x86-64": "x86_64-apple-darwin",
    "Windows x86-64": "x86_64-pc-windows-msvc",
}


def lock(upgrade: list[str]) -> int:
    """Regenerate requirements.txt from pyproject.toml for every platform and supported Python,
    then prove that each platform and Python installs it from wheels alone."""
    installed = subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True, text=True)
    if installed.returncode != 0 or installed.stdout.split()[1:2] != [UV.split("==")[1]]:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",
                               "--disable-pip-version-check", UV])
    uv = [sys.executable, "-m", "uv", "pip", "compile", "--quiet"]
    upgrades = ["--upgrade"] if upgrade == ["all"] else [a for p in upgrade for a in ("--upgrade-package", p)]
    print(f"Resolving pyproject.toml for Python {PYTHONS[0]} to {PYTHONS[-1]} on every platform "
          "(a minute or two)…", flush=True)
    extras = [a for extra in ("postgres", "browser", "hub", "hub-test", "site") for a in ("--extra", extra)]
    code = subprocess.call([*uv, "pyproject.toml", *extras, "--universal",
                            "--python-version", PYTHONS[0], "--custom-compile-command", "make lock",
                            "--output-file", LOCK.name, *upgrades], cwd=REPO)
    if code != 0:
        return code
    print(f"requirements.txt written. Checking that every pin has a wheel for {len(PLATFORMS)} platforms "
          f"x {len(PYTHONS)} Pythons…", flush=True)
    failures = 0
    for name, platform in PLATFORMS.items():
        for version in PYTHONS:
            check = subprocess.run([*uv, LOCK.name, "--no-deps", "--only-binary", ":all:",
                                    "--python-platform", platform, "--python-version", version],
                                   cwd=REPO, capture_output=True, text=True)
            if check.returncode != 0:
                failures += 1
                print(f"  {name}, Python {version}: NO WHEEL\n{check.stderr.strip()}")
    where = f"{', '.join(PLATFORMS)}, with Python {', '.join(PYTHONS)}"
    print(f"Missing wheels on {failures} of them" if failures else f"Every pin has a wheel for {where}.")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m course.lock [--upgrade PACKAGE…]``: regenerate the pins and check them; 1 when a
    wheel is missing."""
    return lock(arguments.parser("course.lock", __doc__).parse_args(argv).upgrade)


if __name__ == "__main__":
    sys.exit(main())
