"""Curating in the window: keys and buttons edit the catalog, audited, undoable."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from poster_tool.core.catalog import engine_sqlite
from poster_tool.gui import main_window
from poster_tool.gui.grid import poster_model
from poster_tool.gui.main_window import MainWindow
from tests.gui.conftest import landed

UNDO, REDO = (
    Qt.KeyboardModifier.ControlModifier,
    (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
)


def key(qtbot, win: MainWindow, k: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(win.grid, k, modifier)
    landed(qtbot, win)


def selected(win: MainWindow) -> int:
    ids = win.grid.selected_ids()
    assert len(ids) == 1
    return ids[0]


def test_a_number_key_toggles_a_genre_and_writes_label_and_audit_row(
    qtbot, window, catalog
) -> None:
    poster_id = selected(window)
    before = catalog.store.get_poster(poster_id).genres
    assert "Action" not in before
    key(qtbot, window, Qt.Key.Key_3)  # 1 Drama, 2 Comedy, 3 Action
    poster = catalog.store.get_poster(poster_id)
    assert "Action" in poster.genres and poster.curated
    labels = {
        (lb.genre, lb.curator) for lb in catalog.store.labels(poster_id) if lb.source == "curator"
    }
    assert ("Action", "tester") in labels
    entry = catalog.store.audit_log(poster_id)[0]
    assert (entry.action, entry.curator, entry.before) == ("genres", "tester", None)
    assert "Action" in entry.after
    # The grid and the detail panel show it at once.
    assert "Action" in window.model.poster_at(0).genres
    assert window.detail.rows["Action"].check.checkState() == Qt.CheckState.Checked


def test_undo_and_redo_restore_and_reapply_the_edit(qtbot, window, catalog) -> None:
    poster_id = selected(window)
    key(qtbot, window, Qt.Key.Key_2)  # Comedy on
    assert "Comedy" in catalog.store.get_poster(poster_id).genres
    key(qtbot, window, Qt.Key.Key_Z, UNDO)
    poster = catalog.store.get_poster(poster_id)
    assert "Comedy" not in poster.genres and not poster.curated  # back to the source labels
    key(qtbot, window, Qt.Key.Key_Z, REDO)
    assert "Comedy" in catalog.store.get_poster(poster_id).genres
    assert [e.action for e in catalog.store.audit_log(poster_id)] == ["genres"] * 3


def test_approve_reject_and_pending_keys(qtbot, window, catalog) -> None:
    poster_id = selected(window)
    for k, status in (
        (Qt.Key.Key_A, "approved"),
        (Qt.Key.Key_R, "rejected"),
        (Qt.Key.Key_P, "pending"),
    ):
        key(qtbot, window, k)
        assert catalog.store.get_poster(poster_id).status == status
    assert window.model.poster_at(0).status == "pending"


def test_default_key_makes_the_default_approves_it_and_undoes_as_one_step(
    qtbot, window, catalog
) -> None:
    alien = catalog.posters["Alien"]
    catalog.store.set_default(alien[0], "someone")
    # The curator decides once the window shows it (else the edit is refused as stale).
    qtbot.waitUntil(lambda: window.status.news.text() == "someone changed 1 poster")
    window.model.set_ids(alien)
    window.grid.select_row(1)
    key(qtbot, window, Qt.Key.Key_D)
    title = catalog.store.get_title(catalog.store.get_poster(alien[1]).title_id)
    assert title.default_poster_id == alien[1]
    assert catalog.store.get_poster(alien[1]).status == "approved"
    assert window.editor.stack.count() == 1  # approve + default in one macro
    key(qtbot, window, Qt.Key.Key_Z, UNDO)
    assert catalog.store.get_title(title.id).default_poster_id == alien[0]
    assert catalog.store.get_poster(alien[1]).status == "pending"


def test_an_edit_on_a_multi_selection_applies_to_all_in_one_undo_step(
    qtbot, window, catalog
) -> None:
    window.model.set_ids(catalog.all_ids)
    window.grid.selectAll()
    assert len(window.grid.selected_ids()) == 8
    key(qtbot, window, Qt.Key.Key_A)
    assert {p.status for p in catalog.store.posters(catalog.all_ids)} == {"approved"}
    key(qtbot, window, Qt.Key.Key_9)  # 9 = Horror: on for all, since not all have it
    assert all("Horror" in p.genres for p in catalog.store.posters(catalog.all_ids))
    key(qtbot, window, Qt.Key.Key_9)  # now all have it: off for all
    assert not any("Horror" in p.genres for p in catalog.store.posters(catalog.all_ids))
    qtbot.waitUntil(lambda: window.detail.heading.text() == "8 posters selected")
    for _ in range(2):
        key(qtbot, window, Qt.Key.Key_Z, UNDO)
    key(qtbot, window, Qt.Key.Key_Z, UNDO)
    assert {p.status for p in catalog.store.posters(catalog.all_ids)} == {"pending"}
    assert sum(1 for e in catalog.store.audit_log(limit=1000) if e.action == "status") == 16


def test_sensitive_key_asks_a_reason_and_shift_s_clears(
    qtbot, window, catalog, monkeypatch
) -> None:
    monkeypatch.setattr(main_window, "ask_reason", lambda parent, n: "graphic violence")
    poster_id = selected(window)
    key(qtbot, window, Qt.Key.Key_S)
    poster = catalog.store.get_poster(poster_id)
    assert poster.sensitive and poster.sensitive_reason == "graphic violence"
    key(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
    assert not catalog.store.get_poster(poster_id).sensitive
    monkeypatch.setattr(main_window, "ask_reason", lambda parent, n: None)  # cancelled
    key(qtbot, window, Qt.Key.Key_S)
    assert not catalog.store.get_poster(poster_id).sensitive


def test_marking_a_default_poster_sensitive_warns_that_its_title_lost_its_default(
    qtbot, window, catalog, monkeypatch
) -> None:
    monkeypatch.setattr(main_window, "ask_reason", lambda parent, n: "religious imagery")
    poster_id = selected(window)
    key(qtbot, window, Qt.Key.Key_S)  # not the default: no warning
    assert "default" not in window.statusBar().currentMessage()
    key(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, window, Qt.Key.Key_D)
    key(qtbot, window, Qt.Key.Key_S)
    poster = catalog.store.get_poster(poster_id)
    assert poster.is_default and poster.sensitive
    message = window.statusBar().currentMessage()
    assert f"“{poster.title_name}”" in message and "default poster is now sensitive" in message


def test_enter_jumps_to_the_next_undecided_poster_and_arrows_move(qtbot, window, catalog) -> None:
    first = selected(window)
    second = window.model.poster_id(1)
    catalog.store.set_status({second: "approved"}, "tester")
    key(qtbot, window, Qt.Key.Key_Return)
    assert selected(window) == window.model.poster_id(2)
    key(qtbot, window, Qt.Key.Key_Left)
    key(qtbot, window, Qt.Key.Key_Left)
    assert window.grid.current_id() == first


def test_the_detail_panel_toggle_edits_the_selection(qtbot, window, catalog) -> None:
    poster_id = selected(window)
    row = window.detail.rows["Western"]  # no number key: only the panel toggles it
    row.check.click()  # (scrolled out of view in the small test window, so no mouseClick)
    landed(qtbot, window)
    assert "Western" in catalog.store.get_poster(poster_id).genres
    assert row.check.checkState() == Qt.CheckState.Checked


def test_the_pool_shows_the_title_and_its_buttons_act_on_its_selection(
    qtbot, window, catalog
) -> None:
    alien = catalog.posters["Alien"]
    window.model.set_ids(alien)
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.pool.model.rowCount() == 3)  # the panels follow soon after
    assert "Alien (1979)" in window.pool.heading.text()
    pool_sel = window.pool.view.selectionModel()
    pool_sel.select(window.pool.model.index(2), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.mouseClick(window.pool.reject, Qt.MouseButton.LeftButton)
    landed(qtbot, window)
    assert catalog.store.get_poster(window.pool.model.poster_id(2)).status == "rejected"
    pool_sel.select(window.pool.model.index(1), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.mouseClick(window.pool.make_default, Qt.MouseButton.LeftButton)
    landed(qtbot, window)
    title = catalog.store.get_title(catalog.store.get_poster(alien[0]).title_id)
    assert title.default_poster_id == window.pool.model.poster_id(0)  # default sorts first
    assert "default #" in window.pool.note.text()


def test_a_refused_edit_is_explained_and_leaves_no_undo_step(
    qtbot, window, catalog, monkeypatch
) -> None:
    messages: list[str] = []
    window.editor.failed.disconnect()
    window.editor.failed.connect(messages.append)
    poster_id = selected(window)
    with catalog.store.transaction():
        catalog.store._run("DELETE FROM posters WHERE id = ?", [poster_id])
    key(qtbot, window, Qt.Key.Key_A)
    assert messages and f"no poster with id {poster_id}" in messages[0]
    assert window.editor.stack.count() == 0


@pytest.fixture
def short_busy_wait(monkeypatch, catalog_engine) -> None:
    """Stores opened from here on wait 0.2 s (not 10 s) for another program's write."""
    if catalog_engine:
        monkeypatch.setattr("poster_tool.core.catalog.engine_postgres.LOCK_TIMEOUT_S", 0.2)
    else:
        monkeypatch.setattr(engine_sqlite, "BUSY_TIMEOUT_MS", 200)


