"""Catalog subcommands: init, import-csv, import-dir, stats, genres, posters …, demo."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from poster_tool.cli.common import (
    curator,
    open_store,
    parse_ids,
    print_json,
    run_with_progress,
    workspace,
)
from poster_tool.core.curation import sensitive_defaults, titles_line
from poster_tool.core.errors import PosterToolError
from poster_tool.core.final_genres import Verdict, verdicts
from poster_tool.core.records import (
    PROVENANCES,
    STATUSES,
    YES_NO_FILTERS,
    Poster,
    PosterQuery,
)
from poster_tool.core.taxonomy import ALIASES, GENRES, resolve_all, split_genres

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore


def register(sub: argparse._SubParsersAction) -> None:
    """Add the catalog subcommands."""
    p = sub.add_parser("init", help="create (or upgrade) the catalog in the workspace")
    p.add_argument(
        "--catalog",
        metavar="URL",
        help="a PostgreSQL catalog for a team (postgresql://user@host/db; the password comes "
        "from ~/.pgpass or PGPASSWORD), saved in the workspace's workspace.json",
    )
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import-csv", help="import posters listed in a CSV manifest")
    p.add_argument("file", help="CSV with columns id,title,year,genres and path (or url)")
    p.add_argument("--encoding", help="the manifest's text encoding (default: UTF-8, then CP949)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_import_csv)

    p = sub.add_parser("import-dir", help="import a folder with one sub-folder per title")
    p.add_argument("folder", help="folder of 'Title (Year)' folders, each with posters")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_import_dir)

    p = sub.add_parser("stats", help="counts of titles, posters, labels and genres")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("genres", help="the genre taxonomy with its aliases (English and Korean)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_genres)

    p = sub.add_parser("demo", help="build the synthetic demo workspace (no real posters)")
    p.add_argument("--force", action="store_true", help="rebuild even if the workspace has data")
    p.set_defaults(func=cmd_demo)

    posters = sub.add_parser("posters", help="list and edit posters (every edit is audited)")
    psub = posters.add_subparsers(dest="posters_command", metavar="ACTION", required=True)
    p = psub.add_parser("list", help="list posters")
    p.add_argument("--title", help="only this title (catalog id, IMDb id, TMDB id or key)")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--genre", help="only posters with this genre")
    p.add_argument("--search", default="", help="text in the title (any language)")
    p.add_argument(
        "--disagrees",
        action="store_true",
        help="only posters the model is sure are mislabelled (a review queue)",
    )
    p.add_argument(
        "--sort",
        choices=("title", "id", "newest", "uncertain"),
        help="order (uncertain: the model's coin flips first; default: the view's, else title)",
    )
    _add_power_filters(p)
    p.add_argument(
        "--limit",
        type=int,
        default=1000,
        help="at most this many (default 1000; 0 for all); a cut is said on stderr",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_posters_list)

    p = psub.add_parser("views", help="the saved views (named filter sets) of the workspace")
    p.add_argument("--delete", metavar="NAME", help="delete this saved view (audited)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_views)

    p = psub.add_parser("set-status", help="approve, reject or reset posters")
    p.add_argument("ids", nargs="+", help="poster ids")
    p.add_argument("status", choices=STATUSES)
    add_expect(p)
    p.set_defaults(func=cmd_set_status)

    p = psub.add_parser("set-genres", help="set the curator genres of posters")
    p.add_argument("ids", nargs="+", help="poster ids")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--genres", help="comma-separated, e.g. Drama,Family (names or aliases)")
    group.add_argument("--clear", action="store_true", help="drop curator genres (use source's)")
    add_expect(p)
    p.set_defaults(func=cmd_set_genres)

    p = psub.add_parser("set-default", help="make a poster its title's default")
    p.add_argument("id", type=int, help="poster id")
    add_expect(p)
    p.set_defaults(func=cmd_set_default)

    p = psub.add_parser("set-sensitive", help="flag posters as sensitive (or --clear)")
    p.add_argument("ids", nargs="+", help="poster ids")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--reason", help="why, e.g. 'religious imagery'")
    group.add_argument("--clear", action="store_true", help="remove the flag")
    add_expect(p)
    p.set_defaults(func=cmd_set_sensitive)

    p = psub.add_parser("history", help="the audit log (of one poster, or all)")
    p.add_argument("id", nargs="?", type=int, help="poster id")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_history)

    p = psub.add_parser("revert", help="put a poster back as it was after a history entry")
    p.add_argument("id", type=int, help="poster id")
    p.add_argument(
        "--to", type=int, required=True, metavar="ENTRY", help="audit entry id ('posters history')"
    )
    add_expect(p)
    p.set_defaults(func=cmd_revert)


def _add_power_filters(p: argparse.ArgumentParser) -> None:
    """The window's power filters as flags, and saved views by name."""
    g = p.add_argument_group("power filters (they compose with the filters above)")
    g.add_argument("--source", help="only posters from this source (csv, dir, tmdb …)")
    g.add_argument("--unlabelled", action="store_true", help="only posters no curator has labelled")
    g.add_argument("--score-genre", metavar="GENRE", help="the model's score for this genre …")
    g.add_argument("--score-min", type=float, default=0.0, help="… is at least this (0-1)")
    g.add_argument("--score-max", type=float, default=1.0, help="… and at most this (0-1)")
    g.add_argument("--not-labelled", metavar="GENRE", help="the labels lack it (not the model's)")
    g.add_argument(
        "--provenance",
        choices=PROVENANCES,
        help="where the final genres (of --genre, if given) come from",
    )
    g.add_argument("--edited-by", metavar="CURATOR", help="only posters this curator edited last")
    g.add_argument("--edited-from", metavar="YYYY-MM-DD", help="last edited on or after this day")
    g.add_argument("--edited-to", metavar="YYYY-MM-DD", help="last edited on or before this day")
    for field, words in YES_NO_FILTERS.items():
        g.add_argument(
            f"--{field.replace('_', '-')}", choices=("yes", "no"), help=f"{words}: yes or no"
        )
    g.add_argument("--view", help="start from this saved view (the flags narrow it further)")
    g.add_argument("--save-view", metavar="NAME", help="save these filters as a view (audited)")


