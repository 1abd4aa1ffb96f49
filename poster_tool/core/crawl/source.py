"""What a crawl source is: seed tasks, and a handler that turns one page into outcomes.

A source never touches the catalog: its ``handle`` runs in a worker thread, fetches one
page with the shared :class:`~poster_tool.core.crawl.fetch.Fetcher`, parses it, and returns
an :class:`Outcome`; the crawl's own thread writes titles, posters and new tasks.  Poster
downloads are the crawl's job, the same for every source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from poster_tool.core.crawl.fetch import Fetcher
    from poster_tool.core.crawl.state import Task
    from poster_tool.core.records import TitleIn


@dataclass
class Outcome:
    """What one page gave.

    :param title: the title this page describes (its genres are left empty here)
    :param genre_names: the title's genres as the source names them, mapped by the crawl
        through the taxonomy (names it cannot map are reported)
    :param tasks: further work (pages, posters); they inherit the page's title
    :param refused: ``(url, reason)`` of links found but never fetched, for the report
    """

    title: TitleIn | None = None
    genre_names: list[str] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


class Source(Protocol):
    """A place posters come from.

    :ivar name: the key of its rows in ``crawl_state`` and its posters' ``source``
    :ivar robots: whether its requests honour robots.txt
    :ivar attribution: a line the summary must show (terms of use), or ``None``
    """

    name: str
    robots: bool
    attribution: str | None

    def seeds(self) -> list[Task]:
        """The tasks a crawl of this source starts from (queued again harmlessly)."""
        ...

    def handle(self, task: Task, fetcher: Fetcher) -> Outcome:
        """Fetch and parse one page task (in a worker thread; no catalog access)."""
        ...
