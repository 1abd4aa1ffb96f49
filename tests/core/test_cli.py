"""The CLI as a script author uses it: JSON shapes, audited edits, one-line errors."""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path

import pytest

from poster_tool.cli import main
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.demo import build_demo
from poster_tool.core.workspace import Workspace
from tests.synthetic import jpeg_bytes


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ws(tmp_path: Path) -> str:
    lines = ["id,title,year,genres,path"]
    for i, (title, genres) in enumerate([("Parasite", "Drama|Thriller"), ("기생충 2", "코미디")]):
        (tmp_path / f"{i}.jpg").write_bytes(jpeg_bytes(pattern=i))
        lines.append(f"tt000000{i},{title},2019,{genres},{i}.jpg")
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    root = str(tmp_path / "ws")
    assert main(["--workspace", root, "import-csv", str(tmp_path / "m.csv"), "--json"]) == 0
    return root


def test_stats_json_has_the_documented_shape(ws: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code, out, _ = run(capsys, "--workspace", ws, "stats", "--json")
    stats = json.loads(out)
    assert code == 0
    assert stats["titles"] == 2
    assert stats["posters"] == {"total": 2, "pending": 2, "approved": 0, "rejected": 0}
    assert stats["labels"] == {"source": 3, "model": 0, "curator": 0}
    assert stats["genres"] == {"Drama": 1, "Comedy": 1, "Thriller": 1}


def test_edits_from_the_cli_are_audited_with_the_curator(
    ws: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    base = ["--workspace", ws, "--curator", "mina"]
    assert run(capsys, *base, "posters", "set-status", "1", "2", "approved")[0] == 0
    assert run(capsys, *base, "posters", "set-genres", "1", "--genres", "가족,drama")[0] == 0
    assert run(capsys, *base, "posters", "set-default", "2")[0] == 0
    assert run(capsys, *base, "posters", "set-sensitive", "1", "--reason", "religious")[0] == 0
    code, _, err = run(capsys, *base, "posters", "set-sensitive", "2", "--reason", "gore")
    assert code == 0 and "default poster is now sensitive" in err and "기생충 2" in err
    assert run(capsys, *base, "posters", "set-sensitive", "2", "--clear")[0] == 0
    posters = {p["id"]: p for p in json.loads(run(capsys, *base, "posters", "list", "--json")[1])}
    assert posters[1]["genres"] == ["Drama", "Family"]
    assert posters[1]["sensitive"] and posters[2]["is_default"]
    assert {
        "id",
        "title_id",
        "title",
        "sha256",
        "status",
        "is_default",
        "sensitive",
        "genres",
    } <= set(posters[1])
    assert posters[2]["title"] == "기생충 2"
    history = json.loads(run(capsys, *base, "posters", "history", "--json")[1])
    assert {h["curator"] for h in history} == {"mina"}
    assert {h["action"] for h in history} == {"status", "genres", "default", "sensitive"}


def test_user_errors_exit_1_with_one_line_and_no_traceback(
    ws: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    capsys.readouterr()
    for argv, words in [
        (["posters", "set-status", "99", "approved"], "no poster with id 99"),
        (["posters", "set-genres", "1", "--genres", "Noir"], "unknown genre 'Noir'"),
        (["import-csv", str(tmp_path / "none.csv")], "cannot read"),
        (["posters", "set-status", "x1", "approved"], "not a poster id"),
    ]:
        code, _, err = run(capsys, "--workspace", ws, *argv)
        assert code == 1
        assert err.count("\n") == 1 and words in err and "Traceback" not in err


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        sqlite3.OperationalError("database or disk is full"),
    ],
    ids=["ENOSPC", "sqlite-full"],
)
def test_a_full_disk_is_one_line_and_status_1(
    ws: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(PosterStore, "set_status", full)
    capsys.readouterr()
    code, _, err = run(capsys, "--workspace", ws, "posters", "set-status", "1", "approved")
    assert code == 1
    assert err == (
        "poster-tool: error: the disk is full; free some space and run the command again "
        "(work committed so far is kept)\n"
    )


def test_workspace_comes_from_the_environment_when_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTER_TOOL_WORKSPACE", str(tmp_path / "env_ws"))
    assert run(capsys, "init")[0] == 0
    assert Workspace.open(create=False).root == (tmp_path / "env_ws").resolve()
    assert (tmp_path / "env_ws" / "catalog.db").exists()


def test_demo_builds_a_synthetic_catalog_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(tmp_path / "demo")
    assert run(capsys, "--workspace", root, "demo")[0] == 0
    stats = json.loads(run(capsys, "--workspace", root, "stats", "--json")[1])
    assert stats["titles"] == 40 and 80 <= stats["posters"]["total"] <= 160
    assert stats["posters"]["approved"] and stats["labels"]["curator"] and stats["sensitive"]
    # The demo's progress counts the posters it then reports (not 97 steps, then 96).
    other = Workspace.open(tmp_path / "other")
    with other.store() as store:
        reports = list(build_demo(other, store))
    assert reports[-1].total == reports[-1].done == stats["posters"]["total"]
    assert run(capsys, "--workspace", root, "demo")[0] == 0  # idempotent
    assert json.loads(run(capsys, "--workspace", root, "stats", "--json")[1]) == stats


def test_posters_list_filters_on_disagreement_and_lists_everything_with_limit_0(
    ws: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Workspace.open(ws).store()
    # Parasite is labelled Drama + Thriller: the model is sure Thriller is wrong.
    store.write_model_scores("m1", {1: {"Drama": 0.7, "Thriller": 0.02}, 2: {"Comedy": 0.6}}, {})
    store.close()
    capsys.readouterr()
    code, out, _ = run(capsys, "--workspace", ws, "posters", "list", "--json")
    flags = {p["id"]: p["disagrees"] for p in json.loads(out)}
    assert code == 0 and flags == {1: True, 2: False}
    code, out, _ = run(capsys, "--workspace", ws, "posters", "list", "--disagrees", "--json")
    assert [p["id"] for p in json.loads(out)] == [1]
    code, out, err = run(capsys, "--workspace", ws, "posters", "list", "--limit", "1")
    assert len(out.strip().splitlines()) == 1 and "listed 1 of 2 posters (--limit 0" in err
    code, out, err = run(capsys, "--workspace", ws, "posters", "list", "--limit", "0")
    assert len(out.strip().splitlines()) == 2 and not err


def test_a_mistyped_choice_is_one_line_and_status_1(ws: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--workspace", ws, "posters", "set-status", "1", "aproved"])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 1 and len(err.splitlines()) == 1
    assert "invalid choice: 'aproved'" in err and "poster-tool posters set-status --help" in err
