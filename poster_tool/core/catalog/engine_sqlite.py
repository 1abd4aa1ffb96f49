"""The embedded engine: one SQLite file per workspace (WAL), the catalog's SQL as written."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlite_utils import Database

from poster_tool.core import schema
from poster_tool.core.errors import StoreError, TimeUp

BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another program's transaction
MMAP_BYTES = 1 << 30  # address space only: a catalog of a million posters is about 0.9 GB


class SqliteEngine:
    """An open ``catalog.db`` (or ``":memory:"``), migrated to the current schema."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        try:
            self.db = Database(memory=True) if path == ":memory:" else Database(path)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self.db.memory:
                self.db.enable_wal()
                self.db.execute("PRAGMA synchronous = NORMAL")
                # Reads through the OS page cache instead of copying pages into SQLite's own
                # 2 MB cache: at a million posters an import's duplicate look-ups and the
                # grid's index reads no longer fall out of the cache
                # (bench/import_scale_bench.py: 0.77-0.79 of an empty catalog's rate -> 0.84-0.90).
                self.db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self.schema_version = schema.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the catalog {path}: {exc}") from exc
        self._conn = self.db.conn

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
        # Checked every 1,000 SQLite steps.
        self._conn.set_progress_handler(stop, 1000)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if str(exc) != "interrupted":
                raise
            raise TimeUp(f"the query {why}") from exc
        finally:
            self._conn.set_progress_handler(None, 0)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        # One read transaction sees one state of the file (WAL); writers go on meanwhile.
        with self.db.atomic():
            yield
