"""``profiles``, ``recommend`` and ``evaluate-policies`` from the command line."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.core.personalize_catalog import CatalogBuilder, run

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace


@pytest.fixture
def catalog(workspace: Workspace, store: PosterStore) -> dict[str, int]:
    build = CatalogBuilder(workspace, store)
    ids = {}
    for name, genres in (
        ("Haunt", ["Horror"]),
        ("Home", ["Family", "Drama"]),
        ("Toons", ["Animation", "Family"]),
    ):
        ids[name] = build.title(name, genres)
    ids["haunt"] = build.poster(ids["Haunt"], curated=["Horror"], default=True)
    ids["home"] = build.poster(ids["Home"], curated=["Drama"], default=True)
    ids["home-family"] = build.poster(ids["Home"], model={"Family": 0.8, "Drama": 0.3})
    ids["toons"] = build.poster(ids["Toons"], curated=["Animation"], default=True)
    return ids


def test_samples_appear_once_the_workspace_has_titles(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, catalog: dict[str, int]
) -> None:
    code, out, _ = run(capsys, workspace, "profiles", "list", "--json")
    assert code == 0
    profiles = {p["name"]: p for p in json.loads(out)}
    assert len(profiles) == 8
    assert profiles["horror-fan"]["affinity"] == {"Horror": 1.0}  # the only horror title
    assert all(isinstance(w, float) for p in profiles.values() for w in p["affinity"].values())


def test_edit_a_profile_from_a_script(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, catalog: dict[str, int]
) -> None:
    assert (
        run(
            capsys, workspace, "profiles", "add", "sam", "--likes", "Drama", "--dislikes", "horror"
        )[0]
        == 0
    )
    assert (
        run(
            capsys,
            workspace,
            "profiles",
            "watch",
            "sam",
            str(catalog["Toons"]),
            "--minutes",
            "90",
            "--date",
            "2025-02-01",
        )[0]
        == 0
    )
    code, out, _ = run(capsys, workspace, "profiles", "show", "sam", "--json")
    shown = json.loads(out)
    assert (shown["likes"], shown["dislikes"]) == (["Drama"], ["Horror"])
    # Toons (Animation, Family) 0.5 each, plus 0.25 on Drama, over 1.25.
    assert shown["affinity"] == {"Drama": 0.2, "Family": 0.4, "Animation": 0.4}
    assert [h["title"] for h in shown["history"]] == ["Toons"]
    assert run(capsys, workspace, "profiles", "set", "sam", "--likes", "")[0] == 0
    code, out, _ = run(capsys, workspace, "profiles", "show", "sam", "--json")
    assert json.loads(out)["affinity"] == {"Family": 0.5, "Animation": 0.5}
    assert run(capsys, workspace, "profiles", "remove", "sam")[0] == 0
    code, _, err = run(capsys, workspace, "profiles", "show", "sam")
    assert code == 1 and err.startswith("poster-tool: error: no profile named 'sam'")
    code, _, err = run(
        capsys, workspace, "profiles", "watch", "kid-animation", "nope", "--minutes", "5"
    )
    assert code == 1 and "no title 'nope'" in err


def test_profile_edits_from_the_cli_are_audited_with_the_curators_name(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, catalog: dict[str, int]
) -> None:
    assert run(capsys, workspace, "--curator", "ana", "profiles", "add", "sam")[0] == 0
    argv = ("--curator", "ana", "profiles", "set", "sam", "--likes", "drama", "--rename", "Sam")
    assert run(capsys, workspace, *argv)[0] == 0
    assert run(capsys, workspace, "--curator", "bo", "profiles", "remove", "Sam")[0] == 0
    with workspace.store() as store:
        removed, changed, added = store.audit_log(limit=3)
    assert [e.curator for e in (removed, changed, added)] == ["bo", "ana", "ana"]
    assert {e.action for e in (removed, changed, added)} == {"profile"}
    assert added.before is None and added.after["name"] == "sam"
    assert changed.before["name"] == "sam"
    assert (changed.after["name"], changed.after["likes"]) == ("Sam", ["Drama"])  # resolved
    assert removed.before["name"] == "Sam" and removed.after is None


def test_recommend_json(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, catalog: dict[str, int]
) -> None:
    code, out, _ = run(
        capsys,
        workspace,
        "recommend",
        "--profile",
        "family-drama",
        "--json",
        "--titles",
        f"{catalog['Home']},{catalog['Haunt']}",
    )
    assert code == 0
    picks = json.loads(out)
    assert [p["title_id"] for p in picks] == [catalog["Home"], catalog["Haunt"]]
    assert set(picks[0]) >= {"title_id", "poster_id", "score", "explanation", "fallback"}
    assert picks[0]["poster_id"] == catalog["home-family"] and not picks[0]["fallback"]
    assert picks[0]["explanation"].startswith("Family 0.80 matches your top genre, Family")
    # The family viewer dislikes horror: the horror film keeps its default, as a fallback.
    assert picks[1]["poster_id"] == catalog["haunt"] and picks[1]["fallback"]
    code, out, _ = run(capsys, workspace, "recommend", "--profile", "horror-fan")
    assert code == 0 and len(out.splitlines()) == 3
    code, _, err = run(capsys, workspace, "recommend", "--profile", "ghost")
    assert code == 1 and "no profile named 'ghost'" in err


def test_evaluate_policies(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, catalog: dict[str, int]
) -> None:
    code, out, _ = run(
        capsys, workspace, "evaluate-policies", "--json", "--impressions", "2000", "--seed", "4"
    )
    assert code == 0
    result = json.loads(out)
    assert result["impressions"] == 2000 and result["profiles"] == 8
    assert [e["policy"] for e in result["estimates"]] == [
        "random",
        "default",
        "genre-match",
        "linucb",
    ]
    for e in result["estimates"]:
        assert e["low"] <= e["take_rate"] <= e["high"]
    code, out, _ = run(
        capsys, workspace, "evaluate-policies", "--synthetic", "--impressions", "3000"
    )
    assert code == 0 and "genre-match" in out and "95% CI" in out
