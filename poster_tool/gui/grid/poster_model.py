"""``PosterModel``: the grid's thin adapter over the catalog.

The model holds every matching poster id (8 bytes each: 8 MB at a million), so the
scrollbar spans the whole result and a jump anywhere is a lookup.  The first page of ids is
read at once, the rest by a worker while the first screen paints (``counting``); counting
the rows is then free.  Records for the rows on screen come from the store a page at a time
into a small LRU, and pictures come from the
:class:`~poster_tool.gui.common.thumbnails.ThumbnailCache`: memory is bounded by those
caches, not by how far the user scrolled.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from poster_tool.core.errors import TimeUp
from poster_tool.core.final_genres import Verdict, verdicts
from poster_tool.core.records import Poster, PosterQuery
from poster_tool.core.suggestions import uncertainty_words
from poster_tool.gui.common.thumbnails import ThumbKey
from poster_tool.gui.common.workers import WAITED, CallWorker, start, start_soon

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace
    from poster_tool.gui.common.thumbnails import ThumbnailCache

PosterIdRole = Qt.ItemDataRole.UserRole + 1  # int
PosterRole = Qt.ItemDataRole.UserRole + 2  # records.Poster
ThumbnailRole = Qt.ItemDataRole.UserRole + 3  # QPixmap, or None while loading
VerdictRole = Qt.ItemDataRole.UserRole + 4  # final_genres.Verdict: genres + provenance
ThumbnailStateRole = Qt.ItemDataRole.UserRole + 5  # "ready" | "loading" | "broken"
ProfilePicksRole = Qt.ItemDataRole.UserRole + 6  # profile names shown this poster (pools)
HighlightRole = Qt.ItemDataRole.UserRole + 7  # bool: outlined (duplicates within a pool)

ID_PAGE = 200  # ids read before the first paint, at most (a screenful); a worker reads the rest
FIRST_PAGE_S = 0.03  # longer (a rare filter the indexes cannot find at once): all in the worker
RECORD_PAGE = 100  # records per store round-trip (~2 ms)
SPAN_AFTER = 200  # an edit of more rows repaints their whole span (one signal, not one a row)
MAX_RECORDS = 2_000  # records kept; a screenful is ~100
UNDECIDED_CHUNK = 500  # rows checked per query when looking for the next undecided poster
MAX_WAITING = 512  # rows waiting for a picture (each a persistent index Qt must maintain)

Index = QModelIndex | QPersistentModelIndex


class PosterModel(QAbstractListModel):
    """Posters matching a :class:`PosterQuery`, or a fixed ordered list of ids.

    :param store: the GUI thread's store (``None``: empty until one is set)
    :param thumbnails: where pictures come from (``None``: no pictures, e.g. in tests)

    ``counted`` tells that every id of the query is in (``counting`` is over).
    """

    counted = Signal()

    def __init__(
        self,
        store: PosterStore | None,
        thumbnails: ThumbnailCache | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        # Where a worker opens its own connection to read a large result (``None``: read
        # it here, at once, as tests and short fixed lists do).
        self.workspace: Workspace | None = None
        self.thumbnails = thumbnails
        self.thumb_side = 160  # device pixels of the long side the view draws
        # The cards a screen holds (the grid tells): a new query's first read, up to ID_PAGE;
        # fewer ids read is a sooner paint (a search for a common word walks its sort).
        self.screenful = ID_PAGE
        self._query = PosterQuery()
        self._fixed: list[int] | None = None
        self._ids = array("q")
        self._rows: dict[int, int] = {}  # poster id -> row, for the first page and records held
        self._loader: CallWorker | None = None  # reading the rest of the ids
        self._reader: CallWorker | None = None  # reading records ahead of the scroll
        self._edition = 0  # bumped by a reset or an edit: records read before are stale
        self._records: OrderedDict[int, Poster] = OrderedDict()
        self._verdicts: dict[int, Verdict] = {}
        self._waiting: dict[ThumbKey, list[QPersistentModelIndex]] = {}
        self.profile_picks: dict[int, list[str]] = {}  # poster id -> profiles (pool view)
        self.highlighted: set[int] = set()  # poster ids to outline
        if thumbnails is not None:
            thumbnails.loaded.connect(self._on_thumbnail_loaded)

    # -- what is shown ------------------------------------------------------------------------
    @property
    def query(self) -> PosterQuery:
        """The query shown (its ``ids`` field holds a fixed list's ids)."""
        return self._query

    @property
    def total(self) -> int:
        """How many posters match (so far, while ``counting``)."""
        return len(self._ids)

    @property
    def counting(self) -> bool:
        """Whether a worker is still reading the ids after the first page."""
        return self._loader is not None

    @property
    def cached_records(self) -> int:
        """How many poster records are held (bounded by ``MAX_RECORDS``)."""
        return len(self._records)

    @property
    def fixed(self) -> bool:
        """Whether the model shows a fixed list (near-duplicates, similar posters)."""
        return self._fixed is not None

    def set_query(self, query: PosterQuery) -> None:
        """Show the posters matching ``query`` in its sort order."""
        self._reset(query, None)

    def set_ids(self, ids: Sequence[int], query: PosterQuery | None = None) -> None:
        """Show exactly these posters in this order (closest first, say).

        :param query: further filters to remember for display; only ``ids`` are shown
        """
        ids = list(dict.fromkeys(ids))
        self._reset(replace(query or PosterQuery(), ids=tuple(ids)), ids)

    def reload(self) -> None:
        """Query again (after an import, or to drop posters that no longer match)."""
        self._reset(self._query, self._fixed)

    def _store(self) -> PosterStore:
        # Rows exist only while a store is set (set_query needs one to count them).
        assert self.store is not None, "the model has rows but no store"
        return self.store

    def _reset(self, query: PosterQuery, fixed: list[int] | None) -> None:
        self.beginResetModel()
        self._query, self._fixed = query, fixed
        self._edition += 1
        self._stop_loader()
        self._rows.clear()
        self._records.clear()
        self._verdicts.clear()
        self._waiting.clear()
        if fixed is not None:
            ids = fixed
        elif self.store is None:
            ids = []
        else:
            page = max(1, min(ID_PAGE, self.screenful))
            first = self._first_page(self.store, query, page)
            if first is not None and len(first) <= page:
                ids = first  # the whole result
            elif self.workspace is None:  # no worker to hand the rest to: read it here
                ids = self.store.query_ids(query, 0, -1)
            else:
                ids = (first or [])[:page]
                self._load_rest(self.workspace, query, ids, page)
        self._ids = array("q", ids)
        self._rows.update((poster_id, row) for row, poster_id in enumerate(ids[:ID_PAGE]))
        self.endResetModel()

    def _first_page(self, store: PosterStore, query: PosterQuery, page: int) -> list[int] | None:
        """One more id than a page (more follow?), or ``None`` when that takes too long."""
        if self.workspace is None:
            return store.query_ids(query, 0, page + 1)
        try:
            with store.time_limit(FIRST_PAGE_S):
                return store.query_ids(query, 0, page + 1)
        except TimeUp:
            return None

    def _load_rest(
        self, workspace: Workspace, query: PosterQuery, first: list[int], page: int
    ) -> None:
        def rest() -> array[int]:
            shown = first
            # Stopped mid-scan when the curator has moved on to another filter.
            with workspace.store(mapped=False) as store, store.stop_when(lambda: worker.cancelled):
                if not shown:  # the first page was too slow to wait for: it is shown first
                    shown = store.query_ids(query, 0, page)
                    worker.emit("progress", array("q", shown))
                return _after(store.query_id_array(query), shown)

        worker = self._loader = CallWorker(rest)
        self._loader.signals.progress.connect(self._on_loader_page)
        self._loader.signals.result.connect(self._on_loader_result)
        self._loader.signals.error.connect(self._on_loader_error)
        start_soon(self._loader, WAITED)  # after the first page's paint

    def _stop_loader(self) -> None:
        if self._loader is not None:
            self._loader.cancel()
            self._loader = None

    def _current_loader(self) -> bool:
        # A superseded worker's result is for an older query: dropped.
        return self._loader is not None and self.sender() is self._loader.signals

    def _on_loader_page(self, page: array[int]) -> None:
        if self._current_loader() and page:
            self.beginInsertRows(QModelIndex(), 0, len(page) - 1)  # inclusive
            self._ids.extend(page)
            self._rows.update((poster_id, row) for row, poster_id in enumerate(page))
            self.endInsertRows()

    def _on_loader_result(self, rest: array[int]) -> None:
        if self._current_loader():
            self._loader = None
            self._append(rest)

    def _on_loader_error(self, _message: str) -> None:
        if self._current_loader():  # read the rest here instead: the rows must be right
            self.fetch_all()

    def _append(self, rest: Sequence[int]) -> None:
        if rest:
            start = len(self._ids)
            self.beginInsertRows(QModelIndex(), start, start + len(rest) - 1)  # inclusive
            self._ids.extend(rest)
            self.endInsertRows()
        self.counted.emit()

    def fetch_all(self) -> None:
        """Have every id of the query now (End, the next undecided poster): read here what
        the worker has not delivered yet."""
        if self._loader is None:
            return
        self._stop_loader()
        self._append(_after(self._store().query_id_array(self._query), self._ids.tolist()))

    # -- Qt model API -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        poster_id = self._ids[index.row()]
        if role == PosterIdRole:
            return poster_id
        poster = self.poster_at(index.row())
        if poster is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"{poster.title_name} ({poster.title_year})"
                if poster.title_year
                else poster.title_name
            )
        if role == PosterRole:
            return poster
        if role == ThumbnailRole:
            return self._thumbnail(index, poster)
        if role == ThumbnailStateRole:
            return self._thumbnail_state(poster)
        if role == VerdictRole:
            return self._verdicts.get(poster_id)
        if role == ProfilePicksRole:
            return self.profile_picks.get(poster_id, [])
        if role == HighlightRole:
            return poster_id in self.highlighted
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(poster, self._verdicts.get(poster_id))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{poster.title_name}, {poster.status}, {', '.join(poster.genres)}"
        return None

    # -- records --------------------------------------------------------------------------------
    def poster_id(self, row: int) -> int:
        """The poster id at ``row``."""
        return self._ids[row]

    def row_of(self, poster_id: int) -> int | None:
        """The row showing ``poster_id`` if it is on the first page or its record is held
        (the rows an edit can be seen on)."""
        return self._rows.get(poster_id)

    def poster_at(self, row: int) -> Poster | None:
        """The record at ``row``, loading its page of records when needed."""
        poster_id = self._ids[row]
        poster = self._records.get(poster_id)
        if poster is None:
            first = row - row % RECORD_PAGE
            ids = self._ids[first : first + RECORD_PAGE].tolist()
            self._rows.update((i, first + n) for n, i in enumerate(ids))
            self._load_records(ids)
            poster = self._records.get(poster_id)
        else:
            self._records.move_to_end(poster_id)
        return poster

    def read_rows(self, rows: Iterable[int]) -> None:
        """Have the records of these rows (a paint is about to show them) in one store
        round-trip, not a page of ``RECORD_PAGE`` around each: after a filter change the
        first screen reads its ~30 records instead of 100, cold from disk at a million
        posters."""
        missing = [
            (row, self._ids[row])
            for row in rows
            if 0 <= row < len(self._ids) and self._ids[row] not in self._records
        ]
        if missing:
            self._rows.update((poster_id, row) for row, poster_id in missing)
            self._load_records([poster_id for _, poster_id in missing])

    def _load_records(self, ids: Sequence[int]) -> None:
        store = self._store()
        self._keep(store.posters(ids), verdicts(store, ids))

    def _keep(self, posters: list[Poster], found: dict[int, Verdict]) -> None:
        for poster in posters:
            self._records[poster.id] = poster
        self._verdicts.update(found)
        while len(self._records) > MAX_RECORDS:
            old, _ = self._records.popitem(last=False)
            self._verdicts.pop(old, None)
            self._rows.pop(old, None)

    def refresh(self, poster_ids: Sequence[int]) -> None:
        """Re-read these posters after an edit and repaint their rows.

        The records are dropped and read again when their rows are next shown (a page at a
        time): re-reading an edit of 20,000 posters at once blocked the window for seconds.
        """
        rows = [self._rows[i] for i in self.held(poster_ids)]
        self._edition += 1
        for poster_id in self._among(poster_ids, self._records):
            self._records.pop(poster_id, None)
            self._verdicts.pop(poster_id, None)
        if len(rows) > SPAN_AFTER:  # one signal: the view repaints only what it shows
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)))
            return
        for row in rows:  # exact rows: the view repaints no row that did not change
            self.dataChanged.emit(self.index(row), self.index(row))

    def held(self, poster_ids: Sequence[int]) -> list[int]:
        """Those of ``poster_ids`` whose rows are known (see :meth:`row_of`)."""
        return self._among(poster_ids, self._rows)

    @staticmethod
    def _among(poster_ids: Sequence[int], known: Mapping[int, object]) -> list[int]:
        # An edit of 100,000 posters: look through the few thousand known instead (a
        # look-up of each edited id took 100 ms of the GUI thread).
        if len(poster_ids) <= len(known):
            return [i for i in poster_ids if i in known]
        edited = set(poster_ids)
        return [i for i in known if i in edited]

    def refresh_all(self) -> None:
        """Re-read every poster when next shown (after a catalog-wide change such as
        re-scoring), keeping the rows, the selection and the scroll position."""
        self._edition += 1
        self._records.clear()
        self._verdicts.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1))

    def read_ahead(self, first: int, last: int) -> None:
        """Have the records and pictures of rows ``first``..``last`` (about to scroll into
        view) read in the background, so the paint that shows them only copies.

        Reading a page of records on the GUI thread takes 10–100 ms on a busy machine: a
        stalled frame each time the scroll reaches a page not read yet.
        """
        first, last = max(0, first), min(last, len(self._ids) - 1)
        if first > last:
            return
        rows = range(first, last + 1)
        missing = [(row, self._ids[row]) for row in rows if self._ids[row] not in self._records]
        if not missing:
            self._want_pictures(rows)
        elif self.workspace is not None and self._reader is None:
            self._read_records(self.workspace, missing[:RECORD_PAGE])

    def _read_records(self, workspace: Workspace, wanted: list[tuple[int, int]]) -> None:
        edition, ids = self._edition, [poster_id for _, poster_id in wanted]

        def read() -> tuple[int, list[tuple[int, int]], list[Poster], dict[int, Verdict]]:
            with workspace.store(mapped=False) as store:
                return edition, wanted, store.posters(ids), verdicts(store, ids)

        self._reader = CallWorker(read)
        self._reader.signals.result.connect(self._on_reader_result)
        self._reader.signals.error.connect(self._on_reader_error)
        start(self._reader, priority=WAITED)

    def _on_reader_result(
        self, found: tuple[int, list[tuple[int, int]], list[Poster], dict[int, Verdict]]
    ) -> None:
        self._reader = None
        edition, wanted, posters, found_verdicts = found
        if edition != self._edition:  # an edit or another query came meanwhile: read again
            return
        self._rows.update((poster_id, row) for row, poster_id in wanted)
        self._keep(posters, found_verdicts)
        self._want_pictures(row for row, _ in wanted)

    def _on_reader_error(self, _message: str) -> None:
        self._reader = None  # the rows are read when shown instead

    def _want_pictures(self, rows: Iterable[int]) -> None:
        if self.thumbnails is None:
            return
        for row in rows:
            poster = self._records.get(self._ids[row]) if row < len(self._ids) else None
            if poster is None:
                continue
            key = ThumbKey(poster.id, self.thumb_side)
            if not self.thumbnails.known(key):
                source = self.thumbnails.source(poster.sha256, poster.path)
                self.thumbnails.request(key, source, soon=False)

    def next_undecided(self, after: int) -> int | None:
        """The first row after ``after`` still pending with no curator labels, reading the
        rest of the ids as needed; ``None`` when there is none."""
        row = after + 1
        while True:
            if row >= len(self._ids):
                if self._loader is None:
                    return None
                self.fetch_all()
            chunk = self._ids[row : row + UNDECIDED_CHUNK].tolist()
            state = self._store().curation_state(chunk)
            for n, poster_id in enumerate(chunk):
                s = state.get(poster_id)
                if s is not None and s["status"] == "pending" and s["genres"] is None:
                    return row + n
            row += len(chunk)

    # -- pictures -------------------------------------------------------------------------------
    def _thumbnail(self, index: Index, poster: Poster) -> QPixmap | None:
        if self.thumbnails is None:
            return None
        key = ThumbKey(poster.id, self.thumb_side)
        if self.thumbnails.has(key):
            return self.thumbnails.get(key)
        # Asked again on every paint: that keeps on-screen rows at the front of the queue.
        self.thumbnails.request(key, self.thumbnails.source(poster.sha256, poster.path))
        waiting = self._waiting.get(key)
        if waiting is None:
            waiting = self._waiting[key] = []
            while len(self._waiting) > MAX_WAITING:  # requests scrolled far away
                del self._waiting[next(iter(self._waiting))]
        if not any(p.row() == index.row() for p in waiting):
            waiting.append(QPersistentModelIndex(index))
        return self.thumbnails.nearest(key)

    def _thumbnail_state(self, poster: Poster) -> str:
        if self.thumbnails is None:
            return "loading"
        key = ThumbKey(poster.id, self.thumb_side)
        if not self.thumbnails.has(key):
            return "loading"
        return "ready" if self.thumbnails.get(key) is not None else "broken"

    def _on_thumbnail_loaded(self, key: ThumbKey) -> None:
        for persistent in self._waiting.pop(key, []):
            if persistent.isValid():
                index = self.index(persistent.row())
                self.dataChanged.emit(index, index, [ThumbnailRole])

    def set_thumb_side(self, side: int) -> None:
        """Draw pictures with this long side (device pixels) from now on."""
        if side != self.thumb_side:
            self.thumb_side = side
            self._waiting.clear()
            if self._ids:
                self.dataChanged.emit(
                    self.index(0), self.index(len(self._ids) - 1), [ThumbnailRole]
                )

    def at_hand(self, row: int) -> bool:
        """Whether the record and the picture of ``row`` are held (showing it reads nothing)."""
        if not 0 <= row < len(self._ids):
            return False
        poster = self._records.get(self._ids[row])
        if poster is None:
            return False
        return self.thumbnails is None or self.thumbnails.has(ThumbKey(poster.id, self.thumb_side))

    def visible_loaded(self, rows: Sequence[int]) -> bool:
        """Whether the pictures of these rows are decoded (or known broken)."""
        if self.thumbnails is None:
            return True
        for row in rows:
            poster = self.poster_at(row)
            if poster is not None and not self.thumbnails.has(ThumbKey(poster.id, self.thumb_side)):
                return False
        return True


