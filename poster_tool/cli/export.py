"""Export subcommands: ``export`` (JSON or CSV) and ``import-export`` (the round trip)."""

from __future__ import annotations

import argparse
from pathlib import Path

from poster_tool.cli.common import curator, open_store, print_json, run_with_progress
from poster_tool.core.errors import PosterToolError
from poster_tool.core.exchange.export import EXPORT_FORMATS, SENSITIVE_MODES
from poster_tool.core.workspace import Workspace


def register(sub: argparse._SubParsersAction) -> None:
    """Add the export subcommands."""
    p = sub.add_parser("export", help="export approved posters with their genres (JSON or CSV)")
    p.add_argument(
        "--out",
        metavar="PATH",
        help="the file to write (replaced atomically: a "
        "failed export leaves the previous file as it was)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="write nothing: say how many posters "
        "would go out, where their genres come from, and how many wait for review",
    )
    p.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        help="json or csv (default: from the --out suffix, else json)",
    )
    p.add_argument(
        "--since", metavar="DATE", help="only posters changed on or after DATE (YYYY-MM-DD, UTC)"
    )
    p.add_argument(
        "--include-images",
        metavar="DIR",
        help="also copy the images into DIR, named by their SHA-256",
    )
    p.add_argument(
        "--sensitive",
        choices=SENSITIVE_MODES,
        default="exclude",
        help="leave sensitive posters out (default) or keep them flagged",
    )
    p.add_argument(
        "--reviewed-only",
        action="store_true",
        help="only posters a reviewer accepted or overrode ('poster-tool review')",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import-export", help="load a JSON export into the workspace")
    p.add_argument("file", help="a JSON file written by 'poster-tool export'")
    p.add_argument(
        "--images",
        metavar="DIR",
        help="folder of the exported images (default: the "
        "export's images folder when it sits beside the file)",
    )
    p.add_argument(
        "--source-workspace",
        metavar="DIR",
        help="the workspace the export came from (its stored images are used)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_import_export)


def cmd_export(args: argparse.Namespace) -> int:
    from poster_tool.core.exchange.export import export, preview

    if args.dry_run:
        _, store = open_store(args, reads=True)
        found = preview(
            store, since=args.since, sensitive=args.sensitive, reviewed_only=args.reviewed_only
        )
        print_json(found.to_dict()) if args.json else print("\n".join(found.lines()))
        return 0
    if not args.out:
        raise PosterToolError("name the file to write with --out (or look first: --dry-run)")
    fmt = args.format or ("csv" if Path(args.out).suffix.lower() == ".csv" else "json")
    ws, store = open_store(args, reads=True)
    job = export(
        ws,
        store,
        fmt,
        args.out,
        since=args.since,
        include_images=args.include_images,
        sensitive=args.sensitive,
        reviewed_only=args.reviewed_only,
    )
    report = run_with_progress(job, quiet=args.json)
    print_json(report.to_dict()) if args.json else print("\n".join(report.lines()))
    return 0


def cmd_import_export(args: argparse.Namespace) -> int:
    from poster_tool.core.exchange.import_export import import_export

    source = Workspace.open(args.source_workspace, create=False) if args.source_workspace else None
    ws, store = open_store(args)
    job = import_export(
        ws, store, args.file, images=args.images, source_workspace=source, curator=curator(args)
    )
    report = run_with_progress(job, quiet=args.json)
    print_json(report.to_dict()) if args.json else print("\n".join(report.lines()))
    # Non-zero when a poster could not come back, so scripts notice the loss.
    return 1 if report.refused else 0
