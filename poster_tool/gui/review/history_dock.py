"""The History dock: who changed what and when on the selected posters (from the audit
log), profile edits on request, and "revert to this point" as one undoable edit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QCheckBox, QPushButton, QTreeWidgetItem, QWidget

from poster_tool.core.errors import PosterToolError
from poster_tool.core.personalize.profiles import revert_states
from poster_tool.gui.review.entry_list import EntryListDock, Reader
from poster_tool.gui.review.entry_text import change_text, when_text

if TYPE_CHECKING:
    from poster_tool.core.records import AuditEntry
    from poster_tool.gui.context import AppContext

HISTORY_LIMIT = 500  # newest entries listed
REVERT_KEY = "Ctrl+Backspace"
# What "revert to this point" can put back: a poster's own fields and a whole viewer
# profile (a default belongs to its title, a review decision is undone from the queue).
REVERTIBLE = ("status", "genres", "sensitive", "profile")


class HistoryDock(EntryListDock):
    """The audit log of the posters the window shows (:meth:`show_posters`).

    :param context: the application context (store, editor, catalog signals)
    """

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        self.ids: list[int] = []
        self.profiles = QCheckBox("Profile edits")
        self.profiles.setToolTip("Also list the edits of viewer profiles")
        self.revert_button = QPushButton("Revert to this point")
        self.revert_button.setToolTip(
            "Put the poster back as it was right after the selected entry "
            f"({QKeySequence(REVERT_KEY).toString(QKeySequence.SequenceFormat.NativeText)})"
        )
        super().__init__(
            context,
            "History",
            "historyDock",
            ["When (UTC)", "Who", "Poster", "Change"],
            [self.profiles, self.revert_button],
            parent,
        )
        self.add_key(REVERT_KEY, self.revert)
        self.revert_button.clicked.connect(self.revert)
        self.profiles.toggled.connect(self.reload)
        self.tree.currentItemChanged.connect(self._update_enabled)
        context.workspace_changed.connect(self._on_workspace_changed)
        context.editor.profiles_changed.connect(self.reload)
        self._update_enabled()

    def show_posters(self, ids: Sequence[int]) -> None:
        """List the history of these posters (the window's selection)."""
        self.ids = list(ids)
        self.reload()

    def reader(self) -> Reader:
        ids, profiles = list(self.ids), self.profiles.isChecked()
        return lambda store: store.posters_history(ids, profiles=profiles, limit=HISTORY_LIMIT)

    def show_entries(self, entries: list[AuditEntry]) -> None:
        self.tree.clear()
        for entry in entries:
            target = f"#{entry.poster_id}" if entry.poster_id is not None else ""
            item = QTreeWidgetItem([when_text(entry), entry.curator, target, change_text(entry)])
            item.setData(0, Qt.ItemDataRole.UserRole, entry)
            self.tree.addTopLevelItem(item)
        for column in range(3):
            self.tree.resizeColumnToContents(column)
        what = f"{len(self.ids)} selected posters" if len(self.ids) != 1 else f"#{self.ids[0]}"
        self.summary.setText(f"{len(entries)} changes of {what}" if self.ids else "No selection")
        self._update_enabled()

    def current_entry(self) -> AuditEntry | None:
        """The selected entry, if any."""
        item = self.tree.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def revert(self) -> None:
        """Put the selected entry's poster (or profile) back as it was right after it (one
        undo step)."""
        entry = self.current_entry()
        store = self.context.store
        if entry is None or entry.action not in REVERTIBLE or store is None:
            return
        if entry.poster_id is not None:
            self.context.editor.revert_to(entry.poster_id, entry.id)
            return
        try:
            now, then = revert_states(store, entry.id)
        except PosterToolError as exc:
            self.context.editor.failed.emit(str(exc))
            return
        shown = then or now
        name = shown.name if shown is not None else ""
        self.context.editor.edit_profile(f"Revert profile {name} to entry {entry.id}", now, then)

    def _update_enabled(self, *_: object) -> None:
        entry = self.current_entry()
        self.revert_button.setEnabled(entry is not None and entry.action in REVERTIBLE)

    def _on_workspace_changed(self, _workspace: object) -> None:
        self.ids = []
        self.reload()
