"""The Review dock: the queue of curator edits no reviewer has decided on, by curator and
date, where a reviewer accepts (Y) or overrides (O) the selected posters' edits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QPushButton, QTreeWidget, QTreeWidgetItem, QWidget

from poster_tool.gui.common.wording import plural
from poster_tool.gui.review.entry_list import EntryListDock, Reader
from poster_tool.gui.review.entry_text import change_text, when_text

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.records import AuditEntry
    from poster_tool.gui.context import AppContext

QUEUE_LIMIT = 500  # entries listed at once: a reviewer works from the top
ACCEPT_KEY, OVERRIDE_KEY = "Y", "O"
ALL_CURATORS = "All curators"
# Periods the queue can be cut to, by how many days back they start (UTC days, as stored).
PERIODS = {"Any date": None, "Today": 0, "Since yesterday": 1, "Last 7 days": 6, "Last 30 days": 29}


def period_start(name: str, today: datetime | None = None) -> str | None:
    """The ISO date a period starts on (``None``: any date)."""
    days = PERIODS[name]
    if days is None:
        return None
    day = (today or datetime.now(timezone.utc)).date() - timedelta(days=days)
    return day.isoformat()


class ReviewDock(EntryListDock):
    """The reviewer's queue over the context's catalog; decisions go through the editor.

    :param context: the application context (store, editor, catalog signals)
    """

    poster_selected = Signal(int)  # the poster of the entry the reviewer selected

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        self._row = 0  # the row to select when the next read arrives
        self.curator = QComboBox()
        self.curator.setToolTip("Show the edits of one curator")
        self.curator.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.period = QComboBox()
        self.period.addItems(list(PERIODS))
        self.period.setToolTip("Show the edits made in a period (UTC days)")
        self.accept_button = QPushButton(f"Accept ({ACCEPT_KEY})")
        self.override_button = QPushButton(f"Override ({OVERRIDE_KEY})")
        self.override_button.setToolTip(
            "Put the selected posters back as they were before their first waiting edit"
        )
        super().__init__(
            context,
            "Review queue",
            "reviewDock",
            ["Curator", "When (UTC)", "Poster", "Change"],
            [self.curator, self.period, self.accept_button, self.override_button],
            parent,
        )
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        self.add_key(ACCEPT_KEY, self.accept)
        self.add_key(OVERRIDE_KEY, self.override)
        self.accept_button.clicked.connect(self.accept)
        self.override_button.clicked.connect(self.override)
        self.curator.activated.connect(self.reload)
        self.period.activated.connect(self.reload)
        self.tree.itemSelectionChanged.connect(self._on_tree_selection_changed)

    def reader(self) -> Reader:
        chosen = self.curator.currentText()
        curator = None if chosen in ("", ALL_CURATORS) else chosen
        since = period_start(self.period.currentText())

        def read(store: PosterStore) -> tuple[str, list[str], list[AuditEntry]]:
            queue = store.review_queue(curator, since, limit=QUEUE_LIMIT)
            return chosen, store.review_curators(), queue

        return read

    def show_entries(self, found: tuple[str, list[str], list[AuditEntry]]) -> None:
        chosen, names, shown = found
        self.curator.clear()
        self.curator.addItems([ALL_CURATORS, *names])
        self.curator.setCurrentText(chosen if chosen in names else ALL_CURATORS)
        self.tree.clear()
        for entry in shown:
            item = QTreeWidgetItem(
                [entry.curator, when_text(entry), f"#{entry.poster_id}", change_text(entry)]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, entry.poster_id)
            self.tree.addTopLevelItem(item)
        for column in range(3):
            self.tree.resizeColumnToContents(column)
        posters = len({e.poster_id for e in shown})
        more = " (the oldest shown first; decide to see more)" if len(shown) == QUEUE_LIMIT else ""
        if self.period.currentIndex() > 0:
            more += f" ({self.period.currentText().lower()})"
        edits = plural(len(shown), "edit")
        wait = "waits" if len(shown) == 1 else "wait"
        self.summary.setText(f"{edits} of {plural(posters, 'poster')} {wait}{more}")
        if count := len(shown):
            # After a decision the reviewer goes on where they were.
            row = min(self._row, count - 1)
            self.tree.setCurrentIndex(self.tree.model().index(row, 0))

    def selected_posters(self) -> list[int]:
        """The posters of the selected entries, in list order."""
        return list(
            dict.fromkeys(
                int(item.data(0, Qt.ItemDataRole.UserRole)) for item in self.tree.selectedItems()
            )
        )

    def accept(self) -> None:
        """Accept the waiting edits of the selected entries' posters (one undo step)."""
        self._decide("accepted")

    def override(self) -> None:
        """Override them: the posters go back to before their first waiting edit."""
        self._decide("overridden")

    def _decide(self, decision: str) -> None:
        self._row = max(self.tree.currentIndex().row(), 0)
        self.context.editor.review(self.selected_posters(), decision)

    def _on_tree_selection_changed(self) -> None:
        if posters := self.selected_posters():
            self.poster_selected.emit(posters[0])
