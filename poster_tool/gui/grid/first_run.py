"""The first-run guide, shown instead of the grid while a workspace holds no posters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCommandLinkButton, QLabel, QVBoxLayout, QWidget

from poster_tool.gui.common.theme import COLORS

if TYPE_CHECKING:
    from PySide6.QtGui import QAction


class FirstRunPage(QWidget):
    """Four ways in: import a folder, a CSV manifest, crawl a source, or open the demo.

    :param choices: ``(action, description)`` pairs; each button triggers its action
    """

    def __init__(self, choices: list[tuple[QAction, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Welcome to Poster Studio")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() + 9)
        font.setBold(True)
        title.setFont(font)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setStyleSheet(f"color: {COLORS['muted'].name()};")
        intro = QLabel(
            "Curate pools of movie posters: label genres (the model suggests, you decide), "
            "approve or reject each poster, pick every title's default, and export the result. "
            "Every edit is saved at once and can be undone."
        )
        intro.setWordWrap(True)
        column = QVBoxLayout()
        column.setSpacing(10)
        column.addWidget(title)
        column.addWidget(self.where)
        column.addWidget(intro)
        column.addSpacing(12)
        self.buttons: list[QCommandLinkButton] = []
        for action, description in choices:
            button = QCommandLinkButton(action.text().replace("&", "").rstrip("…"), description)
            button.setObjectName(f"first_run_{action.objectName()}")
            button.clicked.connect(action.trigger)
            button.setEnabled(action.isEnabled())
            button.setToolTip(action.toolTip())
            # Title and one line of description with room for descenders under the border.
            button.setFixedHeight(2 * button.fontMetrics().height() + 26)
            action.enabledChanged.connect(button.setEnabled)
            column.addWidget(button)
            self.buttons.append(button)
        column.addStretch(1)
        box = QWidget()
        box.setFixedWidth(600)  # word-wrapped labels need a definite width to size their height
        box.setLayout(column)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def set_workspace(self, root: str) -> None:
        """Say which (empty) workspace is open."""
        self.where.setText(f"The workspace <b>{root}</b> holds no posters yet. Start here:")
