"""The team engine: a PostgreSQL database through psycopg 3 (libpq), for several curators
writing one catalog at once.

The table-group modules write SQLite's SQL; :func:`translated` turns each statement into
PostgreSQL's once (cached), so the two engines run the same queries.  What it rewrites is
listed in ``_REWRITES``; everything else in the catalog's SQL is already common to both.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import errors
from psycopg.adapt import Loader

from poster_tool.core import schema, schema_postgres
from poster_tool.core.catalog.address import shown
from poster_tool.core.errors import StoreError, TimeUp

LOCK_TIMEOUT_S = 10  # how long a write waits for another curator's lock, as on SQLite
STOP_POLL_S = 0.01  # how often an interruptible query checks whether it is still wanted

# SQLite idioms in the catalog's SQL and their PostgreSQL form, applied in order.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # in_clause's long id lists arrive as one JSON array
    (
        re.compile(r"IN \(SELECT value FROM json_each\(\?\)\)"),
        "IN (SELECT value::bigint FROM jsonb_array_elements_text(?::jsonb))",
    ),
    (re.compile(r"json_extract\(([\w.]+), '\$\.(\w+)'\)"), r"(\1::jsonb ->> '\2')"),
    (re.compile(r"\bgroup_concat\("), "string_agg("),
    (re.compile(r"\binstr\("), "strpos("),
    # SQLite sorts NULL last when descending; PostgreSQL first unless told
    (re.compile(r"model_uncertainty DESC(?! NULLS)"), "model_uncertainty DESC NULLS LAST"),
)
# Whole fragments the schema module shares with the catalog, in PostgreSQL's words.
_FRAGMENTS = ((schema.MODEL_SCORES_SQL, schema_postgres.MODEL_SCORES_SQL),)


@lru_cache(maxsize=1024)
def translated(sql: str, named: bool = False) -> str:
    """``sql`` (SQLite's dialect, ``?`` or ``:name`` placeholders) in PostgreSQL's dialect
    with psycopg's ``%s`` / ``%(name)s`` placeholders."""
    for sqlite_form, postgres_form in _FRAGMENTS:
        sql = sql.replace(sqlite_form, postgres_form)
    sql = sql.replace("%", "%%")
    if named:
        sql = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)
    for pattern, replacement in _REWRITES:
        sql = pattern.sub(replacement, sql)
    return sql.replace("?", "%s")


