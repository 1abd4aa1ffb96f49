"""The crawl job: a generator that drives a source's tasks through worker threads.

Worker threads only fetch, parse and check images; the job's own thread owns the catalog
and writes each finished task's outputs together with its ``done`` mark, in one
transaction, between yields.  So closing the generator (cancel) or killing the process
loses at most the tasks in flight, which stay queued and are done by the next run; titles
and posters are never added twice (``upsert_title``, and :class:`Intake` is idempotent per
title and content).  Workers are daemon threads waiting on a stop event, so a cancelled
crawl returns at once even while a request is stuck or a host asked us to wait.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.crawl.fetch import FetchConfig, Fetcher, FetchError
from poster_tool.core.crawl.parse import ParseError, Unmatched
from poster_tool.core.crawl.report import CrawlReport
from poster_tool.core.crawl.source import Outcome
from poster_tool.core.crawl.state import DONE, FAILED, SKIPPED, CrawlState, Task
from poster_tool.core.errors import IntakeError, StoreError
from poster_tool.core.imaging import CheckedImage, check_bytes
from poster_tool.core.intake import Intake, store_files
from poster_tool.core.progress import Meter, Progress
from poster_tool.core.taxonomy import resolve_all

if TYPE_CHECKING:
    from poster_tool.core.crawl.source import Source
    from poster_tool.core.workspace import Workspace

TICK = 0.2  # seconds between progress reports at most: the bound on cancel latency
POOL_KINDS = ("poster", "image_page")  # tasks that each fill one slot of a title's pool
MIN_POSTER_SIDE = 150  # pixels; gallery thumbnails are ~77x108, lazy placeholders 1x1
# A task's failure that concerns that task only; any other error stops the crawl.
TASK_ERRORS = (FetchError, ParseError, IntakeError)


@dataclass(frozen=True)
class CrawlConfig:
    """Limits of one crawl run.

    :param max_titles: queue no more titles for this source once it has this many
    :param max_posters_per_title: the most posters taken into a title's pool
    :param min_poster_side: images shorter than this (pixels, on their short side) are
        refused: lazy-loading placeholders and thumbnails are not posters
    :param dry_run: fetch pages and report what would be crawled; store nothing
    :param refresh: read the listing and gallery pages again (to find new titles and posters)
    """

    fetch: FetchConfig = field(default_factory=FetchConfig)
    max_titles: int | None = None
    max_posters_per_title: int | None = None
    min_poster_side: int = MIN_POSTER_SIDE
    dry_run: bool = False
    refresh: bool = False


class QueuedUrls:
    """The ``urls`` source: poster URLs queued by ``import-csv`` rows that have a ``url``."""

    name = "urls"
    robots = True
    attribution: str | None = None

    def seeds(self) -> list[Task]:
        """Nothing new: the importer queued the work."""
        return []

    def handle(self, task: Task, fetcher: Fetcher) -> Outcome:
        """Only posters are queued here, and the crawl handles those itself."""
        raise ParseError(f"{task.key}: the urls source has only posters, not {task.kind!r} tasks")


class _Pool:
    """Daemon threads running ``work`` on tasks; results return on a queue."""

    def __init__(self, size: int, work: Callable[[Task], Any]) -> None:
        self._todo: queue.Queue[Task | None] = queue.Queue()
        self._done: queue.Queue[tuple[Task, Any]] = queue.Queue()
        self._work = work
        self.busy: dict[str, int] = {}
        self._threads = [
            threading.Thread(target=self._loop, name=f"crawl-{i}", daemon=True) for i in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def _loop(self) -> None:
        while (task := self._todo.get()) is not None:
            try:
                result = self._work(task)
            except BaseException as exc:  # handed to the crawl's thread, which decides
                result = exc
            self._done.put((task, result))

    @property
    def in_flight(self) -> int:
        return sum(self.busy.values())

    def submit(self, task: Task) -> None:
        self.busy[task.kind] = self.busy.get(task.kind, 0) + 1
        self._todo.put(task)

    def finished(self, timeout: float) -> list[tuple[Task, Any]]:
        """Results ready within ``timeout`` seconds (all that are ready, maybe none)."""
        out = []
        try:
            out.append(self._done.get(timeout=timeout))
            while True:
                out.append(self._done.get_nowait())
        except queue.Empty:
            pass
        for task, _ in out:
            self.busy[task.kind] -= 1
        return out

    def stop(self) -> None:
        """Let the threads end after their current task (nobody waits for them)."""
        while True:
            try:
                self._todo.get_nowait()
            except queue.Empty:
                break
        for _ in self._threads:
            self._todo.put(None)


class _Frontier:
    """Queued tasks: posters first (they finish titles), with pages kept flowing."""

    def __init__(self, tasks: list[Task]) -> None:
        self.posters: deque[Task] = deque()
        self.pages: deque[Task] = deque()
        self.extend(tasks)

    def __len__(self) -> int:
        return len(self.posters) + len(self.pages)

    def extend(self, tasks: list[Task]) -> None:
        for task in tasks:
            (self.posters if task.kind == "poster" else self.pages).append(task)

    def pop(self, pages_in_flight: int, page_share: int) -> Task:
        if self.pages and (not self.posters or pages_in_flight < page_share):
            return self.pages.popleft()
        return self.posters.popleft()


class _Crawl:
    """The state of one run; :func:`crawl` is its generator face."""

    def __init__(
        self,
        workspace: Workspace | None,
        store: PosterStore | None,
        source: Source,
        config: CrawlConfig,
    ) -> None:
        if not config.dry_run and (workspace is None or store is None):
            raise StoreError("a crawl that stores posters needs a workspace and its catalog")
        self.workspace, self.source, self.config = workspace, source, config
        # A dry run works on a scratch catalog, so nothing reaches the workspace.
        self.store = PosterStore(":memory:") if config.dry_run or store is None else store
        self.state = CrawlState(self.store, source.name)
        self.report = CrawlReport(
            source=source.name, dry_run=config.dry_run, attribution=source.attribution
        )
        self.meter = Meter(f"crawl {source.name}")
        self.notes: deque[str] = deque(maxlen=1)
        self.stop = threading.Event()
        self.fetcher = Fetcher(config.fetch, self.stop, self.notes.append)
        self.intake = (
            Intake(workspace, self.store) if workspace is not None and not config.dry_run else None
        )
        self.titles = 0
        self.pools: dict[int, int] = {}

    def run(self) -> Generator[Progress, None, CrawlReport]:
        with self.store.transaction():
            self.state.add(self.source.seeds())
            if self.config.refresh:
                self.state.requeue(DONE, ["list", "gallery"])
            self.state.requeue(FAILED)
        self.titles = self.state.count(kind="title")
        frontier = _Frontier(self.state.queued())
        concurrency = max(1, self.config.fetch.concurrency)
        pool = _Pool(concurrency, self._work)
        started = time.monotonic()
        try:
            while frontier or pool.in_flight:
                while frontier and pool.in_flight < 2 * concurrency:
                    task = frontier.pop(
                        pool.in_flight - pool.busy.get("poster", 0), max(1, concurrency // 2)
                    )
                    if task.kind == "poster" and self.config.dry_run:
                        self._plan(task)
                    else:
                        pool.submit(task)
                results = pool.finished(TICK) if pool.in_flight else []
                if results:
                    with self.store.transaction():
                        for task, result in results:
                            frontier.extend(self._apply(task, result))
                self.meter.total = self.meter.done + len(frontier) + pool.in_flight
                yield self.meter.report(
                    self.notes.popleft() if self.notes else "",
                    requests=self.fetcher.requests,
                    bytes=self.fetcher.bytes,
                )
        finally:
            self.stop.set()
            pool.stop()
            self.fetcher.close()
            self.report.seconds = time.monotonic() - started
            self.report.requests, self.report.bytes = self.fetcher.requests, self.fetcher.bytes
            self.report.left = self.state.totals()
            if self.config.dry_run:
                self.store.close()
        return self.report

    # -- worker threads -------------------------------------------------------------------
    def _work(self, task: Task) -> Outcome | CheckedImage:
        if task.kind != "poster":
            return self.source.handle(task, self.fetcher)
        referer = task.info.get("referer")
        headers = {"Referer": referer} if referer else None
        robots = self.source.robots and self.config.fetch.robots
        answer = self.fetcher.get(task.url, headers=headers, robots=robots)
        assert self.workspace is not None  # a dry run downloads no posters
        image = check_bytes(answer.content, task.url)
        least = self.config.min_poster_side
        if min(image.width, image.height) < least:
            raise IntakeError(
                f"too small for a poster: {image.width}x{image.height} px "
                f"(the least is {least} px on the short side)"
            )
        store_files(self.workspace, image)  # file writes off the catalog's thread
        return image

    # -- the crawl's thread ---------------------------------------------------------------
    def _apply(self, task: Task, result: Any) -> list[Task]:
        self.meter.done += 1
        if isinstance(result, TASK_ERRORS):
            self._failed(task, result)
            return []
        if isinstance(result, BaseException):
            raise result  # a fatal error (TMDB refused the key) or a bug: stop the crawl
        if isinstance(result, CheckedImage):
            self._ingest(task, result)
            return []
        return self._expand(task, result)

    def _failed(self, task: Task, exc: Exception) -> None:
        # A page the recipe found nothing on is tried again once the recipe is fixed.
        permanent = not isinstance(exc, Unmatched) and (
            not isinstance(exc, FetchError) or exc.permanent
        )
        reason = exc.reason if isinstance(exc, FetchError) else str(exc)
        reason = reason.removeprefix(f"{task.url}: ")
        self.state.finish(task, SKIPPED if permanent else FAILED, error=reason)
        if isinstance(exc, Unmatched):
            self.report.add_unmatched(task.kind, task.url, exc.field, exc.selector)
            self.meter.count("unmatched")
        if isinstance(exc, FetchError) and exc.kind == "robots" and permanent:
            self.report.robots_blocked.append(task.url)
            self.meter.count("robots")
        elif task.kind == "poster" and (
            isinstance(exc, IntakeError) or getattr(exc, "kind", "") == "too_large"
        ):
            self.report.refused.append((task.url, reason))
            self.meter.count("refused")
        else:
            self.report.errors.append((task.url, reason))
            self.meter.count("errors")

    def _ingest(self, task: Task, image: CheckedImage) -> None:
        assert self.intake is not None
        title_id = task.info.get("title_id")
        try:
            if title_id is None:
                raise StoreError("the poster belongs to no title")
            outcome = self.intake.ingest(
                image,
                title_id=int(title_id),
                source=self.source.name,
                source_url=task.url,
                source_ref=task.info.get("ref") or f"url:{task.url}",
            )
        except StoreError as exc:  # e.g. the title was deleted meanwhile
            self.state.finish(task, SKIPPED, error=str(exc))
            self.report.errors.append((task.url, str(exc)))
            self.meter.count("errors")
            return
        self.state.finish(task, DONE, poster_id=outcome.poster_id, outcome=outcome.kind)
        self.report.count_poster(outcome.kind)
        self.meter.count(outcome.kind)

    def _plan(self, task: Task) -> None:
        self.meter.done += 1
        self.report.posters_planned += 1
        self.meter.count("planned")
        self.state.finish(task, DONE)

    def _expand(self, task: Task, outcome: Outcome) -> list[Task]:
        title_id: int | None = task.info.get("title_id")
        if outcome.refused:
            self.report.refused.extend(outcome.refused)
            self.meter.count("refused", len(outcome.refused))
        if outcome.title is not None:
            resolution = resolve_all(outcome.genre_names)
            self.report.unknown_genres.update(resolution.unknown)
            title_id, created = self.store.upsert_title(
                replace(outcome.title, genres=tuple(resolution.genres))
            )
            self.report.count_title(created)
        added: list[Task] = []
        for child in outcome.tasks:
            info = dict(child.info)
            if title_id is not None:
                info.setdefault("title_id", title_id)
            # Once the titles are there, no more listing pages are read either.
            if child.kind in ("title", "list") and self._titles_full():
                continue
            # An image page's one poster fills the slot the image page took.
            pooled = child.kind in POOL_KINDS and task.kind != "image_page"
            if pooled:
                if title_id is None or self._pool_full(title_id):
                    continue
                # Keyed per title: a poster two titles share is fetched for (and linked in) both.
                info.update(slot=self.pools[title_id] + 1, url=child.url)
                child = Task(child.kind, f"title:{title_id}:{child.url}", info)
            new = self.state.add([Task(child.kind, child.key, info)])
            if new and child.kind == "title":
                self.titles += 1
            if new and pooled and title_id is not None:
                self.pools[title_id] += 1
            added.extend(new)
        self.state.finish(task, DONE)
        self.report.pages += 1
        self.report.stage_pages[task.kind] += 1
        self.meter.count("pages")
        return added

    def _titles_full(self) -> bool:
        limit = self.config.max_titles
        return limit is not None and self.titles >= limit

    def _pool_full(self, title_id: int) -> bool:
        if title_id not in self.pools:
            self.pools[title_id] = self.state.pool_size(title_id)
        limit = self.config.max_posters_per_title
        return limit is not None and self.pools[title_id] >= limit


def crawl(
    workspace: Workspace | None,
    store: PosterStore | None,
    source: Source,
    config: CrawlConfig | None = None,
) -> Generator[Progress, None, CrawlReport]:
    """Crawl ``source`` into the catalog: titles with their genres, posters as pending.

    Resumable: a run continues what an earlier (cancelled or killed) run of the same
    source left queued, and tries its failed tasks again.  Cancel by closing the
    generator; it returns within :data:`TICK` seconds.

    :param workspace: where posters go; ``None`` only for a dry run
    :param store: the catalog, open in the calling thread; ``None`` only for a dry run
    :raises CrawlError: on an error no later task could avoid (e.g. a refused API key)
    """
    return (yield from _Crawl(workspace, store, source, config or CrawlConfig()).run())
