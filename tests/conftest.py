"""Shared pytest set-up: Qt runs offscreen unless ``--headed`` is given."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--headed", action="store_true",
                     help="show Qt windows on the screen instead of rendering offscreen")


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--headed"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
