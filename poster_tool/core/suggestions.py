"""What the model's calibrated scores mean for a curator: suggestions, uncertainty, disagreement.

Models since ``default-v2`` output calibrated probabilities (see ``core.ml.calibration``),
so one reading holds for every genre and every version:

* a genre is **suggested** when its probability passes the model's precision-first cut for
  that genre, at most :data:`MAX_SUGGESTIONS` per poster, the most probable first;
* a poster's **uncertainty** is how close its most doubtful genre is to a coin flip
  (1.0: some genre sits at 0.5; 0.0: every genre is 0 or 1);
* the model **disagrees** with a poster's labels only when it is sure: a labelled genre it
  gives at most the genre's *sure-absent* cut, or an unlabelled one it gives at least
  :data:`SURE_PRESENT`.  The sure-absent cut is :data:`SURE_ABSENT`, lowered for rare genres
  to :data:`ABSENT_RATIO` times the genre's share of the training posters: for a genre on
  2 % of posters, a score of 0.03 is the model not seeing it, not the model seeing that it
  is absent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

MAX_SUGGESTIONS = 3
DEFAULT_CUT = 0.5  # for a genre the model gives no cut: more likely than not
SURE_ABSENT = 0.05  # "right 19 times in 20 that this genre does not fit"
ABSENT_RATIO = 0.25  # ... and at most a quarter of the genre's base rate
SURE_PRESENT = 0.85


def sure_absent_cut(base_rate: float) -> float:
    """The score at or below which the model is sure a genre with this share of the
    training posters is absent."""
    return min(SURE_ABSENT, ABSENT_RATIO * base_rate)


def suggested(scores: Mapping[str, float], cuts: Mapping[str, float]) -> list[str]:
    """The suggested genres of one poster, most probable first.

    :param scores: genre -> calibrated probability
    :param cuts: genre -> the model's suggestion cut (default :data:`DEFAULT_CUT`)
    """
    above = [g for g, s in scores.items() if s >= cuts.get(g, DEFAULT_CUT)]
    return sorted(above, key=lambda g: -scores[g])[:MAX_SUGGESTIONS]


def uncertainty(scores: Mapping[str, float]) -> float | None:
    """1 − 2·|p − 0.5| of the genre nearest a coin flip; ``None`` without scores."""
    if not scores:
        return None
    return round(1.0 - 2.0 * min(abs(s - 0.5) for s in scores.values()), 4)


UNSURE = 0.5  # uncertainty at or above this: some genre lies between 0.25 and 0.75


def uncertainty_words(value: float | None) -> str:
    """A curator's reading of an uncertainty."""
    if value is None:
        return "not scored yet"
    if value >= 0.8:
        return "a coin flip on some genre"
    if value >= UNSURE:
        return "unsure of some genre"
    return "confident"


def disagreements(
    scores: Mapping[str, float], labelled: Collection[str], absent_cuts: Mapping[str, float]
) -> list[str]:
    """Why the model disagrees with these labels: the labelled genres it is sure are absent
    and the unlabelled ones it is sure are present, as ``"not Thriller (0.03)"`` and
    ``"Horror (0.91)"``; empty when it does not.

    :param absent_cuts: genre -> sure-absent cut (default :data:`SURE_ABSENT`)
    """
    absent = [
        f"not {g} ({s:.2f})"
        for g, s in scores.items()
        if g in labelled and s <= absent_cuts.get(g, SURE_ABSENT)
    ]
    present = [
        f"{g} ({s:.2f})" for g, s in scores.items() if g not in labelled and s >= SURE_PRESENT
    ]
    return absent + present
