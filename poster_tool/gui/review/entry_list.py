"""What the Review and History docks share: a summary line with buttons over a list of
audit entries, keys of their own, and reading the entries in a worker while shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from poster_tool.gui.common.workers import CallWorker, start

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace
    from poster_tool.gui.context import AppContext

Reader = Callable[["PosterStore"], Any]


def _read(workspace: Workspace, reader: Reader) -> Any:
    with workspace.store() as store:
        return reader(store)


class EntryListDock(QDockWidget):
    """A dock listing audit entries, read again on every catalog change while it is shown.

    The reads run in a worker over its own store (a long audit log takes longer than a
    keystroke may) and only the latest one is shown.  Subclasses say what to read
    (:meth:`reader`) and show it (:meth:`show_entries`).

    :param headers: the list's column titles
    :param top: widgets to the right of the summary line (buttons, filters)
    """

    read = Signal()  # the list shows the catalog as it is now

    def __init__(
        self,
        context: AppContext,
        title: str,
        name: str,
        headers: list[str],
        top: list[QWidget],
        parent: QWidget,
    ) -> None:
        super().__init__(title, parent)
        self.context = context
        self._asked = 0  # reads asked for; only the latest one is shown
        self.setObjectName(name)  # saveState() needs names
        self.summary = QLabel()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(headers)
        self.tree.setRootIsDecorated(False)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        for widget in top:
            row.addWidget(widget)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.tree, 1)
        self.setWidget(body)
        context.workspace_changed.connect(self.reload)
        context.catalog_changed.connect(self.reload)

    def add_key(self, key: str, slot: object) -> None:
        """A key that works while the list has the focus (the window's keys elsewhere)."""
        action = QAction(self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.tree.addAction(action)

    def present(self) -> None:
        """Show the dock in front, up to date, with the keyboard in its list."""
        self.show()
        self.raise_()
        self.reload()
        self.tree.setFocus()

    def reload(self, *_: object) -> None:
        """Read the entries again (in a worker) when the dock is shown."""
        workspace = self.context.workspace
        if workspace is None or not self.isVisible():
            return
        self._asked += 1
        asked, reader = self._asked, self.reader()
        worker = CallWorker(lambda: (asked, _read(workspace, reader)))
        worker.signals.result.connect(self._on_read)
        worker.signals.error.connect(self.summary.setText)
        start(worker)

    def _on_read(self, result: tuple[int, Any]) -> None:
        asked, found = result
        if asked == self._asked:  # else the catalog changed again: a newer read is coming
            self.show_entries(found)
            self.read.emit()

    def reader(self) -> Reader:
        """What to read, fixed now (on the GUI thread) and run in the worker."""
        raise NotImplementedError

    def show_entries(self, found: Any) -> None:
        """Show what :meth:`reader` read."""
        raise NotImplementedError
