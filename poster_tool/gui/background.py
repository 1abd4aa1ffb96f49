"""The thread pool that relays heavy background work (training, catalog scoring).

The work itself runs in child processes at a lower CPU priority (:mod:`poster_tool.core.jobs`);
these threads only read the children's progress.  They have a pool of their own so that
the application waits for them (a bounded time) when it quits, and so that a run and a
re-scoring never wait behind thumbnails on the global pool.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QThreadPool

THREADS = 2  # a training run and a catalog re-scoring may overlap

_pool: QThreadPool | None = None


def heavy_pool() -> QThreadPool:
    """The pool for heavy jobs (owned by the application, which waits for it on exit)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool(QCoreApplication.instance())
        _pool.setMaxThreadCount(THREADS)
    return _pool
