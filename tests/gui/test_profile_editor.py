"""The profile editor: profiles, likes and dislikes, viewing history, all written to SQLite."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, QItemSelectionModel

from poster_tool.core.personalize.profiles import get_profile, history
from poster_tool.core.personalize.samples import SAMPLES
from poster_tool.core.records import TitleIn
from poster_tool.core.workspace import Workspace
from poster_tool.gui.commands import Editor
from poster_tool.gui.preview import profile_editor
from poster_tool.gui.preview.profile_editor import ProfileEditor
from tests.gui.preview_world import World, world_fixture  # noqa: F401 - "world"


@pytest.fixture
def editor(world) -> Editor:
    """The window's editor: the store, the curator's name, the undo stack."""
    return Editor(world.store, "tester")


@pytest.fixture
def dialog(qtbot, editor) -> ProfileEditor:
    widget = ProfileEditor(editor, select="horror")
    qtbot.addWidget(widget)
    return widget


def reread(world: World, name: str):
    """The profile as a fresh connection sees it: what SQLite holds."""
    with world.workspace.store() as store:
        return get_profile(store, name), history(store, name)


def test_opening_seeds_the_samples_once_and_shows_the_chosen_profile(dialog) -> None:
    assert set(dialog.names()) == {"horror", "family"} | {s.name for s in SAMPLES}
    assert dialog.name.text() == "horror" and dialog.genres["Horror"].like.isChecked()
    assert dialog.genres["Horror"].share.text() == "100%"


def test_an_empty_catalog_gets_no_samples(qtbot, tmp_path) -> None:
    with Workspace.open(tmp_path / "empty").store() as store:
        widget = ProfileEditor(Editor(store, "tester"))
        qtbot.addWidget(widget)
        assert widget.names() == [] and not widget.editors.isEnabled()


def test_likes_and_dislikes_are_exclusive_and_persist(qtbot, dialog, world) -> None:
    with qtbot.waitSignal(dialog.profiles_changed):
        dialog.genres["Drama"].like.click()
    assert reread(world, "horror")[0].likes == ("Drama", "Horror")
    with qtbot.waitSignal(dialog.profiles_changed):
        dialog.genres["Horror"].dislike.click()
    assert not dialog.genres["Horror"].like.isChecked()
    profile = reread(world, "horror")[0]
    assert (profile.likes, profile.dislikes) == (("Drama",), ("Horror",))
    assert dict(profile.affinity) == {"Drama": 1.0}
    assert dialog.genres["Drama"].share.text() == "100%"  # the affinity is shown at once


def test_add_rename_and_delete_profiles(qtbot, dialog, world, monkeypatch) -> None:
    dialog.add.click()
    assert dialog.name.text() == "new viewer" and "new viewer" in dialog.names()
    dialog.name.setText("teen")
    dialog.name.editingFinished.emit()
    assert "teen" in dialog.names() and "new viewer" not in dialog.names()
    dialog.description.setText("Watches after school")
    dialog.description.editingFinished.emit()
    assert reread(world, "teen")[0].description == "Watches after school"

    dialog.name.setText("family")  # taken: refused, explained, nothing changes
    dialog.name.editingFinished.emit()
    assert "already exists" in dialog.error.text() and dialog.name.text() == "teen"

    monkeypatch.setattr(profile_editor, "confirm_delete", lambda parent, name: False)
    dialog.delete.click()
    assert "teen" in dialog.names()
    monkeypatch.setattr(profile_editor, "confirm_delete", lambda parent, name: True)
    with qtbot.waitSignal(dialog.profiles_changed):
        dialog.delete.click()
    assert "teen" not in dialog.names()
    with world.workspace.store() as store:
        assert store._scalar("SELECT count(*) FROM profiles WHERE name = 'teen'") == 0


def test_viewings_are_added_and_removed(qtbot, dialog, world) -> None:
    index = dialog.title.findData(world.calm)
    dialog.title.setEditText(dialog.title.itemText(index))
    dialog.date.setDate(QDate(2025, 3, 14))
    dialog.minutes.setValue(120)
    with qtbot.waitSignal(dialog.profiles_changed):
        dialog.add_viewing.click()
    profile, viewings = reread(world, "horror")
    assert [(v.title, v.watched_at[:10], v.minutes) for v in viewings] == [
        ("Calm", "2025-03-14", 120.0)
    ]
    assert "Drama" in profile.affinity
    assert dialog.table.item(0, 0).text() == "Calm" and dialog.table.item(0, 2).text() == "120"

    dialog.title.setEditText("no such film")
    dialog.add_viewing.click()
    assert "Choose a title" in dialog.error.text()

    dialog.table.selectionModel().select(
        dialog.table.model().index(0, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    with qtbot.waitSignal(dialog.profiles_changed):
        dialog.remove_viewing.click()
    assert reread(world, "horror")[1] == [] and dialog.table.rowCount() == 0


def test_the_title_picker_searches_inside_names_in_any_language(qtbot, world) -> None:
    world.store.upsert_title(
        TitleIn("test:host", "The Host", 2006, original_name="괴물", genres=("Horror",))
    )
    dialog = ProfileEditor(Editor(world.store, "tester"))
    qtbot.addWidget(dialog)
    completer = dialog.title.completer()
    for typed in ("괴물", "host", "WOF"):  # "wof" inside "Twofold"
        completer.setCompletionPrefix(typed)
        assert completer.completionCount() == 1, typed


def test_profile_edits_are_audited_with_the_curators_name(qtbot, dialog, world) -> None:
    with qtbot.waitSignal(dialog.profiles_changed):
        dialog.genres["Drama"].like.click()
    dialog.name.setText("night owl")
    dialog.name.editingFinished.emit()
    with world.workspace.store() as store:
        rename, likes = store.audit_log(curator="tester", limit=2)
    assert (rename.action, rename.poster_id) == ("profile", None)
    assert (rename.before["name"], rename.after["name"]) == ("horror", "night owl")
    assert likes.before["likes"] == ["Horror"] and likes.after["likes"] == ["Drama", "Horror"]


def test_profile_edits_undo_and_redo_on_the_windows_stack(
    qtbot, dialog, editor, world, monkeypatch
) -> None:
    dialog.name.setText("night owl")
    dialog.name.editingFinished.emit()
    assert editor.stack.undoText() == "Rename profile “horror” to “night owl”"
    editor.stack.undo()
    assert reread(world, "horror")[0].likes == ("Horror",)
    assert "night owl" not in dialog.names() and dialog.name.text() == "horror"
    editor.stack.redo()
    assert "night owl" in dialog.names() and "horror" not in dialog.names()

    index = dialog.title.findData(world.calm)
    dialog.title.setEditText(dialog.title.itemText(index))
    dialog.add_viewing.click()
    assert editor.stack.undoText() == "Add a viewing to “night owl”"
    assert len(reread(world, "night owl")[1]) == 1
    editor.stack.undo()
    assert reread(world, "night owl")[1] == [] and dialog.table.rowCount() == 0

    monkeypatch.setattr(profile_editor, "confirm_delete", lambda parent, name: True)
    dialog.delete.click()
    assert editor.stack.undoText() == "Delete profile “night owl”"
    assert "night owl" not in dialog.names()
    with qtbot.waitSignal(dialog.profiles_changed):
        editor.stack.undo()  # the profile comes back with its likes
    profile, _ = reread(world, "night owl")
    assert profile.likes == ("Horror",) and "night owl" in dialog.names()
    with world.workspace.store() as store:
        assert [e.after["name"] for e in store.audit_log(curator="tester", limit=1)] == [
            "night owl"
        ]


def test_a_refused_profile_edit_is_said_and_leaves_no_undo_step(qtbot, dialog, editor) -> None:
    said: list[str] = []
    editor.failed.connect(said.append)
    dialog.name.setText("family")  # taken
    dialog.name.editingFinished.emit()
    assert editor.stack.count() == 0
    assert said == ["a profile named 'family' already exists"]
    assert "already exists" in dialog.error.text() and dialog.name.text() == "horror"
