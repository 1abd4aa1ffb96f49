"""Try a recipe on one page: what each field's selector matches there, and what it reads.

``check_page`` fetches one page politely (robots.txt honoured, the project User-Agent) and
reports, for every recipe field of the page's stage, the selector, how many elements it
matched and the first values as the crawl would use them (absolute URLs, the parsed year,
genres mapped through the taxonomy and the names it does not know).  It is the
``crawl check`` command and the Crawl dialog's preview: a recipe's mistakes show on one
page before a crawl spends an hour on them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from poster_tool.core.crawl.fetch import FetchConfig, Fetcher
from poster_tool.core.crawl.gallery import GallerySource, fetch_page, is_image_file
from poster_tool.core.crawl.parse import Page, title_key, year_of
from poster_tool.core.errors import CrawlError
from poster_tool.core.taxonomy import resolve_all, split_genres

if TYPE_CHECKING:
    from poster_tool.core.crawl.recipe import Field, Recipe

STAGES = ("listing", "title", "gallery", "popup")
SHOWN = 5  # values shown per field


@dataclass(frozen=True)
class FieldCheck:
    """One recipe field on the page.

    :param matched: elements its selectors matched (before attributes and patterns)
    :param values: its values as the crawl reads them (links made absolute), the first few
    :param count: how many values there are in all
    :param note: what the crawl makes of them (the year, mapped genres, unknown genres)
    :param derived: made from other values (a URL template, the catalog key), not selected
    """

    name: str
    selector: str
    required: bool
    matched: int
    values: list[str]
    count: int
    note: str = ""
    derived: bool = False

    @property
    def missing(self) -> bool:
        """A required field that found nothing: the crawl would fail this page."""
        return self.required and not self.count


@dataclass
class PageCheck:
    """A recipe tried on one page."""

    url: str
    stage: str
    status: int = 0
    content_type: str = ""
    encoding: str | None = None
    fields: list[FieldCheck] = field(default_factory=list)

    @property
    def problems(self) -> list[FieldCheck]:
        """Required fields that matched nothing."""
        return [f for f in self.fields if f.missing]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready report: the page, each field, and the names of missing ones."""
        return {**asdict(self), "problems": [f.name for f in self.problems]}

    def lines(self) -> list[str]:
        """A human report, one field per block."""
        out = [
            f"{self.url}: {self.stage} page, HTTP {self.status}, {self.content_type or '?'}"
            + (f", {self.encoding}" if self.encoding else "")
        ]
        for f in self.fields:
            if f.derived:
                out.append(f"{f.name} ({f.selector}): {', '.join(f.values)}")
                continue
            flag = "MISSING " if f.missing else ""
            out.append(
                f"{flag}{f.name}: {f.matched} matched, {f.count} value"
                f"{'s' if f.count != 1 else ''}  ({f.selector})"
            )
            out.extend(f"    {value}" for value in f.values)
            if f.count > len(f.values):
                out.append(f"    … {f.count - len(f.values)} more")
            if f.note:
                out.append(f"    -> {f.note}")
        problems = self.problems
        if problems:
            names = ", ".join(f.name for f in problems)
            out.append(f"the crawl would fail this page: {names} matched nothing")
        else:
            out.append("every required field matched")
        return out


def guess_stage(recipe: Recipe, page: Page) -> str:
    """The stage a page most likely is: a listing for a start URL, else the first stage whose
    required field matches there (title, listing, gallery, popup), else a title page."""
    listing = recipe.listing
    if listing is not None and page.url in recipe.start_urls:
        return "listing"
    gallery = recipe.gallery
    candidates = [
        ("title", recipe.title.name),
        ("listing", listing.title_links if listing else None),
        ("gallery", gallery.posters),
        ("popup", gallery.image),
    ]
    for stage, spec in candidates:
        if spec is not None and page.values(spec):
            return stage
    return "title"


