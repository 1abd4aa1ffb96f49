"""The ``gallery`` source: an HTML site described by a recipe (see :mod:`.recipe`).

Listing pages lead to title pages, title pages to their poster gallery, gallery entries to
full-size posters (directly, or through a popup page holding the image).  Pages are only
followed on the recipe's hosts; poster images may live anywhere (portals use image CDNs).
Every URL is a task key, so a page that links to itself, or two pages that link to each
other, are visited once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from poster_tool.core.crawl.parse import (
    ParseError,
    parse_gallery,
    parse_image_page,
    parse_listing,
    parse_title,
)
from poster_tool.core.crawl.source import Outcome
from poster_tool.core.crawl.state import Task
from poster_tool.core.records import TitleIn

if TYPE_CHECKING:
    from poster_tool.core.crawl.fetch import Fetched, Fetcher
    from poster_tool.core.crawl.recipe import Recipe

UNFETCHABLE = "not an http(s) URL: a crawl never reads local files or other schemes"


class GallerySource:
    """Titles and posters from a site a recipe describes.

    :param start_urls: replace the recipe's start URLs (e.g. a mirror, or one listing)
    :param title_urls: title pages to crawl as well, without a listing
    """

    robots = True
    attribution: str | None = None

    def __init__(
        self,
        recipe: Recipe,
        start_urls: tuple[str, ...] | None = None,
        title_urls: tuple[str, ...] = (),
    ) -> None:
        self.recipe = recipe
        self.name = f"gallery:{recipe.name}"
        self.start_urls = tuple(start_urls) if start_urls else recipe.start_urls
        self.title_urls = tuple(title_urls)
        self.hosts = recipe.hosts(self.start_urls + self.title_urls)

    def seeds(self) -> list[Task]:
        """The start URLs (listings, or title pages when the recipe has no listing)."""
        kind = "list" if self.recipe.listing else "title"
        return [Task(kind, url, {"page": 1}) for url in self.start_urls] + [
            Task("title", url) for url in self.title_urls
        ]

    def handle(self, task: Task, fetcher: Fetcher) -> Outcome:
        """Fetch one page and turn it into a title and further tasks."""
        page = fetcher.get(task.url, max_bytes=fetcher.config.max_page_bytes)
        if not page.content_type.startswith(("text/", "application/xhtml")) and page.content_type:
            raise ParseError(f"{task.url}: expected an HTML page, got {page.content_type}")
        encoding = self.recipe.encoding or page.charset
        recipe, number = self.recipe, int(task.info.get("page", 1))
        if task.kind == "list":
            assert recipe.listing is not None
            listing = parse_listing(page.content, page.url, recipe.listing, encoding)
            tasks = [Task("title", url) for url in listing.title_urls if self._ours(url)]
            tasks += self._next("list", listing.next_url, number, recipe.listing.max_pages)
            return Outcome(tasks=tasks)
        if task.kind == "title":
            found = parse_title(page.content, page.url, recipe.title, recipe.gallery, encoding)
            title = TitleIn(
                key=f"{recipe.name}:{found.key}",
                name=found.name,
                year=found.year,
                original_name=found.original_name,
                source=self.name,
            )
            if found.gallery_url and self._ours(found.gallery_url):
                tasks = [Task("gallery", found.gallery_url, {"page": 1})]
            else:
                tasks = self._posters(found.poster_urls, page)
            return Outcome(title=title, genre_names=found.genres, tasks=tasks)
        if task.kind == "gallery":
            gallery = parse_gallery(page.content, page.url, recipe.gallery, encoding)
            tasks = self._posters(gallery.poster_urls, page)
            tasks += self._next("gallery", gallery.next_url, number, recipe.gallery.max_pages)
            refused = [(url, UNFETCHABLE) for url in gallery.unfetchable]
            return Outcome(tasks=tasks, refused=refused)
        if task.kind == "image_page":
            image = parse_image_page(page.content, page.url, recipe.gallery, encoding)
            return Outcome(tasks=[Task("poster", image, {"referer": page.url})])
        raise ParseError(f"{task.url}: the gallery source has no {task.kind!r} pages")

    def _ours(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() in self.hosts

    def _next(self, kind: str, url: str | None, number: int, max_pages: int) -> list[Task]:
        if url is None or number >= max_pages or not self._ours(url):
            return []
        return [Task(kind, url, {"page": number + 1})]

    def _posters(self, urls: list[str], page: Fetched) -> list[Task]:
        if self.recipe.gallery.image is not None:
            return [Task("image_page", url) for url in urls if self._ours(url)]
        # The Referer is the page the poster was found on: image hosts often demand it.
        return [Task("poster", url, {"referer": page.url}) for url in urls]
