"""Pure HTML parsing for gallery recipes: bytes and a URL in, plain values out (no I/O).

BeautifulSoup with the standard library's ``html.parser`` is forgiving of the broken
markup real portals serve; a page that lacks what the recipe needs raises
:class:`ParseError`, which fails that one page, never the crawl.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning, Script, Stylesheet, Tag

from poster_tool.core.crawl.recipe import Field, GalleryRules, ListingRules, TitleRules
from poster_tool.core.errors import CrawlError
from poster_tool.core.taxonomy import split_genres

YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# Lazy galleries put a placeholder in ``src`` and the real URL in one of these.
LAZY_SRC = ("data-original", "data-src", "data-lazy-src")


class ParseError(CrawlError):
    """A page lacks what the recipe expects on it."""


class Unmatched(ParseError):
    """A required recipe field matched nothing on a page: the recipe (or the page) is wrong.

    :param field: the recipe key, e.g. ``"gallery.posters"``
    :param selector: the selector as the recipe wrote it
    """

    def __init__(self, url: str, field: str, selector: object, what: str = "") -> None:
        prefix = f"{what}: " if what else ""
        super().__init__(f"{url}: {prefix}{field} matched nothing (selector {selector})")
        self.url, self.field, self.selector = url, field, str(selector)


@dataclass(frozen=True)
class ListingPage:
    """Title links and the next listing page, as absolute URLs."""

    title_urls: list[str]
    next_url: str | None = None


@dataclass(frozen=True)
class TitlePage:
    """What a title page says about its title; ``genres`` are the names as written."""

    key: str
    name: str
    original_name: str | None = None
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    gallery_url: str | None = None
    poster_urls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GalleryPage:
    """Poster links (images, or pages holding them) and the next gallery page;
    ``unfetchable`` lists poster links that are not http(s), e.g. ``file://``."""

    poster_urls: list[str]
    next_url: str | None = None
    unfetchable: list[str] = field(default_factory=list)


class Page:
    """One parsed HTML document and its URL, for reading recipe fields."""

    def __init__(self, content: bytes | str, url: str, encoding: str | None = None) -> None:
        with warnings.catch_warnings():
            # A tiny or empty body looks like a file name to bs4; it is just a poor page.
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            if isinstance(content, bytes):
                self.soup = BeautifulSoup(content, "html.parser", from_encoding=encoding)
            else:
                self.soup = BeautifulSoup(content, "html.parser")
        self.url = url
        base = self.soup.find("base", href=True)
        self.base = urljoin(url, str(base["href"])) if base else url

    def values(self, spec: Field) -> list[str]:
        """Every value of ``spec`` on the page, stripped, in document order (then those of
        its ``also`` selectors)."""
        out = []
        matched = self.soup.select(spec.css)
        for element in matched:
            text = _attr(element, spec.attr) if spec.attr else _own_text(element, matched)
            if spec.json is not None:
                text = _json_value(text, spec.json)
            text = " ".join(text.split())
            if spec.pattern is not None:
                match = re.search(spec.pattern, text)
                if match is None:
                    continue
                text = (match.group(1) if match.groups() else match.group(0)).strip()
            if text:
                out.append(text)
        for other in spec.also:
            out.extend(self.values(other))
        return out

    def count(self, spec: Field) -> int:
        """How many elements the selectors of ``spec`` match (before attributes and patterns)."""
        return len(self.soup.select(spec.css)) + sum(self.count(f) for f in spec.also)

    def first(self, spec: Field | None) -> str | None:
        """The first value of ``spec``, or ``None``."""
        if spec is None:
            return None
        found = self.values(spec)
        return found[0] if found else None

    def links(self, spec: Field | None) -> list[str]:
        """Values of ``spec`` as absolute http(s) URLs without fragments, repeats dropped."""
        if spec is None:
            return []
        out: list[str] = []
        here = urldefrag(self.url).url
        for value in self.values(spec):
            url = urldefrag(urljoin(self.base, value)).url
            # "#" and self-links lead nowhere new (and would make a page its own child).
            if urlsplit(url).scheme in ("http", "https") and url != here and url not in out:
                out.append(url)
        return out

    def unfetchable(self, spec: Field | None) -> list[str]:
        """Values of ``spec`` that are URLs of another scheme than http(s) (``file:``, ...)."""
        urls = [urljoin(self.base, v) for v in self.values(spec)] if spec else []
        return [u for u in dict.fromkeys(urls) if urlsplit(u).scheme not in ("http", "https")]

    def link(self, spec: Field | None) -> str | None:
        """The first link of ``spec``, or ``None``."""
        found = self.links(spec)
        return found[0] if found else None


