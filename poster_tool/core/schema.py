"""Catalog schema as ordered migrations.

``sqlite_utils.Migrations`` applies each pending migration in its own transaction; after
each one ``PRAGMA user_version`` is set to the number applied, so any SQLite tool shows
which schema a workspace has, and a workspace from a newer Poster Studio is refused rather
than damaged.  Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlite_utils.migrations import Migrations

from poster_tool.core.errors import StoreError
from poster_tool.core.taxonomy import ALIASES, GENRES

if TYPE_CHECKING:
    from sqlite_utils import Database

migrations = Migrations("poster_tool")


def _script(db: Database, script: str) -> None:
    """Run several statements inside the caller's transaction.

    ``sqlite3.executescript`` would COMMIT first, breaking a migration's atomicity.
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    if pending.strip():
        raise StoreError(f"incomplete SQL statement in a migration: {pending.strip()[:60]}")


def _stamp(db: Database, version: int) -> None:
    # Inside the migration's own transaction, so the version and the change land together.
    db.execute(f"PRAGMA user_version = {version}")


@migrations()
def m001_catalog(db: Database) -> None:
    """Titles, posters, labels, taxonomy, audit log, models, profiles, crawl state."""
    _script(
        db,
        """
        CREATE TABLE genres (
            name TEXT PRIMARY KEY,
            position INTEGER NOT NULL
        );
        CREATE TABLE genre_aliases (
            alias TEXT PRIMARY KEY,
            genre TEXT NOT NULL REFERENCES genres(name)
        );
        CREATE TABLE titles (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            name_fold TEXT NOT NULL,
            original_name TEXT,
            year INTEGER,
            imdb_id TEXT UNIQUE,
            tmdb_id INTEGER UNIQUE,
            source TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX titles_name ON titles(name_fold);
        CREATE TABLE title_genres (
            title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
            genre TEXT NOT NULL REFERENCES genres(name),
            PRIMARY KEY (title_id, genre)
        ) WITHOUT ROWID;
        CREATE TABLE posters (
            id INTEGER PRIMARY KEY,
            title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
            sha256 TEXT NOT NULL,
            path TEXT NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            orientation TEXT NOT NULL,
            phash TEXT NOT NULL,
            file_format TEXT NOT NULL,
            file_size INTEGER NOT NULL,
            source TEXT NOT NULL,
            source_url TEXT,
            source_ref TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected')),
            is_default INTEGER NOT NULL DEFAULT 0,
            sensitive INTEGER NOT NULL DEFAULT 0,
            sensitive_reason TEXT,
            synthetic INTEGER NOT NULL DEFAULT 0,
            duplicate_of INTEGER REFERENCES posters(id) ON DELETE SET NULL,
            near_duplicate_of INTEGER REFERENCES posters(id) ON DELETE SET NULL,
            curated_at TEXT,
            curated_by TEXT,
            model_version TEXT,
            model_uncertainty REAL,
            model_disagrees INTEGER NOT NULL DEFAULT 0,
            sort_key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (title_id, sha256)
        );
        CREATE INDEX posters_sha ON posters(sha256);
        CREATE INDEX posters_title ON posters(title_id, is_default DESC, id);
        CREATE INDEX posters_source_ref ON posters(source_ref);
        CREATE UNIQUE INDEX posters_one_default ON posters(title_id) WHERE is_default = 1;
        CREATE TABLE poster_labels (
            poster_id INTEGER NOT NULL REFERENCES posters(id) ON DELETE CASCADE,
            genre TEXT NOT NULL REFERENCES genres(name),
            source TEXT NOT NULL CHECK (source IN ('source', 'model', 'curator')),
            positive INTEGER NOT NULL DEFAULT 1,
            score REAL,
            model_version TEXT,
            curator TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (poster_id, genre, source)
        ) WITHOUT ROWID;
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            curator TEXT NOT NULL,
            action TEXT NOT NULL,
            poster_id INTEGER,
            title_id INTEGER,
            before TEXT,
            after TEXT
        );
        CREATE INDEX audit_poster ON audit_log(poster_id, id);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT
        );
        CREATE TABLE model_runs (
            id INTEGER PRIMARY KEY,
            version TEXT,
            kind TEXT NOT NULL,
            backbone TEXT,
            device TEXT,
            status TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            n_train INTEGER,
            n_curator INTEGER,
            metrics TEXT,
            message TEXT
        );
        CREATE TABLE embeddings (
            poster_id INTEGER NOT NULL REFERENCES posters(id) ON DELETE CASCADE,
            backbone TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (poster_id, backbone)
        ) WITHOUT ROWID;
        CREATE TABLE profiles (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            sample INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE profile_prefs (
            profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
            genre TEXT NOT NULL REFERENCES genres(name),
            pref INTEGER NOT NULL CHECK (pref IN (-1, 1)),
            PRIMARY KEY (profile_id, genre)
        ) WITHOUT ROWID;
        CREATE TABLE viewing_history (
            id INTEGER PRIMARY KEY,
            profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
            title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
            watched_at TEXT NOT NULL,
            minutes REAL NOT NULL
        );
        CREATE INDEX viewing_history_profile ON viewing_history(profile_id, watched_at);
        CREATE TABLE crawl_state (
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            info TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (source, key)
        ) WITHOUT ROWID;
        """,
    )
    db.conn.executemany(
        "INSERT INTO genres(name, position) VALUES (?, ?)", [(g, i) for i, g in enumerate(GENRES)]
    )
    db.conn.executemany(
        "INSERT INTO genre_aliases(alias, genre) VALUES (?, ?)", sorted(ALIASES.items())
    )
    _stamp(db, 1)


