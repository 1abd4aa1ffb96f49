"""Other curators' edits, shown live: the window follows the catalog's change feed.

Twice a second the GUI thread asks the catalog whether another connection has written
(``data_version``, which reads no table) and, only then, whether the audit log has grown
past what the window shows (one lookup of its largest key).  The new entries are read in a
worker; the posters they touched are re-read in place (rows, selection, scroll position and
current poster stay), and the editor's view moves on to them, so an edit made after that is
based on what the curator now sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from poster_tool.core.catalog.changes import changed_posters
from poster_tool.core.errors import StoreError
from poster_tool.gui.common.wording import plural
from poster_tool.gui.common.workers import CallWorker, start

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.records import AuditEntry
    from poster_tool.core.workspace import Workspace

POLL_MS = 500  # other curators' edits show within a second
PAGE = 10_000  # audit entries read at a time (a larger change is read over a few polls)


class View(Protocol):
    """What the window shows the catalog through (the editor, :mod:`poster_tool.gui.commands`):
    its store, its curator and the audit point it shows."""

    curator: str
    point: int

    @property
    def store(self) -> PosterStore | None:
        """The GUI thread's store (``None`` before a workspace opens)."""

    def saw(self, point: int) -> None:
        """The window now shows the catalog as of ``point`` (or later)."""

    def own_entries(self) -> Callable[[AuditEntry], bool]:
        """Whether the window itself wrote an entry (and has shown it already), as of now:
        a worker may call it."""

    @property
    def busy(self) -> bool:
        """Whether an edit of the window's is still running (its entries are not known)."""


def news(entries: list[AuditEntry], curator: str) -> str:
    """What other curators did, for the status bar: "Mina changed 3 posters" ("" if none)."""
    posters: dict[str, set[int]] = {}
    for entry in entries:
        if entry.curator != curator:
            posters.setdefault(entry.curator, set()).update(changed_posters([entry]))
    return " · ".join(
        f"{who} changed {plural(len(ids), 'poster')}" for who, ids in posters.items() if ids
    )


class LiveFeed(QObject):
    """Polls the open catalog for edits made elsewhere and says which posters changed.

    :param editor: the store, the curator and the window's view point, which this moves on
    """

    changed = Signal(list)  # ids of posters edited elsewhere, now to be re-read
    announced = Signal(str)  # what other curators did, in words

    def __init__(self, editor: View, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self._workspace: Workspace | None = None
        self._version: int | None = None  # the data_version last looked at
        self._reading = False
        self._lost = False  # the catalog could not be polled (said once)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self.poll)

    def follow(self, workspace: Workspace) -> None:
        """Follow the catalog of ``workspace`` (the editor's store) from now on."""
        self._workspace = workspace
        self._version = None
        self._timer.start()

    def stop(self) -> None:
        """Stop following (the window closes)."""
        self._timer.stop()
        self._workspace = None

    def catch_up(self) -> None:
        """Read what other curators did now, without waiting for the next poll (an edit
        was just refused because of it)."""
        self._version = None
        self.poll()

    def poll(self) -> None:
        """Read what was edited elsewhere, if anything was (cheap when nothing was)."""
        store, workspace = self.editor.store, self._workspace
        if store is None or workspace is None or self._reading or self.editor.busy:
            return  # (after the window's own edit lands, its entries are known as its own)
        try:
            version = store.data_version()
            if version == self._version:
                return
            self._version = version
            point = self.editor.point
            if store.last_change() <= point:
                return  # a write without curator edits (scores, an import)
        except StoreError as exc:  # a lost server: said once, polled again until it is back
            self._version = None
            if not self._lost:
                self._lost = True
                self.announced.emit(f"Cannot follow other curators' edits: {exc}")
            return
        self._lost = False
        self._reading = True
        own = self.editor.own_entries()
        worker = CallWorker(lambda: (workspace, _read(workspace, point, own)))
        worker.signals.result.connect(self._on_read)
        worker.signals.error.connect(self._on_error)
        worker.signals.finished.connect(self._on_finished)
        start(worker)

    def _on_read(self, read: tuple[Workspace, Read]) -> None:
        workspace, (last, more, entries) = read
        if workspace is not self._workspace or last is None:
            return  # another workspace opened meanwhile
        if more:
            self._version = None  # more to read at the next poll
        mine = self.editor.own_entries()  # an edit of the window's landed while it read?
        entries = [entry for entry in entries if not mine(entry)]
        self.editor.saw(last)
        if ids := changed_posters(entries):
            self.changed.emit(ids)
        if text := news(entries, self.editor.curator):
            self.announced.emit(text)

    def _on_error(self, _message: str) -> None:
        self._version = None  # try again at the next poll

    def _on_finished(self) -> None:
        self._reading = False


class Read(NamedTuple):
    """What a worker read after the window's point: the last entry's id (``None``: none),
    whether a full page was read, and the entries the window did not write itself."""

    last: int | None
    more: bool
    entries: list[AuditEntry]


def _read(workspace: Workspace, point: int, own: Callable[[AuditEntry], bool]) -> Read:
    with workspace.store() as store:
        entries = store.changes_since(point, PAGE)
    # The window's own edits land through the editor's worker, another connection: they
    # are shown already. Told apart here, not on the GUI thread (20,000 entries: 26 ms).
    return Read(
        entries[-1].id if entries else None,
        len(entries) == PAGE,
        [entry for entry in entries if not own(entry)],
    )
