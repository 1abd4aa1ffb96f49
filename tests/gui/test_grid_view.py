"""The poster grid over a large result: the scrollbar spans every match, keys and clicks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

from poster_tool.core.records import PosterQuery
from poster_tool.gui.grid import grid_view, poster_model
from poster_tool.gui.grid.card_cache import CardCache
from poster_tool.gui.grid.grid_view import PosterGrid
from poster_tool.gui.grid.poster_model import PosterIdRole, PosterModel


@pytest.fixture
def grid(catalog, qtbot, monkeypatch: pytest.MonkeyPatch) -> PosterGrid:
    """A grid three cards wide over the eight posters, read three ids at first."""
    monkeypatch.setattr(poster_model, "ID_PAGE", 3)
    model = PosterModel(catalog.store)
    model.workspace = catalog.workspace
    view = PosterGrid(model, 120)
    qtbot.addWidget(view)
    with qtbot.waitSignal(model.counted, timeout=5000):
        model.set_query(PosterQuery())
    columns = 3 * (view.sizeHintForIndex(model.index(0)).width() + 2 * view.spacing())
    view.resize(columns + view.verticalScrollBar().sizeHint().width() + 4, 320)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_the_scrollbar_spans_every_match_and_its_end_shows_the_last_poster(
    grid, catalog, qtbot
) -> None:
    bar = grid.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert grid.visible_rows()[0] == 0 and 7 not in grid.visible_rows()
    bar.setValue(bar.maximum())
    assert grid.visible_rows()[-1] == 7
    last = catalog.store.query_ids(grid.poster_model.query, 0, 100)[-1]
    card = grid.visualRect(grid.poster_model.index(7))
    assert grid.indexAt(card.center()).data(PosterIdRole) == last


def test_a_new_query_reads_the_cards_of_a_screen_before_its_paint(catalog, qtbot) -> None:
    """A screen of half a line of three cards: the first read is its line and the next
    (six of the eight posters); a worker reads the rest."""
    model = PosterModel(catalog.store)
    model.workspace = catalog.workspace
    view = PosterGrid(model, 120)
    qtbot.addWidget(view)
    model.set_query(PosterQuery())  # (all eight at once: no screen yet)
    card = view.sizeHintForIndex(model.index(0))
    width, height = card.width() + 2 * view.spacing(), card.height() + 2 * view.spacing()
    view.resize(3 * width + view.verticalScrollBar().sizeHint().width() + 4, height // 2)
    view.show()
    qtbot.waitExposed(view)
    assert view.columns() == 3
    newest = PosterQuery(sort="newest")
    model.set_query(newest)
    assert model.total == 6 and model.counting
    qtbot.waitUntil(lambda: not model.counting)
    assert [model.poster_id(row) for row in range(8)] == catalog.store.query_ids(newest)


def test_arrow_keys_move_by_card_and_by_line_and_a_click_selects(grid, qtbot) -> None:
    assert grid.columns() == 3
    grid.select_row(0)
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.currentIndex().row() == 4
    qtbot.keyClick(grid, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert grid.selected_count() == 2 and grid.currentIndex().row() == 7
    qtbot.keyClick(grid, Qt.Key.Key_Home)
    center = grid.visualRect(grid.poster_model.index(2)).center()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert grid.selected_ids() == [grid.poster_model.poster_id(2)]


def _card(grid: PosterGrid, row: int) -> QImage:
    rect = grid.visualRect(grid.poster_model.index(row))
    return grid.viewport().grab(rect).toImage()


def _count_painted(grid: PosterGrid, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    painted: list[int] = []
    paint_poster = grid.delegate._paint_poster
    monkeypatch.setattr(
        grid.delegate,
        "_paint_poster",
        lambda painter, frame, poster, *rest: (
            painted.append(poster.id),
            paint_poster(painter, frame, poster, *rest),
        ),
    )
    return painted


def test_a_card_is_painted_once_and_again_only_when_what_it_shows_changes(
    grid, catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    painted = _count_painted(grid, monkeypatch)
    grid.delegate.cards.clear()
    grid.viewport().repaint()
    first = grid.poster_model.poster_id(1)
    before = _card(grid, 1)
    assert first in painted

    painted.clear()
    grid.viewport().repaint()  # nothing changed: every card is copied as it was
    assert painted == [] and _card(grid, 1) == before

    catalog.store.set_status({first: "approved"}, "tester")
    grid.poster_model.refresh([first])
    grid.viewport().repaint()
    assert painted == [first]  # only the edited card is painted again
    approved = _card(grid, 1)
    assert approved != before  # with its approved badge

    grid.select_row(1)
    assert _card(grid, 1) != approved  # the selection outline is part of the card too


def test_cards_a_paint_has_no_time_for_show_as_they_were_and_are_painted_a_moment_later(
    grid, catalog, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid_view, "PAINT_BUDGET_S", 0.0)  # a busy machine: no time at all
    monkeypatch.setattr(grid_view, "PAGE_BUDGET_S", 0.0)
    painted = _count_painted(grid, monkeypatch)
    shown = [grid.poster_model.poster_id(row) for row in grid.visible_rows()]
    grid.delegate.cards.clear()
    grid.viewport().repaint()
    assert len(painted) == 1  # the frame was not held up: one new card, no more
    qtbot.waitUntil(lambda: sorted(painted) == sorted(shown))  # every card came after it


def test_an_edit_of_every_card_shown_repaints_them_a_few_at_a_time_a_new_screen_at_once(
    grid, catalog, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid_view, "PAINT_BUDGET_S", 0.0)  # a busy machine: no time at all
    painted = _count_painted(grid, monkeypatch)
    shown = [grid.poster_model.poster_id(row) for row in grid.visible_rows()]
    grid.delegate.cards.clear()
    grid.viewport().repaint()
    assert sorted(painted) == sorted(shown)  # a new screen: painted whole at once

    painted.clear()
    catalog.store.set_status(dict.fromkeys(shown, "approved"), "tester")
    grid.poster_model.refresh(shown)
    grid.viewport().repaint()
    # The frame is not held up by every card: the others show their last look a moment.
    assert len(painted) == 1
    qtbot.waitUntil(lambda: sorted(painted) == sorted(shown))


def test_kept_cards_stay_within_their_memory_budget(qtbot) -> None:
    cards = CardCache(budget=3 * 100 * 200 * 4)
    for poster_id in range(10):
        cards.put(poster_id, ("look", poster_id), QPixmap(100, 200))
    assert len(cards) == 3 and cards.bytes_used <= cards.budget
    assert cards.get(9, ("look", 9)) is not None and cards.get(0, ("look", 0)) is None
    assert cards.get(9, ("another look", 9)) is None  # painted from other data: not shown
