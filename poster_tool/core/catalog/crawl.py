"""Crawl state rows (``crawl_state``): one per unit of crawl work, keyed by (source, key)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from poster_tool.core.catalog.connection import Connection, now

QUEUED = "queued"

# (key, kind, info) of one task
TaskRow = tuple[str, str, dict[str, Any]]


def _dump(info: dict[str, Any]) -> str:
    return json.dumps(info, ensure_ascii=False, sort_keys=True)


class CrawlRows(Connection):
    """The ``crawl_state`` table.  Writes join the caller's transaction when there is one."""

    def queue_tasks(self, source: str, tasks: Iterable[TaskRow]) -> list[bool]:
        """Queue tasks not seen before; for each, whether it was added."""
        added = []
        stamp = now()
        with self.transaction():
            for key, kind, info in tasks:
                cur = self._run(
                    "INSERT INTO crawl_state(source, key, kind, status, info, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [source, key, kind, QUEUED, _dump(info), stamp],
                )
                added.append(bool(cur.rowcount))
        return added

    def finish_task(self, source: str, key: str, status: str, info: dict[str, Any]) -> None:
        """Give a task its final status and info."""
        with self.transaction():
            self._run(
                "UPDATE crawl_state SET status = ?, info = ?, updated_at = ? "
                "WHERE source = ? AND key = ?",
                [status, _dump(info), now(), source, key],
            )

    def queued_tasks(self, source: str) -> list[TaskRow]:
        """Every task of a source still to do, oldest first."""
        return [
            (key, kind, json.loads(info or "{}"))
            for key, kind, info in self._rows(
                "SELECT key, kind, info FROM crawl_state WHERE source = ? AND status = ? "
                "ORDER BY updated_at, key",
                [source, QUEUED],
            )
        ]

    def requeue_tasks(self, source: str, status: str, kinds: list[str] | None = None) -> int:
        """Queue again the tasks with ``status`` (optionally only of ``kinds``); how many."""
        where = "" if kinds is None else f" AND kind IN ({', '.join('?' * len(kinds))})"
        with self.transaction():
            cur = self._run(
                f"UPDATE crawl_state SET status = ?, updated_at = ? "
                f"WHERE source = ? AND status = ?{where}",
                [QUEUED, now(), source, status, *(kinds or [])],
            )
        return cur.rowcount

    def count_tasks(self, source: str, kind: str | None = None, status: str | None = None) -> int:
        """How many tasks of a source (of a kind, with a status)."""
        sql, params = "SELECT count(*) FROM crawl_state WHERE source = ?", [source]
        if kind is not None:
            sql, params = sql + " AND kind = ?", [*params, kind]
        if status is not None:
            sql, params = sql + " AND status = ?", [*params, status]
        return int(self._scalar(sql, params))

    def pool_slots(self, source: str, title_id: int) -> int:
        """How many poster slots (``info.slot``) a source has queued for a title."""
        return int(
            self._scalar(
                "SELECT count(*) FROM crawl_state WHERE source = ? AND "
                "CAST(json_extract(info, '$.title_id') AS INTEGER) = ? "
                "AND json_extract(info, '$.slot') IS NOT NULL",
                [source, title_id],
            )
        )

    def task_totals(self, source: str) -> dict[str, int]:
        """Tasks of a source by status."""
        return dict(
            self._rows(
                "SELECT status, count(*) FROM crawl_state WHERE source = ? GROUP BY status",
                [source],
            )
        )
