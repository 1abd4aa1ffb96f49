"""Two curators on one catalog: the window shows the other's edits within a second, in
place, and refuses an edit or undo that would overwrite one of them."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt

from poster_tool.core.errors import StoreError
from tests.gui.test_curation import UNDO, key, selected


def test_another_curators_edit_shows_within_a_second_and_keeps_the_selection(
    qtbot, window, catalog
) -> None:
    model, grid = window.model, window.grid
    rows = [1, 2]
    for row in rows:
        grid.selectionModel().select(model.index(row), QItemSelectionModel.SelectionFlag.Select)
    grid.selectionModel().setCurrentIndex(
        model.index(2), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    chosen = grid.selected_ids()
    assert len(chosen) == 3 and model.poster_at(2).status == "pending"
    changed = [model.poster_id(r) for r in (0, 2)]
    # Mina, at another desk, rejects one poster and labels another.
    catalog.store.set_status({changed[1]: "rejected"}, "Mina")
    catalog.store.toggle_genre([changed[0]], "War", "Mina")
    qtbot.waitUntil(lambda: model.poster_at(2).status == "rejected", timeout=1000)
    assert "War" in model.poster_at(0).genres
    assert grid.selected_ids() == chosen and grid.current_id() == changed[1]
    assert window.status.news.text() == "Mina changed 2 posters"
    # What the window now shows is what the next edit is based on: it lands.
    key(qtbot, window, Qt.Key.Key_A)
    assert {p.status for p in catalog.store.posters(chosen)} == {"approved"}
    assert window.editor.stack.count() == 1


def test_an_edit_of_a_poster_changed_since_the_window_showed_it_is_refused(
    qtbot, window, catalog
) -> None:
    poster_id = selected(window)
    catalog.store.set_status({poster_id: "rejected"}, "Mina")
    key(qtbot, window, Qt.Key.Key_A)  # before the window has shown Mina's edit
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Not done: Poster {poster_id} was changed by Mina at ")
    assert message.endswith(" since you looked: look again.")
    assert window.editor.stack.count() == 0
    assert catalog.store.get_poster(poster_id).status == "rejected"
    # The window catches up at once, and the curator, having looked again, can decide.
    assert window.model.poster_at(0).status == "rejected"
    qtbot.waitUntil(lambda: window.status.news.text() == "Mina changed 1 poster", timeout=1000)
    assert window.statusBar().currentMessage() == message  # the refusal stays readable
    key(qtbot, window, Qt.Key.Key_A)
    assert catalog.store.get_poster(poster_id).status == "approved"
    history = catalog.store.audit_log(poster_id)
    assert [(e.curator, e.after) for e in history] == [("tester", "approved"), ("Mina", "rejected")]


def test_undo_never_takes_back_another_curators_newer_edit(qtbot, window, catalog) -> None:
    poster_id = selected(window)
    key(qtbot, window, Qt.Key.Key_A)
    catalog.store.set_genres({poster_id: ["Comedy"]}, "Mina")
    qtbot.waitUntil(lambda: window.model.poster_at(0).genres == ("Comedy",), timeout=1000)
    key(qtbot, window, Qt.Key.Key_Z, UNDO)
    message = window.statusBar().currentMessage()
    assert "Undo of “Approve 1 poster” failed" in message
    assert f"Poster {poster_id} was changed by Mina at " in message
    assert message.endswith("after your edit, which would overwrite it.")
    poster = catalog.store.get_poster(poster_id)
    assert (poster.status, poster.genres) == ("approved", ("Comedy",))
    assert window.editor.stack.count() == 0


def test_a_catalog_that_cannot_be_polled_is_said_once_and_polled_again(
    qtbot, window, monkeypatch
) -> None:
    live = window.context.live
    said: list[str] = []
    live.announced.connect(said.append)

    def lost() -> int:
        raise StoreError("the catalog server failed: connection lost")

    store = window.context.editor.store
    monkeypatch.setattr(store, "data_version", lost)
    for _ in range(3):
        live.poll()
    assert said == [
        "Cannot follow other curators' edits: the catalog server failed: connection lost"
    ]
    monkeypatch.undo()  # the server is back: polling goes on, silently
    live.poll()
    assert len(said) == 1
