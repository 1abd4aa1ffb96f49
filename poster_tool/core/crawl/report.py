"""The summary of one crawl run, for the CLI (text or JSON) and the GUI."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from poster_tool.core.crawl.fetch import size_text
from poster_tool.core.intake import IntakeTally
from poster_tool.core.progress import format_seconds

SHOWN = 20  # refusals and errors listed one per line in the text summary
STAGES = {"list": "listing", "title": "title", "gallery": "gallery", "image_page": "image"}


@dataclass(frozen=True)
class Miss:
    """A page where a required recipe field matched nothing."""

    stage: str
    url: str
    field: str
    selector: str


@dataclass(kw_only=True)
class CrawlReport(IntakeTally):
    """What a crawl run did; ``refused`` and ``errors`` list ``(url, reason)``.

    :param refused: posters downloaded but refused by the image intake (or too large)
    :param errors: pages and posters that could not be fetched or parsed
    :param robots_blocked: URLs robots.txt forbids this crawler
    :param unmatched: pages where a required recipe field matched nothing (each is also
        one of ``errors``)
    :param stage_pages: pages read successfully, by stage
    :param left: tasks of this source by status after the run (``queued`` when cancelled,
        ``failed`` ones are tried again by the next run)
    """

    source: str
    dry_run: bool = False
    pages: int = 0
    posters_planned: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    robots_blocked: list[str] = field(default_factory=list)
    unmatched: list[Miss] = field(default_factory=list)
    stage_pages: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    left: dict[str, int] = field(default_factory=dict)
    attribution: str | None = None

    def add_unmatched(self, kind: str, url: str, recipe_field: str, selector: str) -> None:
        """Note a page where ``recipe_field`` matched nothing."""
        self.unmatched.append(Miss(STAGES.get(kind, kind), url, recipe_field, selector))

    def empty_stages(self) -> list[str]:
        """Stages where every page read matched nothing: the recipe does not fit the site."""
        kinds = {
            kind for kind, stage in STAGES.items() if any(m.stage == stage for m in self.unmatched)
        }
        return [STAGES[k] for k in STAGES if k in kinds and not self.stage_pages[k]]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "pages": self.pages,
            "titles": {"new": self.titles_new, "existing": self.titles_existing},
            "posters": {**self.poster_counts(), "planned": self.posters_planned},
            "refused": [{"url": url, "reason": reason} for url, reason in self.refused],
            "errors": [{"url": url, "reason": reason} for url, reason in self.errors],
            "robots_blocked": self.robots_blocked,
            "unmatched": [vars(m) for m in self.unmatched],
            "empty_stages": self.empty_stages(),
            "unknown_genres": dict(self.unknown_genres),
            "requests": self.requests,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "left": self.left,
            "attribution": self.attribution,
        }

    def lines(self) -> list[str]:
        """A human summary, one fact per line."""
        out = [
            f"{self.source}: {self.pages} pages, {self.requests} requests, "
            f"{size_text(self.bytes)} in {format_seconds(self.seconds)}"
            + (" (dry run: nothing was stored)" if self.dry_run else ""),
            f"titles: {self.titles_new} new, {self.titles_existing} already in the catalog",
        ]
        if self.dry_run:
            out.append(f"posters: {self.posters_planned} would be downloaded")
        else:
            out.append(
                f"posters: {self.posters_new} new, {self.duplicates} duplicates, "
                f"{self.near_duplicates} near-duplicates, {self.posters_existing} already there, "
                f"{len(self.refused)} refused"
            )
        out.extend(_listed("refused", self.refused))
        out.append(f"errors: {len(self.errors)}")
        out.extend(_listed("error", self.errors))
        if self.unmatched:
            n = len(self.unmatched)
            out.append(
                f"nothing matched on {n} page{'s' if n != 1 else ''} (listed among the errors): "
                "fix the recipe, then run the same command"
            )
        for stage in self.empty_stages():
            out.append(
                f"every {stage} page matched nothing: the recipe does not fit this site "
                "(try it on one page with `poster-tool crawl check`)"
            )
        if self.robots_blocked:
            n = len(self.robots_blocked)
            out.append(f"skipped by robots.txt: {n} URL{'s' if n != 1 else ''}")
            out.extend(_capped([f"  robots.txt forbids {url}" for url in self.robots_blocked]))
        unknown = self.unknown_genres_line()
        if unknown:
            out.append(unknown)
        if self.left.get("queued"):
            out.append(f"{self.left['queued']} tasks still queued: run the same command to resume")
        if self.left.get("failed"):
            out.append(f"{self.left['failed']} tasks failed for now: the next run tries them again")
        if self.attribution:
            out.append(self.attribution)
        return out


def _listed(label: str, items: list[tuple[str, str]]) -> list[str]:
    return _capped([f"  {label} {url}: {reason}" for url, reason in items])


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= SHOWN:
        return lines
    return [*lines[:SHOWN], f"  … {len(lines) - SHOWN} more (see --json)"]
