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
import sys

import nbformat
from nbclient import NotebookClient

# Run after the notebook in the same kernel: the relay the notebook started.
RELAY_PID_CELL = "print('relay pid', viewer.process.pid)"


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


def relay_pid(nb: nbformat.NotebookNode) -> int | None:
    """The pid the last cell printed."""
    words = "".join(
        out.get("text", "") for out in nb.cells[-1].get("outputs", [])
    ).split()
    return int(words[-1]) if words[:2] == ["relay", "pid"] else None


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """The errors the cells raised: name, value and traceback."""
    return [
        f"{out['ename']}: {out['evalue']}\n" + "\n".join(out.get("traceback", []))
        for out in outputs(nb)
        if out.get("output_type") == "error"
    ]


def main(path: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(RELAY_PID_CELL))
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True)
    client.reset_execution_trackers()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        shown = {"iframe": shown_iframe(nb), "relay_pid": relay_pid(nb), "errors": errors(nb)}
        print(json.dumps(shown), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main(sys.argv[1])
