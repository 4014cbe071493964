"""``python -m meshcast.server [RELAY FLAGS...]``: runs the meshcast relay in the foreground, as
``python -m aitviewer.server`` runs aitviewer's viewer with its server on.

Every flag goes to ``meshcast-relay`` as it is (``python -m meshcast.server --help`` lists them):
``--port``, ``--bind``, ``--lan``, ``--token``, ``--smpl-models``, ... The relay is the one
:func:`meshcast._relay.find_relay` finds (in a wheel, the one it carries, serving the page it
carries). Ctrl-C stops it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import List, Optional, Sequence

from ._relay import find_relay, relay_command


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the relay with ``argv`` (default: this command's arguments); returns its exit status."""
    args: List[str] = list(sys.argv[1:] if argv is None else argv)
    try:
        command = relay_command(find_relay(), args)
    except FileNotFoundError as e:
        print(f"meshcast.server: {e}", file=sys.stderr)
        return 2
    if os.name == "posix":
        # Become the relay: signals (Ctrl-C, SIGTERM) and the exit status are its own.
        sys.stdout.flush()
        os.execv(command[0], command)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
