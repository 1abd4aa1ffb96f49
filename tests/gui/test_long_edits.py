"""Long curator edits run in the editor's worker: the window goes on meanwhile, the edits
land in the order given, and closing waits for them (issue #17).

A store call made slow stands in for an edit of 20,000 posters."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt, QTimer

from poster_tool.core.catalog.store import PosterStore
from poster_tool.gui.main_window import MainWindow
from tests.gui.conftest import landed
from tests.gui.test_curation import REDO, UNDO

SLOW_S = 0.6  # how long each status write takes in these tests


@pytest.fixture
def slow_status(monkeypatch) -> list[str]:
    """Every ``set_status`` takes ``SLOW_S`` longer; the names of the threads it ran on."""
    threads: list[str] = []
    write = PosterStore.set_status

    def slow(store, changes, curator):
        threads.append(threading.current_thread().name)
        time.sleep(SLOW_S)
        write(store, changes, curator)

    monkeypatch.setattr(PosterStore, "set_status", slow)
    return threads


def select_all(window: MainWindow) -> list[int]:
    window.grid.selectAll()
    return window.grid.selected_ids()


def test_the_window_goes_on_while_a_long_approve_runs_then_shows_it(
    qtbot, window, catalog, slow_status
) -> None:
    ids = select_all(window)
    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    pressed = time.perf_counter()
    qtbot.keyClick(window.grid, Qt.Key.Key_A)
    assert time.perf_counter() - pressed < SLOW_S / 2  # the key press returns at once
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Approving"))
    # (then the outlook of what the export gets, read once the approval has landed)
    assert window.statusBar().currentMessage() == "Approving 8 posters… (then 1 more)"
    landed(qtbot, window)
    timer.stop()
    assert threading.main_thread().name not in slow_status  # written off the GUI thread
    # The event loop kept running: the timer fired all along, no gap near the write's length.
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) > 20 and max(gaps) < SLOW_S / 2
    assert {p.status for p in catalog.store.posters(ids)} == {"approved"}
    assert window.model.poster_at(0).status == "approved"  # the grid shows it
    assert not window.statusBar().currentMessage().startswith("Approving")  # said, then gone


def test_undo_and_redo_pressed_while_an_edit_runs_land_after_it_in_order(
    qtbot, window, catalog, slow_status
) -> None:
    ids = select_all(window)
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    for key, modifier in (
        (Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Z, UNDO),
        (Qt.Key.Key_Z, REDO),
        (Qt.Key.Key_Z, UNDO),
        (Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier),
    ):
        qtbot.keyClick(window.grid, key, modifier)
    assert window.editor.busy  # the others wait their turn behind the first
    landed(qtbot, window)
    # (the approval's export outlook is read in the queue too, once the approval has landed)
    assert "Approving 8 posters… (then 5 more)" in said
    assert {p.status for p in catalog.store.posters(ids)} == {"rejected"}
    stack = window.editor.stack
    assert (stack.count(), stack.index(), stack.undoText()) == (1, 1, "Reject 8 posters")
    first = ids[0]
    assert [e.after for e in reversed(catalog.store.audit_log(first))] == [
        "approved",
        "pending",
        "approved",
        "pending",
        "rejected",
    ]
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, UNDO)
    landed(qtbot, window)
    assert {p.status for p in catalog.store.posters(ids)} == {"pending"}


def test_a_refused_edit_in_the_queue_leaves_the_stack_and_the_others_land(
    qtbot, window, catalog, slow_status
) -> None:
    messages: list[str] = []
    window.editor.failed.connect(messages.append)
    other, refused = window.model.poster_id(1), window.model.poster_id(0)
    window.grid.select_row(1)
    qtbot.keyClick(window.grid, Qt.Key.Key_R)  # a long edit runs...
    catalog.store.set_genres({refused: ["Comedy"]}, "Mina")  # ...Mina edits meanwhile
    window.grid.select_row(0)
    qtbot.keyClick(window.grid, Qt.Key.Key_3)  # based on what the window shows: refused
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, UNDO)  # pressed before the refusal lands
    landed(qtbot, window)
    assert messages and f"Poster {refused} was changed by Mina" in messages[0]
    # The refusal stays readable in the status bar, whatever the queue did after it.
    assert window.statusBar().currentMessage() == f"Not done: {messages[0]}"
    assert catalog.store.get_poster(other).status == "rejected"
    assert catalog.store.get_poster(refused).genres == ("Comedy",)
    stack = window.editor.stack
    assert (stack.count(), stack.index(), stack.undoText()) == (1, 1, "Reject 1 poster")


def test_closing_mid_edit_waits_for_it_and_leaves_every_step_with_its_audit_rows(
    qtbot, window, catalog, slow_status
) -> None:
    ids = select_all(window)
    qtbot.keyClick(window.grid, Qt.Key.Key_A)
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, UNDO)
    qtbot.keyClick(window.grid, Qt.Key.Key_R)
    assert window.editor.busy and not slow_status[1:]  # the first step has just begun
    window.close()  # waits for the three steps, each one transaction
    assert len(slow_status) == 3
    assert {p.status for p in catalog.store.posters(ids)} == {"rejected"}
    for poster_id in ids:
        history = [e.after for e in catalog.store.audit_log(poster_id)]
        assert history == ["rejected", "pending", "approved"]


def test_the_export_opens_once_the_edit_under_way_has_landed(
    qtbot, window, catalog, slow_status, monkeypatch
) -> None:
    from poster_tool.gui.files import export_dialog

    opened: list[set[str]] = []

    def exec_(dialog) -> int:  # what the export would write: every edit shown as done
        opened.append({p.status for p in catalog.store.posters(catalog.all_ids)})
        return 0

    monkeypatch.setattr(export_dialog.ExportDialog, "exec", exec_)
    select_all(window)
    qtbot.keyClick(window.grid, Qt.Key.Key_A)
    window.act.export.trigger()
    assert not opened
    assert window.statusBar().currentMessage().startswith("The export opens once")
    landed(qtbot, window)
    qtbot.waitUntil(lambda: opened == [{"approved"}])


def test_a_long_edit_says_how_far_it_has_got(qtbot, window, catalog, monkeypatch) -> None:
    write = PosterStore.set_status

    def telling(store, changes, curator):
        store.on_progress(1, 4)  # a quarter written, then the rest takes a while
        time.sleep(SLOW_S)
        write(store, changes, curator)

    monkeypatch.setattr(PosterStore, "set_status", telling)
    select_all(window)
    qtbot.keyClick(window.grid, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: "Approving 8 posters… 25%" in window.statusBar().currentMessage())
    landed(qtbot, window)
    assert "%" not in window.statusBar().currentMessage()
