"""Small dialogs: the curator's name, a sensitivity reason, errors, and long jobs.

``JobDialog`` runs one core job in a :class:`~poster_tool.gui.common.workers.JobWorker` with a
progress bar, a one-line status and Cancel; when the job ends it shows the job's summary
(its result's ``lines()`` when it has them) until the user closes it.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.progress import Progress
from poster_tool.gui.common.workers import JobWorker, start


def default_curator() -> str:
    """The operating system's user name, a sensible first guess at the curator."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user database entry (containers)
        return ""


def ask_curator(parent: QWidget | None, current: str = "") -> str | None:
    """Ask for the name recorded with every edit; ``None`` when cancelled or left blank."""
    name, ok = QInputDialog.getText(
        parent,
        "Curator name",
        "Your name is written to the audit log with every edit you make:",
        text=current or default_curator(),
    )
    name = name.strip()
    return name if ok and name else None


def ask_reason(parent: QWidget | None, count: int) -> str | None:
    """Ask why posters are sensitive; ``None`` when cancelled or left blank."""
    what = "this poster" if count == 1 else f"these {count} posters"
    reason, ok = QInputDialog.getText(
        parent, "Mark sensitive", f"Why is {what} sensitive? (e.g. graphic violence, nudity)"
    )
    reason = reason.strip()
    return reason if ok and reason else None


def ask_confirm(parent: QWidget | None, title: str, text: str, yes: str) -> bool:
    """Ask before something that cannot be undone or that the figures advise against;
    ``yes`` names the action on its button (the safe choice is the default)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    go = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
    box.exec()
    return box.clickedButton() is go


def show_error(parent: QWidget | None, message: str, title: str = "Poster Studio") -> None:
    """Tell the user what went wrong, in plain words."""
    QMessageBox.warning(parent, title, message)


class JobDialog(QDialog):
    """Runs a core job with progress and Cancel, then shows its summary.

    :param job_factory: builds the job inside the worker thread (see ``workers.store_job``)
    """

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        job_factory: Callable[[], Generator[Progress, None, Any]],
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.result_value: Any = None
        self.error: str | None = None
        self._done = False

        self._line = QLabel("Starting…")
        self._line.setWordWrap(True)
        self._bar = QProgressBar()
        self._bar.setRange(0, 0)
        self._summary = QPlainTextEdit(readOnly=True)
        self._summary.setVisible(False)
        self._summary.setMinimumHeight(160)
        self._buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self._buttons.rejected.connect(self._on_cancel_clicked)
        self._buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self._line)
        layout.addWidget(self._bar)
        layout.addWidget(self._summary)
        layout.addWidget(self._buttons)

        self.worker = JobWorker(job_factory)
        self.worker.signals.progress.connect(self._on_job_progress)
        self.worker.signals.result.connect(self._on_job_result)
        self.worker.signals.error.connect(self._on_job_error)
        self.worker.signals.finished.connect(self._on_job_finished)
        start(self.worker)

    def _on_job_progress(self, report: Progress) -> None:
        self._line.setText(report.line())
        if report.total:
            self._bar.setRange(0, report.total)
            self._bar.setValue(min(report.done, report.total))

    def _on_job_result(self, value: Any) -> None:
        self.result_value = value
        lines = value.lines() if hasattr(value, "lines") else [str(value)] if value else []
        self._line.setText("Done.")
        self._summary.setPlainText("\n".join(lines))
        self._summary.setVisible(bool(lines))

    def _on_job_error(self, message: str) -> None:
        self.error = message
        self._line.setText(message)
        self._line.setStyleSheet("color: #ff8a80;")

    def _on_job_finished(self) -> None:
        self._done = True
        if self._bar.maximum() == 0:
            self._bar.setRange(0, 1)
        self._bar.setValue(self._bar.maximum() if self.error is None else self._bar.value())
        # Close has the reject role: it reaches _on_cancel_clicked, which now accepts.
        self._buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    def _on_cancel_clicked(self) -> None:
        if self._done:
            self.accept()
            return
        self._line.setText("Cancelling after the current step…")
        self.worker.cancel()

    def reject(self) -> None:
        # Escape or the close box cancels a running job instead of abandoning it.
        if self._done:
            super().reject()
        else:
            self._on_cancel_clicked()

    def run(self) -> Any:
        """Show the dialog until the user closes it; the job's result, or ``None``."""
        self.exec()
        return self.result_value


def show_guide(parent: QWidget | None) -> None:
    """Help → Getting Started: keys, chips and safety in one page."""
    QMessageBox.information(parent, "Getting started", GUIDE)


GUIDE = """\
<b>Curating posters</b><br>
Select posters in the grid (Shift/Ctrl-click or Ctrl+A for several); the Details panel
shows the selected poster large with every genre.<br><br>
<b>Keys</b>: 1–9 and 0 toggle the first ten genres · A approve · R reject · P back to pending ·
D make default for its title · S mark sensitive (asks why) · T title pool ·
Space loupe (full resolution) · C compare two to four posters side by side ·
Ctrl+Shift+E the model's errors (its worst test posters, as a queue) ·
M accept the model's genres · Enter next undecided poster · arrows move · Ctrl+Z undo ·
Ctrl+Shift+Z redo.<br><br>
<b>Review</b>: Ctrl+Shift+R mark the selection for review · Ctrl+Shift+Q review queue (Y accept,
O override the selected posters' waiting edits) · Ctrl+Shift+H history of the selection
(Ctrl+Backspace reverts to the selected entry) · Ctrl+Shift+K agreement between curators.<br><br>
<b>Filters</b>: Ctrl+F search · Ctrl+Shift+F more filters (Alt+S score range, Alt+B not
labelled, Alt+O provenance, Alt+U curator, Alt+N / Alt+T last edited since / until) ·
Ctrl+Shift+Backspace clear all filters · Ctrl+Shift+S save the filters as a view ·
F2 rename it · Ctrl+Shift+Delete delete it · Ctrl+Shift+V choose a saved view ·
Ctrl+1 … Ctrl+9 the first nine saved views.<br><br>
<b>Chips</b> show what a poster exports as: teal = a curator's genres, grey = the source's
official genres, dashed violet = added by the model (it is confident), red = an official
genre the model is sure does not fit: the poster is held back from the export until you
decide its genres.<br><br>
Every edit is saved at once, with your name in the audit log; undo works across the session.
"""
