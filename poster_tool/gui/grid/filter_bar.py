"""The filter and sort bar above the grid; it only builds a :class:`PosterQuery`.

Text search waits for a pause in typing, so a 100,000-poster catalog is queried once per
word, not once per key.  A second row holds the power filters; a saved view sets every
control at once.  A banner under the bar names a fixed list (near-duplicates or similar
posters of one poster) while one is shown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
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
from poster_tool.gui.grid.power_filters import PowerFilters, combo, refill, show_counts

SORTS = (("title", "Title A–Z"), ("newest", "Newest first"), ("uncertain", "Least certain first"))
TYPING_PAUSE_MS = 250


class FilterBar(QWidget):
    """Search, genre, status, source, "model disagrees", "undecided", saved views, sort;
    the power filters in a row of their own.

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
        self.genre = combo("Any genre", [(g, g) for g in GENRES])
        self.status = combo("Any status", [(s, s.capitalize()) for s in STATUSES])
        self.source = combo("Any source", [])
        self.disagrees = _toggle(
            "Disagrees", "Only posters whose model genres differ from their labels"
        )
        self.undecided = _toggle(
            "Unlabelled", "Only posters whose genres no curator has confirmed yet"
        )
        self.power = PowerFilters()
        self.power.setVisible(False)
        self.more = _toggle("More filters", "Show the power filters (Ctrl+Shift+F)")
        self.more.toggled.connect(self.power.setVisible)
        self.views = combo("No saved view", [])
        self.views.setToolTip("Saved views: named filter sets every curator of the workspace sees")
        self.views.activated.connect(self._on_views_activated)
        self._saved: dict[str, PosterQuery] = {}
        self.clear = QToolButton()
        self.clear.setText("Clear all filters")
        self.clear.setToolTip("Show every poster again (the sort order stays)")
        self.clear.clicked.connect(self.clear_filters)
        self.sort = combo(None, list(SORTS))
        self.sort.setToolTip(
            "Sort order. Least certain first puts the posters the model is "
            "least sure about at the top: curator time goes where it helps"
        )

        self._timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._timer.timeout.connect(self._emit)
        self.search.textChanged.connect(self._timer.start)
        self.search.returnPressed.connect(self.flush)
        for box in (self.genre, self.status, self.source, self.sort):
            box.currentIndexChanged.connect(self._emit)
        for button in (self.disagrees, self.undecided):
            button.toggled.connect(self._emit)
        self.power.changed.connect(self._emit)
        self.query_changed.connect(self._on_query_changed)

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
            self.more,
            self.clear,
        ):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.views)
        row.addWidget(self.sort)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.power)
        layout.addWidget(self.banner)
        self._on_query_changed(self.query())

    def clear_filters(self) -> None:
        """Empty the search and reset every filter at once (one query, not a dozen)."""
        self.show_query(PosterQuery(sort=self.sort.currentData() or "title"))

    def show_query(self, query: PosterQuery) -> None:
        """Set every control to ``query`` (a saved view), then announce it once."""
        self._timer.stop()
        widgets = (
            self.search,
            self.genre,
            self.status,
            self.source,
            self.disagrees,
            self.undecided,
            self.sort,
        )
        for widget in widgets:
            widget.blockSignals(True)
        self.search.setText(query.text)
        for box, value in (
            (self.genre, query.genre),
            (self.status, query.status),
            (self.source, query.source),
            (self.sort, query.sort),
        ):
            if value is not None and box.findData(value) < 0:
                box.addItem(value, value)  # a source no poster has any more
            box.setCurrentIndex(max(0, box.findData(value)))
        self.disagrees.setChecked(query.disagrees)
        self.undecided.setChecked(query.unlabelled)
        self.power.show_query(query)
        for widget in widgets:
            widget.blockSignals(False)
        if self.power.active():
            self.more.setChecked(True)
        self._emit()

    def show_counts(self, counts: dict[str, dict[Any, int]]) -> None:
        """Show beside each choice how many posters of the grid have it (``facet_counts``)."""
        power = self.power
        for facet, box in (
            ("genre", self.genre),
            ("status", self.status),
            ("provenance", power.provenance),
            ("curator", power.curator),
            *power.yes_no.items(),
        ):
            if facet in counts:
                show_counts(box, counts[facet])

    def set_views(self, views: dict[str, PosterQuery]) -> None:
        """Offer these saved views (by name)."""
        self._saved = dict(views)
        self.views.blockSignals(True)
        while self.views.count() > 1:
            self.views.removeItem(1)
        for name in views:
            self.views.addItem(name, name)
        self.views.blockSignals(False)
        self._on_query_changed(self.query())

    def saved_views(self) -> dict[str, PosterQuery]:
        """The saved views offered, by name."""
        return dict(self._saved)

    def current_view(self) -> str | None:
        """The saved view whose filters the bar shows now, if any."""
        return self.views.currentData()

    def apply_view(self, name: str) -> None:
        """Show the saved view ``name``."""
        if name in self._saved:
            self.show_query(self._saved[name])

    def _on_views_activated(self, index: int) -> None:
        name = self.views.itemData(index)
        if name is None:
            self.clear_filters()
        else:
            self.apply_view(name)

    def _on_query_changed(self, query: PosterQuery) -> None:
        self.clear.setEnabled(query.filtered)
        # The combo names the saved view the filters match, so a view changed by hand no
        # longer claims to be shown.
        plain = replace(query, ids=None)
        match = next((name for name, view in self._saved.items() if view == plain), None)
        self.views.setCurrentIndex(max(0, self.views.findData(match)) if match else 0)
        active = self.power.active()
        self.more.setText(
            "More filters ●" if active and not self.more.isChecked() else "More filters"
        )

    def set_sources(self, sources: list[str]) -> None:
        """Offer these poster sources, keeping the current choice when still there."""
        refill(self.source, sources)

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
            **self.power.fields(),
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


def _toggle(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setCheckable(True)
    button.setObjectName("filterToggle")
    return button
