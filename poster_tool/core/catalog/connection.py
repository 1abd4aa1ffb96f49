"""The catalog's one SQLite connection, its transactions, and the SQL helpers of the
table-group modules (which are the only code that holds SQL)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from poster_tool.core import schema
from poster_tool.core.errors import StoreError, TimeUp

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another program's transaction


def now() -> str:
    """UTC time as ISO-8601 with seconds, the catalog's one time format."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def like_escaped(text: str) -> str:
    """``text`` for a ``LIKE ... ESCAPE '\\'`` pattern: ``%`` and ``_`` match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fold(text: str) -> str:
    """Case-folded text for search (works for Hangul too, which has no case)."""
    return " ".join(text.casefold().split())


def in_clause(column: str, values: Sequence[Any] | Iterable[Any]) -> tuple[str, list[Any]]:
    """``column IN (?, ?, …)`` with its parameters; large lists go through ``json_each``."""
    values = list(values)
    if len(values) > 500:
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(values)]
    if not values:
        return "0", []
    return f"{column} IN ({', '.join('?' * len(values))})", values


def only(found: list[T], what: str, wanted: int) -> T:
    """The one item a lookup by id found.

    :raises StoreError: when it found none
    """
    if not found:
        raise StoreError(f"no {what} with id {wanted}")
    return found[0]


class Connection:
    """An open catalog: the connection (private to the catalog package) and its transactions.

    :param path: the ``catalog.db`` file, or ``":memory:"`` for tests
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)  # so another thread can open its own connection to it
        try:
            self._db = Database(memory=True) if str(path) == ":memory:" else Database(path)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self._db.memory:
                self._db.enable_wal()
                self._db.execute("PRAGMA synchronous = NORMAL")
            self.schema_version = schema.apply(self._db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the catalog {path}: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (a savepoint when nested); rolled back on any exception.

        It starts with ``BEGIN IMMEDIATE``: taking the write lock first makes a writer wait
        its turn (up to the busy timeout) while another program writes; a deferred
        transaction that read first would be refused at its first write instead.

        :raises StoreError: when another program kept the catalog locked past the timeout
        """
        conn = self._db.conn
        if conn.in_transaction:
            with self._db.atomic():
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
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Interrupt the queries inside once ``seconds`` have passed: the GUI thread asks
        with a limit and hands what the indexes cannot answer at once to a worker.

        :raises TimeUp: when a query was interrupted
        """
        end = time.monotonic() + seconds
        with self.stop_when(lambda: time.monotonic() > end, f"took over {seconds:g} s"):
            yield

    @contextmanager
    def stop_when(self, stop: Callable[[], bool], why: str = "was stopped") -> Iterator[None]:
        """Interrupt the queries inside as soon as ``stop()`` is true (checked every 1,000
        SQLite steps): a worker's scan ends when its result is no longer wanted.

        :raises TimeUp: when a query was interrupted
        """
        conn = self._db.conn
        conn.set_progress_handler(stop, 1000)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if str(exc) != "interrupted":
                raise
            raise TimeUp(f"the query {why}") from exc
        finally:
            conn.set_progress_handler(None, 0)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same state of the catalog
        (WAL), and writers in other connections go on meanwhile."""
        with self._db.atomic():
            yield

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
        return self._db.execute(sql, params).fetchall()

    def _scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self._db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._db.conn.executemany(sql, rows)
