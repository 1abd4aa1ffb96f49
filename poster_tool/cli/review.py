"""Review-pass subcommands: ``review mark / queue / accept / override`` and ``agreement``."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from poster_tool.cli.common import curator, open_store, parse_ids, print_json


def register(sub: argparse._SubParsersAction) -> None:
    """Add the review subcommands."""
    review = sub.add_parser("review", help="the review pass over curator edits (all audited)")
    rsub = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    p = rsub.add_parser("mark", help="put posters in the reviewer's queue (needs review)")
    p.add_argument("ids", nargs="+", help="poster ids")
    p.set_defaults(func=cmd_mark)

    p = rsub.add_parser("queue", help="curator edits no reviewer has decided on")
    p.add_argument("--by", metavar="CURATOR", help="only this curator's edits")
    p.add_argument("--since", metavar="DATE", help="only edits on or after DATE (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="only edits before DATE (YYYY-MM-DD)")
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_queue)

    for name, decision, text in (
        ("accept", "accepted", "accept the waiting edits of posters"),
        ("override", "overridden", "undo the waiting edits of posters (as a reviewer)"),
    ):
        p = rsub.add_parser(name, help=text)
        p.add_argument("ids", nargs="+", help="poster ids")
        p.set_defaults(func=cmd_decide, decision=decision)

    p = sub.add_parser(
        "agreement", help="per-genre agreement (Cohen's kappa) of two curators, and disagreements"
    )
    p.add_argument(
        "--curators",
        nargs=2,
        metavar=("A", "B"),
        help="the two curators (default: the pair who labelled the most posters in common)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_agreement)


def cmd_mark(args: argparse.Namespace) -> int:
    _, store = open_store(args)
    ids = parse_ids(args.ids)
    store.mark_needs_review(ids, curator(args))
    print(f"{len(ids)} poster(s) marked for review")
    return 0


def cmd_queue(args: argparse.Namespace) -> int:
    _, store = open_store(args, reads=True)
    entries = store.review_queue(args.by, args.since, args.until, args.limit)
    if args.json:
        print_json([asdict(e) for e in entries])
        return 0
    for e in entries:
        print(f"{e.id} {e.at} {e.curator}: {e.action} of poster {e.poster_id}: {e.after}")
    if not entries:
        print("nothing waits for review")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    _, store = open_store(args)
    ids = parse_ids(args.ids)
    decided = store.review(ids, args.decision, curator(args))
    print(f"{len(decided)} edit(s) {args.decision}")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from poster_tool.core.agreement import store_agreement

    _, store = open_store(args, reads=True)
    a, b = args.curators or (None, None)
    report = store_agreement(store, a, b)
    print_json(report.to_dict()) if args.json else print("\n".join(report.lines()))
    return 0