def check_page(
    recipe: Recipe, url: str, stage: str | None = None, config: FetchConfig | None = None
) -> PageCheck:
    """Fetch ``url`` and read every field of ``stage`` (default: :func:`guess_stage`) there.

    :raises CrawlError: when the page cannot be fetched (robots.txt, HTTP error, not HTML)
        or the recipe has no such stage
    """
    if stage is not None and stage not in STAGES:
        raise CrawlError(f"no stage {stage!r}: choose one of {', '.join(STAGES)}")
    if stage == "listing" and recipe.listing is None:
        raise CrawlError("the recipe has no [listing]: its start URLs are title pages")
    if stage == "popup" and recipe.gallery.image is None:
        raise CrawlError("the recipe has no gallery.image: its posters are images, not pages")
    fetcher = Fetcher(config or FetchConfig(retries=1))
    try:
        answer, encoding = fetch_page(fetcher, url, recipe)
    finally:
        fetcher.close()
    page = Page(answer.content, answer.url, encoding)
    stage = stage or guess_stage(recipe, page)
    report = PageCheck(answer.url, stage, answer.status, answer.content_type, encoding)
    report.fields = _fields(recipe, page, stage)
    return report


def _fields(recipe: Recipe, page: Page, stage: str) -> list[FieldCheck]:
    gallery = recipe.gallery
    if stage == "listing":
        assert recipe.listing is not None
        return [
            _links(page, "listing.title_links", recipe.listing.title_links, required=True),
            _links(page, "listing.next_page", recipe.listing.next_page),
        ]
    if stage == "gallery":
        posters = _links(page, "gallery.posters", gallery.posters, required=True)
        return [
            _poster_kinds(recipe, page.links(gallery.posters), posters),
            _links(page, "gallery.next_page", gallery.next_page),
        ]
    if stage == "popup":
        return [_links(page, "gallery.image", gallery.image, required=True)]
    rules = recipe.title
    out = [_text(page, "title.name", rules.name, required=True)]
    if rules.original_name:
        out.append(_text(page, "title.original_name", rules.original_name))
    if rules.year:
        year = _text(page, "title.year", rules.year)
        found = year_of(page.values(rules.year))
        out.append(replace(year, note=f"year {found}" if found else "no year in these values"))
    if rules.genres:
        names = [g for text in page.values(rules.genres) for g in split_genres(text)]
        mapped = resolve_all(names)
        note = f"genres: {', '.join(mapped.genres) or 'none'}"
        if mapped.unknown:
            note += f"; unknown to the taxonomy: {', '.join(mapped.unknown)}"
        out.append(replace(_text(page, "title.genres", rules.genres), note=note))
    key = title_key(page.url, rules.key_param)
    source = GallerySource(recipe, (page.url,))
    link = _links(page, "title.gallery", rules.gallery) if rules.gallery else None
    if link is not None:
        out.append(link)
    if rules.gallery_url and not (link and link.count):
        template = urljoin(page.base, rules.gallery_url.format(key=key))
        out.append(
            FieldCheck(
                "title.gallery_url", rules.gallery_url, False, 0, [template], 1, derived=True
            )
        )
    if not any(f.count for f in out if f.name.startswith("title.gallery")):
        # Without a gallery, the crawl reads the posters off the title page itself.
        posters = _links(page, "gallery.posters", gallery.posters, required=True)
        out.append(_poster_kinds(recipe, page.links(gallery.posters), posters))
    catalog_key = source.title_key(key, page.url)
    selector = f"key_param {rules.key_param}" if rules.key_param else "(the page URL)"
    out.append(FieldCheck("title key", selector, False, 0, [catalog_key], 1, derived=True))
    return out


def _text(page: Page, name: str, spec: Field, required: bool = False) -> FieldCheck:
    values = page.values(spec)
    return FieldCheck(name, str(spec), required, page.count(spec), values[:SHOWN], len(values))


def _links(page: Page, name: str, spec: Field | None, required: bool = False) -> FieldCheck:
    if spec is None:
        return FieldCheck(name, "(not in the recipe)", required, 0, [], 0)
    links = page.links(spec)
    return FieldCheck(name, str(spec), required, page.count(spec), links[:SHOWN], len(links))


def _poster_kinds(recipe: Recipe, links: list[str], check: FieldCheck) -> FieldCheck:
    """Say which poster links are downloaded and which lead to image pages."""
    if not links:
        return check
    if recipe.gallery.image is None:
        return replace(check, note=f"{len(links)} posters to download")
    images = sum(1 for url in links if is_image_file(url))
    return replace(
        check,
        note=f"{images} posters to download, {len(links) - images} image pages to read "
        "for gallery.image",
    )