@migrations()
def m002_grid_indexes(db: Database) -> None:
    """Indexes that page the grid in milliseconds at 100,000 posters (sorted and filtered)."""
    _script(
        db,
        """
        CREATE INDEX posters_sort ON posters(sort_key, id);
        CREATE INDEX posters_status_sort ON posters(status, sort_key, id);
        CREATE INDEX posters_uncertain ON posters(model_uncertainty DESC, id);
        CREATE INDEX poster_labels_genre ON poster_labels(genre, source, positive, poster_id);
        """,
    )
    _stamp(db, 2)


# A poster's effective genres as a bit set (bit = taxonomy position), kept by PosterStore,
# so a genre filter is a cheap test per row instead of a sub-query: pages of rare genres
# at 100,000 posters stay in single-digit milliseconds.
# Final genres (see core.final_genres): the curator's, else the source's plus the model's
# suggestions.  DISTINCT: a genre both official and suggested is one bit.
GENRE_MASK_SQL = """
    SELECT coalesce(sum(DISTINCT 1 << g.position), 0) FROM poster_labels l
    JOIN genres g ON g.name = l.genre
    WHERE l.poster_id = posters.id AND l.positive = 1
      AND (l.source = CASE WHEN posters.curated_at IS NULL THEN 'source' ELSE 'curator' END
           OR (posters.curated_at IS NULL AND l.source = 'model'))
"""


@migrations()
def m003_genre_mask(db: Database) -> None:
    """Effective genres as a bit mask on each poster, for fast grid filters."""
    db.execute("ALTER TABLE posters ADD COLUMN genre_mask INTEGER NOT NULL DEFAULT 0")
    db.execute(f"UPDATE posters SET genre_mask = ({GENRE_MASK_SQL})")
    _stamp(db, 3)


@migrations()
def m004_model_cuts(db: Database) -> None:
    """Per model version and genre: the calibrated probability that makes a suggestion, and
    the one at or below which the model is sure a labelled genre is absent."""
    _script(
        db,
        """
        CREATE TABLE model_cuts (
            model_version TEXT NOT NULL,
            genre TEXT NOT NULL,
            suggest REAL,
            sure_absent REAL,
            PRIMARY KEY (model_version, genre)
        ) WITHOUT ROWID;
    """,
    )
    _stamp(db, 4)


