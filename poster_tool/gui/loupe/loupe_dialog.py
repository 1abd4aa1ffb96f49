"""The loupe window: one poster at full resolution, or two to four side by side.

Originals are decoded in a worker (a large poster takes longer than a frame); meanwhile
the largest cached thumbnail stands in.  Side by side, every poster is drawn at the same
scale and pans together, so a low-resolution upload looks small next to a sharp one; each
card says its genres and the model's scores, and D makes the current one its title's
default (one undo step, like Make Default in the window).
"""

from __future__ import annotations

import html
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from poster_tool.core.errors import PosterToolError
from poster_tool.gui.common.theme import COLORS
from poster_tool.gui.common.thumbnails import ThumbKey, decode
from poster_tool.gui.common.workers import CallWorker, start
from poster_tool.gui.loupe.picture_view import PictureView

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.records import Poster
    from poster_tool.gui.context import AppContext

MAX_COMPARED = 4
FULL_SIDE = 8192  # the longest side decoded: beyond it a poster is a print file, not a web one
SHOWN_SCORES = 3  # model scores under each card, highest first
KEYS_HINT = (
    "Wheel or +/− zoom · drag or arrows pan · F fit · 1 actual size · Tab next poster · "
    "D make default · Esc close"
)


class LoupeDialog(QDialog):
    """Posters at full resolution; several share one scale.

    :param poster_ids: one to four posters, shown left to right
    """

    def __init__(
        self, context: AppContext, poster_ids: list[int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loupeDialog")
        self.context = context
        self.poster_ids = poster_ids[:MAX_COMPARED]
        self.setWindowTitle("Loupe" if len(self.poster_ids) == 1 else "Compare posters")
        self.views: list[PictureView] = []
        self.captions: list[QLabel] = []
        self._scale: float | None = None  # None: fit
        self.current = 0
        row = QHBoxLayout()
        for n, _ in enumerate(self.poster_ids):
            view = PictureView()
            view.setObjectName(f"loupeView{n}")
            view.scale_requested.connect(self.set_scale)
            view.pan_requested.connect(self.pan)
            view.activated.connect(partial(self._set_current, n))
            caption = QLabel()
            caption.setWordWrap(True)
            caption.setTextFormat(Qt.TextFormat.RichText)
            column = QVBoxLayout()
            column.addWidget(view, 1)
            column.addWidget(caption)
            row.addLayout(column, 1)
            self.views.append(view)
            self.captions.append(caption)
        self.status = QLabel()
        self.status.setStyleSheet(f"color: {COLORS['muted'].name()};")
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(self.status)
        for key, slot in (
            ("F", lambda: self.set_scale(None)),
            ("1", lambda: self.set_scale(1.0)),
            ("D", self.make_default),
            ("Space", self.close),  # Space opened it: Space closes it, as in a file browser
        ):
            QShortcut(QKeySequence(key), self, slot)
        self.context.catalog_changed.connect(self._on_catalog_changed)
        self.resize(1200 if len(self.poster_ids) > 1 else 900, 900)
        self._posters: dict[int, Poster] = {}
        self._decoding: set[int] = set()  # views whose original is on its way
        self._read()
        self._load()
        self._set_current(0)

    # -- reading ----------------------------------------------------------------------------
    def _read(self) -> None:
        store = self.context.store
        if store is None:
            return
        try:
            posters = {p.id: p for p in store.posters(self.poster_ids)}
            scores = store.model_scores(self.poster_ids)
        except PosterToolError as exc:
            self.status.setText(str(exc))
            return
        self._posters = posters
        for poster_id, caption in zip(self.poster_ids, self.captions, strict=False):
            poster = posters.get(poster_id)
            if poster is not None:
                caption.setText(card_text(poster, scores.get(poster_id, {})))
        self._show_status()

    def _load(self) -> None:
        thumbs = self.context.thumbnails
        for n, poster_id in enumerate(self.poster_ids):
            poster = self._posters.get(poster_id)
            view = self.views[n]
            if poster is None:
                view.message = f"Poster #{poster_id} is no longer in the catalog"
                continue
            view.set_picture(thumbs.nearest(ThumbKey(poster_id, FULL_SIDE)), _size(poster))
            worker = CallWorker(
                partial(decode, thumbs.source(poster.sha256, poster.path), FULL_SIDE)
            )
            worker.signals.result.connect(partial(self._on_decoded, n))
            worker.signals.error.connect(partial(self._on_failed, n))
            self._decoding.add(n)
            start(worker)

    def loaded(self) -> bool:
        """Whether every original has been decoded (or found broken)."""
        return not self._decoding

    def _on_decoded(self, n: int, image: QImage) -> None:
        self._decoding.discard(n)
        view = self.views[n]
        view.message = ""
        poster = self._posters[self.poster_ids[n]]
        view.set_picture(QPixmap.fromImage(image), _size(poster))
        self.set_scale(self._scale)

    def _on_failed(self, n: int, message: str) -> None:
        self._decoding.discard(n)
        self.views[n].message = f"Cannot show this poster: {message}"
        self.views[n].update()

    def _on_catalog_changed(self, ids: list[int] | None) -> None:
        if ids is None or set(ids) & set(self.poster_ids):
            self._read()

    # -- scale and keys ---------------------------------------------------------------------
    def set_scale(self, scale: float | None) -> None:
        """Show every poster at ``scale`` (``None``: the largest scale at which all fit)."""
        self._scale = scale
        common = scale if scale is not None else min(v.fit_scale() for v in self.views)
        for view in self.views:
            view.set_scale(None if scale is None and len(self.views) == 1 else common)
        self._show_status()

    def scale(self) -> float:
        """The scale on screen (1.0: one poster pixel per logical pixel)."""
        return self.views[0].scale()

    def pan(self, dx: float, dy: float) -> None:
        """Move every poster by screen pixels: side by side, the same detail stays in view."""
        for view in self.views:
            view.pan(dx, dy)

    def make_default(self) -> None:
        """Make the current poster its title's default (undoable in the window)."""
        self.context.editor.make_default([self.poster_ids[self.current]])

    def _set_current(self, n: int) -> None:
        self.current = n
        for i, view in enumerate(self.views):
            view.current = len(self.views) > 1 and i == n
            view.update()
        if not self.views[n].hasFocus():
            self.views[n].setFocus()

    def _show_status(self) -> None:
        fit = " (fit)" if self._scale is None else ""
        self.status.setText(f"{round(self.scale() * 100)} %{fit} · {KEYS_HINT}")

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self._scale is None:
            self.set_scale(None)


def compared_ids(store: PosterStore, selected: list[int]) -> list[int]:
    """The posters to compare: the selection, or with one poster selected its title's pool
    (that poster first); at most :data:`MAX_COMPARED`."""
    if len(selected) != 1:
        return selected[:MAX_COMPARED]
    pool = [p.id for p in store.pool(store.get_poster(selected[0]).title_id)]
    return [selected[0], *(i for i in pool if i != selected[0])][:MAX_COMPARED]


def card_text(poster: Poster, scores: dict[str, float]) -> str:
    """The caption under a poster: title, size, status, genres and the model's top scores."""
    top = sorted(scores.items(), key=lambda kv: -kv[1])[:SHOWN_SCORES]
    model = " · ".join(f"{g} {s:.2f}" for g, s in top) if top else "not scored"
    star = " ★ default" if poster.is_default else ""
    return (
        f"<b>{html.escape(poster.title_name)}</b> #{poster.id} · {poster.width}×{poster.height} · "
        f"{poster.status}{star}<br>"
        f"Genres: {', '.join(poster.genres) or 'none'}<br>Model: {model}"
    )


def _size(poster: Poster) -> tuple[int, int]:
    return poster.width, poster.height
