"""The poster grid over a large result: the scrollbar spans every match, keys and clicks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from poster_tool.core.records import PosterQuery
from poster_tool.gui.grid import poster_model
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
