"""A small catalog for the preview tests: one title with a horror and a family look."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from poster_tool.core.personalize.profiles import create_profile
from tests.core.personalize_catalog import CatalogBuilder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace


@dataclass
class World:
    """The workspace, its store, and the ids the tests look at."""

    workspace: Workspace
    store: PosterStore
    twofold: int  # a Horror/Family title
    calm: int  # a Drama title with a single poster
    default: int  # Twofold's default: a mixed feel
    horror: int  # approved, horror feel
    family: int  # approved, family feel
    sensitive: int  # the strongest horror feel, but sensitive
    rejected: int  # a stronger horror feel than ``horror``, but rejected


def build_world(root: Path) -> World:
    """Two titles; profiles ``horror`` (likes Horror) and ``family`` (likes Family)."""
    from poster_tool.core.workspace import Workspace

    workspace = Workspace.open(root)
    store = workspace.store()
    build = CatalogBuilder(workspace, store)
    twofold = build.title("Twofold", ["Horror", "Family"], year=2021)
    default = build.poster(twofold, model={"Horror": 0.4, "Family": 0.4}, default=True)
    horror = build.poster(twofold, model={"Horror": 0.7})
    family = build.poster(twofold, model={"Family": 0.8})
    sensitive = build.poster(twofold, model={"Horror": 0.95}, sensitive="gore")
    rejected = build.poster(twofold, status="rejected", model={"Horror": 0.9})
    calm = build.title("Calm", ["Drama"], year=2019)
    build.poster(calm, default=True)
    create_profile(store, "horror", likes=["Horror"])
    create_profile(store, "family", likes=["Family"])
    return World(workspace, store, twofold, calm, default, horror, family, sensitive, rejected)


@pytest.fixture(name="world")
def world_fixture(tmp_path: Path) -> Iterator[World]:
    """The preview tests' catalog as the fixture ``world`` (import it into a test module)."""
    built = build_world(tmp_path / "ws")
    yield built
    built.store.close()
