"""Grid benchmark: the curation window on a generated 100,000-poster workspace.

Measures, in one run:
  * time to first paint of the grid, and until the visible thumbnails are decoded, against
    the same on a 1,000-poster workspace (the baseline: a catalog too small to matter);
  * event-loop stalls while scrolling through 5,000 rows at one step per frame (60 Hz):
    targets median <= 16 ms and worst <= 50 ms;
  * memory after the scroll, and after as many rows again: resident size, decoded-thumbnail
    bytes and cached records, which must stay bounded by the caches, not by the rows seen.

The workspace is generated fast: rows go in with bulk SQL; the pictures are a dozen demo
posters drawn by the app, shared by all rows (each row still decodes its own thumbnail).

    python bench/grid_bench.py [--posters 100000] [--rows 5000] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEvent, QObject, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from poster_tool.core.catalog.connection import fold, now  # noqa: E402
from poster_tool.core.demo import draw_poster  # noqa: E402
from poster_tool.core.imaging import check_bytes  # noqa: E402
from poster_tool.core.intake import store_files  # noqa: E402
from poster_tool.core.taxonomy import GENRES  # noqa: E402
from poster_tool.core.workspace import Workspace  # noqa: E402

PICTURE_STYLES = (
    "Horror",
    "Family",
    "Romance",
    "Action",
    "Comedy",
    "Sci-Fi",
    "Thriller",
    "Drama",
    "Animation",
    "Crime",
    "Fantasy",
    "Adventure",
)
WORDS = (
    "Last",
    "Night",
    "River",
    "City",
    "Silent",
    "Red",
    "Winter",
    "Ghost",
    "Summer",
    "Iron",
    "Paper",
    "Moon",
    "Broken",
    "Golden",
    "Wild",
    "Glass",
    "Storm",
    "Little",
    "Secret",
    "한강",
    "바다",
    "괴물",
    "밤",
    "도시",
)
FRAME_S = 1 / 60


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def bench_root(posters: int) -> Path:
    """Where the generated ``posters``-row workspace is kept between runs."""
    return Path(tempfile.gettempdir()) / "poster-tool-bench" / f"grid-{posters}"


def generate(root: Path, posters: int) -> Workspace:
    """A workspace of ``posters`` rows (4 per title), made with bulk SQL once and reused."""
    ws = Workspace.open(root)
    with ws.store() as store:
        if store.stats()["posters"]["total"] == posters:
            return ws
        if store.stats()["posters"]["total"]:
            raise SystemExit(f"{root} holds another catalog; pass an empty --workspace")
        pictures = []
        for n, style in enumerate(PICTURE_STYLES):
            image = check_bytes(draw_poster(f"Bench {n}", None, 2000 + n, style, seed=n))
            store_files(ws, image)
            pictures.append(image)
        rng = random.Random(7)
        stamp = now()
        # Bulk rows straight into the tables, a chunk of titles at a time (bounded memory):
        # adding a million posters one by one through PosterStore.add_poster takes hours.
        chunk = 25_000
        with store.transaction():
            db = store._db.conn
            for first in range(1, posters // 4 + 1, chunk):
                title_rows, genre_rows, poster_rows, label_rows = [], [], [], []
                for t in range(first, min(first + chunk, posters // 4 + 1)):
                    name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))) + f" {t}"
                    year = rng.randint(1950, 2025)
                    genres = rng.sample(GENRES[:16], rng.randint(1, 3))
                    mask = sum(1 << GENRES.index(g) for g in genres)
                    title_rows.append((t, f"bench:{t}", name, fold(name), year, "bench", stamp))
                    genre_rows.extend((t, g) for g in genres)
                    for image in rng.sample(pictures, 4):
                        pid = 4 * (t - 1) + len(poster_rows) % 4 + 1
                        status = rng.choice(
                            ("pending", "pending", "pending", "approved", "rejected")
                        )
                        poster_rows.append(
                            (
                                pid,
                                t,
                                image.sha256,
                                ws.image_relpath(image.sha256, image.ext),
                                image.width,
                                image.height,
                                "portrait",
                                image.phash,
                                "JPEG",
                                len(image.data),
                                "bench",
                                status,
                                f"{fold(name)}\x1f{year:04d}",
                                rng.random(),
                                mask,
                                stamp,
                                stamp,
                            )
                        )
                        label_rows.extend((pid, g, stamp) for g in genres)
                db.executemany(
                    "INSERT INTO titles(id, key, name, name_fold, year, source, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    title_rows,
                )
                db.executemany(
                    "INSERT INTO title_genres(title_id, genre) VALUES (?, ?)", genre_rows
                )
                db.executemany(
                    "INSERT INTO posters(id, title_id, sha256, path, width, height, orientation, "
                    "phash, file_format, file_size, source, status, sort_key, "
                    "model_uncertainty, genre_mask, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    poster_rows,
                )
                db.executemany(
                    "INSERT INTO poster_labels(poster_id, genre, source, positive, "
                    "created_at) VALUES (?, ?, 'source', 1, ?)",
                    label_rows,
                )
        store._db.execute("ANALYZE")
    return ws


class PaintWatch(QObject):
    """Notes that a widget got a paint event (it is painted when processEvents returns)."""

    def __init__(self) -> None:
        super().__init__()
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.painted = self.painted or event.type() == QEvent.Type.Paint
        return False


def open_window(
    app: QApplication, ws: Workspace, settings_dir: Path, scoring: bool = False
) -> tuple[object, dict]:
    """Open the window on ``ws``; seconds to first grid paint and to visible thumbnails."""
    from poster_tool.gui.main_window import MainWindow
    from poster_tool.gui.settings import Settings

    settings = Settings(
        QSettings(str(settings_dir / f"{ws.root.name}.ini"), QSettings.Format.IniFormat)
    )
    settings.curator = "bench"
    # Off by default: the grid alone is measured, not the model scoring new posters meanwhile.
    settings.auto_score = scoring
    watch = PaintWatch()
    start = time.perf_counter()
    window = MainWindow(ws, settings)
    window.grid.viewport().installEventFilter(watch)
    window.resize(1500, 940)
    window.show()
    first_paint = None
    while time.perf_counter() - start < 60:
        app.processEvents()
        if watch.painted and first_paint is None:
            first_paint = time.perf_counter() - start
        if first_paint is not None and window.loaded():
            break
    loaded = time.perf_counter() - start
    return window, {"first_paint": first_paint or float("nan"), "loaded": loaded}


def scroll(app: QApplication, window: object, rows: int) -> dict[str, float]:
    """Scroll the grid one step per frame until ``rows`` rows have gone by."""
    grid = window.grid  # type: ignore[attr-defined]
    bar = grid.verticalScrollBar()
    card = grid.sizeHintForIndex(grid.model().index(0))
    per_line = max(1, grid.viewport().width() // (card.width() + 2 * grid.spacing()))
    step = card.height() // 2  # half a card per frame: a brisk, smooth scroll
    busy: list[float] = []  # every uninterrupted stretch of event processing
    frames: list[float] = []  # the work of each frame: scroll, fetch, lay out, paint
    target = bar.value() + rows // per_line * (card.height() + 2 * grid.spacing())
    while bar.value() < target:
        frame_start = time.perf_counter()
        bar.setValue(bar.value() + step)
        app.processEvents()
        frames.append(time.perf_counter() - frame_start)
        busy.append(frames[-1])
        while time.perf_counter() - frame_start < FRAME_S:  # the rest of the frame: idle
            t = time.perf_counter()
            app.processEvents()
            busy.append(time.perf_counter() - t)
            time.sleep(0.001)
        if bar.value() >= bar.maximum() and not grid.model().canFetchMore(grid.rootIndex()):
            break
    seen = grid.indexAt(grid.viewport().rect().center()).row()
    ms = sorted(f * 1000 for f in frames)
    return {
        "frames": len(frames),
        "rows_seen": seen,
        "median_ms": statistics.median(ms),
        "p95_ms": ms[int(0.95 * (len(ms) - 1))],
        "worst_frame_ms": ms[-1],
        "worst_stall_ms": max(busy) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posters", type=int, default=100_000, help="size of the big catalog")
    parser.add_argument("--rows", type=int, default=5_000, help="rows to scroll through")
    parser.add_argument(
        "--scoring",
        action="store_true",
        help="let the model score the unscored posters in the background meanwhile",
    )
    parser.add_argument(
        "--workspace", type=Path, help="folder for the big workspace (kept, reused if complete)"
    )
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication([])
    from poster_tool.gui.common import theme

    theme.apply(app)
    with tempfile.TemporaryDirectory(prefix="grid-bench-") as tmp:
        tmp_path = Path(tmp)
        t = time.perf_counter()
        big = generate(args.workspace or bench_root(args.posters), args.posters)
        print(f"generated {args.posters:,} posters in {time.perf_counter() - t:.1f} s")
        small = generate(tmp_path / "small", 1_000)

        base_window, base = open_window(app, small, tmp_path, args.scoring)
        base_window.close()  # type: ignore[attr-defined]
        window, big_open = open_window(app, big, tmp_path, args.scoring)
        print(
            f"first paint: {big_open['first_paint'] * 1000:.0f} ms at {args.posters:,} "
            f"posters vs {base['first_paint'] * 1000:.0f} ms at 1,000 "
            f"(ratio {big_open['first_paint'] / base['first_paint']:.2f})"
        )
        print(
            f"visible thumbnails loaded: {big_open['loaded'] * 1000:.0f} ms vs "
            f"{base['loaded'] * 1000:.0f} ms (ratio {big_open['loaded'] / base['loaded']:.2f})"
        )

        rss_before = rss_mb()
        result = scroll(app, window, args.rows)
        for _ in range(50):  # let the last decodes land
            app.processEvents()
            time.sleep(0.01)
        rss_after = rss_mb()
        scroll(app, window, args.rows)  # as far again: memory must not grow with rows seen
        rss_again = rss_mb()
        ok_median = "ok" if result["median_ms"] <= 16 else "OVER"
        ok_worst = "ok" if result["worst_stall_ms"] <= 50 else "OVER"
        print(
            f"scrolled {result['rows_seen']:,} rows in {result['frames']} frames: "
            f"frame work median {result['median_ms']:.1f} ms (target 16: {ok_median}), "
            f"p95 {result['p95_ms']:.1f} ms, worst stall {result['worst_stall_ms']:.1f} ms "
            f"(target 50: {ok_worst})"
        )
        model = window.model  # type: ignore[attr-defined]
        cache = window.thumbnails  # type: ignore[attr-defined]
        print(
            f"memory: RSS {rss_before:.0f} MB before the scroll, {rss_after:.0f} MB after "
            f"(ratio {rss_after / max(rss_before, 1):.2f}), {rss_again:.0f} MB after "
            f"{args.rows:,} rows more (ratio {rss_again / max(rss_after, 1):.2f}); cache "
            f"{cache.bytes_used / 2**20:.1f} MB of {cache.budget / 2**20:.0f} MB budget "
            f"({len(cache)} pictures); {model.cached_records} records cached for "
            f"{model.rowCount():,} rows loaded"
        )
        window.close()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
