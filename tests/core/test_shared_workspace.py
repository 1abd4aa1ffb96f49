"""One default workspace for the window and the CLI; an empty one is named, not mistaken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from poster_tool.cli import main
from poster_tool.core import demo, workspace
from poster_tool.core.workspace import Workspace


@pytest.fixture(autouse=True)
def app_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("POSTER_TOOL_WORKSPACE", raising=False)
    monkeypatch.setattr(demo, "demo_root", lambda: tmp_path / "demo")
    return tmp_path


def test_the_cli_opens_the_workspace_the_window_opened_last(app_data: Path, capsys) -> None:
    assert main(["--workspace", str(app_data / "mine"), "demo"]) == 0
    workspace.remember(app_data / "mine")  # what the window does when it opens a workspace
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["titles"] == 40
    # A remembered folder whose catalog is gone is not used: the default is.
    assert workspace.resolve_root() == app_data / "mine"
    (app_data / "mine" / "catalog.db").unlink()
    assert workspace.resolve_root() == workspace.default_root()


def test_an_empty_workspace_says_which_folder_it_is_and_why(app_data: Path, capsys) -> None:
    assert main(["stats"]) == 0
    err = capsys.readouterr().err
    assert str(workspace.default_root()) in err
    assert "the default workspace" in err and "holds no titles yet" in err and "--demo" in err
    assert main(["--workspace", str(app_data / "empty"), "posters", "list"]) == 0
    assert "(from --workspace) holds no titles yet" in capsys.readouterr().err
    # Commands that fill a workspace do not warn that it is empty.
    assert main(["--workspace", str(app_data / "empty"), "init"]) == 0
    assert "no titles" not in capsys.readouterr().err


def test_poster_tool_demo_builds_the_windows_demo_and_both_then_open_it(
    app_data: Path, capsys
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert str(app_data / "demo") in out and "open it by default" in out
    assert workspace.remembered() == app_data / "demo"
    assert main(["recommend", "--profile", "horror-fan", "--json"]) == 0
    picks = json.loads(capsys.readouterr().out)
    assert picks  # the demo's titles, one pick each
    # --demo reaches it from anywhere, whatever was opened last.
    workspace.remember(app_data / "elsewhere")
    assert main(["--demo", "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["titles"] == 40


def test_the_windows_own_settings_share_the_workspace_but_injected_ones_do_not(
    app_data: Path, tmp_path: Path
) -> None:
    pytest.importorskip("PySide6")
    from PySide6.QtCore import QSettings

    from poster_tool.gui.settings import Settings

    ws = Workspace.open(app_data / "shared")
    ws.store().close()
    injected = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    injected.workspace = str(ws.root)
    assert workspace.remembered() is None
    users = Settings(QSettings(str(tmp_path / "u.ini"), QSettings.Format.IniFormat))
    users.shares_workspace = True  # what Settings() (the user's QSettings) sets
    users.workspace = str(ws.root)
    assert workspace.remembered() == ws.root and users.workspace == str(ws.root)
