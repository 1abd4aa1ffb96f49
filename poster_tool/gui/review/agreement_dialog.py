"""Curation → Agreement: per-genre Cohen's kappa of two curators and the posters they
disagree on (computed in a worker over its own store)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.agreement import AgreementReport, agreement, curator_pairs, kappa_text
from poster_tool.core.errors import PosterToolError
from poster_tool.gui.common.workers import CallWorker, start

if TYPE_CHECKING:
    from poster_tool.core.workspace import Workspace

Labellings = dict[str, dict[int, list[str]]]


def _labellings(workspace: Workspace) -> Labellings:
    with workspace.store() as store:
        return store.curator_labellings()


class AgreementDialog(QDialog):
    """Pick two curators; see how they agree, genre by genre, and where they differ.

    :param workspace: the open workspace (the worker opens its own store)
    """

    poster_selected = Signal(int)  # a disagreement the user double-clicked

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Agreement between curators")
        self.resize(760, 560)
        self.labellings: Labellings = {}
        self.first = QComboBox()
        self.second = QComboBox()
        self.summary = QLabel("Reading the audit log…")
        self.summary.setWordWrap(True)
        self.genres = QTreeWidget()
        self.genres.setHeaderLabels(
            ["Genre", "Kappa [95 % interval]", "Agree", "Both", "Only A", "Only B"]
        )
        self.genres.setRootIsDecorated(False)
        self.disagreements = QTreeWidget()
        self.disagreements.setHeaderLabels(["Poster", "A", "B"])
        self.disagreements.setRootIsDecorated(False)
        pick = QHBoxLayout()
        for text, combo in (("Curator &A:", self.first), ("Curator &B:", self.second)):
            label = QLabel(text)
            label.setBuddy(combo)  # Alt+A / Alt+B reach the combo boxes
            pick.addWidget(label)
            pick.addWidget(combo, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addWidget(self.summary)
        layout.addWidget(self.genres, 3)
        layout.addWidget(QLabel("Posters they disagree on (double-click to show it):"))
        layout.addWidget(self.disagreements, 2)
        layout.addWidget(buttons)
        self.first.activated.connect(self._compare)
        self.second.activated.connect(self._compare)
        self.disagreements.itemDoubleClicked.connect(self._on_disagreement_double_clicked)
        # The audit log can be long: read it off the GUI thread.
        worker = CallWorker(lambda: _labellings(workspace))
        worker.signals.result.connect(self._on_labellings)
        worker.signals.error.connect(self.summary.setText)
        start(worker)

    def _on_labellings(self, labellings: Labellings) -> None:
        self.labellings = labellings
        names = sorted(labellings)
        for combo in (self.first, self.second):
            combo.addItems(names)
        pairs = curator_pairs(labellings)
        if pairs:
            self.first.setCurrentText(pairs[0][0])
            self.second.setCurrentText(pairs[0][1])
        self._compare()

    def _compare(self, *_: object) -> None:
        self.genres.clear()
        self.disagreements.clear()
        try:
            report = agreement(
                self.labellings, self.first.currentText() or None, self.second.currentText() or None
            )
        except PosterToolError as exc:
            self.summary.setText(str(exc))
            return
        self._show(report)

    def _show(self, report: AgreementReport) -> None:
        self.summary.setText(report.lines()[0])
        for g in report.genres:
            self.genres.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        g.genre,
                        kappa_text(g),
                        f"{g.observed:.0%}",
                        str(g.both),
                        str(g.only_a),
                        str(g.only_b),
                    ]
                )
            )
        for d in report.disagreements:
            item = QTreeWidgetItem(
                [f"#{d.poster_id}", ", ".join(d.a) or "(none)", ", ".join(d.b) or "(none)"]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, d.poster_id)
            self.disagreements.addTopLevelItem(item)
        for tree in (self.genres, self.disagreements):
            tree.resizeColumnToContents(0)
            tree.resizeColumnToContents(1)

    def _on_disagreement_double_clicked(self, item: QTreeWidgetItem) -> None:
        self.poster_selected.emit(int(item.data(0, Qt.ItemDataRole.UserRole)))