def _tooltip(poster: Poster, verdict: Verdict | None) -> str:
    lines = [
        f"<b>{poster.title_name}</b>" + (f" ({poster.title_year})" if poster.title_year else ""),
        f"Poster #{poster.id} · {poster.width}×{poster.height} · {poster.source}",
        f"Status: {poster.status}" + (" · default" if poster.is_default else ""),
        f"Exports as: {verdict.line() if verdict else ', '.join(poster.genres) or '—'}",
    ]
    if poster.model_uncertainty is not None:
        lines.append(
            f"Model: {uncertainty_words(poster.model_uncertainty)} "
            f"(uncertainty {poster.model_uncertainty:.2f})"
            + (" · disagrees with the labels" if poster.model_disagrees else "")
        )
    if poster.sensitive:
        lines.append(f"Sensitive: {poster.sensitive_reason or 'yes'}")
    if poster.duplicate_of or poster.near_duplicate_of:
        lines.append(f"Duplicate of #{poster.duplicate_of or poster.near_duplicate_of}")
    return "<br>".join(lines)


def _after(ids: array[int], shown: list[int]) -> array[int]:
    """The ids of a result past the rows already shown: normally its first ones, but an
    import or an edit meanwhile may have moved them."""
    if ids[: len(shown)].tolist() == shown:
        return ids[len(shown) :]
    seen = set(shown)
    return array("q", (i for i in ids if i not in seen))
