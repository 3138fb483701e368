"""The browser edition: JupyterLite with Pyodide's kernel, the course's packages installed, offline.

``LOCK`` (``lite-lock.json``, committed) names every file the edition takes from the registries, each
with its address and sha256: Pyodide's runtime (npm's tarball), the wheels Pyodide's kernel loads as
it starts (pyodide-lock.json's versions, from PyPI: the npm tarball holds no wheels), and Django with
what it needs at requirements.txt's pins. ``update_lock()`` rewrites it from the registries (for
maintainers); ``fetch()`` downloads what is missing into a cache and checks every sha256;
``build()`` then needs no network: it makes the course's own wheel (the helpers and the solved
notebooks, in ``course/notebooks/``), adds every wheel to pyodide-lock.json, preloads them in the
kernel (``loadPyodideOptions.packages``), and runs ``jupyter lite build``. The site loads nothing
from any other host: no CDN, no PyPI fallback.

Standard library only, apart from the ``jupyter lite`` it runs (jupyterlite-core and
jupyterlite-pyodide-kernel, 0.8.6).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from course import __version__, arguments
from course.series import NOTEBOOKS, REPO

LOCK = Path(__file__).parent / "lite-lock.json"
CACHE = REPO / "build" / "site-deps"
PYODIDE = "314.0.6"  # what jupyterlite-pyodide-kernel 0.8.6 expects (its constants.PYODIDE_VERSION)
# What the kernel loads as it starts (its worker: micropip, then ipykernel, comm, pyodide-kernel, jedi,
# ipython with their dependencies), at the versions of Pyodide's pyodide-lock.json; comm is not in it.
KERNEL = ["micropip", "ipython", "asttokens", "decorator", "executing", "matplotlib-inline", "prompt-toolkit",
          "pure-eval", "pygments", "six", "stack-data", "traitlets", "wcwidth", "jedi", "parso"]
# At requirements.txt's pins: the kernel's comm, Django with what it needs, and pytest (its deps
# too), which a lesson's test modules import (test discovery would count each failed import).
PINNED = ["comm", "django", "asgiref", "sqlparse", "tzdata", "pytest", "pluggy", "iniconfig", "packaging"]
NPM = "https://registry.npmjs.org"
PYPI = "https://pypi.org/simple"
SETTINGS = "@jupyterlite/pyodide-kernel-extension:kernel"
EPOCH = (1980, 1, 1, 0, 0, 0)  # every file's date in the course's wheel: the same files, the same wheel


class LiteError(Exception):
    """The browser edition cannot be locked, fetched or built as asked; the message says why."""


def _get(url: str, accept: str | None = None) -> bytes:
    """The body at ``url``; LiteError names the address when it cannot be read."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()
    except OSError as error:
        raise LiteError(f"Cannot download {url}: {error}") from None


def _pins() -> dict[str, str]:
    """requirements.txt's pins, by lower-case name (the lines without an environment marker)."""
    pins = {}
    for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", line.strip())
        if match:
            pins[match[1].lower()] = match[2]
    return pins


def _wheel(name: str, version: str, file_name: str | None = None) -> dict:
    """The lock's entry for a wheel on PyPI: ``file_name`` if given, else the version's pure-Python wheel."""
    listing = json.loads(_get(f"{PYPI}/{name}/", "application/vnd.pypi.simple.v1+json"))
    for entry in listing["files"]:
        wanted = (entry["filename"] == file_name if file_name else
                  re.search(r"-(py3|py2\.py3)-none-any\.whl$", entry["filename"])
                  and entry["filename"].split("-")[1] == version)
        if wanted:
            return {"name": name, "version": version, "file": entry["filename"], "url": entry["url"],
                    "sha256": entry["hashes"]["sha256"]}
    raise LiteError(f"PyPI has no {file_name or 'pure-Python wheel'} of {name} {version}.")


def update_lock() -> Path:
    """Rewrite ``LOCK`` from the registries: Pyodide's tarball, the kernel's wheels at its pyodide-lock.json's
    versions, the pinned ones at requirements.txt's versions. For maintainers; the build never calls it."""
    meta = json.loads(_get(f"{NPM}/pyodide/{PYODIDE}"))
    tarball = _get(meta["dist"]["tarball"])
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if integrity != meta["dist"]["integrity"]:
        raise LiteError(f"{meta['dist']['tarball']} does not match npm's integrity value.")
    files = [{"name": "pyodide", "version": PYODIDE, "file": f"pyodide-{PYODIDE}.tgz",
              "url": meta["dist"]["tarball"], "sha256": hashlib.sha256(tarball).hexdigest()}]
    packages = _pyodide_lock(tarball)["packages"]
    files += [_wheel(name, packages[name]["version"], packages[name]["file_name"]) for name in KERNEL]
    pins = _pins()
    files += [_wheel(name, pins[name]) for name in PINNED]
    LOCK.write_text(json.dumps({"pyodide": PYODIDE, "files": files}, indent=1) + "\n", encoding="utf-8")
    return LOCK


