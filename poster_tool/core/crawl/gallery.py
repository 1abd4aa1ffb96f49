"""The ``gallery`` source: an HTML site described by a recipe (see :mod:`.recipe`).

Listing pages lead to title pages, title pages to their poster gallery, gallery entries to
full-size posters (directly, or through a popup page holding the image).  Pages are only
followed on the recipe's hosts; poster images may live anywhere (portals use image CDNs).
Every URL is a task key, so a page that links to itself, or two pages that link to each
other, are visited once.

A title's key is the site's own id for it (``movie.example:161967``), not the recipe's
name, so two recipes over one site fill the same titles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from poster_tool.core.crawl.parse import (
    ParseError,
    Unmatched,
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

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
UNFETCHABLE = "not an http(s) URL: a crawl never reads local files or other schemes"


class GallerySource:
    """Titles and posters from a site a recipe describes.

    :param start_urls: replace the recipe's start URLs (e.g. a mirror, or one listing)
    :param title_urls: title pages to crawl as well, without a listing; given alone (no
        ``start_urls``), only these are crawled
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
        self.title_urls = tuple(title_urls)
        if start_urls:
            self.start_urls = tuple(start_urls)
        else:
            self.start_urls = () if self.title_urls else recipe.start_urls
        self.hosts = recipe.hosts(self.start_urls + self.title_urls)

    def seeds(self) -> list[Task]:
        """The start URLs (listings, or title pages when the recipe has no listing)."""
        kind = "list" if self.recipe.listing else "title"
        return [Task(kind, url, {"page": 1}) for url in self.start_urls] + [
            Task("title", url) for url in self.title_urls
        ]

    def handle(self, task: Task, fetcher: Fetcher) -> Outcome:
        """Fetch one page and turn it into a title and further tasks."""
        page, encoding = fetch_page(fetcher, task.url, self.recipe)
        recipe, number = self.recipe, int(task.info.get("page", 1))
        if task.kind == "list":
            assert recipe.listing is not None
            listing = parse_listing(page.content, page.url, recipe.listing, encoding)
            # A later page without titles is the listing's end; the first one, a wrong recipe.
            if not listing.title_urls and number == 1:
                raise Unmatched(task.url, "listing.title_links", recipe.listing.title_links)
            tasks = [Task("title", url) for url in listing.title_urls if self._ours(url)]
            tasks += self._next("list", listing.next_url, number, recipe.listing.max_pages)
            return Outcome(tasks=tasks)
        if task.kind == "title":
            found = parse_title(page.content, page.url, recipe.title, recipe.gallery, encoding)
            if not found.gallery_url and not found.poster_urls:
                if recipe.title.gallery is not None:
                    raise Unmatched(task.url, "title.gallery", recipe.title.gallery)
                raise Unmatched(task.url, "gallery.posters", recipe.gallery.posters)
            title = TitleIn(
                key=self.title_key(found.key, page.url),
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
            if not gallery.poster_urls and number == 1:
                raise Unmatched(task.url, "gallery.posters", recipe.gallery.posters)
            tasks = self._posters(gallery.poster_urls, page)
            tasks += self._next("gallery", gallery.next_url, number, recipe.gallery.max_pages)
            refused = [(url, UNFETCHABLE) for url in gallery.unfetchable]
            return Outcome(tasks=tasks, refused=refused)
        if task.kind == "image_page":
            image = parse_image_page(page.content, page.url, recipe.gallery, encoding)
            return Outcome(tasks=[Task("poster", image, {"referer": page.url})])
        raise ParseError(f"{task.url}: the gallery source has no {task.kind!r} pages")

    def title_key(self, site_key: str, url: str) -> str:
        """A title's catalog key: the recipe's ``site`` (else the page's host) and the id the
        site gives it; a title known only by its URL keeps the URL."""
        if "://" in site_key:
            return site_key
        host = self.recipe.site or (urlsplit(url).hostname or "").removeprefix("www.")
        return f"{host}:{site_key}"

    def _ours(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() in self.hosts

    def _next(self, kind: str, url: str | None, number: int, max_pages: int) -> list[Task]:
        if url is None or number >= max_pages or not self._ours(url):
            return []
        return [Task(kind, url, {"page": number + 1})]

    def _posters(self, urls: list[str], page: Fetched) -> list[Task]:
        tasks = []
        for url in urls:
            # A link straight to an image file needs no image page, even when the recipe
            # has ``image`` (galleries mix popup links and data-json image URLs).
            if self.recipe.gallery.image is not None and not is_image_file(url):
                if self._ours(url):
                    tasks.append(Task("image_page", url))
            else:
                # The Referer is the page the poster was found on: image hosts often demand it.
                tasks.append(Task("poster", url, {"referer": page.url}))
        return tasks


def fetch_page(fetcher: Fetcher, url: str, recipe: Recipe) -> tuple[Fetched, str | None]:
    """Fetch an HTML page of the recipe's site; return it and the encoding to read it in.

    :raises ParseError: when the answer is not HTML (an image, a PDF …)
    """
    page = fetcher.get(url, max_bytes=fetcher.config.max_page_bytes)
    if page.content_type and not page.content_type.startswith(("text/", "application/xhtml")):
        raise ParseError(f"{url}: expected an HTML page, got {page.content_type}")
    return page, recipe.encoding or page.charset


def is_image_file(url: str) -> bool:
    """Whether a URL names an image file (by its path's extension)."""
    return urlsplit(url).path.lower().endswith(IMAGE_SUFFIXES)
