"""The round trip: a JSON export loaded into a new workspace loses nothing."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from poster_tool.cli import main
from poster_tool.core.exchange.export import ExportError
from poster_tool.core.exchange.import_export import import_export
from poster_tool.core.importers import import_csv
from poster_tool.core.progress import run_job
from poster_tool.core.records import PosterQuery
from poster_tool.core.workspace import Workspace
from tests.core.conftest import SHARED_DATA
from tests.core.export_sample import build, export_file


def comparable(data: dict) -> dict:
    """An export with catalog ids replaced by content hashes (ids are renumbered on import)."""
    sha = {p["id"]: p["sha256"] for t in data["titles"] for p in t["posters"]}
    for title in data["titles"]:
        del title["id"]
        title["pool"] = [sha[i] for i in title["pool"]]
        title["default_poster_id"] = sha.get(title["default_poster_id"])
        for poster in title["posters"]:
            del poster["id"]
    return data


def test_nothing_is_lost_in_a_new_workspace(tmp_path, exported):
    out, original = exported
    target = Workspace.open(tmp_path / "new")
    with target.store() as store:
        report = run_job(import_export(target, store, out, curator="ana"))
        assert (report.titles_new, report.posters_new, report.refused) == (2, 5, [])
        again = export_file(
            target,
            store,
            out.with_name("again.json"),
            sensitive="flag",
            include_images=tmp_path / "share" / "img",
        )
        title = store.find_title("tt6751668")
        assert (title.name, title.original_name, title.tmdb_id) == ("기생충", "Parasite", 496243)
        assert store.audit_log(limit=1)[0].action == "import-export"
        assert store.audit_log(limit=1)[0].curator == "ana"
    assert comparable(again) == comparable(original)


def test_restored_labels_keep_curators_and_model_versions(tmp_path, store, exported):
    out, _ = exported
    disagreeing = store.query_ids(PosterQuery(disagrees=True, sort="id"))
    target = Workspace.open(tmp_path / "new")
    with target.store() as store:
        run_job(import_export(target, store, out))
        alien = store.find_title("tt0078748")
        curated = next(p for p in store.pool(alien.id) if p.genres == ("Horror",))
        labels = {(lab.genre, lab.source): lab for lab in store.labels(curated.id)}
        assert labels["Horror", "curator"].curator == "lee"
        assert labels["Sci-Fi", "model"].model_version == "cnn-v1"
        assert labels["Sci-Fi", "model"].positive
        assert not labels["Horror", "model"].positive
        assert store.stats()["posters"]["approved"] == 5
        # The grid's genre filter sees the restored genres.
        assert curated.id in store.query_ids(PosterQuery(genre="Horror"))
        assert store.count(PosterQuery(genre="Comedy")) == 1
        assert store.count(PosterQuery(disagrees=True)) == len(disagreeing) == 2
        assert store.stats()["sensitive"] == 1


def test_importing_twice_adds_nothing(tmp_path, exported):
    out, _ = exported
    target = Workspace.open(tmp_path / "new")
    with target.store() as store:
        run_job(import_export(target, store, out))
        report = run_job(import_export(target, store, out))
        assert (report.titles_new, report.posters_new, report.posters_existing) == (0, 0, 5)
        assert store.stats()["posters"]["total"] == 5


def test_missing_images_are_reported_and_titles_still_come(tmp_path, exported):
    out, _ = exported
    shutil.rmtree(out.parent / "img")
    target = Workspace.open(tmp_path / "new")
    with target.store() as store:
        report = run_job(import_export(target, store, out))
        assert report.posters_new == 0
        assert len(report.refused) == 5
        assert all("image not found" in reason for _, reason in report.refused)
        assert any("https://img.example.test/scored.jpg" in reason for _, reason in report.refused)
        assert store.stats()["titles"] == 2


def test_images_from_the_source_workspace(workspace, tmp_path, exported):
    out, _ = exported
    shutil.rmtree(out.parent / "img")
    target = Workspace.open(tmp_path / "new")
    with target.store() as store:
        report = run_job(import_export(target, store, out, source_workspace=workspace))
        assert (report.posters_new, report.refused) == (5, [])


def test_an_image_that_changed_is_refused(tmp_path, exported):
    out, data = exported
    victim = data["titles"][0]["posters"][0]
    shutil.copy(
        out.parent / "img" / data["titles"][1]["posters"][0]["image"],
        out.parent / "img" / victim["image"],
    )
    target = Workspace.open(tmp_path / "new")
    with target.store() as store:
        report = run_job(import_export(target, store, out))
        assert report.posters_new == 4
        assert [item for item, _ in report.refused] == [
            f"poster {victim['id']} ({victim['sha256'][:12]})"
        ]
        assert "differs from the exported image" in report.refused[0][1]


def test_a_bad_file_fails_before_touching_the_catalog(tmp_path, exported):
    out, data = exported
    del data["titles"][1]["posters"][0]["sha256"]
    broken = out.with_name("broken.json")
    broken.write_text(json.dumps(data), "utf-8")
    newer = out.with_name("newer.json")
    newer.write_text(json.dumps({**data, "schema_version": 99}), "utf-8")
    target = Workspace.open(tmp_path / "new")
    with target.store() as store:
        with pytest.raises(ExportError, match="title 2 .Alien., poster 1 is malformed"):
            run_job(import_export(target, store, broken))
        with pytest.raises(ExportError, match="newer than this Poster Studio"):
            run_job(import_export(target, store, newer))
        with pytest.raises(ExportError, match="not a JSON export"):
            run_job(
                import_export(
                    target, store, out.parent / "img" / data["titles"][0]["posters"][0]["image"]
                )
            )
        assert store.stats()["titles"] == 0


def test_cli_round_trip(workspace, store, tmp_path, capsys):
    build(workspace, store)
    out = tmp_path / "posters.json"
    src, dst = str(workspace.root), str(tmp_path / "copy")
    assert (
        main(
            [
                "--workspace",
                src,
                "export",
                "--out",
                str(out),
                "--include-images",
                str(tmp_path / "img"),
            ]
        )
        == 0
    )
    assert "exported 4 approved posters of 2 titles" in capsys.readouterr().out
    assert main(["--workspace", dst, "--curator", "ana", "import-export", str(out)]) == 0
    assert main(["--workspace", src, "export", "--out", str(tmp_path / "p.csv")]) == 0
    with (tmp_path / "p.csv").open(encoding="utf-8-sig", newline="") as f:
        assert {row["title"] for row in csv.DictReader(f)} == {"기생충", "Alien"}
    shutil.rmtree(tmp_path / "img")
    capsys.readouterr()
    # Posters that cannot come back make the command fail, and each is named.
    assert main(["--workspace", str(tmp_path / "third"), "import-export", str(out)]) == 1
    assert capsys.readouterr().out.count("image not found") == 4


def test_real_posters_round_trip(tmp_path):
    if not (SHARED_DATA / "posters.csv").exists():
        pytest.skip("../shared/data is absent: the real-poster round trip needs it")
    with (SHARED_DATA / "posters.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:12]
    manifest = tmp_path / "subset.csv"
    with manifest.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, "path": str(SHARED_DATA / r["path"])} for r in rows)
    source = Workspace.open(tmp_path / "source")
    with source.store() as store:
        run_job(import_csv(source, store, manifest))
        ids = store.query_ids(PosterQuery(sort="id"), 0, 100)
        store.set_status(dict.fromkeys(ids, "approved"), "kim")
        original = export_file(source, store, tmp_path / "real.json")
    target = Workspace.open(tmp_path / "target")
    with target.store() as store:
        report = run_job(
            import_export(target, store, tmp_path / "real.json", source_workspace=source)
        )
        assert report.refused == []
        again = export_file(target, store, tmp_path / "again.json")
    assert original["counts"]["posters"] == len(ids) > 0
    assert comparable(again) == comparable(original)
