"""``PosterStore``: the catalog in SQLite, the single source of truth.

Every write runs in one transaction, and every curator edit appends to the audit log in
that same transaction, so an edit and its audit row land together or not at all.  A
connection belongs to one thread: workers open their own store.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from poster_tool.core import schema
from poster_tool.core.errors import StoreError
from poster_tool.core.records import (
    STATUSES,
    AuditEntry,
    Label,
    Poster,
    PosterQuery,
    Title,
    TitleIn,
)
from poster_tool.core.suggestions import SURE_ABSENT, SURE_PRESENT, suggested, uncertainty
from poster_tool.core.taxonomy import GENRES, ordered

BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another program's transaction

_POSTER_COLUMNS = """
    p.id, p.title_id, p.sha256, p.path, p.width, p.height, p.orientation, p.phash, p.source,
    p.source_url, p.status, p.is_default, p.sensitive, p.sensitive_reason, p.synthetic,
    p.duplicate_of, p.near_duplicate_of, p.curated_at, p.model_version, p.model_uncertainty,
    p.created_at, t.name, t.year, p.model_disagrees
"""

# Effective genres: the curator's when the poster has been curated, else the source's.
_EFFECTIVE_SOURCE = "CASE WHEN p.curated_at IS NULL THEN 'source' ELSE 'curator' END"

_SORTS = {
    "title": "p.sort_key, p.id",
    "id": "p.id",
    "newest": "p.id DESC",
    "uncertain": "p.model_uncertainty DESC, p.id",  # NULL (never scored) sorts last
}


def now() -> str:
    """UTC time as ISO-8601 with seconds, the catalog's one time format."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fold(text: str) -> str:
    """Case-folded text for search (works for Hangul too, which has no case)."""
    return " ".join(text.casefold().split())


