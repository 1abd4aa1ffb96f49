"""Multi-label metrics and F1-tuned thresholds.

Plain numpy, matching scikit-learn's definitions (``average_precision_score`` with ties
grouped, ``f1_score`` with ``zero_division=0``) without depending on it.  Macro averages
and mAP run over the genres that have at least one positive in the evaluated split, since
AP is undefined without positives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def average_precision(truth: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the precision-recall steps for one genre; ``None`` without positives."""
    truth = np.asarray(truth, np.float64)
    positives = truth.sum()
    if positives == 0:
        return None
    order = np.argsort(-np.asarray(scores), kind="stable")
    sorted_scores, sorted_truth = np.asarray(scores)[order], truth[order]
    # One point per distinct score, so tied posters count together (as in scikit-learn).
    ends = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(sorted_scores) - 1]
    tp = np.cumsum(sorted_truth)[ends]
    precision = tp / (ends + 1)
    recall = tp / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def tune_thresholds(truth: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Per genre, the score cut that maximises F1 on these (validation) posters.

    The cut sits halfway between the last score taken and the next one down, so unseen
    posters scoring between them fall on the side of the nearer; a genre without
    positives keeps 0.5.
    """
    thresholds = np.full(truth.shape[1], 0.5)
    for j in range(truth.shape[1]):
        positives = truth[:, j].sum()
        if positives == 0:
            continue
        order = np.argsort(-scores[:, j], kind="stable")
        s, t = scores[order, j], truth[order, j]
        ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
        tp = np.cumsum(t)[ends]
        f1 = 2 * tp / (ends + 1 + positives)  # 2TP / (2TP + FP + FN) = 2TP / (taken + P)
        k = int(np.argmax(f1))
        below = s[ends[k] + 1] if ends[k] + 1 < len(s) else s[ends[k]] - 1e-3
        thresholds[j] = float((s[ends[k]] + below) / 2)
    return thresholds


def scores_report(
    truth: np.ndarray,
    scores: np.ndarray,
    thresholds: np.ndarray | Sequence[float],
    genres: Sequence[str],
) -> dict[str, Any]:
    """Micro-, macro- and samples-F1, mAP and per-genre AP / F1 / support.

    :param truth: ``(N, G)`` 0/1
    :param scores: ``(N, G)`` probabilities
    :param thresholds: per genre; a score at or above it predicts the genre
    """
    truth = np.asarray(truth, np.float64)
    pred = (np.asarray(scores) >= np.asarray(thresholds)[None, :]).astype(np.float64)
    tp = (pred * truth).sum(axis=0)
    fp = (pred * (1 - truth)).sum(axis=0)
    fn = ((1 - pred) * truth).sum(axis=0)
    support = truth.sum(axis=0)
    per_genre: dict[str, dict[str, float | int | None]] = {}
    f1s: list[float] = []
    aps: list[float] = []
    for j, genre in enumerate(genres):
        denominator = 2 * tp[j] + fp[j] + fn[j]
        f1 = float(2 * tp[j] / denominator) if denominator else 0.0
        ap = average_precision(truth[:, j], scores[:, j])
        per_genre[genre] = {
            "support": int(support[j]),
            "ap": None if ap is None else round(ap, 4),
            "f1": round(f1, 4),
            "threshold": round(float(thresholds[j]), 4),
        }
        if support[j] > 0:
            f1s.append(f1)
            if ap is not None:  # always so here: AP is defined once the genre has positives
                aps.append(ap)
    micro_den = 2 * tp.sum() + fp.sum() + fn.sum()
    row_tp = (pred * truth).sum(axis=1)
    row_den = pred.sum(axis=1) + truth.sum(axis=1)
    samples = np.divide(2 * row_tp, row_den, out=np.zeros_like(row_tp), where=row_den > 0)
    return {
        "n": int(truth.shape[0]),
        "micro_f1": round(float(2 * tp.sum() / micro_den) if micro_den else 0.0, 4),
        "macro_f1": round(float(np.mean(f1s)) if f1s else 0.0, 4),
        "samples_f1": round(float(samples.mean()) if len(samples) else 0.0, 4),
        "map": round(float(np.mean(aps)) if aps else 0.0, 4),
        "per_genre": per_genre,
    }


def intervals(
    truth: np.ndarray,
    scores: np.ndarray,
    thresholds: np.ndarray | Sequence[float],
    rounds: int = 1000,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """95 % intervals of macro-F1 and mAP over ``rounds`` resamples of the posters (drawn
    with replacement): how far another sample of posters alike could move them."""
    truth, scores = np.asarray(truth, np.float64), np.asarray(scores, np.float64)
    rng = np.random.default_rng(seed)
    names = [str(j) for j in range(truth.shape[1])]
    drawn: dict[str, list[float]] = {"macro_f1": [], "map": []}
    for _ in range(rounds):
        rows = rng.integers(0, len(truth), len(truth))
        report = scores_report(truth[rows], scores[rows], thresholds, names)
        drawn["macro_f1"].append(report["macro_f1"])
        drawn["map"].append(report["map"])
    return {
        k: (round(float(np.percentile(v, 2.5)), 4), round(float(np.percentile(v, 97.5)), 4))
        for k, v in drawn.items()
    }


def interval_line(model: dict[str, Any]) -> str:
    """The intervals of a model's report in words ("" for a report without them)."""
    spread = model.get("intervals")
    if not spread:
        return ""
    return (
        "95 % intervals over 1,000 resamples of these posters: macro-F1 "
        f"{spread['macro_f1'][0]:.3f}-{spread['macro_f1'][1]:.3f}, "
        f"mAP {spread['map'][0]:.3f}-{spread['map'][1]:.3f}"
    )


def comparison_lines(model: dict[str, Any], others: dict[str, dict[str, Any]] | None) -> list[str]:
    """A small table: the model's F1s, mAP and trust figures above the baselines'.

    ECE is the calibration error; "sugg." the genres suggested per poster and the share of
    them that are right; "flagged" the share of posters the model is sure are mislabelled
    (reports made before calibration existed show dashes there).
    """
    names = {"prior": "genre prior", "colour_histogram": "colour-histogram logistic regression"}
    rows = [("model", model)] + [(names.get(k, k), v) for k, v in (others or {}).items()]
    lines = [f"{'':<38} micro-F1  macro-F1    mAP    ECE  sugg./poster  precision  flagged"]
    for name, s in rows:
        sugg = s.get("suggestions") or {}
        lines.append(
            f"{name:<38} {s['micro_f1']:8.3f}  {s['macro_f1']:8.3f}  {s['map']:.3f}  "
            f"{_fmt(s.get('ece'), 5)}  {_fmt(sugg.get('per_poster'), 12)}  "
            f"{_fmt(sugg.get('precision'), 9)}  {_fmt(s.get('disagrees'), 7)}"
        )
    return lines


def _fmt(value: float | None, width: int) -> str:
    return f"{value:{width}.3f}" if value is not None else f"{'–':>{width}}"


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, safe for large magnitudes."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))
