"""Crawl state in the catalog's ``crawl_state`` table: what a crawl has queued and finished.

One row per unit of work, keyed by (source, key), the key usually a URL.  A task's
outputs (title, poster, child tasks) and its ``done`` mark are written in one transaction,
so a killed crawl resumes exactly where it stopped: tasks still ``queued`` are done again,
finished ones are never fetched again, and adding a task twice is a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from poster_tool.core.store import now

if TYPE_CHECKING:
    from poster_tool.core.store import PosterStore

QUEUED = "queued"
DONE = "done"
FAILED = "failed"  # may succeed later (timeout, 5xx): queued again by the next run
SKIPPED = "skipped"  # will not succeed (404, robots.txt, not an image): left alone

PAGE_KINDS = ("list", "title", "gallery", "image_page", "api")


@dataclass(frozen=True)
class Task:
    """One unit of crawl work: fetch ``key`` (a URL unless ``info`` has a ``url``).

    :param kind: ``"poster"`` (an image to download), or a page kind the source handles
    :param info: JSON-ready context, e.g. ``{"title_id": 7, "page": 2}``
    """

    kind: str
    key: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The URL to fetch."""
        return str(self.info.get("url", self.key))


class CrawlState:
    """The ``crawl_state`` rows of one source.

    Writes join the caller's transaction when there is one (``store.transaction()``).
    """

    def __init__(self, store: PosterStore, source: str) -> None:
        self.store = store
        self.source = source

    def add(self, tasks: Iterable[Task]) -> list[Task]:
        """Queue tasks not seen before; return those actually added."""
        added = []
        stamp = now()
        with self.store.transaction() as db:
            for task in tasks:
                cur = db.execute(
                    "INSERT OR IGNORE INTO crawl_state"
                    "(source, key, kind, status, info, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [self.source, task.key, task.kind, QUEUED, _dump(task.info), stamp],
                )
                if cur.rowcount:
                    added.append(task)
        return added

    def finish(self, task: Task, status: str, **extra: Any) -> None:
        """Mark a task done, failed or skipped, keeping ``extra`` (e.g. ``error``) in its info."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE crawl_state SET status = ?, info = ?, updated_at = ? "
                "WHERE source = ? AND key = ?",
                [status, _dump({**task.info, **extra}), now(), self.source, task.key],
            )

    def queued(self) -> list[Task]:
        """Every task still to do, oldest first."""
        return [
            Task(kind, key, json.loads(info or "{}"))
            for key, kind, info in self.store.db.execute(
                "SELECT key, kind, info FROM crawl_state WHERE source = ? AND status = ? "
                "ORDER BY updated_at, key",
                [self.source, QUEUED],
            ).fetchall()
        ]

    def requeue(self, status: str = FAILED, kinds: Iterable[str] | None = None) -> int:
        """Queue again the tasks with ``status`` (optionally only of ``kinds``); return how many."""
        kinds = list(kinds) if kinds is not None else None
        where = "" if kinds is None else f" AND kind IN ({', '.join('?' * len(kinds))})"
        with self.store.transaction() as db:
            cur = db.execute(
                f"UPDATE crawl_state SET status = ?, updated_at = ? "
                f"WHERE source = ? AND status = ?{where}",
                [QUEUED, now(), self.source, status, *(kinds or [])],
            )
        return cur.rowcount

    def count(self, kind: str | None = None, status: str | None = None) -> int:
        """How many tasks of this source (of a kind, with a status)."""
        sql, params = "SELECT count(*) FROM crawl_state WHERE source = ?", [self.source]
        if kind is not None:
            sql, params = sql + " AND kind = ?", [*params, kind]
        if status is not None:
            sql, params = sql + " AND status = ?", [*params, status]
        return int(self.store.db.execute(sql, params).fetchone()[0])

    def pool_size(self, title_id: int) -> int:
        """How many poster slots (``info.slot``) this source has queued for a title."""
        return int(
            self.store.db.execute(
                "SELECT count(*) FROM crawl_state WHERE source = ? AND "
                "json_extract(info, '$.title_id') = ? AND json_extract(info, '$.slot') IS NOT NULL",
                [self.source, title_id],
            ).fetchone()[0]
        )

    def totals(self) -> dict[str, int]:
        """Tasks of this source by status."""
        return dict(
            self.store.db.execute(
                "SELECT status, count(*) FROM crawl_state WHERE source = ? GROUP BY status",
                [self.source],
            ).fetchall()
        )


def _dump(info: dict[str, Any]) -> str:
    return json.dumps(info, ensure_ascii=False, sort_keys=True)
