"""The personalized preview: per-profile picks, guardrails, explanations, the pool's mapping."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from poster_tool.core.personalize.profiles import create_profile
from poster_tool.core.personalize.row import audience_for, build_row
from poster_tool.core.records import PosterQuery
from poster_tool.gui.grid.poster_model import PosterIdRole, ProfilePicksRole
from poster_tool.gui.pool.pool_panel import PoolPanel
from poster_tool.gui.preview.preview_panel import PreviewPanel
from poster_tool.gui.preview.preview_row import CardRole
from tests.gui.preview_world import World, world_fixture  # noqa: F401 - "world"


@pytest.fixture
def panel(qtbot, world) -> PreviewPanel:
    widget = PreviewPanel(None)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.row_ready, timeout=10_000):
        widget.set_workspace(world.workspace)
        widget.show()
    return widget


def card_of(panel: PreviewPanel, title_id: int):
    cards = [panel.model.index(r).data(CardRole) for r in range(panel.model.rowCount())]
    return next(c for c in cards if c.pick.title_id == title_id)


def test_switching_profiles_shows_each_viewers_poster_without_recomputing(
    qtbot, panel, world
) -> None:
    panel.set_profile("horror")
    card = card_of(panel, world.twofold)
    assert (card.shown.id, card.personalized, card.default.id) == (
        world.horror,
        True,
        world.default,
    )
    assert card.label() == "personalized · Horror" and card.default_label() == "default"
    with qtbot.assertNotEmitted(panel.row_ready, wait=300):
        panel.set_profile("family")
    card = card_of(panel, world.twofold)
    assert (card.shown.id, card.label()) == (world.family, "personalized · Family")
    assert panel.chips.texts()[0] == "♥ Family 100%"
    assert panel.summary.text().startswith("1 of 2 personalized, 1 not the default")


def test_sensitive_and_rejected_posters_are_never_shown(panel, world) -> None:
    # They have the strongest horror feel, so only the guardrails keep them away.
    shown = {c.shown.id for cards in panel.row.cards.values() for c in cards if c.shown}
    assert world.horror in shown
    assert not shown & {world.sensitive, world.rejected}
    assert len(panel.row.profiles) == 10  # the two of the test, plus the eight samples


def test_hover_and_selection_explain_the_pick(panel, world) -> None:
    panel.set_profile("horror")
    row = next(
        r
        for r in range(panel.model.rowCount())
        if panel.model.index(r).data(CardRole).pick.title_id == world.twofold
    )
    tip = panel.model.index(row).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "Twofold (2021)\nHorror 0.70 matches your top genre, Horror (model score)"
    assert "Select a title" in panel.why.text()
    panel.view.setCurrentIndex(panel.model.index(row))
    assert "Horror 0.70 matches your top genre" in panel.why.text()
    assert "personalized · Horror" in panel.why.text()
    panel.set_profile("family")  # the selection stays on the title, the text follows
    assert "Family 0.80 matches your top genre" in panel.why.text()


def test_a_profile_without_taste_sees_the_default_as_a_fallback(qtbot, panel, world) -> None:
    create_profile(world.store, "blank")
    with qtbot.waitSignal(panel.row_ready, timeout=10_000):
        panel.invalidate()
    panel.set_profile("blank")
    card = card_of(panel, world.twofold)
    assert (card.shown.id, card.personalized) == (world.default, False)
    assert card.label() == "fallback · no taste yet"
    assert card.default_label() == "default · same poster"
    assert panel.chips.texts() == ["no taste yet"]


def test_catalog_edits_recompute_the_row(qtbot, panel, world) -> None:
    panel.set_profile("horror")
    world.store.set_status({world.horror: "rejected"}, "tester")
    with qtbot.waitSignal(panel.row_ready, timeout=10_000):
        panel.invalidate()
    assert panel.profile_name == "horror"  # the chosen profile survives a recompute
    assert card_of(panel, world.twofold).shown.id == world.default


def test_the_row_follows_the_grid_filter(qtbot, panel, world) -> None:
    assert [c.pick.title for c in panel.model.cards] == ["Calm (2019)", "Twofold (2021)"]
    with qtbot.waitSignal(panel.row_ready, timeout=10_000):
        panel.set_query(PosterQuery(genre="Horror"))
    assert [c.pick.title_id for c in panel.model.cards] == [world.twofold]
    assert panel.span.text() == "titles 1–1 of 1"


def test_rows_page_through_the_filtered_titles(world) -> None:
    second = build_row(world.store, PosterQuery(), page=1, row_length=1)
    assert (second.first, second.total) == (1, 2)
    assert [c.pick.title_id for c in second.cards["horror"]] == [world.twofold]
    beyond = build_row(world.store, PosterQuery(), page=9, row_length=1)
    assert beyond.first == 1  # past the end: the last row


def test_the_model_passes_the_model_tester(panel, qtmodeltester) -> None:
    qtmodeltester.check(panel.model)


def test_the_title_pool_shows_which_profile_gets_which_poster(qtbot, world) -> None:
    pool = PoolPanel(world.store, None, profile_picks=audience_for)
    qtbot.addWidget(pool)
    pool.show_title(world.twofold)
    picks = {
        pool.model.index(r).data(PosterIdRole): pool.model.index(r).data(ProfilePicksRole)
        for r in range(pool.model.rowCount())
    }
    assert "horror" in picks[world.horror] and "family" in picks[world.family]
    assert picks[world.sensitive] == [] and picks[world.rejected] == []
