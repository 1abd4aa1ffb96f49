"""One row of the personalized preview: its data for every profile, its item model, its cards.

:func:`build_row` runs in a worker: it takes the titles of the grid's filter, twenty at a time
(the span over which the policy varies its picks), and computes the picks of *every* profile
once with :class:`~poster_tool.core.personalize.picks.RowPreview`, so switching profiles is a
lookup.  :class:`PreviewModel` adapts one profile's cards; :class:`CardDelegate` paints a card
(the shown poster above the title's default one, a label under each).  :func:`audience_for`
feeds the title pool's "who sees which poster" row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
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

from poster_tool.core.personalize.picks import Pick, RowPreview
from poster_tool.core.personalize.policy import NO_TASTE, PERSONAL, ROW_LENGTH, WEAK
from poster_tool.core.personalize.profiles import list_profiles
from poster_tool.core.personalize.samples import ensure_samples
from poster_tool.gui.thumbnail_delegate import ASPECT, COLORS
from poster_tool.gui.thumbnails import ThumbKey

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap

    from poster_tool.core.personalize.profiles import Profile
    from poster_tool.core.records import Poster, PosterQuery
    from poster_tool.core.store import PosterStore
    from poster_tool.gui.thumbnails import ThumbnailCache

CardRole = Qt.ItemDataRole.UserRole + 1  # Card
PersonalPixmapRole = Qt.ItemDataRole.UserRole + 2  # QPixmap of the picked poster, or None
DefaultPixmapRole = Qt.ItemDataRole.UserRole + 3  # QPixmap of the default poster, or None

Index = QModelIndex | QPersistentModelIndex

BIG = 160  # logical pixels: height of the personalized poster (≤ the stored thumbnails)
SMALL = 90  # ... and of the default poster under it
CARD_WIDTH = 140  # wider than the poster, so titles fit
_FALLBACK_WORDS = {NO_TASTE: "no taste yet", WEAK: "weak evidence"}


@dataclass(frozen=True)
class Card:
    """One title of the row as one profile sees it.

    :param reason: the policy's reason code (``PERSONAL``, ``NO_TASTE``, ``NO_FIT``, ``WEAK``)
    :param shown: the poster shown to the profile (``None``: nothing to show)
    :param default: the title's default poster as set (``None``: no default yet)
    """

    pick: Pick
    reason: int
    shown: Poster | None
    default: Poster | None

    @property
    def personalized(self) -> bool:
        """Whether the policy chose this poster for the viewer's taste."""
        return self.reason == PERSONAL

    @property
    def swapped(self) -> bool:
        """Whether the viewer sees another poster than the title's default."""
        return self.shown is not None and self.shown.id != self.pick.default_poster_id

    def label(self) -> str:
        """The short line under the shown poster."""
        if self.shown is None:
            return "nothing to show"
        if self.personalized:
            return f"personalized · {self.pick.selling_point}"
        return f"fallback · {_FALLBACK_WORDS.get(self.reason, 'nothing qualifies')}"

    def default_label(self) -> str:
        """The short line under the default poster."""
        if self.default is None:
            return "no default yet"
        if self.default.sensitive or self.default.status == "rejected":
            why = "sensitive" if self.default.sensitive else "rejected"
            return f"default · {why}, never shown"
        same = self.shown is not None and self.shown.id == self.default.id
        return "default · same poster" if same else "default"


@dataclass(frozen=True)
class Row:
    """The picks of every profile for one row of titles (built in a worker).

    :param first: position of the row's first title among the filter's titles
    :param total: titles matching the filter
    """

    profiles: tuple[Profile, ...]
    cards: dict[str, list[Card]]
    first: int
    total: int

    def personalized(self, name: str) -> int:
        """How many titles of the row the profile sees a personalized poster for."""
        return sum(card.personalized for card in self.cards.get(name, []))

    def swapped(self, name: str) -> int:
        """How many titles of the row the profile sees another poster than the default for."""
        return sum(card.swapped for card in self.cards.get(name, []))


def row_titles(store: PosterStore, query: PosterQuery) -> list[int]:
    """Title ids of the posters matching ``query``, in the grid's order, each once."""
    ids = store.query_ids(query, 0, max(1, store.count(query)))
    title_of = dict(
        store.db.execute(
            "SELECT id, title_id FROM posters WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(ids)],
        ).fetchall()
    )
    return list(dict.fromkeys(title_of[i] for i in ids))


def build_row(
    store: PosterStore, query: PosterQuery, page: int, row_length: int = ROW_LENGTH
) -> Row:
    """Row ``page`` of the titles matching ``query``, for every profile.

    Seeds the sample profiles first (once per workspace, as soon as it has titles).
    """
    ensure_samples(store)
    titles = row_titles(store, query)
    last_page = max(0, (len(titles) - 1) // row_length)
    first = min(max(0, page), last_page) * row_length
    ids = titles[first : first + row_length]
    if not ids:
        return Row(tuple(list_profiles(store)), {}, 0, 0)
    preview = RowPreview(store, ids)
    picks = {p.name: preview.picks(p.name) for p in preview.profiles}
    wanted = {
        i
        for row in picks.values()
        for pick in row
        for i in (pick.poster_id, pick.default_poster_id)
        if i is not None
    }
    posters = {p.id: p for p in store.posters(sorted(wanted))}
    cards = {
        profile.name: [
            Card(
                pick,
                int(preview.choices.reason[n, t]),
                posters.get(pick.poster_id or -1),
                posters.get(pick.default_poster_id or -1),
            )
            for t, pick in enumerate(picks[profile.name])
        ]
        for n, profile in enumerate(preview.profiles)
    }
    return Row(tuple(preview.profiles), cards, first, len(titles))


def audience_for(store: PosterStore, title_id: int) -> dict[int, list[str]]:
    """Which profiles are shown which poster of one title (the title pool's hook).

    The title is taken on its own: row variety, which can reorder equally fitting posters
    within a preview row, does not apply.
    """
    audience = RowPreview(store, [title_id]).audience(title_id)
    return {poster_id: names for poster_id, names in audience.items() if poster_id is not None}


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
