"""The catalog's one connection (SQLite or PostgreSQL), its transactions, and the SQL
helpers of the table-group modules (which are the only code that holds SQL).

The modules write SQLite's SQL with ``?`` placeholders; the engine under the connection
runs it as it is (SQLite) or translates it once per statement (PostgreSQL)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from poster_tool.core.catalog.address import open_engine
from poster_tool.core.errors import StoreError

if TYPE_CHECKING:
    from pathlib import Path

    from poster_tool.core.catalog.address import Engine

T = TypeVar("T")


def now() -> str:
    """UTC time as ISO-8601 with seconds, the catalog's one time format."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def like_escaped(text: str) -> str:
    """``text`` for a ``LIKE ... ESCAPE '\\'`` pattern: ``%`` and ``_`` match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fold(text: str) -> str:
    """Case-folded text for search (works for Hangul too, which has no case)."""
    return " ".join(text.casefold().split())


def sort_key(name_fold: str, year: int | None) -> str:
    """A poster's place in the title sort: its title's folded name, then its year.

    ``schema.TITLE_SORT_KEY`` computes the same in SQL (fold leaves no ``\x1f`` in a name).
    """
    return f"{name_fold}\x1f{year or 0:04d}"


def in_clause(column: str, values: Sequence[Any] | Iterable[Any]) -> tuple[str, list[Any]]:
    """``column IN (?, ?, …)`` with its parameters; large lists go through ``json_each``."""
    values = list(values)
    if len(values) > 500:
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(values)]
    if not values:
        return "FALSE", []
    return f"{column} IN ({', '.join('?' * len(values))})", values


def only(found: list[T], what: str, wanted: int) -> T:
    """The one item a lookup by id found.

    :raises StoreError: when it found none
    """
    if not found:
        raise StoreError(f"no {what} with id {wanted}")
    return found[0]


# Rows a large write writes at a time, telling its progress after each part.
PART = 2_000


class Connection:
    """An open catalog: the connection (private to the catalog package) and its transactions.

    :param address: the ``catalog.db`` file, ``":memory:"`` for tests, or a
        ``postgresql://user@host/db`` URL (see :mod:`poster_tool.core.catalog.address`)
    """

    #: Told ``(done, total)`` after each part of a large curator edit (a worker shows it).
    on_progress: Callable[[int, int], None] | None = None

    def __init__(self, address: str | Path, mapped: bool = True) -> None:
        self.path = str(address)  # so another thread can open its own connection to it
        self._engine: Engine = open_engine(self.path, mapped)
        self.schema_version = self._engine.schema_version
        self.dialect = self._engine.dialect

    def close(self) -> None:
        """Close the connection."""
        self._engine.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction (a savepoint when nested); rolled back on any exception.

        A writer waits its turn (up to 10 s) while another program writes, instead of
        failing at its first write.

        :raises StoreError: when another program kept the catalog locked past the wait
        """
        return self._engine.transaction()

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Interrupt the queries inside once ``seconds`` have passed: the GUI thread asks
        with a limit and hands what the indexes cannot answer at once to a worker.

        :raises TimeUp: when a query was interrupted
        """
        end = time.monotonic() + seconds
        with self.stop_when(lambda: time.monotonic() > end, f"took over {seconds:g} s"):
            yield

    def stop_when(
        self, stop: Callable[[], bool], why: str = "was stopped"
    ) -> AbstractContextManager[None]:
        """Interrupt the queries inside as soon as ``stop()`` is true: a worker's scan ends
        when its result is no longer wanted.

        :raises TimeUp: when a query was interrupted
        """
        return self._engine.stop_when(stop, why)

    def snapshot(self) -> AbstractContextManager[None]:
        """One read transaction: every query inside sees the same state of the catalog,
        and writers in other connections go on meanwhile."""
        return self._engine.snapshot()

    def optimize(self) -> None:
        """After a bulk load: refresh the query planner's statistics (and on PostgreSQL mark
        the pages all-visible, so a count or a page reads the covering indexes alone)."""
        self._engine.optimize()

    def data_version(self) -> int:
        """A number that changes when another connection commits an edit: a poll of it
        costs microseconds and reads no table (SQLite's ``PRAGMA data_version``; on
        PostgreSQL the audit log's notifications, so there only curators' edits count)."""
        return self._engine.data_version()

    def _lock(self, table: str, where: str, params: Sequence[Any]) -> None:
        """Inside a write transaction, hold ``table``'s rows matching ``where`` until it
        ends, so transactions that check the same rows before writing take turns."""
        self._engine.lock(table, where, params)

    def _run(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """Run one statement; the cursor, for ``fetchone``, ``rowcount`` or iterating."""
        return self._engine.execute(sql, params)

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
        return self._engine.execute(sql, params).fetchall()

    def _row(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> tuple | None:
        return self._engine.execute(sql, params).fetchone()

    def _scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self._engine.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _insert(self, sql: str, params: Sequence[Any]) -> int:
        """Run one ``INSERT`` of a row into a table keyed by ``id``; the new row's id."""
        return self._engine.insert(sql, params)

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement for each of ``rows``; how many rows it changed in all."""
        return self._engine.executemany(sql, rows)

    def _in_parts(self, rows: Sequence[T], write: Callable[[Sequence[T]], object]) -> None:
        """``write(part)`` for ``PART`` of ``rows`` at a time, telling :attr:`on_progress`
        after each (call inside the write's transaction)."""
        for start in range(0, len(rows), PART):
            write(rows[start : start + PART])
            if self.on_progress is not None:
                self.on_progress(min(start + PART, len(rows)), len(rows))
