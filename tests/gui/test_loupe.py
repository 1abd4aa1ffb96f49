"""The loupe and compare: full-resolution posters, zoom and pan by keys, one scale side by
side, and D making the default (undoable)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from poster_tool.gui.loupe.loupe_dialog import LoupeDialog
from poster_tool.gui.main_window import MainWindow
from tests.gui.conftest import landed


def open_loupe(qtbot, win: MainWindow, key: Qt.Key) -> LoupeDialog:
    qtbot.keyClick(win.grid, key)
    qtbot.waitUntil(lambda: bool(win.findChildren(LoupeDialog)))
    dialog = win.findChildren(LoupeDialog)[0]
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.loaded)
    return dialog


def select(win: MainWindow, ids: list[int]) -> None:
    selection = win.grid.selectionModel()
    selection.clear()
    for poster_id in ids:
        row = win.model.row_of(poster_id)
        selection.select(win.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    win.grid.setFocus()


def test_space_shows_the_selected_poster_at_full_resolution_zoomed_and_panned_by_keys(
    qtbot, window
) -> None:
    poster_id = window.grid.selected_ids()[0]
    dialog = open_loupe(qtbot, window, Qt.Key.Key_Space)
    view = dialog.views[0]
    assert dialog.poster_ids == [poster_id]
    assert view._pixmap is not None and view._pixmap.width() == 300  # the original, not a thumb
    assert "(fit)" in dialog.status.text()
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert dialog.scale() == pytest.approx(1.0) and "100 %" in dialog.status.text()
    for _ in range(4):
        qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert dialog.scale() == pytest.approx(1.25**4)
    before = view.picture_rect()
    assert before.height() > view.height()  # 1,099 px tall now: it pans
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.picture_rect().top() < before.top()
    qtbot.keyClick(view, Qt.Key.Key_Left)  # still narrower than the view: stays centred
    assert view.picture_rect().left() == before.left()
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert dialog.scale() == pytest.approx(view.fit_scale())
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_compare_shows_a_pool_at_one_scale_and_d_makes_the_current_one_default(
    qtbot, window, catalog
) -> None:
    alien = catalog.posters["Alien"]
    select(window, [alien[1]])
    dialog = open_loupe(qtbot, window, Qt.Key.Key_C)
    assert dialog.poster_ids == [alien[1], alien[0], alien[2]]  # the selected one first
    scales = {round(v.scale(), 6) for v in dialog.views}
    assert len(scales) == 1
    qtbot.keyClick(dialog.views[0], Qt.Key.Key_1)
    for _ in range(4):
        qtbot.keyClick(dialog.views[0], Qt.Key.Key_Plus)
    assert {round(v.scale(), 6) for v in dialog.views} == {round(1.25**4, 6)}
    tops = [v.picture_rect().top() for v in dialog.views]
    qtbot.keyClick(dialog.views[0], Qt.Key.Key_Down)  # every poster pans together
    assert all(v.picture_rect().top() < t for v, t in zip(dialog.views, tops, strict=True))
    assert "Horror" in dialog.captions[0].text() and "Alien" in dialog.captions[0].text()
    qtbot.mouseClick(dialog.views[2], Qt.MouseButton.LeftButton)
    assert dialog.current == 2
    qtbot.keyClick(dialog.views[2], Qt.Key.Key_D)
    landed(qtbot, window)
    assert catalog.store.get_title(catalog.store.get_poster(alien[2]).title_id).default_poster_id
    assert catalog.store.get_poster(alien[2]).is_default
    assert "★ default" in dialog.captions[2].text()
    window.editor.stack.undo()
    landed(qtbot, window)
    assert not catalog.store.get_poster(alien[2]).is_default
    assert "★ default" not in dialog.captions[2].text()


def test_compare_takes_the_grid_selection_and_says_when_there_is_nothing_to_compare(
    qtbot, window, catalog
) -> None:
    picked = [catalog.posters["Parasite"][0], catalog.posters["Paddington"][0]]
    select(window, picked)
    dialog = open_loupe(qtbot, window, Qt.Key.Key_C)
    assert sorted(dialog.poster_ids) == sorted(picked)
    dialog.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    select(window, [catalog.posters["Paddington"][0]])  # a title with one poster
    qtbot.keyClick(window.grid, Qt.Key.Key_C)
    assert "single poster" in window.status.currentMessage()


def test_space_in_the_title_pool_shows_the_pool_selection(qtbot, window, catalog) -> None:
    alien = catalog.posters["Alien"]
    select(window, [alien[0]])
    qtbot.keyClick(window.grid, Qt.Key.Key_T)  # focus the pool
    pool = window.pool
    qtbot.waitUntil(lambda: pool.model.rowCount() == 3)
    pool.view.setCurrentIndex(pool.model.index(pool.model.row_of(alien[2])))
    qtbot.keyClick(pool.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bool(window.findChildren(LoupeDialog)))
    assert window.findChildren(LoupeDialog)[0].poster_ids == [alien[2]]
