"""``poster-tool``: the command-line shell over the headless core.

Each feature's subcommands live in a module of this package with a ``register(subparsers)``
function; a handler takes the parsed arguments and returns an exit code.  Heavy libraries
(torch, Qt) are imported inside handlers, so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sqlite3
import sys
from collections.abc import Sequence
from typing import NoReturn

from poster_tool import __version__
from poster_tool.cli import common
from poster_tool.core.errors import Cancelled, PosterToolError

# Modules of this package that add subcommands, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "catalog",
    "catalog_copy",
    "review",
    "gui",
    "export",
    "picks",
    "experiment",
    "models",
    "crawl",
)


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line and status 1, like every other user error."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the docs test)."""
    parser = _Parser(
        prog="poster-tool",
        description="Poster Studio from the command line: import, crawl, label, train, "
        "recommend and export movie posters.",
    )
    parser.add_argument("--version", action="version", version=f"poster-tool {__version__}")
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        help="workspace folder (default: $POSTER_TOOL_WORKSPACE, else the one the window "
        "opened last, else the app-data folder)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the synthetic demo workspace (the one 'python main.py --demo' opens)",
    )
    parser.add_argument(
        "--progress-jsonl",
        action="store_true",
        help="report progress as JSON lines on stderr (for the window and other programs)",
    )
    parser.add_argument(
        "--curator",
        metavar="NAME",
        help="name recorded in the audit log for edits (default: $POSTER_TOOL_CURATOR or $USER)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"poster_tool.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 success, 1 a user error, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    common.PROGRESS_JSONL = args.progress_jsonl
    try:
        return int(args.func(args) or 0)
    except Cancelled as exc:
        print(f"poster-tool: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(
            "poster-tool: interrupted; finished work is saved, run again to resume", file=sys.stderr
        )
        return 130
    except PosterToolError as exc:
        print(f"poster-tool: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        sys.stderr.close()
        return 0
    except (OSError, sqlite3.OperationalError) as exc:
        # A full disk can strike any write; every job commits as it goes, so say so.
        full = getattr(exc, "errno", None) == errno.ENOSPC or "disk is full" in str(exc)
        if not full:
            raise
        print(
            "poster-tool: error: the disk is full; free some space and run the command "
            "again (work committed so far is kept)",
            file=sys.stderr,
        )
        return 1