def test_an_edit_refused_while_another_program_writes_is_said_and_leaves_no_undo_step(
    short_busy_wait, qtbot, window, catalog
) -> None:
    poster_id = selected(window)
    with catalog.store.transaction():  # another program holds the write lock throughout
        # (on SQLite any write does; on PostgreSQL a write of the same poster)
        catalog.store._run("UPDATE posters SET updated_at = updated_at WHERE id = ?", [poster_id])
        key(qtbot, window, Qt.Key.Key_A)
    assert window.editor.stack.count() == 0
    message = window.statusBar().currentMessage()
    assert message.startswith("Not done: the catalog is busy")
    assert "\n" not in message
    assert catalog.store.get_poster(poster_id).status == "pending"
    key(qtbot, window, Qt.Key.Key_A)  # once the other program is done, the edit lands
    assert catalog.store.get_poster(poster_id).status == "approved"
    assert window.editor.stack.count() == 1


def test_a_failed_undo_is_said_in_the_status_bar(qtbot, window, catalog) -> None:
    poster_id = selected(window)
    key(qtbot, window, Qt.Key.Key_A)
    assert catalog.store.get_poster(poster_id).status == "approved"
    with catalog.store.transaction():  # another program removes the poster meanwhile
        catalog.store._run("DELETE FROM posters WHERE id = ?", [poster_id])
    key(qtbot, window, Qt.Key.Key_Z, UNDO)
    message = window.statusBar().currentMessage()
    assert "Undo of “Approve 1 poster” failed" in message
    assert f"no poster with id {poster_id}" in message


