"""Starting the window: screenshot mode, first-run guide, imports with progress, settings."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from poster_tool.gui import main_window
from poster_tool.gui.about_dialog import model_card
from poster_tool.gui.common.dialogs import JobDialog
from poster_tool.gui.files import flows
from poster_tool.gui.main_window import MainWindow
from poster_tool.gui.settings import Settings
from tests.gui.conftest import landed
from tests.synthetic import jpeg_bytes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def finish_jobs(qtbot, monkeypatch):
    """Job dialogs return once their job is done instead of waiting for the user."""

    def run(self: JobDialog):
        qtbot.waitUntil(lambda: self._done, timeout=20_000)
        self.close()
        return self.result_value

    monkeypatch.setattr(JobDialog, "run", run)


def open_window(qtbot, workspace, settings) -> MainWindow:
    win = MainWindow(workspace, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_screenshot_mode_saves_the_loaded_window_and_exits_0(catalog, tmp_path) -> None:
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--workspace",
            str(catalog.workspace.root),
            "--screenshot",
            str(shot),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1500, 940)
    # Loaded thumbnails are in the picture: the synthetic posters' saturated colours show.
    colours = {image.pixelColor(x, y).name() for x in range(0, 900, 7) for y in range(90, 400, 7)}
    assert len(colours) > 30


def test_an_empty_workspace_opens_the_first_run_guide(qtbot, tmp_path, settings) -> None:
    from poster_tool.core.workspace import Workspace

    win = open_window(qtbot, Workspace.open(tmp_path / "empty"), settings)
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.first_run)
    names = [b.objectName() for b in win.first_run.buttons]
    assert names == [
        "first_run_import_folder",
        "first_run_import_csv",
        "first_run_crawl",
        "first_run_open_demo",
    ]
    assert "holds no posters" in win.first_run.where.text()


def test_import_csv_from_the_menu_runs_with_progress_and_fills_the_grid(
    qtbot, tmp_path, settings, finish_jobs, monkeypatch
) -> None:
    from poster_tool.core.workspace import Workspace

    for n in range(3):
        (tmp_path / f"p{n}.jpg").write_bytes(jpeg_bytes((40 * n, 90, 200), pattern=n))
    manifest = tmp_path / "posters.csv"
    with manifest.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "year", "genres", "path"])
        writer.writerows(
            [[f"x{n}", f"영화 {n}", 2000 + n, "드라마|Comedy", f"p{n}.jpg"] for n in range(3)]
        )
    win = open_window(qtbot, Workspace.open(tmp_path / "ws"), settings)
    monkeypatch.setattr(flows.QFileDialog, "getOpenFileName", lambda *a, **k: (str(manifest), ""))
    win.act.import_csv.trigger()
    assert win.model.total == 3
    qtbot.waitUntil(lambda: win.pages.currentIndex() == 1)
    assert win.model.poster_at(0).genres == ("Drama", "Comedy")


def test_demo_menu_builds_the_demo_workspace_once(
    qtbot, tmp_path, settings, finish_jobs, monkeypatch
) -> None:
    from poster_tool.core import demo

    monkeypatch.setattr(demo, "demo_root", lambda: tmp_path / "demo")
    win = open_window(qtbot, None, settings)
    win.act.open_demo.trigger()
    assert win.workspace.root == tmp_path / "demo"
    qtbot.waitUntil(lambda: not win.model.counting)  # the grid reads a screenful first
    assert win.model.total > 60
    assert win.settings.workspace == str(tmp_path / "demo")


def test_geometry_zoom_and_sort_persist_between_sessions(qtbot, catalog, tmp_path) -> None:
    ini = str(tmp_path / "persist.ini")
    first = Settings(QSettings(ini, QSettings.Format.IniFormat))
    first.curator = "ann"
    win = open_window(qtbot, catalog.workspace, first)
    win.pool_dock.hide()
    win.zoom.setValue(200)
    win.filter_bar.sort.setCurrentIndex(win.filter_bar.sort.findData("newest"))
    win.close()
    again = Settings(QSettings(ini, QSettings.Format.IniFormat))
    assert (again.zoom, again.sort, again.curator) == (200, "newest", "ann")
    assert again.recent_workspaces == [str(catalog.workspace.root)]
    assert again.geometry is not None  # (offscreen screens are too small to check the size)
    win2 = open_window(qtbot, catalog.workspace, again)
    assert not win2.pool_dock.isVisible() and win2.detail_dock.isVisible()
    assert win2.zoom.value() == 200 and win2.filter_bar.query().sort == "newest"
    assert win2.status.curator.text() == "Curator: ann"


def test_the_curator_is_asked_on_first_start_and_kept(
    qtbot, catalog, tmp_path, monkeypatch
) -> None:
    settings = Settings(QSettings(str(tmp_path / "new.ini"), QSettings.Format.IniFormat))
    monkeypatch.setattr(main_window, "ask_curator", lambda parent, current="": "Min-ji")
    win = open_window(qtbot, catalog.workspace, settings)
    win.ask_curator_first_time()
    assert settings.curator == "Min-ji" and win.editor.curator == "Min-ji"


def test_about_shows_the_active_models_card_or_says_there_is_none(catalog) -> None:
    card = model_card(catalog.workspace, catalog.store)
    assert card.strip()  # the bundled model's card, or a sentence saying there is no model
    version = catalog.workspace.models_dir / "v-test"
    version.mkdir()
    (version / "model.json").write_text(
        '{"version": "v-test", "backbone": "tiny", '
        '"genres": ["Drama"], "thresholds": {"Drama": 0.5}}'
    )
    (version / "weights.pt").write_bytes(b"")
    (version / "MODEL_CARD.md").write_text("# Model v-test\nmacro-F1 0.31", encoding="utf-8")
    catalog.store.set_meta("active_model", "v-test")
    assert "macro-F1 0.31" in model_card(catalog.workspace, catalog.store)


def test_the_guide_hides_the_panels_and_the_first_import_brings_them_back(
    qtbot, tmp_path, settings, finish_jobs, monkeypatch
) -> None:
    from poster_tool.core.workspace import Workspace

    win = open_window(qtbot, Workspace.open(tmp_path / "ws"), settings)
    assert not win.detail_dock.isVisible() and not win.pool_dock.isVisible()
    folder = tmp_path / "posters" / "Okja (2017)"
    folder.mkdir(parents=True)
    (folder / "a.jpg").write_bytes(jpeg_bytes((10, 200, 120)))
    monkeypatch.setattr(
        flows.QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "posters")
    )
    win.act.import_folder.trigger()
    qtbot.waitUntil(lambda: win.pages.currentWidget() is not win.first_run)
    assert win.detail_dock.isVisible() and win.pool_dock.isVisible()
    assert win.model.poster_at(0).title_name == "Okja"


def test_a_window_on_a_full_workspace_shows_grid_and_panels(qtbot, catalog, settings) -> None:
    win = open_window(qtbot, catalog.workspace, settings)
    assert win.pages.currentWidget() is not win.first_run
    assert win.detail_dock.isVisible() and win.pool_dock.isVisible()
    assert win.act.retrain.isEnabled() and win.act.export.isEnabled()


def test_new_posters_get_the_default_models_suggestions_in_the_background(
    qtbot, catalog, settings
) -> None:
    # A fresh workspace has no model of its own: the one shipped in models/ scores it.
    settings.auto_score = True
    win = MainWindow(catalog.workspace, settings)
    qtbot.addWidget(win)
    scoring = win.context.rescorer
    with qtbot.waitSignal(scoring.finished, timeout=60_000) as done:
        pass
    ok, line = done.args
    assert ok and line.startswith("Scored new posters")
    scored = catalog.store._run(
        "SELECT count(*) FROM posters WHERE model_version IS NOT NULL"
    ).fetchone()[0]
    assert scored == catalog.store.stats()["posters"]["total"]
    assert catalog.store.stats()["labels"]["model"] > 0


def test_a_workspace_whose_catalog_cannot_be_opened_leaves_the_open_one_working(
    qtbot, catalog, settings, tmp_path, monkeypatch
) -> None:
    from poster_tool.core.workspace import Workspace

    win = open_window(qtbot, catalog.workspace, settings)
    rows = win.model.rowCount()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "catalog.db").write_bytes(b"not a database" * 100)
    said: list[str] = []
    monkeypatch.setattr(main_window, "show_error", lambda _parent, message: said.append(message))
    assert not win.open_workspace(Workspace(broken))
    assert len(said) == 1 and str(broken) in said[0] and "not a database" in said[0]
    assert win.workspace.root == catalog.workspace.root and win.model.rowCount() == rows
    poster_id = win.model.poster_id(0)
    win.editor.set_status([poster_id], "rejected")  # the open catalog still takes edits
    landed(qtbot, win)
    assert catalog.store.get_poster(poster_id).status == "rejected"
