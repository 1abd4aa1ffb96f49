"""The status bar: what the grid shows, other curators' edits as they land, the catalog's
counts, the curator and the zoom."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QSlider, QStatusBar, QWidget

from poster_tool.gui import settings as keys

NEWS_MS = 8000  # how long "Mina changed 3 posters" stays


class StatusBar(QStatusBar):
    """Counts on the left; other curators' edits, catalog totals, curator and the zoom
    slider on the right (where a refused edit's message, shown on the left, leaves them)."""

    def __init__(self, zoom: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = QLabel()
        self.news = QLabel()
        self.news.setObjectName("news")
        self._news_timer = QTimer(self, singleShot=True, interval=NEWS_MS)
        self._news_timer.timeout.connect(self.news.clear)
        self.catalog = QLabel()
        self.curator = QLabel()
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setObjectName("zoom")
        self.zoom.setRange(keys.ZOOM_MIN, keys.ZOOM_MAX)
        self.zoom.setValue(zoom)
        self.zoom.setFixedWidth(140)
        self.zoom.setToolTip("Thumbnail size")
        self.addWidget(self.counts, 1)
        for widget in (self.news, self.catalog, self.curator, QLabel("Zoom"), self.zoom):
            self.addPermanentWidget(widget)

    def show_counts(
        self,
        total: int,
        counting: bool,
        selected: int,
        row: int | None = None,
        queue: bool = False,
    ) -> None:
        """What the grid shows: matches (at least ``total`` while ``counting``), how many are
        selected, and where the current poster is (in the least-certain queue when
        ``queue``)."""
        text = f"{total:,}+ posters match (counting…)" if counting else f"{total:,} posters match"
        if selected:
            text += f" · {selected:,} selected"
        if row is not None:
            where = "in the least-certain queue" if queue else ""
            of = f"{total:,}+" if counting else f"{total:,}"
            text += f" · {row + 1:,} of {of} {where}".rstrip()
        self.counts.setText(text)

    def show_news(self, text: str) -> None:
        """What other curators just did (cleared after a few seconds)."""
        self.news.setText(text)
        self._news_timer.start()

    def show_stats(self, stats: dict[str, Any]) -> None:
        """The catalog's totals, from ``PosterStore.stats()``."""
        p = stats["posters"]
        self.catalog.setText(
            f"{stats['titles']:,} titles · {p['total']:,} posters: {p['pending']:,} pending, "
            f"{p['approved']:,} approved, {p['rejected']:,} rejected · "
            f"{stats['curated']:,} curated"
        )

    def show_curator(self, name: str) -> None:
        """Whose name goes into the audit log."""
        self.curator.setText(f"Curator: {name}")
