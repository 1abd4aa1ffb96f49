"""Poster pictures for the grid and panels, decoded off the GUI thread.

Workers decode to a scaled ``QImage`` (safe outside the GUI thread); the cache turns it
into a ``QPixmap`` on the GUI thread and keeps a byte budget of them, newest use last.
Requests wait in a bounded queue and are decoded in small batches, newest first: after a
fast scroll, the newest requests are what the user is looking at.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QObject, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

from poster_tool.core.errors import PosterToolError
from poster_tool.core.imaging import THUMB_SIDE, open_rgb
from poster_tool.gui.common.workers import CallWorker, lower_priority, start

if TYPE_CHECKING:
    from poster_tool.core.workspace import Workspace

BATCH = 8  # pictures decoded by one worker
MAX_BATCHES = 4  # batches handed to the pool at once
MAX_WAITING = 256  # requests queued behind them (oldest dropped: scrolled out of view)
DEFAULT_BUDGET = 32 * 2**20  # bytes of decoded pixmaps kept (~700 grid thumbnails, 15 screenfuls)


class ThumbKey(NamedTuple):
    """One decoded picture: a poster at a long side in device pixels."""

    poster_id: int
    side: int


class ThumbSource(NamedTuple):
    """Where a picture comes from: the grid thumbnail, or the original for larger sizes."""

    thumb: Path
    original: Path


def decode_batch(
    generation: int, batch: list[tuple[ThumbKey, ThumbSource]]
) -> tuple[int, list[tuple[ThumbKey, QImage | None]]]:
    """Decode several pictures in one worker; a broken file yields ``None`` for its key.

    :param generation: handed back, so results for a closed workspace can be told apart
    """
    lower_priority()  # (the pool is the cache's own: its threads do nothing else)
    out: list[tuple[ThumbKey, QImage | None]] = []
    for key, source in batch:
        try:
            out.append((key, decode(source, key.side)))
        except (PosterToolError, OSError):
            out.append((key, None))
    return generation, out


def decode(source: ThumbSource, side: int) -> QImage:
    """A ``QImage`` with long side ``side`` at most; runs in a worker thread.

    Sizes up to the stored thumbnail's come from it (a few KB to read); larger ones from
    the original, which Pillow decodes at reduced size (JPEG draft mode).
    """
    image = QImage()
    if side <= THUMB_SIDE and source.thumb.exists():
        image.load(str(source.thumb))
    if image.isNull():
        pil = open_rgb(source.original, max_side=side)  # raises: the cell shows "broken"
        data = pil.tobytes()
        image = QImage(data, pil.width, pil.height, 3 * pil.width, QImage.Format.Format_RGB888)
        image = image.copy()  # own the pixels: ``data`` is freed when this function returns
    if max(image.width(), image.height()) > side:
        image = image.scaled(
            QSize(side, side),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


class ThumbnailCache(QObject):
    """Decoded posters by ``(poster id, side)`` under a byte budget.

    :param workspace: where thumbnails and originals live
    :param budget: bytes of pixmaps to keep
    """

    loaded = Signal(object)  # ThumbKey: its picture (or the knowledge it is broken) is ready

    def __init__(
        self, workspace: Workspace, budget: int = DEFAULT_BUDGET, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.budget = budget
        self._pixmaps: OrderedDict[ThumbKey, QPixmap | None] = OrderedDict()
        self._bytes = 0
        self._running: set[ThumbKey] = set()
        self._waiting: OrderedDict[ThumbKey, ThumbSource] = OrderedDict()
        self._sides: dict[int, set[int]] = {}  # poster id -> sides cached, for fallbacks
        self._generation = 0  # bumped by clear(): late results of a closed workspace are dropped
        self._batches = 0  # batches running
        self._pump_scheduled = False
        # A pool of its own, so a long import on the global pool never starves the grid.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max(2, QThreadPool.globalInstance().maxThreadCount()))

    # -- queries ----------------------------------------------------------------------------
    @property
    def bytes_used(self) -> int:
        """Bytes of decoded pixmaps held now."""
        return self._bytes

    @property
    def pending(self) -> int:
        """Loads running or waiting."""
        return len(self._running) + len(self._waiting)

    def __len__(self) -> int:
        return len(self._pixmaps)

    def has(self, key: ThumbKey) -> bool:
        """Whether ``key`` is decoded (or known to be broken)."""
        return key in self._pixmaps

    def known(self, key: ThumbKey) -> bool:
        """Whether ``key`` is decoded, broken, being decoded or waiting to be."""
        return key in self._pixmaps or key in self._running or key in self._waiting

    def get(self, key: ThumbKey) -> QPixmap | None:
        """The picture when decoded (``None`` if not yet, or broken); marks it recently used."""
        if key not in self._pixmaps:
            return None
        self._pixmaps.move_to_end(key)
        return self._pixmaps[key]

    def nearest(self, key: ThumbKey) -> QPixmap | None:
        """The closest other size of the same poster, to show scaled while ``key`` loads."""
        sides = self._sides.get(key.poster_id)
        if not sides:
            return None
        side = min(sides, key=lambda s: (abs(s - key.side), -s))
        return self._pixmaps.get(ThumbKey(key.poster_id, side))

    # -- loading ----------------------------------------------------------------------------
    def source(self, sha256: str, path: str) -> ThumbSource:
        """Where the pictures of a poster (by its catalog fields) come from."""
        return ThumbSource(self.workspace.thumb_path(sha256), self.workspace.image_path(path))

    def request(self, key: ThumbKey, source: ThumbSource, soon: bool = True) -> None:
        """Decode ``key`` in the background unless cached or already on its way.

        Requests are gathered until the event loop is idle and then decoded in batches,
        newest first: starting one worker per picture costs more than decoding it.

        :param soon: shown now (decoded first); ``False``: wanted later, decoded after every
            other request and the first dropped when too many wait
        """
        if key in self._pixmaps or key in self._running:
            return
        if not soon and key in self._waiting:
            return  # already wanted, maybe soon: keep its place
        self._waiting[key] = source
        self._waiting.move_to_end(key, last=soon)
        while len(self._waiting) > MAX_WAITING:
            self._waiting.popitem(last=False)
        if not self._pump_scheduled:
            self._pump_scheduled = True
            QTimer.singleShot(0, self._pump)

    def _pump(self) -> None:
        self._pump_scheduled = False
        while self._waiting and self._batches < MAX_BATCHES:
            batch: list[tuple[ThumbKey, ThumbSource]] = []
            while self._waiting and len(batch) < BATCH:
                batch.append(self._waiting.popitem(last=True))
            self._running.update(key for key, _ in batch)
            self._batches += 1
            # Bound-method slots: Qt drops them if this cache is deleted before they arrive.
            worker = CallWorker(partial(decode_batch, self._generation, batch))
            worker.signals.result.connect(self._on_decoded)
            start(worker, self.pool)

    def _on_decoded(self, result: tuple[int, list[tuple[ThumbKey, QImage | None]]]) -> None:
        generation, images = result
        if generation != self._generation:
            return
        self._batches -= 1
        for key, image in images:
            self._running.discard(key)
            pixmap = None if image is None or image.isNull() else QPixmap.fromImage(image)
            self._store(key, pixmap)
            self.loaded.emit(key)
        self._pump()

    def _store(self, key: ThumbKey, pixmap: QPixmap | None) -> None:
        self._pixmaps[key] = pixmap
        self._sides.setdefault(key.poster_id, set()).add(key.side)
        self._bytes += _size(pixmap)
        while self._bytes > self.budget and len(self._pixmaps) > 1:
            old_key, old = self._pixmaps.popitem(last=False)
            self._bytes -= _size(old)
            sides = self._sides.get(old_key.poster_id)
            if sides is not None:
                sides.discard(old_key.side)
                if not sides:
                    del self._sides[old_key.poster_id]

    def clear(self) -> None:
        """Drop everything (another workspace was opened); running loads finish unseen."""
        self._generation += 1
        self._pixmaps.clear()
        self._sides.clear()
        self._running.clear()
        self._waiting.clear()
        self._batches = 0
        self._bytes = 0

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until running decodes finish (for tests, screenshots and shutdown)."""
        return self.pool.waitForDone(msecs)


def _size(pixmap: QPixmap | None) -> int:
    return 0 if pixmap is None else pixmap.width() * pixmap.height() * 4
