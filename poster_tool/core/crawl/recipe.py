"""Gallery recipes: how to find titles and their posters on one HTML site (JSON or TOML).

A recipe names start URLs and CSS selectors for four kinds of page: a listing (title
links, next page), a title page (name, year, genres, link to its poster gallery), the
gallery (one link per poster, next page) and, when a poster link leads to a page rather
than to an image, the image on that page.  ``docs/crawling.md`` explains every key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import soupsieve

from poster_tool.core.errors import CrawlError
from poster_tool.shipped import shipped

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

_SECTIONS: dict[str, set[str]] = {
    "": {
        "name",
        "description",
        "site",
        "start_urls",
        "allowed_hosts",
        "encoding",
        "listing",
        "title",
        "gallery",
    },
    "listing": {"title_links", "next_page", "max_pages"},
    "title": {"key_param", "name", "original_name", "year", "genres", "gallery", "gallery_url"},
    "gallery": {"posters", "image", "next_page", "max_pages"},
}
_FIELD_KEYS = {"css", "attr", "pattern", "json"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def recipes_dirs() -> list[Path]:
    """Folders holding the shipped recipes."""
    folder = shipped("resources") / "recipes"
    return [folder] if folder.is_dir() else []


def shipped_recipes() -> dict[str, Path]:
    """Recipe name -> file, for every recipe shipped with Poster Studio."""
    found: dict[str, Path] = {}
    for folder in reversed(recipes_dirs()):
        for path in sorted(folder.iterdir()):
            if path.suffix in (".toml", ".json"):
                found[path.stem] = path
    return found


@dataclass(frozen=True)
class Field:
    """One value on a page: elements matching ``css``, read as text or as ``attr``.

    :param pattern: a regular expression the value must match; its first group (or the
        whole match) is kept, values that do not match are dropped
    :param json: the value is JSON (e.g. a ``data-json`` attribute); keep this key of it
        (dotted for nested keys)
    :param also: further selectors read after this one, for pages in several layouts
    """

    css: str
    attr: str | None = None
    pattern: str | None = None
    json: str | None = None
    also: tuple[Field, ...] = ()

    def __str__(self) -> str:
        own = self.css + (f" @{self.attr}" if self.attr else "")
        own += f" [{self.json}]" if self.json else ""
        return " | ".join([own, *(str(f) for f in self.also)])


@dataclass(frozen=True)
class ListingRules:
    """Pages that list titles (a ranking, search results, a catalogue page)."""

    title_links: Field
    next_page: Field | None = None
    max_pages: int = 10


@dataclass(frozen=True)
class TitleRules:
    """A title's own page.

    :param key_param: the URL query parameter that identifies the title (e.g. ``code``);
        without it the page URL is the title's identity
    :param gallery: the link to the poster gallery; or ``gallery_url``, a template with
        ``{key}``; with neither, posters are taken from the title page itself
    """

    name: Field
    key_param: str | None = None
    original_name: Field | None = None
    year: Field | None = None
    genres: Field | None = None
    gallery: Field | None = None
    gallery_url: str | None = None


@dataclass(frozen=True)
class GalleryRules:
    """The poster gallery of one title.

    :param posters: one match per poster: the full-size image URL, or a page holding it
    :param image: when set, ``posters`` lead to pages, and this finds the image on them
    """

    posters: Field
    image: Field | None = None
    next_page: Field | None = None
    max_pages: int = 5


@dataclass(frozen=True)
class Recipe:
    """A validated recipe for one site; without ``listing``, start URLs are title pages."""

    name: str
    start_urls: tuple[str, ...]
    listing: ListingRules | None
    title: TitleRules
    gallery: GalleryRules
    description: str = ""
    site: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    encoding: str | None = None
    path: Path | None = None

    def hosts(self, start_urls: tuple[str, ...] | None = None) -> frozenset[str]:
        """Hosts whose pages the crawl may visit: the start URLs' and ``allowed_hosts``."""
        urls = start_urls if start_urls is not None else self.start_urls
        return frozenset(
            {urlsplit(u).netloc.lower() for u in urls} | {h.lower() for h in self.allowed_hosts}
        )


