"""The model's heavy work as the window runs it: in a child process (:mod:`core.jobs`).

Free of torch, so the window imports it without loading the model stack; the child's JSON
comes back as the same result types an in-process run returns.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

from poster_tool.core.jobs import run_child
from poster_tool.core.ml.results import Candidate, ScoreResult

if TYPE_CHECKING:
    from poster_tool.core.ml.config import TrainConfig
    from poster_tool.core.progress import Progress
    from poster_tool.core.workspace import Workspace


def score_catalog_in_child(
    workspace: Workspace, version: str | None = None, rescore: bool = False, device: str = "auto"
) -> Generator[Progress, None, ScoreResult]:
    """``predict.score_catalog`` in a child.  Cancelling stops the child; the chunks it
    wrote are kept."""
    result = yield from run_child(
        "score",
        {
            "workspace": str(workspace.root),
            "version": version,
            "rescore": rescore,
            "device": device,
        },
    )
    return ScoreResult(**result)


def train_candidate_in_child(
    workspace: Workspace,
    config: TrainConfig,
    started: Callable[[subprocess.Popen], None] | None = None,
) -> Generator[Progress, None, Candidate]:
    """``retrain.train_candidate`` in a child.  Cancelling stops the child; the run is
    recorded as cancelled and the active model is untouched.

    :param started: gets the child process (see :func:`poster_tool.core.jobs.run_child`)
    """
    result = yield from run_child(
        "train", {"workspace": str(workspace.root), "config": config.to_dict()}, started=started
    )
    return Candidate.from_dict(result)


def check_model_in_child(workspace: Workspace, version: str) -> Generator[Progress, None, str]:
    """Load ``version``'s network in a child, as ``Registry.activate`` does before it
    activates; returns the version.

    :raises PosterToolError: in one line, when the model cannot be used
    """
    result = yield from run_child(
        "check_model", {"workspace": str(workspace.root), "version": version}, nice=0
    )
    return str(result["version"])


def describe_machine_in_child(devices: Sequence[str]) -> Generator[Progress, None, dict[str, Any]]:
    """``{"devices": {choice: description}, "weights": {backbone: missing or None}}``."""
    return (yield from run_child("describe", {"devices": list(devices)}, nice=0))
