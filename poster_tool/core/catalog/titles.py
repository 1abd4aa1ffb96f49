"""Titles: find or add, read, and their official genres."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from poster_tool.core.catalog.connection import Connection, fold, in_clause, now, only, sort_key
from poster_tool.core.records import Title, TitleIn
from poster_tool.core.taxonomy import ordered


class TitleRows(Connection):
    """The ``titles`` and ``title_genres`` tables."""

    def upsert_title(self, title: TitleIn) -> tuple[int, bool]:
        """Find the title by key, IMDb id or TMDB id, or add it; return ``(id, created)``.

        An existing title keeps its data; missing fields (year, ids, genres, and a name that
        only stood in for an empty one: the title's id) are filled in.
        """
        with self.transaction():
            # Three look-ups by index: with OR and ORDER BY id, SQLite walks the whole
            # table in id order, a scan per title of a large catalog.
            row = self._run(
                "SELECT id, year, imdb_id, tmdb_id, original_name, name, name_fold FROM titles "
                "WHERE id = (SELECT min(id) FROM (SELECT id FROM titles WHERE key = ? "
                "UNION ALL SELECT id FROM titles WHERE imdb_id = ? "
                "UNION ALL SELECT id FROM titles WHERE tmdb_id = ?) AS found)",
                [title.key, title.imdb_id, title.tmdb_id],
            ).fetchone()
            if row is None:
                title_id = self._insert(
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
                self._add_title_genres(title_id, title.genres)
                return title_id, True
            title_id, year, imdb_id, tmdb_id, original, name, name_fold = row
            was = sort_key(name_fold, year)
            if name == title.key.partition(":")[2] and title.name != name:
                name = title.name
            original = original or title.original_name
            year = year or title.year
            name_fold = fold(f"{name} {original or ''}")
            self._run(
                "UPDATE titles SET year = ?, imdb_id = ?, tmdb_id = ?, original_name = ?, "
                "name = ?, name_fold = ? WHERE id = ?",
                [
                    year,
                    imdb_id or title.imdb_id,
                    tmdb_id or title.tmdb_id,
                    original,
                    name,
                    name_fold,
                    title_id,
                ],
            )
            place = sort_key(name_fold, year)
            if place != was:  # its posters move to its new place
                self._run("UPDATE posters SET sort_key = ? WHERE title_id = ?", [place, title_id])
            if not self._scalar("SELECT 1 FROM title_genres WHERE title_id = ?", [title_id]):
                self._add_title_genres(title_id, title.genres)
            return title_id, False

    def _add_title_genres(self, title_id: int, genres: Iterable[str]) -> None:
        self._many(
            "INSERT INTO title_genres(title_id, genre) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(title_id, g) for g in ordered(genres)],
        )

    def get_title(self, title_id: int) -> Title:
        """One title with its official genres and default poster.

        :raises StoreError: when there is no such title
        """
        return only(self.titles([title_id]), "title", title_id)

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

    def title_sources(self, ids: Sequence[int]) -> dict[int, str]:
        """Where each title came from (``csv``, ``tmdb`` …), by id."""
        where, params = in_clause("id", ids)
        return dict(self._rows(f"SELECT id, source FROM titles WHERE {where}", params))

    def has_titles(self) -> bool:
        """Whether the catalog holds any title."""
        return self._scalar("SELECT 1 FROM titles LIMIT 1") is not None

    def titles_by_genre(self) -> dict[str, list[int]]:
        """Genre -> ids of the titles officially in it, in id order."""
        out: dict[str, list[int]] = {}
        for title_id, genre in self._rows(
            "SELECT title_id, genre FROM title_genres ORDER BY title_id"
        ):
            out.setdefault(genre, []).append(title_id)
        return out

    def find_title(self, ref: str) -> Title | None:
        """A title by catalog id, key, IMDb id (``tt…``) or TMDB id."""
        row = self._scalar(
            "SELECT id FROM titles WHERE key = ? OR imdb_id = ? OR CAST(id AS TEXT) = ? "
            "OR CAST(tmdb_id AS TEXT) = ? ORDER BY (CAST(id AS TEXT) = ?) DESC LIMIT 1",
            [ref, ref, ref, ref, ref],
        )
        return None if row is None else self.get_title(int(row))
