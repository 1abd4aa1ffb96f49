"""``poster-tool crawl tmdb | gallery | urls``: fill the catalog with poster pools from the web;
``poster-tool crawl check``: try a gallery recipe on one page."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from poster_tool.cli.common import open_store, print_json, run_with_progress
from poster_tool.core.errors import PosterToolError

if TYPE_CHECKING:
    from poster_tool.core.crawl.source import Source


def _positive(kind: Callable[[str], float]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{text!r} is negative")
        return value

    return parse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the crawl subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--rate",
        type=_positive(float),
        default=1.0,
        help="requests per second to each host (0: no limit; default 1)",
    )
    common.add_argument(
        "--concurrency",
        type=_positive(int),
        default=4,
        help="requests in flight at once over all hosts (default 4)",
    )
    common.add_argument(
        "--max-titles",
        type=_positive(int),
        metavar="N",
        help="stop queueing titles once this source has N",
    )
    common.add_argument(
        "--max-posters-per-title",
        type=_positive(int),
        metavar="N",
        help="take at most N posters into each title's pool",
    )
    common.add_argument(
        "--min-poster-size",
        type=_positive(int),
        metavar="PX",
        help="refuse images shorter than PX pixels on their short side: thumbnails and "
        "placeholders (default 150)",
    )
    common.add_argument(
        "--timeout",
        type=_positive(float),
        default=30.0,
        metavar="SECONDS",
        help="read timeout per request (default 30)",
    )
    common.add_argument(
        "--retries",
        type=_positive(int),
        default=3,
        help="retries after timeouts, connection errors, 429 and 5xx (default 3)",
    )
    common.add_argument("--user-agent", help="replace the User-Agent (add a contact address)")
    common.add_argument(
        "--refresh", action="store_true", help="read listing pages again to find new titles"
    )
    common.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch pages and report what would be downloaded; store nothing (not even a "
        "new workspace)",
    )
    common.add_argument("--json", action="store_true", help="print the summary as JSON")

    crawl = sub.add_parser("crawl", help="fetch poster pools from TMDB, a gallery site or URLs")
    csub = crawl.add_subparsers(dest="crawl_command", metavar="SOURCE", required=True)

    p = csub.add_parser(
        "tmdb",
        parents=[common],
        help="titles and poster pools from the TMDB API (needs an API key)",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--movie-ids", metavar="IDS", help="comma-separated TMDB ids, e.g. 496243")
    what.add_argument("--query", help="titles found by a search, e.g. 'parasite'")
    what.add_argument("--popular", action="store_true", help="the popular list")
    what.add_argument(
        "--discover-genre",
        metavar="GENRE",
        help="discover by genre: a name (Drama, SF, 액션) or a TMDB genre id",
    )
    p.add_argument(
        "--pages",
        type=_positive(int),
        default=1,
        help="list pages to read for --query, --popular, --discover-genre (20 each)",
    )
    p.add_argument("--api-key", help="TMDB API key or read access token (default: $TMDB_API_KEY)")
    p.add_argument("--api-base", help="API base URL (default https://api.themoviedb.org/3)")
    p.add_argument("--image-base", help="image base URL (default: asked of /configuration)")
    p.add_argument("--image-size", default="w500", help="poster size, e.g. w342, w500, original")
    p.add_argument(
        "--image-languages",
        metavar="LANGS",
        help="languages of the posters' text, e.g. ko,en,null (default: all)",
    )
    p.set_defaults(func=cmd_crawl)

    p = csub.add_parser(
        "gallery",
        parents=[common],
        help="titles and posters from an HTML site described by a recipe",
    )
    p.add_argument(
        "--recipe",
        required=True,
        help="a recipe file (.toml or .json), or a shipped recipe's name (portal)",
    )
    p.add_argument(
        "--start-url",
        action="append",
        metavar="URL",
        help="start here instead of the recipe's start URLs (repeatable)",
    )
    p.add_argument(
        "--title-url",
        action="append",
        metavar="URL",
        help="crawl this title page (repeatable); without --start-url, only these pages",
    )
    p.set_defaults(func=cmd_crawl)

    p = csub.add_parser(
        "check",
        help="try a recipe on one page: what each field's selector matches and reads there",
    )
    p.add_argument("--recipe", required=True, help="a recipe file, or a shipped recipe's name")
    p.add_argument("--url", required=True, help="the page to try the recipe on")
    p.add_argument(
        "--stage",
        metavar="STAGE",
        help="listing, title, gallery or popup (default: guessed from the page)",
    )
    p.add_argument("--user-agent", help="replace the User-Agent (add a contact address)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_check)

    p = csub.add_parser(
        "urls",
        parents=[common],
        help="download the poster URLs queued by import-csv (rows with a url)",
    )
    p.set_defaults(func=cmd_crawl)


def _source(args: argparse.Namespace) -> Source:
    from poster_tool.core.crawl import GallerySource, QueuedUrls, TmdbSource, load_recipe
    from poster_tool.core.crawl.tmdb import API_BASE, genre_id

    if args.crawl_command == "gallery":
        return GallerySource(
            load_recipe(args.recipe),
            tuple(args.start_url or ()) or None,
            tuple(args.title_url or ()),
        )
    if args.crawl_command == "urls":
        return QueuedUrls()
    ids: tuple[int, ...] = ()
    if args.movie_ids:
        parts = [p.strip() for p in args.movie_ids.split(",") if p.strip()]
        if not parts or not all(p.isdigit() for p in parts):
            raise PosterToolError(
                f"--movie-ids wants numbers like 496243,27205, not {args.movie_ids!r}"
            )
        ids = tuple(int(p) for p in parts)
    api_key = args.api_key or os.environ.get("TMDB_API_KEY", "")
    if not api_key:
        raise PosterToolError("TMDB needs an API key: pass --api-key or set TMDB_API_KEY")
    return TmdbSource(
        api_key,
        movie_ids=ids,
        query=args.query,
        popular=args.popular,
        pages=args.pages,
        discover_genre=genre_id(args.discover_genre) if args.discover_genre else None,
        api_base=args.api_base or API_BASE,
        image_base=args.image_base,
        image_size=args.image_size,
        image_languages=args.image_languages,
    )


def cmd_crawl(args: argparse.Namespace) -> int:
    from poster_tool.core.crawl import CrawlConfig, FetchConfig, crawl
    from poster_tool.core.crawl.fetch import USER_AGENT

    stoppable_by_ctrl_c()
    source = _source(args)
    config = CrawlConfig(
        fetch=FetchConfig(
            rate=args.rate,
            concurrency=max(1, args.concurrency),
            read_timeout=args.timeout,
            retries=args.retries,
            user_agent=args.user_agent or USER_AGENT,
        ),
        max_titles=args.max_titles,
        max_posters_per_title=args.max_posters_per_title,
        dry_run=args.dry_run,
        refresh=args.refresh,
    )
    if args.min_poster_size is not None:
        config = replace(config, min_poster_side=args.min_poster_size)
    # A dry run stores nothing, so it neither opens nor creates a workspace.
    ws, store = (None, None) if args.dry_run else open_store(args)
    report = run_with_progress(crawl(ws, store, source, config), quiet=args.json)
    if args.json:
        print_json(report.to_dict())
    else:
        for line in report.lines():
            print(line)
    empty = report.empty_stages()
    if empty:
        print(
            f"poster-tool: error: the recipe matched nothing on any {' or '.join(empty)} page",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Fetch one page and show what the recipe reads on it; 1 when a required field misses."""
    from poster_tool.core.crawl import FetchConfig, load_recipe
    from poster_tool.core.crawl.check import check_page
    from poster_tool.core.crawl.fetch import USER_AGENT

    config = FetchConfig(retries=1, user_agent=args.user_agent or USER_AGENT)
    report = check_page(load_recipe(args.recipe), args.url, args.stage, config)
    if args.json:
        print_json(report.to_dict())
    else:
        for line in report.lines():
            print(line)
    return 1 if report.problems else 0


def stoppable_by_ctrl_c() -> None:
    """Make Ctrl-C (SIGINT) stop the crawl even when it was started with SIGINT ignored.

    A shell starts background jobs (``cmd &``, ``nohup``) with SIGINT ignored, and Python
    then installs no handler of its own; the crawl would only stop on SIGTERM or SIGKILL.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
