"""``MainWindow``: builds the widgets and actions and wires signals to slots.

State lives in the catalog (``PosterStore``); what the parts share (workspace, store, editor,
thumbnails, rescorer) is the :class:`~poster_tool.gui.context.AppContext` the window builds
and hands to every dock and dialog; long jobs run in dialogs driving workers.
Slots are named ``_on_<thing>_<event>``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core import curation
from poster_tool.core.errors import PosterToolError
from poster_tool.core.final_genres import accepted, export_outlook
from poster_tool.core.personalize.row import audience_for
from poster_tool.core.workspace import Workspace
from poster_tool.gui.about_dialog import AboutDialog
from poster_tool.gui.actions import Actions
from poster_tool.gui.common.dialogs import ask_curator, ask_reason, show_error, show_guide
from poster_tool.gui.common.workers import RULE_AT_ONCE, CallWorker, answer_soon, start, start_soon
from poster_tool.gui.context import AppContext
from poster_tool.gui.curation.detail_panel import DetailPanel
from poster_tool.gui.curation.finders import near_duplicate_ids, similar_ids
from poster_tool.gui.files import flows
from poster_tool.gui.grid.filter_bar import FilterBar
from poster_tool.gui.grid.first_run import FirstRunPage
from poster_tool.gui.grid.grid_view import PosterGrid
from poster_tool.gui.grid.poster_model import PosterModel
from poster_tool.gui.grid.saved_views import SavedViews
from poster_tool.gui.grid.status_bar import StatusBar
from poster_tool.gui.loupe.loupe_dialog import LoupeDialog, compared_ids
from poster_tool.gui.mistakes.mistakes_dock import MistakesDock
from poster_tool.gui.pool.pool_panel import PoolPanel
from poster_tool.gui.preview.preview_panel import PreviewDock
from poster_tool.gui.review.history_dock import HistoryDock
from poster_tool.gui.review.review_dock import ReviewDock

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QCloseEvent

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.progress import Progress
    from poster_tool.core.records import PosterQuery
    from poster_tool.gui.retrain.train_dialog import RetrainDock
    from poster_tool.gui.settings import Settings

STATS_DELAY_MS = 400  # status-bar counts are recounted this long after the last edit
# The panels (details, history, pool) read much more than the grid: they follow the grid's
# selection once it has rested this long, not at every card an arrow key passes.
PANELS_DELAY_MS = 40
RESCORE_STATUS_MS = 8000  # how long the end of a scoring run stays in the status bar


class MainWindow(QMainWindow):
    """The curation window over one workspace.

    :param workspace: the workspace to open (``None``: none yet)
    :param settings: typed settings (tests inject an INI file)
    """

    def __init__(
        self, workspace: Workspace | None, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.context = AppContext(settings.curator, self)
        self.editor = self.context.editor
        # The window's own parts follow the workspace before any dock does.
        self.context.workspace_changed.connect(self._on_context_workspace_changed)
        self._retrain_dock: RetrainDock | None = None
        self._mistakes_dock: MistakesDock | None = None
        self._pool_has_focus = False
        # What the status bar says a long edit is doing (None: a refusal is shown).
        self._working: str | None = ""
        self._browsing: bool | None = None  # grid shown (True) or first-run guide (False)
        self._docks_shown: dict[QDockWidget, bool] = {}  # panels hidden by the guide
        self.act = Actions(self)
        self.act.adopt_undo(
            self.editor.stack.createUndoAction(self, "&Undo"),
            self.editor.stack.createRedoAction(self, "&Redo"),
        )
        self._build_widgets()
        # Without a window manager (and with some), nobody gives the window its focus back
        # when a dialog closes: the grid takes it, so the keys work again at once.
        cast(QGuiApplication, QApplication.instance()).focusWindowChanged.connect(
            self._on_focus_window_changed
        )
        self.act.populate(
            self,
            {
                "toggle_details": self.detail_dock.toggleViewAction(),
                "toggle_pool": self.pool_dock.toggleViewAction(),
            },
        )
        self._connect()
        self._restore_settings()
        if workspace is not None:
            self.open_workspace(workspace)
        else:
            self._update_enabled()

    @property
    def workspace(self) -> Workspace | None:
        """The open workspace (``None``: none yet)."""
        return self.context.workspace

    @property
    def store(self) -> PosterStore | None:
        """The GUI thread's store of the open workspace."""
        return self.context.store

    # -- construction --------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.thumbnails = self.context.thumbnails
        self.model = PosterModel(None, self.thumbnails, self)
        self.grid = PosterGrid(self.model, self.settings.zoom)
        self.filter_bar = FilterBar()
        self.filter_bar.set_sort(self.settings.sort)
        self.saved_views = SavedViews(self.editor, self.filter_bar, self)
        browse = QWidget()
        layout = QVBoxLayout(browse)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.grid, 1)
        a = self.act
        self.first_run = FirstRunPage(
            [
                (
                    a.import_folder,
                    "A folder with one sub-folder per title, e.g. 'Parasite (2019)'.",
                ),
                (a.import_csv, "A manifest with columns id, title, year, genres, path."),
                (a.crawl, "Fetch poster pools from TMDB or a gallery site."),
                (a.open_demo, "Try everything at once on 40 synthetic titles the app draws."),
            ]
        )
        self.pages = QStackedWidget()
        self.pages.addWidget(self.first_run)
        self.pages.addWidget(browse)
        self.setCentralWidget(self.pages)

        self.detail = DetailPanel(None, self.thumbnails)
        self.detail.set_actions([a.approve, a.reject, a.make_default, a.mark_sensitive])
        self.pool = PoolPanel(None, self.thumbnails, profile_picks=audience_for)
        # The details run the full height; the pool sits under the grid only.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.detail_dock = self._dock(
            "Details", "detailDock", self.detail, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.pool_dock = self._dock(
            "Title pool", "poolDock", self.pool, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # Tabbed with the pool, hidden until asked for; it follows the context.
        self.preview_dock = PreviewDock(self.context, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.preview_dock)
        self.tabifyDockWidget(self.pool_dock, self.preview_dock)
        # The review queue and the history: tabbed there too, hidden until asked for.
        self.review_dock = ReviewDock(self.context, self)
        self.history_dock = HistoryDock(self.context, self)
        for dock in (self.review_dock, self.history_dock):
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            self.tabifyDockWidget(self.pool_dock, dock)
            dock.hide()
        self.pool_dock.raise_()
        self.preview_dock.hide()

        self.status = StatusBar(self.settings.zoom)
        self.setStatusBar(self.status)
        self.zoom = self.status.zoom
        self._stats_timer = QTimer(self, singleShot=True, interval=STATS_DELAY_MS)
        self._facets: CallWorker | None = None  # counting the filter choices
        self._panels_timer = QTimer(self, singleShot=True, interval=PANELS_DELAY_MS)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState() needs names
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        a = self.act
        for name, action in a.all.items():
            slot = getattr(self, f"_on_{name}_triggered", None)
            if slot is not None:
                action.triggered.connect(slot)
        for genre, action in a.genres.items():
            action.triggered.connect(partial(self._on_genre_triggered, genre))
        for action in a.views:
            action.triggered.connect(partial(self._on_view_triggered, action))
        self.saved_views.listed.connect(a.show_views)
        self.detail.genre_toggled.connect(self._on_genre_triggered)
        self.filter_bar.query_changed.connect(self._on_filter_query_changed)
        self.filter_bar.fixed_list_closed.connect(self._on_filter_fixed_list_closed)
        self.grid.selectionModel().selectionChanged.connect(self._on_grid_selection_changed)
        self.model.modelReset.connect(self._on_model_reset)
        self.model.counted.connect(self._update_counts)
        self.pool.status_requested.connect(self.editor.set_status)
        self.pool.default_requested.connect(self.editor.make_default)
        self.pool.selection_changed.connect(self._on_pool_selection_changed)
        self.filter_bar.query_changed.connect(self.preview_dock.set_query)
        self.preview_dock.title_selected.connect(self._on_preview_title_selected)
        self.preview_dock.profiles_changed.connect(self._on_preview_profiles_changed)
        self.review_dock.poster_selected.connect(self._on_review_poster_selected)
        self.context.catalog_changed.connect(self._on_catalog_changed)
        self.context.scores_changed.connect(self._on_scores_changed)
        self.editor.failed.connect(self._on_editor_failed)
        self.editor.edits.working.connect(self._on_edits_working)
        self.context.live.announced.connect(self.status.show_news)
        rescorer = self.context.rescorer
        rescorer.progressed.connect(self._on_rescorer_progressed)
        rescorer.finished.connect(self._on_rescorer_finished)
        self.zoom.valueChanged.connect(self._on_zoom_value_changed)
        self._stats_timer.timeout.connect(self._on_stats_timer_timeout)
        self._panels_timer.timeout.connect(self._on_panels_timer_timeout)
        app = QApplication.instance()
        assert isinstance(app, QApplication)  # a window needs a widget application
        app.focusChanged.connect(self._on_app_focus_changed)

    def _restore_settings(self) -> None:
        if self.settings.geometry is not None:
            self.restoreGeometry(self.settings.geometry)
        else:
            self.resize(1440, 900)
        if self.settings.window_state is not None:
            self.restoreState(self.settings.window_state)
        else:
            self.resizeDocks([self.detail_dock], [400], Qt.Orientation.Horizontal)
            self.resizeDocks(
                [self.pool_dock], [self.pool.sizeHint().height()], Qt.Orientation.Vertical
            )
        self._update_curator()

    # -- workspace -----------------------------------------------------------------------------
    def open_workspace(self, workspace: Workspace) -> bool:
        """Show ``workspace`` (its catalog is created or upgraded as needed)."""
        try:
            self.context.open(workspace)  # the window's parts, then the docks, follow it
        except PosterToolError as exc:
            show_error(self, f"Cannot open the workspace {workspace.root}: {exc}")
            return False
        self._score_new_posters()
        return True

    def _on_context_workspace_changed(self, workspace: Workspace) -> None:
        store = self.context.store
        assert store is not None  # the context has just opened it
        for part in (self.model, self.detail, self.pool):
            part.store = store
        self.model.workspace = workspace
        self.settings.workspace = str(workspace.root)
        self.setWindowTitle(f"Poster Studio — {workspace.root}")
        self.first_run.set_workspace(str(workspace.root))
        self._load_sources()
        self.filter_bar.power.set_curators(store.curators())
        self.saved_views.reload()
        self.filter_bar.show_banner(None)
        self.model.set_query(self.filter_bar.query())
        self.grid.show_uncertainty(self.model.query.sort == "uncertain")
        self.pool.show_title(None)
        self.preview_dock.set_query(self.filter_bar.query())
        self._update_enabled()
        self._on_stats_timer_timeout()

    def _after_catalog_change(self) -> None:
        if self.store is None:
            return
        self._load_sources()
        self.editor.saw(self.store.last_change())  # the grid re-reads everything
        self.model.reload()
        self._update_enabled()
        self._on_stats_timer_timeout()
        self.context.catalog_changed.emit(None)
        self._score_new_posters()

    def _load_sources(self) -> None:
        # DISTINCT over a million posters scans them all (two seconds): not on the GUI thread.
        if self.store is not None and self.workspace is not None:
            read = lambda store: store.sources()  # noqa: E731 - runs here or in the worker
            answer_soon(self.store, self.workspace, read, self.filter_bar.set_sources)

    def _score_new_posters(self) -> None:
        # Imported posters get the model's suggestions from the first start, in the background.
        if not (self.settings.auto_score and self.workspace and self.store):
            return
        if self.store.any_unscored():
            self.context.rescorer.score_new(self.workspace)

    def _on_focus_window_changed(self, window: object) -> None:
        if not self.isVisible() or QApplication.activeModalWidget() is not None:
            return
        handle = self.windowHandle()
        if window is None or window is handle:
            QTimer.singleShot(0, self._refocus_grid)

    def _refocus_grid(self) -> None:
        if (
            self.isVisible()
            and QApplication.activeModalWidget() is None
            and ((focused := QApplication.focusWidget()) is None or focused.window() is not self)
        ):
            self.activateWindow()
            (self.pool.view if self._pool_has_focus else self.grid).setFocus()

    # -- action slots: file ----------------------------------------------------------------------
    def _on_open_workspace_triggered(self) -> None:
        if workspace := flows.choose_workspace(self, self.workspace, create=False):
            self.open_workspace(workspace)

    def _on_new_workspace_triggered(self) -> None:
        if workspace := flows.choose_workspace(self, self.workspace, create=True):
            self.open_workspace(workspace)

    def _on_open_demo_triggered(self) -> None:
        from poster_tool.core.demo import demo_root

        try:
            workspace = Workspace.open(demo_root())
        except PosterToolError as exc:
            show_error(self, str(exc))
            return
        if self.open_workspace(workspace):
            self.ensure_demo(interactive=True)

    def ensure_demo(self, interactive: bool) -> None:
        """Draw the demo posters into the open workspace if it is still empty.

        :param interactive: show a progress dialog (else build right here, for screenshots)
        """
        if self.workspace is not None and self.store is not None and not self.model.total:
            flows.build_demo(self, self.workspace, self.store, interactive)
            self._after_catalog_change()

    def ask_curator_first_time(self) -> None:
        """Ask for the curator's name (first start); the OS user name if declined."""
        from poster_tool.gui.common.dialogs import default_curator

        self.settings.curator = ask_curator(self) or default_curator() or "curator"
        self._update_curator()

    def _on_import_csv_triggered(self) -> None:
        if self.workspace is not None and flows.import_csv(self, self.workspace):
            self._after_catalog_change()

    def _on_import_folder_triggered(self) -> None:
        if self.workspace is not None and flows.import_folder(self, self.workspace):
            self._after_catalog_change()

    def _on_crawl_triggered(self) -> None:
        if self.workspace is not None and flows.crawl(self, self.workspace):
            self._after_catalog_change()

    def _on_export_triggered(self) -> None:
        from poster_tool.gui.files.export_dialog import ExportDialog

        if self.editor.busy:  # what the export writes holds every edit the stack shows done
            self.statusBar().showMessage("The export opens once the edits under way have landed…")
            self.editor.edits.idle.connect(
                self._on_export_triggered, Qt.ConnectionType.SingleShotConnection
            )
            return
        if self.workspace is not None:
            dialog = ExportDialog(self.workspace, self)
            dialog.exported.connect(self.editor.stack.setClean)  # clean after an export
            dialog.exec()

    def _on_retrain_triggered(self) -> None:
        self.show_retrain()

    def show_retrain(self) -> RetrainDock:
        """Show the Retrain dock in front, making it on first use."""
        from poster_tool.gui.retrain.train_dialog import RetrainDock  # made only when asked

        dock = self._retrain_dock
        if dock is None:
            dock = self._retrain_dock = RetrainDock(self.context, self)
            if not self.restoreDockWidget(dock):  # where the user left it last time
                self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
                self.tabifyDockWidget(self.detail_dock, dock)
                self.resizeDocks([dock], [480], Qt.Orientation.Horizontal)
        dock.show()
        dock.raise_()
        QTimer.singleShot(0, dock.raise_)  # a tab bar made by the first layout raises its first tab
        dock.refresh_info()
        return dock

    def _on_model_errors_triggered(self) -> None:
        dock = self._mistakes_dock
        if dock is None:
            dock = self._mistakes_dock = MistakesDock(self.context, self)
            dock.listed.connect(self._on_mistakes_listed)
            dock.poster_chosen.connect(self._on_mistakes_poster_chosen)
            if not self.restoreDockWidget(dock):  # where the user left it last time
                self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
                self.tabifyDockWidget(self.pool_dock, dock)
            dock.load_versions()
        dock.show()
        dock.raise_()
        dock.table.setFocus()
        dock.refresh()

    def _on_mistakes_listed(self, what: str, ids: list[int]) -> None:
        # The grid shows the queue in its order, so the usual keys edit it.
        self.model.set_ids(ids)
        self.filter_bar.show_banner(f"Showing the {len(ids)} {what}")
        if ids:
            self.grid.select_row(0)

    def _on_mistakes_poster_chosen(self, poster_id: int) -> None:
        row = self.model.row_of(poster_id)
        if row is not None:
            self.grid.select_row(row)

    def _on_model_history_triggered(self) -> None:
        from poster_tool.gui.retrain.model_history import show_history

        show_history(self.context, self)

    def _on_quit_triggered(self) -> None:
        self.close()

    # -- action slots: curation --------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        """The posters an edit applies to: the pool's selection when it has focus, else the
        grid's."""
        if self._pool_has_focus and self.pool.selected_ids():
            return self.pool.selected_ids()
        return self.grid.selected_ids()

    def _on_approve_triggered(self) -> None:
        ids = self.selected_ids()
        self.editor.set_status(ids, "approved")
        if ids:
            # Say when what goes out is not simply the official genres (once approved).
            self.editor.read_after(
                "Working out what the export gets",
                partial(export_outlook, ids=ids),
                partial(self._on_approved_outlook, ids),
            )

    def _on_approved_outlook(self, ids: list[int], outlook: tuple[int, int]) -> None:
        held, model = outlook
        notes = (
            [
                f"{held} held back from the export for review (the model doubts an "
                "official genre: decide their genres)"
            ]
            if held
            else []
        ) + ([f"{model} export genres added by the model"] if model else [])
        if notes:
            self.statusBar().showMessage(f"Approved {len(ids)}: " + "; ".join(notes) + ".", 15_000)

    def _apply_rule(
        self,
        ids: list[int],
        rule: Callable[[PosterStore, list[int]], Any],
        done: Callable[[list[int], Any], None],
    ) -> None:
        """``done(ids, rule(store, ids))``: at once for a few posters, else once a worker
        with its own store has it, so a large selection never blocks the window."""
        workspace, store = self.workspace, self.store
        if workspace is None or store is None:
            return
        if len(ids) <= RULE_AT_ONCE:
            done(ids, rule(store, ids))
            return

        def run() -> Any:
            with workspace.store() as own:
                return rule(own, ids)

        worker = CallWorker(run)
        worker.signals.result.connect(partial(self._on_rule_result, workspace, ids, done))
        worker.signals.error.connect(self._on_editor_failed)
        start(worker)

    def _on_rule_result(
        self,
        workspace: Workspace,
        ids: list[int],
        done: Callable[[list[int], Any], None],
        value: Any,
    ) -> None:
        if workspace is self.workspace:  # else moot: another workspace is open now
            done(ids, value)

    def _on_editor_failed(self, message: str) -> None:
        # Refused edits and failed undo/redo steps (a poster changed by another program):
        # said where the curator looks while editing, without a dialog to dismiss.
        self.statusBar().showMessage(f"Not done: {message}", 20_000)
        if self.editor.busy:
            self._working = None  # (see _on_edits_working)

    def _on_edits_working(self, doing: str) -> None:
        # A long edit is said while it runs ("Approving 20,000 posters…"), then cleared
        # unless another message (the edit's outcome) has taken its place.  A refusal
        # stays readable: the queue says nothing more until it is empty.
        bar = self.statusBar()
        if self._working is None:
            self._working = None if doing else ""
            return
        if doing:
            bar.showMessage(doing)
        elif bar.currentMessage() == self._working:
            bar.clearMessage()
        self._working = doing

    def _on_accept_model_triggered(self) -> None:
        ids = list(dict.fromkeys(self.selected_ids()))
        if len(ids) > RULE_AT_ONCE:
            self.statusBar().showMessage(f"Reading the model's genres of {len(ids)} posters…")
        self._apply_rule(ids, accepted, self._on_accepted)

    def _on_accepted(self, ids: list[int], after: dict[int, list[str]]) -> None:
        taken = self.editor.accept_model(after)
        self.editor.after_edits(partial(self._on_accept_landed, ids, taken))

    def _on_accept_landed(self, ids: list[int], taken: int) -> None:
        self.statusBar().showMessage(
            f"The model's genres are now the curator's on {taken} of {len(ids)} posters"
            + ("" if taken == len(ids) else " (the others are not scored yet)")
            + ".",
            8000,
        )

    def _on_reject_triggered(self) -> None:
        self.editor.set_status(self.selected_ids(), "rejected")

    def _on_reset_status_triggered(self) -> None:
        self.editor.set_status(self.selected_ids(), "pending")

    def _on_make_default_triggered(self) -> None:
        self.editor.make_default(self.selected_ids())

    def _on_mark_sensitive_triggered(self) -> None:
        ids = self.selected_ids()
        if ids and (reason := ask_reason(self, len(ids))):
            self.editor.set_sensitive(ids, reason)
            # Read once the edit has landed (after it, in the edits' worker).
            self.editor.read_after(
                "Looking for default posters among them",
                partial(curation.sensitive_defaults, ids=ids),
                self._on_sensitive_defaults,
            )

    def _on_sensitive_defaults(self, titles: list[str]) -> None:
        if titles:
            self.statusBar().showMessage(
                f"{curation.titles_line(titles)}: the default poster is now sensitive "
                "and never shown. Make another poster of the title the default (D).",
                15_000,
            )

    def _on_clear_sensitive_triggered(self) -> None:
        self.editor.set_sensitive(self.selected_ids(), None)

    def _on_genre_triggered(self, genre: str) -> None:
        self.editor.toggle_genre(self.selected_ids(), genre)

    def _on_next_unlabelled_triggered(self) -> None:
        if self.filter_bar.search.hasFocus():  # Enter in the search field: search, go to grid
            self.filter_bar.flush()
            self.grid.setFocus()
            return
        current = self.grid.currentIndex()
        row = self.model.next_undecided(current.row() if current.isValid() else -1)
        if row is None:
            self.statusBar().showMessage("No undecided poster after this one.", 4000)
        else:
            self.grid.select_row(row)
            self.grid.setFocus()

    def _on_curator_name_triggered(self) -> None:
        name = ask_curator(self, self.settings.curator)
        if name:
            self.settings.curator = name
            self._update_curator()

    def _on_catalog_changed(self, ids: list[int] | None) -> None:
        if ids is None:  # a whole-catalog change: _after_catalog_change re-read everything
            return
        self.model.refresh(ids)
        self.pool.refresh(ids)
        self.detail.refresh()
        self._stats_timer.start()

    def _on_scores_changed(self) -> None:
        self.model.refresh_all()
        self.pool.model.refresh_all()
        self.detail.refresh()

    def _on_rescorer_progressed(self, report: Progress) -> None:
        self.statusBar().showMessage(f"Re-scoring: {report.line()}")

    def _on_rescorer_finished(self, _ok: bool, line: str) -> None:
        self.statusBar().showMessage(line, RESCORE_STATUS_MS)

    # -- action slots: view --------------------------------------------------------------------
    def _on_refresh_triggered(self) -> None:
        self._after_catalog_change()

    def _on_find_triggered(self) -> None:
        self.filter_bar.search.setFocus()
        self.filter_bar.search.selectAll()

    def _on_more_filters_triggered(self) -> None:
        more = self.filter_bar.more
        more.setChecked(not more.isChecked())
        if more.isChecked():
            self.filter_bar.power.score_genre.setFocus()
        else:
            self.grid.setFocus()

    def _on_clear_filters_triggered(self) -> None:
        self.filter_bar.clear_filters()

    def _on_save_view_triggered(self) -> None:
        self.saved_views.save()

    def _on_rename_view_triggered(self) -> None:
        self.saved_views.rename()

    def _on_delete_view_triggered(self) -> None:
        self.saved_views.delete()

    def _on_choose_view_triggered(self) -> None:
        self.filter_bar.views.setFocus()
        self.filter_bar.views.showPopup()

    def _on_view_triggered(self, action: QAction) -> None:
        self.filter_bar.apply_view(action.data())

    def _on_zoom_in_triggered(self) -> None:
        self.zoom.setValue(self.zoom.value() + 24)

    def _on_zoom_out_triggered(self) -> None:
        self.zoom.setValue(self.zoom.value() - 24)

    def _on_zoom_value_changed(self, value: int) -> None:
        self.settings.zoom = value
        self.grid.set_zoom(value)

    def _on_show_pool_triggered(self) -> None:
        self.pool_dock.show()
        self.pool_dock.raise_()
        self.pool.view.setFocus()

    def _on_loupe_triggered(self) -> None:
        self._show_loupe(self.selected_ids()[:1])

    def _on_compare_triggered(self) -> None:
        if self.store is None:
            return
        try:
            ids = compared_ids(self.store, self.selected_ids())
        except PosterToolError as exc:
            show_error(self, str(exc))
            return
        if len(ids) < 2:
            self.status.showMessage("Nothing to compare: this title has a single poster", 5000)
            return
        self._show_loupe(ids)

    def _show_loupe(self, ids: list[int]) -> None:
        if ids:
            dialog = LoupeDialog(self.context, ids, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.show()

    def _on_show_preview_triggered(self) -> None:
        self.preview_dock.present()

    def _on_experiments_triggered(self) -> None:
        from poster_tool.gui.experiments.experiments_dialog import ExperimentsDialog

        if self.workspace is not None:
            dialog = ExperimentsDialog(self.workspace, self.settings.curator, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.show()

    def _on_mark_review_triggered(self) -> None:
        self.editor.mark_review(self.selected_ids())

    def _on_show_review_triggered(self) -> None:
        self.review_dock.present()

    def _on_show_history_triggered(self) -> None:
        self.history_dock.show_posters(self.selected_ids())
        self.history_dock.present()

    def _on_agreement_triggered(self) -> None:
        from poster_tool.gui.review.agreement_dialog import AgreementDialog

        if self.workspace is not None:
            dialog = AgreementDialog(self.workspace, self)
            dialog.poster_selected.connect(self._on_review_poster_selected)
            dialog.exec()

    def _on_review_poster_selected(self, poster_id: int) -> None:
        # The queue and the agreement report name posters the grid's filter may hide.
        self.detail.show_ids([poster_id])
        self.history_dock.show_posters([poster_id])

    def _on_edit_profiles_triggered(self) -> None:
        self.preview_dock.edit_profiles()

    def _on_near_duplicates_triggered(self) -> None:
        self._show_found(near_duplicate_ids, "near-duplicates of poster #{}")

    def _on_similar_triggered(self) -> None:
        self._show_found(similar_ids, "posters most similar to #{} (by model embedding)")

    def _show_found(self, find: Callable[[Workspace, int], list[int]], what: str) -> None:
        poster_id = self.grid.current_id()
        if poster_id is None or self.workspace is None:
            return
        workspace, what = self.workspace, what.format(poster_id)
        self.statusBar().showMessage(f"Finding {what}…")
        worker = CallWorker(lambda: (what, find(workspace, poster_id)))
        # Bound-method slots: Qt drops them if the window is gone when the worker ends.
        worker.signals.result.connect(self._on_found_result)
        worker.signals.error.connect(self._on_worker_error)
        worker.signals.finished.connect(self.statusBar().clearMessage)
        start(worker)

    def _on_worker_error(self, message: str) -> None:
        show_error(self, message)

    def _on_found_result(self, found: tuple[str, list[int]]) -> None:
        what, ids = found
        self.model.set_ids(ids)
        others = len(ids) - 1
        self.filter_bar.show_banner(
            f"Showing the {others} {what}" if others else f"No {what}: only the poster itself"
        )
        if ids:
            self.grid.select_row(0)

    def _on_guide_triggered(self) -> None:
        show_guide(self)

    def _on_about_triggered(self) -> None:
        AboutDialog(self.workspace, self.store, self).exec()

    # -- other slots ----------------------------------------------------------------------------
    def _on_filter_query_changed(self, query: PosterQuery) -> None:
        if self.store is None:
            return
        self.settings.sort = query.sort
        self.grid.show_uncertainty(query.sort == "uncertain")
        self.filter_bar.show_banner(None)
        self._stop_facets()  # the counts of the query left: their core is wanted for the new one
        self.model.set_query(query)
        self._count_facets()

    def _on_filter_fixed_list_closed(self) -> None:
        self._on_filter_query_changed(self.filter_bar.query())

    def _on_model_reset(self) -> None:
        # The new first page shows now; the panels, which read much more, follow it.
        self.grid.viewport().repaint()
        # The grid starts on its first poster, so keys work and the panels show something.
        QTimer.singleShot(0, self._select_first)
        self._update_counts()

    def _select_first(self) -> None:
        if self.model.rowCount() and not self.grid.selectionModel().hasSelection():
            self.grid.select_row(0)

    def _on_grid_selection_changed(self) -> None:
        self._update_enabled()
        self._update_counts()
        self._panels_timer.start()

    def _on_panels_timer_timeout(self) -> None:
        ids = self.grid.selected_ids()
        self.detail.show_ids(ids)
        self.history_dock.show_posters(ids)
        row = self.grid.pool_row()
        poster = self.model.poster_at(row) if row is not None else None
        if poster is not None and poster.title_id != self.pool.title_id:
            self.pool.show_title(poster.title_id)

    def _on_preview_title_selected(self, title_id: int) -> None:
        if self.pool.title_id != title_id:
            self.pool.show_title(title_id)

    def _on_preview_profiles_changed(self) -> None:
        if self.pool.title_id is not None:  # who sees which poster may have changed
            self.pool.show_title(self.pool.title_id, keep_selection=True)

    def _on_pool_selection_changed(self, ids: list[int]) -> None:
        if ids and self._pool_has_focus:
            self.detail.show_ids(ids)
        self._update_enabled()

    def _on_app_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is self.pool.view:
            self._pool_has_focus = True
        elif new is self.grid:
            self._pool_has_focus = False
            self.detail.show_ids(self.grid.selected_ids())

    def _on_stats_timer_timeout(self) -> None:
        if self.workspace is None:
            return
        workspace = self.workspace

        def count() -> dict[str, Any]:
            with workspace.store(mapped=False) as store:
                return store.stats()

        worker = CallWorker(count)
        worker.signals.result.connect(self._on_stats_result)
        start(worker)
        self._count_facets()

    def _count_facets(self) -> None:
        # The choices' counts scan the filtered catalog: in a worker, like the stats.
        if self.workspace is None or self.model.fixed:
            return
        workspace, query = self.workspace, self.model.query
        self._stop_facets()

        def count() -> tuple[PosterQuery, dict[str, dict[Any, int]]]:
            with workspace.store(mapped=False) as store, store.stop_when(lambda: worker.cancelled):
                return query, store.facet_counts(query)

        worker = self._facets = CallWorker(count)
        worker.signals.result.connect(self._on_facets_result)
        start_soon(worker)  # queued behind the grid's first page

    def _stop_facets(self) -> None:
        if self._facets is not None:
            self._facets.cancel()
            self._facets = None

    def _on_facets_result(self, found: tuple[PosterQuery, dict[str, dict[Any, int]]]) -> None:
        query, counts = found
        if query == self.model.query:  # not a query the curator has left meanwhile
            self.filter_bar.show_counts(counts)

    def _on_stats_result(self, stats: dict[str, Any]) -> None:
        self.status.show_stats(stats)
        if self.store is not None:  # a curator's first edit makes them a choice
            self.filter_bar.power.set_curators(self.store.curators())
        self._show_browse(stats["posters"]["total"] > 0 or self._grid_has_rows())

    # -- helpers ---------------------------------------------------------------------------------
    def _update_counts(self, *_: object) -> None:
        current = self.grid.currentIndex()
        self.status.show_counts(
            self.model.total,
            self.model.counting,
            self.grid.selected_count(),
            current.row() if current.isValid() else None,
            self.model.query.sort == "uncertain",
        )

    def _update_curator(self) -> None:
        self.editor.curator = self.settings.curator or "unknown"
        self.status.show_curator(self.editor.curator)

    def _update_enabled(self) -> None:
        has_catalog = self.store is not None
        # Counted by ranges, as selected_ids() would list a million ids after Ctrl+A.
        has_selection = has_catalog and (
            (self._pool_has_focus and bool(self.pool.selected_ids()))
            or self.grid.selected_count() > 0
        )
        for action in self.act.catalog_actions():
            action.setEnabled(has_catalog)
        for action in self.act.selection_actions():
            action.setEnabled(has_selection)
        for action in (self.act.export, self.act.crawl, self.act.retrain, self.act.model_history):
            action.setEnabled(has_catalog)
        self._show_browse(has_catalog and self._grid_has_rows())

    def _grid_has_rows(self) -> bool:
        """Whether the grid shows (or is still counting) posters, or a fixed list."""
        return bool(self.model.total or self.model.fixed or self.model.counting)

    def _show_browse(self, browse: bool) -> None:
        """The grid with its panels, or the first-run guide alone (panels hidden meanwhile)."""
        if browse == self._browsing:
            return
        self._browsing = browse
        self.pages.setCurrentIndex(1 if browse else 0)
        for dock in (self.detail_dock, self.pool_dock):
            if not browse:
                self._docks_shown[dock] = not dock.isHidden()  # (the window may be unshown)
                dock.setVisible(False)
            elif dock in self._docks_shown:
                dock.setVisible(self._docks_shown.pop(dock))

    def loaded(self) -> bool:
        """Whether every visible thumbnail (and the detail picture) has been decoded, and the
        model errors queue (when open) is listed."""
        if self._mistakes_dock is not None and self._mistakes_dock.busy():
            return False
        if self.pages.currentIndex() == 0:
            return True
        rows = self.grid.visible_rows()
        return self.model.visible_loaded(rows) and self.thumbnails.pending == 0

    def closeEvent(self, event: QCloseEvent) -> None:
        self._show_browse(True)  # save the panels as the user left them, not as hidden
        self.settings.geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        self.settings.sync()
        if self.editor.busy:  # closing waits for them: nothing lost, nothing half-written
            self.statusBar().showMessage("Finishing the edits under way before closing…")
            self.statusBar().repaint()
        self.context.stop_jobs()
        self._panels_timer.stop()
        if self.store is not None:
            # Empty the grid and the pool, then detach every part: late signals must not
            # reach a closed connection, and no view may paint rows without a store.
            self.model.workspace = None
            self.model.set_ids([])
            self.pool.show_title(None)
            self.model.store = self.pool.store = self.detail.store = None
            self.context.close()
        super().closeEvent(event)