def _pyodide_lock(tarball: bytes) -> dict:
    """The pyodide-lock.json inside npm's Pyodide tarball."""
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        return json.load(tar.extractfile("package/pyodide-lock.json"))


def _locked() -> list[dict]:
    """The files ``LOCK`` names."""
    return json.loads(LOCK.read_text(encoding="utf-8"))["files"]


def _sha256(path: Path) -> str:
    """The sha256 of the file at ``path``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(cache: Path | None = None) -> Path:
    """Download every file ``LOCK`` names into ``cache`` (those already there with the right sha256
    are kept), checking each sha256; a mismatch stops with LiteError naming the file. ``cache``:
    ``CACHE`` by default."""
    cache = cache or CACHE
    cache.mkdir(parents=True, exist_ok=True)
    for entry in _locked():
        path = cache / entry["file"]
        if path.is_file() and _sha256(path) == entry["sha256"]:
            continue
        data = _get(entry["url"])
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise LiteError(f"{entry['file']} from {entry['url']} does not match the sha256 in {LOCK.name}.")
        path.write_bytes(data)
    return cache


def checked(cache: Path | None = None) -> list[dict]:
    """The lock's files, each checked in ``cache`` (``CACHE`` by default); LiteError names one missing
    or changed, and the step that fetches it."""
    cache = cache or CACHE
    for entry in _locked():
        path = cache / entry["file"]
        if not path.is_file():
            raise LiteError(f"The browser edition is built from files that `make site-deps` fetches once "
                            f"({entry['file']} is not in {_shown(cache)}/): run make site-deps, then this "
                            "again.")
        if _sha256(path) != entry["sha256"]:
            raise LiteError(f"{_shown(path)} is not the file {LOCK.name} names (its sha256 differs): "
                            "delete it and run make site-deps, then this again.")
    return _locked()


def _shown(path: Path) -> str:
    """``path`` from the course's folder when it is inside it."""
    return path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else str(path)


def course_wheel(folder: Path) -> Path:
    """Write the course's own wheel into ``folder``: the package ``course`` (its Python files, templates
    and exercises) and the solved notebooks as ``course/notebooks/``; the same files give the same wheel."""
    package = Path(__file__).parent
    files = {path.relative_to(package.parent).as_posix(): path for path in sorted(package.rglob("*"))
             if path.is_file() and path.suffix != ".pyc" and not {"vendor", "__pycache__"} & set(path.parts)}
    files.update({f"course/notebooks/{path.name}": path for path in sorted(NOTEBOOKS.glob("*.ipynb"))})
    info = f"course-{__version__}.dist-info"
    extra = {f"{info}/METADATA": f"Metadata-Version: 2.1\nName: course\nVersion: {__version__}\n",
             f"{info}/WHEEL": ("Wheel-Version: 1.0\nGenerator: course.lite\nRoot-Is-Purelib: true\n"
                               "Tag: py3-none-any\n"),
             f"{info}/top_level.txt": "course\n"}
    path = folder / f"course-{__version__}-py3-none-any.whl"
    record = io.StringIO()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        contents = [(name, source.read_bytes()) for name, source in files.items()]
        contents += [(name, text.encode()) for name, text in extra.items()]
        for name, data in contents:
            wheel.writestr(zipfile.ZipInfo(name, EPOCH), data, zipfile.ZIP_DEFLATED)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            csv.writer(record, lineterminator="\n").writerow([name, f"sha256={digest}", len(data)])
        record.write(f"{info}/RECORD,,\n")
        wheel.writestr(zipfile.ZipInfo(f"{info}/RECORD", EPOCH), record.getvalue(), zipfile.ZIP_DEFLATED)
    return path


