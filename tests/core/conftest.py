"""Fixtures for the headless core: workspaces, synthetic images, the real data subset."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from poster_tool.core.store import PosterStore
from poster_tool.core.workspace import Workspace

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def fresh_store() -> PosterStore:
    """An in-memory catalog with the current schema."""
    store = PosterStore(":memory:")
    yield store
    store.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty workspace folder."""
    return Workspace.open(tmp_path / "ws")


@pytest.fixture
def store(workspace: Workspace) -> PosterStore:
    """The catalog of ``workspace``."""
    st = workspace.store()
    yield st
    st.close()


@pytest.fixture(scope="session")
def real_subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manifest of 300 real posters from ../shared/data (absolute paths)."""
    if not (SHARED_DATA / "posters.csv").exists():
        pytest.skip("../shared/data is absent: the real-poster tests need the shared data set")
    out = tmp_path_factory.mktemp("real") / "subset.csv"
    with (SHARED_DATA / "posters.csv").open(encoding="utf-8") as src:
        rows = list(csv.DictReader(src))[:300]
    with out.open("w", encoding="utf-8", newline="") as dst:
        writer = csv.DictWriter(dst, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "path": str(SHARED_DATA / row["path"])})
    return out
