"""Edit benchmark: the window's longest stall while a curator approves, accepts the model's
genres on, and undoes an edit of every poster of a large selection (issue #17).

A generated workspace of ``--posters`` posters (the curation keys benchmark's: 4 per title,
each scored on all 24 genres) opens in the window (offscreen) with every row selected.
Each edit runs twice in the same run:

  * before: on the GUI thread, as the editor ran it until the edit queue — read the state
    before, the stale-edit check and the store call in one transaction, then the window
    re-reads the changed posters (the baseline);
  * now: through the editor, whose worker runs it while the window goes on.

A 5 ms precise timer records how late each tick fires: the longest gap is the longest
time the window could not react (target: no stall over 50 ms).  Printed per edit: the worst
stall before and now, their ratio, the most CPU time the GUI thread itself spent between two
ticks (the rest of a stall is waiting: for a core on a loaded machine, or for the Python
interpreter while another thread holds it), and how long the edit took to land.  The same
watch with no edit first gives the machine's own stalls.

    python bench/edit_bench.py [--posters 20000 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from curation_keys_bench import LIMIT_MS, TICK_MS, scored, ticking  # noqa: E402
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from poster_tool.core.final_genres import accepted  # noqa: E402
from poster_tool.core.workspace import Workspace  # noqa: E402

SETTLE_S = 1.0  # the window is watched this long after an edit lands (panels, repaints)
IDLE_S = 5.0  # the window is watched this long with no edit: the machine's own stalls


def stall(
    app: QApplication, act: Callable[[], object], busy: Callable[[], bool], watch: float = SETTLE_S
) -> tuple[float, float, float]:
    """Run ``act`` from the event loop; (worst stall in ms, the most CPU time the GUI thread
    itself spent between two ticks in ms, seconds until ``busy`` is over)."""
    cpu: list[float] = []
    timer, late = ticking(cpu)
    start = time.perf_counter()
    QTimer.singleShot(0, act)
    for _ in range(3):  # the act runs from the event loop
        app.processEvents()
    landed = None
    while time.perf_counter() - start < 900:
        app.processEvents()
        if landed is None and not busy():
            landed = time.perf_counter() - start
        if landed is not None and time.perf_counter() - start > landed + watch:
            break
        time.sleep(0.001)
    timer.stop()
    return max(late + [0.0]) + TICK_MS, max(cpu + [0.0]), landed or float("nan")


def measure(app: QApplication, workspace: Workspace, posters: int, folder: Path) -> None:
    """Print the stalls of approving, accepting and undoing on every poster of ``workspace``."""
    from poster_tool.gui.main_window import MainWindow
    from poster_tool.gui.settings import Settings

    settings = Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    settings.curator, settings.auto_score = "bench", False
    window = MainWindow(workspace, settings)
    window.resize(1500, 940)
    window.show()
    model, editor = window.model, window.editor
    model.fetch_all()
    everything = QItemSelection(model.index(0), model.index(model.rowCount() - 1))
    selection = window.grid.selectionModel()
    selection.select(everything, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    for _ in range(20):
        app.processEvents()
    store = editor.store
    ids = window.grid.selected_ids()
    assert len(ids) == posters, f"{len(ids)} of {posters} posters selected"
    after = accepted(store, ids)
    state = store.curation_state(ids)

    def on_gui_thread(write: Callable[[], object]) -> None:
        # The edit as it ran before the queue: state before, check and write in one
        # transaction on the GUI thread, then the window re-reads the posters.
        store.curation_state(ids)
        with store.based_on(editor.point, ids, editor.curator):
            write()
        editor.changed.emit(ids)

    edits = (
        (
            "approve",
            lambda: store.set_status(dict.fromkeys(ids, "approved"), "bench"),
            lambda: store.set_status({i: s["status"] for i, s in state.items()}, "bench"),
            lambda: editor.set_status(ids, "approved"),
        ),
        (
            "accept the model",
            lambda: store.set_genres(after, "bench"),
            lambda: store.set_genres({i: s["genres"] for i, s in state.items()}, "bench"),
            lambda: editor.accept_model(after),
        ),
    )
    idle, idle_cpu, _ = stall(app, lambda: None, lambda: False, IDLE_S)
    print(
        f"{posters:>9,} posters, no edit: worst stall {idle:.0f} ms, GUI thread's CPU "
        f"{idle_cpu:.0f} ms (the machine's own, load {os.getloadavg()[0]:.1f})"
    )
    for name, write, restore, edit in edits:
        rows = [
            ("before", *stall(app, partial(on_gui_thread, write), lambda: False)),
            ("before, undo", *stall(app, partial(on_gui_thread, restore), lambda: False)),
            ("now", *stall(app, edit, lambda: editor.busy)),
            ("now, undo", *stall(app, editor.stack.undo, lambda: editor.busy)),
        ]
        for how, worst, cpu, took in rows:
            base = rows[1 if "undo" in how else 0][1]
            verdict = "ok" if worst <= LIMIT_MS else "OVER"
            print(
                f"{posters:>9,} posters, {name:<16} {how:<12} worst stall {worst:7.0f} ms "
                f"({worst / base:5.2f}x before, {verdict}; GUI thread's CPU {cpu:5.0f} ms); "
                f"landed after {took:5.1f} s",
                flush=True,
            )
    window.close()
    window.deleteLater()
    app.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posters", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    print(f"worst event-loop stall (ms, limit {LIMIT_MS}); before = the edit on the GUI thread")
    for posters in args.posters:
        # Kept under the temp folder by size, like the grid benchmark's workspaces.
        root = Path(tempfile.gettempdir()) / "poster-tool-bench" / f"edits-{posters}"
        with tempfile.TemporaryDirectory(prefix="edit-bench-") as tmp:
            measure(app, scored(root, posters), posters, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
