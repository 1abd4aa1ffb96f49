"""Shared pytest set-up: Qt runs offscreen unless ``--headed`` is given."""

from __future__ import annotations

import contextlib
import os
import tempfile

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--headed",
        action="store_true",
        help="show Qt windows on the screen instead of rendering offscreen",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--headed"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # The app-data folder (default workspace, the workspace shared by window and CLI) of a
    # test run is its own, never the user's.
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="poster-tests-data-")
    os.environ.pop("POSTER_TOOL_WORKSPACE", None)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the test session's PostgreSQL database (see tests/postgres_server.py);
    the test skips, saying why, when no server can be had here."""
    from tests.postgres_server import Unavailable, server

    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(server())
        except Unavailable as exc:
            reason = f"no PostgreSQL server for the team-catalog tests: {exc}"
            if os.environ.get("POSTER_TOOL_REQUIRE_POSTGRES"):  # CI: never a silent skip
                pytest.fail(reason)
            pytest.skip(reason)
        yield url


@pytest.fixture
def postgres_catalog(postgres_server: str) -> str:
    """The URL of the test database, emptied of what earlier tests wrote."""
    from tests.postgres_server import emptied

    return emptied(postgres_server)


# The catalog suite: these modules run on both engines, the embedded SQLite file and a
# PostgreSQL server (tests/postgres_server.py); the rest on SQLite.
BOTH_ENGINES = {
    "test_store",
    "test_power_filters",
    "test_power_filters_cli",
    "test_curation_queries",
    "test_final_genres",
    "test_review",
    "test_near_duplicate_lookup",
    "test_personalize_profiles",
    "test_export_content",
    "test_export_roundtrip",
    "test_export_determinism",
    "test_importers",
    "test_several_curators",
    # the window on a server catalog: the curation keys and the filters
    "test_curation",
    "test_filters",
    "test_live_edits",
    "test_long_edits",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        "catalog_engine" in metafunc.fixturenames
        and metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_ENGINES
    ):
        metafunc.parametrize("catalog_engine", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def catalog_engine(request: pytest.FixtureRequest) -> str | None:
    """The PostgreSQL URL a test's catalog lives in, or ``None`` for SQLite."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return None
    return request.getfixturevalue("postgres_catalog")
