"""Entry point: `danvan` / `python -m danvan_desktop` (window without a sub-command, else the CLI)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the program; returns the process exit code."""
    from danvan_desktop.cli import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
