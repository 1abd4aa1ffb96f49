"""Model → Model History: every registered version, two side by side, and roll-back.

Select one version to read its metrics, two to compare them (headline metrics and per-genre
AP with the change).  **Activate** makes the selected version active and **Roll Back**
returns to the one active before; either re-scores the catalog in the background while
the grid updates in place.  A second tab lists the training runs, failed and cancelled
ones included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.errors import PosterToolError
from poster_tool.core.ml.registry import ACTIVE_KEY, ModelInfo, Registry
from poster_tool.gui.retrain.model_report import comparison_html, num, version_html

if TYPE_CHECKING:
    from poster_tool.gui.context import AppContext

VERSION_COLUMNS = (
    "Version",
    "State",
    "Kind",
    "Backbone",
    "Created",
    "Train posters (curated)",
    "micro-F1",
    "macro-F1",
    "mAP",
)
RUN_COLUMNS = (
    "Started",
    "Kind",
    "Status",
    "Version",
    "Device",
    "Train posters (curated)",
    "Message",
)
HINT = "Select a version to see its test metrics, or two (Ctrl+click) to compare them."


class ModelHistoryDialog(QDialog):
    """The registry of one workspace as a table, with comparison, activation and roll-back.

    :param context: the application context (its workspace, catalog and rescorer)
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Model history")
        self.resize(980, 640)
        self.context = context
        self.infos: list[ModelInfo] = []
        self.rescorer = context.rescorer

        self.versions = QTreeWidget()
        self.versions.setObjectName("modelVersions")
        self.versions.setHeaderLabels(list(VERSION_COLUMNS))
        self.versions.setRootIsDecorated(False)
        self.versions.setAlternatingRowColors(True)
        self.versions.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.versions.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.details = QTextBrowser()
        self.details.setObjectName("modelDetails")
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.versions)
        split.addWidget(self.details)
        split.setSizes([220, 360])
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(split, 1)
        layout.addWidget(self.hint)
        self.runs = QTreeWidget()
        self.runs.setObjectName("trainingRuns")
        self.runs.setHeaderLabels(list(RUN_COLUMNS))
        self.runs.setRootIsDecorated(False)
        self.runs.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        tabs = QTabWidget()
        tabs.addTab(page, "Versions")
        tabs.addTab(self.runs, "Training runs")

        self.activate_button = QPushButton("Activate && Re-score")
        self.activate_button.setToolTip(
            "Make the selected version the active model and re-score the catalog with it"
        )
        self.rollback_button = QPushButton("Roll Back")
        self.rollback_button.setToolTip("Return to the model that was active before this one")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.activate_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.rollback_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        main = QVBoxLayout(self)
        main.addWidget(tabs, 1)
        main.addWidget(buttons)

        self.versions.itemSelectionChanged.connect(self._on_versions_selection_changed)
        self.activate_button.clicked.connect(self._on_activate_clicked)
        self.rollback_button.clicked.connect(self._on_rollback_clicked)
        self.rescorer.activated.connect(self._on_rescorer_activated)
        self.rescorer.finished.connect(self._on_rescorer_finished)
        self.reload()

    def reload(self) -> None:
        """Read the registry and the run log again."""
        workspace, store = self.context.workspace, self.context.store
        self.versions.clear()
        self.runs.clear()
        self.infos = []
        if workspace is None or store is None:
            self.hint.setText("No workspace is open.")
            self._on_versions_selection_changed()
            return
        registry = Registry(workspace, store)
        try:
            self.infos = sorted(
                registry.list(),
                reverse=True,  # newest first, shipped too
                key=lambda i: (str(i.meta.get("created_at", "")), i.version),
            )
            active = registry.active()
        except PosterToolError as exc:
            self.hint.setText(f"The model registry cannot be read: {exc}")
            active = None
        for info in self.infos:
            self.versions.addTopLevelItem(_version_item(info, active))
        for run in store.runs(limit=200):
            curated = f"{run['n_train']:,} ({run['n_curator']:,})" if run["n_train"] else ""
            self.runs.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        str(run["started_at"] or ""),
                        str(run["kind"]),
                        str(run["status"]),
                        str(run["version"] or ""),
                        str(run["device"] or ""),
                        curated,
                        str(run["message"] or ""),
                    ]
                )
            )
        self.rollback_button.setEnabled(bool(store.get_meta(ACTIVE_KEY)))
        self._on_versions_selection_changed()

    def selected(self) -> list[ModelInfo]:
        """The selected versions, oldest first."""
        rows = sorted(self.versions.indexOfTopLevelItem(i) for i in self.versions.selectedItems())
        return [self.infos[r] for r in reversed(rows)]

    def select(self, *versions: str) -> None:
        """Select these versions (tests and callers that open the dialog on a version)."""
        self.versions.clearSelection()
        for row, info in enumerate(self.infos):
            item = self.versions.topLevelItem(row)
            if item is not None and info.version in versions:
                item.setSelected(True)

    def _on_versions_selection_changed(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            self.details.setHtml(version_html(chosen[0].meta))
        elif len(chosen) == 2 and all("metrics" in i.meta for i in chosen):
            a, b = chosen
            tested = a.split().get("test")
            same_test = bool(tested) and tested == b.split().get("test")
            self.details.setHtml(comparison_html(a.meta, b.meta, same_test))
        else:
            self.details.setPlainText(HINT if len(chosen) < 2 else "Select at most two versions.")
        store = self.context.store
        active = store.get_meta(ACTIVE_KEY) if store is not None else None
        self.activate_button.setEnabled(len(chosen) == 1 and chosen[0].version != active)

    def _on_activate_clicked(self) -> None:
        chosen = self.selected()
        workspace, store = self.context.workspace, self.context.store
        if len(chosen) == 1 and workspace is not None and store is not None:
            self.hint.setText(f"Checking that model {chosen[0].version} loads…")
            self.activate_button.setEnabled(False)  # until the check says yes or no
            self.rescorer.activate(workspace, store, chosen[0].version)

    def _on_rescorer_activated(self, version: str) -> None:
        self.hint.setText(f"Model {version} is active; re-scoring the catalog in the background.")
        self.reload()

    def _on_rollback_clicked(self) -> None:
        workspace, store = self.context.workspace, self.context.store
        if workspace is not None and store is not None:
            version = self.rescorer.rollback(workspace, store)
            if version is not None:
                self.hint.setText(
                    f"Rolled back to model {version}; re-scoring the catalog in the background."
                )
            self.reload()

    def _on_rescorer_finished(self, _ok: bool, line: str) -> None:
        self.hint.setText(line)
        self._on_versions_selection_changed()  # a refused version may be tried again


def _version_item(info: ModelInfo, active: ModelInfo | None) -> QTreeWidgetItem:
    meta = info.meta
    metrics = meta.get("metrics") or {}
    test = metrics.get("model") or {}
    state = "active" if active is not None and active.version == info.version else ""
    if info.bundled:
        state = f"{state}, shipped" if state else "shipped"
    item = QTreeWidgetItem(
        [
            info.version,
            state,
            str(meta.get("kind", "")),
            info.backbone,
            str(meta.get("created_at", ""))[:16].replace("T", " "),
            # The training split, as the run's report and the runs table count it.
            f"{metrics.get('n_train', 0):,} ({metrics.get('n_curator', 0):,})",
            num(test.get("micro_f1")),
            num(test.get("macro_f1")),
            num(test.get("map")),
        ]
    )
    for column in range(5, len(VERSION_COLUMNS)):
        item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if state.startswith("active"):
        font = item.font(0)
        font.setBold(True)
        for column in range(len(VERSION_COLUMNS)):
            item.setFont(column, font)
    return item


def show_history(context: AppContext, parent: QWidget | None = None) -> None:
    """Open the model history of the open workspace."""
    dialog = ModelHistoryDialog(context, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.exec()
