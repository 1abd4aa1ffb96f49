"""Hostile or odd files given to the importers: each is refused with one line, the rest of
the import goes on, and nothing is read without bound."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import IntakeError, ManifestError, StoreError
from poster_tool.core.imaging import check_file
from poster_tool.core.importers import import_csv, import_dir
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace
from tests.core.test_importers import write_manifest
from tests.synthetic import jpeg_bytes

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX devices and FIFOs")


def _row(ident: str, path: str) -> dict[str, str]:
    return {"id": ident, "title": f"T {ident}", "year": "2001", "genres": "Drama", "path": path}


@posix_only
@pytest.mark.timeout(30)
def test_devices_and_fifos_are_refused_without_reading_them(
    workspace: Workspace, store: PosterStore, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "pipe.jpg")
    (tmp_path / "good.jpg").write_bytes(jpeg_bytes())
    rows = [
        _row("a", "/dev/zero"),
        _row("b", "/dev/urandom"),
        _row("c", "pipe.jpg"),
        _row("d", "good.jpg"),
    ]
    report = run_job(import_csv(workspace, store, write_manifest(tmp_path / "m.csv", rows)))
    assert report.posters_new == 1
    reasons = {Path(item).name: reason for item, reason in report.refused}
    assert set(reasons) == {"zero", "urandom", "pipe.jpg"}
    assert all(r == "not a regular file (a device, pipe or socket)" for r in reasons.values())


def test_a_file_that_grows_past_the_limit_is_not_read_past_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("poster_tool.core.imaging.MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.jpg"
    big.write_bytes(jpeg_bytes())
    with pytest.raises(IntakeError, match=r"big\.jpg: the file is .* over the limit of"):
        check_file(big)


def test_a_field_over_the_csv_limit_refuses_its_row_only(
    workspace: Workspace, store: PosterStore, tmp_path: Path
) -> None:
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes(pattern=1))
    (tmp_path / "b.jpg").write_bytes(jpeg_bytes(pattern=2))
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "id,title,year,genres,path\n"
        f"1,First,2001,Drama,a.jpg\n2,{'x' * 140_000},2001,Drama,a.jpg\n3,Third,2002,Drama,b.jpg\n",
        encoding="utf-8",
    )
    report = run_job(import_csv(workspace, store, manifest))
    assert report.posters_new == 2
    assert report.refused == [
        ("m.csv line 3", "the row cannot be read (field larger than field limit (131072))")
    ]
    assert sorted(t.name for t in store.titles()) == ["First", "Third"]


def test_huge_ids_and_nul_paths_are_refused_or_ignored_not_a_traceback(
    workspace: Workspace, store: PosterStore, tmp_path: Path
) -> None:
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    rows = [
        {**_row("big", "a.jpg"), "tmdb_id": "1" * 30, "year": "1e400"},
        _row("nul", "a\0.jpg"),
    ]
    report = run_job(import_csv(workspace, store, write_manifest(tmp_path / "m.csv", rows)))
    assert report.refused == [("m.csv line 3", "the path holds a NUL byte")]
    (title,) = store.titles()
    assert (title.tmdb_id, title.year) == (None, None)


@pytest.mark.skipif(sys.platform != "linux", reason="file names are raw bytes on Linux only")
def test_non_utf8_names_are_refused_and_the_rest_is_imported(
    workspace: Workspace, store: PosterStore, tmp_path: Path
) -> None:
    root = tmp_path / "posters"
    good = root / "Parasite (2019)"
    good.mkdir(parents=True)
    (good / "a.jpg").write_bytes(jpeg_bytes(pattern=1))
    (good / os.fsdecode(b"caf\xe9.jpg")).write_bytes(jpeg_bytes(pattern=2))
    bad_title = root / os.fsdecode(b"\xb1\xe2\xbb\xfd\xc3\xe6 (2019)")  # CP949 bytes
    bad_title.mkdir()
    (bad_title / "b.jpg").write_bytes(jpeg_bytes(pattern=3))
    report = run_job(import_dir(workspace, store, root))
    assert report.posters_new == 1
    assert sorted(report.refused, key=lambda r: "caf" not in r[0]) == [
        (f"{good}/caf\\xe9.jpg", "the name is not valid UTF-8; rename it and import again"),
        (
            f"{root}/\\xb1\\xe2\\xbb\\xfd\\xc3\\xe6 (2019)",
            "the name is not valid UTF-8; rename it and import again",
        ),
    ]
    assert all(line.encode("utf-8") for line in report.lines())
    with pytest.raises(ManifestError, match=r"\\xb1.*the folder's path is not valid UTF-8"):
        run_job(import_dir(workspace, store, bad_title))


def test_a_cp949_genres_file_is_read_and_an_unreadable_one_is_reported(
    workspace: Workspace, store: PosterStore, tmp_path: Path
) -> None:
    root = tmp_path / "posters"
    for name, genres in (
        ("기생충 (2019)", "드라마|스릴러".encode("cp949")),
        ("Odd (2000)", b"\xff\xfe\xff"),
    ):
        (root / name).mkdir(parents=True)
        (root / name / "genres.txt").write_bytes(genres)
        (root / name / "p.jpg").write_bytes(jpeg_bytes(pattern=genres[0] % 7))
    report = run_job(import_dir(workspace, store, root))
    assert report.posters_new == 2
    parasite = store.find_title("dir:기생충 (2019)")
    assert parasite is not None and parasite.genres == ("Drama", "Thriller")
    ((item, reason),) = report.refused
    assert item.endswith("genres.txt") and reason.startswith("not utf-8 or cp949 text")
    assert "imported without genres" in reason


def test_a_full_disk_refuses_posters_and_stops_at_the_catalog_with_one_line(
    workspace: Workspace, store: PosterStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        (tmp_path / f"{i}.jpg").write_bytes(jpeg_bytes(pattern=i))
    rows = [_row(str(i), f"{i}.jpg") for i in range(3)]
    manifest = write_manifest(tmp_path / "m.csv", rows)

    def no_space(data: bytes, path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("poster_tool.core.intake.write_bytes_atomic", no_space)
    report = run_job(import_csv(workspace, store, manifest))
    assert [reason for _, reason in report.refused] == [
        "cannot store the image (No space left on device)"
    ] * 3
    monkeypatch.undo()

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(PosterStore, "add_poster", full)
    with pytest.raises(StoreError, match="^the disk is full, so the catalog cannot be written"):
        run_job(import_csv(workspace, store, manifest))
    assert store._scalar("PRAGMA integrity_check") == "ok"
