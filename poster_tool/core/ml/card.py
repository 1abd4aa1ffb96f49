"""The model card: a short markdown account of a model, written beside its weights."""

from __future__ import annotations

from typing import Any


def _row(name: str, scores: dict[str, Any]) -> str:
    return (
        f"| {name} | {scores['micro_f1']:.3f} | {scores['macro_f1']:.3f} | "
        f"{scores['samples_f1']:.3f} | {scores['map']:.3f} |"
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
        f"- Backbone: torchvision `{meta['backbone']}` with a {len(meta['genres'])}-genre "
        "multi-label head (sigmoid per genre)",
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
        "Per-genre decision thresholds are tuned for F1 on the validation split, for the model "
        "and both baselines alike. Judge by macro-F1 and mAP: the frequent genres (Drama, "
        "Comedy) inflate micro-F1.",
        "",
        "| | micro-F1 | macro-F1 | samples-F1 | mAP |",
        "|---|---|---|---|---|",
        _row("this model", test),
        _row("genre prior", base["prior"]),
        _row("colour-histogram logistic regression", base["colour_histogram"]),
        "",
        "| genre | test positives | AP | F1 | AP (prior) | AP (colour) | threshold |",
        "|---|---|---|---|---|---|---|",
    ]
    for genre, g in test["per_genre"].items():
        prior = base["prior"]["per_genre"][genre]["ap"]
        colour = base["colour_histogram"]["per_genre"][genre]["ap"]

        def fmt(x: float | None) -> str:
            return "–" if x is None else f"{x:.3f}"

        lines.append(
            f"| {genre} | {g['support']} | {fmt(g['ap'])} | {g['f1']:.3f} | "
            f"{fmt(prior)} | {fmt(colour)} | {meta['thresholds'][genre]:.3f} |"
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
