"""Benchmark: importing a 1,000,000-row impression log, then estimating from it.

Builds the demo workspace (in a temporary folder unless --workspace is given), writes a log
of uniformly random impressions of its posters (propensity 1 / pool size, about one play in
eight), and times ``experiment import`` (check every row, store it in one transaction) and
``experiment estimate --overall`` on it.  The product promises the import in seconds.

    python bench/impression_import_bench.py [--rows 1000000] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from poster_tool.core.demo import build_demo
from poster_tool.core.experiment.catalog_estimates import estimate_logs
from poster_tool.core.experiment.logs import import_log
from poster_tool.core.personalize.picks import load_candidates
from poster_tool.core.personalize.samples import ensure_samples
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace


def write_log(path: Path, pools: dict[int, list[int]], viewers: list[str], rows: int) -> None:
    """``rows`` random impressions: a random viewer, title and poster of its pool."""
    rng = np.random.default_rng(0)
    titles = np.array(sorted(pools))
    title = titles[rng.integers(len(titles), size=rows)]
    pick = rng.random(rows)
    viewer = rng.integers(len(viewers), size=rows)
    played = rng.random(rows) < 0.125
    # One impression a second from New Year 2025: every row has its own time.
    stamps = np.datetime_as_string(
        np.datetime64("2025-01-01T00:00:00") + np.arange(rows).astype("timedelta64[s]")
    )
    with path.open("w", encoding="utf-8") as fh:
        fh.write("timestamp,viewer,title,poster,propensity,arm,played,minutes\n")
        for i in range(rows):
            pool = pools[int(title[i])]
            poster = pool[int(pick[i] * len(pool))]
            fh.write(
                f"{stamps[i]},{viewers[viewer[i]]},{int(title[i])},{poster},"
                f"{1 / len(pool):.6f},A,{int(played[i])},\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workspace", type=Path)
    args = parser.parse_args()
    root = args.workspace or Path(tempfile.mkdtemp(prefix="impressions-bench-"))
    ws = Workspace.open(root)
    store = ws.store()
    run_job(build_demo(ws, store))
    ensure_samples(store)
    cands = load_candidates(store, [t.id for t in store.titles()])
    pools = {
        int(t): [int(p) for p in ids if p >= 0]
        for t, ids in zip(cands.title_ids, cands.poster_ids, strict=True)
        if (ids >= 0).any()
    }
    viewers = [p for (p,) in store._run("SELECT name FROM profiles")] + ["guest"]
    log = root / "impressions.csv"
    start = time.perf_counter()
    write_log(log, pools, viewers, args.rows)
    print(
        f"wrote {args.rows} rows ({log.stat().st_size / 1e6:.0f} MB) in "
        f"{time.perf_counter() - start:.1f} s"
    )
    reports = []
    start = time.perf_counter()
    result = run_job(import_log(store, log, "bench"), reports.append)
    took = time.perf_counter() - start
    print(
        f"import: {took:.1f} s ({args.rows / took:,.0f} rows/s), {len(reports)} progress "
        f"reports; {result.line()}"
    )
    start = time.perf_counter()
    found = run_job(estimate_logs(store, by_segment=False))
    print(f"estimate (overall, 5 policies x 4 estimators): {time.perf_counter() - start:.1f} s")
    for e in found.estimates:
        dr = e.estimates["dr"]
        print(f"  {e.policy:<12} DR {dr.value:.4f} [{dr.low:.4f}, {dr.high:.4f}]  ESS {e.ess:,.0f}")


if __name__ == "__main__":
    main()
