"""Activate a model version and re-score the catalog with it in the background.

A child process first loads the version's network (torch must never load in the window's
process), so a version whose weights cannot load is refused and the active model stays;
activation itself is then one catalog write on the GUI thread.  Scoring every poster the
version has not scored yet runs in a child process (:mod:`poster_tool.core.jobs`: torch in a thread
here would hold the window's GIL for up to half a second at a time), relayed by a
:class:`~poster_tool.gui.common.workers.JobWorker`.  Meanwhile it calls its ``refresh`` every half
second (the application context's ``scores_changed``), so the grid, pool and details re-read
their posters and the model's genre suggestions change in place: rows, selection and scroll
position stay.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from poster_tool.core.errors import PosterToolError
from poster_tool.core.ml.in_child import check_model_in_child, score_catalog_in_child
from poster_tool.core.ml.registry import Registry
from poster_tool.gui.common.workers import JobWorker, start

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.progress import Progress
    from poster_tool.core.workspace import Workspace

REFRESH_INTERVAL = 0.5  # seconds between repaints of the posters shown while scores land
NEW = "(active)"  # the version shown while scoring new posters with whichever model is active


class Rescorer(QObject):
    """Makes versions active and scores the catalog with them, one scoring run at a time.

    :param refresh: repaints whatever shows scores; called on the GUI thread
    :param pool: the threads that relay heavy jobs
    """

    progressed = Signal(object)  # Progress of the scoring run
    activated = Signal(str)  # the version now active (its scoring run follows)
    finished = Signal(bool, str)  # whether it went well, and one line saying what happened

    def __init__(
        self, refresh: Callable[[], None], pool: QThreadPool, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.refresh = refresh
        self._pool = pool
        self.device = "auto"
        self._worker: JobWorker | None = None
        self._version = ""
        self._last_refresh = 0.0
        self._target: tuple[Workspace, PosterStore] | None = None  # of the check under way

    @property
    def running(self) -> bool:
        """Whether a check or a scoring run is under way."""
        return self._worker is not None

    def activate(self, workspace: Workspace, store: PosterStore, version: str) -> None:
        """Make ``version`` the active model once a child has loaded its network, then
        score the catalog with it: ``activated`` says it is active, or ``finished`` why
        not (the previous model stays active)."""
        self.cancel()
        worker = JobWorker(lambda: check_model_in_child(workspace, version))
        worker.signals.result.connect(self._on_check_result)
        worker.signals.error.connect(self._on_check_error)
        self._worker, self._version = worker, version
        self._target = (workspace, store)
        start(worker, self._pool)

    def _on_check_result(self, _version: str) -> None:
        if not self._current() or self._target is None:
            return
        (workspace, store), version = self._target, self._version
        self._worker = self._target = None
        try:
            # Loaded by the child just now: torch never loads in the window's process.
            Registry(workspace, store).activate(version, load=False)
        except PosterToolError as exc:
            self._on_refused(str(exc))
            return
        self.activated.emit(version)
        self._score(workspace, version)

    def _on_check_error(self, message: str) -> None:
        if self._current():
            self._worker = self._target = None
            self._on_refused(message)

    def _on_refused(self, reason: str) -> None:
        self.finished.emit(
            False, f"Model {self._version} cannot be activated (the active model stays): {reason}"
        )

    def rollback(self, workspace: Workspace, store: PosterStore) -> str | None:
        """Go back to the previously active version and score the catalog with it.

        :returns: the version now active, or ``None`` (none at all, or the roll-back failed)
        """
        try:
            info = Registry(workspace, store).rollback()
        except PosterToolError as exc:
            self.finished.emit(False, f"Cannot roll back: {exc}")
            return None
        if info is None:
            self.refresh()
            self.finished.emit(True, "No model is active now.")
            return None
        self._score(workspace, info.version)
        return info.version

    def score_new(self, workspace: Workspace) -> None:
        """Score the posters no model has scored yet with the active model (or the shipped
        default), so imported posters get genre suggestions without anyone asking."""
        if not self.running:
            self._score(workspace, None)

    def cancel(self) -> None:
        """Stop the check or the scoring run (what it scored is kept; the next run does the
        rest)."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker = self._target = None

    def _score(self, workspace: Workspace, version: str | None) -> None:
        self.cancel()  # an older version's scores are moot now
        device = self.device

        def job() -> Any:
            # A child process scores: torch in a thread here would hold the window's GIL.
            return score_catalog_in_child(workspace, version, device=device)

        worker = JobWorker(job)
        worker.signals.progress.connect(self._on_worker_progress)
        worker.signals.result.connect(self._on_worker_result)
        worker.signals.error.connect(self._on_worker_error)
        self._worker, self._version = worker, version or NEW
        self._last_refresh = time.monotonic()
        start(worker, self._pool)

    def _current(self) -> bool:
        # Signals of a run cancelled for a newer one still arrive: ignore them.
        return self._worker is not None and self.sender() is self._worker.signals

    def _on_worker_progress(self, report: Progress) -> None:
        if not self._current():
            return
        self.progressed.emit(report)
        if time.monotonic() - self._last_refresh >= REFRESH_INTERVAL:
            self._last_refresh = time.monotonic()
            self.refresh()

    def _on_worker_result(self, result: Any) -> None:
        if not self._current():
            return
        self._worker = None
        self.refresh()
        verb = "Scored new posters" if self._version == NEW else "Re-scored the catalog"
        self.finished.emit(True, f"{verb}: {result.line()}.")

    def _on_worker_error(self, message: str) -> None:
        if not self._current():
            return
        self._worker = None
        self.refresh()  # what was scored before the failure is in the catalog
        self.finished.emit(False, f"Re-scoring with model {self._version} stopped: {message}")
