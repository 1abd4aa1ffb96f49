"""The title pool: every poster of a title, duplicates outlined, who sees which poster."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import QItemSelectionModel

from poster_tool.core.imaging import check_bytes
from poster_tool.core.intake import Intake
from poster_tool.gui.grid.poster_model import HighlightRole, PosterIdRole, ProfilePicksRole
from poster_tool.gui.pool.pool_panel import PoolPanel


@pytest.fixture
def panel(qtbot, catalog) -> PoolPanel:
    widget = PoolPanel(catalog.store, None)
    qtbot.addWidget(widget)
    return widget


def title_of(catalog, name: str) -> int:
    return catalog.store.get_poster(catalog.posters[name][0]).title_id


def test_the_pool_lists_the_default_first_then_in_arrival_order(
    panel, catalog, qtmodeltester
) -> None:
    alien = catalog.posters["Alien"]
    catalog.store.set_default(alien[2], "tester")
    panel.show_title(title_of(catalog, "Alien"))
    rows = [panel.model.index(r).data(PosterIdRole) for r in range(panel.model.rowCount())]
    assert rows == [alien[2], alien[0], alien[1]]
    assert "pool of 3" in panel.heading.text() and f"default #{alien[2]}" in panel.note.text()
    qtmodeltester.check(panel.model)


def test_near_duplicates_within_a_pool_are_outlined(panel, catalog) -> None:
    first = catalog.store.get_poster(catalog.posters["Parasite"][0])
    data = catalog.workspace.image_path(first.path).read_bytes()
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).resize((280, 420)).save(out, "JPEG", quality=70)
    with catalog.store.transaction():
        twin = (
            Intake(catalog.workspace, catalog.store)
            .ingest(check_bytes(out.getvalue()), title_id=first.title_id, source="test")
            .poster_id
        )
    panel.show_title(first.title_id)
    marked = {
        panel.model.index(r).data(PosterIdRole): panel.model.index(r).data(HighlightRole)
        for r in range(panel.model.rowCount())
    }
    assert marked == {first.id: True, twin: True, catalog.posters["Parasite"][1]: False}
    assert "2 duplicates outlined" in panel.note.text()


def test_profile_picks_come_from_the_given_provider(qtbot, catalog) -> None:
    host = catalog.posters["The Host"]
    panel = PoolPanel(
        catalog.store, None, profile_picks=lambda store, title_id: {host[1]: ["Kids", "Horror fan"]}
    )
    qtbot.addWidget(panel)
    panel.show_title(title_of(catalog, "The Host"))
    picks = {
        panel.model.index(r).data(PosterIdRole): panel.model.index(r).data(ProfilePicksRole)
        for r in range(2)
    }
    assert picks == {host[0]: [], host[1]: ["Kids", "Horror fan"]}


def test_the_window_pool_follows_a_selection_made_without_a_current_poster(
    qtbot, window, catalog
) -> None:
    # A selection set by a program (a saved view, a queue) leaves no current poster: the pool
    # still shows the title of what is selected.
    qtbot.waitUntil(lambda: window.pool.title_id is not None)
    host = catalog.posters["The Host"][1]
    selection = window.grid.selectionModel()
    selection.clear()  # clears the current poster too
    selection.select(
        window.model.index(window.model.row_of(host)), QItemSelectionModel.SelectionFlag.Select
    )
    qtbot.waitUntil(lambda: window.pool.title_id == title_of(catalog, "The Host"))
    assert window.pool.model.rowCount() == len(catalog.posters["The Host"])
