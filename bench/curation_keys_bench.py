"""Curation keys benchmark: the window's stalls when A (approve) and M (accept the model)
act on a large selection.

A generated workspace of ``--posters`` posters (4 per title, each scored by a model on all
24 genres) opens in the window (offscreen); every row is loaded and selected, then A and
then M are pressed.  A 5 ms precise timer records how late each tick fires: the longest
gap is the longest time the window could not react.  Printed per key: the worst stall
against the 50 ms target, and the time until the edit's status message is shown.

    python bench/curation_keys_bench.py [--posters 20000] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from grid_bench import generate  # noqa: E402
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from poster_tool.core.taxonomy import GENRES  # noqa: E402
from poster_tool.core.workspace import Workspace  # noqa: E402

TICK_MS = 5
LIMIT_MS = 50


def scored(root: Path, posters: int) -> Workspace:
    """The grid benchmark's workspace, every poster scored on every genre."""
    workspace = generate(root, posters)
    with workspace.store() as store:
        todo = [i for i, _ in store.unscored("bench-model", False)]
        rng = random.Random(3)
        cuts, absent = dict.fromkeys(GENRES, 0.6), dict.fromkeys(GENRES, 0.05)
        for start in range(0, len(todo), 2000):
            chunk = todo[start : start + 2000]
            scores = {i: {g: rng.random() ** 2 for g in GENRES} for i in chunk}
            store.write_model_scores("bench-model", scores, cuts, absent)
        # Undecided again, so a reused workspace measures the same edits as a fresh one.
        every = [i for i, _ in store.unscored("bench-model", rescore=True)]
        store.set_genres(dict.fromkeys(every), "bench")
        store.set_status(dict.fromkeys(every, "pending"), "bench")
    return workspace


def ticking(cpu: list[float] | None = None) -> tuple[QTimer, list[float]]:
    """A started precise timer of ``TICK_MS`` and the list of how late each tick came (ms).

    :param cpu: gets the GUI thread's own CPU time between two ticks (ms): a stall without
        it was spent waiting (for a core, or for the interpreter another thread held)
    """
    late: list[float] = []
    last = [time.perf_counter(), time.thread_time()]

    def tick() -> None:
        now, used = time.perf_counter(), time.thread_time()
        late.append((now - last[0]) * 1000 - TICK_MS)
        if cpu is not None:
            cpu.append((used - last[1]) * 1000)
        last[:] = [now, used]

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(TICK_MS)
    return timer, late


def press(app: QApplication, window: object, key: Qt.Key, before: str) -> tuple[float, float]:
    """Press ``key`` on the grid; (worst stall ms, seconds until the status bar changed)."""
    from PySide6.QtTest import QTest

    timer, late = ticking()
    bar = window.statusBar()  # type: ignore[attr-defined]
    start = time.perf_counter()
    QTimer.singleShot(0, lambda: QTest.keyClick(window.grid, key))  # type: ignore[attr-defined]
    shown = None
    while time.perf_counter() - start < 600:
        app.processEvents()
        message = bar.currentMessage()
        if shown is None and message != before and not message.startswith("Reading"):
            shown = time.perf_counter() - start
        if shown is not None and time.perf_counter() - start > shown + 0.5:
            break
        time.sleep(0.001)
    timer.stop()
    return max(late + [0.0]) + TICK_MS, shown or float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posters", type=int, default=20_000, help="posters selected")
    parser.add_argument("--workspace", type=Path, help="folder for the workspace (kept)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    from poster_tool.gui.main_window import MainWindow
    from poster_tool.gui.settings import Settings

    with tempfile.TemporaryDirectory(prefix="keys-bench-") as tmp:
        workspace = scored(args.workspace or Path(tmp) / "ws", args.posters)
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        settings.curator, settings.auto_score = "bench", False
        window = MainWindow(workspace, settings)
        window.resize(1500, 940)
        window.show()
        model = window.model
        while model.canFetchMore(model.index(-1)):
            model.fetchMore(model.index(-1))
        everything = QItemSelection(model.index(0), model.index(model.rowCount() - 1))
        window.grid.selectionModel().select(
            everything, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        for _ in range(20):
            app.processEvents()
        window.grid.setFocus()
        for name, key in (("A (approve)", Qt.Key.Key_A), ("M (accept model)", Qt.Key.Key_M)):
            window.statusBar().showMessage("bench")
            stall, shown = press(app, window, key, "bench")
            verdict = "ok" if stall <= LIMIT_MS else "OVER"
            print(
                f"{name} on {model.rowCount():,} selected posters: worst stall {stall:.0f} ms "
                f"(limit {LIMIT_MS}: {verdict}); status message after {shown:.1f} s: "
                f"{window.statusBar().currentMessage()[:90]}"
            )
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
