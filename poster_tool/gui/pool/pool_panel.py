"""The title pool: every poster of one title side by side, to approve, reject and pick the
default; duplicates are outlined.

Which viewer profile would be shown which poster is drawn under each card, from the
``profile_picks`` function the panel is given (the window gives it the personalization's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.errors import PosterToolError
from poster_tool.core.imaging import hamming_many
from poster_tool.core.intake import NEAR_DUPLICATE_BITS
from poster_tool.gui.common.theme import COLORS
from poster_tool.gui.grid.poster_model import PosterModel
from poster_tool.gui.grid.thumbnail_delegate import PosterDelegate

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.records import Poster
    from poster_tool.gui.common.thumbnails import ThumbnailCache

# ``(store, title id) -> {poster id: [profile names]}``: who would see which poster.
ProfilePicks = Callable[["PosterStore", int], dict[int, list[str]]]

POOL_SIDE = 176  # logical pixels of a pool card's picture height


class PoolPanel(QWidget):
    """All posters of one title; its buttons act on the pool's own selection.

    :param store: the GUI thread's store (``None`` until a workspace opens)
    :param profile_picks: tells which profiles get which poster (``None``: nothing drawn)
    """

    status_requested = Signal(list, str)  # poster ids, new status
    default_requested = Signal(list)  # poster ids (the first becomes the default)
    selection_changed = Signal(list)  # poster ids selected in the pool

    def __init__(
        self,
        store: PosterStore | None,
        thumbnails: ThumbnailCache | None,
        parent: QWidget | None = None,
        profile_picks: ProfilePicks | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._profile_picks = profile_picks
        self.title_id: int | None = None
        self.model = PosterModel(store, thumbnails, self)
        self.delegate = PosterDelegate(POOL_SIDE, pool=True, parent=self)
        self.view = QListView()
        self.view.setObjectName("poolView")
        self.view.setModel(self.model)
        self.view.setItemDelegate(self.delegate)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(False)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setSpacing(4)
        self.view.setMouseTracking(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)

        self.heading = QLabel("No title selected")
        self.heading.setStyleSheet("font-weight: bold;")
        self.note = QLabel()
        self.note.setStyleSheet(f"color: {COLORS['muted'].name()};")
        self.approve = QPushButton("Approve")
        self.reject = QPushButton("Reject")
        self.make_default = QPushButton("Make default")
        self.approve.clicked.connect(lambda: self._request_status("approved"))
        self.reject.clicked.connect(lambda: self._request_status("rejected"))
        self.make_default.clicked.connect(self._on_default_clicked)
        bar = QHBoxLayout()
        bar.addWidget(self.heading)
        bar.addWidget(self.note, 1)
        for button in (self.approve, self.reject, self.make_default):
            button.setEnabled(False)
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        ratio = self.devicePixelRatioF()
        self.model.thumb_side = round(POOL_SIDE * 1.5 * ratio)  # landscape cards are wide

    @property
    def store(self) -> PosterStore | None:
        """The GUI thread's store (``None`` until a workspace opens)."""
        return self._store

    @store.setter
    def store(self, store: PosterStore | None) -> None:
        self._store = self.model.store = store

    def sizeHint(self) -> QSize:
        card = self.delegate.sizeHint(QStyleOptionViewItem(), self.model.index(-1))
        return QSize(800, card.height() + 2 * self.view.spacing() + 48)

    def selected_ids(self) -> list[int]:
        """Poster ids selected in the pool, in row order."""
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.poster_id(r) for r in rows]

    def show_title(self, title_id: int | None, keep_selection: bool = False) -> None:
        """Show the pool of ``title_id`` (``None`` empties the panel)."""
        selected = self.selected_ids() if keep_selection else []
        self.title_id = title_id
        if title_id is None or self.store is None:
            self.title_id = None
            self.model.set_ids([])
            self.heading.setText("No title selected")
            self.note.setText("")
            return
        try:
            title = self.store.get_title(title_id)
            posters = self.store.pool(title_id)
        except PosterToolError as exc:
            self.note.setText(str(exc))
            return
        if self._profile_picks is not None:
            try:
                self.model.profile_picks = self._profile_picks(self.store, title_id)
            except PosterToolError:
                self.model.profile_picks = {}
        self.model.set_ids([p.id for p in posters])
        self.heading.setText(f"{title.display} — pool of {len(posters)}")
        self.model.highlighted = duplicates_within(posters)
        default = title.default_poster_id
        twins = len(self.model.highlighted)
        self.note.setText(
            (f"  default #{default}" if default is not None else "  no default yet")
            + (f" · {twins} duplicates outlined" if twins else "")
        )
        for poster_id in selected:
            row = self.model.row_of(poster_id)
            if row is not None:
                self.view.selectionModel().select(
                    self.model.index(row), self.view.selectionModel().SelectionFlag.Select
                )

    def refresh(self, poster_ids: list[int]) -> None:
        """Re-read edited posters when they belong to the pool shown."""
        if self.model.held(poster_ids):
            self.show_title(self.title_id, keep_selection=True)

    def _on_view_selection_changed(self) -> None:
        ids = self.selected_ids()
        for button in (self.approve, self.reject, self.make_default):
            button.setEnabled(bool(ids))
        self.selection_changed.emit(ids)

    def _request_status(self, status: str) -> None:
        ids = self.selected_ids()
        if ids:
            self.status_requested.emit(ids, status)

    def _on_default_clicked(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.default_requested.emit(ids[:1])


def duplicates_within(posters: list[Poster]) -> set[int]:
    """Posters of one pool that repeat another one of the pool (same or near-same picture)."""
    marked: set[int] = set()
    for n, poster in enumerate(posters):
        others = posters[n + 1 :]
        if not others:
            break
        distances = hamming_many(poster.phash, [o.phash for o in others])
        for other, distance in zip(others, distances, strict=True):
            if distance <= NEAR_DUPLICATE_BITS:
                marked.update((poster.id, other.id))
    return marked
