"""Stoppable scans: what watching a query for a stop costs while another thread runs Python.

The grid's workers read under ``stop_when`` (a curator moving to another filter stops their
scan) and the GUI thread reads its first page under ``time_limit``.  Both run while other
threads run Python: the window painting, other workers.  This times one scan of the catalog
(a count over every poster's title) in three ways, each with a second thread spinning in
Python meanwhile: unwatched (the baseline), under ``stop_when``, and under SQLite's
progress handler checked every 1,000 steps, as ``stop_when`` was built before (its calls
into Python wait for the interpreter).  Target: ``stop_when`` within 1.2x of the baseline.

    python bench/query_watch_bench.py [--posters 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from poster_tool.core.catalog.store import PosterStore  # noqa: E402

SCAN = (
    "SELECT count(*) FROM posters p JOIN titles t ON t.id = p.title_id WHERE t.name_fold LIKE '%7%'"
)
TARGET = 1.2


@contextmanager
def spinning() -> Iterator[None]:
    """Another thread running Python (as the window or another worker does) meanwhile."""
    stop = threading.Event()

    def spin() -> None:
        total = 0
        while not stop.is_set():
            for i in range(10_000):
                total += i

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def timed(store: PosterStore, watch: Callable[[], AbstractContextManager[None]]) -> float:
    with spinning(), watch():
        start = time.perf_counter()
        store._scalar(SCAN)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    from bench.grid_bench import bench_root, generate

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posters", type=int, default=100_000, help="size of the catalog")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each, interleaved")
    args = parser.parse_args(argv)
    ws = generate(bench_root(args.posters), args.posters)
    with ws.store() as store:
        conn = store._engine._conn  # type: ignore[attr-defined]

        @contextmanager
        def progress_handler() -> Iterator[None]:
            conn.set_progress_handler(lambda: False, 1000)
            try:
                yield
            finally:
                conn.set_progress_handler(None, 0)

        ways: dict[str, Callable[[], AbstractContextManager[None]]] = {
            "unwatched (baseline)": nullcontext,
            "stop_when": lambda: store.stop_when(lambda: False),
            "progress handler every 1,000 steps": progress_handler,
        }
        store._scalar(SCAN)  # the catalog's pages in memory for every way alike
        seconds: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, watch in ways.items():
                seconds[name].append(timed(store, watch))
    base = statistics.median(seconds["unwatched (baseline)"])
    print(f"one scan of {args.posters:,} posters with another thread running Python:")
    for name, times in seconds.items():
        ratio = statistics.median(times) / base
        verdict = f" (target {TARGET}: {'ok' if ratio <= TARGET else 'OVER'})"
        print(
            f"  {name:<36} median {statistics.median(times) * 1000:7.1f} ms, "
            f"ratio {ratio:5.2f}{verdict if name == 'stop_when' else ''}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
