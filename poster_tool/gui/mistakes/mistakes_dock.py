"""The Model Errors dock: a version's test posters it got most wrong, worst first.

Picking a version lists its mistakes (ranked in core, in a worker; a version without saved
test scores is scored in a child process first); the grid then shows those posters in queue
order, so the curator edits them with the usual keys, and choosing a row selects its poster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.errors import PosterToolError
from poster_tool.core.ml.mistakes import model_mistakes
from poster_tool.core.ml.registry import Registry
from poster_tool.gui.common.workers import JobWorker, start, store_job

if TYPE_CHECKING:
    from poster_tool.core.ml.mistakes import Mistake
    from poster_tool.core.progress import Progress
    from poster_tool.gui.context import AppContext

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter  # numbers
COLUMNS = ("Poster", "Got wrong", "Score", "Labelled", "Model says", "Loss")


class MistakesDock(QDockWidget):
    """A model version's worst test posters; rows select posters in the grid."""

    listed = Signal(str, list)  # what the list is, poster ids worst first
    poster_chosen = Signal(int)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Model errors", parent)
        self.setObjectName("mistakesDock")  # saveState() needs names
        self.context = context
        self.mistakes: list[Mistake] = []
        self._worker: JobWorker | None = None
        self.versions = QComboBox()
        self.versions.setToolTip("The model version whose test posters are listed")
        self.show_button = QPushButton("List errors")
        self.show_button.clicked.connect(self.refresh)
        self.note = QLabel("Pick a model version: its test posters it got most wrong, worst first")
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("mistakesTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(self._on_table_current_changed)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Model"))
        bar.addWidget(self.versions, 1)
        bar.addWidget(self.show_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(bar)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        self.setWidget(body)
        context.workspace_changed.connect(self._on_workspace_changed)
        context.closing.connect(self.cancel)

    def load_versions(self) -> None:
        """List the workspace's model versions, the active one first chosen."""
        self.versions.clear()
        store, workspace = self.context.store, self.context.workspace
        if store is None or workspace is None:
            return
        registry = Registry(workspace, store)
        try:
            active, versions = registry.active(), registry.list()
        except PosterToolError as exc:
            self.note.setText(str(exc))
            return
        for info in versions:
            mark = " (active)" if active is not None and info.version == active.version else ""
            self.versions.addItem(info.version + mark, info.version)
        if active is not None:
            self.versions.setCurrentIndex(max(0, self.versions.findData(active.version)))

    def refresh(self) -> None:
        """List the chosen version's mistakes again (in a worker)."""
        workspace, version = self.context.workspace, self.versions.currentData()
        if workspace is None or version is None or self._worker is not None:
            return
        self.note.setText(f"Ranking the test posters of model {version}…")
        self.show_button.setEnabled(False)
        worker = JobWorker(lambda: store_job(workspace, model_mistakes, version))
        worker.signals.progress.connect(self._on_worker_progress)
        worker.signals.result.connect(self._on_worker_result)
        worker.signals.error.connect(self._on_worker_error)
        worker.signals.finished.connect(self._on_worker_finished)
        self._worker = worker
        start(worker, self.context.jobs)

    def busy(self) -> bool:
        """Whether a listing is under way."""
        return self._worker is not None

    def cancel(self) -> None:
        """Stop a listing under way (the window closes)."""
        if self._worker is not None:
            self._worker.cancel()

    def _on_workspace_changed(self, _workspace: object) -> None:
        self.table.setRowCount(0)
        self.mistakes = []
        self.load_versions()

    def _on_worker_progress(self, report: Progress) -> None:
        self.note.setText(report.message or self.note.text())

    def _on_worker_result(self, mistakes: list[Mistake]) -> None:
        version = self.versions.currentData()
        self.mistakes = mistakes
        self.table.setRowCount(len(mistakes))
        for row, m in enumerate(mistakes):
            cells = (
                f"#{m.poster_id} {m.title}",
                f"{m.kind}: {m.genre}",
                f"{m.score:.2f}",
                ", ".join(m.labelled),
                ", ".join(m.predicted) or "–",
                f"{m.loss:.2f}",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (2, 5):
                    item.setTextAlignment(RIGHT)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.note.setText(
            f"{len(mistakes)} test posters model {version} got most wrong, worst first: fix the "
            "label where it is wrong; where it is right, the model is"
            if mistakes
            else f"No test poster of model {version} has labels in the catalog now"
        )
        ids = [m.poster_id for m in mistakes]
        self.listed.emit(f"test posters model {version} got most wrong", ids)

    def _on_worker_error(self, message: str) -> None:
        self.note.setText(message)

    def _on_worker_finished(self) -> None:
        self._worker = None
        self.show_button.setEnabled(True)

    def _on_table_current_changed(self, row: int, *_: int) -> None:
        if 0 <= row < len(self.mistakes):
            self.poster_chosen.emit(self.mistakes[row].poster_id)
