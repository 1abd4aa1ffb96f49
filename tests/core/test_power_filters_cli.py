"""``posters list`` takes the window's power filters and saved views."""

from __future__ import annotations

import json

import pytest

from poster_tool.core.workspace import Workspace
from tests.core.test_cli import run, ws  # noqa: F401 - the fixture


def ids(out: str) -> list[int]:
    return [p["id"] for p in json.loads(out)]


def test_posters_list_power_filters_and_saved_views(ws, capsys) -> None:  # noqa: F811
    store = Workspace.open(ws).store()
    # Parasite (1) is Drama + Thriller; 기생충 2 (2) is Comedy.  The model sees Horror in 2.
    store.write_model_scores(
        "m1", {1: {"Horror": 0.1, "Drama": 0.9}, 2: {"Horror": 0.7, "Comedy": 0.8}}, {}
    )
    store.close()
    base = ("--workspace", ws, "posters", "list", "--json")
    code, out, _ = run(capsys, *base, "--score-genre", "horror", "--score-min", "0.6")
    assert code == 0 and ids(out) == [2]
    code, out, _ = run(capsys, *base, "--not-labelled", "드라마")  # a Korean alias
    assert ids(out) == [2]
    run(capsys, "--workspace", ws, "--curator", "ana", "posters", "set-status", "1", "approved")
    code, out, _ = run(capsys, *base, "--edited-by", "ana", "--provenance", "official")
    assert ids(out) == [1]
    code, out, err = run(
        capsys, *base, "--score-genre", "Horror", "--score-min", "0.6", "--save-view", "Scary"
    )
    assert ids(out) == [2] and "saved the view 'Scary'" in err
    code, out, _ = run(capsys, *base, "--view", "Scary")
    assert ids(out) == [2]
    code, out, _ = run(capsys, *base, "--view", "Scary", "--status", "approved")
    assert ids(out) == []  # flags narrow the view
    code, out, _ = run(capsys, "--workspace", ws, "posters", "views", "--json")
    assert json.loads(out) == [
        {
            "name": "Scary",
            "filters": {"score_genre": "Horror", "score_min": 0.6},
            "posters": 1,
        }
    ]
    run(capsys, "--workspace", ws, "posters", "views", "--delete", "Scary")
    assert json.loads(run(capsys, "--workspace", ws, "posters", "views", "--json")[1]) == []


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (("--view", "Nope"), "no saved view named 'Nope'"),
        (("--edited-from", "last week"), "write it as YYYY-MM-DD"),
        (("--score-genre", "Horror", "--score-min", "2"), "0 <= min <= max <= 1"),
        (("--not-labelled", "Spooky"), "unknown genre 'Spooky'"),
    ],
)
def test_a_wrong_filter_is_one_line_and_status_1(ws, capsys, flags, says) -> None:  # noqa: F811
    code, out, err = run(capsys, "--workspace", ws, "posters", "list", *flags)
    assert code == 1 and says in err and len(err.strip().splitlines()) == 1