class PosterStore:
    """The catalog of one workspace.

    :param path: the ``catalog.db`` file, or ``":memory:"`` for tests
    """

    def __init__(self, path: str | Path | Database) -> None:
        try:
            if isinstance(path, Database):
                self.db = path
            elif str(path) == ":memory:":
                self.db = Database(memory=True)
            else:
                self.db = Database(path)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self.db.memory:
                self.db.enable_wal()
                self.db.execute("PRAGMA synchronous = NORMAL")
            self.schema_version = schema.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the catalog {path}: {exc}") from exc

    # -- plumbing -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> PosterStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction (a savepoint when nested); rolled back on any exception.

        It starts with ``BEGIN IMMEDIATE``: taking the write lock first makes a writer wait
        its turn (up to the busy timeout) while another program writes; a deferred
        transaction that read first would be refused at its first write instead.

        :raises StoreError: when another program kept the catalog locked past the timeout
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"the catalog is busy: another program kept it locked for "
                f"{BUSY_TIMEOUT_MS / 1000:g} s; try again ({exc})"
            ) from exc
        try:
            yield self.db
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same state of the catalog
        (WAL), and writers in other connections go on meanwhile."""
        with self.db.atomic():
            yield

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """The first column of the first row of a query, or ``None``."""
        row = self.db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A value from the workspace's key/value settings (e.g. the active model)."""
        value = self.scalar("SELECT value FROM meta WHERE key = ?", [key])
        return default if value is None else value

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or with ``None`` remove) a workspace setting."""
        with self.transaction():
            if value is None:
                self.db.execute("DELETE FROM meta WHERE key = ?", [key])
            else:
                self.db.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )

    # -- titles ---------------------------------------------------------------------------
    def upsert_title(self, title: TitleIn) -> tuple[int, bool]:
        """Find the title by key, IMDb id or TMDB id, or add it; return ``(id, created)``.

        An existing title keeps its data; missing fields (year, ids, genres, and a name that
        only stood in for an empty one: the title's id) are filled in.
        """
        with self.transaction():
            row = self.db.execute(
                "SELECT id, year, imdb_id, tmdb_id, original_name, name FROM titles "
                "WHERE key = ? OR (imdb_id IS NOT NULL AND imdb_id = ?) "
                "OR (tmdb_id IS NOT NULL AND tmdb_id = ?) ORDER BY id LIMIT 1",
                [title.key, title.imdb_id, title.tmdb_id],
            ).fetchone()
            if row is None:
                cur = self.db.execute(
                    "INSERT INTO titles(key, name, name_fold, original_name, year, imdb_id, "
                    "tmdb_id, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        title.key,
                        title.name,
                        fold(f"{title.name} {title.original_name or ''}"),
                        title.original_name,
                        title.year,
                        title.imdb_id,
                        title.tmdb_id,
                        title.source,
                        now(),
                    ],
                )
                title_id = int(cur.lastrowid or 0)
                self._add_title_genres(title_id, title.genres)
                return title_id, True
            title_id, year, imdb_id, tmdb_id, original, name = row
            if name == title.key.partition(":")[2] and title.name != name:
                name = title.name
            original = original or title.original_name
            self.db.execute(
                "UPDATE titles SET year = ?, imdb_id = ?, tmdb_id = ?, original_name = ?, "
                "name = ?, name_fold = ? WHERE id = ?",
                [
                    year or title.year,
                    imdb_id or title.imdb_id,
                    tmdb_id or title.tmdb_id,
                    original,
                    name,
                    fold(f"{name} {original or ''}"),
                    title_id,
                ],
            )
            if not self.scalar("SELECT 1 FROM title_genres WHERE title_id = ?", [title_id]):
                self._add_title_genres(title_id, title.genres)
            return title_id, False

    def _add_title_genres(self, title_id: int, genres: Iterable[str]) -> None:
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO title_genres(title_id, genre) VALUES (?, ?)",
            [(title_id, g) for g in ordered(genres)],
        )

    def get_title(self, title_id: int) -> Title:
        """One title with its official genres and default poster.

        :raises StoreError: when there is no such title
        """
        titles = self.titles([title_id])
        if not titles:
            raise StoreError(f"no title with id {title_id}")
        return titles[0]

    def titles(self, ids: Sequence[int] | None = None) -> list[Title]:
        """Titles by id (in the order asked), or all titles by name when ``ids`` is None."""
        where, params = ("", []) if ids is None else (in_clause("t.id", ids))
        rows = self._rows(
            "SELECT t.id, t.key, t.name, t.year, t.original_name, t.imdb_id, t.tmdb_id, "
            "(SELECT group_concat(g.genre, '|') FROM (SELECT tg.genre FROM title_genres tg "
            " JOIN genres gg ON gg.name = tg.genre WHERE tg.title_id = t.id "
            " ORDER BY gg.position) g), "
            "(SELECT p.id FROM posters p WHERE p.title_id = t.id AND p.is_default = 1) "
            f"FROM titles t {'WHERE ' + where if where else ''} ORDER BY t.name_fold, t.id",
            params,
        )
        titles = [
            Title(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                tuple((r[7] or "").split("|")) if r[7] else (),
                r[8],
            )
            for r in rows
        ]
        if ids is not None:
            by_id = {t.id: t for t in titles}
            titles = [by_id[i] for i in ids if i in by_id]
        return titles

    def find_title(self, ref: str) -> Title | None:
        """A title by catalog id, key, IMDb id (``tt…``) or TMDB id."""
        row = self.scalar(
            "SELECT id FROM titles WHERE key = ? OR imdb_id = ? OR CAST(id AS TEXT) = ? "
            "OR CAST(tmdb_id AS TEXT) = ? ORDER BY (CAST(id AS TEXT) = ?) DESC LIMIT 1",
            [ref, ref, ref, ref, ref],
        )
        return None if row is None else self.get_title(int(row))

    # -- posters --------------------------------------------------------------------------
    def find_poster(
        self,
        *,
        title_id: int | None = None,
        sha256: str | None = None,
        source_ref: str | None = None,
    ) -> int | None:
        """The id of a poster matching every given field, or ``None``."""
        clauses, params = [], []
        for column, value in (
            ("title_id", title_id),
            ("sha256", sha256),
            ("source_ref", source_ref),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if not clauses:
            return None
        row = self.scalar(f"SELECT id FROM posters WHERE {' AND '.join(clauses)} LIMIT 1", params)
        return None if row is None else int(row)

    def add_poster(
        self,
        *,
        title_id: int,
        sha256: str,
        path: str,
        width: int,
        height: int,
        phash: str,
        file_format: str,
        file_size: int,
        source: str,
        source_url: str | None = None,
        source_ref: str | None = None,
        synthetic: bool = False,
        near_duplicate_of: int | None = None,
        status: str = "pending",
    ) -> tuple[int, bool]:
        """Add a poster to a title, labelled with the title's official genres.

        Returns ``(id, created)``: the same content already in this title is not added
        twice; the same content in another title is added and linked as a duplicate.
        """
        orientation = (
            "portrait"
            if height > width * 1.05
            else "landscape"
            if width > height * 1.05
            else "square"
        )
        with self.transaction():
            existing = self.find_poster(title_id=title_id, sha256=sha256)
            if existing is not None:
                return existing, False
            duplicate_of = self.scalar(
                "SELECT id FROM posters WHERE sha256 = ? ORDER BY id LIMIT 1", [sha256]
            )
            title_row = self.db.execute(
                "SELECT name_fold, year FROM titles WHERE id = ?", [title_id]
            ).fetchone()
            if title_row is None:
                raise StoreError(f"no title with id {title_id}")
            stamp = now()
            cur = self.db.execute(
                "INSERT INTO posters(title_id, sha256, path, width, height, orientation, phash, "
                "file_format, file_size, source, source_url, source_ref, status, synthetic, "
                "duplicate_of, near_duplicate_of, sort_key, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    title_id,
                    sha256,
                    path,
                    width,
                    height,
                    orientation,
                    phash,
                    file_format,
                    file_size,
                    source,
                    source_url,
                    source_ref,
                    status,
                    int(synthetic),
                    duplicate_of,
                    near_duplicate_of,
                    f"{title_row[0]}\x1f{title_row[1] or 0:04d}",
                    stamp,
                    stamp,
                ],
            )
            poster_id = int(cur.lastrowid or 0)
            self.db.execute(
                "INSERT INTO poster_labels(poster_id, genre, source, positive, created_at) "
                "SELECT ?, genre, 'source', 1, ? FROM title_genres WHERE title_id = ?",
                [poster_id, stamp, title_id],
            )
            self.refresh_genre_mask([poster_id])
            return poster_id, True

    def get_poster(self, poster_id: int) -> Poster:
        """One poster.

        :raises StoreError: when there is no such poster
        """
        posters = self.posters([poster_id])
        if not posters:
            raise StoreError(f"no poster with id {poster_id}")
        return posters[0]

    def posters(self, ids: Sequence[int]) -> list[Poster]:
        """Posters by id, in the order asked (missing ids are skipped)."""
        if not ids:
            return []
        where, params = in_clause("p.id", ids)
        rows = self._rows(
            f"SELECT {_POSTER_COLUMNS} FROM posters p JOIN titles t ON t.id = p.title_id "
            f"WHERE {where}",
            params,
        )
        genres = self.effective_genres([r[0] for r in rows])
        by_id = {}
        for r in rows:
            by_id[r[0]] = Poster(
                id=r[0],
                title_id=r[1],
                sha256=r[2],
                path=r[3],
                width=r[4],
                height=r[5],
                orientation=r[6],
                phash=r[7],
                source=r[8],
                source_url=r[9],
                status=r[10],
                is_default=bool(r[11]),
                sensitive=bool(r[12]),
                sensitive_reason=r[13],
                synthetic=bool(r[14]),
                duplicate_of=r[15],
                near_duplicate_of=r[16],
                curated=r[17] is not None,
                model_version=r[18],
                model_uncertainty=r[19],
                created_at=r[20],
                title_name=r[21],
                title_year=r[22],
                model_disagrees=bool(r[23]),
                genres=tuple(genres.get(r[0], ())),
            )
        return [by_id[i] for i in ids if i in by_id]

    def effective_genres(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Each poster's final genres (taxonomy order): the curator's if curated, else the
        source's plus those the model suggests (the rule of ``core.final_genres``, which
        also says where each genre comes from and which posters wait for review)."""
        return self._genres(
            ids, f"l.source = {_EFFECTIVE_SOURCE} OR (p.curated_at IS NULL AND l.source = 'model')"
        )

    def label_genres(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Each poster's labelled genres: the curator's if curated, else the source's.  The
        truth a model trains on: never the model's own suggestions."""
        return self._genres(ids, f"l.source = {_EFFECTIVE_SOURCE}")

    def _genres(self, ids: Sequence[int], which: str) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {i: [] for i in ids}
        if not ids:
            return out
        where, params = in_clause("p.id", ids)
        for poster_id, genre, _position in self._rows(
            "SELECT DISTINCT l.poster_id, l.genre, g.position FROM posters p "
            f"JOIN poster_labels l ON l.poster_id = p.id AND l.positive = 1 AND ({which}) "
            f"JOIN genres g ON g.name = l.genre WHERE {where} ORDER BY l.poster_id, g.position",
            params,
        ):
            out[poster_id].append(genre)
        return out

    def labels(self, poster_id: int) -> list[Label]:
        """Every label of a poster, from every source, in taxonomy order."""
        return [
            Label(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7])
            for r in self._rows(
                "SELECT l.poster_id, l.genre, l.source, l.positive, l.score, l.model_version, "
                "l.curator, l.created_at FROM poster_labels l JOIN genres g ON g.name = l.genre "
                "WHERE l.poster_id = ? ORDER BY g.position, l.source",
                [poster_id],
            )
        ]

    def sure_absent_cuts(self, model_version: str) -> dict[str, float]:
        """Genre -> the score at or below which this model is sure a genre is absent."""
        return {
            g: float(c)
            for g, c in self._rows(
                "SELECT genre, sure_absent FROM model_cuts WHERE model_version = ? "
                "AND sure_absent IS NOT NULL",
                [model_version],
            )
        }

    def model_scores(self, ids: Sequence[int]) -> dict[int, dict[str, float]]:
        """The active model's score per genre for each poster that has been scored."""
        out: dict[int, dict[str, float]] = {}
        if not ids:
            return out
        where, params = in_clause("l.poster_id", ids)
        for poster_id, genre, score in self._rows(
            f"SELECT l.poster_id, l.genre, l.score FROM poster_labels l "
            f"WHERE l.source = 'model' AND {where}",
            params,
        ):
            out.setdefault(poster_id, {})[genre] = score
        return out

    def pool(self, title_id: int) -> list[Poster]:
        """All posters of a title: the default first, then in the order they came in."""
        ids = [
            r[0]
            for r in self._rows(
                "SELECT id FROM posters WHERE title_id = ? ORDER BY is_default DESC, id", [title_id]
            )
        ]
        return self.posters(ids)

    # -- the grid's queries ---------------------------------------------------------------
    def _where(self, q: PosterQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if q.text.strip():
            clauses.append("p.title_id IN (SELECT id FROM titles WHERE name_fold LIKE ?)")
            params.append(f"%{fold(q.text)}%")
        if q.status:
            clauses.append("p.status = ?")
            params.append(q.status)
        if q.source:
            clauses.append("p.source = ?")
            params.append(q.source)
        if q.title_id is not None:
            clauses.append("p.title_id = ?")
            params.append(q.title_id)
        if q.genre:
            if q.genre not in GENRES:
                raise StoreError(f"unknown genre {q.genre!r}; see 'poster-tool genres'")
            clauses.append("p.genre_mask & ? != 0")
            params.append(1 << GENRES.index(q.genre))
        if q.disagrees:
            clauses.append("p.model_disagrees = 1")
        if q.unlabelled:
            clauses.append("p.curated_at IS NULL")
        if q.sensitive is not None:
            clauses.append("p.sensitive = ?")
            params.append(int(q.sensitive))
        if q.ids is not None:
            where, in_params = in_clause("p.id", q.ids)
            clauses.append(where)
            params.extend(in_params)
        return (" AND ".join(clauses) or "1"), params

    def query_ids(self, q: PosterQuery, offset: int = 0, limit: int = 100) -> list[int]:
        """One page of poster ids matching ``q``, in its sort order."""
        where, params = self._where(q)
        order = _SORTS.get(q.sort)
        if order is None:
            raise StoreError(f"unknown sort {q.sort!r}; choose one of {', '.join(_SORTS)}")
        rows = self._rows(
            f"SELECT p.id FROM posters p WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [r[0] for r in rows]

    def count(self, q: PosterQuery) -> int:
        """How many posters match ``q``."""
        where, params = self._where(q)
        return int(self.scalar(f"SELECT count(*) FROM posters p WHERE {where}", params))

    def near_duplicates(self, poster_id: int, max_bits: int = 10) -> list[int]:
        """Posters whose perceptual hash lies within ``max_bits`` of this one's (closest first)."""
        from poster_tool.core.imaging import hamming_many

        target = self.scalar("SELECT phash FROM posters WHERE id = ?", [poster_id])
        if target is None:
            raise StoreError(f"no poster with id {poster_id}")
        rows = self._rows("SELECT id, phash FROM posters WHERE id != ?", [poster_id])
        if not rows:
            return []
        distances = hamming_many(target, [r[1] for r in rows])
        hits = sorted((int(d), r[0]) for d, r in zip(distances, rows, strict=True) if d <= max_bits)
        return [poster_id for _, poster_id in hits]

    def all_phashes(self) -> list[tuple[int, str]]:
        """``(poster id, perceptual hash)`` of every poster, for near-duplicate indexes."""
        return [(r[0], r[1]) for r in self._rows("SELECT id, phash FROM posters ORDER BY id")]

    # -- curator edits (audited) ----------------------------------------------------------
    def audit(
        self,
        curator: str,
        action: str,
        poster_id: int | None,
        title_id: int | None,
        before: object,
        after: object,
    ) -> None:
        """Append one entry to the audit log (call inside the transaction of the change)."""
        self.db.execute(
            "INSERT INTO audit_log(at, curator, action, poster_id, title_id, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                now(),
                curator,
                action,
                poster_id,
                title_id,
                json.dumps(before, ensure_ascii=False),
                json.dumps(after, ensure_ascii=False),
            ],
        )

    def _require_posters(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        where, params = in_clause("id", ids)
        found = {r[0] for r in self._rows(f"SELECT id FROM posters WHERE {where}", params)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise StoreError(f"no poster with id {', '.join(map(str, missing[:5]))}")

    def curation_state(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """What an undo needs to restore: status, curator genres (or None), sensitivity."""
        if not ids:
            return {}
        where, params = in_clause("id", ids)
        state = {
            r[0]: {"status": r[1], "sensitive": r[2], "genres": None if r[3] is None else []}
            for r in self._rows(
                "SELECT id, status, CASE WHEN sensitive THEN coalesce(sensitive_reason, '') "
                f"END, curated_at FROM posters WHERE {where}",
                params,
            )
        }
        where, params = in_clause("l.poster_id", ids)
        for poster_id, genre in self._rows(
            "SELECT l.poster_id, l.genre FROM poster_labels l JOIN genres g ON g.name = l.genre "
            f"WHERE l.source = 'curator' AND l.positive = 1 AND {where} ORDER BY g.position",
            params,
        ):
            if state[poster_id]["genres"] is not None:
                state[poster_id]["genres"].append(genre)
        return state

    def set_status(self, changes: Mapping[int, str], curator: str) -> None:
        """Set each poster's status (pending / approved / rejected), audited."""
        for status in changes.values():
            if status not in STATUSES:
                raise StoreError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        with self.transaction():
            self._require_posters(changes)
            before = self.curation_state(list(changes))
            for poster_id, status in changes.items():
                old = before[poster_id]["status"]
                if old == status:
                    continue
                self.db.execute(
                    "UPDATE posters SET status = ?, updated_at = ? WHERE id = ?",
                    [status, now(), poster_id],
                )
                self.audit(curator, "status", poster_id, None, old, status)

    def set_genres(self, changes: Mapping[int, Sequence[str] | None], curator: str) -> None:
        """Set each poster's curator genres, audited.

        ``None`` withdraws the curator's labels, so the poster falls back to its source's.
        """
        for genres in changes.values():
            unknown = [g for g in genres or () if g not in GENRES]
            if unknown:
                raise StoreError(f"unknown genre {unknown[0]!r}; see 'poster-tool genres'")
        with self.transaction():
            self._require_posters(changes)
            before = self.curation_state(list(changes))
            stamp = now()
            for poster_id, genres in changes.items():
                new = None if genres is None else ordered(genres)
                old = before[poster_id]["genres"]
                if old == new:
                    continue
                self.db.execute(
                    "DELETE FROM poster_labels WHERE poster_id = ? AND source = 'curator'",
                    [poster_id],
                )
                if new is None:
                    self.db.execute(
                        "UPDATE posters SET curated_at = NULL, curated_by = NULL, "
                        "updated_at = ? WHERE id = ?",
                        [stamp, poster_id],
                    )
                else:
                    self.db.conn.executemany(
                        "INSERT INTO poster_labels(poster_id, genre, source, positive, curator, "
                        "created_at) VALUES (?, ?, 'curator', 1, ?, ?)",
                        [(poster_id, g, curator, stamp) for g in new],
                    )
                    self.db.execute(
                        "UPDATE posters SET curated_at = ?, curated_by = ?, updated_at = ? "
                        "WHERE id = ?",
                        [stamp, curator, stamp, poster_id],
                    )
                self.audit(curator, "genres", poster_id, None, old, new)
                self.refresh_genre_mask([poster_id])
                self.refresh_disagreement(poster_id)

    def genre_toggle(self, ids: Sequence[int], genre: str) -> tuple[bool, dict[int, list[str]]]:
        """What flipping one genre gives each poster (nothing written): on for all unless
        all have it, then off; ``(turned on, poster id -> genres in taxonomy order)``."""
        current = self.effective_genres(list(dict.fromkeys(ids)))
        turn_on = not all(genre in genres for genres in current.values())
        return turn_on, {
            i: ordered([g for g in genres if g != genre] + ([genre] if turn_on else []))
            for i, genres in current.items()
        }

    def toggle_genre(self, ids: Sequence[int], genre: str, curator: str) -> None:
        """Flip one genre on the given posters (see :meth:`genre_toggle`), audited."""
        self.set_genres(self.genre_toggle(ids, genre)[1], curator)

    def set_sensitive(self, changes: Mapping[int, str | None], curator: str) -> None:
        """Mark posters sensitive with a reason (``None`` clears the flag), audited."""
        for reason in changes.values():
            if reason is not None and not reason.strip():
                raise StoreError("a sensitive poster needs a reason (e.g. 'religious imagery')")
        with self.transaction():
            self._require_posters(changes)
            before = self.curation_state(list(changes))
            for poster_id, reason in changes.items():
                old = before[poster_id]["sensitive"]
                new = None if reason is None else reason.strip()
                if old == new:
                    continue
                self.db.execute(
                    "UPDATE posters SET sensitive = ?, sensitive_reason = ?, updated_at = ? "
                    "WHERE id = ?",
                    [int(new is not None), new, now(), poster_id],
                )
                self.audit(curator, "sensitive", poster_id, None, old, new)

    def set_default(self, poster_id: int | None, curator: str, title_id: int | None = None) -> None:
        """Make a poster its title's default (``None`` with ``title_id`` clears it), audited."""
        with self.transaction():
            if poster_id is not None:
                self._require_posters([poster_id])
                title_id = int(
                    self.scalar("SELECT title_id FROM posters WHERE id = ?", [poster_id])
                )
            if title_id is None:
                raise StoreError("clearing a default poster needs the title")
            old = self.scalar(
                "SELECT id FROM posters WHERE title_id = ? AND is_default = 1", [title_id]
            )
            if old == poster_id:
                return
            self.db.execute(
                "UPDATE posters SET is_default = 0, updated_at = ? "
                "WHERE title_id = ? AND is_default = 1",
                [now(), title_id],
            )
            if poster_id is not None:
                self.db.execute(
                    "UPDATE posters SET is_default = 1, updated_at = ? WHERE id = ?",
                    [now(), poster_id],
                )
            self.audit(curator, "default", poster_id, title_id, old, poster_id)

    def refresh_genre_mask(self, ids: Sequence[int]) -> None:
        """Recompute the effective-genre bit mask after labels changed outside ``set_genres``."""
        where, params = in_clause("id", ids)
        self.db.execute(
            f"UPDATE posters SET genre_mask = ({schema.GENRE_MASK_SQL}) WHERE {where}", params
        )

    def refresh_disagreement(self, poster_id: int) -> None:
        """Recompute whether the model is sure that the poster's effective genres are wrong:
        a labelled genre it scores at most the genre's sure-absent cut, or an unlabelled one
        it scores at least ``SURE_PRESENT`` (see :mod:`poster_tool.core.suggestions`)."""
        self.db.execute(
            f"""
            UPDATE posters SET model_disagrees = (
                SELECT CASE WHEN p.model_version IS NULL THEN 0 ELSE EXISTS (
                    SELECT 1 FROM poster_labels m WHERE m.poster_id = p.id
                        AND m.source = 'model' AND m.score IS NOT NULL
                        AND (m.score <= coalesce((SELECT c.sure_absent FROM model_cuts c
                                WHERE c.model_version = m.model_version AND c.genre = m.genre),
                             ?) OR m.score >= ?)
                        AND (m.score >= ?) != EXISTS (
                            SELECT 1 FROM poster_labels e WHERE e.poster_id = p.id
                                AND e.genre = m.genre AND e.source = {_EFFECTIVE_SOURCE}
                                AND e.positive = 1)
                ) END FROM posters p WHERE p.id = posters.id)
            WHERE id = ?
            """,
            [SURE_ABSENT, SURE_PRESENT, SURE_PRESENT, poster_id],
        )

    def write_model_scores(
        self,
        model_version: str,
        scores: Mapping[int, Mapping[str, float]],
        cuts: Mapping[str, float],
        sure_absent: Mapping[str, float] | None = None,
    ) -> None:
        """Replace the model labels of these posters with a model's calibrated scores.

        A label is positive when the genre is suggested (see
        :func:`poster_tool.core.suggestions.suggested`).

        :param scores: poster id -> genre -> calibrated probability
        :param cuts: genre -> the model's suggestion cut
        :param sure_absent: genre -> the model's sure-absent cut (default ``SURE_ABSENT``)
        """
        stamp = now()
        with self.transaction():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO model_cuts(model_version, genre, suggest, sure_absent) "
                "VALUES (?, ?, ?, ?)",
                [
                    (model_version, g, cuts.get(g), (sure_absent or {}).get(g))
                    for g in sorted(set(cuts) | set(sure_absent or {}))
                ],
            )
            for poster_id, by_genre in scores.items():
                self.db.execute(
                    "DELETE FROM poster_labels WHERE poster_id = ? AND source = 'model'",
                    [poster_id],
                )
                chosen = set(suggested(by_genre, cuts))
                self.db.conn.executemany(
                    "INSERT INTO poster_labels(poster_id, genre, source, positive, score, "
                    "model_version, created_at) VALUES (?, ?, 'model', ?, ?, ?, ?)",
                    [
                        (poster_id, g, int(g in chosen), float(s), model_version, stamp)
                        for g, s in by_genre.items()
                        if g in GENRES
                    ],
                )
                self.db.execute(
                    "UPDATE posters SET model_version = ?, model_uncertainty = ? WHERE id = ?",
                    [model_version, uncertainty(by_genre), poster_id],
                )
                self.refresh_disagreement(poster_id)
            self.refresh_genre_mask(list(scores))  # model genres count for uncurated posters

    def audit_log(self, poster_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest audit entries, of one poster or of the whole catalog."""
        where, params = ("WHERE poster_id = ?", [poster_id]) if poster_id is not None else ("", [])
        return [
            AuditEntry(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                json.loads(r[6] or "null"),
                json.loads(r[7] or "null"),
            )
            for r in self._rows(
                f"SELECT id, at, curator, action, poster_id, title_id, before, after "
                f"FROM audit_log {where} ORDER BY id DESC LIMIT ?",
                [*params, limit],
            )
        ]

    # -- overview -------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counts for ``stats --json`` and the status bar."""
        posters = dict.fromkeys(STATUSES, 0)
        for status, n in self._rows("SELECT status, count(*) FROM posters GROUP BY status"):
            posters[status] = n
        labels = {"source": 0, "model": 0, "curator": 0}
        for source, n in self._rows(
            "SELECT source, count(*) FROM poster_labels WHERE positive = 1 GROUP BY source"
        ):
            labels[source] = n
        # Final genres, from the bit mask the grid filters on (same rule, one pass).
        row = self.db.execute(
            "SELECT "
            + ", ".join(f"coalesce(sum((genre_mask >> {i}) & 1), 0)" for i in range(len(GENRES)))
            + " FROM posters"
        ).fetchone()
        genres = dict(zip(GENRES, row, strict=True))
        return {
            "titles": int(self.scalar("SELECT count(*) FROM titles")),
            "posters": {"total": sum(posters.values()), **posters},
            "labels": labels,
            "genres": {g: n for g, n in genres.items() if n},
            "sensitive": int(self.scalar("SELECT count(*) FROM posters WHERE sensitive = 1")),
            "curated": int(
                self.scalar("SELECT count(*) FROM posters WHERE curated_at IS NOT NULL")
            ),
            "schema_version": self.schema_version,
        }


def in_clause(column: str, values: Sequence[Any] | Iterable[Any]) -> tuple[str, list[Any]]:
    """``column IN (?, ?, …)`` with its parameters; large lists go through ``json_each``."""
    values = list(values)
    if len(values) > 500:
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(values)]
    if not values:
        return "0", []
    return f"{column} IN ({', '.join('?' * len(values))})", values
