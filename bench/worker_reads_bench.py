"""Worker reads: what the grid's catalog reads cost while another thread runs Python.

The grid's workers read while other threads run Python (the window painting, other
workers), and a read that calls into Python as it goes waits for the interpreter at each
call.  Two reads, each timed with a second thread spinning in Python meanwhile:

  * one stoppable scan (a count over every poster's title): unwatched (the baseline), under
    ``stop_when``, and under SQLite's progress handler checked every 1,000 steps, as
    ``stop_when`` was built before.  Target: ``stop_when`` within 1.2x of the baseline;
  * every id of the catalog in its sort order, as the worker reads it for the scrollbar and
    the count: ``query_id_array`` (one string from the engine) against a Python row per id,
    as it was read before.

    python bench/worker_reads_bench.py [--posters 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from poster_tool.core.catalog.store import PosterStore  # noqa: E402
from poster_tool.core.records import PosterQuery  # noqa: E402

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


def timed(read: Callable[[], object]) -> float:
    with spinning():
        start = time.perf_counter()
        read()
        return time.perf_counter() - start


def report(title: str, seconds: dict[str, list[float]], target: str | None) -> None:
    base = statistics.median(next(iter(seconds.values())))
    print(title)
    for name, times in seconds.items():
        ratio = statistics.median(times) / base
        verdict = f" (target {TARGET}: {'ok' if ratio <= TARGET else 'OVER'})"
        print(
            f"  {name:<36} median {statistics.median(times) * 1000:8.1f} ms, "
            f"ratio {ratio:6.2f}{verdict if name == target else ''}"
        )


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

        def scan(watch: Callable[[], AbstractContextManager[None]]) -> Callable[[], object]:
            def read() -> object:
                with watch():
                    return store._scalar(SCAN)

            return read

        def rows(s: PosterStore = store) -> array[int]:
            return array("q", s.query_ids(PosterQuery(), 0, -1))

        scans = {
            "unwatched (baseline)": scan(nullcontext),
            "stop_when": scan(lambda: store.stop_when(lambda: False)),
            "progress handler every 1,000 steps": scan(progress_handler),
        }
        reads = {
            "a Python row per id (baseline)": rows,
            "query_id_array": lambda: store.query_id_array(PosterQuery()),
        }
        store._scalar(SCAN)  # the catalog's pages in memory for every way alike
        seconds: dict[str, list[float]] = {name: [] for name in {**scans, **reads}}
        for _ in range(args.rounds):
            for name, read in {**scans, **reads}.items():
                seconds[name].append(timed(read))
    report(
        f"one scan of {args.posters:,} posters with another thread running Python:",
        {name: seconds[name] for name in scans},
        "stop_when",
    )
    report(
        f"every id of {args.posters:,} posters with another thread running Python:",
        {name: seconds[name] for name in reads},
        None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
