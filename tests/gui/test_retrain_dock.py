"""The Retrain dock: a run streams progress into the chart, cancels cleanly, and its model is
activated (the catalog re-scored, the grid updated in place) or discarded."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import Qt

from poster_tool.core.ml.config import TrainConfig
from poster_tool.core.ml.registry import Registry
from poster_tool.core.ml.retrain import train_candidate
from poster_tool.core.workspace import Workspace
from poster_tool.gui.common.workers import JobWorker, start
from poster_tool.gui.retrain import train_dialog
from poster_tool.gui.retrain.train_dialog import RetrainDock
from tests.gui import retrain_workspace as rw
from tests.gui.conftest import landed
from tests.gui.retrain_workspace import trained_fixture, ws_fixture  # noqa: F401

RUN_MS = 90_000  # a tiny run takes seconds; CI machines are slow and shared


def dock_for(qtbot, ws, settings, **config) -> RetrainDock:
    win = rw.open_window(qtbot, ws[0], settings)
    dock = win.show_retrain()
    dock.base_config = TrainConfig(**{**rw.TINY, **config})
    return dock


def active_version(workspace: Workspace) -> str:
    with workspace.store() as store:
        info = Registry(workspace, store).active()
        return info.version if info else ""


def versions(workspace: Workspace) -> set[str]:
    return {p.name for p in workspace.models_dir.iterdir() if not p.name.startswith(".")}


def run(qtbot, dock: RetrainDock) -> list:
    """Click Start and wait for the run to end; the ``run_finished`` arguments."""
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_MS) as finished:
        qtbot.mouseClick(dock.start_button, Qt.MouseButton.LeftButton)
    return finished.args


def test_the_worker_signals_every_epoch_and_a_candidate_beside_the_active_model(qtbot, ws) -> None:
    workspace, base = ws
    reports = []
    worker = JobWorker(
        lambda: train_candidate(workspace, TrainConfig(**{**rw.TINY, "quick": True, "epochs": 3}))
    )
    worker.signals.progress.connect(reports.append)
    with qtbot.waitSignal(worker.signals.result, timeout=RUN_MS) as result:
        start(worker)
    candidate = result.args[0]
    epochs = [r.data for r in reports if r.data.get("kind") == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    assert {"train_loss", "val_loss", "val_micro_f1_at_0.5"} <= set(epochs[-1])
    # Registered but not active; the active model scored on the very same test posters.
    assert active_version(workspace) == base
    assert candidate.result.version in versions(workspace)
    assert candidate.active["version"] == base
    assert candidate.active["n_test"] == candidate.result.report["n_test"]


def test_a_full_run_from_the_dock_draws_its_epochs_and_reports_against_the_active_model(
    qtbot, ws, settings
) -> None:
    workspace, base = ws
    dock = dock_for(qtbot, ws, settings)
    qtbot.waitUntil(lambda: dock.machine is not None, timeout=RUN_MS)  # a child looks
    assert "CPU" in dock.device_label.text() or "CUDA" in dock.device_label.text()
    dock.full.setChecked(True)
    dock.epochs.setValue(3)
    assert run(qtbot, dock) == [True]
    assert [x for x, _ in dock.chart.points("train_loss")] == [1, 2, 3]
    assert len(dock.chart.points("val_loss")) == len(dock.chart.points("val_micro_f1_at_0.5")) == 3
    assert dock.bar.value() == dock.bar.maximum()
    report = rw.text_of(dock.report)
    n_train = dock.candidate.result.report["n_train"]
    assert f"Trained on {n_train} posters" in report and "curator corrections" in report
    for row in (f"active ({base})", "genre prior", "colour histogram", "Drama"):
        assert row in report
    assert dock.activate_button.isVisible() and dock.discard_button.isVisible()
    assert active_version(workspace) == base  # nothing changes until Activate
    with workspace.store() as store:
        assert store.runs()[0]["status"] == "finished"


def test_cancel_stops_the_run_and_leaves_the_active_model_untouched(qtbot, ws, settings) -> None:
    workspace, base = ws
    before = versions(workspace)
    dock = dock_for(qtbot, ws, settings, epochs=500)
    dock.full.setChecked(True)
    dock.epochs.setValue(500)
    dock.start()
    qtbot.waitUntil(lambda: dock._epochs_seen >= 1, timeout=RUN_MS)
    with qtbot.waitSignal(dock.run_finished, timeout=10_000) as finished:
        qtbot.mouseClick(dock.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args == [False]
    assert "cancelled" in dock.message.text() and "unchanged" in dock.message.text()
    assert active_version(workspace) == base
    assert versions(workspace) == before
    with workspace.store() as store:
        assert store.runs()[0]["status"] == "cancelled"
    assert dock.start_button.isEnabled() and not dock.cancel_button.isEnabled()


def test_activate_rescores_the_catalog_and_the_grid_updates_in_place(
    qtbot, ws, settings, monkeypatch
) -> None:
    workspace, base = ws
    # A three-epoch model may lose to the active one; the warning is tested below.
    monkeypatch.setattr(train_dialog, "ask_confirm", lambda *args: True)
    dock = dock_for(qtbot, ws, settings)
    win = dock.parentWidget()
    dock.quick.setChecked(True)
    dock.epochs.setValue(3)
    assert run(qtbot, dock) == [True]
    new = dock.candidate.result.version
    win.grid.select_row(2)
    rows = win.model.rowCount()
    resets = []
    win.model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(win.context.rescorer.finished, timeout=RUN_MS) as done:
        qtbot.mouseClick(dock.activate_button, Qt.MouseButton.LeftButton)
    assert done.args[0] is True, done.args
    assert active_version(workspace) == new
    with workspace.store() as store:
        scored = {v for (v,) in store._run("SELECT model_version FROM posters")}
    assert scored == {new}
    # In place: same rows, same selection, no reset; the records show the new model.
    assert (win.model.rowCount(), win.grid.currentIndex().row(), resets) == (rows, 2, [])
    assert {win.model.poster_at(r).model_version for r in win.grid.visible_rows()} == {new}
    assert not dock.activate_button.isVisible()
    assert new in dock.active_label.text()


def test_discard_asks_then_deletes_the_new_model_and_nothing_else(
    qtbot, ws, settings, monkeypatch
) -> None:
    workspace, base = ws
    before = versions(workspace)
    dock = dock_for(qtbot, ws, settings)
    dock.quick.setChecked(True)
    assert run(qtbot, dock) == [True]
    new = dock.candidate.result.version
    assert versions(workspace) == before | {new}
    answers = [False, True]
    asked: list[str] = []
    monkeypatch.setattr(
        train_dialog,
        "ask_confirm",
        lambda parent, title, text, yes: asked.append(text) or answers.pop(0),
    )
    qtbot.mouseClick(dock.discard_button, Qt.MouseButton.LeftButton)  # "Cancel"
    assert versions(workspace) == before | {new} and "cannot be undone" in asked[0]
    qtbot.mouseClick(dock.discard_button, Qt.MouseButton.LeftButton)
    assert versions(workspace) == before
    assert active_version(workspace) == base
    assert "discarded" in dock.message.text()


def test_edits_during_a_run_are_kept_and_count_in_the_next_run(qtbot, ws, settings) -> None:
    workspace, _ = ws
    dock = dock_for(qtbot, ws, settings, epochs=4)
    win = dock.parentWidget()
    dock.full.setChecked(True)
    with workspace.store() as store:
        poster_id = store._run(
            "SELECT id FROM posters WHERE curated_at IS NULL ORDER BY id"
        ).fetchone()[0]
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_MS):
        dock.start()
        qtbot.waitUntil(lambda: dock._epochs_seen >= 1, timeout=RUN_MS)
        win.editor.toggle_genre([poster_id], "Action")  # an edit while the run works
        landed(qtbot, win)
    first = dock.candidate.result
    with workspace.store() as store:
        assert "Action" in store.get_poster(poster_id).genres  # the edit is saved
        first_curated = Registry(workspace, store).get(first.version).meta["training_data"]
    dock.quick.setChecked(True)
    assert run(qtbot, dock) == [True]
    with workspace.store() as store:
        second = Registry(workspace, store).get(dock.candidate.result.version)
    assert second.meta["training_data"]["curated"] == first_curated["curated"] + 1


def test_the_dock_says_when_imagenet_weights_are_missing_and_what_to_install(
    qtbot,
    ws,
    settings,
    monkeypatch,  # noqa: F811
) -> None:
    from poster_tool.core.jobs.catalog import describe
    from poster_tool.core.ml import lite
    from poster_tool.core.progress import run_job

    installed = lite.weights_file()
    dock = dock_for(qtbot, ws, settings)
    qtbot.waitUntil(lambda: dock.machine is not None, timeout=RUN_MS)  # a child looks
    assert dock.weights_label.isHidden() == (installed is not None)
    # What the child would answer on a machine without the weights package:
    monkeypatch.setattr(lite, "weights_file", lambda variant="": None)
    dock._on_machine_described(run_job(describe({"devices": ["auto"]})))
    dock.backbone.setCurrentText("mobilenet_v3_small")
    dock.backbone.setCurrentText("efficientnet_lite0")
    text = dock.weights_label.text()
    assert lite.weights_package("efficientnet_lite0") in text and '".[imagenet]"' in text
    assert "from scratch" in text
    assert not dock.weights_label.isHidden()
    if installed is None:
        return  # the [imagenet] extra is not installed here: nothing more to see
    monkeypatch.setattr(lite, "weights_file", lambda variant="": installed)
    dock._on_machine_described(run_job(describe({"devices": ["auto"]})))
    dock.backbone.setCurrentText("mobilenet_v3_small")
    dock.backbone.setCurrentText("efficientnet_lite0")
    assert dock.weights_label.isHidden()


def test_activating_a_model_that_loses_to_the_active_one_asks_first(
    qtbot, ws, settings, monkeypatch
) -> None:
    workspace, base = ws
    dock = dock_for(qtbot, ws, settings)
    dock.quick.setChecked(True)
    assert run(qtbot, dock) == [True]
    active = dock.candidate.active
    assert active is not None
    # Make the comparison unflattering: the active model is far better on the same posters.
    active["model"] = {**active["model"], "map": 0.99, "macro_f1": 0.99}
    asked: list[str] = []
    monkeypatch.setattr(
        train_dialog, "ask_confirm", lambda parent, title, text, yes: asked.append(text) or False
    )
    dock.activate()
    assert active_version(workspace) == base  # declined: nothing changed
    assert "below the active model" in asked[0] and "mAP" in asked[0]


OPEN_DOCK = """
import sys, time
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from poster_tool.core.workspace import Workspace
from poster_tool.gui.main_window import MainWindow
from poster_tool.gui.settings import Settings
app = QApplication([])
settings = Settings(QSettings(sys.argv[2], QSettings.Format.IniFormat))
settings.curator = "tester"
window = MainWindow(Workspace.open(sys.argv[1]), settings)
window.show()
dock = window.show_retrain()
end = time.monotonic() + 60
while dock.machine is None and time.monotonic() < end:
    app.processEvents()
    time.sleep(0.01)
print(dock.machine is not None, "torch" in sys.modules)
"""


def test_opening_the_dock_never_loads_torch_in_the_windows_process(tmp_path) -> None:
    # Torch on the window's thread froze it for seconds: a child looks at the machine.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", OPEN_DOCK, str(tmp_path / "ws"), str(tmp_path / "settings.ini")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.stdout.split() == ["True", "False"], done.stderr[-2000:]