@migrations()
def m005_final_genre_mask(db: Database) -> None:
    """The genre mask follows the final-genre rule: model suggestions count on posters no
    curator has decided."""
    db.execute(f"UPDATE posters SET genre_mask = ({GENRE_MASK_SQL})")
    _stamp(db, 5)


@migrations()
def m006_site_title_keys(db: Database) -> None:
    """Titles from gallery sites are keyed by the site's id (``host:code``), not by the
    recipe's name (``recipe:code``); a film two recipes made twice becomes one title."""
    rows = db.execute(
        "SELECT id, key, source FROM titles WHERE source LIKE 'gallery:%' ORDER BY id"
    ).fetchall()
    for title_id, key, source in rows:
        site_id = key.removeprefix(source.removeprefix("gallery:") + ":")
        if site_id == key:
            continue  # not a key this migration knows
        if "://" in site_id:
            new = site_id  # a title known by its page URL
        else:
            host = _title_page_host(db, title_id)
            if host is None:
                continue  # no page of it left to tell its site: keep the key
            new = f"{host}:{site_id}"
        twin = db.execute("SELECT id FROM titles WHERE key = ?", [new]).fetchone()
        if twin is None:
            db.execute("UPDATE titles SET key = ? WHERE id = ?", [new, title_id])
        else:
            _merge_title(db, keep=twin[0], gone=title_id)
    _stamp(db, 6)


def _title_page_host(db: Database, title_id: int) -> str | None:
    """The host of a page the crawl read for this title (a gallery, or a poster's page)."""
    row = db.execute(
        "SELECT coalesce(json_extract(info, '$.referer'), json_extract(info, '$.url'), key) "
        "FROM crawl_state WHERE json_extract(info, '$.title_id') = ? "
        "AND kind IN ('gallery', 'image_page', 'poster') ORDER BY kind LIMIT 1",
        [title_id],
    ).fetchone()
    host = urlsplit(row[0]).hostname if row else None
    return host.removeprefix("www.") if host else None


def _merge_title(db: Database, keep: int, gone: int) -> None:
    """Move ``gone``'s genres, posters, viewings and crawl tasks to ``keep``.

    A poster whose bytes ``keep`` already has stays behind (with its labels and history),
    and so does ``gone`` then; otherwise ``gone`` is deleted, empty.
    """
    db.execute(
        "INSERT OR IGNORE INTO title_genres(title_id, genre) "
        "SELECT ?, genre FROM title_genres WHERE title_id = ?",
        [keep, gone],
    )
    db.execute(
        "UPDATE titles SET year = coalesce(year, (SELECT year FROM titles WHERE id = :gone)), "
        "original_name = coalesce(original_name, "
        "(SELECT original_name FROM titles WHERE id = :gone)) WHERE id = :keep",
        {"keep": keep, "gone": gone},
    )
    has_default = db.execute(
        "SELECT 1 FROM posters WHERE title_id = ? AND is_default = 1", [keep]
    ).fetchone()
    db.execute(
        "UPDATE posters SET title_id = :keep, is_default = is_default * :free "
        "WHERE title_id = :gone "
        "AND sha256 NOT IN (SELECT sha256 FROM posters WHERE title_id = :keep)",
        {"keep": keep, "gone": gone, "free": 0 if has_default else 1},
    )
    db.execute("UPDATE viewing_history SET title_id = ? WHERE title_id = ?", [keep, gone])
    db.execute(
        "UPDATE crawl_state SET info = json_set(info, '$.title_id', ?) "
        "WHERE json_extract(info, '$.title_id') = ?",
        [keep, gone],
    )
    if not db.execute("SELECT 1 FROM posters WHERE title_id = ?", [gone]).fetchone():
        db.execute("DELETE FROM titles WHERE id = ?", [gone])


