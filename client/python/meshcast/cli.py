"""The ``meshcast`` command. ``meshcast serve [--open] [RELAY FLAGS...]`` runs the relay, prints
the URL of its page (with the access token when one is asked for) and, with ``--open``, opens it
in the default browser. Other flags go to ``meshcast-relay`` as they are."""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import webbrowser
from typing import Any, Optional, Sequence

from ._relay import find_relay, relay_command

# The page URL in the relay's start banner (cli::banner in the relay): "open http://..." when no
# token is asked for, "open in a browser:  http://...?token=..." when one is.
_BANNER_URL = re.compile(r"\bopen(?: in a browser:)?\s+(https?://\S+)")


def page_url_in(line: str) -> Optional[str]:
    """The page URL in a line of the relay's start banner, or ``None``."""
    m = _BANNER_URL.search(line)
    return m.group(1) if m else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meshcast", description="meshcast: a remote 3D viewer for research scripts.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the relay and print the URL of the viewer page",
        description="Runs meshcast-relay in the foreground and prints the URL of its page. Every other flag goes "
        "to the relay (--port, --bind, --lan, --token, --smpl-models, ...: `python -m meshcast.server --help` "
        "lists them). Ctrl-C stops it.",
    )
    serve.add_argument("--open", action="store_true", help="open the page in the default web browser")
    return parser


def serve(relay_args: Sequence[str], open_browser: bool) -> int:
    """Runs the relay with ``relay_args`` until it exits (or Ctrl-C / SIGTERM), echoing its output
    and printing its page URL once it listens; returns its exit status."""
    process = subprocess.Popen(
        relay_command(find_relay(), relay_args),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        bufsize=1,
    )

    def stop(signum: int, frame: Any) -> None:
        process.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    shown = False
    try:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            url = None if shown else page_url_in(line)
            if url is not None:
                shown = True
                print(f"meshcast: the viewer is at {url}", flush=True)
                if open_browser:
                    if webbrowser.open(url):
                        print(f"meshcast: opened {url} in the web browser", flush=True)
                    else:
                        print("meshcast: could not open a web browser; open the URL above by hand", flush=True)
            sys.stdout.flush()
        return process.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached the relay too (same process group); let it finish.
        process.terminate()
        process.wait()
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            process.kill()
            process.wait()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``meshcast`` console command."""
    args, relay_args = _parser().parse_known_args(sys.argv[1:] if argv is None else argv)
    try:
        return serve(relay_args, args.open)
    except FileNotFoundError as e:
        print(f"meshcast: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
