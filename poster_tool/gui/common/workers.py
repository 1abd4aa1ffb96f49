"""Run core jobs and slow calls off the GUI thread.

A ``QRunnable`` is not a ``QObject``, so each worker owns a small :class:`WorkerSignals`
object that carries its signals back to the GUI thread (queued connections).  ``run()``
never touches a widget; every exception becomes the ``error`` signal with a message in
plain words.  Submit a worker with ``QThreadPool.globalInstance().start(worker)``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from poster_tool.core.errors import Cancelled, PosterToolError, TimeUp
from poster_tool.core.progress import Progress

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

log = logging.getLogger(__name__)

QUICK_S = 0.03  # a read the GUI thread may wait for (see answer_soon)

# How far a background thread lowers its CPU priority (see lower_priority).
BACKGROUND_NICE = 10
_lowered = threading.local()


def lower_priority() -> None:
    """Let the window's thread win a core over the calling thread (Linux, where each thread
    has its own priority; elsewhere nothing): on two cores, pictures decoding for a scroll
    took the cores the window's frames waited for.  Once per thread."""
    if sys.platform != "linux" or getattr(_lowered, "done", False):
        return
    _lowered.done = True
    me = threading.get_native_id()
    try:
        os.setpriority(
            os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + BACKGROUND_NICE)
        )
    except OSError:  # not allowed here: the thread keeps its priority
        pass


# Plain progress reports closer together than this are dropped (a fast job must not flood
# the GUI's event queue); reports carrying ``data`` (e.g. per-epoch metrics) always go out.
PROGRESS_INTERVAL = 0.05


class WorkerSignals(QObject):
    """What a worker reports: ``started``, ``progress(Progress)``, ``result(object)``,
    ``error(str)`` and, always last, ``finished``."""

    started = Signal()
    progress = Signal(object)
    result = Signal(object)
    error = Signal(str)
    finished = Signal()


# Up to this many posters the genre rule (core.final_genres) runs on the GUI thread: about
# 0.5 ms a poster on a busy two-core machine, well under 50 ms.  More go to a worker.
RULE_AT_ONCE = 60


def error_message(exc: BaseException) -> str:
    """A message a user can read: a ``PosterToolError``'s own sentence, else what broke."""
    if isinstance(exc, PosterToolError):
        return str(exc)
    detail = str(exc) or "no details"
    return f"Something unexpected went wrong ({type(exc).__name__}: {detail})."


class _Worker(QRunnable):
    """Shared plumbing: signals, the cancel flag, and exception reporting."""

    def __init__(self) -> None:
        super().__init__()
        self.signals = WorkerSignals()
        self._cancel = threading.Event()
        # The pool deletes a finished runnable; the Python wrapper must not outlive it.
        self.setAutoDelete(True)

    def cancel(self) -> None:
        """Ask the job to stop at its next yield; ``error`` then reports the cancellation."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` has been called."""
        return self._cancel.is_set()

    def emit(self, signal: str, *args: Any) -> None:
        """Emit one of the carrier's signals, unless the application has torn it down.

        A job still winding down after its window closed has nobody left to tell.
        """
        try:
            getattr(self.signals, signal).emit(*args)
        except RuntimeError:  # "Signal source has been deleted"
            self.cancel()

    def run(self) -> None:
        self.emit("started")
        try:
            value = self._work()
        except Exception as exc:  # every failure reaches the GUI as a message, never a crash
            if not isinstance(exc, PosterToolError):
                log.exception("worker failed")
            self.emit("error", error_message(exc))
        else:
            self.emit("result", value)
        finally:
            self.emit("finished")

    def _work(self) -> Any:
        raise NotImplementedError


