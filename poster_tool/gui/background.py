"""Heavy background work (training, catalog scoring) below the window's CPU priority.

Training keeps every core busy.  The window's thread needs only slivers of CPU, but it
needs them at once, so the heavy jobs run on their own thread pool and lower their
thread's priority first: the kernel then gives the window the CPU whenever it wants it,
and the training loses almost nothing while the window is idle.  On Linux a thread's
nice value is its own and is inherited by the threads and processes it starts (torch's
intra-op threads, DataLoader workers); elsewhere Qt's thread priority does the same job.
Once lowered, a thread's priority cannot be raised again, which is why these jobs do not
share the global pool.
"""

from __future__ import annotations

import os
import sys
import threading

from PySide6.QtCore import QCoreApplication, QThread, QThreadPool

NICE = 10  # low enough that the window always wins, high enough that training still runs
THREADS = 2  # a training run and a catalog re-scoring may overlap

_pool: QThreadPool | None = None


def heavy_pool() -> QThreadPool:
    """The pool for heavy jobs (owned by the application, which waits for it on exit)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool(QCoreApplication.instance())
        _pool.setMaxThreadCount(THREADS)
    return _pool


def lower_priority() -> None:
    """Lower the calling worker thread's priority (and that of what it starts from now on)."""
    QThread.currentThread().setPriority(QThread.Priority.LowPriority)  # Windows, macOS
    if sys.platform.startswith("linux"):
        try:
            # PRIO_PROCESS with a thread id sets that one thread's nice value on Linux.
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, max(NICE, os.getpriority(os.PRIO_PROCESS, tid)))
        except OSError:
            pass  # a sandbox may forbid it: the job then runs at normal priority
