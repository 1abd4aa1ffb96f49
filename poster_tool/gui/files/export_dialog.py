"""The Export dialog: choose format, file and options, then export in a background worker.

The dialog only gathers options and shows progress; the export itself is
:func:`poster_tool.core.exchange.export.export`, run by a :class:`JobWorker` with its own
store.  When an export succeeds the dialog emits ``exported(report)``, which the main window
connects to ``QUndoStack.setClean``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.exchange.export import export, preview
from poster_tool.gui.common import workers

if TYPE_CHECKING:
    from poster_tool.core.exchange.export import ExportPreview, ExportReport
    from poster_tool.core.progress import Progress
    from poster_tool.core.workspace import Workspace

FORMATS = (
    ("JSON (with schema, re-importable)", "json"),
    ("CSV (one row per poster and genre)", "csv"),
)
SENSITIVE = (("Leave sensitive posters out", "exclude"), ("Include them, flagged", "flag"))


class ExportDialog(QDialog):
    """Export approved posters of ``workspace``; stays open to show the outcome.

    :param workspace: the open workspace (the worker opens its own store on it)
    """

    exported = Signal(object)  # ExportReport, after the file is in place
    failed = Signal(str)  # a plain-words reason, also shown in the dialog

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export approved posters")
        self.setMinimumWidth(560)
        self._workspace = workspace
        self._worker: workers.JobWorker | None = None
        self._cancelled = False
        self._close_when_done = False

        self.format_box = QComboBox()
        for text, fmt in FORMATS:
            self.format_box.addItem(text, fmt)
        self.format_box.currentIndexChanged.connect(self._on_format_changed)
        self.path_edit = QLineEdit(str(Path.home() / "poster-export.json"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)

        self.since_check = QCheckBox("Only posters changed since")
        self.since_edit = QDateEdit(QDate.currentDate().addMonths(-1))
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setDisplayFormat("yyyy-MM-dd")
        self.since_edit.setEnabled(False)
        self.since_check.toggled.connect(self.since_edit.setEnabled)

        self.images_check = QCheckBox("Copy the images to")
        self.images_edit = QLineEdit(str(Path.home() / "poster-export-images"))
        self.images_edit.setEnabled(False)
        self._images_browse = QPushButton("Browse…")
        self._images_browse.setEnabled(False)
        self._images_browse.clicked.connect(self._on_images_browse_clicked)
        self.images_check.toggled.connect(self.images_edit.setEnabled)
        self.images_check.toggled.connect(self._images_browse.setEnabled)

        self.sensitive_box = QComboBox()
        for text, mode in SENSITIVE:
            self.sensitive_box.addItem(text, mode)

        self.reviewed_check = QCheckBox("Only posters a reviewer accepted or overrode")

        self.progress_bar = QProgressBar()
        self.progress_bar.setVisible(False)
        self.status_label = QLabel("Only approved posters are exported.")
        self.status_label.setWordWrap(True)
        # Before anything is written: what would go out, and what waits for review.
        self.preview_label = QLabel("Counting what would go out…")
        self.preview_label.setObjectName("exportPreview")
        self.preview_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole.AcceptRole
        self.export_button = self.buttons.addButton("Export", role)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.cancel_button.setEnabled(False)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("File", _row(self.path_edit, browse))
        form.addRow(self.since_check, self.since_edit)
        form.addRow(self.images_check, _row(self.images_edit, self._images_browse))
        form.addRow("Sensitive posters", self.sensitive_box)
        form.addRow("Review", self.reviewed_check)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self._options = [
            self.format_box,
            self.path_edit,
            browse,
            self.since_check,
            self.images_check,
            self.sensitive_box,
            self.reviewed_check,
        ]
        self.since_check.toggled.connect(self.refresh_preview)
        self.since_edit.dateChanged.connect(self.refresh_preview)
        self.sensitive_box.currentIndexChanged.connect(self.refresh_preview)
        self.reviewed_check.toggled.connect(self.refresh_preview)
        self._preview_asked = 0
        self.preview: ExportPreview | None = None  # the latest count, once it arrives
        self.refresh_preview()

    def _since(self) -> str | None:
        return (
            self.since_edit.date().toString("yyyy-MM-dd") if self.since_check.isChecked() else None
        )

    @Slot()
    def refresh_preview(self) -> None:
        """Count, in a worker, what the chosen options would export."""
        self._preview_asked += 1
        asked, workspace = self._preview_asked, self._workspace
        since, sensitive = self._since(), self.sensitive_box.currentData()
        reviewed = self.reviewed_check.isChecked()

        def count() -> tuple[int, ExportPreview]:
            with workspace.store() as store:
                return asked, preview(
                    store, since=since, sensitive=sensitive, reviewed_only=reviewed
                )

        worker = workers.CallWorker(count)
        worker.signals.result.connect(self._on_preview_result)
        worker.signals.error.connect(self.preview_label.setText)
        workers.start(worker)

    @Slot(object)
    def _on_preview_result(self, result: tuple[int, ExportPreview]) -> None:
        asked, found = result
        if asked == self._preview_asked:  # an older count than the options shown: ignore
            self.preview = found
            text = "\n".join(found.lines())
            self.preview_label.setText(text[:1].upper() + text[1:])
            self.preview_label.setStyleSheet("color: #f28b82;" if found.held else "")

    @property
    def running(self) -> bool:
        """Whether an export is under way."""
        return self._worker is not None

    # -- slots ----------------------------------------------------------------------------
    @Slot()
    def _on_format_changed(self) -> None:
        # Keep the file's suffix in step with the format, as a user would expect.
        path = Path(self.path_edit.text().strip())
        if path.suffix.lower() in (".json", ".csv"):
            self.path_edit.setText(str(path.with_suffix("." + self.format_box.currentData())))

    @Slot()
    def _on_browse_clicked(self) -> None:
        fmt = self.format_box.currentData()
        name, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.path_edit.text(), f"{fmt.upper()} files (*.{fmt})"
        )
        if name:
            self.path_edit.setText(name)

    @Slot()
    def _on_images_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Copy images to", self.images_edit.text())
        if folder:
            self.images_edit.setText(folder)

    @Slot()
    def _on_export_clicked(self) -> None:
        if self.running:
            return
        out = self.path_edit.text().strip()
        if not out:
            self._show_error("Choose the file to export to.")
            return
        images = self.images_edit.text().strip() if self.images_check.isChecked() else None
        if self.images_check.isChecked() and not images:
            self._show_error("Choose the folder to copy the images to, or untick the box.")
            return
        since = self._since()
        fmt, sensitive = self.format_box.currentData(), self.sensitive_box.currentData()
        workspace, reviewed = self._workspace, self.reviewed_check.isChecked()

        def job():  # runs in the worker thread, which opens its own store
            return workers.store_job(
                workspace,
                export,
                fmt,
                out,
                since=since,
                include_images=images,
                sensitive=sensitive,
                reviewed_only=reviewed,
            )

        worker = workers.JobWorker(job)
        worker.signals.progress.connect(self._on_worker_progress)
        worker.signals.result.connect(self._on_worker_result)
        worker.signals.error.connect(self._on_worker_error)
        worker.signals.finished.connect(self._on_worker_finished)
        self._worker, self._cancelled = worker, False
        self._set_running(True)
        self.status_label.setStyleSheet("")
        self.status_label.setText("Exporting…")
        workers.start(worker)

    @Slot()
    def _on_cancel_clicked(self) -> None:
        if self._worker is not None:
            self._cancelled = True
            self._worker.cancel()
            self.status_label.setText("Cancelling…")

    @Slot(object)
    def _on_worker_progress(self, report: Progress) -> None:
        self.progress_bar.setRange(0, report.total or 0)
        self.progress_bar.setValue(report.done)
        self.status_label.setText(report.line())

    @Slot(object)
    def _on_worker_result(self, report: ExportReport) -> None:
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1)
        self.status_label.setText("\n".join(report.lines()))
        self.exported.emit(report)

    @Slot(str)
    def _on_worker_error(self, message: str) -> None:
        if self._cancelled:
            message = "Export cancelled; an earlier file of that name is unchanged."
        self._show_error(message)

    @Slot()
    def _on_worker_finished(self) -> None:
        self._worker = None
        self._set_running(False)
        if self._close_when_done:
            super().reject()

    # -- helpers --------------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        for widget in self._options:
            widget.setEnabled(not running)
        self.since_edit.setEnabled(not running and self.since_check.isChecked())
        for widget in (self.images_edit, self._images_browse):
            widget.setEnabled(not running and self.images_check.isChecked())
        self.export_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setVisible(True)
        if running:
            self.progress_bar.setRange(0, 0)  # busy until the first report

    def _show_error(self, message: str) -> None:
        self.status_label.setStyleSheet("color: #b00020;")
        self.status_label.setText(message)
        self.failed.emit(message)

    def reject(self) -> None:
        """Close; a running export is cancelled first and the dialog closes once it stops."""
        if self.running:
            self._close_when_done = True
            self._on_cancel_clicked()
            return
        super().reject()


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box
