"""Posters: add, read, and the grid's queries."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import numpy as np

from poster_tool.core.catalog.audit import REVIEWED_SQL
from poster_tool.core.catalog.connection import (
    fold,
    in_clause,
    like_escaped,
    now,
    only,
    sort_key,
)
from poster_tool.core.catalog.labels import LabelRows
from poster_tool.core.errors import StoreError
from poster_tool.core.imaging import hamming_many
from poster_tool.core.records import PROVENANCES, STATUSES, Poster, PosterQuery
from poster_tool.core.schema import PHASH_BANDS, PHASH_REACH, TITLE_SORT_KEY
from poster_tool.core.taxonomy import GENRES

_POSTER_COLUMNS = """
    p.id, p.title_id, p.sha256, p.path, p.width, p.height, p.orientation, p.phash, p.source,
    p.source_url, p.status, p.is_default, p.sensitive, p.sensitive_reason, p.synthetic,
    p.duplicate_of, p.near_duplicate_of, p.curated_at, p.model_version, p.model_uncertainty,
    p.created_at, t.name, t.year, p.model_disagrees
"""

_SORTS = {
    "title": "p.sort_key, p.id",
    "id": "p.id",
    "newest": "p.id DESC",
    "uncertain": "p.model_uncertainty DESC, p.id",  # NULL (never scored) sorts last
}


_NO_LIMIT = 2**63 - 1  # the largest LIMIT both engines take

# A page of at most _WALK_PAGE posters of a search matching at least _WALK_SHARE of the
# titles walks the sort's index: it meets a page of matches within ~100 pages' worth of
# rows, and gives up after _WALK_ROWS rows per poster asked for.
_WALK_PAGE = 1000
_WALK_SHARE = 0.01
_WALK_ROWS = 200

# A title whose folded name holds a word: the SQL (its parameter: holding(word)).
_HOLDS = "name_fold LIKE ? ESCAPE '\\'"

# Edited posters a query for them alone sorts rather than walking the sort's index.
_FEW_EDITED = 20_000

# The yes/no filters of records.YES_NO_FILTERS: the condition that holds for "yes".
_YES_NO = {"sensitive": "p.sensitive = 1", "reviewed": REVIEWED_SQL.format(poster="p.id")}


def _holding(text: str) -> str:
    """The ``LIKE`` pattern of ``_HOLDS`` for ``text`` (folded already)."""
    return f"%{like_escaped(text)}%"


def _known(genre: str) -> str:
    if genre not in GENRES:
        raise StoreError(f"unknown genre {genre!r}; see 'poster-tool genres'")
    return genre


def _bit(genre: str) -> int:
    return 1 << GENRES.index(_known(genre))


def _hundredths(score: float) -> str:
    return f"{round(min(1.0, max(0.0, score)) * 100) + 1:02X}"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise StoreError(f"not a day: {text!r}; write it as YYYY-MM-DD") from None


def _provenance(provenance: str, genre: str | None) -> tuple[str, list[Any]]:
    """Where the final genres come from (of ``genre`` when one is chosen): the masks hold
    the final genres and the labelled ones, so the model's additions are their difference."""
    uncurated = "p.curated_at IS NULL AND "
    if provenance == "curated":
        # Every curation is audited, which stamps edited_at: the edited posters' index
        # (posters_edited) holds every curated one.
        return "p.edited_at IS NOT NULL AND p.curated_at IS NOT NULL", []
    if provenance == "official":
        if genre:
            return uncurated + "p.label_mask & ? != 0", [_bit(genre)]
        return uncurated + "p.genre_mask = p.label_mask", []
    if provenance == "model":
        if genre:  # the genre filter already asks for it among the final genres
            return uncurated + "p.label_mask & ? = 0", [_bit(genre)]
        return uncurated + "p.genre_mask & ~p.label_mask != 0", []
    raise StoreError(f"unknown provenance {provenance!r}; choose one of {', '.join(PROVENANCES)}")


