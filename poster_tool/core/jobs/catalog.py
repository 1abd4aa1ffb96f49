"""The jobs a child process runs (see :mod:`poster_tool.core.jobs`): each takes the JSON
request and is a generator of progress that returns a JSON-ready result."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from poster_tool.core.progress import Progress
from poster_tool.core.workspace import Workspace

JobFn = Callable[[dict[str, Any]], Generator[Progress, None, Any]]


def score(request: dict[str, Any]) -> Generator[Progress, None, dict[str, Any]]:
    """Score the catalog (``workspace``, ``version``, ``rescore``, ``device``)."""
    from poster_tool.core.ml.predict import score_catalog

    workspace = Workspace.open(request["workspace"], create=False)
    result = yield from score_catalog(
        workspace,
        version=request.get("version"),
        rescore=bool(request.get("rescore")),
        device=request.get("device", "auto"),
    )
    return result.to_dict()


def train(request: dict[str, Any]) -> Generator[Progress, None, dict[str, Any]]:
    """Train a candidate model (``workspace``, ``config``: a ``TrainConfig.to_dict()``)."""
    from poster_tool.core.ml.config import TrainConfig
    from poster_tool.core.ml.retrain import train_candidate

    workspace = Workspace.open(request["workspace"], create=False)
    candidate = yield from train_candidate(workspace, TrainConfig.from_dict(request["config"]))
    return candidate.to_dict()


def check_model(request: dict[str, Any]) -> Generator[Progress, None, dict[str, Any]]:
    """Load a version's network (``workspace``, ``version``) and let it go: a version whose
    weights cannot load is refused before it becomes active."""
    from poster_tool.core.ml.registry import Registry, load_network

    workspace = Workspace.open(request["workspace"], create=False)
    version = str(request["version"])
    yield Progress("check", message=f"loading model {version}")
    with workspace.store() as store:
        info = Registry(workspace, store).get(version)
    load_network(info)
    return {"version": info.version}


def test_scores(request: dict[str, Any]) -> Generator[Progress, None, dict[str, Any]]:
    """A model version's scores on its test posters (``workspace``, ``version``), saved
    beside it for next time."""
    from poster_tool.core.ml.predict import score_test_split

    workspace = Workspace.open(request["workspace"], create=False)
    return (yield from score_test_split(workspace, request["version"]))


def describe(request: dict[str, Any]) -> Generator[Progress, None, dict[str, Any]]:
    """What this machine offers a run: each device choice described, and for each backbone
    what is missing to start from ImageNet (``None``: nothing)."""
    from poster_tool.core.ml.network import BACKBONES, describe_device, imagenet_available

    yield Progress("describe", message="looking at this machine")
    return {
        "devices": {c: describe_device(c) for c in request.get("devices", ["auto"])},
        "weights": {name: imagenet_available(name) for name in BACKBONES},
    }


JOBS: dict[str, JobFn] = {
    "score": score,
    "train": train,
    "check_model": check_model,
    "describe": describe,
    "test_scores": test_scores,
}
