"""Experiment subcommands: plan out, impression logs in, off-policy estimates."""

from __future__ import annotations

import argparse
from pathlib import Path

from poster_tool.cli.common import (
    curator,
    open_store,
    print_json,
    run_with_progress,
    title_ids,
)
from poster_tool.cli.estimates import print_estimates
from poster_tool.core.errors import PosterToolError


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``experiment plan / import / logs / estimate / remove``."""
    experiment = sub.add_parser(
        "experiment", help="A/B plans out, impression logs in, off-policy estimates"
    )
    esub = experiment.add_subparsers(dest="experiment_command", metavar="ACTION", required=True)
    p = esub.add_parser(
        "plan", help="write which poster each arm shows each profile, with propensities"
    )
    p.add_argument("--titles", help="comma-separated title ids or keys (default: all, by name)")
    p.add_argument(
        "--arms",
        default="default,genre-match",
        help="comma-separated: default, genre-match, random",
    )
    p.add_argument("--explore", type=float, default=0.1, help="exploration share (default 0.1)")
    p.add_argument("--profiles", help="comma-separated profile names (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the plan's draws (default 0)")
    p.add_argument("--out", required=True, type=Path, help="the plan's CSV file")
    p.set_defaults(func=cmd_plan)

    p = esub.add_parser("import", help="import an impression log (CSV, UTF-8 or CP949)")
    p.add_argument("log", type=Path, help="timestamp,viewer,title,poster,propensity,played,…")
    p.add_argument("--encoding", help="the log's encoding (default: UTF-8, then CP949)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_import)

    p = esub.add_parser("logs", help="list the imported impression logs")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_logs)

    p = esub.add_parser(
        "estimate", help="replay, IPS, SNIPS and DR of every policy on the imported logs"
    )
    p.add_argument("--logs", help="comma-separated log ids (default: all)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--overall", action="store_true", help="skip the per-segment estimates")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_estimate)

    p = esub.add_parser("remove", help="delete an imported log and its impressions")
    p.add_argument("log_id", type=int)
    p.set_defaults(func=cmd_remove)


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


def cmd_plan(args: argparse.Namespace) -> int:
    from poster_tool.core.experiment.plan import make_plan
    from poster_tool.core.personalize.samples import ensure_samples

    _, store = open_store(args, reads=True)
    ensure_samples(store)
    ids = title_ids(store, args.titles) or [t.id for t in store.titles()]
    plan = make_plan(
        store, ids, _names(args.arms) or [], args.explore, args.seed, _names(args.profiles)
    )
    plan.write(args.out)
    print(
        f"{args.out}: {len(plan.rows)} rows for {plan.profiles} profiles x {len(plan.arms)} "
        f"arms x {plan.titles} titles, exploration {plan.explore:g}, seed {plan.seed}"
    )
    if plan.titles_without_poster:
        print(f"no showable poster, left out: {', '.join(plan.titles_without_poster)}")
    if plan.explore == 0:
        print("note: without exploration, the log can judge only the arms themselves")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from poster_tool.core.experiment.logs import import_log
    from poster_tool.core.personalize.samples import ensure_samples

    _, store = open_store(args)
    ensure_samples(store)  # a log's profile column may name a sample profile
    result = run_with_progress(
        import_log(store, args.log, curator(args), args.encoding), quiet=args.json
    )
    if args.json:
        print_json(result.to_dict())
        return 0
    print(result.line())
    if result.columns_ignored:
        print(f"columns ignored: {', '.join(result.columns_ignored)}")
    return 0


def cmd_logs(args: argparse.Namespace) -> int:

    _, store = open_store(args)
    logs = store.list_logs()
    if args.json:
        print_json([log.to_dict() for log in logs])
        return 0
    if not logs:
        print("no impression logs yet: 'poster-tool experiment import LOG.csv'")
    for log in logs:
        print(
            f"#{log.id:<4} {log.imported_at[:16]}  {log.rows:>9} impressions {log.plays:>8} plays"
            f"  {log.file_name} ({log.curator})"
        )
    return 0


def cmd_estimate(args: argparse.Namespace) -> int:
    from poster_tool.cli.common import parse_ids
    from poster_tool.core.experiment.catalog_estimates import estimate_logs
    from poster_tool.core.personalize.samples import ensure_samples

    _, store = open_store(args)
    ensure_samples(store)
    ids = parse_ids([args.logs]) if args.logs else None
    result = run_with_progress(
        estimate_logs(store, ids, args.seed, by_segment=not args.overall), quiet=args.json
    )
    if args.json:
        print_json(result.to_dict())
        return 0
    print(
        f"{result.impressions} impressions of {result.viewers} viewers "
        f"({result.viewers_with_profile} matched to a profile)"
    )
    for warning in result.warnings:
        print(f"warning: {warning}")
    print_estimates(result.estimates)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:

    _, store = open_store(args)
    if not store.delete_log(args.log_id, curator(args)):
        raise PosterToolError(
            f"no impression log #{args.log_id}; see 'poster-tool experiment logs'"
        )
    print(f"impression log #{args.log_id} removed")
    return 0