@migrations()
def m007_impression_logs(db: Database) -> None:
    """Imported impression logs of poster experiments, for off-policy estimates."""
    _script(
        db,
        """
        CREATE TABLE impression_logs (
            id INTEGER PRIMARY KEY,
            file_name TEXT NOT NULL,
            file_sha256 TEXT NOT NULL UNIQUE,
            encoding TEXT NOT NULL,
            rows INTEGER NOT NULL,
            plays INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            imported_at TEXT NOT NULL,
            curator TEXT NOT NULL
        );
        CREATE TABLE impressions (
            id INTEGER PRIMARY KEY,
            log_id INTEGER NOT NULL REFERENCES impression_logs(id) ON DELETE CASCADE,
            shown_at TEXT NOT NULL,
            viewer TEXT NOT NULL,
            profile TEXT,
            title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
            poster_id INTEGER NOT NULL REFERENCES posters(id) ON DELETE CASCADE,
            propensity REAL NOT NULL CHECK (propensity > 0 AND propensity <= 1),
            arm TEXT,
            played INTEGER NOT NULL CHECK (played IN (0, 1)),
            minutes REAL,
            -- time first: logs arrive in time order, so the index grows at its end
            UNIQUE (shown_at, viewer, title_id, poster_id)
        );
        -- deleting a poster cascades to its impressions: without it, a scan per poster
        CREATE INDEX impressions_poster ON impressions(poster_id);
        """,
    )
    _stamp(db, 7)


@migrations()
def m008_reviews(db: Database) -> None:
    """A reviewer's decision on each reviewed curator edit (the audit log stays append-only,
    so the decisions live beside it, one row per decided audit entry)."""
    _script(
        db,
        """
        CREATE TABLE reviews (
            audit_id INTEGER PRIMARY KEY REFERENCES audit_log(id),
            decision TEXT NOT NULL CHECK (decision IN ('accepted', 'overridden', 'withdrawn')),
            reviewer TEXT NOT NULL,
            at TEXT NOT NULL
        );
        -- the queue and the history ask for one kind of edit at a time
        CREATE INDEX audit_action ON audit_log(action, id);
        """,
    )
    _stamp(db, 8)


# A poster's labelled genres as a bit set: the curator's, else the source's, never the
# model's.  Against ``genre_mask`` it tells where a final genre comes from, so the grid's
# "not labelled Horror" and provenance filters are bit tests per row, not sub-queries.
LABEL_MASK_SQL = """
    SELECT coalesce(sum(DISTINCT 1 << g.position), 0) FROM poster_labels l
    JOIN genres g ON g.name = l.genre
    WHERE l.poster_id = posters.id AND l.positive = 1
      AND l.source = CASE WHEN posters.curated_at IS NULL THEN 'source' ELSE 'curator' END
"""


# The model's score of every genre as two hex digits each (taxonomy order): 00 unscored,
# else 01 + the score in hundredths.  Fixed-width upper-case hex compares as text in score
# order, so a score range is a substring test on the row, not a join with the labels.
MODEL_SCORES_SQL = (
    "CASE WHEN posters.model_version IS NULL THEN NULL ELSE "
    + " || ".join(
        "printf('%02X', coalesce((SELECT CAST(round(l.score * 100) AS INTEGER) + 1 "
        "FROM poster_labels l WHERE l.poster_id = posters.id AND l.source = 'model' "
        f"AND l.genre = '{g}'), 0))"
        for g in GENRES
    )
    + " END"
)
TESTED = (
    "genre_mask, label_mask, status, source, sensitive, model_disagrees, curated_at, "
    "edited_by, model_scores"
)
FILTERED = f"{TESTED}, edited_at"


