"""Schema and migrations: a new catalog, an older one upgraded without loss, a newer refused."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from poster_tool.core import schema
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import StoreError
from poster_tool.core.records import PosterQuery


def test_new_catalog_has_current_version_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = PosterStore(tmp_path / "catalog.db")
    assert store._run("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert store._run("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._run("PRAGMA foreign_keys").fetchone()[0] == 1


def _version_1_catalog(path: Path) -> Database:
    """A catalog as the first release left it (only the first migration applied)."""
    old = Database(path)
    first_only = Migrations("poster_tool")
    first_only()(schema.m001_catalog)
    first_only.apply(old)
    return old


def test_version_1_catalog_upgrades_without_losing_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = _version_1_catalog(path)
    old.execute(
        "INSERT INTO titles(key, name, name_fold, created_at) VALUES ('k', '기생충', '기생충', 'x')"
    )
    old.execute("INSERT INTO title_genres VALUES (1, 'Horror')")
    old.execute(
        "INSERT INTO posters(title_id, sha256, path, width, height, orientation, phash, "
        "file_format, file_size, source, sort_key, created_at, updated_at) "
        "VALUES (1, 'ab', 'p', 1, 1, 'square', '0', 'JPEG', 1, 't', 'k', 'x', 'x')"
    )
    old.execute(
        "INSERT INTO poster_labels(poster_id, genre, source, created_at) "
        "VALUES (1, 'Horror', 'source', 'x')"
    )
    old.execute(
        "INSERT INTO poster_labels(poster_id, genre, source, positive, score, model_version, "
        "created_at) VALUES (1, 'Sci-Fi', 'model', 1, 0.9, 'm1', 'x')"
    )
    old.conn.commit()
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    old.close()

    store = PosterStore(path)
    assert store.schema_version == schema.SCHEMA_VERSION == 13
    assert store._run("PRAGMA user_version").fetchone()[0] == 13
    assert [t.name for t in store.titles()] == ["기생충"]
    # The poster's place in the title sort, which it had wrong, now comes from its title.
    assert store._scalar("SELECT sort_key FROM posters") == "기생충\x1f0000"
    assert store.query_ids(PosterQuery(text="기생충")) == [1]  # the title index, filled
    # The upgrade back-fills what the grid filters on, so old posters filter like new ones,
    # by the final-genre rule (the model's suggestion counts on an uncurated poster).
    assert store.query_ids(PosterQuery(genre="Horror")) == [1]
    assert store.query_ids(PosterQuery(genre="Sci-Fi")) == [1]
    assert store.get_poster(1).genres == ("Horror", "Sci-Fi")
    indexes = {r[0] for r in store._run("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "posters_status_sort" in indexes


def test_catalog_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    PosterStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="newer than this Poster Studio"):
        PosterStore(path)


def test_failed_migration_leaves_the_catalog_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    db = Database(path)
    broken = Migrations("poster_tool")

    @broken()
    def m001_catalog(db: Database) -> None:
        schema.m001_catalog(db)
        raise RuntimeError("disk full halfway")

    with pytest.raises(RuntimeError):
        broken.apply(db)
    assert "titles" not in db.table_names()
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0


def test_audit_log_is_append_only(fresh_store: PosterStore) -> None:
    fresh_store._run("INSERT INTO audit_log(at, curator, action) VALUES ('t', 'ann', 'status')")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        fresh_store._run("UPDATE audit_log SET curator = 'bob'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        fresh_store._run("DELETE FROM audit_log")


def _open_and_report(path: str, barrier: Any) -> str:
    barrier.wait()  # all at once, as windows and scripts started together would
    try:
        PosterStore(path).close()
    except StoreError as exc:
        return str(exc)
    return "ok"


def test_two_programs_opening_an_older_catalog_at_once_both_open_it(tmp_path: Path) -> None:
    """Each program saw the pending migrations; only one may run them (the other waits)."""
    path = tmp_path / "old.db"
    old = _version_1_catalog(path)
    # Enough posters that the upgrade's back-fills take a while, as a real catalog's do.
    old.execute("INSERT INTO titles(key, name, name_fold, created_at) VALUES ('k', 'T', 't', 'x')")
    old.conn.executemany(
        "INSERT INTO posters(title_id, sha256, path, width, height, orientation, phash, "
        "file_format, file_size, source, sort_key, created_at, updated_at) "
        "VALUES (1, ?, 'p', 1, 1, 'square', '0', 'JPEG', 1, 't', 'k', 'x', 'x')",
        [(f"{i:064x}",) for i in range(20_000)],
    )
    old.conn.commit()
    old.close()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(3) as pool:
        barrier = manager.Barrier(3)
        results = pool.starmap(_open_and_report, [(str(path), barrier)] * 3)
    assert results == ["ok"] * 3
    store = PosterStore(path)
    assert store._run("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    applied = [r[0] for r in store._run("SELECT name FROM _sqlite_migrations")]
    assert len(applied) == len(set(applied)) == len(schema.MIGRATIONS)
