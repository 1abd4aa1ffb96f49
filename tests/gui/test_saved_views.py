"""Power filters in the window, saved views (undoable, audited, keyed), clear all filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QDate

from poster_tool.core.records import PosterQuery
from poster_tool.gui.common.dialogs import GUIDE
from poster_tool.gui.grid import saved_views
from poster_tool.gui.main_window import MainWindow
from tests.gui.conftest import landed
from tests.gui.test_filters import choose, shown, titles_shown
from tests.gui.test_filters import window as window  # noqa: PLC0414 - the fixture

GUI_DOC = Path(__file__).resolve().parents[2] / "docs" / "gui.md"


@pytest.fixture
def scored(window, catalog) -> MainWindow:
    """The model sees Horror in Parasite's first poster (labelled Thriller, Drama)."""
    parasite, alien = catalog.posters["Parasite"][0], catalog.posters["Alien"][0]
    catalog.store.write_model_scores(
        "m1",
        {parasite: {"Horror": 0.8, "Drama": 0.9}, alien: {"Horror": 0.9, "Drama": 0.1}},
        {"Horror": 0.6, "Drama": 0.5},
    )
    window.act.refresh.trigger()
    return window


def name_next_dialog(monkeypatch, name: str) -> None:
    monkeypatch.setattr(
        saved_views.QInputDialog, "getText", staticmethod(lambda *a, **k: (name, True))
    )


def test_score_range_and_not_labelled_compose_in_the_grid(scored, catalog) -> None:
    power = scored.filter_bar.power
    scored.act.more_filters.trigger()
    assert power.isVisible() and power.score_genre.hasFocus()
    choose(power.score_genre, "Horror")
    power.score_min.setValue(0.6)
    assert set(shown(scored)) == {catalog.posters["Parasite"][0], catalog.posters["Alien"][0]}
    choose(power.not_labelled, "Horror")
    assert shown(scored) == [catalog.posters["Parasite"][0]]
    assert scored.status.counts.text().startswith("1 posters match")
    choose(power.provenance, "curated")
    assert shown(scored) == []


def test_each_choice_shows_how_many_posters_it_would_keep(qtbot, scored) -> None:
    power, bar = scored.filter_bar.power, scored.filter_bar
    qtbot.waitUntil(lambda: bar.genre.itemText(bar.genre.findData("Horror")) == "Horror (6)")
    choose(power.score_genre, "Horror")
    power.score_min.setValue(0.6)
    # Parasite's first poster gets Horror from the model; Alien's has it officially.
    official = power.provenance.findData("official")
    qtbot.waitUntil(lambda: power.provenance.itemText(official) == "Official only (1)")  # was 7
    assert power.provenance.itemText(power.provenance.findData("model")) == "Model-added (1)"
    assert bar.status.itemText(bar.status.findData("pending")) == "Pending (2)"
    choose(power.provenance, "model")
    assert shown(scored) == [scored.model.poster_id(0)] and len(shown(scored)) == 1


def test_curator_and_days_of_the_last_edit(qtbot, window, catalog) -> None:
    alien = catalog.posters["Alien"][0]
    power = window.filter_bar.power
    assert power.curator.count() == 1  # nobody has edited yet
    window.grid.select_row(window.model.row_of(alien))
    window.act.approve.trigger()  # by "tester", today
    landed(qtbot, window)
    qtbot.waitUntil(lambda: power.curator.findData("tester") > 0)  # a choice once counted
    choose(power.curator, "tester")
    assert shown(window) == [alien]
    power.edited_to.setDate(QDate(2001, 1, 1))
    assert shown(window) == []
    power.edited_to.setDate(QDate.currentDate().addDays(1))
    assert shown(window) == [alien]


def test_a_saved_view_comes_back_with_a_key_and_its_edits_undo(
    qtbot, monkeypatch, scored, catalog
) -> None:
    bar = scored.filter_bar
    choose(bar.power.score_genre, "Horror")
    bar.power.score_min.setValue(0.6)
    choose(bar.power.not_labelled, "Horror")
    name_next_dialog(monkeypatch, "Horror nobody labelled")
    scored.act.save_view.trigger()
    assert bar.current_view() == "Horror nobody labelled"
    assert catalog.store.saved_views()["Horror nobody labelled"].not_labelled == "Horror"
    assert scored.act.views[0].text() == "Horror nobody labelled"
    assert scored.act.views[0].shortcut().toString() == "Ctrl+1"
    assert not scored.act.views[1].isVisible()

    scored.act.clear_filters.trigger()
    assert len(shown(scored)) == 8 and bar.current_view() is None
    assert not bar.power.active()
    scored.act.views[0].trigger()
    assert shown(scored) == [catalog.posters["Parasite"][0]]
    assert bar.power.isVisible()  # a view with power filters shows them

    name_next_dialog(monkeypatch, "Scary")
    scored.act.rename_view.trigger()
    assert list(catalog.store.saved_views()) == ["Scary"] and bar.current_view() == "Scary"
    scored.act.delete_view.trigger()
    assert catalog.store.saved_views() == {} and bar.views.count() == 1
    scored.editor.stack.undo()  # the delete
    assert list(catalog.store.saved_views()) == ["Scary"]
    scored.editor.stack.undo()  # the rename
    assert list(catalog.store.saved_views()) == ["Horror nobody labelled"]
    assert scored.act.views[0].text() == "Horror nobody labelled"
    log = catalog.store.audit_log(limit=5)
    assert [e.action for e in log][:4] == ["view"] * 4 and log[0].curator == "tester"


def test_a_refused_name_is_said_and_leaves_no_undo_step(monkeypatch, window) -> None:
    window.filter_bar.undecided.setChecked(True)
    name_next_dialog(monkeypatch, "x" * 61)
    window.act.save_view.trigger()
    assert "at most 60 characters" in window.statusBar().currentMessage()
    assert window.editor.stack.count() == 0
    window.act.delete_view.trigger()  # none shown
    assert "choose one first" in window.statusBar().currentMessage()


def test_a_view_changed_by_hand_no_longer_claims_to_be_shown(monkeypatch, window) -> None:
    bar = window.filter_bar
    choose(bar.genre, "Horror")
    name_next_dialog(monkeypatch, "Horror")
    window.act.save_view.trigger()
    bar.undecided.setChecked(True)
    assert bar.current_view() is None
    bar.undecided.setChecked(False)
    assert bar.current_view() == "Horror" and titles_shown(window) == {"Alien", "The Host"}


def test_views_keep_the_sort_and_any_query_round_trips(window) -> None:
    query = PosterQuery(
        text="para",
        genre="Drama",
        status="pending",
        disagrees=True,
        unlabelled=True,
        sensitive=False,
        score_genre="Horror",
        score_min=0.25,
        score_max=0.75,
        not_labelled="Horror",
        provenance="official",
        curator="ana",
        edited_from="2026-01-01",
        edited_to="2026-02-01",
        sort="uncertain",
    )
    window.filter_bar.show_query(query)
    assert window.filter_bar.query() == query


def test_every_new_key_is_in_the_shortcut_help_and_the_docs(window) -> None:
    doc = GUI_DOC.read_text(encoding="utf-8")
    for action in (
        window.act.more_filters,
        window.act.clear_filters,
        window.act.save_view,
        window.act.rename_view,
        window.act.delete_view,
        window.act.choose_view,
    ):
        key = action.shortcut().toString()
        assert key in GUIDE, key
        assert key in doc, key
    assert "Ctrl+1" in GUIDE and "Ctrl+1" in doc
