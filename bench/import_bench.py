"""Import benchmark: the whole shared data set into a fresh workspace, and the thumbnail path.

    python bench/import_bench.py [--data ../shared/data] [--sample 1000]

Prints posters/s of a full ``import-csv`` (target: all 6,149 posters in under a minute on two
cores) and the speed of the intake's thumbnail path (draft-mode JPEG decode) as a ratio
against a plain full-size open + ``thumbnail()`` of the same files, measured in the same run
(target: at least 2x).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from poster_tool.core.imaging import THUMB_SIDE, open_rgb
from poster_tool.core.importers import import_csv
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def plain_thumbnail(path: Path) -> Image.Image:
    """The baseline: decode at full size, then shrink."""
    with Image.open(path) as img:
        img = img.convert("RGB")
        img.thumbnail((THUMB_SIDE, THUMB_SIDE))
        return img


def best_times(fns: list, files: list[Path], rounds: int = 5) -> list[float]:
    """Best-of-``rounds`` seconds for each function over every file, rounds interleaved so
    that load from other processes falls on both sides alike."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for f in files:
                fn(f)
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with posters.csv")
    parser.add_argument("--sample", type=int, default=1000, help="files for the thumbnail test")
    args = parser.parse_args()
    manifest = args.data / "posters.csv"
    if not manifest.exists():
        print(f"no data set at {args.data} (posters.csv missing)")
        return 1

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws")
        store = ws.store()
        start = time.perf_counter()
        report = run_job(import_csv(ws, store, manifest))
        elapsed = time.perf_counter() - start
        total = report.posters_new + report.duplicates + report.near_duplicates
        print(
            f"import: {total} posters, {len(report.refused)} refused, {elapsed:.1f} s, "
            f"{total / elapsed:.0f} posters/s (target: all in < 60 s: "
            f"{'met' if elapsed < 60 else 'MISSED'})"
        )

    files = sorted((args.data / "posters").glob("*.jpg"))[: args.sample]
    sizes = [max(Image.open(f).size) for f in files[:50]]
    fast, slow = best_times([lambda f: open_rgb(f, max_side=THUMB_SIDE), plain_thumbnail], files)
    print(
        f"thumbnails ({len(files)} files, originals ~{statistics.median(sizes):.0f} px, "
        f"thumbs {THUMB_SIDE} px): draft path {len(files) / fast:.0f}/s, plain "
        f"{len(files) / slow:.0f}/s, ratio {slow / fast:.2f}x (target >= 2x: "
        f"{'met' if slow / fast >= 2 else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
