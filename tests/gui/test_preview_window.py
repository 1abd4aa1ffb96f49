"""The preview in the curation window: the action, live updates on edits and undo, the pool."""

from __future__ import annotations

import pytest

from poster_tool.gui.grid.poster_model import PosterIdRole, ProfilePicksRole
from poster_tool.gui.main_window import MainWindow
from poster_tool.gui.preview.preview_row import CardRole
from poster_tool.gui.preview.profile_editor import ProfileEditor
from tests.core.personalize_catalog import CatalogBuilder
from tests.gui.preview_world import World, world_fixture  # noqa: F401 - "world"


@pytest.fixture
def window(qtbot, world, settings) -> MainWindow:
    win = MainWindow(world.workspace, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def shown_for(window: MainWindow, title_id: int) -> int:
    model = window.preview_dock.panel.model
    cards = [model.index(r).data(CardRole) for r in range(model.rowCount())]
    return next(c.shown.id for c in cards if c.pick.title_id == title_id)


def open_preview(qtbot, window: MainWindow, profile: str) -> None:
    panel = window.preview_dock.panel
    assert window.preview_dock.isHidden()  # hidden until asked for
    with qtbot.waitSignal(panel.row_ready, timeout=10_000):
        window.act.show_preview.trigger()
    assert panel.isVisible()
    panel.set_profile(profile)


def test_the_view_action_opens_the_preview_and_edits_and_undo_update_it(
    qtbot, window, world
) -> None:
    assert window.act.show_preview.shortcut().toString() == "Ctrl+Shift+P"
    open_preview(qtbot, window, "horror")
    panel = window.preview_dock.panel
    assert shown_for(window, world.twofold) == world.horror
    with qtbot.waitSignal(panel.row_ready, timeout=10_000):
        window.editor.set_status([world.horror], "rejected")
    assert shown_for(window, world.twofold) == world.default
    with qtbot.waitSignal(panel.row_ready, timeout=10_000):
        window.editor.stack.undo()
    assert shown_for(window, world.twofold) == world.horror


def test_refresh_brings_a_title_added_elsewhere_into_the_preview_and_its_card_shows_its_pool(
    qtbot, window, world
) -> None:
    open_preview(qtbot, window, "family")
    panel = window.preview_dock.panel
    build = CatalogBuilder(world.workspace, world.store)  # another program's connection
    late = build.title("Latecomer", ["Family"], year=2024)
    build.poster(late, default=True)
    with qtbot.waitSignal(panel.row_ready, timeout=10_000):
        window.act.refresh.trigger()
    titles = [
        panel.model.index(r).data(CardRole).pick.title_id for r in range(panel.model.rowCount())
    ]
    assert late in titles
    panel.view.setCurrentIndex(panel.model.index(titles.index(late)))
    assert window.pool.title_id == late
    assert "Latecomer (2024)" in window.pool.heading.text()


def test_the_pool_shows_who_gets_which_poster(qtbot, window, world) -> None:
    window.pool.show_title(world.twofold)
    model = window.pool.model
    picks = {
        model.index(r).data(PosterIdRole): model.index(r).data(ProfilePicksRole)
        for r in range(model.rowCount())
    }
    assert "horror" in picks[world.horror] and "family" in picks[world.family]
    assert picks[world.sensitive] == []


def test_editing_a_profiles_dislikes_changes_the_preview(qtbot, window, world, monkeypatch) -> None:
    open_preview(qtbot, window, "horror")
    panel = window.preview_dock.panel
    window.pool.show_title(world.twofold)

    def edit(dialog: ProfileEditor) -> int:
        assert dialog.name.text() == "horror"  # opens on the profile the preview shows
        with qtbot.waitSignal(panel.row_ready, timeout=10_000):
            dialog.genres["Horror"].dislike.click()
        return 0

    monkeypatch.setattr(ProfileEditor, "exec", edit)
    window.act.edit_profiles.trigger()
    card = next(
        panel.model.index(r).data(CardRole)
        for r in range(panel.model.rowCount())
        if panel.model.index(r).data(CardRole).pick.title_id == world.twofold
    )
    assert (card.shown.id, card.personalized) == (world.default, False)
    assert panel.chips.texts() == ["no taste yet", "✕ Horror"]
    # The pool follows the edit too: the horror look went to nobody.
    row = window.pool.model.row_of(world.horror)
    assert "horror" not in window.pool.model.index(row).data(ProfilePicksRole)
