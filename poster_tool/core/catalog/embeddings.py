"""Per-poster vectors (``embeddings``), keyed by what produced them; stored as raw bytes
(the model code turns them into arrays)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from poster_tool.core.catalog.connection import Connection, in_clause


class EmbeddingRows(Connection):
    """The ``embeddings`` table."""

    def write_embeddings(self, key: str, rows: Iterable[tuple[int, bytes]]) -> None:
        """Store ``(poster id, vector bytes)`` under ``key``, replacing older ones."""
        with self.transaction():
            self._many(
                "INSERT INTO embeddings(poster_id, backbone, vector) VALUES (?, ?, ?) "
                "ON CONFLICT(poster_id, backbone) DO UPDATE SET vector = excluded.vector",
                [(poster_id, key, vector) for poster_id, vector in rows],
            )

    def embeddings(self, key: str, ids: Sequence[int] | None = None) -> dict[int, bytes]:
        """The vectors stored under ``key`` of these posters (all when ``ids`` is None)."""
        where, params = ("TRUE", []) if ids is None else in_clause("poster_id", ids)
        return dict(
            self._rows(
                f"SELECT poster_id, vector FROM embeddings WHERE backbone = ? AND {where}",
                [key, *params],
            )
        )

    def embedding_keys(self, poster_id: int) -> list[str]:
        """The keys that hold a vector of this poster, sorted."""
        return [
            r[0]
            for r in self._rows(
                "SELECT backbone FROM embeddings WHERE poster_id = ? ORDER BY backbone",
                [poster_id],
            )
        ]
