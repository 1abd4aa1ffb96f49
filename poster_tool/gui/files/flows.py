"""The File menu's dialog flows: ask for a file or folder, run the core job with progress.

Each flow returns what the window needs next (a workspace to open, or whether the catalog
changed); the window then refreshes itself.  Tests replace the file dialogs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from poster_tool.core.errors import PosterToolError
from poster_tool.core.workspace import Workspace
from poster_tool.gui.common.dialogs import JobDialog, show_error
from poster_tool.gui.common.workers import store_job

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore


def run_job(parent: QWidget, workspace: Workspace, title: str, job: Any, *args: Any) -> Any:
    """Run ``job(workspace, store, *args)`` in a worker behind a progress dialog.

    :returns: the job's result, or ``None`` when it failed or was cancelled
    """
    return JobDialog(parent, title, lambda: store_job(workspace, job, *args)).run()


def choose_workspace(parent: QWidget, near: Workspace | None, create: bool) -> Workspace | None:
    """Ask for a workspace folder; offer to create a catalog in a folder without one."""
    start = str(near.root.parent) if near else str(Path.home())
    folder = QFileDialog.getExistingDirectory(
        parent, "New workspace folder" if create else "Open workspace", start
    )
    if not folder:
        return None
    if not create and not Workspace(Path(folder)).exists:
        answer = QMessageBox.question(
            parent,
            "Open workspace",
            f"{folder} holds no Poster Studio catalog yet. Create a new workspace there?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
    try:
        return Workspace.open(folder)
    except PosterToolError as exc:
        show_error(parent, str(exc))
        return None


def import_csv(parent: QWidget, workspace: Workspace) -> bool:
    """Ask for a CSV manifest and import it; whether an import ran."""
    from poster_tool.core.importers import import_csv as job

    path, _ = QFileDialog.getOpenFileName(
        parent, "Import CSV manifest", str(Path.home()), "CSV manifests (*.csv);;All files (*)"
    )
    if path:
        run_job(parent, workspace, f"Importing {Path(path).name}", job, path)
    return bool(path)


def import_folder(parent: QWidget, workspace: Workspace) -> bool:
    """Ask for a folder of title folders and import it; whether an import ran."""
    from poster_tool.core.importers import import_dir as job

    folder = QFileDialog.getExistingDirectory(parent, "Import folder", str(Path.home()))
    if folder:
        run_job(parent, workspace, f"Importing {Path(folder).name}", job, folder)
    return bool(folder)


def crawl(parent: QWidget, workspace: Workspace) -> bool:
    """Ask what to crawl and crawl it; whether a crawl ran."""
    from poster_tool.core.crawl import crawl as job
    from poster_tool.gui.files.crawl_dialog import CrawlDialog

    dialog = CrawlDialog(parent)
    if not dialog.exec():
        return False
    run_job(parent, workspace, f"Crawling {dialog.source.name}", job, dialog.source, dialog.config)
    return True


def build_demo(
    parent: QWidget, workspace: Workspace, store: PosterStore, interactive: bool
) -> None:
    """Draw the demo posters into ``workspace``.

    :param interactive: in a worker behind a progress dialog; else here and now (screenshots)
    """
    from poster_tool.core.demo import build_demo as job
    from poster_tool.core.progress import run_job as run_here

    if interactive:
        run_job(parent, workspace, "Building the demo workspace", job)
        return
    try:
        run_here(job(workspace, store))
    except PosterToolError as exc:
        show_error(parent, str(exc))
