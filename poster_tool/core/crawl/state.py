"""Crawl state in the catalog's ``crawl_state`` table: what a crawl has queued and finished.

One row per unit of work, keyed by (source, key), the key usually a URL.  A task's
outputs (title, poster, child tasks) and its ``done`` mark are written in one transaction,
so a killed crawl resumes exactly where it stopped: tasks still ``queued`` are done again,
finished ones are never fetched again, and adding a task twice is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

DONE = "done"  # and "queued", which the catalog sets (poster_tool.core.catalog.crawl)
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
        tasks = list(tasks)
        added = self.store.queue_tasks(self.source, [(t.key, t.kind, t.info) for t in tasks])
        return [task for task, new in zip(tasks, added, strict=True) if new]

    def finish(self, task: Task, status: str, **extra: Any) -> None:
        """Mark a task done, failed or skipped, keeping ``extra`` (e.g. ``error``) in its info."""
        self.store.finish_task(self.source, task.key, status, {**task.info, **extra})

    def queued(self) -> list[Task]:
        """Every task still to do, oldest first."""
        return [Task(kind, key, info) for key, kind, info in self.store.queued_tasks(self.source)]

    def requeue(self, status: str = FAILED, kinds: Iterable[str] | None = None) -> int:
        """Queue again the tasks with ``status`` (optionally only of ``kinds``); return how many."""
        return self.store.requeue_tasks(
            self.source, status, list(kinds) if kinds is not None else None
        )

    def count(self, kind: str | None = None, status: str | None = None) -> int:
        """How many tasks of this source (of a kind, with a status)."""
        return self.store.count_tasks(self.source, kind, status)

    def pool_size(self, title_id: int) -> int:
        """How many poster slots (``info.slot``) this source has queued for a title."""
        return self.store.pool_slots(self.source, title_id)

    def totals(self) -> dict[str, int]:
        """Tasks of this source by status."""
        return self.store.task_totals(self.source)
