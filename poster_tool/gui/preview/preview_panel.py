"""The personalized preview: one home-screen row of titles as a chosen viewer profile sees it.

Each card shows the poster the policy picks for the profile above the title's default poster,
with a small label under each (personalized, fallback with its reason, default).  Hovering a
card shows the pick's one-line explanation; selecting it shows the explanation under the row.
Chips show the profile's top genres and its dislikes.

The row (:mod:`~poster_tool.gui.preview.preview_row`) is computed for every profile at once in a
worker, so switching profiles is a lookup; edits, undo, imports, Refresh, filter changes and
profile edits recompute it, debounced, and only while the panel is visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QSizePolicy,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.personalize.policy import ROW_LENGTH
from poster_tool.core.personalize.row import Row, build_row
from poster_tool.core.personalize.samples import ensure_samples
from poster_tool.core.records import PosterQuery
from poster_tool.gui.common.theme import COLORS
from poster_tool.gui.common.workers import CallWorker, start
from poster_tool.gui.preview.preview_row import (
    BIG,
    SMALL,
    CardDelegate,
    PreviewModel,
)

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent, QShowEvent

    from poster_tool.core.personalize.profiles import Profile
    from poster_tool.core.workspace import Workspace
    from poster_tool.gui.common.thumbnails import ThumbnailCache
    from poster_tool.gui.context import AppContext

RECOMPUTE_DELAY_MS = 250  # edits closer together than this cause one recompute
TOP_GENRES = 4  # affinity chips shown for the chosen profile


class ChipRow(QWidget):
    """The chosen profile's taste as chips: top genres by affinity, then its dislikes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chips: list[tuple[str, str]] = []  # (text, kind): "like" | "affinity" | "dislike"
        self._font = QFont()
        self._font.setPointSizeF(max(6.5, self._font.pointSizeF() - 1))
        self._fm = QFontMetrics(self._font)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_profile(self, profile: Profile | None) -> None:
        """Show ``profile``'s top genres and dislikes (nothing for ``None``)."""
        chips: list[tuple[str, str]] = []
        tip = ""
        if profile is not None:
            for genre in profile.top_genres(TOP_GENRES):
                share = f"{genre} {profile.affinity[genre]:.0%}"
                chips.append((("♥ " if genre in profile.likes else "") + share, "affinity"))
            if not profile.affinity:
                chips.append(("no taste yet", "none"))
            chips += [(f"✕ {genre}", "dislike") for genre in profile.dislikes]
            tip = ", ".join(f"{g} {w:.0%}" for g, w in profile.affinity.items())
            tip = (
                (f"{profile.name}: {profile.description}\n" if profile.description else "")
                + f"Affinity: {tip or 'none'}"
                + (f"\nLikes: {', '.join(profile.likes)}" if profile.likes else "")
            )
        self._chips = chips
        self.setToolTip(tip)
        self.updateGeometry()
        self.update()

    def texts(self) -> list[str]:
        """The chips' texts, in order."""
        return [text for text, _ in self._chips]

    def sizeHint(self) -> QSize:
        width = sum(self._fm.horizontalAdvance(t) + 18 for t, _ in self._chips)
        return QSize(width, self._fm.height() + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self._font)
        h = self._fm.height() + 4
        x, y = 0.5, (self.height() - h) / 2
        for text, kind in self._chips:
            w = self._fm.horizontalAdvance(text) + 14
            if x + w > self.width():
                break
            chip = QRectF(x, y, w, h)
            if kind == "dislike":
                painter.setPen(QPen(COLORS["rejected"], 1.2, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                ink = COLORS["rejected"].lighter(140)
            elif kind == "none":
                painter.setPen(QPen(COLORS["muted"], 1))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                ink = COLORS["muted"]
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(COLORS["profile"])
                ink = COLORS["text"]
            painter.drawRoundedRect(chip, h / 2, h / 2)
            painter.setPen(ink)
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
            x += w + 4


class PreviewPanel(QWidget):
    """Profile choice, the taste chips, the row of cards and the selected pick's explanation.

    :param thumbnails: where pictures come from (``None``: no pictures, e.g. in tests)
    """

    row_ready = Signal()  # a computed row arrived (tests and screenshots wait on it)
    title_selected = Signal(int)  # title id of the card the user selected
    edit_requested = Signal(str)  # "Edit…" pressed: the profile shown

    def __init__(self, thumbnails: ThumbnailCache | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace: Workspace | None = None
        self.query = PosterQuery()
        self.row: Row | None = None
        self.page = 0
        self._stale = True
        self._generation = 0  # results of an older request are dropped
        self._busy = False
        self._timer = QTimer(self, singleShot=True, interval=RECOMPUTE_DELAY_MS)
        self._timer.timeout.connect(self.recompute)

        self.profile = QComboBox()
        self.profile.setObjectName("previewProfile")
        self.profile.setMinimumContentsLength(14)
        self.profile.setToolTip("The viewer profile whose picks are shown")
        self.chips = ChipRow()
        self.summary = QLabel()
        self.summary.setStyleSheet(f"color: {COLORS['muted'].name()};")
        self.previous = self._tool("‹", "Previous row of titles")
        self.next = self._tool("›", "Next row of titles")
        self.span = QLabel()
        self.wrap = self._tool("Grid", "Wrap the row into a grid")
        self.wrap.setObjectName("previewWrap")
        self.wrap.setCheckable(True)
        # The filter bar's toggle look (theme.py), so "on" shows.
        self.wrap.setStyleSheet(
            "QToolButton#previewWrap:checked { background: #24384f; "
            "border: 1px solid #3d8bfd; border-radius: 4px; }"
        )
        self.edit = self._tool("Edit…", "Edit this profile's likes, dislikes and history")
        header = QHBoxLayout()
        header.setSpacing(6)
        caption = QLabel("Viewer")
        caption.setStyleSheet("font-weight: bold;")
        for widget in (caption, self.profile, self.edit, self.chips):
            header.addWidget(widget)
        header.addStretch(1)
        for widget in (self.summary, self.previous, self.span, self.next, self.wrap):
            header.addWidget(widget)

        self.model = PreviewModel(thumbnails, self)
        self.view = QListView()
        self.view.setObjectName("previewRow")
        self.view.setStyleSheet("QListView#previewRow { border: none; background: #17191d; }")
        self.view.setModel(self.model)
        self.view.setItemDelegate(CardDelegate(self))
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(False)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)
        self.view.setSpacing(4)
        self.view.setMouseTracking(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.why = QLabel()
        self.why.setObjectName("previewWhy")
        self.why.setWordWrap(True)
        self.why.setTextFormat(Qt.TextFormat.RichText)
        self.why.setMinimumHeight(self.why.fontMetrics().height() + 4)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.why)
        ratio = self.devicePixelRatioF()
        self.model.sides = (round(BIG * ratio), round(SMALL * ratio))

        self.profile.currentTextChanged.connect(self._on_profile_changed)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.model.modelReset.connect(self._on_model_reset)
        self.previous.clicked.connect(lambda: self._turn(-1))
        self.next.clicked.connect(lambda: self._turn(+1))
        self.wrap.toggled.connect(self._on_wrap_toggled)
        self.edit.clicked.connect(lambda: self.edit_requested.emit(self.profile.currentText()))
        self._show_row()

    @staticmethod
    def _tool(text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    def sizeHint(self) -> QSize:
        card = self.view.itemDelegate().sizeHint(QStyleOptionViewItem(), QModelIndex())
        return QSize(900, card.height() + 2 * self.view.spacing() + 96)

    # -- what is shown ------------------------------------------------------------------------
    @property
    def profile_name(self) -> str:
        """The profile shown ('' when there is none)."""
        return self.profile.currentText()

    def set_workspace(self, workspace: Workspace | None) -> None:
        """Preview ``workspace`` (``None`` empties the panel)."""
        self.workspace = workspace
        self.row = None
        self.page = 0
        self._show_row()
        self.invalidate(at_once=True)

    def set_query(self, query: PosterQuery) -> None:
        """Take the row's titles from ``query`` (the grid's filter), from its first row."""
        if query != self.query:
            self.query = query
            self.page = 0
            self.invalidate()

    def set_profile(self, name: str) -> None:
        """Show the picks of profile ``name`` (a lookup: nothing is recomputed)."""
        self.profile.setCurrentText(name)

    def invalidate(self, at_once: bool = False) -> None:
        """The catalog or the profiles changed: recompute soon (or when next shown)."""
        self._stale = True
        if self.isVisible():
            self._timer.start(0 if at_once else RECOMPUTE_DELAY_MS)

    def recompute(self) -> None:
        """Compute the row for every profile in a worker; the result replaces the row."""
        self._timer.stop()
        if self.workspace is None:
            return
        self._stale = False
        self._generation += 1
        self._busy = True
        self._show_summary()
        workspace, query, page = self.workspace, self.query, self.page
        generation = self._generation

        def build() -> tuple[int, Row]:
            with workspace.store() as store:
                return generation, build_row(store, query, page)

        worker = CallWorker(build)
        # Bound-method slots: Qt drops them if the panel is gone when the worker ends.
        worker.signals.result.connect(self._on_row)
        worker.signals.error.connect(self._on_error)
        start(worker)

    def loaded(self) -> bool:
        """Whether the row is computed and its pictures decoded."""
        return not self._busy and not self._stale and self.model.loaded()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._timer.start(0)

    # -- slots ----------------------------------------------------------------------------------
    def _on_row(self, result: tuple[int, Row]) -> None:
        generation, row = result
        if generation != self._generation:
            return  # a newer request is on its way
        self._busy = False
        self.row = row
        self.page = row.first // ROW_LENGTH
        # Other profiles' pictures decode now, so switching shows them at once; the shown
        # row's requests come later, from painting, and are decoded first (newest first).
        self.model.prefetch(card for cards in row.cards.values() for card in cards)
        self._show_row()
        self.row_ready.emit()

    def _on_error(self, message: str) -> None:
        self._busy = False
        self.summary.setText(message)

    def _show_row(self) -> None:
        row = self.row
        keep = self.profile.currentText()
        names = [p.name for p in row.profiles] if row is not None else []
        self.profile.blockSignals(True)
        self.profile.clear()
        self.profile.addItems(names)
        if names:
            self.profile.setCurrentIndex(names.index(keep) if keep in names else 0)
        self.profile.blockSignals(False)
        for profile in row.profiles if row is not None else ():
            self.profile.setItemData(
                names.index(profile.name), profile.description, Qt.ItemDataRole.ToolTipRole
            )
        self._on_profile_changed(self.profile.currentText())
        total = row.total if row is not None else 0
        shown = len(next(iter(row.cards.values()), [])) if row is not None else 0
        self.span.setText(
            f"titles {row.first + 1}–{row.first + shown} of {total}"
            if row is not None and shown
            else ""
        )
        self.previous.setEnabled(row is not None and row.first > 0)
        self.next.setEnabled(row is not None and row.first + shown < total)

    def _on_profile_changed(self, name: str) -> None:
        row = self.row
        profile = next((p for p in row.profiles if p.name == name), None) if row else None
        self.chips.set_profile(profile)
        current = self.view.currentIndex()
        keep = self.model.cards[current.row()].pick.title_id if current.isValid() else None
        self.model.set_cards(row.cards.get(name, []) if row is not None else [])
        if keep is not None:
            rows = [r for r, c in enumerate(self.model.cards) if c.pick.title_id == keep]
            if rows:
                self.view.setCurrentIndex(self.model.index(rows[0]))
        self.edit.setEnabled(bool(name))
        self._show_summary()

    def _show_summary(self) -> None:
        row, name = self.row, self.profile.currentText()
        if self._busy and row is None:
            text = "Computing picks…"
        elif self.workspace is None:
            text = "No workspace open"
        elif row is None:
            text = ""
        elif not row.total:
            everything = self.query == PosterQuery(sort=self.query.sort)
            text = (
                "No titles yet: import posters first"
                if everything
                else "No titles match the grid's filter"
            )
        elif not row.profiles:
            text = "No viewer profiles: add one with Edit → Edit Viewer Profiles…"
        else:
            cards = row.cards.get(name, [])
            text = (
                f"{row.personalized(name)} of {len(cards)} personalized, "
                f"{row.swapped(name)} not the default"
            )
        self.summary.setText(text)
        self._show_why()

    def _on_model_reset(self) -> None:
        self._show_why()

    def _on_current_changed(self, current: QModelIndex) -> None:
        self._show_why()
        if current.isValid():
            self.title_selected.emit(self.model.cards[current.row()].pick.title_id)

    def _show_why(self) -> None:
        current = self.view.currentIndex()
        muted = COLORS["muted"].name()
        if not current.isValid() or current.row() >= len(self.model.cards):
            self.why.setText(
                f"<span style='color:{muted}'>Select a title to see why "
                "it gets its poster (hover for a quick look).</span>"
            )
            return
        card = self.model.cards[current.row()]
        colour = (COLORS["profile"] if card.personalized else COLORS["default"]).lighter(130)
        self.why.setText(
            f"<b>{_escape(card.pick.title)}</b> "
            f"<span style='color:{colour.name()}'>{_escape(card.label())}</span> — "
            f"{_escape(card.pick.explanation)}"
        )

    def _turn(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self.recompute()

    def _on_wrap_toggled(self, wrap: bool) -> None:
        self.view.setWrapping(wrap)
        self.view.setFlow(QListView.Flow.LeftToRight)  # re-layout with the new wrapping


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PreviewDock(QDockWidget):
    """The preview as a dock of the main window (which places it, tabbed with the title pool).

    It follows the context: the open workspace and every catalog change (edits, undo,
    imports, Refresh); the window hands it the grid's filter (:meth:`set_query`).  It opens
    the profile editor, and says when profiles changed or a card was selected, so the window
    can show that title's pool.

    :param context: the application context (workspace, store, thumbnails, catalog signals)
    :param parent: the main window
    """

    title_selected = Signal(int)  # title id of the card the user selected
    profiles_changed = Signal()  # profiles were added, edited or seeded

    def __init__(self, context: AppContext, parent: QMainWindow) -> None:
        super().__init__("Personalized preview", parent)
        self.context = context
        self.setObjectName("previewDock")  # saveState() needs names
        self.panel = PreviewPanel(context.thumbnails)
        self.setWidget(self.panel)
        context.workspace_changed.connect(self._on_workspace_changed)
        context.catalog_changed.connect(self._on_catalog_changed)
        context.editor.profiles_changed.connect(self._on_profiles_changed)
        self.panel.title_selected.connect(self.title_selected)
        self.panel.edit_requested.connect(self.edit_profiles)

    def set_query(self, query: PosterQuery) -> None:
        """Take the row's titles from ``query`` (the grid's filter)."""
        self.panel.set_query(query)

    def present(self) -> None:
        """Show the preview in front, tall enough for its cards, with the keyboard in the row."""
        self.show()
        self.raise_()
        main = self.parentWidget()
        wanted = self.panel.sizeHint().height() + 30  # + the dock's title bar
        if isinstance(main, QMainWindow) and self.height() < wanted and not self.isFloating():
            main.resizeDocks([self], [wanted], Qt.Orientation.Vertical)
        self.panel.view.setFocus()

    def edit_profiles(self, name: str = "") -> None:
        """Open the profile editor over the open catalog; the preview follows its edits."""
        from poster_tool.gui.preview.profile_editor import ProfileEditor

        if self.context.store is None:
            return
        dialog = ProfileEditor(
            self.context.editor, self.parentWidget(), select=name or self.panel.profile_name
        )
        dialog.profiles_changed.connect(self._on_profiles_changed)
        if dialog.seeded:
            self._on_profiles_changed()
        dialog.exec()

    def _on_workspace_changed(self, workspace: Workspace) -> None:
        self.panel.set_workspace(workspace)
        if not self.panel.isVisible():
            # Seed the sample profiles now, so the title pool can show who sees what.
            worker = CallWorker(lambda: _seed(workspace))
            worker.signals.result.connect(self._on_seeded)
            start(worker)

    def _on_seeded(self, added: list[str]) -> None:
        if added:
            self._on_profiles_changed()

    def _on_catalog_changed(self, _ids: list[int] | None) -> None:
        self.panel.invalidate()

    def _on_profiles_changed(self, *_: object) -> None:
        self.panel.invalidate()
        self.profiles_changed.emit()


def _seed(workspace: Workspace) -> list[str]:
    with workspace.store() as store:
        return ensure_samples(store)
