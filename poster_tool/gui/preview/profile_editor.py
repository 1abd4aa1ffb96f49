"""The viewer-profile editor: add, rename and delete profiles, set genre likes and dislikes,
and view, add or remove viewing-history entries.

Every change is one undo step on the window's undo stack (``Editor.edit_profile``), written
at once and audited with the curator's name (one transaction each), and announced with
``profiles_changed``, so the preview behind the dialog follows live.  Ctrl+Z and Ctrl+Shift+Z
work in the dialog too.  The sample profiles are seeded when the dialog opens, once per
workspace, as soon as the catalog has titles.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.errors import PosterToolError
from poster_tool.core.personalize.profiles import (
    ProfileState,
    get_profile,
    history,
    parse_when,
    profile_state,
)
from poster_tool.core.personalize.samples import ensure_samples, seed_samples
from poster_tool.core.taxonomy import GENRES
from poster_tool.gui.common.theme import COLORS

if TYPE_CHECKING:
    from collections.abc import Callable

    from poster_tool.core.personalize.profiles import Profile, Viewing
    from poster_tool.gui.commands import Editor

NEW_NAME = "new viewer"
GENRE_COLUMNS = 2  # the genre preferences are laid out in this many columns
STYLE = f"""
QToolButton#like, QToolButton#dislike {{ padding: 1px 8px; border: 1px solid transparent;
                                         border-radius: 4px; color: #80868b; }}
QToolButton#like:hover, QToolButton#dislike:hover {{ border-color: #3a3e45; color: #e8eaed; }}
QToolButton#like:checked, QToolButton#dislike:checked {{ color: #ffffff; }}
QListWidget#profileList::item {{ padding: 5px 6px; }}
QToolButton#like:checked {{ background: {COLORS["approved"].darker(140).name()};
                            border-color: {COLORS["approved"].name()}; }}
QToolButton#dislike:checked {{ background: {COLORS["rejected"].darker(150).name()};
                               border-color: {COLORS["rejected"].name()}; }}
