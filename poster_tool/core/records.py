"""Frozen records read from the catalog. Writers take plain arguments; readers return these."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

STATUSES: tuple[str, ...] = ("pending", "approved", "rejected")
LABEL_SOURCES: tuple[str, ...] = ("source", "model", "curator")
# Where a poster's final genres (or one final genre) come from: a curator decided them; the
# source's official genres alone; or the model added one nobody labelled.
PROVENANCES: tuple[str, ...] = ("curated", "official", "model")
# Yes/no/any filters of PosterQuery (``None``: any), by field, with the words the window and
# the CLI show.  A new one (a review state, say) is a field of PosterQuery, a line here and
# its SQL condition in the catalog's poster queries.
YES_NO_FILTERS: dict[str, str] = {"sensitive": "Sensitive", "reviewed": "Reviewed"}


@dataclass(frozen=True)
class TitleIn:
    """A title as an importer or crawler found it, before it has a catalog id.

    :param key: the source's stable identity (``"imdb:tt0086425"``, ``"tmdb:496243"``,
        ``"dir:Parasite (2019)"``); titles also merge on ``imdb_id`` and ``tmdb_id``
    :param genres: the title's official genres, already canonical
    """

    key: str
    name: str
    year: int | None = None
    original_name: str | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    genres: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Title:
    """A film in the catalog with its official genres."""

    id: int
    key: str
    name: str
    year: int | None
    original_name: str | None
    imdb_id: str | None
    tmdb_id: int | None
    genres: tuple[str, ...]
    default_poster_id: int | None = None

    @property
    def display(self) -> str:
        """``"Parasite (2019)"``."""
        return f"{self.name} ({self.year})" if self.year else self.name


@dataclass(frozen=True)
class Poster:
    """One poster image of a title, with its curation state and effective genres."""

    id: int
    title_id: int
    sha256: str
    path: str  # relative to the workspace root
    width: int
    height: int
    orientation: str
    phash: str
    source: str
    source_url: str | None
    status: str
    is_default: bool
    sensitive: bool
    sensitive_reason: str | None
    synthetic: bool
    duplicate_of: int | None
    near_duplicate_of: int | None
    curated: bool
    genres: tuple[str, ...] = ()
    title_name: str = ""
    title_year: int | None = None
    model_version: str | None = None
    model_uncertainty: float | None = None
    model_disagrees: bool = False  # the calibrated model is sure a label is wrong
    created_at: str = ""


@dataclass(frozen=True)
class Label:
    """One genre label of a poster with its provenance."""

    poster_id: int
    genre: str
    source: str  # "source" | "model" | "curator"
    positive: bool
    score: float | None = None
    model_version: str | None = None
    curator: str | None = None
    created_at: str = ""


@dataclass(frozen=True)
class AuditEntry:
    """One curator change as the append-only audit log holds it."""

    id: int
    at: str
    curator: str
    action: str
    poster_id: int | None
    title_id: int | None
    before: object
    after: object


@dataclass(frozen=True)
class PosterQuery:
    """What the grid and ``posters list`` ask for; every field narrows the result.

    :param text: matched against title names (any language, case-insensitive)
    :param genre: effective genre (curator labels, else the source's)
    :param sort: ``"title"``, ``"newest"``, ``"id"``, ``"uncertain"`` (least certain first)
    :param ids: restrict to these poster ids (near-duplicates, similar posters)
    :param score_genre: the model's score for this genre lies in ``score_min``..``score_max``
        (inclusive; posters the model has not scored do not match)
    :param not_labelled: the poster's labels (the curator's, else the source's; never the
        model's suggestions) lack this genre: with ``score_genre`` the same, what the
        model sees that nobody labelled
    :param provenance: one of :data:`PROVENANCES`; of the ``genre`` chosen, else of the
        poster's final genres as a whole
    :param curator: who made the poster's last edit
    :param edited_from: the last edit was on or after this day (``YYYY-MM-DD``, UTC)
    :param edited_to: the last edit was on or before this day
    """

    text: str = ""
    genre: str | None = None
    status: str | None = None
    source: str | None = None
    title_id: int | None = None
    disagrees: bool = False
    unlabelled: bool = False
    sensitive: bool | None = None
    reviewed: bool | None = None  # a reviewer accepted or overrode it, no edit waiting
    ids: tuple[int, ...] | None = None
    score_genre: str | None = None
    score_min: float = 0.0
    score_max: float = 1.0
    not_labelled: str | None = None
    provenance: str | None = None
    curator: str | None = None
    edited_from: str | None = None
    edited_to: str | None = None
    sort: str = "title"

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the result (the sort order does not)."""
        return self != PosterQuery(sort=self.sort)

    def to_view(self) -> dict[str, Any]:
        """The fields a saved view keeps: those that differ from the default, fixed lists
        of ids aside (they name posters of one moment, not a filter)."""
        default = PosterQuery()
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "ids" and getattr(self, f.name) != getattr(default, f.name)
        }

    @classmethod
    def from_view(cls, data: dict[str, Any]) -> PosterQuery:
        """The query a saved view holds; fields this version does not know are dropped."""
        known = {f.name for f in fields(cls)} - {"ids"}
        return replace(cls(), **{k: v for k, v in data.items() if k in known})
