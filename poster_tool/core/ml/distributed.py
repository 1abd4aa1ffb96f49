"""Training and scoring on several GPUs (or CPU processes) under ``torchrun``: one process
per device.

``torchrun --nproc-per-node N -m poster_tool train …`` sets ``WORLD_SIZE``, ``RANK`` and
``LOCAL_RANK``; the same entry point then wraps the network in DistributedDataParallel,
shards the training posters with a DistributedSampler, and lets rank 0 alone write.
``… -m poster_tool predict`` gives every rank its share of the posters to score and
gathers the scores on rank 0, the catalog's one writer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch

from poster_tool.core.ml.network import pick_device

T = TypeVar("T")


@dataclass(frozen=True)
class Distributed:
    """This process's place in a torchrun group (a group of one without torchrun)."""

    world: int = 1
    rank: int = 0
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Whether this process writes (checkpoints, the model, the run log)."""
        return self.rank == 0

    @classmethod
    def from_env(cls) -> Distributed:
        """The process group torchrun describes in the environment."""
        return cls(
            int(os.environ.get("WORLD_SIZE", "1")),
            int(os.environ.get("RANK", "0")),
            int(os.environ.get("LOCAL_RANK", "0")),
        )

    def start(self, requested: str) -> torch.device:
        """Join the process group (NCCL on CUDA, else Gloo); return this process's device."""
        if self.world == 1:
            return pick_device(requested)
        import torch.distributed as td

        if torch.cuda.is_available() and requested in ("auto", "cuda"):
            torch.cuda.set_device(self.local_rank)
            td.init_process_group("nccl")
            return torch.device("cuda", self.local_rank)
        td.init_process_group("gloo")
        return torch.device("cpu")

    def agree(self, flag: bool) -> bool:
        """Rank 0's decision, so every rank stops at the same epoch."""
        if self.world == 1:
            return flag
        import torch.distributed as td

        t = torch.tensor([int(flag)], device="cuda" if td.get_backend() == "nccl" else "cpu")
        td.broadcast(t, 0)
        return bool(t.item())

    def share(self, items: Sequence[T]) -> list[T]:
        """This rank's share of a list every rank holds alike: every ``world``-th item."""
        return list(items[self.rank :: self.world])

    def gather(self, obj: Any) -> list[Any] | None:
        """Every rank's ``obj`` on rank 0, in rank order (``None`` on the other ranks).

        Every rank must call it, the same number of times.
        """
        if self.world == 1:
            return [obj]
        import torch.distributed as td

        out: list[Any] | None = [None] * self.world if self.main else None
        td.gather_object(obj, out, dst=0)
        return out

    def barrier(self) -> None:
        """Wait until every rank gets here."""
        if self.world > 1:
            import torch.distributed as td

            td.barrier()

    def close(self) -> None:
        """Leave the process group."""
        if self.world > 1:
            import torch.distributed as td

            if td.is_initialized():
                td.destroy_process_group()
