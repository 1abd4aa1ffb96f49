"""``PosterGrid``: the grid of poster cards, with zoom, laid out by arithmetic.

Every card has the same size, so a row's place is ``divmod(row, columns)``: the view never
lays out rows one by one.  ``QListView`` does (its icon mode stores a rectangle per row) and
takes seconds at a million posters; here a reset, a resize or a jump costs the same at any
size, and only the visible cards are asked for data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QPainter, QRegion
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyleOptionViewItem, QWidget

from poster_tool.gui.grid.thumbnail_delegate import PosterDelegate

if TYPE_CHECKING:
    from collections.abc import Iterable

    from PySide6.QtCore import QPersistentModelIndex
    from PySide6.QtGui import QMouseEvent, QPaintEvent

    from poster_tool.gui.grid.poster_model import PosterModel

SPACING = 2  # pixels around each card
SCROLL_STEP = 24  # pixels per wheel notch / arrow click

Action = QAbstractItemView.CursorAction


class PosterGrid(QAbstractItemView):
    """A grid of poster cards over a :class:`PosterModel`.

    :param side: the pictures' long side in logical pixels (the zoom)
    """

    def __init__(self, model: PosterModel, side: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("posterGrid")
        self.poster_model = model
        self.delegate = PosterDelegate(side, parent=self)
        self._hover = -1  # row under the mouse
        self._cell_size = (1, 1)  # a card and its spacing; set with the zoom
        self.setModel(model)
        self.setItemDelegate(self.delegate)
        self.setMouseTracking(True)  # hover highlight
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.set_zoom(side)

    # -- geometry ---------------------------------------------------------------------------
    def spacing(self) -> int:
        """Pixels around each card."""
        return SPACING

    def _cell(self) -> tuple[int, int]:
        return self._cell_size

    def columns(self) -> int:
        """Cards per line at the current width."""
        return max(1, self.viewport().width() // self._cell()[0])

    def _content_rect(self, row: int) -> QRect:
        """The card of ``row`` in content coordinates (before scrolling)."""
        width, height = self._cell()
        line, column = divmod(row, self.columns())
        return QRect(
            column * width + SPACING,
            line * height + SPACING,
            width - 2 * SPACING,
            height - 2 * SPACING,
        )

    def visualRect(self, index: QModelIndex | QPersistentModelIndex) -> QRect:
        if not index.isValid():
            return QRect()
        return self._content_rect(index.row()).translated(0, -self.verticalOffset())

    def indexAt(self, point: QPoint) -> QModelIndex:
        width, height = self._cell()
        column = point.x() // width
        line = (point.y() + self.verticalOffset()) // height
        row = line * self.columns() + column
        if point.x() < 0 or column >= self.columns() or line < 0:
            return QModelIndex()
        if row >= self.poster_model.rowCount():
            return QModelIndex()
        index = self.poster_model.index(row)
        return index if self.visualRect(index).contains(point) else QModelIndex()

    def _rows_in(self, area: QRect) -> list[tuple[int, int]]:
        """``(first, last)`` rows of each line of cards that ``area`` (viewport) touches."""
        count = self.poster_model.rowCount()
        if not count:
            return []
        width, height = self._cell()
        columns = self.columns()
        top = max(0, (area.top() + self.verticalOffset()) // height)
        bottom = (area.bottom() + self.verticalOffset()) // height
        left = max(0, area.left() // width)
        right = min(columns - 1, area.right() // width)
        spans = []
        for line in range(top, bottom + 1):
            first, last = line * columns + left, min(line * columns + right, count - 1)
            if first > last:
                break
            spans.append((first, last))
        return spans

    def updateGeometries(self) -> None:
        height = self._cell()[1]
        lines = -(-self.poster_model.rowCount() // self.columns())
        bar = self.verticalScrollBar()
        bar.setSingleStep(SCROLL_STEP)
        bar.setPageStep(self.viewport().height())
        bar.setRange(0, max(0, lines * height - self.viewport().height()))
        super().updateGeometries()

    def rowsInserted(
        self, parent: QModelIndex | QPersistentModelIndex, first: int, last: int
    ) -> None:
        # The rest of a result arrived: the scrollbar spans it now.
        super().rowsInserted(parent, first, last)
        self.updateGeometries()
        self.viewport().update()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        # Move the pixels already painted and paint only the strip scrolled in (the base
        # class repaints every card on each scroll step).
        self.viewport().scroll(dx, dy)

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def isIndexHidden(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        return False

    def scrollTo(
        self,
        index: QModelIndex | QPersistentModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        if not index.isValid():
            return
        rect = self._content_rect(index.row()).adjusted(0, -SPACING, 0, SPACING)
        view = self.viewport().height()
        bar = self.verticalScrollBar()
        hints = QAbstractItemView.ScrollHint
        if hint == hints.PositionAtTop:
            bar.setValue(rect.top())
        elif hint == hints.PositionAtBottom:
            bar.setValue(rect.bottom() - view + 1)
        elif hint == hints.PositionAtCenter:
            bar.setValue(rect.center().y() - view // 2)
        elif rect.top() < bar.value():
            bar.setValue(rect.top())
        elif rect.bottom() >= bar.value() + view:
            bar.setValue(rect.bottom() - view + 1)

    # -- keys and selection -------------------------------------------------------------------
    def moveCursor(
        self,
        action: QAbstractItemView.CursorAction,  # noqa: N802 - Qt's name
        modifiers: Qt.KeyboardModifier,
    ) -> QModelIndex:
        count = self.poster_model.rowCount()
        if not count:
            return QModelIndex()
        current = self.currentIndex()
        row = current.row() if current.isValid() else 0
        columns = self.columns()
        page = max(1, self.viewport().height() // self._cell()[1]) * columns
        # End (and Ctrl+End) means the last poster of the filter, even while it is counted.
        if action == Action.MoveEnd:
            self.poster_model.fetch_all()
            count = self.poster_model.rowCount()
        moves = {
            Action.MoveLeft: row - 1,
            Action.MovePrevious: row - 1,
            Action.MoveRight: row + 1,
            Action.MoveNext: row + 1,
            Action.MoveUp: row - columns,
            Action.MoveDown: row + columns,
            Action.MovePageUp: row - page,
            Action.MovePageDown: row + page,
            Action.MoveHome: 0,
            Action.MoveEnd: count - 1,
        }
        target = moves.get(action, row)
        if action in (Action.MoveUp, Action.MoveDown) and not 0 <= target < count:
            target = row  # no card above the first line or below the last
        return self.poster_model.index(min(max(target, 0), count - 1))

    def keyboardSearch(self, search: str) -> None:
        # Type-ahead would read every title of the filter (a million at worst) on the GUI
        # thread; the search field finds titles instead.
        return

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        selection = QItemSelection()
        for first, last in self._rows_in(rect.normalized()):
            selection.select(self.poster_model.index(first), self.poster_model.index(last))
        self.selectionModel().select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        region = QRegion()
        shown = self._rows_in(self.viewport().rect())
        if not shown:
            return region
        low, high = shown[0][0], shown[-1][1]
        for span in (selection.at(n) for n in range(selection.size())):
            for row in range(max(span.top(), low), min(span.bottom(), high) + 1):
                region += self._content_rect(row).translated(0, -self.verticalOffset())
        return region

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        selection = self.selectionModel()
        current = self.currentIndex()
        focus = self.hasFocus()
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        plain = option.state
        # Each rectangle of the region, not its bounding box: a picture landing at the top
        # while a strip scrolls in at the bottom must not repaint every card between them.
        rects: Iterable[QRect] = event.region()  # type: ignore[assignment] # iterable, untyped
        rows = sorted(
            {
                row
                for rect in rects
                for first, last in self._rows_in(rect)
                for row in range(first, last + 1)
            }
        )
        for row in rows:
            index = self.poster_model.index(row)
            option.rect = self.visualRect(index)
            option.state = plain
            if selection.isSelected(index):
                option.state |= QStyle.StateFlag.State_Selected
            if focus and index == current:
                option.state |= QStyle.StateFlag.State_HasFocus
            if row == self._hover:
                option.state |= QStyle.StateFlag.State_MouseOver
            self.delegate.paint(painter, option, index)
        painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._set_hover(self.indexAt(event.position().toPoint()).row())
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: object) -> None:
        self._set_hover(-1)
        super().leaveEvent(event)  # type: ignore[arg-type]

    def _set_hover(self, row: int) -> None:
        if row != self._hover:
            for old in (self._hover, row):
                if old >= 0:
                    self.viewport().update(self.visualRect(self.poster_model.index(old)))
            self._hover = row

    # -- the window's API ---------------------------------------------------------------------
    def show_uncertainty(self, on: bool) -> None:
        """Print the model's uncertainty on every card (the least-certain queue), not only
        on the unsure ones."""
        if self.delegate.always_uncertainty != on:
            self.delegate.always_uncertainty = on
            self.viewport().update()

    def set_zoom(self, side: int) -> None:
        """Draw pictures ``side`` logical pixels tall."""
        self.delegate.set_side(side)
        card = self.delegate.sizeHint(QStyleOptionViewItem(), QModelIndex())
        self._cell_size = (card.width() + 2 * SPACING, card.height() + 2 * SPACING)
        self.poster_model.set_thumb_side(round(side * self.devicePixelRatioF()))
        self.scheduleDelayedItemsLayout()  # the card size changed: lay out again

    def selected_ids(self) -> list[int]:
        """Selected poster ids in row order."""
        selection = self.selectionModel().selection()
        rows = sorted(
            row
            for span in (selection.at(n) for n in range(selection.size()))
            for row in range(span.top(), span.bottom() + 1)
        )
        return [self.poster_model.poster_id(row) for row in rows]

    def selected_count(self) -> int:
        """How many posters are selected (counted by ranges: Ctrl+A selects a million)."""
        selection = self.selectionModel().selection()
        return sum(selection.at(n).height() for n in range(selection.size()))

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
        return [
            row
            for first, last in self._rows_in(self.viewport().rect())
            for row in range(first, last + 1)
        ]
