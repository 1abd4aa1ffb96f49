"""Model → Model Errors: a version's worst test posters as a queue the grid follows."""

from __future__ import annotations

from PySide6.QtCore import Qt

from poster_tool.core.ml.registry import TEST_SCORES, Registry
from tests.gui import retrain_workspace as rw
from tests.gui.retrain_workspace import trained_fixture, ws_fixture  # noqa: F401

RUN_MS = 90_000  # a child that scores the test split loads torch first


def open_queue(qtbot, win):
    qtbot.keyClick(
        win.grid,
        Qt.Key.Key_E,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dock = win._mistakes_dock
    assert dock is not None and dock.isVisible()
    qtbot.waitUntil(
        lambda: dock.show_button.isEnabled() and dock.table.rowCount() > 0, timeout=RUN_MS
    )
    return dock


def test_the_queue_lists_the_test_posters_worst_first_and_the_grid_follows(
    qtbot, ws, settings
) -> None:
    workspace, version = ws
    win = rw.open_window(qtbot, workspace, settings)
    win.grid.setFocus()
    dock = open_queue(qtbot, win)
    with workspace.store() as store:
        tested = Registry(workspace, store).get(version).test_scores()["poster_ids"]
    ids = [m.poster_id for m in dock.mistakes]
    assert set(ids) <= set(tested) and len(ids) == len(tested)
    assert [m.loss for m in dock.mistakes] == sorted((m.loss for m in dock.mistakes), reverse=True)
    assert dock.versions.currentData() == version and "(active)" in dock.versions.currentText()
    first = dock.mistakes[0]
    assert dock.table.item(0, 1).text() == f"{first.kind}: {first.genre}"
    # The grid shows the queue in its order, under a banner naming it.
    assert [win.model.poster_id(r) for r in range(win.model.rowCount())] == ids
    assert f"model {version} got most wrong" in win.filter_bar.banner_text.text()
    dock.table.setCurrentCell(2, 0)
    assert win.grid.selected_ids() == [ids[2]]


def test_a_version_without_saved_scores_is_scored_in_a_child_and_keeps_them(
    qtbot, ws, settings
) -> None:
    workspace, version = ws
    with workspace.store() as store:
        folder = Registry(workspace, store).get(version).path
    (folder / TEST_SCORES).unlink()
    win = rw.open_window(qtbot, workspace, settings)
    win.grid.setFocus()
    dock = open_queue(qtbot, win)
    assert (folder / TEST_SCORES).exists()
    assert dock.mistakes and "got most wrong" in dock.note.text()
