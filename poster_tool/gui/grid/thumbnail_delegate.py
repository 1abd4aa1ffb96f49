"""``PosterDelegate`` paints one poster card: picture, title, year, genre chips, badges.

Chips tell label provenance apart at a glance: curator-confirmed genres are filled in the
accent colour, official (source) genres are filled grey, and genres only the model
suggests have a dashed outline.  Rejected posters are dimmed; the default poster of its
title wears a star; sensitive and duplicate posters carry a corner tag.  Each card is
painted once into a :class:`~poster_tool.gui.grid.card_cache.CardCache` and copied from
there until what it shows changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from poster_tool.core.final_genres import CURATOR, MODEL, SOURCE
from poster_tool.core.suggestions import UNSURE
from poster_tool.gui.common.theme import COLORS
from poster_tool.gui.grid.card_cache import CardCache
from poster_tool.gui.grid.poster_model import (
    HighlightRole,
    PosterIdRole,
    PosterRole,
    ProfilePicksRole,
    ThumbnailRole,
    ThumbnailStateRole,
    VerdictRole,
)

if TYPE_CHECKING:
    from poster_tool.core.final_genres import Verdict
    from poster_tool.core.records import Poster

PAD = 8
GAP = 6
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter
RADIUS = 6.0
ASPECT = 2 / 3  # a portrait poster's width / height

# Chip colour per provenance (core.final_genres): the source's genres are "official".
CHIP_KIND = {CURATOR: "curator", SOURCE: "official", MODEL: "model"}


class PosterDelegate(QStyledItemDelegate):
    """Paints poster cards of a fixed size (grid) or shaped by each poster (pool).

    :param side: the picture's long side in logical pixels
    :param pool: size each card by its poster's orientation (landscape cards are wide)
    """

    def __init__(self, side: int = 160, pool: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.side = side
        self.pool = pool
        self.always_uncertainty = False  # the least-certain queue shows it on every card
        self.cards = CardCache()
        self.painted = 0  # cards painted (not copied) so far
        self._title_font = QFont()
        self._title_font.setBold(True)
        self._small_font = QFont()
        self._small_font.setPointSizeF(max(6.5, self._small_font.pointSizeF() - 1.5))
        self._title_fm = QFontMetrics(self._title_font)
        self._small_fm = QFontMetrics(self._small_font)
        self._title_h = self._title_fm.height()
        self._small_h = self._small_fm.height()

    def set_side(self, side: int) -> None:
        """Change the picture size (the view must re-layout afterwards)."""
        if side != self.side:
            self.side = side
            self.cards.clear()

    # -- geometry ------------------------------------------------------------------------------
    def _box_size(self, poster: Poster | None) -> QSize:
        if self.pool and poster is not None and poster.orientation == "landscape":
            return QSize(round(self.side / ASPECT), self.side)
        return QSize(round(self.side * ASPECT), self.side)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        box = self._box_size(index.data(PosterRole) if self.pool else None)
        width = max(box.width(), 96) + 2 * PAD
        lines = self._title_h + self._small_h + (self._small_h + 6) + 3 * 2
        if self.pool:
            lines += self._small_h + 6  # the profiles row
        return QSize(width, PAD + box.height() + GAP + lines + PAD)

    # -- painting -------------------------------------------------------------------------------
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        card = self.card(option, index, painter.device().devicePixelRatioF())
        if card is None:
            self.paint_stand_in(painter, option, index)
        else:
            painter.drawPixmap(option.rect.topLeft(), card)

    def card(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        ratio: float,
        render: bool = True,
    ) -> QPixmap | None:
        """The card of ``index`` as ``option`` asks for it: kept, or painted now.

        :param ratio: device pixels per logical pixel where the card goes
        :param render: ``False``: only a kept card (``None`` when it must be painted)
        """
        poster: Poster | None = index.data(PosterRole)
        if poster is None:  # a row whose record is gone
            return None
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        outlined = bool(index.data(HighlightRole))
        # Asked even when the card is kept: that keeps the pictures on screen first in
        # the decoding queue.
        picture: QPixmap | None = index.data(ThumbnailRole)
        if picture is not None and picture.isNull():
            picture = None
        broken = picture is None and index.data(ThumbnailStateRole) == "broken"
        verdict: Verdict | None = index.data(VerdictRole)
        picks = tuple(index.data(ProfilePicksRole) or ()) if self.pool else ()
        size = option.rect.size()
        look = (
            poster,
            verdict,
            picture.cacheKey() if picture is not None else broken,
            selected,
            hover,
            outlined,
            picks,
            size.width(),
            size.height(),
            self.always_uncertainty,
        )
        card = self.cards.get(poster.id, look)
        if card is None and render:
            card = QPixmap(size * ratio)
            card.setDevicePixelRatio(ratio)
            card.fill(Qt.GlobalColor.transparent)
            card_painter = QPainter(card)
            frame = QRectF(0, 0, size.width(), size.height())
            self._paint_frame(card_painter, frame, selected, hover, outlined)
            self._paint_poster(card_painter, frame, poster, picture, broken, verdict, picks)
            card_painter.end()
            self.cards.put(poster.id, look, card)
            self.painted += 1
        return card

    def paint_stand_in(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """What shows until the card is painted: its last card, or an empty frame."""
        last = self.cards.last(index.data(PosterIdRole))
        if last is not None and last.deviceIndependentSize().toSize() == option.rect.size():
            painter.drawPixmap(option.rect.topLeft(), last)
            return
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        self._paint_frame(painter, QRectF(option.rect), selected, hover, False)
        painter.restore()

    def _paint_frame(
        self, painter: QPainter, rect: QRectF, selected: bool, hover: bool, outlined: bool
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = (
            COLORS["card_selected"]
            if selected
            else COLORS["card_hover"]
            if hover
            else COLORS["card"]
        )
        if selected or outlined:
            painter.setPen(QPen(COLORS["accent" if selected else "duplicate"], 2))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect.adjusted(3, 3, -3, -3), RADIUS, RADIUS)

    def _paint_poster(
        self,
        painter: QPainter,
        frame: QRectF,
        poster: Poster,
        picture: QPixmap | None,
        broken: bool,
        verdict: Verdict | None,
        picks: tuple[str, ...],
    ) -> None:
        rect = frame.adjusted(3, 3, -3, -3)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)  # fallback sizes only
        box = self._box_size(poster)
        box_rect = QRect(
            round(rect.center().x() - box.width() / 2),
            round(rect.top()) + PAD - 3,
            box.width(),
            box.height(),
        )
        if poster.status == "rejected":
            painter.setOpacity(0.45)
        self._paint_picture(painter, box_rect, picture, broken)
        painter.setOpacity(1.0)
        duplicate = bool(poster.duplicate_of or poster.near_duplicate_of)
        self._paint_badges(painter, box_rect, poster, duplicate)

        text_left = round(rect.left()) + PAD
        text_width = round(rect.width()) - 2 * PAD
        y = box_rect.bottom() + GAP
        painter.setFont(self._title_font)
        painter.setPen(COLORS["text"])
        painter.drawText(
            QRect(text_left, y, text_width, self._title_h),
            LEFT,
            self._title_fm.elidedText(poster.title_name, Qt.TextElideMode.ElideRight, text_width),
        )
        y += self._title_h + 2
        painter.setFont(self._small_font)
        painter.setPen(COLORS["muted"])
        wide = self.pool and poster.orientation == "landscape"
        unsure = poster.model_uncertainty is not None and (
            self.always_uncertainty or poster.model_uncertainty >= UNSURE
        )
        shown = (
            poster.title_year,
            poster.status,
            "landscape" if wide else None,
            f"unsure {poster.model_uncertainty:.2f}" if unsure else None,
        )
        facts = " · ".join(str(x) for x in shown if x)
        painter.drawText(
            QRect(text_left, y, text_width, self._small_h),
            LEFT,
            self._small_fm.elidedText(facts, Qt.TextElideMode.ElideRight, text_width),
        )
        y += self._small_h + 4
        self._paint_chips(
            painter, QRect(text_left, y, text_width, self._small_h + 4), poster, verdict
        )
        if self.pool:
            y += self._small_h + 8
            self._paint_chip_row(
                painter,
                QRect(text_left, y, text_width, self._small_h + 4),
                [(name, "profile", False) for name in picks],
            )

    def _paint_picture(
        self, painter: QPainter, box: QRect, pixmap: QPixmap | None, broken: bool
    ) -> None:
        if pixmap is None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(COLORS["placeholder"])
            painter.drawRoundedRect(QRectF(box), 4, 4)
            if broken:
                painter.setPen(COLORS["muted"])
                painter.setFont(self._small_font)
                painter.drawText(box, CENTER, "image missing")
            return
        size = pixmap.deviceIndependentSize().toSize()
        if (
            size.width() > box.width()
            or size.height() > box.height()
            or (size.width() < box.width() and size.height() < box.height())
        ):
            size = size.scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(
            box.left() + (box.width() - size.width()) // 2,
            box.top() + (box.height() - size.height()) // 2,
            size.width(),
            size.height(),
        )
        # Thumbnails are decoded at the drawn size, so this is a plain blit (no clip path
        # or smooth scaling: those cost more than the rest of the card together).
        painter.drawPixmap(target, pixmap)

    def _paint_badges(self, painter: QPainter, box: QRect, poster: Poster, duplicate: bool) -> None:
        d = 20
        if poster.status in ("approved", "rejected"):
            circle = QRectF(box.right() - d - 4, box.top() + 4, d, d)
            painter.setPen(QPen(QColor(0, 0, 0, 90), 1))
            painter.setBrush(COLORS[poster.status])
            painter.drawEllipse(circle)
            painter.setPen(
                QPen(
                    QColor("white"),
                    2.2,
                    Qt.PenStyle.SolidLine,
                    Qt.PenCapStyle.RoundCap,
                    Qt.PenJoinStyle.RoundJoin,
                )
            )
            c = circle.center()
            if poster.status == "approved":
                painter.drawPolyline(
                    [
                        QPointF(c.x() - 5, c.y()),
                        QPointF(c.x() - 1.5, c.y() + 4),
                        QPointF(c.x() + 5, c.y() - 4),
                    ]
                )
            else:
                painter.drawLine(QPointF(c.x() - 4, c.y() - 4), QPointF(c.x() + 4, c.y() + 4))
                painter.drawLine(QPointF(c.x() - 4, c.y() + 4), QPointF(c.x() + 4, c.y() - 4))
        tags = []
        if poster.is_default:
            tags.append(("★ DEFAULT", COLORS["default"], QColor("#1b1b1b")))
        if poster.sensitive:
            tags.append(("SENSITIVE", COLORS["sensitive"], QColor("#1b1b1b")))
        if duplicate:
            tags.append(("DUPLICATE", QColor("#1b1b1b"), COLORS["duplicate"]))
        painter.setFont(self._small_font)
        fm = self._small_fm
        x, y = box.left() + 4, box.top() + 4
        for text, background, foreground in tags:
            w = fm.horizontalAdvance(text) + 10
            tag = QRectF(x, y, w, fm.height() + 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(tag, 3, 3)
            painter.setPen(foreground)
            painter.drawText(tag, CENTER, text)
            y += fm.height() + 5

    def _paint_chips(
        self, painter: QPainter, rect: QRect, poster: Poster, verdict: Verdict | None
    ) -> None:
        # The genres the poster exports as: teal curator, grey official, dashed violet model;
        # an official genre the model doubts (the poster waits for review) is drawn red.
        if verdict is None:
            kind = "curator" if poster.curated else "official"
            chips = [(g, kind, False) for g in poster.genres]
        else:
            chips = [
                (
                    g.genre,
                    "doubted" if g.genre in verdict.doubted else CHIP_KIND[g.provenance],
                    g.provenance == MODEL,
                )
                for g in verdict.genres
            ]
        self._paint_chip_row(painter, rect, chips)

    def _paint_chip_row(
        self, painter: QPainter, rect: QRect, chips: list[tuple[str, str, bool]]
    ) -> None:
        painter.setFont(self._small_font)
        fm = self._small_fm
        x = rect.left()
        for n, (text, kind, dashed) in enumerate(chips):
            w = fm.horizontalAdvance(text) + 10
            more = f"+{len(chips) - n}"
            reserve = fm.horizontalAdvance(more) + 12 if n < len(chips) - 1 else 0
            if n == 0 and x + w + reserve > rect.right():  # the first chip always shows
                w = max(24, rect.right() - x - reserve)
                text = fm.elidedText(text, Qt.TextElideMode.ElideRight, w - 8)
            if x + w + reserve > rect.right():
                painter.setPen(COLORS["muted"])
                painter.drawText(QRect(x, rect.top(), rect.right() - x, rect.height()), LEFT, more)
                return
            chip = QRectF(x + 0.5, rect.top() + 0.5, w - 1, rect.height() - 1)
            color = COLORS[kind]
            if dashed:
                painter.setPen(QPen(color, 1.2, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QBrush(color))
            painter.drawRoundedRect(chip, rect.height() / 2, rect.height() / 2)
            painter.setPen(color.lighter(130) if dashed else COLORS["text"])
            painter.drawText(chip, CENTER, text)
            x += w + 4
