"""Where a catalog lives: a SQLite file (the default) or a PostgreSQL database named by a
``postgresql://user@host[:port]/db`` URL, and the engine that opens either.

A URL never carries a password: libpq reads it from ``~/.pgpass`` or ``PGPASSWORD``, so no
secret lands in a workspace's settings, a log line or an error message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol
from urllib.parse import urlsplit

from poster_tool.core.errors import StoreError

SCHEMES = ("postgresql", "postgres")
INSTALL_HINT = "a PostgreSQL catalog needs the postgres extra: pip install 'poster-tool[postgres]'"


class Engine(Protocol):
    """What a connection needs from its database: statements in SQLite's SQL with ``?``
    placeholders, transactions, a snapshot and interruption."""

    dialect: str
    schema_version: int

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int: ...

    def insert(self, sql: str, params: Sequence[Any]) -> int: ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def snapshot(self) -> AbstractContextManager[None]: ...

    def stop_when(self, stop: Callable[[], bool], why: str) -> AbstractContextManager[None]: ...

    def optimize(self) -> None: ...

    def data_version(self) -> int: ...

    def lock(self, table: str, where: str, params: Sequence[Any]) -> None: ...

    def close(self) -> None: ...


def is_server(address: str) -> bool:
    """Whether ``address`` names a PostgreSQL database rather than a SQLite file."""
    return address.split("://", 1)[0].lower() in SCHEMES and "://" in address


def checked_url(address: str) -> str:
    """``address`` as a PostgreSQL URL a workspace may store.

    :raises StoreError: a password in it, or no host or database name
    """
    parts = urlsplit(address)
    if parts.password is not None:
        raise StoreError(
            "a catalog address never holds a password: put it in ~/.pgpass or PGPASSWORD"
        )
    if not parts.hostname and "host=" not in parts.query:
        raise StoreError(f"the catalog address {shown(address)} names no server")
    if not parts.path.strip("/"):
        raise StoreError(f"the catalog address {shown(address)} names no database")
    return address


def shown(address: str) -> str:
    """``address`` for a message: a password, if someone wrote one, is blanked out."""
    parts = urlsplit(address)
    if parts.password is None:
        return address
    return address.replace(f":{parts.password}@", ":***@", 1)


def open_engine(address: str, mapped: bool = True) -> Engine:
    """Open the catalog at ``address`` (creating and migrating its schema as needed).

    :param mapped: a SQLite file read through memory-mapped I/O (see ``Connection``)

    :raises StoreError: an unusable address or database, or the driver is not installed
    """
    if not is_server(address):
        from poster_tool.core.catalog.engine_sqlite import SqliteEngine

        return SqliteEngine(address, mapped)
    url = checked_url(address)
    try:
        from poster_tool.core.catalog.engine_postgres import PostgresEngine
    except ImportError:
        raise StoreError(INSTALL_HINT) from None
    return PostgresEngine(url)
