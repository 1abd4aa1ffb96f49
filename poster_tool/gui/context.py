"""``AppContext``: what the window's docks and dialogs share, instead of the window itself.

It holds the open workspace and the GUI thread's store, the editor (undo stack),
the thumbnail cache, the pool that relays heavy jobs, the rescorer and the live feed of
other curators' edits, and says by signals
when any of them changes. The
main window builds it and lays out the parts; every dock and dialog takes the context
(plus a parent widget where Qt needs one), so none of them depends on the window.
Workers never share its store: they open their own from :attr:`workspace`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal

from poster_tool.core.workspace import Workspace
from poster_tool.gui.commands import Editor
from poster_tool.gui.common.thumbnails import ThumbnailCache
from poster_tool.gui.live import LiveFeed
from poster_tool.gui.rescore import Rescorer

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

# When the window closes: time for running work to stop (a training or scoring child is
# given core.jobs.STOP_WAIT_S to wind down, then killed).
JOBS_WAIT_MS = 10_000
JOB_THREADS = 2  # a training run and a catalog re-scoring may overlap


class AppContext(QObject):
    """The open workspace and the services over it, with signals for what changed.

    :param curator: the name the editor writes to the audit log
    """

    workspace_changed = Signal(object)  # the Workspace now open
    # Posters whose catalog state changed: a list of ids (an edit, undo or redo), or None
    # when anything may have changed (an import, a crawl, Refresh).
    catalog_changed = Signal(object)
    scores_changed = Signal()  # model suggestions were written (a scoring run is under way)
    closing = Signal()  # the window closes: running jobs stop now

    def __init__(self, curator: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace: Workspace | None = None
        self.store: PosterStore | None = None
        self.thumbnails = ThumbnailCache(Workspace(Path(".")), parent=self)
        self.editor = Editor(None, curator, self)
        # Heavy work (training, catalog scoring) runs in child processes at a lower CPU
        # priority (core.jobs); these threads only relay the children's progress.  A pool of
        # their own, so a run never waits behind thumbnails and closing waits for them.
        self.jobs = QThreadPool(self)
        self.jobs.setMaxThreadCount(JOB_THREADS)
        self.rescorer = Rescorer(self.scores_changed.emit, self.jobs, self)
        self.editor.changed.connect(self.catalog_changed.emit)
        self.live = LiveFeed(self.editor, self)  # other curators' edits, as they land
        self.live.changed.connect(self.catalog_changed.emit)
        self.editor.conflicted.connect(self.live.catch_up)

    def open(self, workspace: Workspace) -> None:
        """Make ``workspace`` the open one and say so (``workspace_changed``).

        :raises PosterToolError: its catalog cannot be opened (the open one stays)
        """
        store = workspace.store()
        # A model check under way would activate in the old catalog; the new one's
        # unscored posters are scored next, which a running scoring run would hold back.
        self.rescorer.cancel()
        if self.store is not None:
            self.store.close()
        self.workspace, self.store = workspace, store
        self.thumbnails.clear()
        self.thumbnails.workspace = workspace
        self.editor.open(workspace, store)  # (edits running on the old catalog finish)
        self.live.follow(workspace)
        self.workspace_changed.emit(workspace)

    def stop_jobs(self) -> None:
        """Stop the background work (``closing``) and wait a bounded time for it to wind down:
        what a scoring run scored is kept, the next start scores the rest."""
        self.closing.emit()
        self.live.stop()
        self.rescorer.cancel()
        for pool in (self.thumbnails.pool, QThreadPool.globalInstance(), self.jobs):
            pool.clear()  # drop queued work; running work stops at its next yield
            pool.waitForDone(JOBS_WAIT_MS)

    def close(self) -> None:
        """Close the store (after :meth:`stop_jobs`, once every part has let go of it)."""
        if self.store is not None:
            self.editor.close()  # the edits submitted land first: nothing is lost
            self.store.close()
            self.store = None
