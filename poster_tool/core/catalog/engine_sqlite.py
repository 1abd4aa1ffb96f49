"""The embedded engine: one SQLite file per workspace (WAL), the catalog's SQL as written."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlite_utils import Database

from poster_tool.core import schema
from poster_tool.core.errors import StoreError, TimeUp

BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another program's transaction
MMAP_BYTES = 1 << 30  # address space only: a catalog of a million posters is about 0.9 GB
WATCH_S = 0.005  # how often the watch asks whether a watched query should stop


class _Watch:
    """One thread that interrupts the queries whose stop condition has turned true.

    SQLite's progress handler would ask in the querying thread, but it calls Python, and so
    waits for the interpreter, every few microseconds: with one other thread running
    Python, a 0.1 s scan took 5 s.  ``Connection.interrupt`` may be called from another
    thread; the watch sleeps while nothing is watched.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[sqlite3.Connection, Callable[[], bool]]] = {}
        self._someone = threading.Event()
        self._thread: threading.Thread | None = None
        self._next = 0

    def add(self, conn: sqlite3.Connection, stop: Callable[[], bool]) -> int:
        with self._lock:
            self._next += 1
            self._watched[self._next] = (conn, stop)
            self._someone.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="query-watch", daemon=True)
                self._thread.start()
            return self._next

    def remove(self, key: int) -> None:
        # Under the lock: once this returns, the watch never interrupts that connection's
        # later queries.
        with self._lock:
            del self._watched[key]
            if not self._watched:
                self._someone.clear()

    def _run(self) -> None:
        while self._someone.wait():
            time.sleep(WATCH_S)
            with self._lock:
                for conn, stop in self._watched.values():
                    try:
                        if stop():
                            conn.interrupt()
                    except sqlite3.ProgrammingError:  # closed meanwhile: nothing to stop
                        pass


_watch = _Watch()


class SqliteEngine:
    """An open ``catalog.db`` (or ``":memory:"``), migrated to the current schema."""

    dialect = "sqlite"

    def __init__(self, path: str, mapped: bool = True) -> None:
        self._mapped = mapped
        try:
            self.db = Database(memory=True) if path == ":memory:" else Database(path)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
            while True:
                try:
                    self.schema_version = self._prepare()
                    break
                except sqlite3.OperationalError as exc:
                    # Another program opening the same file (turning it to WAL, upgrading
                    # it) can make SQLite refuse at once, where its busy wait could
                    # deadlock: the opening is tried again, for as long as a write waits.
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the catalog {path}: {exc}") from exc
        self._conn = self.db.conn

    def _prepare(self) -> int:
        if not self.db.memory:
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
            # Reads through the OS page cache instead of copying pages into SQLite's own
            # 2 MB cache: at a million posters an import's duplicate look-ups and the
            # grid's index reads no longer fall out of the cache
            # (bench/import_scale_bench.py: 0.77-0.79 of an empty catalog's rate -> 0.84-0.90).
            # Not for a brief read: unmapping a scanned catalog at close takes ~40 ms, and the
            # other threads' reads of the file wait meanwhile.
            if self._mapped:
                self.db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        return schema.apply(self.db)

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return self._conn.executemany(sql, rows).rowcount

    def insert(self, sql: str, params: Sequence[Any]) -> int:
        return int(self._conn.execute(sql, params).lastrowid or 0)

    def close(self) -> None:
        self.db.close()

    def optimize(self) -> None:
        self._conn.execute("ANALYZE")

    def data_version(self) -> int:
        # Changes when another connection commits a write; reads no table.
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def lock(self, table: str, where: str, params: Sequence[Any]) -> None:
        """Nothing to do: a write transaction (BEGIN IMMEDIATE) holds the whole catalog."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock first: a writer waits its turn (up to the
        # busy timeout) while another program writes; a deferred transaction that read
        # first would be refused at its first write instead.
        conn = self._conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"the catalog is busy: another program kept it locked for "
                f"{BUSY_TIMEOUT_MS / 1000:g} s; try again ({exc})"
            ) from exc
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise

    @contextmanager
    def stop_when(self, stop: Callable[[], bool], why: str) -> Iterator[None]:
        # Asked every WATCH_S by the watch's thread, not by the query's.
        key = _watch.add(self._conn, stop)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if str(exc) != "interrupted":
                raise
            raise TimeUp(f"the query {why}") from exc
        finally:
            _watch.remove(key)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        # One read transaction sees one state of the file (WAL); writers go on meanwhile.
        with self.db.atomic():
            yield
