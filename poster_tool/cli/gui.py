"""``poster-tool gui``: start the desktop window (same as ``poster-studio``)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the gui subcommand."""
    p = sub.add_parser("gui", help="open the Poster Studio window")
    p.add_argument("--demo", action="store_true", help="open the synthetic demo workspace")
    p.add_argument("--screenshot", metavar="PNG", help="save a screenshot once loaded, then exit")
    p.set_defaults(func=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from poster_tool.gui.app import run  # Qt only loads when the window is asked for

    argv = ["poster-studio"]
    if args.workspace:
        argv += ["--workspace", args.workspace]
    if args.demo:
        argv.append("--demo")
    if args.screenshot:
        argv += ["--screenshot", args.screenshot]
    return run(argv)