def _genre(name: str) -> str:
    resolution = resolve_all([name])
    if not resolution.genres:
        raise PosterToolError(f"unknown genre {name!r}; see 'poster-tool genres'")
    return resolution.genres[0]


def _query(store: PosterStore, args: argparse.Namespace) -> PosterQuery:
    """The saved view (if any) with the flags given on top."""
    base = PosterQuery()
    if args.view:
        views = store.saved_views()
        if args.view not in views:
            raise PosterToolError(
                f"no saved view named {args.view!r}; see 'poster-tool posters views'"
            )
        base = views[args.view]
    if not 0 <= args.score_min <= args.score_max <= 1:
        raise PosterToolError("--score-min and --score-max take 0 <= min <= max <= 1")
    given: dict[str, Any] = {
        "text": args.search,
        "status": args.status,
        "source": args.source,
        "disagrees": args.disagrees or None,
        "unlabelled": args.unlabelled or None,
        "provenance": args.provenance,
        "curator": args.edited_by,
        "edited_from": args.edited_from,
        "edited_to": args.edited_to,
        "sort": args.sort,
    }
    for field in YES_NO_FILTERS:
        value = getattr(args, field)
        given[field] = None if value is None else value == "yes"
    if args.title:
        title = store.find_title(args.title)
        if title is None:
            raise PosterToolError(f"no title {args.title!r} in the catalog")
        given["title_id"] = title.id
    for field in ("genre", "not_labelled"):
        if getattr(args, field):
            given[field] = _genre(getattr(args, field))
    if args.score_genre:
        given |= {
            "score_genre": _genre(args.score_genre),
            "score_min": args.score_min,
            "score_max": args.score_max,
        }
    return replace(base, **{k: v for k, v in given.items() if v not in (None, "")})


def cmd_init(args: argparse.Namespace) -> int:
    if args.catalog:
        from poster_tool.core.catalog.store import PosterStore

        ws = workspace(args)
        PosterStore(args.catalog).close()  # reachable and migrated before the workspace names it
        ws.set_catalog(args.catalog)
    ws, store = open_store(args)
    where = f"{ws.catalog_address} (images in {ws.root})" if ws.on_server else str(ws.root)
    print(f"catalog ready at {where} (schema version {store.schema_version})")
    return 0