class JobWorker(_Worker):
    """Drives a core job (a generator of ``Progress`` that returns its result).

    :param job_factory: zero-argument callable returning the generator; it is called inside
        the worker thread, so it should open its own store there (``workspace.store()``)
    """

    def __init__(self, job_factory: Callable[[], Generator[Progress, None, Any]]) -> None:
        super().__init__()
        self._job_factory = job_factory

    def _work(self) -> Any:
        job = self._job_factory()
        last = 0.0
        try:
            while True:
                if self.cancelled:
                    raise Cancelled("cancelled; the work finished so far is saved")
                try:
                    report = next(job)
                except StopIteration as stop:
                    return stop.value
                now = time.monotonic()
                if report.data or now - last >= PROGRESS_INTERVAL:
                    last = now
                    self.emit("progress", report)
        finally:
            # Closing runs the job's ``finally`` blocks (no-op once it has returned).
            job.close()


class CallWorker(_Worker):
    """Runs one plain callable (decoding an image, a similarity search) and emits its value.

    :param fn: called with no arguments in the worker thread
    """

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._fn = fn

    def _work(self) -> Any:
        if self.cancelled:
            raise Cancelled("cancelled")
        return self._fn()


def store_job(
    workspace: Workspace,
    job: Callable[..., Generator[Progress, None, Any]],
    *args: Any,
    **kwargs: Any,
) -> Generator[Progress, None, Any]:
    """Run ``job(workspace, store, *args, **kwargs)`` with a store opened in this thread.

    Use it as a job factory: ``JobWorker(lambda: store_job(ws, import_csv, path))``.
    """
    with workspace.store() as store:
        return (yield from job(workspace, store, *args, **kwargs))


class _Keeper(QObject):
    """Holds started workers until their ``finished`` reaches the GUI thread.

    The release runs in the keeper's (GUI) thread, so a worker's signal carrier is never
    garbage-collected from the worker thread while queued signals are still on their way.
    """

    def __init__(self) -> None:
        super().__init__()
        self._workers: dict[WorkerSignals, _Worker] = {}

    def keep(self, worker: _Worker) -> None:
        self._workers[worker.signals] = worker
        worker.signals.finished.connect(self._release)

    @Slot()
    def _release(self) -> None:
        self._workers.pop(self.sender(), None)  # type: ignore[call-overload]

    def __len__(self) -> int:
        return len(self._workers)


_keeper: _Keeper | None = None


# The priority of work a curator is waiting to see (a grid page): it goes before the other
# workers waiting for a thread of the pool (which has one per core).
WAITED = 1


def start(worker: _Worker, pool: QThreadPool | None = None, priority: int = 0) -> _Worker:
    """Start ``worker`` on ``pool`` (default: the global pool), keeping it alive until done.

    Call from the GUI thread.  :returns: the worker (connect its signals before or after)
    """
    global _keeper
    if _keeper is None:
        _keeper = _Keeper()
    _keeper.keep(worker)
    (pool or QThreadPool.globalInstance()).start(worker, priority)
    return worker


def start_soon(worker: _Worker, priority: int = 0) -> _Worker:
    """Start ``worker`` once the GUI thread has handled what is already asked of it.

    For a worker begun by a change whose result the curator is waiting to see (a filter's
    first page): that paint comes first, before the worker competes with it for the
    interpreter (a third slower at a million posters).  A worker cancelled meanwhile never
    starts.
    """

    def go() -> None:
        if not worker.cancelled:
            start(worker, priority=priority)

    QTimer.singleShot(0, go)
    return worker


def answer_soon(
    store: PosterStore,
    workspace: Workspace,
    read: Callable[[PosterStore], Any],
    deliver: Callable[[Any], object],
) -> None:
    """``deliver(read(store))`` at once when the read takes under ``QUICK_S`` (a small
    catalog, an indexed query), else from a worker with its own store: the window never
    waits on a scan of a million posters.

    :param deliver: a bound method of a ``QObject`` (dropped if it is gone by then)
    """
    try:
        with store.time_limit(QUICK_S):
            value = read(store)
    except TimeUp:

        def slow() -> Any:
            with workspace.store(mapped=False) as own:
                return read(own)

        worker = CallWorker(slow)
        worker.signals.result.connect(deliver)
        start(worker)
    else:
        deliver(value)


def running() -> int:
    """How many workers started through :func:`start` have not finished yet."""
    return 0 if _keeper is None else len(_keeper)
