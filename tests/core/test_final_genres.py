"""One rule for a poster's genres: the export, the CLI, the grid filter, the stats and the
picks all give the same answer, and an official genre is never dropped silently."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from poster_tool.cli import main
from poster_tool.core.exchange.export import export, preview
from poster_tool.core.final_genres import verdicts
from poster_tool.core.personalize.picks import load_candidates
from poster_tool.core.progress import run_job
from poster_tool.core.records import PosterQuery
from poster_tool.core.taxonomy import GENRES
from tests.core.export_sample import build


@pytest.fixture
def ids(workspace, store) -> dict[str, int]:
    ids = build(workspace, store)
    # Approved, never curated, official Drama + Thriller; the model is sure it is no
    # Thriller and suggests Romance (the case a new user met on real posters).
    store.write_model_scores(
        "cnn-v2",
        {ids["scored"]: {"Drama": 0.3, "Thriller": 0.01, "Romance": 0.95}},
        {"Romance": 0.6},
    )
    return ids


def all_ids(store) -> list[int]:
    return [r[0] for r in store._run("SELECT id FROM posters ORDER BY id")]


def test_an_official_genre_stays_and_the_doubt_holds_the_poster_for_review(store, ids) -> None:
    verdict = verdicts(store, [ids["scored"]])[ids["scored"]]
    assert [(g.genre, g.provenance) for g in verdict.genres] == [
        ("Drama", "source"),
        ("Romance", "model"),
        ("Thriller", "source"),
    ]
    assert verdict.doubted == ("Thriller",) and verdict.held
    assert "held for review" in verdict.line() and "Romance (model 0.95)" in verdict.line()
    # The curator's word settles it: no doubt, no model genre.
    store.set_genres({ids["scored"]: ["Drama"]}, "kim")
    verdict = verdicts(store, [ids["scored"]])[ids["scored"]]
    assert verdict.names == ["Drama"] and not verdict.held


def test_records_grid_filter_and_stats_follow_the_rule(store, ids) -> None:
    found = verdicts(store, all_ids(store))
    for poster in store.posters(all_ids(store)):
        assert list(poster.genres) == found[poster.id].names, poster.id
    tally = Counter(g for v in found.values() for g in v.names)
    assert store.stats()["genres"] == {g: tally[g] for g in GENRES if tally[g]}
    romance = store.query_ids(PosterQuery(genre="Romance"), 0, 100)
    assert romance == [i for i, v in found.items() if "Romance" in v.names] == [ids["scored"]]


def test_the_cli_list_and_the_dry_run_say_what_the_export_writes(
    workspace, store, ids, capsys, tmp_path
) -> None:
    base = ["--workspace", str(workspace.root)]
    assert main([*base, "posters", "list", "--json", "--limit", "0"]) == 0
    listed = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    report = run_job(export(workspace, store, "json", tmp_path / "out.json"))
    data = json.loads((tmp_path / "out.json").read_text("utf-8"))
    exported = {p["id"]: p for t in data["titles"] for p in t["posters"]}
    assert exported  # the comparison below is not vacuous
    for poster_id, poster in exported.items():
        assert listed[poster_id]["final_genres"] == poster["genres"]
    assert listed[ids["scored"]]["held_for_review"] and ids["scored"] not in exported
    assert report.held == [ids["scored"]]

    assert main([*base, "export", "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry == preview(store).to_dict()
    assert (dry["posters"], dry["titles"]) == (report.posters, report.titles) == (3, 2)
    assert dry["held_for_review"] == [ids["scored"]] and dry["genres_from"] == report.provenance
    # Curated (Drama, Comedy) and curated over the model (Horror); the third has no genre.
    assert dry["genres_from"] == {"curator": 2, "source": 0, "model": 0}


def test_picks_feel_only_the_final_genres_and_skip_held_posters(store, ids) -> None:
    title_id = store.get_poster(ids["scored"]).title_id
    cands = load_candidates(store, [title_id])
    found = verdicts(store, [int(i) for i in cands.poster_ids[0] if i >= 0])
    for slot, poster_id in enumerate(cands.poster_ids[0]):
        if poster_id < 0:
            continue
        felt = {GENRES[i] for i in np.flatnonzero(cands.feel[0, slot])}
        assert felt <= set(found[int(poster_id)].names), poster_id
        if int(poster_id) == ids["scored"]:
            assert not cands.eligible[0, slot]  # held for review: never a personalised pick
