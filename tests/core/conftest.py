"""Fixtures for the headless core: workspaces, synthetic images, the real data subset, and
posters for the model tests (real ones when the shared data set is there, else generated)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.workspace import Workspace
from tests.core.crawl_helpers import Site
from tests.core.export_sample import build, export_file

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def fresh_store(catalog_engine: str | None) -> PosterStore:
    """An empty catalog with the current schema (in memory, or on the test server)."""
    store = PosterStore(catalog_engine or ":memory:")
    yield store
    store.close()


@pytest.fixture
def site() -> Site:
    """A web site on 127.0.0.1 for crawler tests; routes are added by the test."""
    with Site() as served:
        yield served


@pytest.fixture
def workspace(tmp_path: Path, catalog_engine: str | None) -> Workspace:
    """An empty workspace folder (its catalog on the test server for the [postgresql] runs)."""
    ws = Workspace.open(tmp_path / "ws")
    if catalog_engine:
        ws.set_catalog(catalog_engine)
    return ws


@pytest.fixture
def store(workspace: Workspace) -> PosterStore:
    """The catalog of ``workspace``."""
    st = workspace.store()
    yield st
    st.close()


@pytest.fixture
def exported(workspace: Workspace, store: PosterStore, tmp_path: Path) -> tuple[Path, dict]:
    """An export of the sample catalog, sensitive posters flagged, with its images."""
    build(workspace, store)
    out = tmp_path / "share" / "posters.json"
    out.parent.mkdir()
    data = export_file(workspace, store, out, sensitive="flag", include_images=out.parent / "img")
    return out, data


@pytest.fixture(scope="session")
def real_subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manifest of 300 real posters from ../shared/data (absolute paths)."""
    if not (SHARED_DATA / "posters.csv").exists():
        pytest.skip("../shared/data is absent: the real-poster tests need the shared data set")
    return _real_manifest(tmp_path_factory.mktemp("real"))


def _real_manifest(folder: Path) -> Path:
    out = folder / "subset.csv"
    with (SHARED_DATA / "posters.csv").open(encoding="utf-8") as src:
        rows = list(csv.DictReader(src))[:300]
    with out.open("w", encoding="utf-8", newline="") as dst:
        writer = csv.DictWriter(dst, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "path": str(SHARED_DATA / row["path"])})
    return out


# Generated posters for the model tests on a clean clone: each genre its own hue, so a
# network can learn something from them in two epochs.
SYNTHETIC_GENRES = (
    ("Horror", (30, 10, 20)),
    ("Comedy", (250, 210, 40)),
    ("Drama", (60, 90, 160)),
    ("Action", (220, 60, 20)),
)


@pytest.fixture(scope="session")
def poster_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manifest for the model tests: the real subset when ../shared/data is there, else
    64 generated posters in four genres (so these tests never skip)."""
    if (SHARED_DATA / "posters.csv").exists():
        return _real_manifest(tmp_path_factory.mktemp("real"))
    from tests.synthetic import jpeg_bytes

    folder = tmp_path_factory.mktemp("generated")
    out = folder / "posters.csv"
    with out.open("w", encoding="utf-8", newline="") as dst:
        writer = csv.writer(dst)
        writer.writerow(["id", "title", "year", "genres", "path"])
        for i in range(64):
            genre, (r, g, b) = SYNTHETIC_GENRES[i % len(SYNTHETIC_GENRES)]
            jitter = (i * 7) % 40
            path = folder / f"{i}.jpg"
            path.write_bytes(jpeg_bytes((min(255, r + jitter), g, min(255, b + jitter)), pattern=i))
            writer.writerow([f"g{i}", f"Generated {i}", 2000 + i % 20, genre, str(path)])
    return out