def _report(report: Any, as_json: bool) -> int:
    if as_json:
        print_json(report.to_dict())
        return 0
    for line in report.lines():
        print(line)
    if report.posters_new + report.duplicates + report.near_duplicates:
        print(
            "next: 'poster-tool predict' adds the model's genre suggestions to the new "
            "posters (the window does this on its own)"
        )
    return 0


def cmd_import_csv(args: argparse.Namespace) -> int:
    from poster_tool.core.importers import import_csv

    ws, store = open_store(args)
    report = run_with_progress(import_csv(ws, store, args.file, args.encoding), quiet=args.json)
    return _report(report, args.json)


def cmd_import_dir(args: argparse.Namespace) -> int:
    from poster_tool.core.importers import import_dir

    ws, store = open_store(args)
    return _report(
        run_with_progress(import_dir(ws, store, args.folder), quiet=args.json), args.json
    )


def cmd_stats(args: argparse.Namespace) -> int:
    ws, store = open_store(args, reads=True)
    stats = store.stats()
    if args.json:
        print_json(stats)
        return 0
    p = stats["posters"]
    print(f"workspace: {ws.root}")
    print(f"titles: {stats['titles']}")
    print(
        f"posters: {p['total']} ({p['pending']} pending, {p['approved']} approved, "
        f"{p['rejected']} rejected; {stats['sensitive']} sensitive)"
    )
    labels = stats["labels"]
    print(
        f"labels: {labels['source']} from sources, {labels['model']} from the model, "
        f"{labels['curator']} from curators"
    )
    for genre, n in stats["genres"].items():
        print(f"  {genre:<12} {n}")
    return 0


def cmd_genres(args: argparse.Namespace) -> int:
    aliases: dict[str, list[str]] = {g: [] for g in GENRES}
    for alias, genre in ALIASES.items():
        aliases[genre].append(alias)
    if args.json:
        print_json([{"name": g, "aliases": aliases[g]} for g in GENRES])
    else:
        for genre in GENRES:
            print(f"{genre:<12} {', '.join(aliases[genre])}")
    return 0


def poster_json(poster: Poster, verdict: Verdict) -> dict[str, Any]:
    """The public JSON shape of a poster (``posters list --json``); ``final_genres`` and
    ``held_for_review`` are exactly what an export writes (docs/export.md)."""
    data = asdict(poster)
    data["title"] = data.pop("title_name")
    data["year"] = data.pop("title_year")
    data["genres"] = list(poster.genres)
    data["final_genres"] = [g.to_dict() for g in verdict.genres]
    data["held_for_review"] = verdict.held
    data["disagrees"] = data.pop("model_disagrees")
    data["uncertainty"] = data.pop("model_uncertainty")
    return data


def cmd_posters_list(args: argparse.Namespace) -> int:
    _, store = open_store(args, reads=True)
    if args.limit < 0:
        raise PosterToolError("--limit takes 0 (no limit) or a positive number")
    query = _query(store, args)
    if args.save_view:
        store.put_view(None, args.save_view, query, curator(args))
        print(f"poster-tool: saved the view {args.save_view!r}", file=sys.stderr)
    limit = args.limit or int(store.count(query))
    posters = store.posters(store.query_ids(query, 0, limit))
    if args.json:
        found = verdicts(store, [p.id for p in posters])
        print_json([poster_json(p, found[p.id]) for p in posters])
        return 0
    for p in posters:
        flags = ("D" if p.is_default else "-") + ("S" if p.sensitive else "-")
        year = f" ({p.title_year})" if p.title_year else ""
        print(f"{p.id:>7} {p.status:<8} {flags} {p.title_name}{year}  [{', '.join(p.genres)}]")
    total = store.count(query)
    if total > len(posters):
        print(
            f"poster-tool: listed {len(posters)} of {total} posters (--limit 0 for all)",
            file=sys.stderr,
        )
    return 0


def cmd_views(args: argparse.Namespace) -> int:
    _, store = open_store(args, reads=not args.delete)
    if args.delete:
        store.put_view(args.delete, None, None, curator(args))
        print(f"deleted the view {args.delete!r}")
        return 0
    views = store.saved_views()
    counts = {name: store.count(query) for name, query in views.items()}
    if args.json:
        print_json(
            [
                {"name": name, "filters": query.to_view(), "posters": counts[name]}
                for name, query in views.items()
            ]
        )
        return 0
    for name, query in views.items():
        filters = ", ".join(f"{k}={v}" for k, v in query.to_view().items()) or "(everything)"
        posters = "poster" if counts[name] == 1 else "posters"
        print(f"{name}  [{counts[name]:,} {posters}]  {filters}")
    return 0


