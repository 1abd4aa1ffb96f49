"""Every ``QAction`` of the window and its shortcut, in one table.

Standard ``QKeySequence`` keys where Qt has them; single keys for the curator's hot path
(1–9/0 toggle the first ten genres, A approve, R reject, D default, S sensitive, Enter
next poster awaiting a decision; Ctrl+1–9 show the first nine saved views).  Single-key
shortcuts never fire while a text field has focus: the field takes its letters first.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from poster_tool.core.taxonomy import GENRES
from poster_tool.gui.common.icons import icon

Key = QKeySequence.StandardKey | str | tuple[str, ...]

GENRE_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0")
KEYED_GENRES = GENRES[: len(GENRE_KEYS)]  # the genres the number keys toggle
VIEW_KEYS = 9  # saved views with a key of their own (Ctrl+1 … Ctrl+9)


@dataclass(frozen=True)
class Spec:
    """One action: attribute name, menu text, shortcut, status tip, toolbar text."""

    name: str
    text: str
    key: Key | None
    tip: str
    short: str | None = None  # the toolbar's label, when shorter than the menu text


SPECS: tuple[Spec, ...] = (
    # File
    Spec(
        "open_workspace",
        "&Open Workspace…",
        QKeySequence.StandardKey.Open,
        "Open a workspace folder (a catalog with its images)",
        "Open",
    ),
    Spec(
        "new_workspace",
        "&New Workspace…",
        QKeySequence.StandardKey.New,
        "Create an empty workspace in a folder of your choice",
    ),
    Spec(
        "open_demo",
        "Open &Demo Workspace",
        None,
        "Open (building it the first time) a workspace of synthetic demo posters",
    ),
    Spec(
        "import_csv",
        "Import &CSV Manifest…",
        "Ctrl+I",
        "Import posters listed in a CSV file (id, title, year, genres, path)",
        "Import CSV",
    ),
    Spec(
        "import_folder",
        "Import &Folder…",
        "Ctrl+Shift+I",
        "Import a folder holding one sub-folder per title, e.g. 'Parasite (2019)'",
        "Import Folder",
    ),
    Spec("crawl", "C&rawl…", None, "Fetch poster pools from a web source", "Crawl"),
    Spec("export", "&Export…", "Ctrl+E", "Export curated posters and labels", "Export"),
    Spec("quit", "&Quit", QKeySequence.StandardKey.Quit, "Close Poster Studio"),
    # Edit (curation)
    Spec("approve", "&Approve", "A", "Approve the selected posters"),
    Spec("reject", "&Reject", "R", "Reject the selected posters"),
    Spec("reset_status", "Mark &Pending", "P", "Set the selected posters back to pending"),
    Spec(
        "make_default",
        "Make &Default",
        "D",
        "Make the selected poster its title's default (and approve it)",
        "Default",
    ),
    Spec(
        "mark_sensitive",
        "Mark &Sensitive…",
        "S",
        "Mark the selected posters sensitive, with a reason",
        "Sensitive",
    ),
    Spec(
        "accept_model",
        "Accept &Model Genres",
        "M",
        "Make the model's genres the curator's for the selected posters: official genres it "
        "doubts go, its suggestions come in",
    ),
    Spec(
        "clear_sensitive",
        "Clear Sensitive",
        "Shift+S",
        "Remove the sensitive mark from the selected posters",
    ),
    Spec(
        "next_unlabelled",
        "&Next Undecided Poster",
        ("Return", "Enter"),
        "Jump to the next poster still pending with no curator labels",
    ),
    Spec(
        "curator_name",
        "Curator &Name…",
        None,
        "Change the name written to the audit log with your edits",
    ),
    # View
    Spec(
        "refresh",
        "Re&fresh",
        QKeySequence.StandardKey.Refresh,
        "Query the catalog again (drops posters that no longer match the filters)",
    ),
    Spec("find", "&Search Titles", QKeySequence.StandardKey.Find, "Type to search titles"),
    Spec("zoom_in", "Zoom &In", QKeySequence.StandardKey.ZoomIn, "Larger thumbnails"),
    Spec("zoom_out", "Zoom &Out", QKeySequence.StandardKey.ZoomOut, "Smaller thumbnails"),
    Spec(
        "near_duplicates",
        "Near-&Duplicates of Selected",
        "Ctrl+Shift+D",
        "Show posters that look like the selected one (perceptual hash)",
        "Duplicates",
    ),
    Spec(
        "similar",
        "Si&milar Posters",
        "Ctrl+Shift+M",
        "Show posters whose model embedding is closest to the selected one",
        "Similar",
    ),
    Spec(
        "show_pool",
        "Title &Pool",
        "T",
        "Show every poster of the selected poster's title side by side",
    ),
    Spec(
        "loupe",
        "&Loupe",
        "Space",
        "Show the selected poster at full resolution (zoom with the wheel, pan by dragging)",
        "Loupe",
    ),
    Spec(
        "compare",
        "&Compare Posters",
        "C",
        "Show two to four selected posters side by side at one scale (one selected: its "
        "title's pool)",
        "Compare",
    ),
    Spec(
        "show_preview",
        "Personalized Pre&view",
        "Ctrl+Shift+P",
        "Show the poster each viewer profile gets, title by title",
        "Preview",
    ),
    Spec(
        "experiments",
        "E&xperiments…",
        None,
        "Write an A/B plan, import impression logs and compare the policies' take rates",
    ),
    Spec(
        "edit_profiles",
        "Edit Viewer Pro&files…",
        None,
        "Add, rename or delete viewer profiles; edit their likes, dislikes and history",
    ),
    # Review
    Spec(
        "mark_review",
        "Mark for Re&view",
        "Ctrl+Shift+R",
        "Put the selected posters in the reviewer's queue",
    ),
    Spec(
        "show_review",
        "Review &Queue",
        "Ctrl+Shift+Q",
        "Curator edits no reviewer has decided on; Y accepts, O overrides",
        "Review",
    ),
    Spec(
        "show_history",
        "&History of Selection",
        "Ctrl+Shift+H",
        "Who changed the selected posters, what and when; revert to any point",
        "History",
    ),
    Spec(
        "agreement",
        "&Agreement between Curators…",
        "Ctrl+Shift+K",
        "Per-genre Cohen's kappa of two curators and the posters they disagree on",
    ),
    # Filters
    Spec(
        "more_filters",
        "&More Filters",
        "Ctrl+Shift+F",
        "Show or hide the power filters: score range, not labelled, provenance, curator, days",
    ),
    Spec(
        "clear_filters",
        "&Clear All Filters",
        "Ctrl+Shift+Backspace",
        "Show every poster again (the sort order stays)",
    ),
    Spec(
        "save_view",
        "&Save View As…",
        "Ctrl+Shift+S",
        "Save the filters and sort as a named view every curator of the workspace sees",
    ),
    Spec("rename_view", "&Rename View…", "F2", "Rename the saved view shown"),
    Spec("delete_view", "&Delete View", "Ctrl+Shift+Delete", "Delete the saved view shown"),
    Spec(
        "choose_view",
        "C&hoose Saved View…",
        "Ctrl+Shift+V",
        "Open the list of saved views (Ctrl+1 … Ctrl+9 show the first nine at once)",
    ),
    # Model
    Spec(
        "retrain",
        "Re&train Model…",
        None,
        "Retrain the genre model on the curated labels",
        "Retrain",
    ),
    Spec(
        "model_errors",
        "Model &Errors",
        "Ctrl+Shift+E",
        "List the test posters the model got most wrong, worst first: is the label or the "
        "model at fault?",
    ),
    Spec(
        "model_history",
        "Model &History…",
        None,
        "List model versions, compare two, and roll back to an earlier one",
    ),
    # Help
    Spec(
        "guide",
        "&Getting Started",
        QKeySequence.StandardKey.HelpContents,
        "How to import, curate and undo",
    ),
    Spec("about", "&About Poster Studio", None, "Version and the active model's card"),
)


# Menus and the toolbar by action name; None is a separator.  "undo", "redo" and the
# panels' "toggle_*" actions are made by the window (undo stack, docks) and passed in.
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    (
        "&File",
        (
            "open_workspace",
            "new_workspace",
            "open_demo",
            None,
            "import_csv",
            "import_folder",
            "crawl",
            None,
            "export",
            None,
            "quit",
        ),
    ),
    (
        "&Edit",
        (
            "undo",
            "redo",
            None,
            "approve",
            "reject",
            "reset_status",
            "make_default",
            "mark_sensitive",
            "clear_sensitive",
            None,
            "accept_model",
            "next_unlabelled",
            None,
            "curator_name",
            "edit_profiles",
        ),
    ),
    (
        "&View",
        (
            "find",
            "refresh",
            None,
            "zoom_in",
            "zoom_out",
            None,
            "near_duplicates",
            "similar",
            "show_pool",
            "loupe",
            "compare",
            "show_preview",
            "experiments",
            None,
            "toggle_details",
            "toggle_pool",
        ),
    ),
    ("&Review", ("mark_review", "show_review", "show_history", None, "agreement")),
    (
        "Fi&lters",
        (
            "more_filters",
            "clear_filters",
            None,
            "save_view",
            "rename_view",
            "delete_view",
            "choose_view",
            None,
        ),
    ),
    ("&Model", ("retrain", "model_errors", "model_history")),
    ("&Help", ("guide", "about")),
)
TOOLBAR: tuple[str | None, ...] = (
    "open_workspace",
    "import_csv",
    "import_folder",
    "crawl",
    None,
    "undo_bar",
    "redo_bar",
    None,
    "approve",
    "reject",
    "make_default",
    "mark_sensitive",
    None,
    "near_duplicates",
    "similar",
    None,
    "export",
    "retrain",
)


class Actions:
    """The window's actions as attributes (``actions.approve`` …), plus genre toggles.

    :param parent: owner of the actions (the main window)
    """

    def __init__(self, parent: QObject) -> None:
        self.all: dict[str, QAction] = {}
        for spec in SPECS:
            action = QAction(icon(spec.name), spec.text, parent)
            action.setObjectName(spec.name)
            action.setStatusTip(spec.tip)
            action.setToolTip(_tooltip(spec.text, spec.key))
            if spec.short:
                action.setIconText(spec.short)
            if spec.key is not None:
                action.setShortcuts(_keys(spec.key))
            self.all[spec.name] = action
            setattr(self, spec.name, action)
        self.genres: dict[str, QAction] = {}
        for key, genre in zip(GENRE_KEYS, KEYED_GENRES, strict=True):
            action = QAction(f"Toggle {genre}", parent)
            action.setObjectName(f"genre_{genre}")
            action.setShortcut(QKeySequence(key))
            action.setStatusTip(f"Add or remove the genre {genre} on the selected posters")
            action.setData(genre)
            self.genres[genre] = action
        # Ctrl+1 … Ctrl+9 show the first nine saved views; hidden while there are fewer.
        self.views: list[QAction] = []
        for n in range(1, VIEW_KEYS + 1):
            action = QAction(parent)
            action.setObjectName(f"view_{n}")
            action.setShortcut(QKeySequence(f"Ctrl+{n}"))
            action.setVisible(False)
            self.views.append(action)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)

    # typed attributes for readers and type checkers (set in __init__ from SPECS)
    open_workspace: QAction
    new_workspace: QAction
    open_demo: QAction
    import_csv: QAction
    import_folder: QAction
    crawl: QAction
    export: QAction
    quit: QAction
    approve: QAction
    reject: QAction
    reset_status: QAction
    make_default: QAction
    mark_sensitive: QAction
    clear_sensitive: QAction
    accept_model: QAction
    next_unlabelled: QAction
    curator_name: QAction
    refresh: QAction
    find: QAction
    zoom_in: QAction
    zoom_out: QAction
    near_duplicates: QAction
    similar: QAction
    show_pool: QAction
    loupe: QAction
    compare: QAction
    show_preview: QAction
    experiments: QAction
    edit_profiles: QAction
    mark_review: QAction
    show_review: QAction
    show_history: QAction
    agreement: QAction
    more_filters: QAction
    clear_filters: QAction
    save_view: QAction
    rename_view: QAction
    delete_view: QAction
    choose_view: QAction
    retrain: QAction
    model_errors: QAction
    model_history: QAction
    guide: QAction
    about: QAction

    def adopt_undo(self, undo: QAction, redo: QAction) -> None:
        """Give the undo stack's actions their standard keys and icons, and list them.

        The menu shows the stack's own actions ("Undo Mark sensitive: 1 poster"); the
        toolbar gets stand-ins that always read "Undo" and "Redo", with the full text in
        their tooltip, so a long label never pushes other buttons out of sight.
        """
        for action, name, key in (
            (undo, "undo", QKeySequence.StandardKey.Undo),
            (redo, "redo", QKeySequence.StandardKey.Redo),
        ):
            action.setShortcuts(QKeySequence.keyBindings(key))
            action.setIcon(icon(name))
            self.all[name] = action
            short = QAction(icon(name), name.capitalize(), action.parent())
            short.triggered.connect(action.trigger)

            def follow(short: QAction = short, action: QAction = action) -> None:
                short.setEnabled(action.isEnabled())
                short.setToolTip(action.text().replace("&", "") or short.text())

            action.changed.connect(follow)
            follow()
            self.all[f"{name}_bar"] = short

    def populate(self, window: QMainWindow, extra: dict[str, QAction]) -> None:
        """Fill the window's menus and toolbar from :data:`MENUS` and :data:`TOOLBAR`.

        :param extra: actions made elsewhere, by name (the panels' show/hide toggles)
        """
        found = {**self.all, **extra}
        bar = window.menuBar()
        for title, names in MENUS:
            menu = bar.addMenu(title)
            for name in names:
                menu.addSeparator() if name is None else menu.addAction(found[name])
            if title == "&Edit":
                menu.addMenu("Toggle &Genre").addActions(list(self.genres.values()))
            if title == "Fi&lters":
                menu.addActions(self.views)
        window.addActions(list(self.genres.values()))  # number keys work with menus closed
        window.addActions(self.views)
        tools = window.addToolBar("Main")
        tools.setObjectName("mainToolBar")  # saveState() needs names
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for name in TOOLBAR:
            tools.addSeparator() if name is None else tools.addAction(found[name])

    def selection_actions(self) -> list[QAction]:
        """Actions that need at least one selected poster."""
        return [
            self.approve,
            self.reject,
            self.reset_status,
            self.make_default,
            self.mark_sensitive,
            self.clear_sensitive,
            self.accept_model,
            self.near_duplicates,
            self.similar,
            self.show_pool,
            self.mark_review,
            self.loupe,
            self.compare,
            *self.genres.values(),
        ]

    def catalog_actions(self) -> list[QAction]:
        """Actions that need an open catalog."""
        return [
            self.import_csv,
            self.import_folder,
            self.refresh,
            self.find,
            self.zoom_in,
            self.zoom_out,
            self.next_unlabelled,
            self.show_preview,
            self.experiments,
            self.model_errors,
            self.edit_profiles,
            self.show_review,
            self.show_history,
            self.agreement,
            self.more_filters,
            self.clear_filters,
            self.save_view,
            self.rename_view,
            self.delete_view,
            self.choose_view,
        ]

    def show_views(self, names: list[str]) -> None:
        """Name the keyed saved-view actions after the first nine views (hide the rest)."""
        for n, action in enumerate(self.views):
            name = names[n] if n < len(names) else None
            action.setVisible(name is not None)
            action.setText(name.replace("&", "&&") if name else "")
            action.setData(name)
            action.setStatusTip(f"Show the saved view “{name}”" if name else "")


def _keys(key: Key) -> list[QKeySequence]:
    if isinstance(key, QKeySequence.StandardKey):
        return QKeySequence.keyBindings(key)
    return [QKeySequence(k) for k in ((key,) if isinstance(key, str) else key)]


def _tooltip(text: str, key: Key | None) -> str:
    label = text.replace("&", "").rstrip("…")
    if key is None:
        return label
    shown = _keys(key)
    return (
        f"{label} ({shown[0].toString(QKeySequence.SequenceFormat.NativeText)})" if shown else label
    )
