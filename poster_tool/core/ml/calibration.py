"""Scores that mean what they say: per-genre Platt scaling, its error, precision-first cuts.

A network trained with weighted positives (or any loss) outputs scores whose scale is its
own.  Platt scaling fits, per genre on the validation split, ``p = sigmoid(a * logit + b)``
so that a calibrated 0.8 is right about 8 times in 10; the expected calibration error (ECE)
measures how far from that the scores are.  With calibrated scores, a *suggestion* is a
genre whose probability passes a cut chosen on validation for precision, and the rest of the
product (uncertainty, "disagrees") can use fixed, readable probability levels.

Plain numpy: it runs wherever the metrics run, torch or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from poster_tool.core.ml.metrics import scores_report, sigmoid, tune_thresholds
from poster_tool.core.suggestions import MAX_SUGGESTIONS, SURE_PRESENT, sure_absent_cut

TARGET_PRECISION = 0.6  # a suggested genre is right at least 6 times in 10 on validation
MIN_CUT = 0.35  # never suggest what the calibrated model thinks is unlikely
FALLBACK_CUT = 0.6  # genres too rare to measure precision on validation trust calibration
MIN_SUGGESTED = 5  # validation suggestions needed before a genre's precision counts
MIN_SLOPE = 0.05  # Platt slopes stay positive


def logit(p: np.ndarray) -> np.ndarray:
    """The inverse of the sigmoid, clipped away from 0 and 1."""
    p = np.clip(np.asarray(p, np.float64), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def fit_platt(logits: np.ndarray, truth: np.ndarray, prior: float = 2.0) -> np.ndarray:
    """Per genre ``(a, b)`` minimising the log loss of ``sigmoid(a * logit + b)``.

    A weak Gaussian prior pulls ``(a, b)`` towards the identity ``(1, 0)``, so a genre with
    a handful of validation positives is nudged rather than fitted to noise, and the slope
    stays at least :data:`MIN_SLOPE`, so calibration never reorders a genre's posters.

    :param logits: ``(N, G)`` raw network outputs on validation posters
    :param truth: ``(N, G)`` 0/1
    :param prior: strength of the pull towards the identity, in posters' worth of evidence
    :returns: ``(G, 2)`` array of ``(a, b)``
    """
    logits = np.asarray(logits, np.float64)
    truth = np.asarray(truth, np.float64)
    out = np.tile([1.0, 0.0], (logits.shape[1], 1))

    def clamped(ab: np.ndarray) -> np.ndarray:
        # A positive slope keeps the model's ranking (and so its AP): a handful of
        # validation posters must not turn a genre's scores upside down.
        return np.array([max(ab[0], MIN_SLOPE), ab[1]])

    for j in range(logits.shape[1]):
        x, y = logits[:, j], truth[:, j]

        def loss(ab: np.ndarray, x: np.ndarray = x, y: np.ndarray = y) -> float:
            z = ab[0] * x + ab[1]
            # log(1 + e^z) - y z, written to stay finite for large |z|
            nll = np.sum(np.logaddexp(0.0, z) - y * z)
            return float(nll + prior / 2 * np.sum((ab - [1.0, 0.0]) ** 2))

        params = np.array([1.0, 0.0])
        current = loss(params)
        for _ in range(100):  # Newton's method, damped so it never overshoots
            p = sigmoid(params[0] * x + params[1])
            grad = np.array([np.sum((p - y) * x), np.sum(p - y)])
            grad += prior * (params - [1.0, 0.0])
            w = p * (1 - p)
            hess = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]])
            hess += prior * np.eye(2)
            step = np.linalg.solve(hess, grad)
            scale = 1.0
            while scale > 1e-6 and loss(clamped(params - scale * step)) > current:
                scale /= 2
            params = clamped(params - scale * step)
            previous, current = current, loss(params)
            if previous - current < 1e-10 * max(1.0, abs(previous)):
                break
        out[j] = params
    return out


def calibrate(logits: np.ndarray, platt: np.ndarray) -> np.ndarray:
    """Calibrated probabilities ``(N, G)`` from raw logits and per-genre ``(a, b)``."""
    platt = np.asarray(platt, np.float64)
    return sigmoid(np.asarray(logits, np.float64) * platt[:, 0] + platt[:, 1])


def expected_calibration_error(probs: np.ndarray, truth: np.ndarray, bins: int = 15) -> float:
    """ECE over every (poster, genre) score: the mean gap between confidence and frequency,
    in equal-width bins weighted by how many scores fall in each."""
    p = np.asarray(probs, np.float64).ravel()
    y = np.asarray(truth, np.float64).ravel()
    if not len(p):
        return 0.0
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(p[mask].mean() - y[mask].mean())
    return float(total / len(p))


def precision_cuts(probs: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per genre, the lowest calibrated probability at which suggestions reach
    :data:`TARGET_PRECISION` on these (validation) posters.

    Only cuts with at least :data:`MIN_SUGGESTED` suggestions count, and no cut is below
    :data:`MIN_CUT`; a genre that never reaches the target with enough suggestions gets
    :data:`FALLBACK_CUT` (calibration says what 0.6 means) or, if even that falls short on
    validation, a cut no score reaches: the model is not asked to guess it.
    """
    probs = np.asarray(probs, np.float64)
    truth = np.asarray(truth, np.float64)
    cuts = np.full(probs.shape[1], FALLBACK_CUT)
    for j in range(probs.shape[1]):
        order = np.argsort(-probs[:, j], kind="stable")
        s, t = probs[order, j], truth[order, j]
        taken = np.arange(1, len(s) + 1)
        precision = np.cumsum(t) / taken
        ok = (precision >= TARGET_PRECISION) & (taken >= MIN_SUGGESTED) & (s >= MIN_CUT)
        # The last qualifying position whose score differs from the next one down.
        distinct = np.r_[s[:-1] > s[1:], True]
        ok &= distinct
        if ok.any():
            cuts[j] = float(s[np.flatnonzero(ok)[-1]])
            continue
        above = s >= FALLBACK_CUT
        if above.sum() >= MIN_SUGGESTED and t[above].mean() < TARGET_PRECISION:
            cuts[j] = 1.01  # measured wrong more often than not: never suggested
    return cuts


