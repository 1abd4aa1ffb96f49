"""Copy a whole catalog to another engine (SQLite to PostgreSQL and back) with nothing
lost: every row of every table with its id, the audit log and the reviews included."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import StoreError
from poster_tool.core.progress import Job, Progress
from poster_tool.core.schema_postgres import IDENTITY_TABLES

if TYPE_CHECKING:
    from poster_tool.core.catalog.connection import Connection

# Every table a catalog fills, parents before children.  The audit log comes before the
# posters: its trigger stamps a poster's last edit, which the copied poster row carries.
# The taxonomy (genres and aliases) is the schema's own, on both engines.
TABLES = (
    "titles",
    "title_genres",
    "audit_log",
    "posters",
    "poster_labels",
    "reviews",
    "meta",
    "model_runs",
    "model_cuts",
    "embeddings",
    "profiles",
    "profile_prefs",
    "viewing_history",
    "crawl_state",
    "impression_logs",
    "impressions",
)
BATCH = 2_000  # rows per insert batch, between progress reports


def counts(store: Connection) -> dict[str, int]:
    """Rows in each table: what a copy must carry over."""
    return {t: int(store._scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}


def copy_catalog(source: PosterStore, target: str) -> Job[dict[str, int]]:
    """Copy ``source`` into the empty catalog at ``target`` (a SQLite path or a PostgreSQL
    URL, created when missing) in one transaction; return the rows copied per table.

    :raises StoreError: when the target already holds a catalog's rows
    """
    wanted = counts(source)
    total = sum(wanted.values())
    with PosterStore(target) as out:
        held = {t: n for t, n in counts(out).items() if n}
        if held:
            raise StoreError(
                f"the catalog at {target} is not empty ({_listed(held)}); copy into a new one"
            )
        done = 0
        with source.snapshot(), out.transaction():
            for table in TABLES:
                rows = source._run(f"SELECT * FROM {table} ORDER BY 1")
                columns = ", ".join(d[0] for d in rows.description)
                marks = ", ".join("?" * len(rows.description))
                insert = f"INSERT INTO {table}({columns}) VALUES ({marks})"
                while batch := rows.fetchmany(BATCH):
                    out._many(insert, batch)
                    done += len(batch)
                    yield Progress("copy", done, total, f"{table}: {len(batch)} rows")
            if out.dialect == "postgresql":
                # Rows came with their ids: new ones continue after the largest.
                for table in IDENTITY_TABLES:
                    out._run(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"coalesce(max(id), 0) + 1, false) FROM {table}"
                    )
            copied = counts(out)
            if copied != wanted:  # rolls the copy back
                raise StoreError(f"the copy holds {_listed(copied)}, not {_listed(wanted)}")
        yield Progress("analyze", total, total, "statistics for the query planner")
        out.optimize()
    return copied


def _listed(by_table: dict[str, int]) -> str:
    return ", ".join(f"{n} {t}" for t, n in by_table.items() if n) or "no rows"
