"""Retrain errors reach the curator as one plain sentence in the dock, and change nothing:
no labelled data, a GPU asked for but absent, a corrupt image, running out of memory."""

from __future__ import annotations

import pytest
import torch

from poster_tool.core.ml import full
from poster_tool.core.ml.config import TrainConfig
from poster_tool.core.ml.registry import Registry
from poster_tool.core.ml.retrain import train_candidate
from poster_tool.core.workspace import Workspace
from poster_tool.gui.retrain.train_dialog import RetrainDock
from tests.gui import retrain_workspace as rw
from tests.gui.retrain_workspace import trained_fixture, ws_fixture  # noqa: F401

RUN_MS = 90_000


def state(workspace: Workspace) -> tuple[str | None, set[str]]:
    """The active version and every version folder: what an error must leave alone."""
    with workspace.store() as store:
        info = Registry(workspace, store).active()
    folders = {p.name for p in workspace.models_dir.iterdir() if not p.name.startswith(".")}
    return (info.version if info else None), folders


def failed_run(
    qtbot,
    workspace: Workspace,
    settings,
    full: bool = True,
    device: str | None = None,
    in_process: bool = False,
) -> RetrainDock:
    """Open the dock, start a run that is expected to fail, wait for it to end.

    :param in_process: train in this process (where a test can plant a fault), not a child
    """
    win = rw.open_window(qtbot, workspace, settings)
    dock = win.show_retrain()
    dock.base_config = TrainConfig(**rw.TINY)
    if in_process:
        dock.run_job = train_candidate
    (dock.full if full else dock.quick).setChecked(True)
    if device is not None:
        dock.device.setCurrentIndex(dock.device.findData(device))
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_MS) as finished:
        assert dock.start()
    assert finished.args == [False]
    assert dock.message.isVisible() and "Traceback" not in dock.message.text()
    assert dock.start_button.isEnabled()  # ready for another go
    return dock


def test_too_little_labelled_data_is_explained(qtbot, catalog, settings) -> None:
    before = state(catalog.workspace)
    dock = failed_run(qtbot, catalog.workspace, settings)
    text = dock.message.text()
    assert "only 8 usable posters" in text and "at least 16" in text
    assert "active model is as it was" in text
    assert state(catalog.workspace) == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_a_gpu_asked_for_but_absent_is_explained(qtbot, ws, settings) -> None:
    workspace, _ = ws
    before = state(workspace)
    dock = failed_run(qtbot, workspace, settings, device="cuda")
    qtbot.waitUntil(lambda: dock.machine is not None, timeout=RUN_MS)  # a child looks
    assert "no CUDA GPU" in dock.device_label.text()
    assert "the device 'cuda' is not available on this machine" in dock.message.text()
    assert state(workspace) == before


def test_a_corrupt_image_is_named_and_nothing_changes(qtbot, ws, settings) -> None:
    workspace, _ = ws
    with workspace.store() as store:
        poster_id, path = store._run("SELECT id, path FROM posters ORDER BY id").fetchone()
    broken = workspace.image_path(path)
    broken.write_bytes(b"\xff\xd8 this is not a JPEG any more")
    before = state(workspace)
    dock = failed_run(qtbot, workspace, settings)
    text = dock.message.text()
    assert "cannot read" in text and broken.name in text
    assert f"That is poster #{poster_id} of \u201cFilm 0\u201d: reject it" in text
    assert state(workspace) == before
    with workspace.store() as store:
        assert store.runs()[0]["status"] == "failed"


@pytest.mark.parametrize(
    "error",
    [RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"), MemoryError()],
    ids=["cuda", "host"],
)
def test_running_out_of_memory_is_explained(qtbot, ws, settings, monkeypatch, error) -> None:
    workspace, _ = ws

    def exhausted(*args, **kwargs):
        raise error
        yield  # a generator, like the real one

    monkeypatch.setattr(full, "train_one_epoch", exhausted)
    before = state(workspace)
    dock = failed_run(qtbot, workspace, settings, in_process=True)
    text = dock.message.text()
    assert "ran out of memory" in text and "smaller batch size" in text
    assert "Error" not in text  # no exception class names, no traceback
    assert state(workspace) == before