class PosterRows(LabelRows):
    """The ``posters`` table."""

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
        row = self._scalar(f"SELECT id FROM posters WHERE {' AND '.join(clauses)} LIMIT 1", params)
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
            duplicate_of = self._scalar(
                "SELECT id FROM posters WHERE sha256 = ? ORDER BY id LIMIT 1", [sha256]
            )
            title_row = self._run(
                "SELECT name_fold, year FROM titles WHERE id = ?", [title_id]
            ).fetchone()
            if title_row is None:
                raise StoreError(f"no title with id {title_id}")
            stamp = now()
            poster_id = self._insert(
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
                    sort_key(*title_row),
                    stamp,
                    stamp,
                ],
            )
            self._run(
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
        return only(self.posters([poster_id]), "poster", poster_id)

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

    def pool(self, title_id: int) -> list[Poster]:
        """All posters of a title: the default first, then in the order they came in."""
        ids = [
            r[0]
            for r in self._rows(
                "SELECT id FROM posters WHERE title_id = ? ORDER BY is_default DESC, id", [title_id]
            )
        ]
        return self.posters(ids)

    def _where(self, q: PosterQuery) -> tuple[str, list[Any]]:
        """The conditions of ``q``."""
        clauses: list[str] = []
        params: list[Any] = []
        if q.text.strip():
            clause, more = self._title_match(fold(q.text))
            clauses.append(clause)
            params += more
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
            clauses.append("p.genre_mask & ? != 0")
            params.append(_bit(q.genre))
        if q.disagrees:
            clauses.append("p.model_disagrees = 1")
        if q.unlabelled:
            clauses.append("p.curated_at IS NULL")
        for field, condition in _YES_NO.items():
            value = getattr(q, field)
            if value is not None:
                clauses.append(condition if value else f"NOT ({condition})")
        if q.ids is not None:
            where, in_params = in_clause("p.id", q.ids)
            clauses.append(where)
            params.extend(in_params)
        if q.score_genre:
            # The row's scores in hundredths (schema.MODEL_SCORES_SQL): 00 is "unscored".
            clauses.append("substr(p.model_scores, ?, 2) BETWEEN ? AND ?")
            params += [
                2 * GENRES.index(_known(q.score_genre)) + 1,
                _hundredths(q.score_min),
                _hundredths(q.score_max),
            ]
        if q.not_labelled:
            clauses.append("p.label_mask & ? = 0")
            params.append(_bit(q.not_labelled))
        if q.provenance:
            clause, more = _provenance(q.provenance, q.genre)
            clauses.append(clause)
            params += more
        if q.curator:
            clauses.append("p.edited_by = ?")
            params.append(q.curator)
        if q.edited_from:
            clauses.append("p.edited_at >= ?")
            params.append(_day(q.edited_from).isoformat())
        if q.edited_to:
            clauses.append("p.edited_at < ?")  # before the next day: the whole day counts
            params.append((_day(q.edited_to) + timedelta(days=1)).isoformat())
        return (" AND ".join(clauses) or "TRUE"), params

    @cached_property
    def _title_index(self) -> bool:
        """Whether the catalog has the trigram index of title names (schema.m012)."""
        return self.dialect == "sqlite" and bool(
            self._scalar("SELECT count(*) FROM sqlite_master WHERE name = 'titles_search'")
        )

    def _title_match(self, text: str) -> tuple[str, list[Any]]:
        """The posters of the titles whose folded name holds ``text`` (folded).

        A word of three letters or more (without ``%``, ``_`` or ``\\``, which the trigram
        index cannot take with ``ESCAPE``) finds its titles through the index, so no match
        costs nothing more.  Other words read every name, as PostgreSQL does (its pg_trgm
        index, where it could be made, serves that ``LIKE``).
        """
        if not self._trigram_word(text):
            return f"p.title_id IN (SELECT id FROM titles WHERE {_HOLDS})", [_holding(text)]
        return in_clause("p.title_id", self._titles_holding(text))

    def _trigram_word(self, text: str) -> bool:
        return len(text) >= 3 and not any(c in text for c in "%_\\") and self._title_index

    def _titles_holding(self, text: str, limit: int = -1) -> list[int]:
        """The ids of (at most ``limit``) titles holding ``text``, by the trigram index."""
        rows = self._rows(
            "SELECT rowid FROM titles_search WHERE name_fold LIKE ? LIMIT ?",
            [_holding(text), limit],
        )
        return [r[0] for r in rows]

    def _common(self, text: str) -> bool:
        """Whether at least ``_WALK_SHARE`` of the titles hold ``text`` (SQLite): a page of
        its posters is then found sooner by walking the sort's order than by gathering and
        sorting every match (20,000 titles at a million posters: 90 ms)."""
        if self.dialect != "sqlite":
            return False
        enough = max(1, int(_WALK_SHARE * (self._scalar("SELECT max(id) FROM titles") or 0)))
        if self._trigram_word(text):
            return len(self._titles_holding(text, enough)) >= enough
        found = self._scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM titles WHERE {_HOLDS} LIMIT ?) AS found",
            [_holding(text), enough],
        )
        return bool(found >= enough)

    def _walk(self, q: PosterQuery, offset: int, limit: int) -> list[int] | None:
        """A page of a search for a common word, walking the sort's order; ``None`` when
        the walk gave up (the word's posters lie far apart in that order)."""
        where, params = self._where(replace(q, text=""))
        holds = [_holding(fold(q.text))]
        if q.sort == "title":
            # The matching titles in the title sort's order (index titles_sort), each
            # followed by its posters, which share its sort key.  Titles of one name and
            # year share their posters' keys: the first of them brings all their posters.
            key, other = TITLE_SORT_KEY.format(t="t."), TITLE_SORT_KEY.format(t="o.")
            rows = self._rows(
                f"SELECT p.id FROM titles t CROSS JOIN posters p ON p.sort_key = {key} "
                f"WHERE t.{_HOLDS} "
                f"AND NOT EXISTS (SELECT 1 FROM titles o WHERE {other} = {key} AND o.id < t.id) "
                f"AND {where} ORDER BY {key}, p.id LIMIT ? OFFSET ?",
                [*holds, *params, limit, offset],
            )
            return [r[0] for r in rows]
        # The other orders mix the titles: the walk reads the sort's index and stops at a
        # page, or gives up after _WALK_ROWS rows per poster asked for.  (An ordered
        # subquery with a LIMIT is not flattened: its rows arrive in order.)
        rows = self._rows(
            f"SELECT id FROM (SELECT p.id, p.title_id FROM posters p WHERE {where} "
            f"ORDER BY {_order(q)} LIMIT ?) AS walked WHERE EXISTS (SELECT 1 FROM titles t "
            f"WHERE t.id = walked.title_id AND t.{_HOLDS}) LIMIT ? OFFSET ?",
            [*params, _WALK_ROWS * (offset + limit), *holds, limit, offset],
        )
        return [r[0] for r in rows] if len(rows) == limit else None

    def _source(self, q: PosterQuery) -> str:
        """The ``FROM`` of ``q``'s posters in its order.

        A query for edited posters only (curated ones, or edited on given days), while
        they are few, reads them by their index and sorts them: without statistics SQLite
        would walk the sort's whole index for them (80 ms at a million posters for none).
        """
        edited = q.provenance == "curated" or q.edited_from or q.edited_to
        if self.dialect != "sqlite" or not edited:
            return "posters p"
        few = self._scalar(
            "SELECT count(*) FROM (SELECT 1 FROM posters INDEXED BY posters_edited "
            "WHERE edited_at IS NOT NULL LIMIT ?) AS edited",
            [_FEW_EDITED],
        )
        return "posters p INDEXED BY posters_edited" if few < _FEW_EDITED else "posters p"

    def query_ids(self, q: PosterQuery, offset: int = 0, limit: int = 100) -> list[int]:
        """One page of poster ids matching ``q``, in its sort order (a negative ``limit``:
        every id from ``offset`` on)."""
        if 0 < limit <= _WALK_PAGE and q.text.strip() and self._common(fold(q.text)):
            walked = self._walk(q, offset, limit)
            if walked is not None:
                return walked
        where, params = self._where(q)
        order = _order(q)
        rows = self._rows(
            f"SELECT p.id FROM {self._source(q)} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, limit if limit >= 0 else _NO_LIMIT, offset],  # PostgreSQL: no LIMIT -1
        )
        return [r[0] for r in rows]

    def query_id_array(self, q: PosterQuery) -> array[int]:
        """Every poster id matching ``q``, in its sort order, packed (8 bytes an id).

        For the grid's worker, which reads up to a million at once.  On SQLite the engine
        joins them into one string, with the interpreter free for the window meanwhile, and
        NumPy parses it: a Python object per row held the interpreter about 0.3 s a million.
        """
        if self.dialect != "sqlite":
            return array("q", self.query_ids(q, 0, -1))
        where, params = self._where(q)
        order = _order(q)
        # An ordered subquery under an aggregate is not flattened: its rows arrive in order.
        text = self._scalar(
            f"SELECT group_concat(id) FROM "
            f"(SELECT p.id FROM {self._source(q)} WHERE {where} ORDER BY {order})",
            params,
        )
        ids = array("q")
        if text:
            ids.frombytes(np.fromstring(text, dtype=np.int64, sep=",").tobytes())
        return ids

    def count(self, q: PosterQuery) -> int:
        """How many posters match ``q``."""
        where, params = self._where(q)
        return int(self._scalar(f"SELECT count(*) FROM posters p WHERE {where}", params))

    def facet_counts(self, q: PosterQuery) -> dict[str, dict[Any, int]]:
        """How many posters matching ``q`` have each genre, status, provenance, sensitive
        flag and last curator: the numbers the filter choices show (one pass, plus one
        for the curators)."""
        where, params = self._where(q)
        provenance = {p: _provenance(p, None)[0] for p in PROVENANCES}
        columns = [
            *(f"coalesce(sum((p.genre_mask >> {i}) & 1), 0)" for i in range(len(GENRES))),
            *(f"count(*) FILTER (WHERE p.status = '{s}')" for s in STATUSES),
            *(f"count(*) FILTER (WHERE {provenance[p]})" for p in PROVENANCES),
            "coalesce(sum(p.sensitive), 0)",
            "count(*)",
        ]
        row = list(
            self._run(
                f"SELECT {', '.join(columns)} FROM posters p WHERE {where}", params
            ).fetchone()
        )
        genres, row = row[: len(GENRES)], row[len(GENRES) :]
        statuses, row = row[: len(STATUSES)], row[len(STATUSES) :]
        provenances, (sensitive, total) = row[: len(PROVENANCES)], row[len(PROVENANCES) :]
        curators = self._rows(
            f"SELECT p.edited_by, count(*) FROM posters p WHERE {where} "
            "AND p.edited_by IS NOT NULL GROUP BY p.edited_by",
            params,
        )
        return {
            "genre": dict(zip(GENRES, genres, strict=True)),
            "status": dict(zip(STATUSES, statuses, strict=True)),
            "provenance": dict(zip(PROVENANCES, provenances, strict=True)),
            "sensitive": {True: sensitive, False: total - sensitive},
            "curator": dict(curators),
        }

    def near_duplicates(self, poster_id: int, max_bits: int = 10) -> list[int]:
        """Posters whose perceptual hash lies within ``max_bits`` of this one's (closest first)."""
        target = self._scalar("SELECT phash FROM posters WHERE id = ?", [poster_id])
        if target is None:
            raise StoreError(f"no poster with id {poster_id}")
        rows = self._rows("SELECT id, phash FROM posters WHERE id != ?", [poster_id])
        if not rows:
            return []
        distances = hamming_many(target, [r[1] for r in rows])
        hits = sorted((int(d), r[0]) for d, r in zip(distances, rows, strict=True) if d <= max_bits)
        return [poster_id for _, poster_id in hits]

    def nearest_phash(self, phash: str, max_bits: int) -> int | None:
        """The poster whose perceptual hash lies closest to ``phash`` within ``max_bits``
        (the oldest among equals), or ``None``; found through the band indexes (each band
        as it is and with any one bit flipped), so it reads a few dozen index entries in a
        catalog of a million posters.

        :param max_bits: at most ``PHASH_REACH`` (5)
        """
        if max_bits > PHASH_REACH:
            raise ValueError(f"the phash bands find hashes within {PHASH_REACH} bits")
        parts: list[str] = []
        params: list[str] = []
        for start, length in PHASH_BANDS:
            band = int(phash[start - 1 : start - 1 + length], 16)
            near = [band] + [band ^ (1 << bit) for bit in range(4 * length)]
            parts.append(
                f"SELECT id, phash FROM posters WHERE substr(phash, {start}, {length}) "
                f"IN ({', '.join('?' * len(near))})"
            )
            params.extend(f"{value:0{length}x}" for value in near)
        rows = self._rows(" UNION ".join(parts), params)
        if not rows:
            return None
        distances = hamming_many(phash, [r[1] for r in rows])
        best = min((int(d), r[0]) for d, r in zip(distances, rows, strict=True))
        return best[1] if best[0] <= max_bits else None

    def restore_approved(
        self,
        poster_id: int,
        title_id: int,
        *,
        is_default: bool,
        sensitive_reason: str | None,
        curated_at: str | None,
        curated_by: str | None,
        model_version: str | None,
        model_uncertainty: float | None,
        updated_at: str | None,
    ) -> None:
        """Give a poster the approved state an export recorded (inside a transaction)."""
        if is_default:  # one default per title (a unique index holds it)
            self._run(
                "UPDATE posters SET is_default = 0 WHERE title_id = ? AND id != ?",
                [title_id, poster_id],
            )
        self._run(
            "UPDATE posters SET status = 'approved', is_default = ?, sensitive = ?, "
            "sensitive_reason = ?, curated_at = ?, curated_by = ?, model_version = ?, "
            "model_uncertainty = ?, updated_at = ? WHERE id = ?",
            [
                int(is_default),
                int(sensitive_reason is not None),
                sensitive_reason,
                curated_at,
                curated_by,
                model_version,
                model_uncertainty,
                updated_at,
                poster_id,
            ],
        )

    def curated_flags(self, ids: Sequence[int]) -> dict[int, bool]:
        """Whether each poster of ``ids`` (that exists) has been curated."""
        where, params = in_clause("id", ids)
        return {
            r[0]: r[1] is not None
            for r in self._rows(f"SELECT id, curated_at FROM posters WHERE {where}", params)
        }

    def approved_posters(
        self, since: str | None = None, include_sensitive: bool = False, reviewed_only: bool = False
    ) -> list[tuple[int, int]]:
        """``(title id, poster id)`` of every approved poster (changed on or after ``since``),
        by title; with ``reviewed_only``, only those a reviewer accepted or overrode.

        "Changed since" counts the poster's own row and its labels, so posters the model
        re-scored (which leaves ``updated_at`` alone) are included too.
        """
        clauses, params = ["p.status = 'approved'"], []
        if not include_sensitive:
            clauses.append("p.sensitive = 0")
        if reviewed_only:
            clauses.append(REVIEWED_SQL.format(poster="p.id"))
        if since is not None:
            clauses.append(
                "(p.updated_at >= ? OR EXISTS (SELECT 1 FROM poster_labels l "
                "WHERE l.poster_id = p.id AND l.created_at >= ?))"
            )
            params += [since, since]
        return [
            (r[0], r[1])
            for r in self._rows(
                f"SELECT p.title_id, p.id FROM posters p WHERE {' AND '.join(clauses)} "
                "ORDER BY p.title_id, p.id",
                params,
            )
        ]

    def poster_extras(self, ids: Sequence[int]) -> dict[int, tuple]:
        """``(file format, file size, curated by, curated at, updated at, source)`` of each
        poster: the columns ``Poster`` does not carry."""
        if not ids:
            return {}
        where, params = in_clause("id", ids)
        rows = self._rows(
            "SELECT id, file_format, file_size, curated_by, curated_at, updated_at, source "
            f"FROM posters WHERE {where}",
            params,
        )
        return {r[0]: tuple(r[1:]) for r in rows}

    def showable_posters(self, title_ids: Sequence[int]) -> list[tuple]:
        """``(id, title id, status, is default, phash, curated at)`` of the posters of these
        titles a viewer may see: approved and not sensitive, plus the title's default unless
        it is rejected or sensitive; by title, the default first."""
        where, params = in_clause("title_id", title_ids)
        return self._rows(
            "SELECT id, title_id, status, is_default, phash, curated_at FROM posters "
            f"WHERE {where} AND sensitive = 0 "
            "AND (status = 'approved' OR (is_default = 1 AND status != 'rejected')) "
            "ORDER BY title_id, is_default DESC, id",
            params,
        )

    def training_rows(self) -> list[tuple]:
        """``(id, title id, title key, path, curated, sha256, duplicate of, near duplicate
        of)`` of every poster not rejected, by id: what a model may train on."""
        return self._rows(
            "SELECT p.id, p.title_id, t.key, p.path, p.curated_at IS NOT NULL, p.sha256, "
            "p.duplicate_of, p.near_duplicate_of FROM posters p "
            "JOIN titles t ON t.id = p.title_id WHERE p.status != 'rejected' ORDER BY p.id"
        )

    def training_counts(self) -> tuple[int, int]:
        """``(posters not rejected, those with curator labels)``."""
        total, curated = self._run(
            "SELECT count(*), count(curated_at) FROM posters WHERE status != 'rejected'"
        ).fetchone()
        return int(total), int(curated)

    def unscored(self, version: str, rescore: bool = False) -> list[tuple[int, str]]:
        """``(id, path)`` of the posters model ``version`` has not scored (all with
        ``rescore``), by id."""
        return [
            (r[0], r[1])
            for r in self._rows(
                "SELECT id, path FROM posters WHERE ? = 1 OR model_version IS NULL "
                "OR model_version != ? ORDER BY id",
                [int(rescore), version],
            )
        ]

    def any_unscored(self) -> bool:
        """Whether some poster has never been scored by any model."""
        return self._scalar("SELECT 1 FROM posters WHERE model_version IS NULL LIMIT 1") is not None

    def poster_named_in(self, message: str) -> tuple[int, str] | None:
        """``(poster id, title name)`` of a poster whose image path the message mentions."""
        row = self._run(
            "SELECT p.id, t.name FROM posters p JOIN titles t ON t.id = p.title_id "
            "WHERE p.path != '' AND instr(?, p.path) > 0 LIMIT 1",
            [message],
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def title_ids_of(self, ids: Sequence[int]) -> dict[int, int]:
        """Poster id -> its title's id."""
        where, params = in_clause("id", ids)
        return dict(self._rows(f"SELECT id, title_id FROM posters WHERE {where}", params))

    def synthetic_count(self) -> int:
        """How many posters are generated (the demo's), not real."""
        return int(self._scalar("SELECT count(*) FROM posters WHERE synthetic = 1"))

    def sources(self) -> list[str]:
        """The distinct sources posters came from (``csv``, ``dir``, ``tmdb``, ``demo`` …)."""
        return [r[0] for r in self._rows("SELECT DISTINCT source FROM posters ORDER BY source")]

    def curators(self) -> list[str]:
        """Who made the last edit of some poster, by name (the curator filter's choices)."""
        return [
            r[0]
            for r in self._rows(
                "SELECT DISTINCT edited_by FROM posters WHERE edited_by IS NOT NULL "
                "ORDER BY edited_by"
            )
        ]


def _order(q: PosterQuery) -> str:
    """The ``ORDER BY`` of ``q``'s sort.

    :raises StoreError: an unknown sort
    """
    order = _SORTS.get(q.sort)
    if order is None:
        raise StoreError(f"unknown sort {q.sort!r}; choose one of {', '.join(_SORTS)}")
    return order
