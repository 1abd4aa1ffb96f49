"""The review pass, history and agreement in the window: keys, one undo step each, audited."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt

from poster_tool.core.catalog import audit
from poster_tool.core.personalize.profiles import create_profile, get_profile, update_profile
from poster_tool.gui.review.agreement_dialog import AgreementDialog
from poster_tool.gui.review.review_dock import period_start
from tests.gui.conftest import landed
from tests.gui.test_curation import key, selected

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_mark_then_accept_with_one_key_and_undo(qtbot, window, catalog) -> None:  # noqa: F811
    poster = selected(window)
    key(qtbot, window, Qt.Key.Key_R, CTRL_SHIFT)  # mark for review
    assert [e.poster_id for e in catalog.store.review_queue()] == [poster]
    key(qtbot, window, Qt.Key.Key_Q, CTRL_SHIFT)  # the queue
    dock = window.review_dock
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 1)
    assert dock.tree.topLevelItem(0).text(2) == f"#{poster}"
    qtbot.keyClick(dock.tree, Qt.Key.Key_Y)  # accept
    landed(qtbot, window)
    assert catalog.store.review_queue() == []
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 0)
    assert dock.summary.text().startswith("0 edits")
    assert catalog.store.audit_log(poster, limit=1)[0].after == "accepted"
    window.editor.stack.undo()
    landed(qtbot, window)
    assert [e.poster_id for e in catalog.store.review_queue()] == [poster]
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 1)


def test_override_key_puts_the_curators_edit_back(qtbot, window, catalog) -> None:  # noqa: F811
    poster = selected(window)
    before = catalog.store.get_poster(poster).genres
    key(qtbot, window, Qt.Key.Key_1)  # a curator toggles a genre
    assert catalog.store.get_poster(poster).genres != before
    window.act.show_review.trigger()
    dock = window.review_dock
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 1)
    qtbot.keyClick(dock.tree, Qt.Key.Key_O)
    landed(qtbot, window)
    assert catalog.store.get_poster(poster).genres == before
    assert window.editor.stack.undoText().startswith("Override edits of 1 poster")


def test_history_lists_the_selection_and_reverts_to_a_point(qtbot, window, catalog) -> None:  # noqa: F811
    poster = selected(window)
    genres = catalog.store.get_poster(poster).genres
    key(qtbot, window, Qt.Key.Key_A)  # approve
    key(qtbot, window, Qt.Key.Key_1)
    key(qtbot, window, Qt.Key.Key_R)  # reject
    key(qtbot, window, Qt.Key.Key_H, CTRL_SHIFT)
    dock = window.history_dock
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 3)
    assert [dock.tree.topLevelItem(i).text(3).split(":")[0] for i in range(3)] == [
        "status",
        "genres",
        "status",
    ]
    assert dock.tree.topLevelItem(0).text(1) == "tester"
    dock.tree.setCurrentItem(dock.tree.topLevelItem(2))  # right after approving
    qtbot.keyClick(dock.tree, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    landed(qtbot, window)
    reverted = catalog.store.get_poster(poster)
    assert (reverted.status, reverted.genres) == ("approved", genres)
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 5)  # the revert's two entries
    window.editor.stack.undo()
    landed(qtbot, window)
    assert catalog.store.get_poster(poster).status == "rejected"


def test_agreement_dialog_shows_kappa_and_disagreements(qtbot, catalog) -> None:
    a, b = catalog.posters["Alien"][:2]
    catalog.store.set_genres({a: ["Horror"], b: ["Horror"]}, "ana")
    catalog.store.set_genres({a: ["Horror"]}, "ben")
    catalog.store.set_genres({b: ["Sci-Fi"]}, "ben")
    dialog = AgreementDialog(catalog.workspace)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.disagreements.topLevelItemCount() == 1)
    assert (dialog.first.currentText(), dialog.second.currentText()) == ("ana", "ben")
    assert dialog.disagreements.topLevelItem(0).text(0) == f"#{b}"
    genres = {
        dialog.genres.topLevelItem(i).text(0) for i in range(dialog.genres.topLevelItemCount())
    }
    assert genres == {"Horror", "Sci-Fi"}


def test_history_lists_profile_edits_on_request_and_reverts_one(qtbot, window, catalog) -> None:  # noqa: F811
    create_profile(catalog.store, "Kim", likes=["Horror"], curator="ana")
    update_profile(catalog.store, "Kim", likes=["Drama"], curator="ben")
    window.act.show_history.trigger()
    dock = window.history_dock
    dock.profiles.setChecked(True)
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 2)
    assert dock.tree.topLevelItem(0).text(3) == "profile Kim: likes Horror → Drama"
    assert dock.tree.topLevelItem(1).text(3) == "profile Kim: added"
    dock.tree.setCurrentItem(dock.tree.topLevelItem(1))  # right after ana made it
    qtbot.keyClick(dock.tree, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    assert get_profile(catalog.store, "Kim").likes == ("Horror",)
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 3)  # the revert is audited
    window.editor.stack.undo()
    assert get_profile(catalog.store, "Kim").likes == ("Drama",)


def test_review_queue_cut_to_a_period(qtbot, window, catalog, monkeypatch) -> None:  # noqa: F811
    old, recent = catalog.posters["Alien"][:2]
    monkeypatch.setattr(audit, "now", lambda: "2020-01-01T10:00:00+00:00")
    catalog.store.set_genres({old: ["Horror"]}, "ana")
    monkeypatch.undo()
    catalog.store.set_genres({recent: ["Sci-Fi"]}, "ana")
    window.act.show_review.trigger()
    dock = window.review_dock
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 2)
    dock.period.setCurrentText("Last 7 days")
    dock.period.activated.emit(dock.period.currentIndex())
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() == 1)
    assert dock.tree.topLevelItem(0).text(2) == f"#{recent}"
    assert dock.summary.text() == "1 edit of 1 poster waits (last 7 days)"


def test_period_start_counts_utc_days_back() -> None:
    today = datetime(2026, 3, 1, 23, 59, tzinfo=timezone.utc)
    assert period_start("Any date", today) is None
    assert period_start("Today", today) == "2026-03-01"
    assert period_start("Last 7 days", today) == "2026-02-23"
