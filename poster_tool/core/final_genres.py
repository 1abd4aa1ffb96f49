"""The one rule for a poster's final genres: what the window shows, the export writes, the
picks use and ``posters list`` prints (documented in docs/export.md).

* A **curator's** genres always win (an empty list is an answer: "no genre").
* Without a curator decision, the poster's **official** (source) genres are kept, never
  dropped silently.  When the calibrated model is *sure* an official genre does not fit this
  poster (its score is at most the genre's sure-absent cut, see
  :mod:`poster_tool.core.suggestions`), the genre stays but the poster is **held for
  review**: the export leaves it out and counts it, instead of writing another answer.
* A **model** genre is added only when the model suggests it (its precision-first cut) and
  the source did not give it; it carries its score and the model's version.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from poster_tool.core.suggestions import SURE_ABSENT
from poster_tool.core.taxonomy import GENRES

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

CURATOR, SOURCE, MODEL = "curator", "source", "model"
PROVENANCES = (CURATOR, SOURCE, MODEL)


@dataclass(frozen=True)
class FinalGenre:
    """One final genre and where it comes from."""

    genre: str
    provenance: str  # curator | source | model
    curator: str | None = None  # who set it (curator provenance)
    score: float | None = None  # the model's calibrated probability, when scored
    model_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "genre": self.genre,
            "provenance": self.provenance,
            "curator": self.curator,
            "score": self.score,
            "model_version": self.model_version,
        }

    def words(self) -> str:
        """``Drama (official)``, ``Comedy (model 0.91)``, ``Horror (curator)``."""
        if self.provenance == MODEL:
            return f"{self.genre} (model {self.score:.2f})"
        return f"{self.genre} ({'official' if self.provenance == SOURCE else 'curator'})"


@dataclass(frozen=True)
class Verdict:
    """A poster's final genres, in taxonomy order, and the official genres the model doubts.

    :param doubted: official genres the model is sure do not fit (uncurated posters only)
    """

    genres: tuple[FinalGenre, ...]
    doubted: tuple[str, ...] = ()

    @property
    def held(self) -> bool:
        """Held for review: the export leaves the poster out until a curator decides."""
        return bool(self.doubted)

    @property
    def names(self) -> list[str]:
        return [g.genre for g in self.genres]

    def provenance_of(self, genre: str) -> str | None:
        return next((g.provenance for g in self.genres if g.genre == genre), None)

    def line(self) -> str:
        """One line for a person: the genres with their provenance, and why it is held."""
        text = ", ".join(g.words() for g in self.genres) or "no genre"
        if self.held:
            text += f" — held for review: the model is sure {', '.join(self.doubted)} does not fit"
        return text


@dataclass(frozen=True)
class LabelRow:
    """One label of a poster, as the rule reads it."""

    genre: str
    source: str  # source | curator | model
    positive: bool
    score: float | None = None
    model_version: str | None = None
    curator: str | None = None


def resolve(curated: bool, labels: Iterable[LabelRow], sure_absent: Mapping[str, float]) -> Verdict:
    """Apply the rule to one poster.

    :param curated: whether a curator decided the poster's genres
    :param labels: every label of the poster (any order)
    :param sure_absent: genre -> the scoring model's sure-absent cut (default ``SURE_ABSENT``)
    """
    rows = list(labels)
    scores = {r.genre: r for r in rows if r.source == MODEL and r.score is not None}
    order = {g: i for i, g in enumerate(GENRES)}

    def final(genre: str, provenance: str, curator: str | None = None) -> FinalGenre:
        scored = scores.get(genre)
        return FinalGenre(
            genre,
            provenance,
            curator,
            None if scored is None else scored.score,
            None if scored is None else scored.model_version,
        )

    if curated:
        chosen = [
            final(r.genre, CURATOR, r.curator) for r in rows if r.source == CURATOR and r.positive
        ]
        return Verdict(tuple(sorted(chosen, key=lambda g: order.get(g.genre, len(order)))))
    official = {r.genre for r in rows if r.source == SOURCE and r.positive}
    chosen = [final(g, SOURCE) for g in official]
    doubted = sorted(
        (g for g in official if g in scores and scores[g].score <= sure_absent.get(g, SURE_ABSENT)),  # type: ignore[operator]
        key=lambda g: order.get(g, len(order)),
    )
    chosen += [
        final(r.genre, MODEL) for r in scores.values() if r.positive and r.genre not in official
    ]
    return Verdict(
        tuple(sorted(chosen, key=lambda g: order.get(g.genre, len(order)))), tuple(doubted)
    )


# Posters the rule reads at a time.  Their label rows (a dozen objects each) are let go
# before the next chunk: over 100,000 posters at once the rule held 3 million objects, and
# each full garbage collection scanned them all while every thread, the window's too, waited
# (up to 0.8 s; bench/edit_bench.py).
CHUNK = 2_000


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    """``ids`` a slice of ``size`` at a time."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def verdicts(store: PosterStore, ids: Sequence[int]) -> dict[int, Verdict]:
    """The rule applied to each of ``ids`` (a few queries a chunk of ``CHUNK``)."""
    out: dict[int, Verdict] = {}
    for chunk in chunks(ids):
        out.update(_verdicts(store, chunk))
    return out


def _verdicts(store: PosterStore, ids: Sequence[int]) -> dict[int, Verdict]:
    if not ids:
        return {}
    curated = store.curated_flags(ids)
    rows: dict[int, list[LabelRow]] = {i: [] for i in curated}
    versions: set[str] = set()
    for poster_id, stored in store.label_rows(list(curated)).items():
        for genre, source, positive, score, version, curator, _ in stored:
            rows[poster_id].append(LabelRow(genre, source, bool(positive), score, version, curator))
            if version:
                versions.add(version)
    cuts = {v: store.sure_absent_cuts(v) for v in versions}
    out = {}
    for poster_id, labels in rows.items():
        version = next((r.model_version for r in labels if r.source == MODEL), None)
        out[poster_id] = resolve(curated[poster_id], labels, cuts.get(version or "", {}))
    return out


def accepted(store: PosterStore, ids: Sequence[int]) -> dict[int, list[str]]:
    """The curator genres "accept the model" gives each scored poster of ``ids``: what it
    exports as now, without the official genres the model is sure do not fit, plus every
    genre the model suggests (taxonomy order).  Unscored posters are left out."""
    found = verdicts(store, ids)
    suggested = store.scored_suggestions(ids)
    return {
        poster_id: [
            g
            for g in GENRES
            if g in model or (g in found[poster_id].names and g not in found[poster_id].doubted)
        ]
        for poster_id, model in suggested.items()
    }


def export_outlook(store: PosterStore, ids: Sequence[int]) -> tuple[int, int]:
    """Of ``ids``: how many the export holds back for review, and how many go out with
    genres added by the model (what approving them means)."""
    held = model = 0
    for chunk in chunks(ids):  # a chunk's verdicts at a time (see CHUNK)
        found = verdicts(store, chunk).values()
        held += sum(v.held for v in found)
        model += sum(any(g.provenance == MODEL for g in v.genres) for v in found)
    return held, model