@migrations()
def m009_power_filters(db: Database) -> None:
    """What the power filters test per row: labelled genres as a bit mask, the model's
    scores as text, and who last edited each poster and when (kept by a trigger on the
    audit log, which every curator edit appends to); indexes for the filters."""
    _script(
        db,
        f"""
        ALTER TABLE posters ADD COLUMN label_mask INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE posters ADD COLUMN edited_by TEXT;
        ALTER TABLE posters ADD COLUMN edited_at TEXT;
        ALTER TABLE posters ADD COLUMN model_scores TEXT;
        UPDATE posters SET label_mask = ({LABEL_MASK_SQL}), model_scores = ({MODEL_SCORES_SQL});
        UPDATE posters SET (edited_by, edited_at) = (
            SELECT curator, at FROM audit_log WHERE poster_id = posters.id
            ORDER BY id DESC LIMIT 1);
        CREATE TRIGGER audit_log_last_edit AFTER INSERT ON audit_log
            WHEN NEW.poster_id IS NOT NULL
            BEGIN
                UPDATE posters SET edited_by = NEW.curator, edited_at = NEW.at
                WHERE id = NEW.poster_id;
            END;
        -- The grid's two index orders carry every column a filter tests, so counting and
        -- paging a filtered grid reads these narrow indexes, never the wide rows.
        DROP INDEX posters_sort;
        CREATE INDEX posters_sort ON posters(sort_key, id, {FILTERED});
        DROP INDEX posters_uncertain;
        CREATE INDEX posters_uncertain ON posters(model_uncertainty DESC, id, {FILTERED});
        -- Edited posters are few: by day, with both sort keys, the rest as above.
        CREATE INDEX posters_edited ON posters(edited_at, sort_key, model_uncertainty, {TESTED})
            WHERE edited_at IS NOT NULL;
        CREATE INDEX posters_editor ON posters(edited_by, edited_at);
        """,
    )
    _stamp(db, 9)


@migrations()
def m010_phash_bands(db: Database) -> None:
    """Indexes on five bands of hex digits of the perceptual hash (replaced by m011)."""
    for band, (start, length) in enumerate(((1, 3), (4, 3), (7, 3), (10, 3), (13, 4))):
        db.execute(
            f"CREATE INDEX posters_phash_{band} ON posters(substr(phash, {start}, {length}), phash)"
        )
    _stamp(db, 10)


# A perceptual hash (16 hex digits) in three bands of digits, as ``(start, length)`` for
# SQL's substr().  Two hashes at most PHASH_REACH bits apart differ by at most one bit in
# one band at least (were each band two bits off, they would be six apart), so a
# near-duplicate look-up reads the posters whose band equals the probe's band or one of
# its one-bit neighbours in any band ("multi-index hashing", Norouzi et al., CVPR 2012):
# 67 index probes finding about 40 posters in a catalog of a million, where m010's five
# bands of 12-16 bits found about a thousand.
PHASH_BANDS = ((1, 5), (6, 5), (11, 6))
PHASH_REACH = 2 * len(PHASH_BANDS) - 1


@migrations()
def m011_phash_three_bands(db: Database) -> None:
    """Three wider phash bands, looked up with their one-bit neighbours (PHASH_BANDS)."""
    for band in range(5):
        db.execute(f"DROP INDEX posters_phash_{band}")
    for band, (start, length) in enumerate(PHASH_BANDS):
        # The whole hash in the index too: candidates are read from the index alone.
        db.execute(
            f"CREATE INDEX posters_phash_band_{band} "
            f"ON posters(substr(phash, {start}, {length}), phash)"
        )
    _stamp(db, 11)


