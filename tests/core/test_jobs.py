"""Jobs run by a child process (core.jobs): progress relayed, result returned, one-line
errors, and a stop that cancels cleanly and at once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from poster_tool.core.errors import Cancelled, PosterToolError
from poster_tool.core.jobs import request_stop, run_child
from poster_tool.core.ml.in_child import describe_machine_in_child, score_catalog_in_child
from poster_tool.core.progress import Progress, run_job
from poster_tool.core.workspace import Workspace
from tests.gui.conftest import fill


def drive(job) -> tuple[list[Progress], object]:
    reports: list[Progress] = []
    try:
        while True:
            reports.append(next(job))
    except StopIteration as stop:
        return reports, stop.value


def test_the_childs_progress_and_json_result_come_back(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    with workspace.store() as store:
        fill(workspace, store)
    reports, result = drive(score_catalog_in_child(workspace))  # the shipped model
    assert result.scored == 8 and result.missing_files == 0
    assert reports and reports[-1].total == 8
    with workspace.store() as store:
        scored = store._run("SELECT count(*) FROM posters WHERE model_version IS NOT NULL")
        assert scored.fetchone()[0] == 8


def test_the_machine_is_described_without_torch_in_this_process(tmp_path: Path) -> None:
    machine = run_job(describe_machine_in_child(["auto", "cpu"]))
    assert machine["devices"]["cpu"].startswith("CPU (")
    assert set(machine["weights"]) >= {"efficientnet_lite0", "resnet18"}


def test_the_childs_one_line_error_becomes_the_jobs_error(tmp_path: Path) -> None:
    job = run_child("score", {"workspace": str(tmp_path / "nowhere")})
    with pytest.raises(PosterToolError, match="nowhere") as caught:
        list(job)
    assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)
    with pytest.raises(PosterToolError, match="unknown job 'juggle'"):
        list(run_child("juggle", {}))


def test_a_stop_request_cancels_the_child_at_once(tmp_path: Path) -> None:
    children = []
    job = run_child("describe", {"devices": ["auto"]}, started=children.append)
    next(job)  # the child is running
    started = time.monotonic()
    request_stop(children[0])
    with pytest.raises(Cancelled, match="stopped on request"):
        list(job)
    assert time.monotonic() - started < 5
    assert children[0].poll() == 130
