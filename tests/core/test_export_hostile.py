"""A hostile or damaged export is refused whole, one line per problem, before anything is
written; images are read only from the folders the user named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from poster_tool.core.exchange.export import ExportError
from poster_tool.core.exchange.import_export import import_export
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace


def _refused(tmp_path: Path, text: str) -> str:
    """The error importing ``text`` gives; the target catalog must stay empty."""
    file = tmp_path / "hostile.json"
    file.write_text(text, "utf-8")
    target = Workspace.open(tmp_path / "target")
    with target.store() as store, pytest.raises(ExportError) as info:
        run_job(import_export(target, store, file))
    with target.store() as store:
        assert store.stats()["titles"] == 0
        assert store._scalar("PRAGMA integrity_check") == "ok"
    return str(info.value)


def test_wrong_types_are_all_listed_and_nothing_is_written(tmp_path, exported):
    out, data = exported
    data["titles"][0]["posters"][0]["curated_by"] = ["kim", "lee"]
    data["titles"][1]["name"] = None
    data["titles"][1]["posters"][0]["model"]["uncertainty"] = "high"
    lines = _refused(tmp_path, json.dumps(data)).splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(
        "title 1 (기생충), poster 1, field curated_by is malformed: "
        "['kim', 'lee'] is not of type 'string', 'null'"
    )
    assert lines[1].endswith("title 2, field name is malformed: None is not of type 'string'")
    assert "poster 1, field model.uncertainty is malformed: 'high'" in lines[2]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"year": 2019.0}, "2019.0 is not of type 'integer', 'null'"),
        ({"year": 12345}, "12345 is greater than the maximum of 9999"),
        ({"tmdb_id": 2**63}, "9223372036854775808 is greater than the maximum"),
        ({"id": True}, "True is not of type 'integer'"),
    ],
)
def test_numbers_outside_what_the_catalog_stores_are_refused(tmp_path, exported, change, reason):
    out, data = exported
    data["titles"][0].update(change)
    assert reason in _refused(tmp_path, json.dumps(data))


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ('"year":2019', "1e400", "the number 1e400 is out of range"),
        ('"tmdb_id":496243', str(10**30), "a number of 31 digits is out of range"),
        ('"tmdb_id":496243', "7" * 100_000, "a number of 100000 digits is out of range"),
        ('"year":2019', "NaN", "NaN is not a JSON number"),
        ('"year":2019', "[" * 100_000 + "]" * 100_000, "nested far too deeply"),
    ],
    ids=["1e400", "10**30", "100k-digits", "NaN", "100k-deep"],
)
def test_numbers_and_nesting_json_cannot_hold_are_refused_with_one_line(
    tmp_path, exported, field, value, reason
):
    out, _ = exported
    text = out.read_text("utf-8")
    assert field in text
    error = _refused(tmp_path, text.replace(field, field.split(":")[0] + ":" + value, 1))
    assert error == f"{tmp_path / 'hostile.json'} is not a JSON export ({reason})"


def test_image_names_and_stored_paths_cannot_leave_their_folders(tmp_path, exported, workspace):
    out, data = exported
    poster = data["titles"][0]["posters"][0]
    # The poster's own bytes, planted outside any folder the import may read.
    planted = tmp_path / "elsewhere" / "secret.jpg"
    planted.parent.mkdir()
    shutil.copy(out.parent / "img" / poster["image"], planted)

    poster["image"] = str(planted)
    error = _refused(tmp_path, json.dumps(data))
    assert "title 1 (기생충), poster 1, field image is malformed: " in error
    assert len(error.splitlines()) == 1

    poster["image"] = None
    poster["path"] = "images/../../elsewhere/secret.jpg"
    data["images_dir"] = None
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(data), "utf-8")
    target = Workspace.open(tmp_path / "target")
    with target.store() as store:
        report = run_job(import_export(target, store, hostile, source_workspace=workspace))
        reasons = dict(report.refused)
        assert reasons[f"poster {poster['id']} ({poster['sha256'][:12]})"] == (
            "its stored path 'images/../../elsewhere/secret.jpg' is outside the source "
            "workspace's images"
        )
        assert store.find_poster(sha256=poster["sha256"]) is None


def test_a_second_import_adds_no_audit_entries_and_keeps_later_edits(tmp_path, exported):
    out, _ = exported
    target = Workspace.open(tmp_path / "target")
    with target.store() as store:
        run_job(import_export(target, store, out))
        entries = len(store.audit_log(limit=1000))
        edited = store.audit_log(limit=1)[0].poster_id
        store.set_status({edited: "rejected"}, "kim")
        run_job(import_export(target, store, out))
        assert len(store.audit_log(limit=1000)) == entries + 1
        assert store.get_poster(edited).status == "rejected"
