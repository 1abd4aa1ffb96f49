"""``CardCache``: each poster card painted once into a pixmap, then only copied to the screen.

Painting a card (rounded shapes, elided text, chips, badges) costs about a millisecond in
Python; a scroll step exposes a dozen cards and a picture arriving repaints its card, so
painting every time kept a frame at 15–30 ms.  A card is painted again only when what it
shows changed: the card remembers everything it was painted from (the record, its genres'
verdict, the picture, the hover and selection state, the size), and a lookup compares that.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Hashable

    from PySide6.QtGui import QPixmap

DEFAULT_BUDGET = 16 * 2**20  # bytes of card pixmaps (~130 grid cards: three screenfuls)


class CardCache:
    """Painted cards by poster id, newest use last, under a byte budget.

    :param budget: bytes of pixmaps to keep
    """

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._cards: OrderedDict[int, tuple[Hashable, QPixmap]] = OrderedDict()
        self._bytes = 0

    @property
    def bytes_used(self) -> int:
        """Bytes of card pixmaps held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._cards)

    def get(self, poster_id: int, look: Hashable) -> QPixmap | None:
        """The card of ``poster_id`` if it was painted from exactly ``look``."""
        held = self._cards.get(poster_id)
        if held is None or held[0] != look:
            return None
        self._cards.move_to_end(poster_id)
        return held[1]

    def last(self, poster_id: int | None) -> QPixmap | None:
        """The card of ``poster_id`` painted last, whatever it was painted from (shown for
        a moment while its new card waits to be painted)."""
        held = self._cards.get(poster_id) if poster_id is not None else None
        return None if held is None else held[1]

    def put(self, poster_id: int, look: Hashable, card: QPixmap) -> None:
        """Keep ``card``, painted from ``look``, in place of any older card of the poster."""
        self._drop(poster_id)
        self._cards[poster_id] = (look, card)
        self._bytes += _size(card)
        while self._bytes > self.budget and len(self._cards) > 1:
            self._drop(next(iter(self._cards)))

    def clear(self) -> None:
        """Forget every card (the card size or the way cards are drawn changed)."""
        self._cards.clear()
        self._bytes = 0

    def _drop(self, poster_id: int) -> None:
        held = self._cards.pop(poster_id, None)
        if held is not None:
            self._bytes -= _size(held[1])


def _size(card: QPixmap) -> int:
    return card.width() * card.height() * 4
