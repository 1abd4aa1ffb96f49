"""``poster-tool catalog copy``: move a workspace's catalog between engines (a SQLite file
and a PostgreSQL server), nothing lost."""

from __future__ import annotations

import argparse
from pathlib import Path

from poster_tool.cli.common import run_with_progress, workspace
from poster_tool.core.catalog.address import is_server


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``catalog`` subcommands."""
    catalog = sub.add_parser("catalog", help="move the workspace's catalog to another engine")
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    p = actions.add_parser(
        "copy",
        help="copy the catalog (every row, ids and audit log kept) into an empty one; the "
        "workspace then opens the copy when it is a server or its own catalog.db",
    )
    p.add_argument(
        "--to",
        required=True,
        metavar="URL|PATH",
        help="postgresql://user@host/db (password from ~/.pgpass or PGPASSWORD) or a SQLite file",
    )
    p.set_defaults(func=cmd_copy)


def cmd_copy(args: argparse.Namespace) -> int:
    from poster_tool.core.catalog.copier import copy_catalog

    ws = workspace(args)
    target = args.to if is_server(args.to) else str(Path(args.to).expanduser().resolve())
    with ws.store() as source:
        copied = run_with_progress(copy_catalog(source, target))
    print(
        f"copied {sum(copied.values())} rows ({copied['posters']} posters, "
        f"{copied['audit_log']} audit entries) to {target}"
    )
    # The workspace moves when the copy is its catalog now: a server, or its own file.
    if is_server(target):
        ws.set_catalog(target)
    elif Path(target) == ws.db_path:
        ws.set_catalog(None)
    else:
        print(f"the workspace still opens {ws.catalog_address}")
        return 0
    print(f"the workspace {ws.root} now opens {ws.catalog_address}; images stay in {ws.images_dir}")
    return 0
