"""The window's look: Qt's Fusion style with a dark palette, so posters stand out.

Defined in code rather than a .qss file, so an installed package needs no resource files.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# One palette for cards, chips and badges (also used by the detail and pool panels).
COLORS = {
    "card": QColor("#2a2d33"),
    "card_hover": QColor("#32363d"),
    "card_selected": QColor("#24384f"),
    "accent": QColor("#3d8bfd"),
    "placeholder": QColor("#1e2025"),
    "text": QColor("#e8eaed"),
    "muted": QColor("#9aa0a6"),
    "curator": QColor("#1f9d8b"),
    "official": QColor("#4a4f57"),
    "model": QColor("#b78cff"),
    "doubted": QColor("#a8413b"),  # an official genre the model is sure does not fit
    "approved": QColor("#2fa84f"),
    "rejected": QColor("#d9443b"),
    "default": QColor("#f2b233"),
    "sensitive": QColor("#ff8a3d"),
    "duplicate": QColor("#ff8a3d"),
    "profile": QColor("#5b6ee1"),
}

_ROLES = {
    QPalette.ColorRole.Window: "#1f2126",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#17191d",
    QPalette.ColorRole.AlternateBase: "#23262b",
    QPalette.ColorRole.ToolTipBase: "#2a2d33",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#80868b",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#2a2d33",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Highlight: COLORS["accent"].name(),
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#8ab4f8",
    QPalette.ColorRole.Mid: "#3a3e45",
    QPalette.ColorRole.Dark: "#121316",
    QPalette.ColorRole.Light: "#3a3e45",
}

STYLE_SHEET = """
QToolBar { border: none; spacing: 2px; padding: 2px 4px; }
QToolBar::separator { background: #3a3e45; width: 1px; margin: 4px 6px; }
QToolButton { padding: 3px 6px; border-radius: 4px; }
QToolButton:hover { background: #32363d; }
QDockWidget::title { padding: 5px 8px; background: #25282d; }
QStatusBar { background: #17191d; color: #b0b5bb; }
QStatusBar::item { border: none; }
QAbstractItemView#posterGrid, QListView#poolView { border: none; background: #17191d; }
QLineEdit, QComboBox { padding: 3px 6px; border: 1px solid #3a3e45; border-radius: 4px;
                       background: #17191d; }
QLineEdit:focus, QComboBox:focus { border-color: #3d8bfd; }
QToolButton#filterToggle { border: 1px solid #3a3e45; border-radius: 4px; padding: 3px 8px; }
QToolButton#filterToggle:checked { background: #24384f; border-color: #3d8bfd; }
QCommandLinkButton { border: 1px solid #3a3e45; border-radius: 6px; }
QCommandLinkButton:hover { background: #2a2d33; border-color: #3d8bfd; }
"""


def apply(app: QApplication) -> None:
    """Give ``app`` the Poster Studio look."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in _ROLES.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7075"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
