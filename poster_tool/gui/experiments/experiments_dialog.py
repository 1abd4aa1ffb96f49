"""The Experiments panel: write a plan, import impression logs, compare policy estimates.

Everything heavy runs in workers with their own store: writing the plan, importing a log
(with progress and Cancel; a cancelled import stores nothing), listing logs and estimating.
The panel takes the workspace, the curator's name and a parent widget, nothing else of the
window, so it can live in a dock or as a dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.experiment.catalog_estimates import estimate_logs
from poster_tool.core.experiment.estimators import ESTIMATORS
from poster_tool.core.experiment.logs import import_log
from poster_tool.core.experiment.plan import ARMS, make_plan
from poster_tool.core.personalize.samples import ensure_samples
from poster_tool.gui.common import workers
from poster_tool.gui.experiments.estimate_chart import EstimateChart

if TYPE_CHECKING:
    from poster_tool.core.catalog.impressions import LogInfo
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.experiment.catalog_estimates import LogEstimates
    from poster_tool.core.experiment.estimators import Interval, PolicyEstimate
    from poster_tool.core.experiment.logs import LogImport
    from poster_tool.core.experiment.plan import Plan
    from poster_tool.core.progress import Job, Progress
    from poster_tool.core.workspace import Workspace

LOG_COLUMNS = ("Log", "File", "Imported", "Impressions", "Plays", "By")
ESTIMATOR_NAMES = {"replay": "Replay", "ips": "IPS", "snips": "SNIPS", "dr": "Doubly robust"}
ERROR_STYLE = "color: #b00020;"


class ExperimentsDialog(QDialog):
    """Plan out, logs in, estimates with intervals, for one workspace.

    :param curator: the name recorded in the audit log for imports and removals
    """

    logs_changed = Signal(list)  # list[LogInfo], after every refresh
    estimated = Signal(object)  # LogEstimates

    def __init__(self, workspace: Workspace, curator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Experiments")
        self.setMinimumSize(720, 640)
        self._workspace, self._curator = workspace, curator
        self._job: workers.JobWorker | None = None
        self._cancelled = False
        self._result: LogEstimates | None = None
        self.logs: list[LogInfo] = []

        # -- plan --
        self.arm_checks = {arm: QCheckBox(arm) for arm in ARMS}
        for arm in ("default", "genre-match"):
            self.arm_checks[arm].setChecked(True)
        self.explore_spin = QDoubleSpinBox()
        self.explore_spin.setRange(0.0, 1.0)
        self.explore_spin.setSingleStep(0.05)
        self.explore_spin.setValue(0.1)
        self.explore_spin.setToolTip("Share of impressions that show another guarded poster")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 1_000_000)
        self.plan_button = QPushButton("Write Plan…")
        self.plan_button.clicked.connect(self._on_plan_button_clicked)
        plan_row = QHBoxLayout()
        for check in self.arm_checks.values():
            plan_row.addWidget(check)
        plan_row.addWidget(QLabel("Exploration"))
        plan_row.addWidget(self.explore_spin)
        plan_row.addWidget(QLabel("Seed"))
        plan_row.addWidget(self.seed_spin)
        plan_row.addStretch(1)
        plan_row.addWidget(self.plan_button)
        plan_box = QGroupBox("Plan: which poster each arm shows, with its propensity")
        plan_box.setLayout(plan_row)

        # -- logs --
        self.log_table = QTableWidget(0, len(LOG_COLUMNS))
        self.log_table.setHorizontalHeaderLabels(LOG_COLUMNS)
        self.log_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_table.verticalHeader().setVisible(False)
        # Every column as wide as its contents; the file name takes the rest.
        self.log_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.log_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.import_button = QPushButton("Import Log…")
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        log_buttons = QHBoxLayout()
        log_buttons.addWidget(self.import_button)
        log_buttons.addWidget(self.remove_button)
        log_buttons.addStretch(1)
        log_layout = QVBoxLayout()
        log_layout.addWidget(self.log_table)
        log_layout.addLayout(log_buttons)
        log_box = QGroupBox("Impression logs")
        log_box.setLayout(log_layout)

        # -- estimates --
        self.segment_box = QComboBox()
        self.segment_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.segment_box.currentIndexChanged.connect(self._show_estimates)
        self.estimator_box = QComboBox()
        for name in ESTIMATORS:
            self.estimator_box.addItem(ESTIMATOR_NAMES[name], name)
        self.estimator_box.setCurrentIndex(ESTIMATORS.index("dr"))
        self.estimator_box.currentIndexChanged.connect(self._show_estimates)
        self.estimate_button = QPushButton("Estimate")
        self.estimate_button.clicked.connect(self._on_estimate_button_clicked)
        pick_row = QHBoxLayout()
        pick_row.addWidget(QLabel("Segment"))
        pick_row.addWidget(self.segment_box)
        pick_row.addWidget(QLabel("Estimate"))
        pick_row.addWidget(self.estimator_box)
        pick_row.addStretch(1)
        pick_row.addWidget(self.estimate_button)
        self.chart = EstimateChart()
        self.estimate_table = QTableWidget(0, 3 + len(ESTIMATORS))
        self.estimate_table.setHorizontalHeaderLabels(
            ["Policy", *(ESTIMATOR_NAMES[n] for n in ESTIMATORS), "ESS", "Warnings"]
        )
        self.estimate_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.estimate_table.verticalHeader().setVisible(False)
        # Intervals are read whole: columns as wide as their contents, the warnings the rest.
        self.estimate_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.estimate_table.horizontalHeader().setSectionResizeMode(
            2 + len(ESTIMATORS), QHeaderView.ResizeMode.Stretch
        )
        estimate_layout = QVBoxLayout()
        estimate_layout.addLayout(pick_row)
        estimate_layout.addWidget(self.chart, 2)
        estimate_layout.addWidget(self.estimate_table, 1)
        estimate_box = QGroupBox("Estimated take rate per policy (95% interval; dashed: logged)")
        estimate_box.setLayout(estimate_layout)

        # -- status --
        self.progress_bar = QProgressBar()
        self.progress_bar.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status_row = QHBoxLayout()
        status_row.addWidget(self.progress_bar, 1)
        status_row.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(plan_box)
        layout.addWidget(log_box, 1)
        layout.addWidget(estimate_box, 3)
        layout.addLayout(status_row)
        layout.addWidget(self.status_label)
        self.refresh_logs()

    # -- public API (the buttons call these after asking for a file) ---------------------
    @property
    def running(self) -> bool:
        """True while an import or an estimate runs."""
        return self._job is not None

    def refresh_logs(self) -> None:
        """Reload the list of imported logs in a worker."""
        workspace = self._workspace

        def read() -> list[LogInfo]:
            with workspace.store() as store:
                return store.list_logs()

        worker = workers.CallWorker(read)
        worker.signals.result.connect(self._on_logs_result)
        worker.signals.error.connect(self._show_error)
        workers.start(worker)

    def write_plan(self, path: Path) -> None:
        """Write the plan for every title of the catalog to ``path`` in a worker."""
        arms = [arm for arm, check in self.arm_checks.items() if check.isChecked()]
        explore, seed, workspace = (
            self.explore_spin.value(),
            self.seed_spin.value(),
            self._workspace,
        )

        def write() -> Plan:
            with workspace.store() as store:
                ensure_samples(store)
                plan = make_plan(store, [t.id for t in store.titles()], arms, explore, seed)
                plan.write(path)
                return plan

        worker = workers.CallWorker(write)
        worker.signals.result.connect(lambda plan: self._on_plan_result(plan, path))
        worker.signals.error.connect(self._show_error)
        self.status_label.setStyleSheet("")
        self.status_label.setText("Writing the plan…")
        workers.start(worker)

    def import_log(self, path: Path) -> None:
        """Import an impression log in a worker, with progress and Cancel."""
        curator = self._curator

        def job(_ws: Workspace, store: PosterStore) -> Job[LogImport]:
            ensure_samples(store)  # a log's profile column may name a sample profile
            return import_log(store, path, curator)

        self._run(
            lambda: workers.store_job(self._workspace, job),
            self._on_import_result,
            f"Importing {path.name}…",
        )

    def estimate(self) -> None:
        """Estimate every policy on every imported log in a worker."""

        def job(_ws: Workspace, store: PosterStore) -> Job[LogEstimates]:
            ensure_samples(store)  # viewers named like a sample profile get its taste
            return estimate_logs(store)

        self._run(
            lambda: workers.store_job(self._workspace, job),
            self._on_estimate_result,
            "Estimating…",
        )

    def remove_log(self, log_id: int) -> None:
        """Remove one log and its impressions (audited), then refresh the list."""
        workspace, curator = self._workspace, self._curator

        def remove() -> bool:
            with workspace.store() as store:
                return store.delete_log(log_id, curator)

        worker = workers.CallWorker(remove)
        worker.signals.result.connect(lambda _: self.refresh_logs())
        worker.signals.error.connect(self._show_error)
        workers.start(worker)

    # -- slots ----------------------------------------------------------------------------
    @Slot()
    def _on_plan_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Write experiment plan", str(Path.home() / "plan.csv"), "CSV (*.csv)"
        )
        if path:
            self.write_plan(Path(path))

    @Slot()
    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import impression log", str(Path.home()), "CSV (*.csv);;All files (*)"
        )
        if path:
            self.import_log(Path(path))

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        rows = self.log_table.selectionModel().selectedRows()
        if not rows:
            self._show_error("Select the log to remove.")
            return
        log = self.logs[rows[0].row()]
        answer = QMessageBox.question(
            self,
            "Remove log",
            f"Remove log #{log.id} ({log.file_name}) and its {log.rows} impressions?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_log(log.id)

    @Slot()
    def _on_estimate_button_clicked(self) -> None:
        self.estimate()

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        if self._job is not None:
            self._cancelled = True
            self._job.cancel()
            self.status_label.setText("Cancelling…")

    @Slot(list)
    def _on_logs_result(self, logs: list[LogInfo]) -> None:
        self.logs = logs
        self.log_table.setRowCount(len(logs))
        for row, log in enumerate(logs):
            cells = (
                f"#{log.id}",
                log.file_name,
                log.imported_at[:16].replace("T", " "),
                f"{log.rows:,}",
                f"{log.plays:,}",
                log.curator,
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (3, 4):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.log_table.setItem(row, col, item)
        self.remove_button.setEnabled(bool(logs))
        self.estimate_button.setEnabled(bool(logs) and not self.running)
        self.logs_changed.emit(logs)

    def _on_plan_result(self, plan: Plan, path: Path) -> None:
        self.status_label.setText(
            f"Plan written to {path}: {len(plan.rows)} rows for {plan.profiles} profiles × "
            f"{len(plan.arms)} arms × {plan.titles} titles."
        )

    def _on_import_result(self, result: LogImport) -> None:
        self.status_label.setText(result.line())
        self.refresh_logs()

    def _on_estimate_result(self, result: LogEstimates) -> None:
        self._result = result
        current = self.segment_box.currentText()
        segments = list(dict.fromkeys(e.segment for e in result.estimates))
        self.segment_box.blockSignals(True)
        self.segment_box.clear()
        self.segment_box.addItems(segments)
        if current in segments:
            self.segment_box.setCurrentText(current)
        self.segment_box.blockSignals(False)
        self._show_estimates()
        self.status_label.setText(
            "\n".join(
                [
                    f"{result.impressions:,} impressions of {result.viewers:,} viewers "
                    f"({result.viewers_with_profile:,} with a profile).",
                    *result.warnings,
                ]
            )
        )
        self.estimated.emit(result)

    @Slot()
    def _show_estimates(self) -> None:
        """Chart and table for the chosen segment and estimator."""
        if self._result is None:
            return
        segment, estimator = self.segment_box.currentText(), self.estimator_box.currentData()
        rows: list[PolicyEstimate] = [e for e in self._result.estimates if e.segment == segment]
        logged = next((e for e in rows if e.policy == "logged"), None)
        self.chart.set_estimates(
            [(e.policy, e.estimates[estimator], bool(e.warnings)) for e in rows],
            None if logged is None else logged.estimates[estimator].value,
        )
        self.estimate_table.setRowCount(len(rows))
        for row, e in enumerate(rows):
            cells = [
                e.policy,
                *(_interval_text(e.estimates[name]) for name in ESTIMATORS),
                f"{e.ess:,.0f}",
                "; ".join(e.warnings),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if e.warnings:
                    item.setToolTip("\n".join(e.warnings))
                self.estimate_table.setItem(row, col, item)
        self.estimate_table.resizeRowsToContents()  # one line per policy, all five in view

    # -- helpers --------------------------------------------------------------------------
    def _run(self, factory: Any, on_result: Any, message: str) -> None:
        if self.running:
            return
        worker = workers.JobWorker(factory)
        worker.signals.progress.connect(self._on_job_progress)
        worker.signals.result.connect(on_result)
        worker.signals.error.connect(self._on_job_error)
        worker.signals.finished.connect(self._on_job_finished)
        self._job, self._cancelled = worker, False
        self._set_running(True)
        self.status_label.setStyleSheet("")
        self.status_label.setText(message)
        workers.start(worker)

    @Slot(object)
    def _on_job_progress(self, report: Progress) -> None:
        self.progress_bar.setRange(0, report.total or 0)
        self.progress_bar.setValue(report.done)
        self.status_label.setText(report.line())

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        if self._cancelled:
            message = "Cancelled; nothing was stored."
        self._show_error(message)

    @Slot()
    def _on_job_finished(self) -> None:
        self._job = None
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        for button in (self.import_button, self.remove_button, self.estimate_button):
            button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setVisible(running)
        if running:
            self.progress_bar.setRange(0, 0)  # busy until the first report

    @Slot(str)
    def _show_error(self, message: str) -> None:
        self.status_label.setStyleSheet(ERROR_STYLE)
        self.status_label.setText(message)

    def reject(self) -> None:
        """Close; a running job is cancelled first (a cancelled import stores nothing)."""
        self._on_cancel_button_clicked()
        super().reject()


def _interval_text(iv: Interval) -> str:
    if iv.low != iv.low:  # nan: too little evidence for an interval
        return f"{iv.value:.4f}" if iv.value == iv.value else "–"
    return f"{iv.value:.4f} [{iv.low:.4f}–{iv.high:.4f}]"
