"""``PosterGrid``: the grid of poster cards, with zoom, laid out by arithmetic.

Every card has the same size, so a row's place is ``divmod(row, columns)``: the view never
lays out rows one by one.  ``QListView`` does (its icon mode stores a rectangle per row) and
takes seconds at a million posters; here a reset, a resize or a jump costs the same at any
size, and only the visible cards are asked for data.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QRect,
    Qt,
    QTimer,
)
from PySide6.QtGui import QPainter, QRegion
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyleOptionViewItem, QWidget

from poster_tool.gui.grid.card_cache import DEFAULT_BUDGET
from poster_tool.gui.grid.poster_model import ThumbnailRole
from poster_tool.gui.grid.thumbnail_delegate import PosterDelegate

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from PySide6.QtCore import QPersistentModelIndex
    from PySide6.QtGui import QMouseEvent, QPaintEvent, QResizeEvent

    from poster_tool.gui.grid.poster_model import PosterModel

SPACING = 2  # pixels around each card
SCROLL_STEP = 24  # pixels per wheel notch / arrow click
# Painting a card costs ~1 ms (several on a busy machine): a paint event paints new cards
# for this long, shows the rest as they were and paints them a moment later, so a frame
# stays short however many cards change at once.
PAINT_BUDGET_S = 0.005
# A new page (a jump, a new filter, the first paint) is painted whole: blank cards there
# would not be the page the curator asked for.
PAGE_BUDGET_S = 0.1
LATER_MS = 5  # the pause before late cards, and cards about to scroll in, are painted
CARD_SCREENS = 3  # kept cards cover this many screenfuls at least
READY_ROWS = 5_000  # rows remembered as painted ahead

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
        self._late = QRegion()  # cards shown as they were, to paint when there is time
        self._ahead = range(0)  # rows about to scroll into view, nearest first
        self._ready: set[int] = set()  # rows whose cards are painted ahead, as they are now
        self._later = QTimer(self, singleShot=True, interval=LATER_MS)
        self._later.timeout.connect(self._on_later_timeout)
        self.setModel(model)
        self.setItemDelegate(self.delegate)
        self.setMouseTracking(True)  # hover highlight
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The view fills its own background: Qt then moves the pixels already painted on a
        # scroll step and asks only for the strip scrolled in (otherwise it repaints all).
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
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

    def dataChanged(
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        super().dataChanged(top_left, bottom_right, roles)
        if list(roles) != [ThumbnailRole]:  # a picture landing changes no card painted ahead
            self._ready.clear()

    def reset(self) -> None:
        super().reset()
        self._ready.clear()
        self._late = QRegion()

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
        self._late.translate(dx, dy)  # late cards moved with the pixels
        # The next screenful the way the curator scrolls is read while this one shows,
        # and its cards are painted before they scroll in.
        shown = self._rows_in(self.viewport().rect())
        if shown and dy:
            screen = shown[-1][1] - shown[0][0] + 1
            if dy < 0:
                self._ahead = range(shown[-1][1] + 1, shown[-1][1] + screen + 1)
            else:
                self._ahead = range(shown[0][0] - 1, max(-1, shown[0][0] - screen - 1), -1)
            self.poster_model.read_ahead(min(self._ahead, default=0), max(self._ahead, default=-1))
            self._later.start()

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

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_screen()

    def _fit_screen(self) -> None:
        """Size what follows the screen's size and the zoom: the card cache, and a new
        query's first read."""
        # Enough cards for the screen and those about to scroll in, at any zoom or size.
        ratio = self.devicePixelRatioF()
        area = self.viewport().width() * self.viewport().height() * ratio * ratio
        self.delegate.cards.budget = max(DEFAULT_BUDGET, round(CARD_SCREENS * 4 * area))
        # A new query's first read: the cards of a screen and of the line below it.
        lines = self.viewport().height() // self._cell()[1] + 2
        self.poster_model.screenful = lines * self.columns()

    # -- painting -----------------------------------------------------------------------------
    def _option(self, row: int, option: QStyleOptionViewItem) -> QModelIndex:
        """Fill ``option`` for the card of ``row`` (starting from the view's plain option)."""
        index = self.poster_model.index(row)
        option.rect = self.visualRect(index)
        if self.selectionModel().isSelected(index):
            option.state |= QStyle.StateFlag.State_Selected
        if self.hasFocus() and index == self.currentIndex():
            option.state |= QStyle.StateFlag.State_HasFocus
        if row == self._hover:
            option.state |= QStyle.StateFlag.State_MouseOver
        return index

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        background = self.viewport().palette().brush(self.viewport().backgroundRole())
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        plain = option.state
        ratio = self.devicePixelRatioF()
        # Each rectangle of the region, not its bounding box: a picture landing at the top
        # while a strip scrolls in at the bottom must not repaint every card between them.
        rects: Iterable[QRect] = event.region()  # type: ignore[assignment] # iterable, untyped
        rows: set[int] = set()
        area = 0
        for rect in rects:
            painter.fillRect(rect, background)  # the gaps between cards: the view is opaque
            area += rect.width() * rect.height()
            for first, last in self._rows_in(rect):
                rows.update(range(first, last + 1))
        # A new screen (a filter change, a jump): most of it is cards never painted.  The
        # same cards changed (an edit landed on every poster shown) show their last look
        # and are painted again a few at a time, as a scroll's are.
        page = 2 * area > self.viewport().width() * self.viewport().height() and 2 * sum(
            self.delegate.cards.last(self.poster_model.poster_id(row)) is None for row in rows
        ) > len(rows)
        if page:  # its records in one read
            self.poster_model.read_rows(rows)
        until = time.perf_counter() + (PAGE_BUDGET_S if page else PAINT_BUDGET_S)
        before = self.delegate.painted
        for row in sorted(rows):
            option.state = plain
            index = self._option(row, option)
            # At least one new card a paint, however busy the machine: the rest follow.
            in_time = self.delegate.painted == before or time.perf_counter() < until
            card = self.delegate.card(option, index, ratio, render=in_time)
            if card is not None:
                painter.drawPixmap(option.rect.topLeft(), card)
                continue
            self.delegate.paint_stand_in(painter, option, index)
            if not in_time:
                self._late += option.rect
                self._later.start()
        painter.end()

    def _on_later_timeout(self) -> None:
        if not self._late.isEmpty():  # cards shown as they were: paint them now
            self.viewport().update(self._late)
            self._late = QRegion()
            self._later.start()  # and then the cards about to scroll in
            return
        # Then the cards about to scroll in whose record and picture are at hand, nearest
        # first, a slice of time at a go.
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        plain = option.state
        ratio = self.devicePixelRatioF()
        until = time.perf_counter() + PAINT_BUDGET_S
        for row in self._ahead:
            if row in self._ready or not self.poster_model.at_hand(row):
                continue
            if time.perf_counter() >= until:
                self._later.start()
                return
            option.state = plain
            self.delegate.card(option, self._option(row, option), ratio)
            self._ready.add(row)
        if len(self._ready) > READY_ROWS:  # long scrolled past: start over
            self._ready.clear()

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
        self._fit_screen()
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

    def pool_row(self) -> int | None:
        """The row whose title the pool shows: the current one, else (a selection made by a
        program, which leaves no current row) the first selected."""
        current = self.currentIndex()
        if current.isValid():
            return current.row()
        selection = self.selectionModel().selection()
        tops = [selection.at(n).top() for n in range(selection.size())]
        return min(tops) if tops else None

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
