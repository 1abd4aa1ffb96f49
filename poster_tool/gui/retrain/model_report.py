"""HTML for the retrain report and the model history: metrics tables a ``QTextBrowser`` shows.

Pure functions of the report dictionaries the ML core writes (``scores_report`` shapes), so
they are tested without running a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from poster_tool.core.progress import format_seconds

if TYPE_CHECKING:
    from poster_tool.core.ml.results import Candidate

Scores = Mapping[str, Any]  # a scores_report: micro_f1, macro_f1, samples_f1, map, per_genre

BETTER, WORSE, MUTED = "#81c995", "#f28b82", "#9aa0a6"
NOTICEABLE = 0.01  # differences smaller than this are shown uncoloured
STYLE = (
    "<style>table { border-collapse: collapse; } th { color: #b0b5bb; font-weight: 600; "
    "padding: 1px 5px; } td { padding: 1px 5px; } .note { color: #9aa0a6; }</style>"
)
BASELINE_NAMES = {"prior": "genre prior", "colour_histogram": "colour histogram"}
TRUST_NOTE = (
    '<p class="note">ECE: calibration error of the scores (0 = a score of 0.8 is right 8 '
    "times in 10). Suggested: genres suggested per poster; right: the share of them that "
    "are the poster's genres. Flagged: the share of posters the model is sure carry a wrong "
    "genre (its review queue).</p>"
)


def num(value: float | None) -> str:
    """``0.512``, or an en dash when there is no value."""
    return "–" if value is None else f"{value:.3f}"


def delta(new: float | None, old: float | None, better: str = "higher") -> str:
    """``+0.042`` coloured green (better) or red (worse); blank when either is missing.

    :param better: ``"higher"``, ``"lower"`` (an error), or ``""`` (neither: uncoloured)
    """
    if new is None or old is None:
        return ""
    diff = new - old
    gain = diff if better == "higher" else -diff
    colour = MUTED if abs(diff) < NOTICEABLE or not better else BETTER if gain > 0 else WORSE
    return f'<span style="color:{colour}">{diff:+.3f}</span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(
        f'<th align="{"left" if i == 0 else "right"}">{h}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td align="{"left" if i == 0 else "right"}">{c}</td>' for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table>{'<tr>' + head + '</tr>'}{body}</table>"


def headline(rows: Sequence[tuple[str, Scores]]) -> str:
    """One row per model: micro- and macro-F1, mAP, and the trust figures (calibration
    error, suggestions per poster and their precision, share flagged as mislabelled)."""
    return (
        _table(
            ["", "micro-F1", "macro-F1", "mAP", "ECE", "suggested", "right", "flagged"],
            [
                [
                    escape(name),
                    num(s["micro_f1"]),
                    num(s["macro_f1"]),
                    num(s["map"]),
                    num(s.get("ece")),
                    num((s.get("suggestions") or {}).get("per_poster")),
                    num((s.get("suggestions") or {}).get("precision")),
                    num(s.get("disagrees")),
                ]
                for name, s in rows
            ],
        )
        + TRUST_NOTE
    )


def trust(scores: Scores, key: str) -> float | None:
    """A headline figure, including the suggestion figures nested under ``suggestions``."""
    if key in ("per_poster", "precision"):
        return (scores.get("suggestions") or {}).get(key)
    return scores.get(key)


def _genre(scores: Scores | None, genre: str, key: str) -> float | None:
    if scores is None:
        return None
    row = scores["per_genre"].get(genre)
    return None if row is None else row[key]


def activation_warnings(candidate: Candidate) -> list[str]:
    """Why activating this run may be a step back: where it scores below the active model
    (on the same test posters) or a baseline on mAP or macro-F1, by a noticeable margin."""
    new = candidate.result.report["model"]
    others = [
        (f"the active model {candidate.active['version']}", candidate.active["model"])
        if candidate.active
        else None
    ]
    others += [
        (f"the {BASELINE_NAMES.get(k, k)} baseline", v)
        for k, v in candidate.result.report["baselines"].items()
    ]
    out = []
    for item in others:
        if item is None:
            continue
        name, scores = item
        worse = [
            f"{label} {new[key]:.3f} against {scores[key]:.3f}"
            for label, key in (("mAP", "map"), ("macro-F1", "macro_f1"))
            if new[key] < scores[key] - NOTICEABLE
        ]
        if worse:
            out.append(f"It scores below {name}: {', '.join(worse)}.")
    return out


def candidate_html(candidate: Candidate) -> str:
    """The end-of-run report: the new model beside the active one and both baselines."""
    result, active = candidate.result, candidate.active
    report = result.report
    new, base = report["model"], report["baselines"]
    old = active["model"] if active else None
    parts = [
        STYLE,
        f"<h3>New model {escape(result.version)}</h3>",
        f"<p>{'Quick' if result.kind == 'quick' else 'Full'} run: {result.epochs_run} epochs"
        f"{' (stopped early)' if result.stopped_early else ''}, "
        f"{format_seconds(result.seconds)} on {escape(result.device)}.<br>"
        f"Trained on <b>{report['n_train']:,} posters</b>, <b>{report['n_curator']:,}</b> of "
        f"them with curator corrections; validated on {report['n_val']:,}, tested on "
        f"{report['n_test']:,} held-out posters.</p>",
        f'<p class="note">Weights: {escape(result.pretrained_note)}</p>',
    ]
    rows: list[tuple[str, Scores]] = [("this run", new)]
    if active and old is not None:
        rows.append((f"active ({active['version']})", old))
    rows += [(BASELINE_NAMES.get(k, k), v) for k, v in base.items()]
    parts += ["<h4>Test split</h4>", headline(rows)]
    if active:
        seen = active["n_seen"]
        parts.append(
            f'<p class="note">The active model was scored on the same {active["n_test"]:,} '
            "test posters with its own thresholds"
            + (
                f"; it trained on the titles of {seen:,} of them, which flatters it."
                if seen
                else "."
            )
            + "</p>"
        )
    elif candidate.note:
        parts.append(f'<p class="note">No comparison: {escape(candidate.note)}.</p>')
    genre_rows = []
    for genre, g in new["per_genre"].items():
        old_ap = _genre(old, genre, "ap")
        genre_rows.append(
            [
                escape(genre),
                str(g["support"]),
                num(g["ap"]),
                delta(g["ap"], old_ap),
                num(_genre(base.get("prior"), genre, "ap")),
                num(_genre(base.get("colour_histogram"), genre, "ap")),
                num(g["f1"]),
                num(_genre(old, genre, "f1")),
            ]
        )
    parts += [
        "<h4>Per genre</h4>",
        _table(["genre", "n", "AP", "± active", "prior", "colour", "F1", "F1 act."], genre_rows),
        '<p class="note">n: test posters of the genre. AP: this run, its change against the '
        "active model, then the genre prior's and the colour-histogram baseline's. F1: this "
        "run's and the active model's, at their tuned thresholds.</p>",
    ]
    return "".join(parts)


def version_html(meta: Mapping[str, Any]) -> str:
    """One registered version: how it was trained and its test metrics."""
    metrics = meta.get("metrics") or {}
    data = meta.get("training_data") or {}
    parts = [
        STYLE,
        f"<h3>{escape(str(meta.get('version')))}</h3>",
        f"<p>{escape(str(meta.get('kind', '?')))} run of {escape(str(meta.get('backbone')))}, "
        f"{meta.get('epochs_run', '?')} epochs on {escape(str(meta.get('device', '?')))}, "
        f"created {escape(str(meta.get('created_at', '?')))}.<br>"
        f"{data.get('posters', '?')} posters ({data.get('curated', '?')} curated): "
        f"{data.get('train', '?')} train / {data.get('val', '?')} validation / "
        f"{data.get('test', '?')} test.</p>",
    ]
    if "model" in metrics:
        rows = [("this model", metrics["model"])]
        rows += [(BASELINE_NAMES.get(k, k), v) for k, v in (metrics.get("baselines") or {}).items()]
        parts.append(headline(rows))
        parts.append(
            _table(
                ["genre", "n", "AP", "F1", "threshold"],
                [
                    [
                        escape(genre),
                        str(g["support"]),
                        num(g["ap"]),
                        num(g["f1"]),
                        num(g["threshold"]),
                    ]
                    for genre, g in metrics["model"]["per_genre"].items()
                ],
            )
        )
    return "".join(parts)


def comparison_html(a: Mapping[str, Any], b: Mapping[str, Any], same_test: bool) -> str:
    """Two versions, A (older) and B, side by side: headline metrics, then per-genre AP and F1
    with the change.

    :param same_test: both were tested on the same posters; otherwise their figures are not
        comparable, and the changes are shown uncoloured under a warning
    """
    ma, mb = a["metrics"]["model"], b["metrics"]["model"]
    va, vb = str(a["version"]), str(b["version"])
    parts = [STYLE, f"<h3>A: {escape(va)}<br>B: {escape(vb)}</h3>"]
    if not same_test:
        parts.append(
            f'<p style="color:{WORSE}"><b>Not comparable:</b> A and B were tested on different '
            f"posters ({a['metrics'].get('n_test', '?')} and {b['metrics'].get('n_test', '?')} "
            "held-out posters), so the differences below do not say which model is better. "
            "Train both on this catalog to compare them.</p>"
        )
    parts += [
        _table(
            ["", "A", "B", "B − A"],
            [
                [
                    name,
                    num(trust(ma, key)),
                    num(trust(mb, key)),
                    delta(trust(mb, key), trust(ma, key), better if same_test else ""),
                ]
                for name, key, better in (
                    ("micro-F1", "micro_f1", "higher"),
                    ("macro-F1", "macro_f1", "higher"),
                    ("mAP", "map", "higher"),
                    ("calibration error", "ece", "lower"),
                    ("suggested per poster", "per_poster", ""),
                    ("suggestions right", "precision", "higher"),
                    ("flagged", "disagrees", ""),
                )
            ],
        ),
    ]
    genres = list(dict.fromkeys([*ma["per_genre"], *mb["per_genre"]]))
    parts += [
        "<h4>Per genre</h4>",
        _table(
            ["genre", "AP A", "AP B", "B − A", "F1 A", "F1 B"],
            [
                [
                    escape(g),
                    num(_genre(ma, g, "ap")),
                    num(_genre(mb, g, "ap")),
                    delta(_genre(mb, g, "ap"), _genre(ma, g, "ap"), "higher" if same_test else ""),
                    num(_genre(ma, g, "f1")),
                    num(_genre(mb, g, "f1")),
                ]
                for g in genres
            ],
        ),
    ]
    da, db = a.get("training_data") or {}, b.get("training_data") or {}
    if same_test and da.get("fingerprint") != db.get("fingerprint"):
        parts.append(
            '<p class="note">Each version is measured on its own test split, and they were '
            f"trained on different data ({da.get('posters', '?')} and "
            f"{db.get('posters', '?')} posters): read small changes with care.</p>"
        )
    return "".join(parts)
