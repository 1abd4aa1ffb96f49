"""Accuracy and trustworthiness of the default model on its test split, beside both baselines.

    python bench/accuracy.py [--workspace DIR | --data ../shared/data] [--model VERSION]

Imports the real data set into a temporary workspace (about 15 s) unless one is given, then
evaluates the active model (on a fresh workspace: the default model shipped in
``models/``) on the titles of its own test split.  The baselines are fitted on the same
model's training titles, with thresholds tuned on its validation titles: the genre prior
(every poster scores each genre's frequency) and a logistic regression on colour
histograms, both calibrated and cut on validation like the model.  Judge by macro-F1 and
mAP (Drama and Comedy inflate micro-F1), and by the figures curators live with: ECE
(calibration error), suggestions per poster and the share that are right, and the share of
posters flagged as disagreeing.  The goals of the model-trust work are printed with each
figure.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _ml_data import DEFAULT_DATA, real_workspace

from poster_tool.core.ml.metrics import comparison_lines, interval_line
from poster_tool.core.ml.predict import evaluate_model
from poster_tool.core.progress import run_job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", help="an existing workspace (default: import --data)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", help="model version (default: the active one)")
    args = parser.parse_args()
    ws = real_workspace(args.workspace, args.data, None)
    with ws.store() as store:
        report = run_job(evaluate_model(ws, store, args.model))
    print(f"model {report['version']}: {report['n_test']} held-out posters ({report['source']})")
    print("\n".join(comparison_lines(report["model"], report["baselines"])))
    model = report["model"]
    sugg = model.get("suggestions") or {}
    prior = (report["baselines"] or {}).get("prior", {})
    goals = [
        ("macro-F1 >= 0.36", model["macro_f1"], model["macro_f1"] >= 0.36),
        ("mAP >= 0.36", model["map"], model["map"] >= 0.36),
        (
            "micro-F1 above the prior's",
            model["micro_f1"],
            model["micro_f1"] > prior.get("micro_f1", 1.0),
        ),
        (
            "suggestions per poster <= 2.5",
            sugg.get("per_poster"),
            (sugg.get("per_poster") or 99) <= 2.5,
        ),
        (
            "precision of suggestions >= 0.5",
            sugg.get("precision"),
            (sugg.get("precision") or 0) >= 0.5,
        ),
        (
            "flagged as disagreeing <= 0.15",
            model.get("disagrees"),
            (model.get("disagrees") or 1) <= 0.15,
        ),
    ]
    print(interval_line(model))
    print("goals:")
    for name, value, met in goals:
        shown = "–" if value is None else f"{value:.3f}"
        print(f"  {name:<34} {shown:>6}  {'met' if met else 'NOT met'}")
    if model.get("ece") is not None:
        print(f"  calibration error (ECE)            {model['ece']:.3f}")
    for name, s in (report["baselines"] or {}).items():
        print(
            f"model / {name}: macro-F1 x{model['macro_f1'] / max(s['macro_f1'], 1e-9):.2f}, "
            f"mAP x{model['map'] / max(s['map'], 1e-9):.2f}"
        )
    print("per genre (test positives, AP model / prior / colour):")
    for genre, g in report["model"]["per_genre"].items():
        if not g["support"]:
            continue
        extra = ""
        if report["baselines"]:
            prior = report["baselines"]["prior"]["per_genre"][genre]["ap"]
            colour = report["baselines"]["colour_histogram"]["per_genre"][genre]["ap"]
            extra = f" / {prior:.3f} / {colour:.3f}"
        print(f"  {genre:<12} {g['support']:4d}  {g['ap']:.3f}{extra}")


if __name__ == "__main__":
    main()
