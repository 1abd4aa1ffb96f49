"""Saved views: save, rename and delete the filter bar's named filter sets.

Each change is an undoable, audited edit through the :class:`Editor`; a refusal (a name
taken, say) reaches the curator through the editor's ``failed`` signal.  After every
change, undo or redo the bar offers the views as the catalog holds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

if TYPE_CHECKING:
    from poster_tool.gui.commands import Editor
    from poster_tool.gui.grid.filter_bar import FilterBar


class SavedViews(QObject):
    """The saved views of the open workspace, shown in ``bar``.

    ``listed`` carries the views' names (in menu order) whenever they change.

    :param parent: the widget the name dialogs belong to
    """

    listed = Signal(list)

    def __init__(self, editor: Editor, bar: FilterBar, parent: QWidget) -> None:
        super().__init__(parent)
        self.editor = editor
        self.bar = bar
        self._parent = parent
        editor.views_changed.connect(self.reload)

    def reload(self) -> None:
        """Offer the views the catalog holds now."""
        if self.editor.store is None:
            return
        views = self.editor.store.saved_views()
        self.bar.set_views(views)
        self.listed.emit(list(views))

    def save(self) -> None:
        """Save the bar's filters and sort under a name the curator gives (an existing
        name is replaced, after asking)."""
        name = self._ask("Save view", "Name of the view:", self.bar.current_view() or "")
        if name is None:
            return
        query = self.bar.query()
        views = self.bar.saved_views()
        same = next((v for v in views if v.casefold() == name.casefold()), None)
        before = None if same is None else (same, views[same])
        verb = "Save" if same is None else "Replace"
        self.editor.edit_view(f"{verb} view “{name}”", before, (name, query))

    def rename(self) -> None:
        """Give the view shown another name."""
        current = self._current()
        if current is not None:
            name = self._ask("Rename view", f"New name of “{current}”:", current)
            if name is not None and name != current:
                query = self.bar.saved_views()[current]
                self.editor.edit_view(
                    f"Rename view “{current}” to “{name}”", (current, query), (name, query)
                )

    def delete(self) -> None:
        """Delete the view shown (undo brings it back)."""
        current = self._current()
        if current is not None:
            query = self.bar.saved_views()[current]
            self.editor.edit_view(f"Delete view “{current}”", (current, query), None)

    def _current(self) -> str | None:
        current = self.bar.current_view()
        if current is None:
            self.editor.failed.emit("no saved view is shown: choose one first (Ctrl+Shift+V)")
        return current

    def _ask(self, title: str, label: str, text: str) -> str | None:
        name, ok = QInputDialog.getText(self._parent, title, label, QLineEdit.EchoMode.Normal, text)
        name = " ".join(name.split())  # the catalog refuses an overlong one, saying why
        return name if ok and name else None
