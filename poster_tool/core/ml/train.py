"""Training: ``fit`` runs a full or a quick run and records it in the run log.

``fit`` is a generator of :class:`~poster_tool.core.progress.Progress` that returns a
:class:`TrainResult`; the CLI prints its reports and the retrain job drives it in a child
process.  Two speeds:

* **full** (:mod:`~poster_tool.core.ml.full`) fine-tunes the whole network, with a
  checkpoint after every epoch (resume continues from it), early stopping on validation
  mAP and the best epoch kept;
* **quick** (:mod:`~poster_tool.core.ml.quick`) trains only the head on embeddings cached
  per poster and trunk, so a curator's corrections take effect in seconds.

Both build on :mod:`~poster_tool.core.ml.loop` (an epoch, evaluation, losses, splits) and
end in :mod:`~poster_tool.core.ml.outcome` (calibration, report, the registered version).
Under ``torchrun`` with ``WORLD_SIZE`` > 1 the same entry point trains with
DistributedDataParallel; rank 0 alone writes checkpoints, the model and the run log.
Cancelling (``generator.close()``) between reports never leaves a half-written model:
versions are written to a temporary folder and renamed.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from poster_tool.core.errors import Cancelled
from poster_tool.core.ml.config import TrainConfig
from poster_tool.core.ml.distributed import Distributed
from poster_tool.core.ml.full import fit_full
from poster_tool.core.ml.loop import RunContext
from poster_tool.core.ml.network import backbone
from poster_tool.core.ml.quick import fit_head
from poster_tool.core.ml.results import TrainResult
from poster_tool.core.progress import Progress

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace


def fit(
    workspace: Workspace, config: TrainConfig | None = None, store: PosterStore | None = None
) -> Generator[Progress, None, TrainResult]:
    """Train a model on the catalog, register it and (by default) activate it.

    Without ``store`` it opens (and closes) its own catalog connection, so it can run on a
    worker thread; a caller that has one open for the same thread passes it.

    :raises ModelError: with too little data, an unknown backbone, or nothing to resume
    """
    if store is None:
        with workspace.store() as own:
            return (yield from fit(workspace, config, own))
    config = config or TrainConfig()
    backbone(config.backbone)
    dist = Distributed.from_env()
    device = dist.start(config.device)
    run_id = store.start_run(config.kind, config.backbone, str(device)) if dist.main else 0
    status, message, result = "failed", "", None
    try:
        job = fit_head if config.quick else fit_full
        result = yield from job(RunContext(workspace, store, device, dist), config)
        status = "finished"
        return result
    except (GeneratorExit, Cancelled, KeyboardInterrupt):  # closed, stopped, or Ctrl-C
        status, message = "cancelled", "cancelled by the user"
        raise
    except Exception as exc:
        message = str(exc) or type(exc).__name__
        raise
    finally:
        if dist.main:
            report = result.report if result else {}
            store.finish_run(
                run_id,
                status,
                version=result.version if result else None,
                n_train=report.get("n_train"),
                n_curator=report.get("n_curator"),
                metrics=report.get("model"),
                message=message,
            )
        dist.close()
