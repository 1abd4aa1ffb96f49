"""What the Review and History docks share: a summary line with buttons over a list of
audit entries, keys of their own, and reloading while shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)


class EntryListDock(QDockWidget):
    """A dock listing audit entries; subclasses fill :attr:`tree` in :meth:`reload`.

    :param headers: the list's column titles
    :param top: widgets to the right of the summary line (buttons, filters)
    """

    def __init__(
        self, title: str, name: str, headers: list[str], top: list[QWidget], parent: QWidget
    ) -> None:
        super().__init__(title, parent)
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
        """Read the entries again."""
        raise NotImplementedError
