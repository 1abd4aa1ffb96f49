"""Shared pytest set-up: Qt runs offscreen unless ``--headed`` is given."""

from __future__ import annotations

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
