"""Benchmark: do the off-policy estimators' 95% intervals hold the truth?

Runs the self-check of ``evaluate-policies --synthetic`` (a uniformly random simulated log
with known true take rates) over many seeds and prints, per estimator, how often its interval
held the true take rate of each policy (the product promises at least 90%), the mean interval
width and the time per run.

    python bench/experiment_coverage.py [--runs 100] [--impressions 5000] [--titles 80]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from poster_tool.core.experiment.evaluation import coverage, self_check
from poster_tool.core.personalize.synthetic import synthetic_candidates, synthetic_tastes
from poster_tool.core.progress import run_job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--impressions", type=int, default=5_000)
    parser.add_argument("--profiles", type=int, default=60)
    parser.add_argument("--titles", type=int, default=80)
    parser.add_argument("--posters", type=int, default=5)
    args = parser.parse_args()
    runs, start = [], time.perf_counter()
    for seed in range(args.runs):
        tastes = synthetic_tastes(args.profiles, seed)
        cands = synthetic_candidates(args.titles, args.posters, seed)
        runs.append(run_job(self_check(tastes, cands, args.impressions, seed)))
    elapsed = time.perf_counter() - start
    print(
        f"{args.runs} seeded runs, {args.impressions} impressions each, "
        f"{args.profiles} profiles x {args.titles} titles x {args.posters} posters, "
        f"{elapsed / args.runs:.2f} s per run"
    )
    print(f"{'estimator':<10} {'coverage':>8} {'mean width':>10}")
    for name, share in coverage(runs).items():
        widths = [e.estimates[name].high - e.estimates[name].low for run in runs for e in run]
        print(f"{name:<10} {share:>8.1%} {np.nanmean(widths):>10.4f}")
    print(f"{'policy':<12} " + " ".join(f"{n:>7}" for n in ("replay", "ips", "snips", "dr")))
    for i, policy in enumerate(e.policy for e in runs[0]):
        held = [
            np.mean([run[i].estimates[n].contains(run[i].truth or 0.0) for run in runs])
            for n in ("replay", "ips", "snips", "dr")
        ]
        print(f"{policy:<12} " + " ".join(f"{h:>7.0%}" for h in held))


if __name__ == "__main__":
    main()
