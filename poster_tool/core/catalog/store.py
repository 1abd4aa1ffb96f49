"""``PosterStore``: the catalog (SQLite, or PostgreSQL for a team), the single source of truth.

Every write runs in one transaction, and every curator edit appends to the audit log in
that same transaction, so an edit and its audit row land together or not at all.  A
connection belongs to one thread: workers open their own store.  The connection is
private to this package: one module per table group holds the SQL, and this class
brings them together.
"""

from __future__ import annotations

from typing import Any

from poster_tool.core.catalog.crawl import CrawlRows
from poster_tool.core.catalog.embeddings import EmbeddingRows
from poster_tool.core.catalog.impressions import ImpressionRows
from poster_tool.core.catalog.profiles import ProfileRows
from poster_tool.core.catalog.reviews import ReviewRows
from poster_tool.core.catalog.runs import RunRows
from poster_tool.core.catalog.titles import TitleRows
from poster_tool.core.catalog.views import ViewRows
from poster_tool.core.records import STATUSES
from poster_tool.core.taxonomy import GENRES


class PosterStore(
    ReviewRows,
    ViewRows,
    TitleRows,
    EmbeddingRows,
    ProfileRows,
    RunRows,
    CrawlRows,
    ImpressionRows,
):
    """The catalog of one workspace.

    :param address: the ``catalog.db`` file, ``":memory:"`` for tests, or a
        ``postgresql://user@host/db`` URL
    """

    def __enter__(self) -> PosterStore:
        return self

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A value from the workspace's key/value settings (e.g. the active model)."""
        value = self._scalar("SELECT value FROM meta WHERE key = ?", [key])
        return default if value is None else value

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or with ``None`` remove) a workspace setting."""
        with self.transaction():
            if value is None:
                self._run("DELETE FROM meta WHERE key = ?", [key])
            else:
                self._run(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )

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
        row = self._run(
            "SELECT "
            + ", ".join(f"coalesce(sum((genre_mask >> {i}) & 1), 0)" for i in range(len(GENRES)))
            + " FROM posters"
        ).fetchone()
        genres = dict(zip(GENRES, row, strict=True))
        return {
            "titles": int(self._scalar("SELECT count(*) FROM titles")),
            "posters": {"total": sum(posters.values()), **posters},
            "labels": labels,
            "genres": {g: n for g, n in genres.items() if n},
            "sensitive": int(self._scalar("SELECT count(*) FROM posters WHERE sensitive = 1")),
            "curated": int(
                self._scalar("SELECT count(*) FROM posters WHERE curated_at IS NOT NULL")
            ),
            "schema_version": self.schema_version,
        }
