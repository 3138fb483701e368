"""Regenerate the committed outputs of notebooks by executing them (never by editing).

Usage: ``python -m course.outputs notebooks/03_split_settings.ipynb …`` (``make outputs``
runs it on the whole series, in order). Timing metadata is not recorded and the notebook
metadata is reduced to the portable kernelspec, so a rerun rewrites the files byte-identically.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course.workspace import tags

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def regenerate(path: Path) -> None:
    """Execute the notebook at ``path`` in a fresh kernel and write it back with its new outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        allow_errors=True,  # cells marked NBVAL_RAISES_EXCEPTION are meant to fail
        resources={"metadata": {"path": str(path.parent)}},
        # Tracebacks in Minimal mode: the error line only, no file paths of this machine.
        extra_arguments=["--InteractiveShell.xmode=Minimal"],
    )
    client.execute()
    for cell in nb.cells:
        failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        if failed and "raises-exception" not in tags(cell):
            raise RuntimeError(f"{path.name}: a cell failed unexpectedly:\n{cell.source}")
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    nbformat.write(nb, path)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"running {arg}")
        regenerate(Path(arg))
