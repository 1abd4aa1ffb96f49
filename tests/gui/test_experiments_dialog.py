"""The Experiments panel: plan out, logs in (progress, errors, cancel), estimates as a chart."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import numpy as np
import pytest

from poster_tool.core.workspace import Workspace
from poster_tool.gui.experiments.experiments_dialog import ExperimentsDialog
from tests.core.personalize_catalog import CatalogBuilder

if TYPE_CHECKING:
    from pathlib import Path

HEADER = "timestamp,viewer,profile,title,poster,propensity,played\n"
START = datetime(2025, 5, 1, tzinfo=timezone.utc)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Workspace, dict[str, int]]:
    ws = Workspace.open(tmp_path / "ws")
    with ws.store() as store:
        build = CatalogBuilder(ws, store)
        ids = {
            "Haunt": build.title("Haunt", ["Horror"]),
            "Home": build.title("Home", ["Family", "Drama"]),
        }
        ids["haunt"] = build.poster(ids["Haunt"], curated=["Horror"], default=True)
        ids["home"] = build.poster(ids["Home"], curated=["Drama"], default=True)
        ids["home-family"] = build.poster(ids["Home"], model={"Family": 0.8, "Drama": 0.3})
    return ws, ids


def write_log(path: Path, ids: dict[str, int], rows: int) -> Path:
    """Viewers of two profiles; the model-scored Home poster is played four times as often."""
    rng = np.random.default_rng(0)
    lines = [HEADER]
    for i in range(rows):
        profile = ("family-drama", "horror-fan")[i % 2]
        poster = (ids["home"], ids["home-family"])[int(rng.integers(2))]
        played = int(rng.random() < (0.4 if poster == ids["home-family"] else 0.1))
        when = (START + timedelta(seconds=i)).isoformat()
        lines.append(f"{when},member-{i % 50},{profile},{ids['Home']},{poster},0.5,{played}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def dialog(qtbot, world) -> ExperimentsDialog:
    widget = ExperimentsDialog(world[0], "tester")
    qtbot.addWidget(widget)
    qtbot.waitSignal(widget.logs_changed, timeout=10_000).wait()  # the first listing
    return widget


def test_import_then_estimate_shows_policies_side_by_side(qtbot, dialog, world, tmp_path):
    log = write_log(tmp_path / "log.csv", world[1], 3000)
    with qtbot.waitSignal(dialog.logs_changed, timeout=20_000) as blocker:
        dialog.import_log(log)
    assert [info.rows for info in blocker.args[0]] == [3000]
    assert dialog.log_table.rowCount() == 1 and dialog.log_table.item(0, 3).text() == "3,000"
    assert "3000 impressions" in dialog.status_label.text()
    qtbot.waitUntil(lambda: not dialog.running)
    with qtbot.waitSignal(dialog.estimated, timeout=60_000):
        dialog.estimate()
    bars = dialog.chart.bars()
    assert [policy for policy, _, _ in bars] == [
        "logged",
        "random",
        "default",
        "genre-match",
        "linucb",
    ]
    by_policy = {policy: iv for policy, iv, _ in bars}
    # The family viewers get the family-looking poster from genre-match, which pays.
    assert by_policy["genre-match"].low > by_policy["default"].high
    assert dialog.estimate_table.rowCount() == 5
    segments = [dialog.segment_box.itemText(i) for i in range(dialog.segment_box.count())]
    assert segments[0] == "all" and "profile:family-drama" in segments
    assert "genre:Family" in segments
    dialog.estimator_box.setCurrentIndex(dialog.estimator_box.findData("replay"))
    dialog.segment_box.setCurrentText("profile:horror-fan")
    assert dialog.chart.bars()[0][1].value != by_policy["logged"].value  # another segment


def test_a_bad_log_is_refused_with_its_rows_listed(qtbot, dialog, world, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2025-05-01T00:00:00,m,family-drama,999,1,0.5,1\n", "utf-8")
    dialog.import_log(bad)
    qtbot.waitUntil(lambda: not dialog.running, timeout=20_000)
    assert "1 bad rows, nothing imported" in dialog.status_label.text()
    assert "line 2: unknown title '999'" in dialog.status_label.text()
    assert dialog.status_label.styleSheet()


def test_a_cancelled_import_stores_nothing(qtbot, dialog, world, tmp_path):
    log = write_log(tmp_path / "log.csv", world[1], 20_000)
    dialog.import_log(log)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=20_000)
    assert dialog.status_label.text() == "Cancelled; nothing was stored."
    with world[0].store() as store:
        assert store._scalar("SELECT count(*) FROM impressions") == 0


def test_write_plan(qtbot, dialog, tmp_path):
    out = tmp_path / "plan.csv"
    dialog.arm_checks["random"].setChecked(True)
    dialog.write_plan(out)
    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Plan written"), timeout=20_000)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["arm"] for r in rows} == {"default", "genre-match", "random"}
    assert "8 profiles × 3 arms × 2 titles" in dialog.status_label.text()