QProgressBar {{ border: none; background: #17191d; border-radius: 3px; }}
QProgressBar::chunk {{ background: {COLORS["profile"].name()}; border-radius: 3px; }}
"""


def confirm_delete(parent: QWidget, name: str) -> bool:
    """Ask before a profile and its history are deleted."""
    answer = QMessageBox.question(
        parent,
        "Delete profile",
        f"Delete the profile {name!r} with its likes, dislikes and viewing history?",
    )
    return answer == QMessageBox.StandardButton.Yes


class GenrePreference(QWidget):
    """One genre: the profile's affinity as a bar, and Like / Dislike toggles."""

    changed = Signal()

    def __init__(self, genre: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.genre = genre
        name = QLabel(genre)
        name.setMinimumWidth(90)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(64, 6)
        self.share = QLabel()
        self.share.setMinimumWidth(32)
        self.share.setStyleSheet(f"color: {COLORS['muted'].name()};")
        self.like = self._toggle("like", "Like", f"The viewer says they like {genre}")
        self.dislike = self._toggle(
            "dislike", "Dislike", f"Never lead with a {genre} look for this viewer"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (name, self.bar, self.share):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.like)
        layout.addWidget(self.dislike)
        self.like.clicked.connect(lambda on: self._on_clicked(self.like, self.dislike, on))
        self.dislike.clicked.connect(lambda on: self._on_clicked(self.dislike, self.like, on))

    def _toggle(self, name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        return button

    def _on_clicked(self, button: QToolButton, other: QToolButton, on: bool) -> None:
        if on:
            other.setChecked(False)  # a genre is liked, disliked or neither
        self.changed.emit()

    @property
    def preference(self) -> int:
        """+1 liked, -1 disliked, 0 neither."""
        return 1 if self.like.isChecked() else -1 if self.dislike.isChecked() else 0

    def show_profile(self, profile: Profile) -> None:
        """Show the profile's preference and affinity for this genre."""
        self.like.setChecked(self.genre in profile.likes)
        self.dislike.setChecked(self.genre in profile.dislikes)
        weight = profile.affinity.get(self.genre, 0.0)
        self.bar.setValue(round(100 * weight))
        self.share.setText(f"{weight:.0%}" if weight else "")


class ProfileEditor(QDialog):
    """Edits the viewer profiles of one catalog.

    :param editor: the window's editor: its store, curator and undo stack
    :param select: the profile to show first (default: the first one)
    """

    profiles_changed = Signal()  # any profile was added, renamed, edited or deleted

    def __init__(self, editor: Editor, parent: QWidget | None = None, select: str = "") -> None:
        super().__init__(parent)
        self.editor = editor
        self.store = store = editor.store
        self.profile: Profile | None = None
        self.viewings: list[Viewing] = []
        self.setWindowTitle("Viewer profiles")
        self.setStyleSheet(STYLE)
        self.resize(1020, 780)

        self.list = QListWidget()
        self.list.setObjectName("profileList")
        self.add = QPushButton("Add")
        self.delete = QPushButton("Delete")
        self.samples = QPushButton("Restore samples")
        self.samples.setToolTip("Add back the sample profiles that are missing")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        for button in (self.add, self.delete):
            buttons.addWidget(button)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.samples)

        self.name = QLineEdit()
        self.name.setObjectName("profileName")
        self.description = QLineEdit()
        self.description.setPlaceholderText("Who is this viewer? (optional)")
        self.summary = QLabel()
        self.summary.setStyleSheet(f"color: {COLORS['muted'].name()};")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Description", self.description)
        form.addRow("", self.summary)

        self.genres = {genre: GenrePreference(genre) for genre in GENRES}
        genre_box = QGroupBox("Genres: affinity from the history, likes and dislikes")
        grid = QGridLayout(genre_box)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(2)
        rows = -(-len(GENRES) // GENRE_COLUMNS)
        for n, row in enumerate(self.genres.values()):
            grid.addWidget(row, n % rows, n // rows)
            row.changed.connect(self._on_preferences_changed)

        self.table = QTableWidget(0, 3)
        self.table.setObjectName("historyTable")
        self.table.setHorizontalHeaderLabels(["Title", "Watched", "Minutes"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.title = QComboBox()
        self.title.setObjectName("titlePicker")
        self.title.setEditable(True)
        self.title.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        if (line := self.title.lineEdit()) is not None:  # always, as the combo is editable
            line.setPlaceholderText("Search titles…")
        for title in store.titles():
            shown = title.display + (f" · {title.original_name}" if title.original_name else "")
            self.title.addItem(shown, title.id)
        self.title.setCurrentIndex(-1)
        completer = QCompleter(self.title.model(), self.title)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.title.setCompleter(completer)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 1000)
        self.minutes.setValue(90)
        self.minutes.setSuffix(" min")
        self.add_viewing = QPushButton("Add viewing")
        self.remove_viewing = QPushButton("Remove selected")
        adder = QHBoxLayout()
        adder.addWidget(self.title, 1)
        for widget in (self.date, self.minutes, self.add_viewing, self.remove_viewing):
            adder.addWidget(widget)
        history_box = QGroupBox("Viewing history (newest first)")
        history_layout = QVBoxLayout(history_box)
        history_layout.addWidget(self.table, 1)
        history_layout.addLayout(adder)

        self.error = QLabel()
        self.error.setObjectName("profileError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {COLORS['rejected'].lighter(130).name()};")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(form)
        right_layout.addWidget(genre_box)
        right_layout.addWidget(history_box, 1)
        right_layout.addWidget(self.error)
        self.editors = right

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([220, 800])
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(close)

        self.list.currentTextChanged.connect(self._on_list_current_changed)
        self.add.clicked.connect(self.add_profile)
        self.delete.clicked.connect(self.delete_profile)
        self.samples.clicked.connect(self._on_samples_clicked)
        self.name.editingFinished.connect(self._on_name_edited)
        self.description.editingFinished.connect(self._on_description_edited)
        self.add_viewing.clicked.connect(self._on_add_viewing_clicked)
        self.remove_viewing.clicked.connect(self._on_remove_viewing_clicked)
        self.table.itemSelectionChanged.connect(self._update_enabled)
        editor.profiles_changed.connect(self._on_profile_edited)
        for action, keys in (
            (editor.stack.createUndoAction(self, "Undo"), QKeySequence.StandardKey.Undo),
            (editor.stack.createRedoAction(self, "Redo"), QKeySequence.StandardKey.Redo),
        ):
            action.setShortcut(keys)
            self.addAction(action)

        self.seeded: list[str] = []  # sample profiles added on opening
        if self._write(lambda: self.seeded.extend(ensure_samples(store)), announce=False):
            self._reload_list(select)

    # -- the list of profiles ---------------------------------------------------------------
    def names(self) -> list[str]:
        """The profiles listed, in order."""
        return [self.list.item(r).text() for r in range(self.list.count())]

    def _reload_list(self, select: str = "") -> None:
        names = self.store.profile_names()
        self.list.blockSignals(True)
        self.list.clear()
        for name in names:
            QListWidgetItem(name, self.list)
        self.list.blockSignals(False)
        if names:
            self.list.setCurrentRow(names.index(select) if select in names else 0)
        else:
            self._show(None)

    def select(self, name: str) -> None:
        """Show the profile called ``name``."""
        items = self.list.findItems(name, Qt.MatchFlag.MatchExactly)
        if items:
            self.list.setCurrentItem(items[0])

    def add_profile(self) -> None:
        """Add a profile with a free name and start renaming it."""
        taken = set(self.names())
        name = next(
            n
            for k in range(1, len(taken) + 2)
            if (n := NEW_NAME if k == 1 else f"{NEW_NAME} {k}") not in taken
        )
        if self._edit(f"Add profile “{name}”", None, ProfileState(name)):
            self.name.setFocus()
            self.name.selectAll()

    def delete_profile(self) -> None:
        """Delete the profile shown, after asking."""
        if self.profile is None or not confirm_delete(self, self.profile.name):
            return
        row = self.list.currentRow()
        name = self.profile.name
        deleted = self._edit(f"Delete profile “{name}”", profile_state(self.store, name), None)
        if deleted and self.list.count():
            self.list.setCurrentRow(min(row, self.list.count() - 1))

    def _on_samples_clicked(self) -> None:
        added: list[str] = []
        if self._write(lambda: added.extend(seed_samples(self.store))):
            self._reload_list(self.profile.name if self.profile else "")
            self.error.setText(
                f"Added {', '.join(added)}." if added else "Every sample profile is already here."
            )

    def _on_list_current_changed(self, name: str) -> None:
        self.error.clear()
        self._show(name or None)

    # -- one profile ------------------------------------------------------------------------
    def _show(self, name: str | None) -> None:
        """Fill the editors from the catalog (``None``: no profile, editors disabled)."""
        self.profile = None if name is None else get_profile(self.store, name)
        self.viewings = [] if name is None else history(self.store, name)
        profile = self.profile
        self.editors.setEnabled(profile is not None)
        self.name.setText(profile.name if profile else "")
        self.description.setText(profile.description if profile else "")
        if profile is not None:
            top = ", ".join(f"{g} {profile.affinity[g]:.0%}" for g in profile.top_genres(3))
            self.summary.setText(
                f"{profile.viewings} viewings, {profile.minutes:.0f} minutes"
                + (" · sample profile" if profile.sample else "")
                + f" · top genres: {top or 'none yet'}"
            )
            for preference in self.genres.values():
                preference.show_profile(profile)
        else:
            self.summary.clear()
        self.table.setRowCount(0)
        for viewing in reversed(self.viewings):  # newest first
            row = self.table.rowCount()
            self.table.insertRow(row)
            minutes = QTableWidgetItem(f"{viewing.minutes:g}")
            minutes.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column, item in enumerate(
                (
                    QTableWidgetItem(viewing.title),
                    QTableWidgetItem(viewing.watched_at[:10]),
                    minutes,
                )
            ):
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._update_enabled()

    def _update_enabled(self) -> None:
        self.delete.setEnabled(self.profile is not None)
        self.remove_viewing.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _on_name_edited(self) -> None:
        if self.profile is None or self.name.text().strip() == self.profile.name:
            return
        old, new = self.profile.name, self.name.text().strip()
        before = profile_state(self.store, old)
        if not self._edit(f"Rename profile “{old}” to “{new}”", before, replace(before, name=new)):
            self.name.setText(old)

    def _on_description_edited(self) -> None:
        if self.profile is None or self.description.text() == self.profile.description:
            return
        before = profile_state(self.store, self.profile.name)
        self._edit(
            f"Describe profile “{before.name}”",
            before,
            replace(before, description=self.description.text()),
        )

    def _on_preferences_changed(self) -> None:
        if self.profile is None:
            return
        before = profile_state(self.store, self.profile.name)
        after = replace(
            before,
            likes=tuple(g for g, row in self.genres.items() if row.preference > 0),
            dislikes=tuple(g for g, row in self.genres.items() if row.preference < 0),
        )
        if not self._edit(f"Change the genres of “{before.name}”", before, after):
            self._show(before.name)  # the toggles go back to what is stored

    def _on_add_viewing_clicked(self) -> None:
        if self.profile is None:
            return
        index = self.title.findText(self.title.currentText(), Qt.MatchFlag.MatchExactly)
        if index < 0:
            self.error.setText("Choose a title from the list (type to search).")
            return
        before = profile_state(self.store, self.profile.name)
        when = parse_when(self.date.date().toString("yyyy-MM-dd")).isoformat(timespec="seconds")
        viewing = (int(self.title.itemData(index)), when, float(self.minutes.value()))
        self._edit(
            f"Add a viewing to “{before.name}”",
            before,
            replace(before, viewings=(*before.viewings, viewing)),
        )

    def _on_remove_viewing_clicked(self) -> None:
        if self.profile is None:
            return
        # Table rows are newest first, the history oldest first.
        rows = self.table.selectionModel().selectedRows()
        drop = {len(self.viewings) - 1 - index.row() for index in rows}
        if not drop:
            return
        before = profile_state(self.store, self.profile.name)
        keep = tuple(v for n, v in enumerate(before.viewings) if n not in drop)
        text = f"{len(drop)} viewing" + ("" if len(drop) == 1 else "s")
        self._edit(f"Remove {text} from “{before.name}”", before, replace(before, viewings=keep))

    def _edit(self, text: str, before: ProfileState | None, after: ProfileState | None) -> bool:
        """One curator edit of a profile, as one undo step; a refusal is shown in the dialog
        (the window's status bar says it too) and leaves no undo step."""
        error = self.editor.edit_profile(text, before, after)
        self.error.setText("" if error is None else str(error))
        return error is None

    def _on_profile_edited(self, name: str) -> None:
        # An edit, undo or redo (from here or from the window): show what it left.
        self._reload_list(name)
        self.profiles_changed.emit()

    def _write(self, change: Callable[[], object], announce: bool = True) -> bool:
        """Run one catalog change; show a refusal in the dialog instead of raising.

        :param announce: emit ``profiles_changed`` on success
        """
        try:
            change()
        except PosterToolError as exc:
            self.error.setText(str(exc))
            return False
        self.error.clear()
        if announce:
            self.profiles_changed.emit()
        return True