def has_trigrams(db: Database) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (3.34 and later)."""
    try:
        db.execute("CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    db.execute("DROP TABLE temp.trigram_probe")
    return True


@migrations()
def m012_title_search(db: Database) -> None:
    """A trigram index of the titles' folded names, kept by triggers: a search finds the
    titles holding a word of three letters or more without reading every title (1,000
    times faster for a rare word among 250,000 titles).  An SQLite without trigrams gets
    none, and its searches read the titles as before."""
    if has_trigrams(db):
        _script(
            db,
            """
            CREATE VIRTUAL TABLE titles_search USING fts5(
                name_fold, content='titles', content_rowid='id', tokenize='trigram',
                detail='none'
            );
            INSERT INTO titles_search(titles_search) VALUES ('rebuild');
            CREATE TRIGGER titles_search_insert AFTER INSERT ON titles BEGIN
                INSERT INTO titles_search(rowid, name_fold) VALUES (new.id, new.name_fold);
            END;
            CREATE TRIGGER titles_search_delete AFTER DELETE ON titles BEGIN
                INSERT INTO titles_search(titles_search, rowid, name_fold)
                VALUES ('delete', old.id, old.name_fold);
            END;
            CREATE TRIGGER titles_search_update AFTER UPDATE OF name_fold ON titles BEGIN
                INSERT INTO titles_search(titles_search, rowid, name_fold)
                VALUES ('delete', old.id, old.name_fold);
                INSERT INTO titles_search(rowid, name_fold) VALUES (new.id, new.name_fold);
            END;
            """,
        )
    _stamp(db, 12)


# A poster's place in the title sort, from the columns of its title's row (``{t}``: the
# table's name and a dot, or nothing); catalog.connection.sort_key writes it on each poster.
TITLE_SORT_KEY = "{t}name_fold || char(31) || printf('%04d', coalesce({t}year, 0))"


@migrations()
def m013_title_sort(db: Database) -> None:
    """The titles in the title sort's order: a search for a common word walks the matching
    titles in that order and stops once a page is full (a million posters: 1 ms, not 90).
    Posters a renamed title had left at its old name take their place under its new one,
    and a curated poster with no audited edit counts as edited when it was curated (the
    curated filter reads the edited posters' index)."""
    key, of_title = TITLE_SORT_KEY.format(t=""), TITLE_SORT_KEY.format(t="titles.")
    _script(
        db,
        f"""
        CREATE INDEX titles_sort ON titles({key}, name_fold);
        UPDATE posters SET sort_key = (SELECT {of_title} FROM titles WHERE id = posters.title_id)
        WHERE sort_key IS NOT (SELECT {of_title} FROM titles WHERE id = posters.title_id);
        UPDATE posters SET edited_at = curated_at, edited_by = curated_by
        WHERE curated_at IS NOT NULL AND edited_at IS NULL;
        """,
    )
    _stamp(db, 13)


MIGRATIONS = (
    m001_catalog,
    m002_grid_indexes,
    m003_genre_mask,
    m004_model_cuts,
    m005_final_genre_mask,
    m006_site_title_keys,
    m007_impression_logs,
    m008_reviews,
    m009_power_filters,
    m010_phash_bands,
    m011_phash_three_bands,
    m012_title_search,
    m013_title_sort,
)
SCHEMA_VERSION = int(MIGRATIONS[-1].__name__[1:4])  # the number of the last migration


def apply(db: Database) -> int:
    """Bring ``db`` to the current schema; return its schema version.

    :raises StoreError: when the database was made by a newer Poster Studio
    """
    known = SCHEMA_VERSION
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > known:
        raise StoreError(
            f"this catalog has schema version {current}, newer than this Poster Studio "
            f"understands ({known}); update Poster Studio to open it"
        )
    if current < known:
        # One write lock over the whole upgrade: two programs opening an older catalog at
        # once would otherwise both run the same pending migration, and the second fail on
        # what the first already changed.  The second waits (busy timeout) and finds none.
        db.execute("BEGIN IMMEDIATE")
        try:
            migrations.apply(db)
        except BaseException:
            if db.conn.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    _check_title_search(db)
    return known


def _check_title_search(db: Database) -> None:
    """Refuse at once a catalog whose title index this SQLite cannot read (made by one with
    trigrams): it would open, then fail at the first title added.

    :raises StoreError: saying which SQLite it needs
    """
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'titles_search'").fetchone():
        try:
            db.execute("SELECT rowid FROM titles_search LIMIT 0")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"this catalog's title search needs SQLite 3.34 or newer with FTS5, and this "
                f"Python has SQLite {sqlite3.sqlite_version} ({exc}); open it with a newer Python"
            ) from exc
