"""Catalog scoring throughput: ``score_catalog`` against the bare network on tensors.

    python bench/predict_bench.py [--workspace DIR | --data ../shared/data] [--posters 1024]
        [--model VERSION]

Scores the catalog with the active model (on a fresh workspace: the default model shipped
in ``models/``) through the product's path (decode, transform, forward, writing scores,
labels and embeddings to the catalog), then times the same network (batch norms folded, as
scoring runs it) on random uint8 tensors of the same shape in the same run, and the network
as trained (norms apart), rounds interleaved.  Prints the best round's posters/s of each and
the ratio of the first two.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from _ml_data import DEFAULT_DATA, real_workspace

from poster_tool.core.ml.predict import score_catalog, scoring_network
from poster_tool.core.ml.registry import Registry, load_network
from poster_tool.core.progress import run_job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", help="an existing workspace (default: import --data)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--posters", type=int, default=1024, help="posters to import")
    parser.add_argument("--model", help="model version (default: the active one)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, help="decoding processes (default: the product's)")
    args = parser.parse_args()
    ws = real_workspace(args.workspace, args.data, args.posters)
    with ws.store() as store:
        info = Registry(ws, store).require_active(args.model)
    nets = {"folded": scoring_network(info, torch.device("cpu")), "plain": load_network(info)}
    x = torch.randint(0, 256, (args.batch_size, 3, *info.input_size), dtype=torch.uint8)

    def bare(n: int, kind: str = "folded") -> float:
        net = nets[kind]
        with torch.inference_mode():
            start = time.perf_counter()
            for _ in range(0, n, len(x)):
                net.head(net.embed(x))
            return n / (time.perf_counter() - start)

    bare(len(x))  # warm-up
    # Rounds interleaved, best of each: other processes on the machine only slow a round down.
    products, bares, plains = [], [], []
    for _ in range(args.rounds):
        result = run_job(score_catalog(ws, args.model, True, "auto", args.batch_size, args.workers))
        products.append(result.scored / result.seconds)
        # Four batches give the network's steady rate; more only lengthen a round.
        bares.append(bare(min(result.scored, 256)))
        plains.append(bare(min(result.scored, 256), "plain"))
    print(
        f"model {info.version} ({info.backbone}, {info.input_size[0]}x{info.input_size[1]}), "
        f"{torch.get_num_threads()} torch threads, {result.scored} posters"
    )
    print(
        f"score_catalog (model load, decoding, catalog writes): {max(products):6.1f} posters/s "
        f"(rounds {', '.join(f'{r:.1f}' for r in products)})"
    )
    print(
        f"the bare network on uint8 tensors in memory         : {max(bares):6.1f} posters/s "
        f"(rounds {', '.join(f'{r:.1f}' for r in bares)})"
    )
    print(
        f"the same, batch norms not folded                   : {max(plains):6.1f} posters/s "
        f"(rounds {', '.join(f'{r:.1f}' for r in plains)})"
    )
    print(f"ratio score_catalog/bare network: {max(products) / max(bares):.2f}")


if __name__ == "__main__":
    main()
