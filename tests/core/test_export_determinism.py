"""Two exports of the same data are byte-identical, whatever the process or the clock."""

from __future__ import annotations

import json

import pytest

from poster_tool.core.exchange import export as export_module
from poster_tool.core.exchange.export import export
from poster_tool.core.progress import run_job
from tests.core.export_sample import build


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_two_exports_are_byte_identical(workspace, store, tmp_path, fmt):
    build(workspace, store)
    first, second = tmp_path / "a" / f"out.{fmt}", tmp_path / "b" / f"out.{fmt}"
    first.parent.mkdir()
    second.parent.mkdir()
    run_job(
        export(
            workspace, store, fmt, first, sensitive="flag", include_images=first.parent / "images"
        )
    )
    # A fresh connection, as a second run of the command would have.
    with workspace.store() as again:
        run_job(
            export(
                workspace,
                again,
                fmt,
                second,
                sensitive="flag",
                include_images=second.parent / "images",
            )
        )
    assert first.read_bytes() == second.read_bytes()


def test_order_does_not_follow_insertion_or_names(workspace, store, tmp_path):
    ids = build(workspace, store)
    out = tmp_path / "out.json"
    run_job(export(workspace, store, "json", out))
    before = out.read_bytes()
    # Touching a poster without changing it (approve it again) leaves the file as it was.
    store.set_status({ids["curated"]: "approved"}, "kim")
    run_job(export(workspace, store, "json", out))
    assert out.read_bytes() == before
    data = json.loads(before)
    assert [t["id"] for t in data["titles"]] == sorted(t["id"] for t in data["titles"])
    assert before.endswith(b"\n}\n")
    assert "기생충".encode() in before  # UTF-8 as is, not \uXXXX escapes


def test_an_empty_export_is_valid_json(workspace, store, tmp_path):
    out = tmp_path / "empty.json"
    report = run_job(export(workspace, store, "json", out))
    data = json.loads(out.read_text("utf-8"))
    assert (report.posters, data["titles"], data["counts"]) == (0, [], {"titles": 0, "posters": 0})


def test_edits_during_an_export_do_not_tear_it(workspace, store, tmp_path, monkeypatch):
    ids = build(workspace, store)
    monkeypatch.setattr(export_module, "CHUNK", 1)
    out = tmp_path / "out.json"
    job = export(workspace, store, "json", out)
    next(job)
    next(job)  # the first title (기생충) is written; now a curator rejects an Alien poster
    with workspace.store() as curator:
        curator.set_status({ids["curated_empty"]: "rejected"}, "kim")
    run_job(job)
    data = json.loads(out.read_text("utf-8"))
    written = sum(len(t["posters"]) for t in data["titles"])
    assert written == data["counts"]["posters"] == 4
