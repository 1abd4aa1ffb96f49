"""Fixtures for the window: a small workspace of synthetic posters and isolated settings."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.imaging import check_bytes
from poster_tool.core.intake import Intake
from poster_tool.core.records import TitleIn
from poster_tool.core.workspace import Workspace
from poster_tool.gui.main_window import MainWindow
from poster_tool.gui.settings import Settings
from tests.synthetic import jpeg_bytes

# name, original name, year, official genres, poster colours
TITLES = (
    ("Parasite", "기생충", 2019, ("Thriller", "Drama"), [(200, 40, 40), (40, 40, 200)]),
    ("Alien", None, 1979, ("Horror", "Sci-Fi"), [(20, 20, 20), (90, 200, 90), (240, 200, 0)]),
    ("Paddington", None, 2014, ("Family", "Comedy"), [(250, 160, 60)]),
    ("The Host", "괴물", 2006, ("Horror", "Drama"), [(60, 120, 160), (160, 60, 120)]),
)


@dataclass
class Catalog:
    """A workspace with its store, and poster ids by title name."""

    workspace: Workspace
    store: PosterStore
    posters: dict[str, list[int]]

    @property
    def all_ids(self) -> list[int]:
        return [i for ids in self.posters.values() for i in ids]


def fill(workspace: Workspace, store: PosterStore, titles=TITLES, source: str = "test") -> dict:
    """Import synthetic posters through the real intake path."""
    intake = Intake(workspace, store)
    posters: dict[str, list[int]] = {}
    pattern = 0
    for n, (name, original, year, genres, colours) in enumerate(titles):
        title_id, _ = store.upsert_title(
            TitleIn(f"test:{n}", name, year, original_name=original, genres=genres, source=source)
        )
        for colour in colours:
            pattern += 1
            image = check_bytes(jpeg_bytes(colour, pattern=pattern), f"{name}-{pattern}.jpg")
            with store.transaction():
                outcome = intake.ingest(image, title_id=title_id, source=source)
            posters.setdefault(name, []).append(outcome.poster_id)
    return posters


@pytest.fixture
def catalog(tmp_path: Path, catalog_engine: str | None) -> Catalog:
    """Four titles, eight synthetic posters (two Korean original titles); on the test
    server for the [postgresql] runs."""
    workspace = Workspace.open(tmp_path / "ws")
    if catalog_engine:
        workspace.set_catalog(catalog_engine)
    store = workspace.store()
    posters = fill(workspace, store)
    yield Catalog(workspace, store, posters)
    store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings in an INI file of this test only, with a curator already named."""
    qsettings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    typed = Settings(qsettings)
    typed.curator = "tester"
    typed.auto_score = False  # tests that want background scoring turn it on
    return typed


@pytest.fixture
def window(qtbot, catalog, settings) -> MainWindow:
    """The main window on :func:`catalog`, shown and focused, its first poster selected."""
    win = MainWindow(catalog.workspace, settings)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.grid.selected_ids() != [])  # the first poster is selected
    win.grid.setFocus()
    return win


def landed(qtbot, win: MainWindow) -> None:
    """Wait until the window's poster edits (and their undo and redo), which run in the
    editor's worker, have landed and been shown."""
    qtbot.waitUntil(lambda: not win.editor.busy, timeout=10_000)


@pytest.fixture(autouse=True)
def no_unexpected_dialog(qapp):
    """A modal dialog that a test did not answer would wait for a click forever (a hung CI
    run): close it at once and fail the test with its text instead."""
    seen: list[str] = []

    def close_modal() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            text = getattr(dialog, "text", lambda: "")()
            seen.append(f"{dialog.windowTitle()!r}: {text}")
            dialog.reject()

    watchdog = QTimer()
    watchdog.timeout.connect(close_modal)
    watchdog.start(250)
    yield
    watchdog.stop()
    assert not seen, f"an unexpected modal dialog opened: {seen}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    """Destroy the test's windows in its own teardown. pytest-qt closes them with
    ``deleteLater()``, which ``processEvents()`` never runs: the next test's event loop would
    destroy them, and a garbage collection in the middle of that destruction crashes Python."""
    result = yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    return result