def parse_listing(
    content: bytes | str, url: str, rules: ListingRules, encoding: str | None = None
) -> ListingPage:
    """Title links and the next page of a listing page."""
    page = Page(content, url, encoding)
    return ListingPage(page.links(rules.title_links), _next(page, rules.next_page))


def year_of(texts: list[str]) -> int | None:
    """The year in the first text that holds one: its *last* 18xx-20xx number.

    The last, because title lines put the year after the name ("1917 , 2019"); a recipe
    that needs another number says so with a ``pattern``.
    """
    for text in texts:
        found = YEAR.findall(text)
        if found:
            return int(found[-1])
    return None


def title_key(url: str, key_param: str | None) -> str:
    """A title's identity on its site: the ``key_param`` query value, else its URL."""
    if key_param:
        values = parse_qs(urlsplit(url).query).get(key_param)
        if values and values[0].strip():
            return values[0].strip()
    return urldefrag(url).url


def parse_title(
    content: bytes | str,
    url: str,
    rules: TitleRules,
    gallery: GalleryRules,
    encoding: str | None = None,
) -> TitlePage:
    """A title page: name, year, genres and where its posters are.

    Posters come from the gallery link (or ``gallery_url``); without one, the gallery
    rules are applied to the title page itself.

    :raises Unmatched: when the page has no title name
    """
    page = Page(content, url, encoding)
    name = page.first(rules.name)
    if not name:
        raise Unmatched(url, "title.name", rules.name, "no title name found")
    key = title_key(url, rules.key_param)
    genres: list[str] = []
    for text in page.values(rules.genres) if rules.genres else []:
        genres.extend(g for g in split_genres(text) if g not in genres)
    gallery_url = page.link(rules.gallery)
    if gallery_url is None and rules.gallery_url:
        gallery_url = urljoin(page.base, rules.gallery_url.format(key=key))
    original = page.first(rules.original_name)
    return TitlePage(
        key=key,
        name=name,
        original_name=original if original != name else None,
        year=year_of(page.values(rules.year)) if rules.year else None,
        genres=genres,
        gallery_url=gallery_url,
        poster_urls=[] if gallery_url else page.links(gallery.posters),
    )


def parse_gallery(
    content: bytes | str, url: str, rules: GalleryRules, encoding: str | None = None
) -> GalleryPage:
    """The poster links of a gallery page and its next page."""
    page = Page(content, url, encoding)
    return GalleryPage(
        page.links(rules.posters), _next(page, rules.next_page), page.unfetchable(rules.posters)
    )


def parse_image_page(
    content: bytes | str, url: str, rules: GalleryRules, encoding: str | None = None
) -> str:
    """The full-size image URL on a poster's own page (a popup or a detail page).

    :raises Unmatched: when the page has no such image
    """
    assert rules.image is not None
    found = Page(content, url, encoding).link(rules.image)
    if found is None:
        raise Unmatched(url, "gallery.image", rules.image, "no poster image found")
    return found


def _next(page: Page, spec: Field | None) -> str | None:
    # A "next" link back to the page itself (some sites' last page) is dropped by links().
    return page.link(spec)


def _attr(element: Tag, name: str) -> str:
    """An attribute's value; for ``src``, the lazy-loading attribute that holds the real URL."""
    if name == "src":
        for lazy in LAZY_SRC:
            value = element.get(lazy)
            if isinstance(value, str) and value.strip():
                return value
    raw = element.get(name)
    return " ".join(raw) if isinstance(raw, list) else (raw or "")


def _json_value(text: str, path: str) -> str:
    """The value at ``path`` (dotted keys) of a JSON text, or ``""``."""
    try:
        value = json.loads(text)
    except ValueError:
        return ""
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return ""
        value = value[key]
    return value if isinstance(value, str) else json.dumps(value) if value is not None else ""


def _own_text(element: Tag, matched: list[Tag]) -> str:
    """The element's text without that of matched elements nested in it.

    ``html.parser`` nests an unclosed ``<a>`` inside the next one, where a browser would
    close it; without this, the first genre link of broken markup would read "Drama SF".
    """
    nested = {id(m) for m in matched if m is not element}
    parts = []
    for text in element.find_all(string=True):
        inside = False
        for parent in text.parents:
            if parent is element:
                break
            if id(parent) in nested:
                inside = True
                break
        if not inside and not isinstance(text, (Comment, Script, Stylesheet)):
            parts.append(text)
    return " ".join(" ".join(parts).split())
