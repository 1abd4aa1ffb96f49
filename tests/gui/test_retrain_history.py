"""Model → Model History: versions listed, two compared, activation and roll-back re-score."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from poster_tool.core.ml.config import TrainConfig
from poster_tool.core.ml.registry import Registry
from poster_tool.core.ml.retrain import train_candidate
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace
from poster_tool.gui.retrain.model_history import ModelHistoryDialog
from poster_tool.gui.retrain.model_report import candidate_html
from tests.gui import retrain_workspace as rw

RUN_MS = 90_000


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str, str]:
    """The base model (active) and a quick candidate (registered, not active)."""
    workspace, base = rw.build(tmp_path_factory.mktemp("history") / "ws")
    candidate = run_job(train_candidate(workspace, TrainConfig(**{**rw.TINY, "quick": True})))
    return workspace, base, candidate.result.version


@pytest.fixture
def history(qtbot, two_versions, tmp_path: Path, settings):
    workspace, base, new = rw.copy(two_versions[:2], tmp_path / "ws") + (two_versions[2],)
    win = rw.open_window(qtbot, workspace, settings)
    dialog = ModelHistoryDialog(win.context, win)
    qtbot.addWidget(dialog)
    return dialog, workspace, base, new


def scored_by(workspace: Workspace) -> set[str]:
    with workspace.store() as store:
        return {v for (v,) in store._run("SELECT model_version FROM posters")}


def test_the_model_menu_offers_the_history(qtbot, two_versions, tmp_path, settings) -> None:
    workspace, _ = rw.copy(two_versions[:2], tmp_path / "ws")
    win = rw.open_window(qtbot, workspace, settings)
    menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Model")
    assert win.act.model_history in menu.actions() and win.act.model_history.isEnabled()
    assert win.act.retrain in menu.actions() and win.act.retrain.isEnabled()


def test_versions_are_listed_newest_first_with_the_active_one_marked(history) -> None:
    dialog, _, base, new = history
    rows = [dialog.versions.topLevelItem(r) for r in range(dialog.versions.topLevelItemCount())]
    listed = [row.text(0) for row in rows]
    assert listed.index(new) < listed.index(base)
    assert rows[listed.index(base)].text(1).startswith("active")
    assert rows[listed.index(new)].text(1) == ""
    statuses = {dialog.runs.topLevelItem(r).text(2) for r in range(dialog.runs.topLevelItemCount())}
    assert statuses == {"finished"}


def test_two_versions_are_compared_genre_by_genre(history) -> None:
    dialog, workspace, base, new = history
    dialog.select(base, new)
    text = dialog.details.toPlainText()
    assert f"A: {base}" in text and f"B: {new}" in text  # the older one is A
    assert "B − A" in text and "Drama" in text and "AP A" in text
    with workspace.store() as store:
        registry = Registry(workspace, store)
        a = registry.get(base).meta["metrics"]["model"]["per_genre"]["Drama"]["ap"]
    assert f"{a:.3f}" in text
    assert "Not comparable" not in text  # a quick run keeps its base's test posters
    assert not dialog.activate_button.isEnabled()  # activation takes exactly one version
    dialog.select(new)
    assert "this model" in dialog.details.toPlainText()
    assert dialog.activate_button.isEnabled()


def test_versions_tested_on_different_posters_are_called_not_comparable(history) -> None:
    dialog, workspace, base, _ = history
    shipped = next(i.version for i in dialog.infos if i.bundled)
    dialog.select(shipped, base)
    text = dialog.details.toPlainText()
    assert "Not comparable" in text and "tested on different posters" in text
    assert "#81c995" not in dialog.details.toHtml()  # no change is coloured as a gain


def test_the_train_counts_agree_between_versions_runs_and_report(history) -> None:
    dialog, workspace, _, new = history
    with workspace.store() as store:
        metrics = Registry(workspace, store).get(new).meta["metrics"]
    expected = f"{metrics['n_train']:,} ({metrics['n_curator']:,})"
    row = next(
        dialog.versions.topLevelItem(r)
        for r in range(dialog.versions.topLevelItemCount())
        if dialog.versions.topLevelItem(r).text(0) == new
    )
    run = next(
        dialog.runs.topLevelItem(r)
        for r in range(dialog.runs.topLevelItemCount())
        if dialog.runs.topLevelItem(r).text(3) == new
    )
    assert row.text(5) == run.text(5) == expected


def test_activate_then_roll_back_rescores_the_catalog_each_time(qtbot, history) -> None:
    dialog, workspace, base, new = history
    win = dialog.parentWidget()
    dialog.select(new)
    with qtbot.waitSignal(win.context.rescorer.finished, timeout=RUN_MS) as done:
        qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    assert done.args[0] is True
    assert scored_by(workspace) == {new}
    assert win.model.poster_at(0).model_version == new
    with qtbot.waitSignal(win.context.rescorer.finished, timeout=RUN_MS) as done:
        qtbot.mouseClick(dialog.rollback_button, Qt.MouseButton.LeftButton)
    assert done.args[0] is True
    with workspace.store() as store:
        assert Registry(workspace, store).active().version == base
    assert scored_by(workspace) == {base}
    assert win.model.poster_at(0).model_version == base
    assert "Re-scored the catalog" in dialog.hint.text()


def test_a_version_whose_weights_cannot_load_is_refused_and_the_active_model_stays(
    qtbot, history
) -> None:
    dialog, workspace, base, new = history
    win = dialog.parentWidget()
    weights = workspace.models_dir / new / "weights.pt"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # truncated
    scores = scored_by(workspace)
    dialog.select(new)
    with qtbot.waitSignal(win.context.rescorer.finished, timeout=RUN_MS) as done:
        qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    ok, line = done.args
    assert not ok
    assert line.startswith(f"Model {new} cannot be activated (the active model stays): ")
    assert "weights" in line and "\n" not in line
    with workspace.store() as store:
        assert Registry(workspace, store).active().version == base
    assert scored_by(workspace) == scores  # nothing re-scored
    assert win.statusBar().currentMessage() == dialog.hint.text() == line
    assert dialog.activate_button.isEnabled()  # the version stays selected, to try again


def test_the_report_puts_the_run_beside_the_active_model_and_baselines(
    two_versions, tmp_path
) -> None:
    workspace, base = rw.copy(two_versions[:2], tmp_path / "ws")
    candidate = run_job(train_candidate(workspace, TrainConfig(**{**rw.TINY, "quick": True})))
    html = candidate_html(candidate)
    report = candidate.result.report
    assert f"<b>{report['n_train']} posters</b>" in html
    assert f"<b>{report['n_curator']}</b> of them with curator corrections" in html
    for row in (f"active ({base})", "genre prior", "colour histogram", "± active"):
        assert row in html
    # A per-genre change against the active model is signed and coloured by its direction.
    new_ap = report["model"]["per_genre"]["Drama"]["ap"]
    old_ap = candidate.active["model"]["per_genre"]["Drama"]["ap"]
    assert f"{new_ap - old_ap:+.3f}</span>" in html
