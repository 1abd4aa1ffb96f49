"""The window shows what a poster exports as: the details line, the chips, the approval
message, and one key that accepts the model's genres (undoable, audited)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from poster_tool.core.exchange.export import export
from poster_tool.core.progress import run_job
from poster_tool.gui.grid.poster_model import VerdictRole
from poster_tool.gui.main_window import MainWindow
from tests.gui.conftest import landed

UNDO = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot, catalog, settings) -> MainWindow:
    # Parasite (official Thriller, Drama): the model is sure it is no Thriller and suggests
    # Comedy.  Alien (official Horror, Sci-Fi): the model agrees and adds nothing.
    parasite, alien = catalog.posters["Parasite"][0], catalog.posters["Alien"][0]
    catalog.store.write_model_scores(
        "m1",
        {
            parasite: {"Thriller": 0.01, "Drama": 0.6, "Comedy": 0.9},
            alien: {"Horror": 0.9, "Sci-Fi": 0.7, "Comedy": 0.1},
        },
        {"Comedy": 0.5, "Drama": 0.7, "Horror": 0.5, "Sci-Fi": 0.5},
    )
    win = MainWindow(catalog.workspace, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.grid.selected_ids() != [])
    win.grid.setFocus()
    return win


def select(qtbot, win: MainWindow, poster_id: int) -> None:
    win.model.fetch_all()
    win.grid.select_row(win.model.row_of(poster_id))
    qtbot.waitUntil(lambda: win.detail.ids == [poster_id])  # the panels follow soon after


def fact(win: MainWindow, name: str) -> str:
    facts = win.detail.facts
    for row in range(facts.rowCount()):
        key = facts.itemAt(row, facts.ItemRole.LabelRole).widget()
        if key.text() == name:
            return facts.itemAt(row, facts.ItemRole.FieldRole).widget().text()
    raise AssertionError(f"no {name!r} line in the details")


def exported_genres(catalog, tmp_path, poster_id: int) -> list[tuple[str, str]] | None:
    out = tmp_path / "out.json"
    run_job(export(catalog.workspace, catalog.store, "json", out))
    for title in json.loads(out.read_text("utf-8"))["titles"]:
        for poster in title["posters"]:
            if poster["id"] == poster_id:
                return [(g["genre"], g["provenance"]) for g in poster["genres"]]
    return None


def test_the_details_line_is_what_the_export_writes(qtbot, window, catalog, tmp_path) -> None:
    alien = catalog.posters["Alien"][0]
    catalog.store.set_status({alien: "approved"}, "tester")
    select(qtbot, window, alien)
    line = fact(window, "Exports as")
    assert line == "Horror (official), Sci-Fi (official)"
    assert exported_genres(catalog, tmp_path, alien) == [("Horror", "source"), ("Sci-Fi", "source")]


def test_a_doubted_official_genre_holds_the_poster_and_the_window_says_so(
    qtbot, window, catalog, tmp_path
) -> None:
    parasite = catalog.posters["Parasite"][0]
    select(qtbot, window, parasite)
    assert "held for review" in fact(window, "Exports as")
    assert "Comedy (model 0.90)" in fact(window, "Exports as")
    verdict = window.model.index(window.model.row_of(parasite)).data(VerdictRole)
    assert verdict.doubted == ("Thriller",)  # the card draws that chip red
    qtbot.keyClick(window.grid, Qt.Key.Key_A)
    landed(qtbot, window)
    assert "held back from the export for review" in window.statusBar().currentMessage()
    assert exported_genres(catalog, tmp_path, parasite) is None  # approved, yet held


def test_m_accepts_the_models_genres_in_one_undoable_audited_step(
    qtbot, window, catalog, tmp_path
) -> None:
    parasite = catalog.posters["Parasite"][0]
    select(qtbot, window, parasite)
    qtbot.keyClick(window.grid, Qt.Key.Key_M)
    landed(qtbot, window)
    poster = catalog.store.get_poster(parasite)
    # The doubted Thriller goes, the suggested Comedy comes in, Drama stays.
    assert poster.curated and poster.genres == ("Drama", "Comedy")
    assert any(
        e.action == "genres" and e.curator == "tester" for e in catalog.store.audit_log(parasite)
    )
    assert fact(window, "Exports as") == "Drama (curator), Comedy (curator)"
    catalog.store.set_status({parasite: "approved"}, "tester")
    assert exported_genres(catalog, tmp_path, parasite) == [
        ("Drama", "curator"),
        ("Comedy", "curator"),
    ]
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, UNDO)
    landed(qtbot, window)
    assert not catalog.store.get_poster(parasite).curated


def test_a_large_selection_is_worked_out_off_the_gui_thread_with_the_same_outcome(
    qtbot, window, catalog, monkeypatch
) -> None:
    # Two posters stand in for thousands: above the limit the rule runs in a worker.
    from poster_tool.gui import main_window
    from poster_tool.gui.curation import detail_panel

    monkeypatch.setattr(main_window, "RULE_AT_ONCE", 1)
    monkeypatch.setattr(detail_panel, "RULE_AT_ONCE", 1)
    parasite, alien = catalog.posters["Parasite"][0], catalog.posters["Alien"][0]
    window.model.fetch_all()
    window.grid.clearSelection()
    for poster_id in (parasite, alien):
        window.grid.selectionModel().select(
            window.model.index(window.model.row_of(poster_id)),
            window.grid.selectionModel().SelectionFlag.Select,
        )
    qtbot.waitUntil(lambda: sorted(window.detail.ids) == sorted([parasite, alien]))
    qtbot.waitUntil(lambda: "held for review" in fact(window, "Exports as"))
    assert "Comedy 1/2" in fact(window, "Exports as")
    qtbot.keyClick(window.grid, Qt.Key.Key_A)
    landed(qtbot, window)
    qtbot.waitUntil(lambda: "1 held back" in window.statusBar().currentMessage())
    assert catalog.store.get_poster(alien).status == "approved"
    qtbot.keyClick(window.grid, Qt.Key.Key_M)
    landed(qtbot, window)
    qtbot.waitUntil(lambda: "curator's on 2 of 2" in window.statusBar().currentMessage())
    assert catalog.store.get_poster(parasite).genres == ("Drama", "Comedy")
    assert catalog.store.get_poster(alien).genres == ("Horror", "Sci-Fi")
    assert window.editor.stack.count() == 2  # each key one undo step
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, UNDO)
    landed(qtbot, window)
    assert not catalog.store.get_poster(parasite).curated
