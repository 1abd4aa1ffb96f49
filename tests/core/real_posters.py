"""A workspace of the first real posters of the shared data set (for the model tests)."""

from __future__ import annotations

import csv
from pathlib import Path

from poster_tool.core.importers import import_csv
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace


def real_workspace(real_subset: Path, folder: Path, n: int) -> Workspace:
    """Import the first ``n`` posters of the ``real_subset`` manifest into ``folder/ws``."""
    manifest = folder / "posters.csv"
    with real_subset.open(encoding="utf-8") as src:
        rows = list(csv.DictReader(src))[:n]
    with manifest.open("w", encoding="utf-8", newline="") as dst:
        writer = csv.DictWriter(dst, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    ws = Workspace.open(folder / "ws")
    with ws.store() as store:
        run_job(import_csv(ws, store, manifest))
    return ws