class _NumberLoader(Loader):
    """``numeric`` (what ``sum`` of a bigint column gives) as ``int`` or ``float``, the
    types SQLite gives, never ``Decimal``."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


class PostgresEngine:
    """An open PostgreSQL catalog, migrated to the current schema.

    :param url: ``postgresql://user@host[:port]/db``; the password comes from libpq
        (``~/.pgpass`` or ``PGPASSWORD``)
    """

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            self._conn = psycopg.connect(url, autocommit=True, application_name="poster-tool")
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the catalog {shown(url)}: {_first_line(exc)}") from exc
        self._conn.adapters.register_loader("numeric", _NumberLoader)
        self._changes: int | None = None  # other connections' edits heard (data_version)
        try:
            self._conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_S}s'")
            # The catalog's queries are short: compiling one costs more than it saves.
            self._conn.execute("SET jit = off")
            # The grid's indexes carry every column a filter tests, made to be read alone;
            # with the default cost of a random read (4, for spinning disks) the planner
            # reads the whole table instead (3x slower on SSDs, which servers have).
            self._conn.execute("SET random_page_cost = 1.1")
            self.schema_version = self._migrate()
        except BaseException:
            self._conn.close()
            raise

    def _migrate(self) -> int:
        """Create or bring the schema up to date; refuse a catalog from a newer version."""
        with self._conn.transaction(), self._conn.cursor() as cur:
            # One process at a time creates or migrates; the others wait, then see it done.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('poster_tool schema'))")
            if _one(cur.execute("SELECT to_regclass('schema_version')")) is None:
                schema_postgres.create_base(cur)
            current = _one(cur.execute("SELECT max(version) FROM schema_version"))
            known = schema_postgres.SCHEMA_VERSION
            if current > known:
                raise StoreError(
                    f"this catalog has schema version {current}, newer than this Poster "
                    f"Studio understands ({known}); update Poster Studio to open it"
                )
            if current < known:  # only the owner role may (curators cannot change tables)
                for migration in schema_postgres.MIGRATIONS[
                    current - schema_postgres.BASE_VERSION :
                ]:
                    migration(cur)
                cur.execute("UPDATE schema_version SET version = %s", [known])
        return known

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> psycopg.Cursor:
        with self._said():
            return self._conn.execute(translated(sql, isinstance(params, dict)), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        with self._conn.cursor() as cur, self._said():
            cur.executemany(translated(sql), rows)
            return max(cur.rowcount, 0)

    @contextmanager
    def _said(self) -> Iterator[None]:
        """What the server refused, as the one sentence a curator reads (a waited-out lock,
        a lost connection); an interruption is left to :meth:`stop_when`."""
        try:
            yield
        except errors.QueryCanceled:
            raise
        except (errors.LockNotAvailable, errors.DeadlockDetected) as exc:
            raise StoreError(
                f"the catalog is busy: another curator's change held the rows for "
                f"{LOCK_TIMEOUT_S} s; try again ({_first_line(exc)})"
            ) from exc
        except psycopg.OperationalError as exc:
            raise StoreError(f"the catalog server failed: {_first_line(exc)}") from exc

    def insert(self, sql: str, params: Sequence[Any]) -> int:
        return int(_one(self.execute(sql + " RETURNING id", params)))

    def close(self) -> None:
        self._conn.close()

    def data_version(self) -> int:
        # Other connections' audited edits arrive as notifications (the audit log's
        # trigger); a poll reads what the socket holds and never waits. Our own are not
        # news, as with SQLite's data_version.
        # Only a connection that polls listens: the notifications wait in memory until read.
        me = self._conn.info.backend_pid
        with self._said():
            if self._changes is None:
                self._conn.execute(f"LISTEN {schema_postgres.CHANGES_CHANNEL}")
                self._changes = 0
            self._changes += sum(1 for n in self._conn.notifies(timeout=0) if n.pid != me)
        return self._changes

    def lock(self, table: str, where: str, params: Sequence[Any]) -> None:
        # Two curators' transactions that check the same rows take turns, as SQLite's
        # single writer makes them.
        self.execute(f"SELECT 1 FROM {table} WHERE {where} FOR UPDATE", params)

    def optimize(self) -> None:
        # Outside a transaction (VACUUM cannot run in one); a table this role does not own
        # is skipped with a notice, never an error.
        with self._said():
            self._conn.execute("VACUUM ANALYZE")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # psycopg nests a transaction inside another as a savepoint.
        with self._conn.transaction():
            yield

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        if self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            yield  # inside a transaction already: it is the snapshot
            return
        with self._conn.transaction():
            self._conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield

    @contextmanager
    def stop_when(self, stop: Callable[[], bool], why: str) -> Iterator[None]:
        # The server cannot ask the client, so a watcher cancels the running query once
        # stop() holds (and every query after it, until the block ends).
        done = threading.Event()

        def watch() -> None:
            while not done.wait(STOP_POLL_S):
                if stop():
                    self._conn.cancel_safe()

        watcher = threading.Thread(target=watch, name="catalog-stop-watch", daemon=True)
        watcher.start()
        try:
            yield
        except errors.QueryCanceled as exc:
            raise TimeUp(f"the query {why}") from exc
        finally:
            done.set()
            watcher.join()


def _one(cur: psycopg.Cursor) -> Any:
    """The one value a statement returned."""
    row = cur.fetchone()
    assert row is not None  # a statement that always returns one row
    return row[0]


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
