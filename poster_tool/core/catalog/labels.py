"""Genre labels of posters from every source, and the model's scores and cuts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from poster_tool.core import schema
from poster_tool.core.catalog.connection import Connection, in_clause, now
from poster_tool.core.records import Label
from poster_tool.core.suggestions import SURE_ABSENT, SURE_PRESENT, suggested, uncertainty
from poster_tool.core.taxonomy import GENRES

# Effective genres: the curator's when the poster has been curated, else the source's.
EFFECTIVE_SOURCE = "CASE WHEN p.curated_at IS NULL THEN 'source' ELSE 'curator' END"


# (genre, source, positive, score, model version, curator, created at) of one label
LabelRow = tuple[str, str, int, float | None, str | None, str | None, str]


class LabelRows(Connection):
    """The ``poster_labels`` and ``model_cuts`` tables, and the columns derived from them."""

    def effective_genres(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Each poster's final genres (taxonomy order): the curator's if curated, else the
        source's plus those the model suggests (the rule of ``core.final_genres``, which
        also says where each genre comes from and which posters wait for review)."""
        return self._genres(
            ids, f"l.source = {EFFECTIVE_SOURCE} OR (p.curated_at IS NULL AND l.source = 'model')"
        )

    def label_genres(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Each poster's labelled genres: the curator's if curated, else the source's.  The
        truth a model trains on: never the model's own suggestions."""
        return self._genres(ids, f"l.source = {EFFECTIVE_SOURCE}")

    def _genres(self, ids: Sequence[int], which: str) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {i: [] for i in ids}
        if not ids:
            return out
        where, params = in_clause("p.id", ids)
        # The labels' own id test too: PostgreSQL then reads them by key, not all of them.
        label_where, label_params = in_clause("l.poster_id", ids)
        for poster_id, genre, _position in self._rows(
            "SELECT DISTINCT l.poster_id, l.genre, g.position FROM posters p "
            f"JOIN poster_labels l ON l.poster_id = p.id AND l.positive = 1 AND ({which}) "
            f"JOIN genres g ON g.name = l.genre WHERE {where} AND {label_where} "
            "ORDER BY l.poster_id, g.position",
            [*params, *label_params],
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

    def replace_labels(self, poster_id: int, rows: Sequence[LabelRow]) -> None:
        """Replace every label of a poster (call inside a transaction)."""
        self._run("DELETE FROM poster_labels WHERE poster_id = ?", [poster_id])
        self._many(
            "INSERT INTO poster_labels(poster_id, genre, source, positive, score, model_version, "
            "curator, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(poster_id, *row) for row in rows],
        )

    def label_rows(self, ids: Sequence[int]) -> dict[int, list[LabelRow]]:
        """Every label of these posters (in taxonomy order), by poster id."""
        out: dict[int, list[LabelRow]] = {}
        if not ids:
            return out
        where, params = in_clause("l.poster_id", ids)
        for row in self._rows(
            "SELECT l.poster_id, l.genre, l.source, l.positive, l.score, l.model_version, "
            f"l.curator, l.created_at FROM poster_labels l JOIN genres g ON g.name = l.genre "
            f"WHERE {where} ORDER BY l.poster_id, g.position",
            params,
        ):
            out.setdefault(row[0], []).append(tuple(row[1:]))  # type: ignore[arg-type]
        return out

    def scored_suggestions(self, ids: Sequence[int]) -> dict[int, set[str]]:
        """The genres the model suggests for each scored poster of ``ids`` (unscored ones
        are absent; a scored poster with no suggestion has an empty set)."""
        out: dict[int, set[str]] = {}
        where, params = in_clause("poster_id", ids)
        for poster_id, genre, positive in self._rows(
            "SELECT poster_id, genre, positive FROM poster_labels "
            f"WHERE source = 'model' AND {where}",
            params,
        ):
            genres = out.setdefault(poster_id, set())
            if positive:
                genres.add(genre)
        return out

    def model_suggestions(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Genres the model calls positive for each poster (taxonomy order); unscored ->
        absent."""
        out: dict[int, list[str]] = {}
        if not ids:
            return out
        where, params = in_clause("l.poster_id", ids)
        for poster_id, genre in self._rows(
            "SELECT l.poster_id, l.genre FROM poster_labels l JOIN genres g ON g.name = l.genre "
            f"WHERE l.source = 'model' AND l.positive = 1 AND {where} ORDER BY g.position",
            params,
        ):
            out.setdefault(poster_id, []).append(genre)
        return out

    def refresh_genre_mask(self, ids: Sequence[int]) -> None:
        """Recompute the final- and labelled-genre bit masks and the scores the filters
        test after labels changed."""
        where, params = in_clause("id", ids)
        self._run(
            f"UPDATE posters SET genre_mask = ({schema.GENRE_MASK_SQL}), "
            f"label_mask = ({schema.LABEL_MASK_SQL}), model_scores = ({schema.MODEL_SCORES_SQL}) "
            f"WHERE {where}",
            params,
        )

    def refresh_disagreement(self, poster_id: int) -> None:
        """Recompute whether the model is sure that the poster's effective genres are wrong:
        a labelled genre it scores at most the genre's sure-absent cut, or an unlabelled one
        it scores at least ``SURE_PRESENT`` (see :mod:`poster_tool.core.suggestions`)."""
        self.refresh_disagreements([poster_id])

    def refresh_disagreements(self, ids: Sequence[int]) -> None:
        """:meth:`refresh_disagreement` of many posters in one statement."""
        where, params = in_clause("id", ids)
        self._run(
            f"""
            UPDATE posters SET model_disagrees = (
                SELECT CASE WHEN p.model_version IS NULL THEN 0 WHEN EXISTS (
                    SELECT 1 FROM poster_labels m WHERE m.poster_id = p.id
                        AND m.source = 'model' AND m.score IS NOT NULL
                        AND (m.score <= coalesce((SELECT c.sure_absent FROM model_cuts c
                                WHERE c.model_version = m.model_version AND c.genre = m.genre),
                             ?) OR m.score >= ?)
                        AND (m.score >= ?) != EXISTS (
                            SELECT 1 FROM poster_labels e WHERE e.poster_id = p.id
                                AND e.genre = m.genre AND e.source = {EFFECTIVE_SOURCE}
                                AND e.positive = 1)
                ) THEN 1 ELSE 0 END FROM posters p WHERE p.id = posters.id)
            WHERE {where}
            """,
            [SURE_ABSENT, SURE_PRESENT, SURE_PRESENT, *params],
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
            self._many(
                "INSERT INTO model_cuts(model_version, genre, suggest, sure_absent) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(model_version, genre) DO UPDATE SET "
                "suggest = excluded.suggest, sure_absent = excluded.sure_absent",
                [
                    (model_version, g, cuts.get(g), (sure_absent or {}).get(g))
                    for g in sorted(set(cuts) | set(sure_absent or {}))
                ],
            )
            # Set-based, a statement per table for the whole chunk, and an upsert: a rescore
            # rewrites a label in place, leaving the genre index alone unless the
            # suggestion flips (deleting and re-inserting every label touched both trees).
            ids = list(scores)
            rows: list[tuple[int, str, int, float, str, str]] = []
            for poster_id, by_genre in scores.items():
                chosen = set(suggested(by_genre, cuts))
                rows.extend(
                    (poster_id, g, int(g in chosen), float(s), model_version, stamp)
                    for g, s in by_genre.items()
                    if g in GENRES
                )
            self._many(
                "INSERT INTO poster_labels(poster_id, genre, source, positive, score, "
                "model_version, created_at) VALUES (?, ?, 'model', ?, ?, ?, ?) "
                "ON CONFLICT(poster_id, genre, source) DO UPDATE SET positive = "
                "excluded.positive, score = excluded.score, model_version = "
                "excluded.model_version, created_at = excluded.created_at",
                rows,
            )
            # Labels of genres these scores leave out (an earlier model's) go: every label
            # written above carries this version and this stamp.
            where, params = in_clause("poster_id", ids)
            self._run(
                f"DELETE FROM poster_labels WHERE source = 'model' AND {where} "
                "AND (coalesce(model_version, '') != ? OR created_at != ?)",
                [*params, model_version, stamp],
            )
            self._many(
                "UPDATE posters SET model_version = ?, model_uncertainty = ? WHERE id = ?",
                [(model_version, uncertainty(s), i) for i, s in scores.items()],
            )
            self.refresh_disagreements(ids)
            self.refresh_genre_mask(ids)  # model genres count for uncurated posters
