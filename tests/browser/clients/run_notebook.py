"""Executes a notebook with nbclient in an IPython kernel of this Python, as Jupyter would,
prints as JSON on one line what it showed, and keeps the kernel running (as an open notebook
does: the relay the notebook started is its child and ends with it) until standard input closes.

The JSON: ``iframe``, the HTML of its last output holding an <iframe> (``viewer.show()``);
``relay_pid``, the process id of the relay it started (``viewer.process``), for the test to stop
should the kernel not; ``errors``, the errors its cells raised. A missing one is ``null``.

    python run_notebook.py NOTEBOOK      (the kernel inherits the environment: MESHCAST_PORT, ...)

Every cell runs even after one fails, so that the relay's pid is known whatever happened.
"""

from __future__ import annotations

import json
import os
import sys

import nbformat
from nbclient import NotebookClient

# Run after the notebook in the same kernel: the relay the notebook started, and the kernel's Python.
RELAY_PID_CELL = "import sys\nprint('relay pid', viewer.process.pid, sys.executable)"


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    """Every output of every code cell, in order."""
    return [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    ]


def shown_iframe(nb: nbformat.NotebookNode) -> str | None:
    """The HTML of the last output that holds an <iframe>."""
    frames = [
        html
        for out in outputs(nb)
        if "<iframe" in (html := out.get("data", {}).get("text/html", ""))
    ]
    return frames[-1] if frames else None


def last_cell_says(nb: nbformat.NotebookNode) -> list[str]:
    """What the last cell printed, as words: ``relay pid PID KERNEL-PYTHON``."""
    words = "".join(
        out.get("text", "") for out in nb.cells[-1].get("outputs", [])
    ).split()
    return words if words[:2] == ["relay", "pid"] and len(words) == 4 else []


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """The errors the cells raised (name, value and traceback), and a kernel that is not this
    Python's (the notebook must run where the package under test is installed)."""
    words = last_cell_says(nb)
    wrong_kernel = (
        [f"the kernel ran {words[3]}, not {sys.executable}"]
        if words and words[3] != sys.executable
        else []
    )
    return wrong_kernel + [
        f"{out['ename']}: {out['evalue']}\n" + "\n".join(out.get("traceback", []))
        for out in outputs(nb)
        if out.get("output_type") == "error"
    ]


def main(path: str) -> None:
    # This environment's kernel spec (ipykernel's, which runs this Python) before the user's and
    # the system's, which may name another Python.
    here = os.path.join(sys.prefix, "share", "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (here, os.environ.get("JUPYTER_PATH")) if p
    )
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(RELAY_PID_CELL))
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True)
    client.reset_execution_trackers()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        words = last_cell_says(nb)
        shown = {
            "iframe": shown_iframe(nb),
            "relay_pid": int(words[2]) if words else None,
            "errors": errors(nb),
        }
        print(json.dumps(shown), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main(sys.argv[1])
