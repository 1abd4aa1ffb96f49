"""Importers: real posters, idempotence, kill-and-resume, bad manifests, folders, Korean."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import ManifestError
from poster_tool.core.importers import import_csv, import_dir
from poster_tool.core.progress import Progress, run_job
from poster_tool.core.records import PosterQuery
from poster_tool.core.workspace import Workspace
from tests.synthetic import jpeg_bytes


def write_manifest(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_real_subset_imports_with_titles_genres_and_thumbnails(
    real_subset: Path, workspace: Workspace, store: PosterStore
) -> None:
    reports: list[Progress] = []
    report = run_job(import_csv(workspace, store, real_subset), reports.append)
    assert report.refused == []
    assert report.titles_new == 300
    assert report.posters_new + report.duplicates + report.near_duplicates == 300
    stats = store.stats()
    assert stats["posters"]["total"] == 300 and stats["titles"] == 300
    assert stats["genres"]["Drama"] > 50
    poster = store.get_poster(store.query_ids(PosterQuery(sort="id"), 0, 1)[0])
    assert workspace.image_path(poster.path).exists()
    assert workspace.thumb_path(poster.sha256).exists()
    assert reports[-1].done == reports[-1].total == 300 and reports[-1].rate

    again = run_job(import_csv(workspace, store, real_subset))
    assert (again.posters_new, again.posters_existing, again.titles_new) == (0, 300, 0)
    assert store.stats()["posters"]["total"] == 300


def test_killed_import_keeps_whole_posters_and_a_rerun_completes_it(
    real_subset: Path, tmp_path: Path
) -> None:
    ws = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "poster_tool",
        "--workspace",
        str(ws),
        "import-csv",
        str(real_subset),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    count = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(ws / "catalog.db", timeout=5) as conn:
                count = conn.execute("SELECT count(*) FROM posters").fetchone()[0]
        except sqlite3.OperationalError:
            count = 0  # the schema is not there yet
        if count >= 64:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < count < 300, "the import finished before it could be killed"

    store = Workspace.open(ws).store()
    assert store._run("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Every poster row that survived the kill has its labels and its files.
    kept = store.posters(store.query_ids(PosterQuery(sort="id"), 0, 1000))
    assert all(Path(ws, p.path).exists() and p.genres for p in kept)
    report = run_job(import_csv(Workspace.open(ws), store, real_subset))
    assert report.posters_existing == len(kept)
    assert store.stats()["posters"]["total"] == 300


def test_bad_files_are_reported_and_the_rest_goes_in(
    workspace: Workspace, store: PosterStore, tmp_path: Path
) -> None:
    (tmp_path / "good.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "page.jpg").write_bytes(b"<html><body>Not found</body></html>")
    (tmp_path / "cut.jpg").write_bytes(jpeg_bytes(pattern=3)[:900])
    rows = [
        {"id": f"x{i}", "title": f"T{i}", "year": "2000", "genres": "Drama", "path": name}
        for i, name in enumerate(["good.jpg", "empty.jpg", "page.jpg", "cut.jpg", "gone.jpg"])
    ]
    report = run_job(import_csv(workspace, store, write_manifest(tmp_path / "m.csv", rows)))
    assert report.posters_new == 1
    reasons = dict((Path(item).name, reason) for item, reason in report.refused)
    assert "empty" in reasons["empty.jpg"]
    assert "HTML" in reasons["page.jpg"]
    assert "truncated" in reasons["cut.jpg"]
    assert "cannot read" in reasons["gone.jpg"]


def test_korean_manifest_in_cp949_with_korean_genres(
    workspace: Workspace, store: PosterStore, tmp_path: Path
) -> None:
    (tmp_path / "p.jpg").write_bytes(jpeg_bytes())
    genres = "드라마|코미디|스릴러|사이버펑크"
    rows = [{"id": "k1", "title": "기생충", "year": "2019", "genres": genres, "path": "p.jpg"}]
    report = run_job(
        import_csv(workspace, store, write_manifest(tmp_path / "k.csv", rows, "cp949"))
    )
    assert report.encoding == "cp949"
    assert report.unknown_genres == {"사이버펑크": 1}
    assert any("사이버펑크" in line for line in report.lines())
    title = store.titles()[0]
    assert (title.name, title.genres) == ("기생충", ("Drama", "Comedy", "Thriller"))


def test_manifest_in_an_unknown_encoding_or_missing_a_column_is_refused_clearly(
    workspace: Workspace, store: PosterStore, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        "id,title,year,genres,path\n1,Caf\xe9 \x81\xff,2000,Drama,a.jpg\n".encode("latin-1")
    )
    with pytest.raises(ManifestError, match=r"not utf-8 or cp949 text .* line 2"):
        run_job(import_csv(workspace, store, bad))
    missing = write_manifest(tmp_path / "m.csv", [{"id": "1", "title": "A", "path": "a.jpg"}])
    with pytest.raises(ManifestError, match="lacks the column"):
        run_job(import_csv(workspace, store, missing))
    assert store.stats()["titles"] == 0


def test_missing_titles_fall_back_to_the_id_and_urls_are_queued(
    workspace: Workspace, store: PosterStore, tmp_path: Path
) -> None:
    rows = [
        {
            "id": "tt0000001",
            "title": "",
            "year": "",
            "genres": "Drama",
            "url": "http://127.0.0.1:9/p.jpg",
        }
    ]
    report = run_job(import_csv(workspace, store, write_manifest(tmp_path / "u.csv", rows)))
    assert report.queued_urls == 1
    title = store.titles()[0]
    assert (title.name, title.imdb_id, title.year) == ("tt0000001", "tt0000001", None)
    queued = store._run("SELECT status FROM crawl_state WHERE source = 'urls'").fetchall()
    assert queued == [("queued",)]
    assert report.untitled == ["tt0000001"]
    assert any(
        "1 rows had an empty title" in line and "tt0000001" in line for line in report.lines()
    )
    # Named in the manifest later: the stand-in name is replaced, a real name never is.
    rows[0]["title"] = "Carmencita"
    report = run_job(import_csv(workspace, store, write_manifest(tmp_path / "u.csv", rows)))
    assert report.untitled == [] and store.titles()[0].name == "Carmencita"
    rows[0]["title"] = "Something Else"
    run_job(import_csv(workspace, store, write_manifest(tmp_path / "u.csv", rows)))
    assert store.titles()[0].name == "Carmencita"


def test_folder_per_title_import(workspace: Workspace, store: PosterStore, tmp_path: Path) -> None:
    root = tmp_path / "posters"
    (root / "Parasite (2019)").mkdir(parents=True)
    (root / "Parasite (2019)" / "a.jpg").write_bytes(jpeg_bytes(pattern=1))
    (root / "Parasite (2019)" / "b.png").write_bytes(jpeg_bytes(pattern=2))  # named wrong, is JPEG
    (root / "Parasite (2019)" / "genres.txt").write_text("Drama|Thriller", encoding="utf-8")
    (root / "Untitled").mkdir()
    (root / "notes.txt").write_text("loose file")
    report = run_job(import_dir(workspace, store, root))
    assert report.posters_new == 2
    parasite = store.find_title("dir:Parasite (2019)")
    assert parasite is not None
    assert (parasite.name, parasite.year, parasite.genres) == (
        "Parasite",
        2019,
        ("Drama", "Thriller"),
    )
    assert {Path(item).name for item, _ in report.refused} == {"notes.txt", "Untitled"}
    assert run_job(import_dir(workspace, store, root)).posters_new == 0