def test_the_grid_gets_the_keys_back_when_a_dialog_closes(
    qtbot, window, catalog, monkeypatch
) -> None:
    from PySide6.QtWidgets import QApplication

    monkeypatch.setattr(main_window, "ask_reason", lambda parent, n: "graphic violence")
    poster_id = selected(window)
    key(qtbot, window, Qt.Key.Key_S)
    # What a closing dialog leaves behind without a window manager: no widget has focus.
    window.grid.clearFocus()
    QApplication.instance().focusWindowChanged.emit(None)
    qtbot.waitUntil(window.grid.hasFocus)
    key(qtbot, window, Qt.Key.Key_A)  # the next key goes to the grid again
    assert catalog.store.get_poster(poster_id).status == "approved"


def test_the_toolbar_says_undo_whatever_the_edit_and_the_tooltip_says_which(
    qtbot, window, monkeypatch
) -> None:
    monkeypatch.setattr(main_window, "ask_reason", lambda parent, n: "graphic violence")
    key(qtbot, window, Qt.Key.Key_S)
    bar = window.act.all["undo_bar"]
    assert bar.text() == "Undo" and bar.isEnabled()
    full = window.act.all["undo"].text().replace("&", "")
    assert "sensitive" in full.lower() and bar.toolTip() == full  # the menu keeps the detail
    bar.trigger()
    assert not window.act.all["undo_bar"].isEnabled()
    assert window.act.all["redo_bar"].text() == "Redo"


def test_end_reaches_the_last_poster_of_the_filter_not_the_last_row_loaded(
    qtbot, catalog, settings, monkeypatch
) -> None:
    monkeypatch.setattr(poster_model, "ID_PAGE", 3)  # eight posters arrive in pages of 3
    win = MainWindow(catalog.workspace, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.grid.selected_ids() != [])
    key(qtbot, win, Qt.Key.Key_End)
    last = catalog.store.query_ids(win.model.query, 0, 100)[-1]
    assert selected(win) == last and win.model.rowCount() == win.model.total == 8


def test_the_panels_follow_the_selection_once_it_rests_not_every_card_an_arrow_passes(
    qtbot, window, monkeypatch
) -> None:
    shown: list[list[int]] = []
    show_ids = window.detail.show_ids
    monkeypatch.setattr(window.detail, "show_ids", lambda ids: (shown.append(ids), show_ids(ids)))
    for _ in range(4):  # a held arrow key: faster than the panels' pause
        qtbot.keyClick(window.grid, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: shown != [])
    qtbot.wait(100)
    assert shown == [[selected(window)]]  # read once, for the card the curator stopped on
