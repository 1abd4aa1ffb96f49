"""The window's retrain flow: train a candidate, then score the active model beside it.

The candidate is registered but not activated, so the curator decides (activate or
discard) from a report that puts both models on the *same* held-out posters: the active
model is scored on the candidate's test titles with its own thresholds.  A run that fails
or is cancelled after the candidate was saved removes it again, and errors a user can act
on (out of memory above all) come back as one plain sentence.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from poster_tool.core.errors import ModelError, PosterToolError
from poster_tool.core.ml.calibration import judge
from poster_tool.core.ml.config import TrainConfig
from poster_tool.core.ml.data import label_matrix, load_examples
from poster_tool.core.ml.network import pick_device
from poster_tool.core.ml.quick import cached_embeddings
from poster_tool.core.ml.registry import Registry, load_network
from poster_tool.core.ml.results import Candidate
from poster_tool.core.ml.train import fit
from poster_tool.core.progress import Progress

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.ml.registry import ModelInfo
    from poster_tool.core.workspace import Workspace

OUT_OF_MEMORY = (
    "the run ran out of memory; try a quick retrain, a smaller batch size or backbone, or the CPU"
)


def train_candidate(
    workspace: Workspace, config: TrainConfig
) -> Generator[Progress, None, Candidate]:
    """Train a new version without activating it, then compare the active model with it.

    Opens its own catalog connection (one for the whole run), so it can run on a worker
    thread.

    :raises ModelError: for anything the curator can fix, in plain words
    """
    with workspace.store() as store:
        version = config.version or Registry(workspace, store).new_version(config.kind)
        config = replace(config, version=version, activate=False)
        done = False
        try:
            result = yield from fit(workspace, config, store)
            try:
                new = Registry(workspace, store).get(version)
                active = yield from active_on_test_split(
                    workspace, store, new, result.device, config.workers
                )
                note = "" if active else "there is no other active model to compare with"
            except ModelError as exc:  # the candidate stands on its own
                active, note = None, f"the active model could not be scored: {exc}"
            done = True
            return Candidate(result, active, note)
        except ModelError as exc:
            raise ModelError(_name_poster(workspace, str(exc))) from exc
        except MemoryError as exc:
            raise ModelError(OUT_OF_MEMORY) from exc
        except RuntimeError as exc:
            if "out of memory" in str(exc).lower():  # CUDA and MPS say so in their message
                raise ModelError(OUT_OF_MEMORY) from exc
            raise
        finally:
            if not done:
                _drop(workspace, store, version)


def _name_poster(workspace: Workspace, message: str) -> str:
    """The message, plus which poster it is about when it names a poster's image file (a
    curator knows posters by title, not by file name)."""
    with workspace.store() as store:
        row = store.poster_named_in(message)
    if row is None:
        return message
    return (
        f"{message}. That is poster #{row[0]} of “{row[1]}”: reject it or import it "
        "again, then retrain"
    )


def _drop(workspace: Workspace, store: PosterStore, version: str) -> None:
    """Remove the candidate if it got saved before the run stopped."""
    if not (workspace.models_dir / version).is_dir():
        return
    try:
        Registry(workspace, store).remove(version)
    except PosterToolError:
        pass  # activated meanwhile by someone else: then it is theirs to keep


def active_on_test_split(
    workspace: Workspace,
    store: PosterStore,
    new: ModelInfo,
    device: str = "auto",
    workers: int | None = None,
) -> Generator[Progress, None, dict[str, Any] | None]:
    """The active model's scores on ``new``'s test posters, with its own thresholds.

    ``n_seen`` counts the posters among them whose titles the active model trained or was
    tuned on (its figures flatter it then).  ``None`` without another active model.
    """
    active = Registry(workspace, store).active()
    if active is None or active.version == new.version:
        return None
    test = set(new.split().get("test", []))
    examples = [e for e in load_examples(workspace, store) if e.title_key in test]
    if not examples:
        return None
    split = active.split()
    seen = set(split.get("train", [])) | set(split.get("val", []))
    dev = pick_device(device)
    net = load_network(active, dev)
    vectors = yield from cached_embeddings(
        store, net, active, examples, dev, TrainConfig(workers=workers)
    )
    x = torch.from_numpy(np.stack([vectors[e.poster_id] for e in examples])).to(dev)
    with torch.inference_mode():
        probs = net.probabilities(x).cpu().numpy()
    genres = active.genres
    f1_cuts = [active.f1_thresholds[g] for g in genres]
    cuts = [active.thresholds[g] for g in genres]
    return {
        "version": active.version,
        "n_test": len(examples),
        "n_seen": sum(e.title_key in seen for e in examples),
        "model": judge(
            probs,
            label_matrix(examples, genres),
            f1_cuts,
            cuts,
            genres,
            [active.sure_absent[g] for g in genres],
        ),
    }
