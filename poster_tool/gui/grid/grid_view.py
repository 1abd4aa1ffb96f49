"""``PosterGrid``: the icon-mode list view of posters, with zoom."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from poster_tool.gui.grid.thumbnail_delegate import PosterDelegate

if TYPE_CHECKING:
    from poster_tool.gui.grid.poster_model import PosterModel

# Rows laid out per batch.  Qt re-lays out every row after an insert (fetchMore), and with
# several batches the scroll position snaps back to the first batch's end meanwhile; one
# batch for any realistic number of loaded rows avoids that (~1.3 µs a row).
BATCH = 200_000


class PosterGrid(QListView):
    """A grid of poster cards over a :class:`PosterModel`.

    :param side: the pictures' long side in logical pixels (the zoom)
    """

    def __init__(self, model: PosterModel, side: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("posterGrid")
        self.poster_model = model
        self.delegate = PosterDelegate(side, parent=self)
        self.setModel(model)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setUniformItemSizes(True)
        self.setMovement(QListView.Movement.Static)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(BATCH)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSpacing(2)
        self.setWrapping(True)
        self.setMouseTracking(True)  # hover highlight
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.set_zoom(side)

    def moveCursor(
        self,
        action: QAbstractItemView.CursorAction,  # noqa: N802 - Qt's name
        modifiers: Qt.KeyboardModifier,
    ) -> QModelIndex:
        # End means the last poster of the filter, not the last row loaded so far.
        if action == QAbstractItemView.CursorAction.MoveEnd:
            self.poster_model.fetch_all()
        return super().moveCursor(action, modifiers)

    def show_uncertainty(self, on: bool) -> None:
        """Print the model's uncertainty on every card (the least-certain queue), not only
        on the unsure ones."""
        if self.delegate.always_uncertainty != on:
            self.delegate.always_uncertainty = on
            self.viewport().update()

    def set_zoom(self, side: int) -> None:
        """Draw pictures ``side`` logical pixels tall."""
        self.delegate.set_side(side)
        self.poster_model.set_thumb_side(round(side * self.devicePixelRatioF()))
        self.scheduleDelayedItemsLayout()  # uniform sizes are cached: lay out again

    def selected_ids(self) -> list[int]:
        """Selected poster ids in row order."""
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [self.poster_model.poster_id(r) for r in rows]

    def current_id(self) -> int | None:
        """The poster id with keyboard focus, if any."""
        index = self.currentIndex()
        return self.poster_model.poster_id(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        """Make ``row`` current and the only selection, scrolled into view."""
        index = self.poster_model.index(row)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def visible_rows(self) -> list[int]:
        """Rows whose card intersects the viewport now."""
        area = self.viewport().rect()
        first = self.indexAt(area.topLeft() + QPoint(4, 4))
        if not first.isValid():
            first = self.poster_model.index(0) if self.poster_model.rowCount() else QModelIndex()
        if not first.isValid():
            return []
        rows = []
        for row in range(first.row(), self.poster_model.rowCount()):
            rect = self.visualRect(self.poster_model.index(row))
            if rect.top() > area.bottom():
                break
            if rect.intersects(area):
                rows.append(row)
        return rows
