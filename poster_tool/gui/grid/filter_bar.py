"""The filter and sort bar above the grid; it only builds a :class:`PosterQuery`.

Text search waits for a pause in typing, so a 100,000-poster catalog is queried once per
word, not once per key.  A banner under the bar names a fixed list (near-duplicates or
similar posters of one poster) while one is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.records import STATUSES, PosterQuery
from poster_tool.core.taxonomy import GENRES
from poster_tool.gui.common.theme import COLORS

SORTS = (("title", "Title A–Z"), ("newest", "Newest first"), ("uncertain", "Least certain first"))
TYPING_PAUSE_MS = 250


class FilterBar(QWidget):
    """Search, genre, status, source, "model disagrees", "undecided", sort.

    ``query_changed`` carries the new query; ``fixed_list_closed`` asks to leave a fixed list.
    """

    query_changed = Signal(object)  # PosterQuery
    fixed_list_closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search titles — English or 한국어")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(140)
        self.genre = _combo("Any genre", [(g, g) for g in GENRES])
        self.status = _combo("Any status", [(s, s.capitalize()) for s in STATUSES])
        self.source = _combo("Any source", [])
        self.disagrees = _toggle(
            "Disagrees", "Only posters whose model genres differ from their labels"
        )
        self.undecided = _toggle(
            "Unlabelled", "Only posters whose genres no curator has confirmed yet"
        )
        self.clear = QToolButton()
        self.clear.setText("Clear filters")
        self.clear.setToolTip("Show every poster again (the sort order stays)")
        self.clear.clicked.connect(self.clear_filters)
        self.sort = _combo(None, list(SORTS))
        self.sort.setToolTip(
            "Sort order. Least certain first puts the posters the model is "
            "least sure about at the top: curator time goes where it helps"
        )

        self._timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._timer.timeout.connect(self._emit)
        self.search.textChanged.connect(self._timer.start)
        self.search.returnPressed.connect(self.flush)
        for combo in (self.genre, self.status, self.source, self.sort):
            combo.currentIndexChanged.connect(self._emit)
        for box in (self.disagrees, self.undecided):
            box.toggled.connect(self._emit)
        self.query_changed.connect(self._enable_clear)

        self.banner_text = QLabel()
        self.banner_close = QPushButton("Back to all posters")
        self.banner_close.clicked.connect(self.fixed_list_closed)
        self.banner = QWidget()
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet(
            f"#banner {{ background: {COLORS['card_selected'].name()}; border-radius: 4px; }}"
        )
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(8, 3, 4, 3)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.banner_close)
        self.banner.setVisible(False)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.search, 3)
        for widget in (
            self.genre,
            self.status,
            self.source,
            self.disagrees,
            self.undecided,
            self.clear,
        ):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.sort)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.banner)
        self._enable_clear(self.query())

    def clear_filters(self) -> None:
        """Empty the search and reset every filter at once (one query, not six)."""
        widgets = (
            self.search,
            self.genre,
            self.status,
            self.source,
            self.disagrees,
            self.undecided,
        )
        for widget in widgets:
            widget.blockSignals(True)
        self.search.clear()
        for combo in (self.genre, self.status, self.source):
            combo.setCurrentIndex(0)
        for box in (self.disagrees, self.undecided):
            box.setChecked(False)
        for widget in widgets:
            widget.blockSignals(False)
        self._emit()

    def _enable_clear(self, query: PosterQuery) -> None:
        self.clear.setEnabled(query.filtered)

    def set_sources(self, sources: list[str]) -> None:
        """Offer these poster sources, keeping the current choice when still there."""
        current = self.source.currentData()
        self.source.blockSignals(True)
        while self.source.count() > 1:
            self.source.removeItem(1)
        for name in sources:
            self.source.addItem(name, name)
        found = self.source.findData(current) if current else 0
        self.source.setCurrentIndex(max(0, found))
        self.source.blockSignals(False)

    def set_sort(self, value: str) -> None:
        """Select a sort order without announcing a change."""
        self.sort.blockSignals(True)
        self.sort.setCurrentIndex(max(0, self.sort.findData(value)))
        self.sort.blockSignals(False)

    def query(self) -> PosterQuery:
        """The query the controls describe now."""
        return PosterQuery(
            text=self.search.text().strip(),
            genre=self.genre.currentData(),
            status=self.status.currentData(),
            source=self.source.currentData(),
            disagrees=self.disagrees.isChecked(),
            unlabelled=self.undecided.isChecked(),
            sort=self.sort.currentData() or "title",
        )

    def show_banner(self, text: str | None) -> None:
        """Name the fixed list shown (``None`` hides the banner)."""
        self.banner.setVisible(text is not None)
        self.banner_text.setText(text or "")

    def _emit(self) -> None:
        self._timer.stop()
        self.query_changed.emit(self.query())

    def flush(self) -> None:
        """Apply pending typing now (tests, and Enter in the search field)."""
        if self._timer.isActive():
            self._emit()


def _combo(anything: str | None, items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox()
    if anything is not None:
        combo.addItem(anything, None)
    for value, text in items:
        combo.addItem(text, value)
    # As wide as the longest choice: a clipped "Least certai" hides what the grid shows.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return combo


def _toggle(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setCheckable(True)
    button.setObjectName("filterToggle")
    return button