def suggestion_stats(
    probs: np.ndarray, truth: np.ndarray, cuts: Sequence[float] | np.ndarray, cap: int
) -> dict[str, float]:
    """How many genres the rule suggests per poster (at most ``cap``, most probable first)
    and how many of them are right."""
    probs = np.asarray(probs, np.float64)
    chosen = suggestion_mask(probs, cuts, cap)
    n = len(probs)
    made = chosen.sum()
    return {
        "per_poster": round(float(made / max(1, n)), 3),
        "precision": round(float((chosen * truth).sum() / made) if made else 0.0, 4),
        "recall": round(float((chosen * truth).sum() / max(1, np.asarray(truth).sum())), 4),
        "posters_with_none": round(float((chosen.sum(axis=1) == 0).mean()), 4) if n else 0.0,
    }


def suggestion_mask(probs: np.ndarray, cuts: Sequence[float] | np.ndarray, cap: int) -> np.ndarray:
    """``(N, G)`` 0/1: genres at or above their cut, the ``cap`` most probable per poster."""
    probs = np.asarray(probs, np.float64)
    above = probs >= np.asarray(cuts, np.float64)[None, :]
    ranked = np.argsort(-np.where(above, probs, -1.0), axis=1, kind="stable")[:, :cap]
    mask = np.zeros_like(probs)
    rows = np.arange(len(probs))[:, None]
    mask[rows, ranked] = 1.0
    return mask * above


def absent_cuts(train_truth: np.ndarray) -> np.ndarray:
    """Per genre, the sure-absent cut for the genre's share of the training posters."""
    rates = np.asarray(train_truth, np.float64).mean(axis=0)
    return np.array([sure_absent_cut(float(r)) for r in rates])


def disagreement_share(
    probs: np.ndarray, truth: np.ndarray, absent: Sequence[float] | np.ndarray
) -> float:
    """Share of posters the "disagrees" rule flags against these labels."""
    probs = np.asarray(probs, np.float64)
    truth = np.asarray(truth, np.float64)
    sure_absent = probs <= np.asarray(absent, np.float64)[None, :]
    sure_wrong = (sure_absent & (truth == 1)) | ((probs >= SURE_PRESENT) & (truth == 0))
    return round(float(sure_wrong.any(axis=1).mean()) if len(probs) else 0.0, 4)


@dataclass(frozen=True)
class Fitted:
    """What validation decides for a scorer: Platt ``(a, b)``, F1 thresholds, suggestion cuts."""

    platt: np.ndarray  # (G, 2)
    f1_thresholds: np.ndarray  # (G,) on calibrated probabilities, for F1 figures
    cuts: np.ndarray  # (G,) precision-first suggestion cuts

    @classmethod
    def on_validation(cls, val_scores: np.ndarray, val_truth: np.ndarray) -> Fitted:
        """Calibrate raw probabilities on validation, then choose both kinds of cut."""
        platt = fit_platt(logit(val_scores), val_truth)
        calibrated = calibrate(logit(val_scores), platt)
        return cls(
            platt, tune_thresholds(val_truth, calibrated), precision_cuts(calibrated, val_truth)
        )

    def apply(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw ones."""
        return calibrate(logit(scores), self.platt)


def judge(
    probs: np.ndarray,
    truth: np.ndarray,
    f1_thresholds: Sequence[float] | np.ndarray,
    cuts: Sequence[float] | np.ndarray,
    genres: Sequence[str],
    absent: Sequence[float] | np.ndarray,
) -> dict[str, Any]:
    """Every figure a model is judged by on one split, from calibrated probabilities: F1s and
    mAP (``scores_report``), ECE, the suggestions' rate and precision, the share flagged as
    disagreeing (``absent``: per-genre sure-absent cuts)."""
    report = scores_report(truth, probs, f1_thresholds, genres)
    report["ece"] = round(expected_calibration_error(probs, truth), 4)
    report["suggestions"] = suggestion_stats(probs, truth, cuts, MAX_SUGGESTIONS)
    report["disagrees"] = disagreement_share(probs, truth, absent)
    return report
