"""Helpers every subcommand module shares: workspace, curator name, progress, JSON."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeVar

from poster_tool.core.progress import Progress, run_job
from poster_tool.core.workspace import Workspace, origin

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

R = TypeVar("R")
PROGRESS_JSONL = False  # set by --progress-jsonl: progress as JSON lines for a parent process
PROGRESS_PREFIX = "PROGRESS "  # marks those lines among whatever else goes to stderr


def workspace(args: argparse.Namespace, create: bool = True) -> Workspace:
    """The workspace named by ``--workspace`` or ``--demo``, the environment, the one the
    window opened last, or the default."""
    if getattr(args, "demo", False) and not args.workspace:
        from poster_tool.core.demo import demo_root

        return Workspace.open(demo_root(), create=create)
    return Workspace.open(args.workspace, create=create)


def open_store(args: argparse.Namespace, reads: bool = False) -> tuple[Workspace, PosterStore]:
    """The workspace and its open catalog.

    :param reads: the command reports on the catalog (stats, lists, picks, export), so an
        empty one gets a note on stderr saying which workspace was opened and why, rather
        than an empty answer that looks like a result
    """
    ws = workspace(args)
    store = ws.store()
    if reads and not store.has_titles():
        why = "--demo" if getattr(args, "demo", False) else origin(args.workspace)
        print(
            f"poster-tool: note: the workspace {ws.root} ({why}) holds no titles yet; "
            "import or crawl posters into it, or pass --workspace DIR, or --demo for the "
            "demo workspace",
            file=sys.stderr,
        )
    return ws, store


def curator(args: argparse.Namespace) -> str:
    """Who is editing: ``--curator``, ``$POSTER_TOOL_CURATOR``, else the login name."""
    name = getattr(args, "curator", None) or os.environ.get("POSTER_TOOL_CURATOR")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no login name in some containers
            name = "unknown"
    return name


def run_with_progress(job: Generator[Progress, None, R], quiet: bool = False) -> R:
    """Drive a core job, printing progress to stderr (one line, redrawn on a terminal)."""
    tty = sys.stderr.isatty()
    last = 0.0

    def show(report: Progress) -> None:
        nonlocal last
        if PROGRESS_JSONL:
            print(
                PROGRESS_PREFIX + json.dumps(report.to_dict(), ensure_ascii=False),
                file=sys.stderr,
                flush=True,
            )
            return
        if quiet:
            return
        now = time.monotonic()
        if tty:
            print("\r\x1b[K" + report.line(), end="", file=sys.stderr, flush=True)
        elif now - last >= 2.0 or (report.total and report.done >= report.total):
            print(report.line(), file=sys.stderr, flush=True)
            last = now

    try:
        return run_job(job, show)
    finally:
        if tty and not quiet and not PROGRESS_JSONL:
            print(file=sys.stderr)


def print_json(value: Any) -> None:
    """JSON on stdout: UTF-8 as is (Korean titles stay readable), two-space indent."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def parse_ids(values: list[str]) -> list[int]:
    """Poster ids from arguments like ``3 4 7`` or ``3,4,7``."""
    from poster_tool.core.errors import PosterToolError

    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise PosterToolError(f"{part!r} is not a poster id (a whole number)")
            ids.append(int(part))
    return ids


def title_ids(store: PosterStore, refs: str | None) -> list[int] | None:
    """Title ids from ``--titles`` (comma-separated ids, keys, IMDb or TMDB ids); ``None``
    when the option was not given.

    :raises PosterToolError: naming the first reference that is not in the catalog
    """
    from poster_tool.core.errors import PosterToolError

    if not refs:
        return None
    ids = []
    for ref in (r.strip() for r in refs.split(",") if r.strip()):
        title = store.find_title(ref)
        if title is None:
            raise PosterToolError(f"no title {ref!r} in the catalog")
        ids.append(title.id)
    return ids
