"""Jobs run by a child poster-tool: progress relayed, result returned, errors and cancel."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from poster_tool.core.child import run_command
from poster_tool.core.errors import PosterToolError
from poster_tool.core.progress import Progress
from poster_tool.core.workspace import Workspace
from tests.synthetic import jpeg_bytes


def manifest(folder: Path, n: int) -> Path:
    lines = ["id,title,year,genres,path"]
    for i in range(n):
        (folder / f"{i}.jpg").write_bytes(jpeg_bytes(pattern=i))
        lines.append(f"c{i},Title {i},2001,Drama,{i}.jpg")
    path = folder / "m.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_childs_progress_and_json_result_come_back(tmp_path: Path) -> None:
    csv = manifest(tmp_path, 5)
    job = run_command(["--workspace", str(tmp_path / "ws"), "import-csv", str(csv), "--json"])
    reports: list[Progress] = []
    try:
        while True:
            reports.append(next(job))
    except StopIteration as stop:
        result = stop.value
    assert result["posters"]["new"] == 5
    assert reports and reports[-1].done == reports[-1].total == 5
    assert Workspace.open(tmp_path / "ws").store().stats()["posters"]["total"] == 5


def test_the_childs_one_line_error_becomes_the_jobs_error(tmp_path: Path) -> None:
    job = run_command(["--workspace", str(tmp_path / "ws"), "import-csv",
                       str(tmp_path / "missing.csv"), "--json"])  # fmt: skip
    with pytest.raises(PosterToolError, match=r"^cannot read .*missing\.csv"):
        list(job)


def test_closing_the_job_stops_the_child_and_keeps_what_it_committed(tmp_path: Path) -> None:
    csv = manifest(tmp_path, 200)
    job = run_command(["--workspace", str(tmp_path / "ws"), "import-csv", str(csv), "--json"])
    next(job)  # the child is running
    started = time.monotonic()
    job.close()
    assert time.monotonic() - started < 10
    store = Workspace.open(tmp_path / "ws").store()
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.stats()["posters"]["total"] < 200
