"""The Export dialog runs the core export in a worker, shows progress, errors and cancel."""

from __future__ import annotations

import json
import time

import pytest
from PySide6.QtCore import Qt

from poster_tool.core.exchange import export as export_module
from poster_tool.core.workspace import Workspace
from poster_tool.gui.files.export_dialog import ExportDialog
from tests.core.export_sample import build


@pytest.fixture
def workspace(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    with ws.store() as store:
        build(ws, store)
    return ws


@pytest.fixture
def dialog(qtbot, workspace):
    dlg = ExportDialog(workspace)
    qtbot.addWidget(dlg)
    return dlg


def test_exports_json_and_reports(qtbot, dialog, tmp_path):
    out = tmp_path / "posters.json"
    dialog.path_edit.setText(str(out))
    dialog.images_check.setChecked(True)
    dialog.images_edit.setText(str(tmp_path / "images"))
    with qtbot.waitSignal(dialog.exported, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    report = blocker.args[0]
    assert report.posters == 4
    assert json.loads(out.read_text("utf-8"))["counts"] == {"titles": 2, "posters": 4}
    assert len(list((tmp_path / "images").iterdir())) == 4
    assert "exported 4 approved posters of 2 titles" in dialog.status_label.text()
    qtbot.waitUntil(lambda: not dialog.running)
    assert dialog.export_button.isEnabled()
    assert not dialog.cancel_button.isEnabled()


def test_csv_with_sensitive_flagged(qtbot, dialog, tmp_path):
    dialog.path_edit.setText(str(tmp_path / "posters.json"))
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("csv"))
    assert dialog.path_edit.text().endswith("posters.csv")
    dialog.sensitive_box.setCurrentIndex(dialog.sensitive_box.findData("flag"))
    with qtbot.waitSignal(dialog.exported, timeout=10_000) as blocker:
        dialog.export_button.click()
    assert blocker.args[0].posters == 5
    text = (tmp_path / "posters.csv").read_text("utf-8-sig")
    assert "기생충" in text
    assert "graphic violence" in text


def test_errors_are_shown_in_plain_words(qtbot, dialog, tmp_path):
    dialog.path_edit.setText("")
    with qtbot.waitSignal(dialog.failed, timeout=1_000) as blocker:
        dialog.export_button.click()
    assert blocker.args == ["Choose the file to export to."]
    assert not dialog.running
    dialog.path_edit.setText(str(tmp_path / "no such folder" / "out.json"))
    with qtbot.waitSignal(dialog.failed, timeout=10_000) as blocker:
        dialog.export_button.click()
    assert "does not exist" in blocker.args[0]
    assert "Traceback" not in dialog.status_label.text()
    assert "does not exist" in dialog.status_label.text()


def test_cancel_keeps_the_previous_file(qtbot, dialog, tmp_path, monkeypatch):
    out = tmp_path / "posters.json"
    out.write_text("previous", "utf-8")
    real = export_module._title_entry

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(export_module, "CHUNK", 1)
    monkeypatch.setattr(export_module, "_title_entry", slow)
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.failed, timeout=10_000) as blocker:
        dialog.export_button.click()
        assert dialog.running and dialog.cancel_button.isEnabled()
        assert not dialog.format_box.isEnabled()
        dialog.cancel_button.click()
    assert "cancelled" in blocker.args[0]
    qtbot.waitUntil(lambda: not dialog.running)
    assert out.read_text("utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_the_dialog_says_what_would_go_out_before_writing(qtbot, workspace, tmp_path):
    with workspace.store() as store:  # one approved poster the model doubts: held back
        scored = store._run(
            "SELECT id FROM posters WHERE model_version IS NOT NULL AND curated_at IS NULL"
        ).fetchone()[0]
        store.write_model_scores("cnn-v2", {scored: {"Thriller": 0.01}}, {})
    dialog = ExportDialog(workspace)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    text = dialog.preview_label.text()
    assert text.startswith("Would export 3 approved posters of 2 titles")
    assert "1 approved posters held back for review" in text
    assert not list(tmp_path.glob("*.json"))  # nothing written yet
    dialog.sensitive_box.setCurrentIndex(dialog.sensitive_box.findData("flag"))
    qtbot.waitUntil(lambda: "Would export 4" in dialog.preview_label.text(), timeout=10_000)


def test_reviewed_only_counts_and_exports_the_reviewed_posters(qtbot, dialog, workspace, tmp_path):
    with workspace.store() as store:
        approved = [p for _, p in store.approved_posters()]
        store.review(approved[:1], "accepted", "rita")
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    dialog.reviewed_check.setChecked(True)
    qtbot.waitUntil(lambda: "Would export 1 " in dialog.preview_label.text(), timeout=10_000)
    out = tmp_path / "reviewed.json"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].posters == 1
    assert json.loads(out.read_text("utf-8"))["options"]["reviewed_only"] is True
