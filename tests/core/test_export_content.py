"""What an export holds: only approved posters, final genres with their provenance, pools."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from poster_tool.core.exchange.export import CSV_COLUMNS, ExportError, export, parse_since
from poster_tool.core.progress import run_job
from poster_tool.core.taxonomy import GENRES
from tests.core.export_sample import build


@pytest.fixture
def ids(workspace, store) -> dict[str, int]:
    return build(workspace, store)


def export_json(workspace, store, out: Path, **options) -> dict:
    run_job(export(workspace, store, "json", out, **options))
    return json.loads(out.read_text("utf-8"))


def posters_of(data: dict) -> dict[int, dict]:
    return {p["id"]: p for t in data["titles"] for p in t["posters"]}


def test_only_approved_posters_and_their_titles(workspace, store, ids, tmp_path):
    data = export_json(workspace, store, tmp_path / "out.json")
    assert set(posters_of(data)) == {
        ids["curated"],
        ids["scored"],
        ids["curated_over_model"],
        ids["curated_empty"],
    }
    assert [t["name"] for t in data["titles"]] == ["기생충", "Alien"]
    assert data["counts"] == {"titles": 2, "posters": 4}


def test_each_genre_says_where_it_comes_from(workspace, store, ids, tmp_path):
    posters = posters_of(export_json(workspace, store, tmp_path / "out.json", sensitive="flag"))
    assert posters[ids["curated"]]["genres"] == [
        {
            "genre": "Drama",
            "provenance": "curator",
            "curator": "kim",
            "score": None,
            "model_version": None,
        },
        {
            "genre": "Comedy",
            "provenance": "curator",
            "curator": "kim",
            "score": None,
            "model_version": None,
        },
    ]
    # Not curated but scored: the official genres stay (with the model's score where it gave
    # one), and the model adds only what it suggests (Horror 0.88; Comedy 0.125 is not).
    scored = posters[ids["scored"]]
    assert [(g["genre"], g["provenance"], g["score"]) for g in scored["genres"]] == [
        ("Drama", "source", 0.91),
        ("Thriller", "source", None),
        ("Horror", "model", 0.88),
    ]
    assert scored["genres"][2]["model_version"] == "cnn-v1"
    assert scored["model"]["version"] == "cnn-v1"
    assert scored["model"]["scores"] == {"Drama": 0.91, "Horror": 0.88, "Comedy": 0.125}
    # Neither curated nor scored: the title's official genres.
    assert [(g["genre"], g["provenance"]) for g in posters[ids["default_sensitive"]]["genres"]] == [
        ("Drama", "source"),
        ("Thriller", "source"),
    ]
    # The curator overrules the model, whose scores still travel along.
    over = posters[ids["curated_over_model"]]
    assert [(g["genre"], g["provenance"], g["curator"]) for g in over["genres"]] == [
        ("Horror", "curator", "lee")
    ]
    assert over["model"]["genres"] == ["Sci-Fi"]
    assert posters[ids["curated_empty"]]["genres"] == []
    assert posters[ids["curated_empty"]]["curated"] is True


def test_an_official_genre_the_model_is_sure_of_not_fitting_holds_the_poster_for_review(
    workspace, store, ids, tmp_path
):
    # Approved, never curated, and the model is sure it is no Thriller: exporting the
    # model's answer instead would drop an official genre silently, so it waits for review.
    poster = ids["scored"]
    store.write_model_scores(
        "cnn-v2", {poster: {"Drama": 0.2, "Thriller": 0.01, "Romance": 0.95}}, {"Romance": 0.6}
    )
    out = tmp_path / "out.json"
    report = run_job(export(workspace, store, "json", out))
    assert poster not in posters_of(json.loads(out.read_text("utf-8")))
    assert report.held == [poster] and "1 approved posters held back for review" in " ".join(
        report.lines()
    )
    assert poster not in json.loads(out.read_text("utf-8"))["titles"][0]["pool"]
    # A curator decides after approval: the poster goes out with the curator's genres.
    store.set_genres({poster: ["Drama", "Romance"]}, "kim")
    report = run_job(export(workspace, store, "json", out))
    exported = posters_of(json.loads(out.read_text("utf-8")))[poster]
    assert report.held == []
    assert [(g["genre"], g["provenance"]) for g in exported["genres"]] == [
        ("Drama", "curator"),
        ("Romance", "curator"),
    ]


def test_pool_order_default_and_sensitive_options(workspace, store, ids, tmp_path):
    flagged = export_json(workspace, store, tmp_path / "flag.json", sensitive="flag")
    parasite = flagged["titles"][0]
    assert parasite["pool"] == [ids["default_sensitive"], ids["curated"], ids["scored"]]
    assert [p["id"] for p in parasite["posters"]] == parasite["pool"]
    assert parasite["default_poster_id"] == ids["default_sensitive"]
    first = parasite["posters"][0]
    assert (first["is_default"], first["sensitive"], first["sensitive_reason"]) == (
        True,
        True,
        "graphic violence",
    )

    excluded = export_json(workspace, store, tmp_path / "excl.json")
    parasite = excluded["titles"][0]
    assert parasite["pool"] == [ids["curated"], ids["scored"]]
    assert parasite["default_poster_id"] is None  # the default is sensitive, so left out
    assert not any(p["sensitive"] for p in posters_of(excluded).values())


def test_title_ids_file_facts_and_original_url(workspace, store, ids, tmp_path):
    data = export_json(workspace, store, tmp_path / "out.json")
    title = data["titles"][0]
    assert {k: title[k] for k in ("key", "imdb_id", "tmdb_id", "original_name", "year")} == {
        "key": "imdb:tt6751668",
        "imdb_id": "tt6751668",
        "tmdb_id": 496243,
        "original_name": "Parasite",
        "year": 2019,
    }
    assert title["genres"] == ["Drama", "Thriller"]
    scored = posters_of(data)[ids["scored"]]
    stored = store.get_poster(ids["scored"])
    assert scored["path"] == stored.path
    assert (workspace.root / scored["path"]).is_file()
    assert scored["source_url"] == "https://img.example.test/scored.jpg"
    assert (scored["width"], scored["height"], scored["orientation"]) == (300, 450, "portrait")
    assert scored["sha256"] == stored.sha256


def test_csv_has_one_row_per_poster_and_genre(workspace, store, ids, tmp_path):
    out = tmp_path / "out.csv"
    report = run_job(export(workspace, store, "csv", out, sensitive="flag"))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_poster: dict[int, list[dict]] = {}
    for row in rows:
        by_poster.setdefault(int(row["poster_id"]), []).append(row)
    assert [(r["genre"], r["provenance"], r["curator"]) for r in by_poster[ids["curated"]]] == [
        ("Drama", "curator", "kim"),
        ("Comedy", "curator", "kim"),
    ]
    scored = by_poster[ids["scored"]]
    assert [(r["genre"], r["provenance"], r["model_score"]) for r in scored] == [
        ("Drama", "source", "0.91"),
        ("Thriller", "source", ""),
        ("Horror", "model", "0.88"),
    ]
    assert scored[0]["score_Comedy"] == "0.125"
    assert scored[0]["score_Action"] == ""
    # A curated poster with no genre keeps one row, so it is not lost from the CSV.
    assert [(r["genre"], r["provenance"]) for r in by_poster[ids["curated_empty"]]] == [("", "")]
    assert by_poster[ids["default_sensitive"]][0]["sensitive"] == "1"
    assert by_poster[ids["default_sensitive"]][0]["title"] == "기생충"
    assert report.rows == len(rows) == 2 + 3 + 2 + 1 + 1
    assert [c[len("score_") :] for c in CSV_COLUMNS if c.startswith("score_")] == list(GENRES)


def test_since_takes_changed_posters_and_rescored_ones(workspace, store, ids, tmp_path):
    with store.transaction():
        store._run("UPDATE posters SET updated_at = '2020-01-01T00:00:00+00:00'")
        store._run("UPDATE poster_labels SET created_at = '2020-01-01T00:00:00+00:00'")
    assert export_json(workspace, store, tmp_path / "none.json", since="2024-01-01")["titles"] == []
    store.set_genres({ids["curated"]: ["Drama"]}, "kim")
    store.write_model_scores("cnn-v2", {ids["curated_over_model"]: {"Horror": 0.9}}, {})
    data = export_json(workspace, store, tmp_path / "since.json", since="2024-01-01")
    assert set(posters_of(data)) == {ids["curated"], ids["curated_over_model"]}
    # The pool still names the whole current pool, so a consumer can replace it.
    assert data["titles"][0]["pool"] == [ids["curated"], ids["scored"]]
    assert data["options"]["since"] == "2024-01-01T00:00:00+00:00"


def test_since_accepts_dates_and_times_and_refuses_words():
    assert parse_since("2024-05-01") == "2024-05-01T00:00:00+00:00"
    assert parse_since("2024-05-01T09:30+09:00") == "2024-05-01T00:30:00+00:00"
    with pytest.raises(ExportError, match="not a date"):
        parse_since("last week")


def test_include_images_copies_files_named_by_sha256(workspace, store, ids, tmp_path):
    folder = tmp_path / "images"
    data = export_json(workspace, store, tmp_path / "out.json", include_images=folder)
    assert data["images_dir"] == "images"
    for poster in posters_of(data).values():
        copied = folder / f"{poster['sha256']}.jpg"
        assert poster["image"] == copied.name
        assert copied.read_bytes() == (workspace.root / poster["path"]).read_bytes()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    # A stored file that has gone missing is reported, and the poster still exported.
    (workspace.root / store.get_poster(ids["scored"]).path).unlink()
    report = run_job(
        export(workspace, store, "json", tmp_path / "again.json", include_images=tmp_path / "fresh")
    )
    assert [pid for pid, _ in report.images_missing] == [ids["scored"]]
    assert report.posters == 4
    assert report.images_copied == 3


def test_include_images_replaces_a_damaged_copy_of_the_right_name_and_size(
    workspace, store, ids, tmp_path
):
    folder = tmp_path / "images"
    data = export_json(workspace, store, tmp_path / "out.json", include_images=folder)
    poster = next(iter(posters_of(data).values()))
    copied = folder / poster["image"]
    good = copied.read_bytes()
    copied.write_bytes(bytes(len(good)))  # same name and size, every byte zero
    report = run_job(export(workspace, store, "json", tmp_path / "out.json", include_images=folder))
    assert (report.images_copied, report.images_replaced) == (1, 1)
    assert report.images_present == len(posters_of(data)) - 1
    assert "images: 1 copied (1 of them replacing a damaged file)" in report.lines()[1]
    assert copied.read_bytes() == good


def test_bad_options_are_plain_errors(workspace, store, tmp_path):
    with pytest.raises(ExportError, match="is a folder"):
        run_job(export(workspace, store, "json", tmp_path))
    with pytest.raises(ExportError, match="does not exist"):
        run_job(export(workspace, store, "json", tmp_path / "missing" / "out.json"))
    with pytest.raises(ExportError, match="unknown export format"):
        run_job(export(workspace, store, "xml", tmp_path / "out.xml"))
