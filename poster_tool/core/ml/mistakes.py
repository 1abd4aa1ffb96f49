"""The test posters a model version got most wrong, worst first: a queue for curators.

A model is judged on its test split; the posters it scored furthest from their labels are
where either the label or the model is at fault, and a curator looking at them decides
which.  Each poster is ranked by its mean binary cross-entropy over the model's genres
against the catalog's labels *now* (a label fixed since training drops out of the queue),
and named by its worst genre: a confident false positive ("false alarm") or a confident
false negative ("missed").  The scores come from the version's folder; versions saved
before they were kept there are scored once in a child process (torch never loads in the
caller's) and keep the result.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from poster_tool.core.jobs import run_child
from poster_tool.core.ml.registry import Registry
from poster_tool.core.progress import Progress

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.records import Poster
    from poster_tool.core.workspace import Workspace

DEFAULT_LIMIT = 50
EPS = 1e-6  # keeps log() finite for scores of exactly 0 or 1


@dataclass(frozen=True)
class Mistake:
    """One test poster the model got wrong, and how.

    :param loss: mean binary cross-entropy over the model's genres (higher: more wrong)
    :param genre: the genre it got most wrong
    :param kind: ``"missed"`` (labelled, scored low) or ``"false alarm"`` (not labelled,
        scored high)
    :param score: the model's calibrated probability of ``genre``
    :param labelled: the poster's genres in the catalog now
    :param predicted: the genres the model gives it (at or above its cuts)
    :param title: its title, as shown (``"Alien (1979)"``)
    """

    poster_id: int
    loss: float
    genre: str
    kind: str
    score: float
    labelled: tuple[str, ...]
    predicted: tuple[str, ...]
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    def line(self) -> str:
        """``#12 Alien (1979)  loss 1.83  missed Horror (0.04)  labelled Horror · model Drama``."""
        return (
            f"#{self.poster_id:<6} {self.title}  loss {self.loss:.2f}  {self.kind} {self.genre} "
            f"({self.score:.2f})  labelled {', '.join(self.labelled) or '–'} · "
            f"model {', '.join(self.predicted) or '–'}"
        )


def rank(
    scores: Mapping[str, Any],
    truth: Mapping[int, Sequence[str]],
    cuts: Mapping[str, float],
    limit: int | None = DEFAULT_LIMIT,
) -> list[Mistake]:
    """The posters of ``scores`` worst first; posters without labels now are left out.

    :param scores: a version's test scores (``poster_ids``, ``genres``, ``probs``)
    :param truth: each poster's genres in the catalog now
    :param cuts: the version's suggestion cut per genre (what it predicts)
    """
    genres: list[str] = list(scores["genres"])
    kept = [n for n, i in enumerate(scores["poster_ids"]) if truth.get(i)]
    if not kept:
        return []
    ids = [scores["poster_ids"][n] for n in kept]
    probs = np.clip(np.asarray(scores["probs"], np.float64)[kept], EPS, 1 - EPS)
    labels = np.array([[g in truth[i] for g in genres] for i in ids], np.float64)
    losses = -(labels * np.log(probs) + (1 - labels) * np.log(1 - probs))
    mean = losses.mean(axis=1)
    cut = np.array([cuts.get(g, 0.5) for g in genres])
    out = []
    for row in np.argsort(-mean, kind="stable")[:limit]:
        worst = int(np.argmax(losses[row]))
        out.append(
            Mistake(
                ids[row],
                round(float(mean[row]), 4),
                genres[worst],
                "missed" if labels[row, worst] else "false alarm",
                round(float(probs[row, worst]), 4),
                tuple(truth[ids[row]]),
                tuple(g for g, p, c in zip(genres, probs[row], cut, strict=True) if p >= c),
            )
        )
    return out


def model_mistakes(
    workspace: Workspace, store: PosterStore, version: str | None = None, limit: int = DEFAULT_LIMIT
) -> Generator[Progress, None, list[Mistake]]:
    """The test posters ``version`` (default: the active one) got most wrong, worst first.

    :param limit: at most this many (0: all)
    :raises ModelError: no such version, or its test posters are gone from the catalog
    """
    info = Registry(workspace, store).require_active(version)
    scores = info.test_scores()
    if scores is None:
        yield Progress("mistakes", message=f"scoring the test posters of model {info.version}")
        scores = yield from run_child(
            "test_scores", {"workspace": str(workspace.root), "version": info.version}
        )
    truth = store.label_genres(scores["poster_ids"])
    ranked = rank(scores, truth, info.thresholds, limit or None)
    posters = {p.id: p for p in store.posters([m.poster_id for m in ranked])}
    return [
        replace(m, title=_title(posters[m.poster_id]) if m.poster_id in posters else "")
        for m in ranked
    ]


def _title(poster: Poster) -> str:
    return f"{poster.title_name} ({poster.title_year})" if poster.title_year else poster.title_name
