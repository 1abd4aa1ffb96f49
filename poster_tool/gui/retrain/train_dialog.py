"""The Retrain dock: train a new model in the background, watch it learn, then decide.

Model → Retrain (and the toolbar's Retrain) shows a dock beside the details.  A run is the
core's :func:`~poster_tool.core.ml.retrain.train_candidate` in a child process
(:mod:`poster_tool.core.jobs`), so torch never runs in the window's process: quick (the head,
on cached embeddings) or full (the whole network).  Progress, ETA and a per-epoch chart
update live; Cancel stops the child at once and changes nothing.  A finished run is
registered but not active: its report puts it beside the active model and both baselines,
and **Activate** (re-scoring the catalog in the background) or **Discard** settles it.

Labels are read when a run starts; edits made meanwhile are saved as usual and count the
next run.  Errors arrive as one sentence in the dock, never as a crash.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.errors import PosterToolError
from poster_tool.core.jobs import request_stop
from poster_tool.core.ml.config import BACKBONE_NAMES, DEFAULT_BACKBONE, TrainConfig
from poster_tool.core.ml.in_child import describe_machine_in_child, train_candidate_in_child
from poster_tool.core.ml.registry import Registry
from poster_tool.core.progress import format_seconds
from poster_tool.gui.common.dialogs import ask_confirm
from poster_tool.gui.common.workers import JobWorker, start
from poster_tool.gui.retrain.model_report import activation_warnings, candidate_html
from poster_tool.gui.retrain.train_chart import TrainingChart

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Generator

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.ml.results import Candidate
    from poster_tool.core.progress import Progress
    from poster_tool.core.workspace import Workspace
    from poster_tool.gui.context import AppContext

DEVICES = (("auto", "Automatic"), ("cpu", "CPU"), ("cuda", "GPU (CUDA)"))
if sys.platform == "darwin":
    DEVICES += (("mps", "Apple GPU (MPS)"),)
BAR_STEPS = 1000
ERROR_STYLE = "background: #3c1f1f; color: #f6aea9; border-radius: 4px; padding: 6px 8px;"
MUTED = "#9aa0a6"
INFO_STYLE = "background: #1f2f3c; color: #aecbfa; border-radius: 4px; padding: 6px 8px;"


class RetrainDock(QDockWidget):
    """Training settings, live progress and chart, and the report of the last run.

    :param context: the application context (its workspace, catalog and rescorer)
    :param parent: the main window, which places the dock
    """

    run_finished = Signal(bool)  # whether the run produced a candidate
    decided = Signal(str)  # "activated" or "discarded"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Retrain", parent)
        self.setObjectName("retrainDock")  # saveState() needs names
        self.context = context
        self.workspace: Workspace | None = None
        self.store: PosterStore | None = None
        self.base_config = TrainConfig()  # what the form does not set (tests shrink it)
        # How a run is run: in a child process, so torch never touches the window's thread
        # (tests swap in the in-process run to plant faults).
        self.run_job: Callable[..., Generator[Progress, None, Candidate]] = train_candidate_in_child
        self.machine: dict[str, Any] | None = None  # devices and weights, from a child
        self.candidate: Candidate | None = None
        self.worker: JobWorker | None = None
        self._child: subprocess.Popen | None = None
        self._cancelling = False
        self._epochs_seen = 0
        self._quick_possible = False
        self.rescorer = context.rescorer

        self.active_label = QLabel()
        self.data_label = QLabel()
        for label in (self.active_label, self.data_label):
            label.setWordWrap(True)
        self.data_label.setStyleSheet(f"color: {MUTED};")
        self.quick = QRadioButton("Quick: a new genre head on cached embeddings (seconds)")
        self.full = QRadioButton(
            "Full: a new model from the posters themselves (tens of minutes on a CPU)"
        )
        self.kinds = QButtonGroup(self)
        self.kinds.addButton(self.quick)
        self.kinds.addButton(self.full)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 500)
        self.epochs.setToolTip("Passes over the training posters; early stopping may end sooner")
        self.backbone = QComboBox()
        self.backbone.addItems(list(BACKBONE_NAMES))
        self.backbone.setCurrentText(DEFAULT_BACKBONE)
        # Says when a full run cannot start from ImageNet here, and what to install.
        self.weights_label = QLabel()
        self.weights_label.setObjectName("weightsLabel")
        self.weights_label.setWordWrap(True)
        self.backbone.currentTextChanged.connect(self._on_backbone_changed)
        self._on_backbone_changed(self.backbone.currentText())
        self.device = QComboBox()
        for value, text in DEVICES:
            self.device.addItem(text, value)
        self.device_label = QLabel()
        self.device_label.setObjectName("deviceLabel")
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.stage = QLabel(
            "Labels are read when a run starts; edits you make meanwhile are "
            "saved and count the next run."
        )
        self.stage.setWordWrap(True)
        self.stage.setObjectName("stageLabel")
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setValue(0)
        self.bar.setFormat("")
        self.message = QLabel()  # errors and outcomes, in plain words
        self.message.setWordWrap(True)
        self.message.setObjectName("retrainMessage")
        self.message.hide()
        self.chart = TrainingChart()
        self.report = QTextBrowser()
        self.report.setObjectName("retrainReport")
        self.report.setOpenLinks(False)
        self.report.document().setDocumentMargin(2)
        self.report.setPlaceholderText("The report of a finished run appears here.")
        self.activate_button = QPushButton("Activate")
        self.activate_button.setToolTip("Make this the active model and re-score the catalog")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Delete this model; the active one stays")
        self._layout()

        self.quick.toggled.connect(self._on_quick_toggled)
        self.device.currentIndexChanged.connect(self._on_device_changed)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.cancel_button.clicked.connect(self.cancel)
        self.activate_button.clicked.connect(self.activate)
        self.discard_button.clicked.connect(self.discard)
        self.rescorer.progressed.connect(self._on_rescorer_progressed)
        self.rescorer.activated.connect(self._on_rescorer_activated)
        self.rescorer.finished.connect(self._on_rescorer_finished)
        context.workspace_changed.connect(self._on_context_workspace_changed)
        # A closing window stops the run; the context waits a bounded time for it to wind down.
        context.closing.connect(self.cancel)
        self._on_device_changed()
        self.set_workspace(context.workspace, context.store)
        self._on_quick_toggled(self.quick.isChecked())
        self._describe_machine()

    def _describe_machine(self) -> None:
        """Ask a child what the devices are and which ImageNet weights are here."""
        worker = JobWorker(lambda: describe_machine_in_child([d for d, _ in DEVICES]))
        worker.signals.result.connect(self._on_machine_described)
        worker.signals.error.connect(self.device_label.setText)
        start(worker)

    def _on_machine_described(self, machine: dict[str, Any]) -> None:
        self.machine = machine
        self._on_device_changed()
        self._on_backbone_changed(self.backbone.currentText())

    def _layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        kinds = QVBoxLayout()
        kinds.setSpacing(2)
        kinds.addWidget(self.quick)
        kinds.addWidget(self.full)
        form.addRow("Run", kinds)
        form.addRow("Epochs", self.epochs)
        form.addRow("Backbone", self.backbone)
        form.addRow("", self.weights_label)
        form.addRow("Device", self.device)
        form.addRow("", self.device_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        settings = QGroupBox("New run")
        settings.setLayout(form)
        decide = QHBoxLayout()
        decide.addWidget(self.activate_button)
        decide.addWidget(self.discard_button)
        decide.addStretch(1)
        results = QWidget()
        bottom = QVBoxLayout(results)
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.report, 1)
        bottom.addLayout(decide)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart)
        split.addWidget(results)
        split.setChildrenCollapsible(False)
        split.setSizes([210, 340])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.active_label)
        layout.addWidget(self.data_label)
        layout.addWidget(settings)
        layout.addWidget(self.stage)
        layout.addWidget(self.bar)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)
        self.setWidget(body)

    # -- state -----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether a training run is under way."""
        return self.worker is not None

    def set_workspace(self, workspace: Workspace | None, store: PosterStore | None) -> None:
        """Train on this workspace from now on (a run on the previous one is cancelled)."""
        self.cancel()
        self.workspace, self.store = workspace, store
        self._show_candidate(None)
        self.message.hide()
        self.refresh_info()

    def refresh_info(self) -> None:
        """Show the active model and the training data now in the catalog."""
        active = None
        if self.workspace is not None and self.store is not None:
            try:
                active = Registry(self.workspace, self.store).active()
                text = (
                    f"Active model: <b>{active.version}</b> ({active.backbone}"
                    f"{', shipped default' if active.bundled else ''})"
                    if active
                    else "Active model: <b>none yet</b> — posters show no model "
                    "suggestions until a full run is activated"
                )
            except PosterToolError as exc:
                text = f"Active model: cannot be read ({exc})"
            total, curated = self.store.training_counts()
            data = (
                f"Training data now: {total:,} posters that are not rejected, "
                f"{curated:,} with curator labels."
            )
        else:
            text, data = "No workspace is open.", ""
        self.active_label.setText(text)
        self.data_label.setText(data)
        # A quick run trains a new head for the active model's trunk: it needs one.
        self._quick_possible = active is not None
        self.quick.setToolTip("" if active else "Needs an active model: run a full training first")
        if active is None and self.quick.isChecked() or not self.kinds.checkedButton():
            (self.quick if active is not None else self.full).setChecked(True)
        if active is not None and self.quick.isChecked():
            self.backbone.setCurrentText(active.backbone)
        self._show_running(self.running)

    def config(self) -> TrainConfig:
        """The run the form asks for (on top of :attr:`base_config`); never activates."""
        return replace(
            self.base_config,
            quick=self.quick.isChecked(),
            epochs=self.epochs.value(),
            backbone=self.backbone.currentText(),
            device=self.device.currentData(),
            version=None,
            activate=False,
        )

    # -- a run -------------------------------------------------------------------------------
    def _on_start_clicked(self) -> None:
        self.start()

    def start(self, config: TrainConfig | None = None) -> bool:
        """Start a run (``config``, else the form's); whether one started."""
        if self.running or self.workspace is None:
            return False
        config = config or self.config()
        workspace = self.workspace
        self.refresh_info()
        self._show_candidate(None)
        self.message.hide()
        self.chart.reset(config.epochs_or_default())
        self._cancelling, self._epochs_seen = False, 0
        self.bar.setValue(0)
        self.bar.setFormat("starting…")
        self.stage.setText(f"Starting a {config.kind} run on {self._device_text(config.device)}…")
        run_job = self.run_job

        def job() -> Generator[Progress, None, Candidate]:
            if run_job is train_candidate_in_child:
                return run_job(workspace, config, started=self._on_child_started)
            return run_job(workspace, config)

        worker = JobWorker(job)
        worker.signals.progress.connect(self._on_worker_progress)
        worker.signals.result.connect(self._on_worker_result)
        worker.signals.error.connect(self._on_worker_error)
        worker.signals.finished.connect(self._on_worker_finished)
        self.worker = worker
        self._show_running(True)
        start(worker, self.context.jobs)
        return True

    def _on_child_started(self, child: subprocess.Popen) -> None:
        self._child = child  # called on the worker's thread: only stored here

    def cancel(self) -> None:
        """Stop the run now (its child process is told at once); the active model is left as
        it was."""
        if self.worker is not None and not self._cancelling:
            self._cancelling = True
            self.worker.cancel()
            if self._child is not None:
                request_stop(self._child)
            self.stage.setText("Cancelling after the current step…")
            self.cancel_button.setEnabled(False)

    def _on_worker_progress(self, report: Progress) -> None:
        data = report.data
        if data.get("kind") == "epoch":
            self._epochs_seen = int(data["epoch"])  # type: ignore[call-overload]
            self.chart.show_history(data["history"])  # type: ignore[arg-type]
        if report.stage == "weights" and report.message:
            self._note(f"Weights: {report.message}", error=False)
        self._show_progress(report)

    def _show_progress(self, report: Progress) -> None:
        if self._cancelling:
            return
        fraction = report.fraction
        if fraction is None:
            self.bar.setRange(0, 0)  # busy: a step of unknown length
        else:
            self.bar.setRange(0, BAR_STEPS)
            self.bar.setValue(round(fraction * BAR_STEPS))
            eta = f"  ·  ETA {format_seconds(report.eta)}" if report.eta is not None else ""
            self.bar.setFormat(f"%p%{eta}")
        stage = report.stage[:1].upper() + report.stage[1:]
        rate = report.data.get("images_per_s")
        extra = f" · {rate:.0f} images/s" if isinstance(rate, float) else ""
        self.stage.setText(f"{stage}: {report.message}{extra}" if report.message else stage)

    def _on_worker_result(self, candidate: Candidate) -> None:
        self.message.hide()  # the report repeats the weights note
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setValue(BAR_STEPS)
        self.bar.setFormat("finished")
        result = candidate.result
        self.chart.fit_epochs(result.epochs_run)  # early stopping: no empty right half
        took = format_seconds(result.seconds)
        self.stage.setText(
            f"Finished: model {result.version}, {result.epochs_run} epochs in "
            f"{took}. Activate it or discard it."
        )
        self._show_candidate(candidate)

    def _on_worker_error(self, message: str) -> None:
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setFormat("stopped")
        if self._cancelling:
            self.stage.setText(f"Cancelled after {self._epochs_seen} epochs.")
            self._note("Training was cancelled; the active model is unchanged.", error=False)
        else:
            self.stage.setText("Training stopped.")
            end = "" if message.endswith((".", "!", "?")) else "."
            self._note(
                f"Training stopped: {message}{end} Nothing was changed; the active "
                "model is as it was.",
                error=True,
            )

    def _on_worker_finished(self) -> None:
        self.worker, self._child = None, None
        self._show_running(False)
        self.refresh_info()
        self.run_finished.emit(self.candidate is not None)

    # -- the decision --------------------------------------------------------------------------
    def activate(self) -> None:
        """Make the new model active and re-score the catalog with it in the background."""
        if self.candidate is None or self.workspace is None or self.store is None:
            return
        version = self.candidate.result.version
        warnings = activation_warnings(self.candidate)
        if warnings and not ask_confirm(
            self,
            "Activate a weaker model?",
            f"Model {version} may suggest worse genres than what you have now.\n\n"
            + "\n".join(warnings)
            + "\n\nActivate it anyway? (Model History can roll "
            "back.)",
            "Activate anyway",
        ):
            return
        self.activate_button.setEnabled(False)  # until the check says yes or no
        self.stage.setText(f"Checking that model {version} loads…")
        self.rescorer.activate(self.workspace, self.store, version)

    def _on_rescorer_activated(self, version: str) -> None:
        self.refresh_info()
        if self.candidate is not None and self.candidate.result.version == version:
            self._show_candidate(None, keep_report=True)
            self.message.hide()
            self.stage.setText(f"Model {version} is active; re-scoring the catalog…")
            self.decided.emit("activated")

    def discard(self) -> None:
        """Delete the new model; nothing else changes."""
        if self.candidate is None or self.workspace is None or self.store is None:
            return
        version = self.candidate.result.version
        if not ask_confirm(
            self,
            "Discard the new model?",
            f"Delete model {version}? Its weights and report are removed; "
            "this cannot be undone. The active model stays.",
            "Discard",
        ):
            return
        try:
            Registry(self.workspace, self.store).remove(version)
        except PosterToolError as exc:
            self._note(f"Model {version} cannot be discarded: {exc}", error=True)
            return
        self._show_candidate(None)
        self._note(f"Model {version} was discarded; the active model is unchanged.", error=False)
        self.decided.emit("discarded")

    def _on_rescorer_progressed(self, report: Progress) -> None:
        if not self.running:
            self._show_progress(report)

    def _on_rescorer_finished(self, ok: bool, line: str) -> None:
        if not self.running:
            self.bar.setRange(0, BAR_STEPS)
            self.bar.setValue(BAR_STEPS if ok else self.bar.value())
            self.bar.setFormat("catalog re-scored" if ok else "stopped")
            self.stage.setText(line if ok else "Stopped.")
            if not ok:
                self._note(line, error=True)
        self.activate_button.setEnabled(True)
        self.refresh_info()

    # -- helpers -------------------------------------------------------------------------------
    def _on_backbone_changed(self, name: str) -> None:
        missing = (self.machine or {}).get("weights", {}).get(name)
        self.weights_label.setText(
            f"{missing}: a full run would train from scratch." if missing else ""
        )
        self.weights_label.setVisible(bool(missing))

    def _show_running(self, running: bool) -> None:
        for widget in (self.full, self.epochs, self.device, self.start_button):
            widget.setEnabled(not running)
        self.quick.setEnabled(not running and self._quick_possible)
        # A quick run keeps the active model's backbone.
        self.backbone.setEnabled(not running and self.full.isChecked())
        self.cancel_button.setEnabled(running)

    def _show_candidate(self, candidate: Candidate | None, keep_report: bool = False) -> None:
        self.candidate = candidate
        if candidate is not None:
            self.report.setHtml(candidate_html(candidate))
        elif not keep_report:
            self.report.clear()
        self.activate_button.setVisible(candidate is not None)
        self.discard_button.setVisible(candidate is not None)

    def _note(self, text: str, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
        self.message.show()

    def _on_quick_toggled(self, quick: bool) -> None:
        self.epochs.setValue(replace(self.base_config, quick=quick).epochs_or_default())
        self._show_running(self.running)

    def _on_device_changed(self) -> None:
        self.device_label.setText(self._device_text(self.device.currentData()))

    def _device_text(self, choice: str) -> str:
        described = (self.machine or {}).get("devices", {}).get(choice)
        return described or f"{self.device.currentText()} (looking at this machine…)"

    def _on_context_workspace_changed(self, workspace: Workspace) -> None:
        self.set_workspace(workspace, self.context.store)