def add_expect(parser: argparse.ArgumentParser) -> None:
    """The option that makes an edit refuse posters changed since the caller looked."""
    parser.add_argument(
        "--expect",
        type=int,
        metavar="ENTRY",
        help="refuse (exit 1) if another curator changed one of the posters after audit "
        "entry ENTRY (see 'posters history')",
    )


def based_on(store: PosterStore, args: argparse.Namespace, ids: list[int]) -> Any:
    """The transaction of an edit: with ``--expect``, refused when another curator changed
    one of the posters after that entry."""
    if args.expect is None:
        return nullcontext()
    return store.based_on(args.expect, ids, curator(args))


def cmd_set_status(args: argparse.Namespace) -> int:
    _, store = open_store(args)
    ids = parse_ids(args.ids)
    with based_on(store, args, ids):
        store.set_status(dict.fromkeys(ids, args.status), curator(args))
    print(f"{len(ids)} poster(s) {args.status}")
    return 0


def cmd_set_genres(args: argparse.Namespace) -> int:
    _, store = open_store(args)
    ids = parse_ids(args.ids)
    if args.clear:
        with based_on(store, args, ids):
            store.set_genres(dict.fromkeys(ids), curator(args))
        print(f"curator genres cleared on {len(ids)} poster(s)")
        return 0
    resolution = resolve_all(split_genres(args.genres))
    if resolution.unknown:
        raise PosterToolError(
            f"unknown genre {resolution.unknown[0]!r}; see 'poster-tool genres' for names"
        )
    with based_on(store, args, ids):
        store.set_genres({i: resolution.genres for i in ids}, curator(args))
    print(f"{len(ids)} poster(s) labelled {', '.join(resolution.genres) or '(no genre)'}")
    return 0


def cmd_set_default(args: argparse.Namespace) -> int:
    _, store = open_store(args)
    with based_on(store, args, [args.id]):
        store.set_default(args.id, curator(args))
    poster = store.get_poster(args.id)
    print(f"poster {args.id} is now the default of {poster.title_name}")
    return 0


def cmd_set_sensitive(args: argparse.Namespace) -> int:
    _, store = open_store(args)
    ids = parse_ids(args.ids)
    reason = None if args.clear else args.reason
    with based_on(store, args, ids):
        store.set_sensitive(dict.fromkeys(ids, reason), curator(args))
    print(f"{len(ids)} poster(s) " + ("cleared" if reason is None else f"sensitive: {reason}"))
    if reason is not None and (titles := sensitive_defaults(store, ids)):
        print(
            f"warning: {titles_line(titles)}: the default poster is now sensitive and never "
            "shown; choose another with 'poster-tool posters set-default'",
            file=sys.stderr,
        )
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    _, store = open_store(args)
    entries = store.audit_log(args.id, args.limit)
    if args.json:
        print_json([asdict(e) for e in entries])
        return 0
    for e in entries:
        target = f"poster {e.poster_id}" if e.poster_id else f"title {e.title_id}"
        print(f"#{e.id} {e.at} {e.curator}: {e.action} of {target}: {e.before} -> {e.after}")
    return 0


def cmd_revert(args: argparse.Namespace) -> int:
    _, store = open_store(args)
    with based_on(store, args, [args.id]):
        store.put_curation_state({args.id: store.state_after(args.id, args.to)}, curator(args))
    print(f"poster {args.id} is back as it was after entry {args.to}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import os

    from poster_tool.core.demo import build_demo
    from poster_tool.core.workspace import ENV_VAR, remember

    # Without a folder named, the demo goes where the window's --demo keeps it, and later
    # commands and windows open it by default.
    shared = not args.workspace and not os.environ.get(ENV_VAR)
    if shared:
        args.demo = True
    ws = workspace(args)
    store = ws.store()
    report = run_with_progress(build_demo(ws, store, force=args.force))
    print(f"demo workspace at {ws.root}: {report}")
    if shared:
        remember(ws.root)
        print("poster-tool and the window now open it by default (--workspace DIR for another)")
    return 0