def load_recipe(ref: str | Path) -> Recipe:
    """Load a recipe from a ``.toml`` or ``.json`` file, or a shipped one by name.

    :raises CrawlError: naming the file and the key that is wrong
    """
    path = Path(ref)
    if not path.exists() and str(ref) in shipped_recipes():
        path = shipped_recipes()[str(ref)]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        names = ", ".join(shipped_recipes()) or "none"
        raise CrawlError(f"no recipe file {ref} (shipped recipes: {names})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CrawlError(f"cannot read the recipe {path}: {exc}") from None
    if path.suffix.lower() == ".toml":
        if tomllib is None:
            raise CrawlError("TOML recipes need Python 3.11 or later; write it as JSON")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise CrawlError(f"recipe {path} is not valid TOML: {exc}") from None
    elif path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CrawlError(f"recipe {path} is not valid JSON: {exc}") from None
    else:
        raise CrawlError(f"recipe {path}: the file name must end in .toml or .json")
    try:
        return recipe_from_dict(data, default_name=path.stem, path=path)
    except CrawlError as exc:
        raise CrawlError(f"recipe {path}: {exc}") from None


def recipe_from_dict(data: Any, default_name: str = "recipe", path: Path | None = None) -> Recipe:
    """Validate a parsed recipe.

    :raises CrawlError: naming the first key that is missing, unknown or malformed
    """
    _check_keys(data, "")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not _NAME.match(name):
        raise CrawlError(f"name {name!r} must be lower-case letters, digits, '-' or '_'")
    start_urls = _strings(data, "start_urls", "")
    for url in start_urls:
        if urlsplit(url).scheme not in ("http", "https"):
            raise CrawlError(f"start_urls: {url!r} is not an http(s) URL")
    listing = _section(data, "listing", required=False)
    title = _section(data, "title")
    gallery = _section(data, "gallery")
    site = data.get("site")
    if site is not None and (not isinstance(site, str) or not site.strip()):
        raise CrawlError('site must be a non-empty string, e.g. "movie.naver.com"')
    gallery_url = title.get("gallery_url")
    if gallery_url is not None and (not isinstance(gallery_url, str) or "{key}" not in gallery_url):
        raise CrawlError("title.gallery_url must be a URL template containing {key}")
    return Recipe(
        name=name,
        description=str(data.get("description", "")),
        site=site.strip().lower() if site else None,
        start_urls=start_urls,
        allowed_hosts=_strings(data, "allowed_hosts", "", required=False),
        encoding=data.get("encoding"),
        listing=ListingRules(
            title_links=_field(listing, "title_links", "listing"),
            next_page=_optional(listing, "next_page", "listing"),
            max_pages=_count(listing, "max_pages", "listing", 10),
        )
        if listing
        else None,
        title=TitleRules(
            name=_field(title, "name", "title"),
            key_param=title.get("key_param"),
            original_name=_optional(title, "original_name", "title"),
            year=_optional(title, "year", "title"),
            genres=_optional(title, "genres", "title"),
            gallery=_optional(title, "gallery", "title"),
            gallery_url=gallery_url,
        ),
        gallery=GalleryRules(
            posters=_field(gallery, "posters", "gallery"),
            image=_optional(gallery, "image", "gallery"),
            next_page=_optional(gallery, "next_page", "gallery"),
            max_pages=_count(gallery, "max_pages", "gallery", 5),
        ),
        path=path,
    )


def _check_keys(table: Any, section: str) -> None:
    where = f"[{section}]" if section else "the recipe"
    if not isinstance(table, dict):
        raise CrawlError(f"{where} must be a table of keys")
    unknown = sorted(set(table) - _SECTIONS[section])
    if unknown:
        raise CrawlError(
            f"unknown key {unknown[0]!r} in {where} "
            f"(known: {', '.join(sorted(_SECTIONS[section]))})"
        )


def _section(data: dict[str, Any], name: str, required: bool = True) -> dict[str, Any]:
    if name not in data:
        if required:
            raise CrawlError(f"the [{name}] section is missing")
        return {}
    _check_keys(data[name], name)
    return data[name]


def _strings(
    data: dict[str, Any], key: str, section: str, required: bool = True
) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CrawlError(f"{section + '.' if section else ''}{key} must be a list of strings")
    if required and not value:
        raise CrawlError(f"{key} is missing or empty")
    return tuple(value)


def _count(table: dict[str, Any], key: str, section: str, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CrawlError(f"{section}.{key} must be a whole number of at least 1")
    return value


def _optional(table: dict[str, Any], key: str, section: str) -> Field | None:
    return None if table.get(key) is None else _field(table, key, section)


def _field(table: dict[str, Any], key: str, section: str) -> Field:
    """A selector: ``"css"`` (text), ``"css @attr"``, ``{css, attr, pattern, json}``, or a
    list of those (alternatives, all read)."""
    where = f"{section}.{key}"
    value = table.get(key)
    if value is None:
        raise CrawlError(f"{where} is missing")
    if isinstance(value, list):
        if not value or isinstance(value[0], list):
            raise CrawlError(f"{where}: a list of selectors must hold selectors")
        fields = [_field({key: v}, key, section) for v in value]
        return replace(fields[0], also=tuple(fields[1:]))
    if isinstance(value, str):
        css, _, attr = value.rpartition(" @") if " @" in value else (value, "", "")
        field = Field(css.strip(), attr.strip() or None)
    elif isinstance(value, dict):
        unknown = sorted(set(value) - _FIELD_KEYS)
        optional = (value.get(k) for k in ("attr", "pattern", "json"))
        if (
            unknown
            or not isinstance(value.get("css"), str)
            or not all(v is None or isinstance(v, str) for v in optional)
        ):
            raise CrawlError(
                f"{where} needs a 'css' string and may have 'attr', 'pattern' and 'json' strings"
            )
        field = Field(
            value["css"].strip(), value.get("attr"), value.get("pattern"), value.get("json")
        )
    else:
        raise CrawlError(f"{where} must be a selector string or a table")
    try:
        soupsieve.compile(field.css)
    except soupsieve.SelectorSyntaxError as exc:
        raise CrawlError(
            f"{where}: {field.css!r} is not a valid CSS selector ({str(exc).splitlines()[0]})"
        ) from None
    if field.pattern is not None:
        try:
            re.compile(field.pattern)
        except re.error as exc:
            raise CrawlError(f"{where}: pattern {field.pattern!r} is not valid ({exc})") from None
    return field
