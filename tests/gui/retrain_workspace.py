"""A tiny trainable workspace for the Retrain tests: 36 synthetic posters, a base model.

Twelve titles of three synthetic posters each, colours loosely tied to genres; a tiny full
model (the ML tests' ``TINY`` run: 64×48 input, two epochs, no ImageNet weights) is trained
once per test module and made active, and each test works on its own copy.  Test modules
import the ``trained`` and ``ws`` fixtures from here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from poster_tool.core.ml.config import TrainConfig
from poster_tool.core.ml.train import fit
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace
from poster_tool.gui.main_window import MainWindow
from poster_tool.gui.settings import Settings
from tests.core.test_ml_training import TINY  # also sets torch to one thread
from tests.gui.conftest import fill

__all__ = ["TINY"]

GENRES = (
    ("Drama", "Comedy"),
    ("Horror",),
    ("Comedy",),
    ("Drama", "Horror"),
    ("Action",),
    ("Comedy", "Action"),
)
COLOURS = {
    "Drama": (60, 90, 160),
    "Comedy": (250, 200, 60),
    "Horror": (20, 20, 20),
    "Action": (220, 60, 30),
}


def titles() -> list[tuple]:
    """Twelve titles, three posters each, in ``tests.gui.conftest.fill``'s shape."""
    out = []
    for n in range(12):
        genres = GENRES[n % len(GENRES)]
        base = COLOURS[genres[0]]
        colours = [tuple(min(255, c + 25 * k) for c in base) for k in range(3)]
        out.append((f"Film {n}", None, 2000 + n, genres, colours))
    return out


def build(root: Path) -> tuple[Workspace, str]:
    """A workspace at ``root`` with a tiny active model; returns it and the model version."""
    workspace = Workspace.open(root)
    with workspace.store() as store:
        fill(workspace, store, titles())
    result = run_job(fit(workspace, TrainConfig(**TINY)))
    return workspace, result.version


def copy(trained: tuple[Workspace, str], into: Path) -> tuple[Workspace, str]:
    """A private copy of a built workspace."""
    workspace, version = trained
    shutil.copytree(workspace.root, into)
    return Workspace.open(into), version


@pytest.fixture(scope="module", name="trained")
def trained_fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    """A built workspace, once per test module."""
    return build(tmp_path_factory.mktemp("retrain") / "ws")


@pytest.fixture(name="ws")
def ws_fixture(trained: tuple[Workspace, str], tmp_path: Path) -> tuple[Workspace, str]:
    """This test's own copy of the built workspace and its active version."""
    return copy(trained, tmp_path / "ws")


def open_window(qtbot, workspace: Workspace, settings: Settings) -> MainWindow:
    """The main window on ``workspace``, shown."""
    win = MainWindow(workspace, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.grid.selected_ids() != [])
    return win


def text_of(widget: QWidget) -> str:
    """A label's or browser's text, whichever the widget has."""
    for getter in ("toPlainText", "text"):
        if hasattr(widget, getter):
            return str(getattr(widget, getter)())
    raise TypeError(widget)