def _lock_entry(wheel: Path, name: str, version: str, shipped: set[str]) -> dict:
    """A pyodide-lock.json entry for a pure-Python wheel not in Pyodide's lock: its top-level imports,
    and its dependencies among the ``shipped`` names (those its METADATA requires without an extra)."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    imports = sorted({n.split("/")[0].removesuffix(".py") for n in names
                      if not n.split("/")[0].endswith((".dist-info", ".data")) and n.endswith(".py")})
    required = [re.match(r"[A-Za-z0-9_.-]+", line[len("Requires-Dist:"):].strip())[0].lower()
                for line in metadata.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
    return {"name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": _sha256(wheel), "package_type": "package", "imports": imports,
            "depends": [dep for dep in required if dep in shipped], "unvendored_tests": False}


def _pyodide_folder(pyodide: Path, entries: list[dict], cache: Path, course: Path) -> list[str]:
    """Fill ``pyodide`` (a lite folder's ``static/pyodide/``): the runtime without its source maps, the
    wheels, and pyodide-lock.json with their sha256 values and entries for the new ones. Returns the
    names to preload."""
    with tarfile.open(cache / entries[0]["file"]) as tar:
        for member in tar.getmembers():
            if member.isfile() and not member.name.endswith((".map", ".d.ts")):
                member.name = member.name.removeprefix("package/")
                tar.extract(member, pyodide, filter="data")
    lock_path = pyodide / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    wheels = [(e["name"], e["version"], cache / e["file"]) for e in entries[1:]]
    wheels.append(("course", __version__, course))
    shipped = {name for name, _, _ in wheels}
    for name, version, wheel in wheels:
        shutil.copyfile(wheel, pyodide / wheel.name)
        known = lock["packages"].get(name)
        if name not in KERNEL:  # ours, at requirements.txt's pin (Pyodide has tzdata 2025.3: replaced)
            lock["packages"][name] = _lock_entry(wheel, name, version, shipped)
        elif known and known["version"] == version:  # PyPI's build of it, not Pyodide's
            known.update(file_name=wheel.name, sha256=_sha256(wheel))
        else:
            raise LiteError(f"{LOCK.name} has {name} {version}, Pyodide's lock "
                            f"{known and known['version']}: run python -m course site-deps --update-lock.")
    lock_path.write_text(json.dumps(lock), encoding="utf-8")
    return ["micropip", "ipython", "jedi", *PINNED, "course"]  # the kernel's own, and ours


def build(folder: Path, contents: Path, cache: Path | None = None) -> Path:
    """Build the browser edition into ``folder`` from the fetched files in ``cache``, with ``contents``
    (the learner's notebooks) in its file browser. Needs no network."""
    cache = cache or CACHE
    entries = checked(cache)
    jupyter_lite = Path(sys.executable).parent / "jupyter-lite"
    try:
        from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
    except ImportError:
        PYODIDE_VERSION = None
    if not jupyter_lite.exists() or PYODIDE_VERSION is None:
        raise LiteError(f"{sys.executable} has no JupyterLite: `make site` installs it (the extra "
                        "\"site\" of pyproject.toml).")
    if PYODIDE_VERSION != PYODIDE:
        raise LiteError(f"jupyterlite-pyodide-kernel expects Pyodide {PYODIDE_VERSION}, and {LOCK.name} "
                        f"holds {PYODIDE}: pin the kernel that expects {PYODIDE}, or update PYODIDE and "
                        "the lock.")
    if folder.exists() and any(folder.iterdir()) and not (folder / "jupyter-lite.json").is_file():
        raise LiteError(f"{_shown(folder)} holds something other than a browser edition, so it is left "
                        "alone: move it away, or build into another folder.")
    with tempfile.TemporaryDirectory(prefix="course-lite-") as tmp:
        lite = Path(tmp)
        pyodide = lite / "static" / "pyodide"
        pyodide.mkdir(parents=True)
        packages = _pyodide_folder(pyodide, entries, cache, course_wheel(lite))
        config = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
            "appName": "Django with multiple databases",
            "exposeAppInBrowser": True,  # window.jupyterapp, for the browser tests to drive it
            "litePluginSettings": {SETTINGS: {"disablePyPIFallback": True,
                                              "loadPyodideOptions": {"packages": packages}}}}}
        (lite / "jupyter-lite.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
        (lite / "overrides.json").write_text(json.dumps(OVERRIDES, indent=1), encoding="utf-8")
        for wheel in lite.glob("*.whl"):
            wheel.unlink()
        shutil.rmtree(folder, ignore_errors=True)
        done = subprocess.run([str(jupyter_lite), "build", "--lite-dir", str(lite), "--contents",
                               str(contents), "--output-dir", str(folder), "--no-sourcemaps"],
                              cwd=lite, capture_output=True, text=True)
        if done.returncode:
            raise LiteError(f"jupyter lite build failed: {done.stderr.strip().splitlines()[-1:]}")
    for path in folder.rglob("*.map"):
        path.unlink()
    return folder


# JupyterLab's settings: no news or update checks (they would ask jupyter.org).
OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def main(argv: list[str] | None = None) -> int:
    """``python -m course.lite [--update-lock]`` (``make site-deps``): fetch what the browser edition
    is built from into ``CACHE``; 1 with a message when it cannot."""
    args = arguments.parser("course.lite", __doc__).parse_args(argv)
    try:
        if args.update_lock:
            print(f"Rewrote {update_lock().relative_to(REPO)} from npm and PyPI.")
        fetch()
    except LiteError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"The browser edition's {len(_locked())} files are in {CACHE.relative_to(REPO)}/, each as "
          f"{LOCK.name} names it: `make site` builds it without the network.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
