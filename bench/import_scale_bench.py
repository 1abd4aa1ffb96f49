"""Import at catalog size: posters/s into a catalog of a million posters against an empty one.

    python bench/import_scale_bench.py [--data ../shared/data] [--base 1000000]
        [--posters 6149] [--rounds 2] [--cache ~/.cache/poster-tool-bench]

Imports the same posters (the shared data set, or generated ones when it is absent) through
``import_csv`` into an empty workspace and into one whose catalog already holds ``--base``
posters, rounds interleaved.  The big catalog is made once with bulk SQL (unique content,
random perceptual hashes, source labels) and cached.  Prints the best round's rate of each
and their ratio (target: at least 0.9, the look-ups going by index).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
import tempfile
import time
from pathlib import Path

from poster_tool.core import schema
from poster_tool.core.demo import STYLES, draw_poster
from poster_tool.core.importers import import_csv
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PER_TITLE = 4


def base_catalog(cache: Path, posters: int) -> Path:
    """A catalog of ``posters`` posters (``PER_TITLE`` per title), made once and kept."""
    # Named by every migration: a schema changed on another branch makes a new catalog.
    names = "-".join(m.__name__ for m in schema.MIGRATIONS)
    db = cache / f"catalog-{posters}-{hashlib.sha1(names.encode()).hexdigest()[:10]}.db"
    if db.exists():
        return db
    ws = Workspace.open(Path(tempfile.mkdtemp(prefix="poster-base-", dir=cache)))
    started = time.perf_counter()
    with ws.store() as store, store.transaction():
        # Bulk SQL straight into the tables: a million add_poster calls would take an hour.
        sql = store._run
        sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO titles(id, key, name, name_fold, year, source, created_at) "
            "SELECT i, 'bench:' || i, 'Title ' || i, 'title ' || i, 1950 + i % 75, 'bench', "
            "'2026-01-01T00:00:00+00:00' FROM n",
            [posters // PER_TITLE],
        )
        sql(
            "INSERT INTO title_genres(title_id, genre) SELECT t.id, g.name FROM titles t "
            "JOIN genres g ON g.position IN (t.id % 16, (t.id * 7) % 16)"
        )
        sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO posters(id, title_id, sha256, path, width, height, orientation, phash, "
            "file_format, file_size, source, sort_key, created_at, updated_at) "
            "SELECT i, (i - 1) / ? + 1, printf('%064x', i), 'images/bench/' || i || '.jpg', "
            "213, 320, 'portrait', printf('%016x', random()), 'JPEG', 30000, 'bench', "
            "'title ' || ((i - 1) / ? + 1) || char(31) "
            "|| printf('%04d', 1950 + ((i - 1) / ? + 1) % 75), "
            "'2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' FROM n",
            [posters, PER_TITLE, PER_TITLE, PER_TITLE],
        )
        sql(
            "INSERT INTO poster_labels(poster_id, genre, source, positive, created_at) "
            "SELECT p.id, g.genre, 'source', 1, p.created_at FROM posters p "
            "JOIN title_genres g ON g.title_id = p.title_id"
        )
        sql(f"UPDATE posters SET genre_mask = ({schema.GENRE_MASK_SQL})")
    with ws.store() as store:
        store.optimize()
        store._run("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.move(ws.db_path, db)
    shutil.rmtree(ws.root, ignore_errors=True)
    print(f"built a {posters:,}-poster catalog in {time.perf_counter() - started:.0f} s: {db}")
    return db


def manifest(folder: Path, data: Path, posters: int) -> Path:
    """A manifest of the data set's posters (absolute paths), or of generated ones."""
    out = folder / "posters.csv"
    if (data / "posters.csv").exists():
        with (data / "posters.csv").open(encoding="utf-8") as src:
            rows = list(csv.DictReader(src))[:posters]
        for r in rows:
            r["path"] = str((data / r["path"]).resolve())
    else:
        styles = sorted(STYLES)
        rows = []
        for n in range(posters):
            genre = styles[n % len(styles)]
            file = folder / "images" / f"{n}.jpg"
            file.parent.mkdir(exist_ok=True)
            file.write_bytes(draw_poster(f"Generated {n}", None, 1950 + n % 75, genre, seed=n))
            rows.append(
                {
                    "id": f"gen{n}",
                    "title": f"Generated {n}",
                    "year": str(1950 + n % 75),
                    "genres": genre,
                    "path": str(file),
                }
            )
    with out.open("w", encoding="utf-8", newline="") as dst:
        writer = csv.DictWriter(dst, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out


def timed_import(root: Path, source: Path, base: Path | None) -> tuple[int, float]:
    """Posters added and seconds taken importing ``source`` into a new workspace at ``root``."""
    ws = Workspace.open(root)
    if base is not None:
        shutil.copyfile(base, ws.db_path)
    with ws.store() as store:
        start = time.perf_counter()
        report = run_job(import_csv(ws, store, source))
        seconds = time.perf_counter() - start
    return report.posters_new + report.duplicates + report.near_duplicates, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with posters.csv")
    parser.add_argument("--base", type=int, default=1_000_000, help="posters already there")
    parser.add_argument("--posters", type=int, default=6149, help="posters to import")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "poster-tool-bench")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    base = base_catalog(args.cache, args.base)
    # Rounds interleaved, best of each: other processes on the machine only slow a round down.
    rates: dict[str, list[float]] = {"empty": [], "full": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = manifest(folder, args.data, args.posters)
        for n in range(args.rounds):
            for kind, db in (("full", base), ("empty", None)):
                added, seconds = timed_import(folder / f"{kind}{n}", source, db)
                rates[kind].append(added / seconds)
                shutil.rmtree(folder / f"{kind}{n}")
    for kind, label in (("empty", "an empty catalog"), ("full", f"{args.base:,} posters")):
        rounds = ", ".join(f"{r:.0f}" for r in rates[kind])
        print(f"into {label:<17}: {max(rates[kind]):4.0f} posters/s (rounds {rounds})")
    ratio = max(rates["full"]) / max(rates["empty"])
    print(f"ratio {ratio:.2f} (target >= 0.9: {'met' if ratio >= 0.9 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
