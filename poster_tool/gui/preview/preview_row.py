"""The widgets of one row of the personalized preview: :class:`PreviewModel` adapts one
profile's cards (built in a worker by :func:`poster_tool.core.personalize.row.build_row`);
:class:`CardDelegate` paints a card (the shown poster above the title's default one, a
label under each).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from poster_tool.gui.common.theme import COLORS
from poster_tool.gui.common.thumbnails import ThumbKey
from poster_tool.gui.grid.thumbnail_delegate import ASPECT

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap

    from poster_tool.core.personalize.row import Card
    from poster_tool.core.records import Poster
    from poster_tool.gui.common.thumbnails import ThumbnailCache

CardRole = Qt.ItemDataRole.UserRole + 1  # Card
PersonalPixmapRole = Qt.ItemDataRole.UserRole + 2  # QPixmap of the picked poster, or None
DefaultPixmapRole = Qt.ItemDataRole.UserRole + 3  # QPixmap of the default poster, or None

Index = QModelIndex | QPersistentModelIndex

BIG = 160  # logical pixels: height of the personalized poster (≤ the stored thumbnails)
SMALL = 90  # ... and of the default poster under it
CARD_WIDTH = 140  # wider than the poster, so titles fit


class PreviewModel(QAbstractListModel):
    """The cards of one profile's row; pictures come from the thumbnail cache.

    :param thumbnails: where pictures come from (``None``: no pictures, e.g. in tests)
    """

    def __init__(self, thumbnails: ThumbnailCache | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.cards: list[Card] = []
        self.sides = (BIG, SMALL)  # device pixels of the two pictures (set by the view)
        if thumbnails is not None:
            thumbnails.loaded.connect(self._on_thumbnail_loaded)

    def set_cards(self, cards: list[Card]) -> None:
        """Show these cards (switching profiles: no store access, pictures mostly cached)."""
        self.beginResetModel()
        self.cards = list(cards)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.cards)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.cards):
            return None
        card = self.cards[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return card.pick.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{card.pick.title}\n{card.pick.explanation}"
        if role == CardRole:
            return card
        if role == PersonalPixmapRole:
            return self._pixmap(card.shown, self.sides[0])
        if role == DefaultPixmapRole:
            return self._pixmap(card.default, self.sides[1])
        return None

    def _pixmap(self, poster: Poster | None, side: int) -> QPixmap | None:
        if poster is None or self.thumbnails is None:
            return None
        key = ThumbKey(poster.id, side)
        if self.thumbnails.has(key):
            return self.thumbnails.get(key)
        self.thumbnails.request(key, self.thumbnails.source(poster.sha256, poster.path))
        return self.thumbnails.nearest(key)

    def prefetch(self, cards: Iterable[Card]) -> None:
        """Start decoding the pictures of these cards unless cached."""
        for card in cards:
            self._pixmap(card.shown, self.sides[0])
            self._pixmap(card.default, self.sides[1])

    def _on_thumbnail_loaded(self, key: ThumbKey) -> None:
        for row, card in enumerate(self.cards):
            if key.poster_id in (card.pick.poster_id, card.pick.default_poster_id):
                index = self.index(row)
                self.dataChanged.emit(index, index, [PersonalPixmapRole, DefaultPixmapRole])

    def loaded(self) -> bool:
        """Whether every picture of the row has been decoded (for screenshots and tests)."""
        if self.thumbnails is None:
            return True
        keys = [
            ThumbKey(p.id, side)
            for card in self.cards
            for p, side in ((card.shown, self.sides[0]), (card.default, self.sides[1]))
            if p is not None
        ]
        return all(self.thumbnails.has(k) for k in keys)


class CardDelegate(QStyledItemDelegate):
    """Paints a card: title, the shown poster and its label, the default poster and its label."""

    PAD = 8

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._title_font = QFont()
        self._title_font.setBold(True)
        self._small_font = QFont()
        self._small_font.setPointSizeF(max(6.5, self._small_font.pointSizeF() - 1.5))
        self._title_h = QFontMetrics(self._title_font).height()
        self._small_fm = QFontMetrics(self._small_font)
        self._small_h = self._small_fm.height()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        width = max(round(BIG * ASPECT), CARD_WIDTH) + 2 * self.PAD
        height = (
            self.PAD
            + self._title_h
            + 2
            + self._small_h
            + 6
            + BIG
            + 4
            + self._small_h
            + 8
            + SMALL
            + 4
            + self._small_h
            + self.PAD
        )
        return QSize(width, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        card: Card | None = index.data(CardRole)
        if card is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = QRectF(option.rect).adjusted(3, 3, -3, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.setPen(QPen(COLORS["accent"], 2) if selected else Qt.PenStyle.NoPen)
        painter.setBrush(
            COLORS["card_selected"]
            if selected
            else COLORS["card_hover"]
            if hover
            else COLORS["card"]
        )
        painter.drawRoundedRect(rect, 6, 6)

        left, width = round(rect.left()) + self.PAD - 3, round(rect.width()) - 2 * self.PAD + 6
        y = round(rect.top()) + self.PAD - 3
        poster = card.shown or card.default
        name = poster.title_name if poster is not None else card.pick.title
        y = (
            self._text(
                painter,
                name,
                QRect(left, y, width, self._title_h),
                self._title_font,
                COLORS["text"],
            )
            + 2
        )
        facts = [str(poster.title_year or ""), *poster.genres[:2]] if poster is not None else []
        y = (
            self._text(
                painter,
                " · ".join(f for f in facts if f),
                QRect(left, y, width, self._small_h),
                self._small_font,
                COLORS["muted"],
            )
            + 6
        )
        big = QRect(left + (width - round(BIG * ASPECT)) // 2, y, round(BIG * ASPECT), BIG)
        y = self._picture(painter, index.data(PersonalPixmapRole), card.shown, big) + 4
        if card.swapped:
            self._tag(painter, big, "NOT DEFAULT" if not card.personalized else "PERSONAL")
        colour = COLORS["profile"] if card.personalized else COLORS["default"]
        y = self._label(painter, card.label(), QRect(left, y, width, self._small_h), colour) + 8
        small = QRect(left + (width - round(SMALL * ASPECT)) // 2, y, round(SMALL * ASPECT), SMALL)
        painter.setOpacity(0.85)  # the reference picture stays quieter than the pick
        y = self._picture(painter, index.data(DefaultPixmapRole), card.default, small) + 4
        painter.setOpacity(1.0)
        hidden = card.default is not None and (
            card.default.sensitive or card.default.status == "rejected"
        )
        self._label(
            painter,
            card.default_label(),
            QRect(left, y, width, self._small_h),
            COLORS["sensitive"] if hidden else COLORS["muted"],
        )
        painter.restore()

    def _tag(self, painter: QPainter, box: QRect, text: str) -> None:
        """A corner tag on the picture (the grid's DEFAULT tag, in the profile colour)."""
        painter.setFont(self._small_font)
        tag = QRectF(
            box.left() + 4,
            box.top() + 4,
            self._small_fm.horizontalAdvance(text) + 10,
            self._small_h + 2,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(COLORS["profile"])
        painter.drawRoundedRect(tag, 3, 3)
        painter.setPen(COLORS["text"])
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)

    def _text(self, painter: QPainter, text: str, rect: QRect, font: QFont, colour: QColor) -> int:
        painter.setFont(font)
        painter.setPen(colour)
        elided = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
        return rect.bottom() + 1

    def _label(self, painter: QPainter, text: str, rect: QRect, colour: QColor) -> int:
        """A coloured dot and a short label, centred under its picture."""
        painter.setFont(self._small_font)
        elided = self._small_fm.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 12)
        text_w = self._small_fm.horizontalAdvance(elided)
        x = rect.left() + (rect.width() - text_w - 10) // 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        d = 6
        painter.drawEllipse(QRectF(x, rect.center().y() - d / 2 + 1, d, d))
        painter.setPen(colour.lighter(125))
        painter.drawText(
            QRect(x + 10, rect.top(), text_w + 2, rect.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            elided,
        )
        return rect.bottom() + 1

    def _picture(
        self, painter: QPainter, pixmap: QPixmap | None, poster: Poster | None, box: QRect
    ) -> int:
        """The picture fitted into ``box`` (centred), or a quiet placeholder while it loads."""
        if pixmap is None or pixmap.isNull():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(COLORS["placeholder"])
            painter.drawRoundedRect(QRectF(box), 4, 4)
            if poster is None:
                painter.setPen(COLORS["muted"])
                painter.setFont(self._small_font)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "no poster")
            return box.bottom() + 1
        size = (
            pixmap.deviceIndependentSize()
            .toSize()
            .scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        )
        target = QRect(
            box.left() + (box.width() - size.width()) // 2,
            box.top() + (box.height() - size.height()) // 2,
            size.width(),
            size.height(),
        )
        painter.drawPixmap(target, pixmap)
        return box.bottom() + 1
