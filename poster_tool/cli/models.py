"""Model subcommands: train, predict, evaluate, and models list / activate / rollback.

torch loads inside the handlers, so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from poster_tool.cli.common import open_store, print_json, run_with_progress
from poster_tool.core.errors import PosterToolError
from poster_tool.core.ml.config import BACKBONE_NAMES, DEFAULT_BACKBONE, FREEZE_ALL


def _freeze(text: str) -> int:
    """``--freeze``: a number of layers, or ``all``."""
    if text == "all":
        return FREEZE_ALL
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of layers or 'all', not {text!r}"
        ) from None


def _size(text: str) -> tuple[int, int]:
    try:
        height, width = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("use HEIGHTxWIDTH, e.g. 224x160") from None
    if not (32 <= height <= 1024 and 32 <= width <= 1024):
        raise argparse.ArgumentTypeError("each side must lie between 32 and 1024 pixels")
    return height, width


def register(sub: argparse._SubParsersAction) -> None:
    """Add the model subcommands."""
    p = sub.add_parser("train", help="train the genre-feel model on the catalog")
    p.add_argument(
        "--quick", action="store_true", help="retrain the head only, on cached embeddings (seconds)"
    )
    p.add_argument(
        "--epochs", type=int, help="passes over the training posters (default 12 full, 80 quick)"
    )
    p.add_argument(
        "--backbone",
        choices=BACKBONE_NAMES,
        default=DEFAULT_BACKBONE,
        help=f"network for a full run (default {DEFAULT_BACKBONE})",
    )
    p.add_argument(
        "--freeze",
        type=_freeze,
        metavar="N|all",
        help="full run: keep the first N feature layers frozen and train the rest on their "
        "cached output (default for EfficientNet-Lite from ImageNet: all, the head alone trains; "
        "0 trains every layer)",
    )
    p.add_argument(
        "--taps",
        type=int,
        metavar="N",
        help="EfficientNet-Lite: pool the last N feature layers into the embedding (default 4)",
    )
    p.add_argument(
        "--head-hidden",
        type=int,
        metavar="N",
        help="full run: a head with a hidden layer of N units (0: one linear layer; "
        "default 512 for EfficientNet-Lite, 0 for the others)",
    )
    p.add_argument(
        "--views",
        type=int,
        default=1,
        help="full run with frozen layers: views per training poster, the plain one and "
        "augmented ones; each costs a pass of the frozen layers (default 1)",
    )
    p.add_argument("--size", type=_size, metavar="HxW", help="input size (default 288x208)")
    p.add_argument("--batch-size", type=int, default=32, help="images per step (default 32)")
    p.add_argument(
        "--lr", type=float, help="peak learning rate of the head (default 1e-3 full, 1e-2 quick)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the split and the run")
    p.add_argument("--device", default="auto", help="auto (CUDA, MPS, else CPU), cpu, cuda, mps")
    p.add_argument("--workers", type=int, help="data-loading processes (default: cores - 1)")
    p.add_argument(
        "--cache-mb",
        type=int,
        default=2048,
        help="decode the posters once into at most this much memory (0: every epoch)",
    )
    p.add_argument(
        "--patience",
        type=int,
        default=6,
        help="stop after this many epochs without a better validation mAP",
    )
    p.add_argument(
        "--pretrained",
        choices=("cache", "download", "none"),
        default="cache",
        help="ImageNet weights: from the torch hub cache when there (default), "
        "also try downloading them, or never",
    )
    p.add_argument("--base", metavar="VERSION", help="quick: the model whose trunk to reuse")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the last unfinished full run from its checkpoint",
    )
    p.add_argument("--name", metavar="VERSION", help="name of the new version")
    p.add_argument("--no-activate", action="store_true", help="register without activating")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="score images, or the catalog, with a model")
    p.add_argument(
        "images",
        nargs="*",
        metavar="IMAGE",
        help="image files (without any: score the catalog's unscored posters)",
    )
    p.add_argument("--model", metavar="VERSION", help="model version (default: the active one)")
    p.add_argument(
        "--all", action="store_true", help="catalog: rescore posters already scored by this model"
    )
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument(
        "--batch-size", type=int, default=64, help="catalog: posters per batch (default 64)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="a model's test-split metrics beside both baselines")
    p.add_argument("--model", metavar="VERSION", help="model version (default: the active one)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_evaluate)

    models = sub.add_parser("models", help="list, activate or roll back model versions")
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    p = msub.add_parser("list", help="model versions with their test metrics")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_models_list)
    p = msub.add_parser("activate", help="make a version the one that predicts")
    p.add_argument("version")
    p.set_defaults(func=cmd_models_activate)
    p = msub.add_parser("rollback", help="go back to the previously active version")
    p.set_defaults(func=cmd_models_rollback)
    p = msub.add_parser(
        "errors", help="the test posters a version got most wrong, worst first (label or model?)"
    )
    p.add_argument("version", nargs="?", help="model version (default: the active one)")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50, 0: all)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_models_errors)


def _reports() -> bool:
    """Whether this process prints: under torchrun rank 0 alone does, the other ranks
    train or score their share silently."""
    return os.environ.get("RANK", "0") == "0"


def cmd_train(args: argparse.Namespace) -> int:
    from poster_tool.core.ml.config import TrainConfig
    from poster_tool.core.ml.train import fit

    ws, store = open_store(args)
    config = TrainConfig(
        quick=args.quick,
        backbone=args.backbone,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        device=args.device,
        workers=args.workers,
        cache_mb=args.cache_mb,
        freeze=args.freeze,
        taps=args.taps,
        hidden=args.head_hidden,
        views=args.views,
        patience=args.patience,
        pretrained=args.pretrained,
        base=args.base,
        resume=args.resume,
        version=args.name,
        activate=not args.no_activate,
        **({"input_size": args.size} if args.size else {}),
    )
    quiet = args.json or not _reports()
    with store:  # the run's one connection
        result = run_with_progress(fit(ws, config, store), quiet=quiet)
    if not result.version:  # a non-zero rank under torchrun: rank 0 reports
        return 0
    if args.json:
        print_json(result.to_dict())
    else:
        print("\n".join(result.lines()))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from poster_tool.core.ml.predict import predict_images, score_catalog

    ws, store = open_store(args)
    if args.images:
        results = predict_images(ws, store, args.images, version=args.model, device=args.device)
        if args.json:
            print_json(results)
        else:
            for r in results:
                top = sorted(r["scores"].items(), key=lambda kv: -kv[1])[:3]
                print(
                    f"{r['path']}: {', '.join(r['genres']) or '(no genre)'}  [top: "
                    + ", ".join(f"{g} {s:.2f}" for g, s in top)
                    + "]"
                )
        return 0
    store.close()
    result = run_with_progress(
        score_catalog(ws, args.model, args.all, args.device, args.batch_size),
        quiet=args.json or not _reports(),
    )
    if not _reports():
        return 0
    if args.json:
        print_json(result.to_dict())
    else:
        print(result.line())
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from poster_tool.core.ml.metrics import comparison_lines, interval_line
    from poster_tool.core.ml.predict import evaluate_model

    ws, store = open_store(args)
    report = run_with_progress(evaluate_model(ws, store, args.model, args.device), quiet=args.json)
    if args.json:
        print_json(report)
        return 0
    print(f"model {report['version']} on {report['n_test']} held-out posters ({report['source']})")
    print("\n".join(comparison_lines(report["model"], report["baselines"])))
    print(interval_line(report["model"]))
    if not report["baselines"]:
        print("(no baselines: this catalog lacks the model's training titles to fit them on)")
    return 0


def _model_row(info: Any, active: str | None) -> dict[str, Any]:
    metrics = info.meta.get("metrics", {}).get("model", {})
    return {
        "version": info.version,
        "active": info.version == active,
        "bundled": info.bundled,
        "kind": info.meta.get("kind"),
        "backbone": info.backbone,
        "created_at": info.meta.get("created_at"),
        "pretrained": info.meta.get("pretrained"),
        "genres": len(info.genres),
        "micro_f1": metrics.get("micro_f1"),
        "macro_f1": metrics.get("macro_f1"),
        "map": metrics.get("map"),
        "path": str(info.path),
    }


def cmd_models_list(args: argparse.Namespace) -> int:
    from poster_tool.core.ml.registry import Registry

    ws, store = open_store(args)
    registry = Registry(ws, store)
    active = registry.active()
    rows = [_model_row(m, active.version if active else None) for m in registry.list()]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no models yet: train one with 'poster-tool train'")
    for r in rows:
        mark = "*" if r["active"] else " "
        where = " (bundled)" if r["bundled"] else ""
        print(
            f"{mark} {r['version']:<28} {r['kind'] or '?':<5} {r['backbone']:<18} "
            f"macro-F1 {r['macro_f1'] or 0:.3f}  mAP {r['map'] or 0:.3f}  "
            f"{(r['created_at'] or '')[:16]}{where}"
        )
    return 0


def cmd_models_activate(args: argparse.Namespace) -> int:
    from poster_tool.core.ml.registry import Registry

    ws, store = open_store(args)
    info = Registry(ws, store).activate(args.version)
    print(f"model {info.version} is now active; run 'poster-tool predict' to rescore the catalog")
    return 0


def cmd_models_rollback(args: argparse.Namespace) -> int:
    from poster_tool.core.ml.registry import Registry

    ws, store = open_store(args)
    info = Registry(ws, store).rollback()
    if info is None:
        raise PosterToolError("rolled back: no model is active now")
    print(f"rolled back: model {info.version} is active")
    return 0


def cmd_models_errors(args: argparse.Namespace) -> int:
    from poster_tool.core.ml.mistakes import model_mistakes

    ws, store = open_store(args)
    mistakes = run_with_progress(
        model_mistakes(ws, store, args.version, args.limit), quiet=args.json
    )
    if args.json:
        print_json([m.to_dict() for m in mistakes])
        return 0
    if not mistakes:
        print("no test poster of this model has labels in the catalog now")
    for m in mistakes:
        print(m.line())
    return 0
