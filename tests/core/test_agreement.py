"""Agreement of two curators: Cohen's kappa and its interval against hand-computed values,
and the report built from the audit log."""

from __future__ import annotations

import json

import pytest

from poster_tool.cli import main
from poster_tool.core.agreement import AgreementError, agreement, cohen_kappa, store_agreement
from poster_tool.core.records import TitleIn
from tests.core.test_store import add


def test_kappa_and_interval_match_the_hand_computation() -> None:
    # 50 posters: both 20, only A 5, only B 10, neither 15.  p_o = 35/50 = 0.7;
    # p_e = 0.5·0.6 + 0.5·0.4 = 0.5; kappa = 0.2/0.5 = 0.4;
    # se = √(0.7·0.3 / (50·0.25)) = √0.0168 = 0.129615; ±1.96·se = ±0.254040.
    observed, kappa, low, high = cohen_kappa(20, 5, 10, 15)
    assert observed == pytest.approx(0.7)
    assert kappa == pytest.approx(0.4)
    assert low == pytest.approx(0.145960, abs=1e-5)
    assert high == pytest.approx(0.654040, abs=1e-5)


def test_perfect_agreement_and_certain_chance() -> None:
    assert cohen_kappa(3, 0, 0, 7)[1:] == (1.0, 1.0, 1.0)
    assert cohen_kappa(4, 0, 0, 0)[1:] == (None, None, None)  # both said yes to everything
    # Worse than chance: they never agree (p_o 0, p_e 0.5) -> -1, interval clipped at -1.
    assert cohen_kappa(0, 2, 2, 0)[1] == pytest.approx(-1.0)
    assert cohen_kappa(0, 2, 2, 0)[2] == -1.0


def test_report_per_genre_with_the_posters_they_disagree_on() -> None:
    labellings = {
        "ana": {1: ["Horror"], 2: ["Horror", "Drama"], 3: ["Drama"], 4: [], 9: ["Comedy"]},
        "ben": {1: ["Horror"], 2: ["Drama"], 3: ["Drama"], 4: ["Horror"]},
        "cho": {9: ["Comedy"]},
    }
    report = agreement(labellings)
    assert (report.curator_a, report.curator_b, report.posters) == ("ana", "ben", 4)
    horror = {g.genre: g for g in report.genres}["Horror"]
    # Horror: both 1, only ana 1, only ben 1, neither 1 -> p_o 0.5 = p_e -> kappa 0.
    assert (horror.both, horror.only_a, horror.only_b, horror.neither) == (1, 1, 1, 1)
    assert horror.kappa == pytest.approx(0.0)
    drama = {g.genre: g for g in report.genres}["Drama"]
    assert drama.kappa == pytest.approx(1.0)
    assert "Comedy" not in {g.genre for g in report.genres}  # neither used it on the shared four
    assert [(d.poster_id, d.a, d.b) for d in report.disagreements] == [
        (2, ["Horror", "Drama"], ["Drama"]),
        (4, [], ["Horror"]),
    ]
    with pytest.raises(AgreementError, match="no poster in common"):
        agreement(labellings, "ben", "cho")
    with pytest.raises(AgreementError, match="labelled no poster"):
        agreement(labellings, "ana", "dan")


def test_the_report_reads_each_curators_last_labels_from_the_audit_log(fresh_store) -> None:
    title, _ = fresh_store.upsert_title(TitleIn("imdb:tt1", "Alien", 1979, genres=("Sci-Fi",)))
    ids = [add(fresh_store, title, n) for n in range(1, 4)]
    fresh_store.set_genres({ids[0]: ["Horror"], ids[1]: ["Horror"]}, "ana")
    fresh_store.set_genres({ids[0]: ["Horror"], ids[1]: ["Sci-Fi"]}, "ben")
    fresh_store.set_genres({ids[1]: ["Sci-Fi"]}, "ana")  # ana changes her mind
    fresh_store.set_genres({ids[2]: ["Horror"]}, "ben")
    fresh_store.set_genres({ids[2]: None}, "ben")  # withdrawn: not a labelling
    report = store_agreement(fresh_store)
    assert report.posters == 2
    assert report.disagreements == []


def test_agreement_from_the_cli(tmp_path, capsys) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]
    assert main([*ws, "demo"]) == 0
    for who, ids, genres in (
        ("ana", "1,2", "Horror"),
        ("ben", "1", "Horror"),
        ("ben", "2", "Drama"),
    ):
        assert main([*ws, "--curator", who, "posters", "set-genres", ids, "--genres", genres]) == 0
    capsys.readouterr()
    assert main([*ws, "agreement", "--curators", "ana", "ben", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["posters"] == 2
    assert [d["poster_id"] for d in report["disagreements"]] == [2]
    assert main([*ws, "agreement", "--curators", "ana", "zed"]) == 1
    assert "'zed' labelled no poster" in capsys.readouterr().err
