"""What following other curators costs: the live feed's poll, the stale-edit check and reading
new audit entries, against the cheapest catalog read (one setting by its key) measured in the
same run.

A window polls twice a second on its GUI thread; the poll must stay far under the 50 ms a
GUI-thread step may take, and so must the check every edit makes in its transaction.

    python bench/live_bench.py [--posters 20000] [--entries 100000]

The posters are the grid benchmark's generated catalog (kept under the temp folder).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import timeit
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from grid_bench import bench_root, generate  # noqa: E402

from poster_tool.core.catalog.store import PosterStore  # noqa: E402
from poster_tool.core.records import PosterQuery  # noqa: E402


def build(folder: Path, posters: int, entries: int) -> tuple[Path, list[int]]:
    """A copy of the grid benchmark's catalog of ``posters`` posters whose audit log then
    gets ``entries`` status edits by three curators."""
    path = folder / "catalog.db"
    # The last connection closed checkpoints the write-ahead log: the file is whole.
    shutil.copyfile(generate(bench_root(posters), posters).db_path, path)
    with PosterStore(path) as store:
        ids = store.query_ids(PosterQuery(sort="id"), 0, -1)
        for round_ in range(entries // len(ids)):
            status = "approved" if round_ % 2 == 0 else "rejected"
            store.set_status(dict.fromkeys(ids, status), f"curator{round_ % 3}")
    return path, ids


def check(store: PosterStore, point: int, ids: list[int], curator: str) -> None:
    """What every edit adds: its write transaction opens with the check (nothing written)."""
    with store.based_on(point, ids, curator):
        pass


def per_call(fn, number: int) -> float:
    """Seconds per call, best of three."""
    return min(timeit.repeat(fn, number=number, repeat=3)) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posters", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="poster-live-bench-"))
    try:
        path, ids = build(folder, args.posters, args.entries)
        with PosterStore(path) as store:
            last = store.last_change()
            # The check finds nothing (the common case) when the newest edits are the editor's.
            editor = store.changes_since(last - 1)[0].curator
            print(f"{len(ids):,} posters, {last:,} audit entries")
            baseline = per_call(lambda: store.get_meta("bench"), 20_000)
            print(f"baseline, one setting by its key: {baseline * 1e6:.1f} µs")
            rows = [
                ("poll: data_version", per_call(store.data_version, 20_000)),
                ("poll after a write: last_change", per_call(store.last_change, 20_000)),
            ]
            for n in (1, 50, len(ids)):
                chosen = ids[:n]
                rows.append(
                    (
                        f"an empty edit transaction with the stale-edit check, {n:,} posters, "
                        "view 100 entries old",
                        per_call(lambda c=chosen: check(store, last - 100, c, editor), 20),
                    )
                )
            for n in (10, 10_000):
                rows.append(
                    (
                        f"read {n:,} new entries (in a worker)",
                        per_call(lambda n=n: store.changes_since(last - n, n), 5),
                    )
                )
            for name, seconds in rows:
                print(f"{name}: {seconds * 1000:.3f} ms ({seconds / baseline:,.0f}× baseline)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
