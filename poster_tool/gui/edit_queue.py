"""``EditQueue``: curator edits of posters run one after another in one worker thread.

An edit of 20,000 posters takes seconds (one transaction with 20,000 audit rows); on the
GUI thread it froze the window.  Every step of a poster edit (the first redo, each undo
and redo) runs here instead, in the order the curator gave them, each step on a store
opened in the worker thread (about 1 ms).  A step that runs longer than ``SAY_AFTER_MS``
is said in words (``working``), with how far it has got (the store tells each part of a
large write) and how many more wait behind it; a quick one says nothing, so a key press on
a few posters shows no flicker in the status bar.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from poster_tool.gui.common.workers import CallWorker, start

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

SAY_AFTER_MS = 150  # a step running longer than this is said in the status bar


class EditQueue(QObject):
    """Runs steps ``step(store)`` in order in one thread, each with its own store of
    :attr:`workspace` (the open catalog, set when a workspace opens)."""

    working = Signal(str)  # what a long step does, in words ("": the queue is empty again)
    idle = Signal()  # every step submitted so far has landed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace: Workspace | None = None
        # One thread: a step never overtakes the one before it.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._waiting: deque[str] = deque()  # what each step submitted and not landed does
        self._done: float | None = None  # how far the running step has got (0-1), if told
        self._said = False
        self._say = QTimer(self, singleShot=True, interval=SAY_AFTER_MS)
        self._say.timeout.connect(self._on_say_timeout)

    @property
    def busy(self) -> bool:
        """Whether a step has been submitted that has not landed yet."""
        return bool(self._waiting)

    def submit(
        self, doing: str, step: Callable[[PosterStore], Any], landed: Callable[[Any], object]
    ) -> None:
        """Run ``step`` on a store of its own after every step submitted before it, then
        ``landed(value)`` on the GUI thread with what it returned (an exception it raised
        reaches ``landed`` as a message).

        :param doing: what the step does, for the status bar ("Approving 3 posters")
        """
        workspace = self.workspace
        assert workspace is not None  # the editor only edits an open catalog

        def run() -> Any:
            with workspace.store() as store:
                store.on_progress = lambda done, total: worker.emit("progress", done / total)
                return step(store)

        worker = CallWorker(run)
        worker.signals.progress.connect(self._on_progress)
        worker.signals.result.connect(partial(self._land, landed))
        worker.signals.error.connect(partial(self._land, landed))
        self._waiting.append(doing)
        if len(self._waiting) == 1:
            self._say.start()
        elif self._said:
            self._tell()
        start(worker, self._pool)

    def wait(self) -> None:
        """Block until every step submitted has run (the window closes or the workspace
        changes: nothing the curator did is lost, and no step is cut off half-way)."""
        self._pool.waitForDone(-1)

    def _on_progress(self, done: float) -> None:
        self._done = done  # (the running step's: steps run, and tell, one after another)
        if self._said:
            self._tell()

    def _land(self, landed: Callable[[Any], object], value: Any) -> None:
        self._waiting.popleft()  # (not busy while the last step lands: it may edit again)
        self._done = None
        landed(value)
        if self._waiting:
            self._say.start()  # the next step is said once it too runs long
            if self._said:
                self._tell()
            return
        self._say.stop()
        self._said = False
        self.working.emit("")
        self.idle.emit()

    def _on_say_timeout(self) -> None:
        if self._waiting:
            self._said = True
            self._tell()

    def _tell(self) -> None:
        more = len(self._waiting) - 1
        done = "" if self._done is None else f" {self._done:.0%}"
        self.working.emit(f"{self._waiting[0]}…{done}" + (f" (then {more} more)" if more else ""))
