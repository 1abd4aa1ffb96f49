"""Shared by the model benchmarks: a workspace holding (part of) the real data set."""

from __future__ import annotations

import atexit
import csv
import shutil
import tempfile
from pathlib import Path

from poster_tool.core.importers import import_csv
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def real_workspace(workspace: str | None, data: Path, limit: int | None) -> Workspace:
    """``workspace`` when given, else a temporary one with the first ``limit`` posters of
    ``data`` imported (all of them when ``limit`` is None)."""
    if workspace:
        return Workspace.open(workspace, create=False)
    if not (data / "posters.csv").exists():
        raise SystemExit(f"no data set at {data}: pass --data or --workspace")
    folder = Path(tempfile.mkdtemp(prefix="poster-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    manifest = folder / "posters.csv"
    with (data / "posters.csv").open(encoding="utf-8") as src:
        rows = list(csv.DictReader(src))[:limit]
    with manifest.open("w", encoding="utf-8", newline="") as dst:
        writer = csv.DictWriter(dst, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, "path": str((data / r["path"]).resolve())} for r in rows)
    ws = Workspace.open(folder / "ws")
    with ws.store() as store:
        run_job(import_csv(ws, store, manifest))
    return ws
