"""The detail panel: the selected poster large, its title's facts, and every genre with the
model's score and a toggle.  With several posters selected, toggles show all/some/none."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import PosterToolError
from poster_tool.core.final_genres import chunks, verdicts
from poster_tool.core.suggestions import disagreements, uncertainty_words
from poster_tool.core.taxonomy import GENRES
from poster_tool.gui.actions import GENRE_KEYS
from poster_tool.gui.common.theme import COLORS
from poster_tool.gui.common.thumbnails import ThumbKey
from poster_tool.gui.common.workers import RULE_AT_ONCE, CallWorker, start
from poster_tool.gui.grid.thumbnail_delegate import CHIP_KIND

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QPaintEvent, QResizeEvent

    from poster_tool.core.records import Poster
    from poster_tool.gui.common.thumbnails import ThumbnailCache

PICTURE_STEP = 120  # large pictures are decoded at multiples of this (fewer cache entries)


class PosterPicture(QWidget):
    """Paints one picture scaled to fit, centred; a quiet placeholder while it loads."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._note = ""
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(320, 420)

    def set_pixmap(self, pixmap: QPixmap | None, note: str = "") -> None:
        self._pixmap, self._note = pixmap, note
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self._pixmap is None or self._pixmap.isNull():
            painter.setPen(COLORS["muted"])
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._note)
            return
        size = (
            self._pixmap.deviceIndependentSize()
            .toSize()
            .scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        )
        x = (self.width() - size.width()) / 2
        y = (self.height() - size.height()) / 2
        painter.drawPixmap(QRectF(x, y, size.width(), size.height()).toRect(), self._pixmap)


class ScoreBar(QWidget):
    """The model's score for one genre: a thin bar, filled when the model says yes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.score: float | None = None
        self.positive = False
        self.setFixedSize(86, 14)

    def set_score(self, score: float | None, positive: bool) -> None:
        self.score, self.positive = score, positive
        self.setToolTip(
            ""
            if score is None
            else f"Model score {score:.2f}" + (" (suggests this genre)" if positive else "")
        )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.score is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QRectF(0, 5, 52, 5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#3a3e45"))
        painter.drawRoundedRect(track, 2.5, 2.5)
        painter.setBrush(COLORS["model"] if self.positive else QColor("#7b8089"))
        painter.drawRoundedRect(QRectF(0, 5, max(2.0, 52 * self.score), 5), 2.5, 2.5)
        painter.setPen(COLORS["text"] if self.positive else COLORS["muted"])
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, font.pointSizeF() - 1.5))
        painter.setFont(font)
        painter.drawText(QRectF(56, 0, 30, 14), Qt.AlignmentFlag.AlignVCenter, f"{self.score:.2f}")


class GenreRow(QWidget):
    """One genre: its number key, a toggle, where the label comes from, the model's score."""

    toggled = Signal(str)

    def __init__(self, genre: str, key: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.genre = genre
        self.key_label = QLabel(key or "")
        self.key_label.setFixedWidth(14)
        self.key_label.setStyleSheet(f"color: {COLORS['muted'].name()};")
        self.check = QCheckBox(genre)
        self.check.setTristate(True)
        self.check.clicked.connect(lambda: self.toggled.emit(self.genre))
        self.check.setToolTip(f"Toggle {genre}" + (f" (key {key})" if key else ""))
        self.tag = QLabel()
        self.tag.setMinimumWidth(54)
        self.bar = ScoreBar()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.key_label)
        layout.addWidget(self.check, 1)
        layout.addWidget(self.tag)
        layout.addWidget(self.bar)

    def show_state(
        self, state: Qt.CheckState, tag: str, score: float | None, positive: bool
    ) -> None:
        self.check.setCheckState(state)
        color = {
            "curator": COLORS["curator"],
            "official": COLORS["muted"],
            "model": COLORS["model"],
        }.get(tag, COLORS["muted"])
        self.tag.setText(tag)
        self.tag.setStyleSheet(f"color: {color.name()}; font-size: 8pt;")
        self.bar.set_score(score, positive)


class DetailPanel(QWidget):
    """Shows what is selected; genre clicks come out as ``genre_toggled(genre)``.

    :param store: the GUI thread's store (the panel only reads); ``None`` until a workspace opens
    :param thumbnails: where the large picture comes from
    """

    genre_toggled = Signal(str)

    def __init__(
        self,
        store: PosterStore | None,
        thumbnails: ThumbnailCache | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.thumbnails = thumbnails
        self.ids: list[int] = []
        self._picture_key: ThumbKey | None = None
        self._asked = 0  # counts the selections shown: a late worker result is dropped
        self._exports_as = QLabel()  # the "Exports as" fact of a multi-selection

        self.picture = PosterPicture()
        self.heading = QLabel()
        heading_font = self.heading.font()
        heading_font.setPointSizeF(heading_font.pointSizeF() + 4)
        heading_font.setBold(True)
        self.heading.setFont(heading_font)
        self.heading.setWordWrap(True)
        self.subheading = QLabel()
        self.subheading.setWordWrap(True)
        self.subheading.setStyleSheet(f"color: {COLORS['muted'].name()};")
        self.facts = QFormLayout()
        self.facts.setHorizontalSpacing(10)
        self.facts.setVerticalSpacing(2)
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(4)

        genres_box = QWidget()
        genres_layout = QVBoxLayout(genres_box)
        genres_layout.setContentsMargins(0, 0, 0, 0)
        genres_layout.setSpacing(1)
        self.rows: dict[str, GenreRow] = {}
        for n, genre in enumerate(GENRES):
            row = GenreRow(genre, GENRE_KEYS[n] if n < len(GENRE_KEYS) else None)
            row.toggled.connect(self.genre_toggled)
            self.rows[genre] = row
            genres_layout.addWidget(row)
        self.legend = QLabel(
            f"<span style='color:{COLORS['curator'].name()}'>■</span> curator "
            f"<span style='color:{COLORS['official'].name()}'>■</span> official "
            f"<span style='color:{COLORS['model'].name()}'>┅</span> model suggests"
        )
        self.legend.setStyleSheet("font-size: 8pt;")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.picture, 3)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addLayout(self.buttons)
        layout.addLayout(self.facts)
        layout.addWidget(_rule())
        genres_title = QLabel("<b>Genres</b>  <span style='font-size:8pt'>(keys 1–9, 0)</span>")
        layout.addWidget(genres_title)
        layout.addWidget(genres_box)
        layout.addWidget(self.legend)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setMinimumWidth(280)
        if thumbnails is not None:
            thumbnails.loaded.connect(self._on_thumbnail_loaded)
        self.show_ids([])

    def set_actions(self, actions: list[QAction]) -> None:
        """Put buttons for these actions under the heading (approve, reject …)."""
        for action in actions:
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)

    # -- showing ------------------------------------------------------------------------------
    def show_ids(self, ids: list[int]) -> None:
        """Show these posters (the first one's picture and facts when several)."""
        self.ids = list(ids)
        self._asked += 1
        path = self.store.path if self.store is not None else ":memory:"
        if len(self.ids) > RULE_AT_ONCE and path != ":memory:":
            # Reading 20,000 records takes a second or more (after Ctrl+A, after each edit
            # of them): a worker reads them with its own store, the panel shows them then.
            asked, wanted = self._asked, self.ids

            def run() -> Selection:
                with PosterStore(path) as own:
                    return selection(own, wanted)

            worker = CallWorker(run)
            worker.signals.result.connect(partial(self._on_selection_read, asked))
            worker.signals.error.connect(partial(self._on_selection_failed, asked))
            start(worker)
            return
        try:
            found = selection(self.store, self.ids) if self.store is not None else NOTHING
        except PosterToolError:
            found = NOTHING
        self._show(found)

    def _on_selection_read(self, asked: int, found: Selection) -> None:
        # Else the panel shows something newer meanwhile (or its catalog has closed).
        if asked == self._asked and self.store is not None:
            self._show(found)

    def _on_selection_failed(self, asked: int, _message: str) -> None:
        self._on_selection_read(asked, NOTHING)  # e.g. posters removed by another program

    def _show(self, found: Selection) -> None:
        self._clear_facts()
        first = found.first
        for row in self.rows.values():
            row.setEnabled(first is not None)
        if first is None:
            self.heading.setText("Nothing selected")
            self.subheading.setText("Select a poster in the grid to see and edit its labels.")
            self.picture.set_pixmap(None, "")
            self._picture_key = None
            for row in self.rows.values():
                row.show_state(Qt.CheckState.Unchecked, "", None, False)
            return
        self._show_picture(first)
        if len(found.ids) == 1:
            self._show_one(first)
        else:
            self._show_many(found)

    def refresh(self) -> None:
        """Show the same posters again (after an edit)."""
        self.show_ids(self.ids)

    def _show_one(self, poster: Poster) -> None:
        assert self.store is not None  # show_ids found this poster in it
        title = self.store.get_title(poster.title_id)
        self.heading.setText(title.display)
        parts = [title.original_name] if title.original_name else []
        parts.append("Official genres: " + (", ".join(title.genres) or "none"))
        self.subheading.setText(" · ".join(parts))
        self._fact("Poster", f"#{poster.id} · {poster.width}×{poster.height} {poster.orientation}")
        self._fact(
            "Status", poster.status + (" · default of its title" if poster.is_default else "")
        )
        source = poster.source + (" (synthetic)" if poster.synthetic else "")
        if poster.source_url:
            source += f' · <a href="{poster.source_url}">link</a>'
        self._fact("Source", source)
        ids = [
            f"IMDb {title.imdb_id}" if title.imdb_id else "",
            f"TMDB {title.tmdb_id}" if title.tmdb_id else "",
        ]
        if any(ids):
            self._fact("Title ids", " · ".join(i for i in ids if i))
        if poster.sensitive:
            self._fact("Sensitive", poster.sensitive_reason or "yes", COLORS["sensitive"])
        twin = poster.duplicate_of or poster.near_duplicate_of
        if twin:
            kind = "duplicate" if poster.duplicate_of else "near-duplicate"
            self._fact("Duplicate", f"{kind} of #{twin}", COLORS["duplicate"])
        labels = self.store.labels(poster.id)
        if poster.model_version:
            certainty = (
                ""
                if poster.model_uncertainty is None
                else f" · {uncertainty_words(poster.model_uncertainty)} "
                f"(uncertainty {poster.model_uncertainty:.2f})"
            )
            self._fact("Model", poster.model_version + certainty)
            scores = {
                lb.genre: lb.score for lb in labels if lb.source == "model" and lb.score is not None
            }
            reasons = disagreements(
                scores, poster.genres, self.store.sure_absent_cuts(poster.model_version)
            )
            if reasons:
                self._fact("Disagrees", "sure of " + ", ".join(reasons), COLORS["rejected"])

        verdict = verdicts(self.store, [poster.id])[poster.id]
        # What an approval sends out, by the one rule the export follows.
        self._fact("Exports as", verdict.line(), COLORS["rejected"] if verdict.held else None)
        model = {lb.genre: lb for lb in labels if lb.source == "model"}
        for genre, row in self.rows.items():
            provenance = verdict.provenance_of(genre)
            on = provenance is not None
            tag = "" if provenance is None else CHIP_KIND[provenance]
            label = model.get(genre)
            row.show_state(
                Qt.CheckState.Checked if on else Qt.CheckState.Unchecked,
                tag,
                None if label is None else label.score,
                bool(label and label.positive),
            )

    def _show_many(self, found: Selection) -> None:
        assert self.store is not None  # show_ids found these posters in it
        ids, titles = found.ids, found.titles
        self.heading.setText(f"{len(ids)} posters selected")
        self.subheading.setText(
            f"from {titles} title{'s' if titles != 1 else ''} — "
            "edits apply to all of them (one undo step)"
        )
        self._fact("Status", ", ".join(f"{n} {s}" for s, n in found.statuses.most_common()))
        self._fact("Curated", f"{found.curated} of {len(ids)}")
        self._exports_as = self._fact("Exports as", "working it out…")
        path = self.store.path
        if len(ids) <= RULE_AT_ONCE or path == ":memory:":
            self._show_outlook(self._asked, ids, outlook(self.store, ids))
            return
        # Thousands of posters take seconds: the rule runs in a worker with its own store.
        for row in self.rows.values():
            row.setEnabled(False)

        def run() -> tuple[dict[str, Counter[str]], int]:
            with PosterStore(path) as own:
                return outlook(own, ids)

        worker = CallWorker(run)
        worker.signals.result.connect(partial(self._show_outlook, self._asked, ids))
        start(worker)

    def _show_outlook(
        self, asked: int, ids: list[int], found: tuple[dict[str, Counter[str]], int]
    ) -> None:
        if asked != self._asked:
            return  # the panel shows something newer meanwhile
        kinds, held = found
        self._exports_as.setText(exports_as_line(kinds, len(ids), held))
        if held:
            self._exports_as.setStyleSheet(f"color: {COLORS['rejected'].name()};")
        for row in self.rows.values():
            row.setEnabled(True)
        for genre, row in self.rows.items():
            n = sum(kinds.get(genre, Counter()).values())
            state = (
                Qt.CheckState.Checked
                if n == len(ids)
                else Qt.CheckState.PartiallyChecked
                if n
                else Qt.CheckState.Unchecked
            )
            tag = f"{n}/{len(ids)}" if n else ""
            row.show_state(state, tag, None, False)
            if genre in kinds:
                row.bar.setToolTip(
                    f"{genre}: " + ", ".join(f"{k} on {c}" for k, c in kinds[genre].most_common())
                )

    def _fact(self, name: str, value: str, color: QColor | None = None) -> QLabel:
        label = QLabel(value)
        label.setWordWrap(True)
        label.setOpenExternalLinks(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        if color is not None:
            label.setStyleSheet(f"color: {color.name()};")
        key = QLabel(name)
        key.setStyleSheet(f"color: {COLORS['muted'].name()};")
        self.facts.addRow(key, label)
        return label

    def _clear_facts(self) -> None:
        while self.facts.rowCount():
            self.facts.removeRow(0)

    # -- the large picture ---------------------------------------------------------------------
    def _show_picture(self, poster: Poster) -> None:
        if self.thumbnails is None:
            self.picture.set_pixmap(None, "")
            return
        ratio = self.devicePixelRatioF()
        wanted = max(self.picture.height(), self.picture.width() * 1.5) * ratio
        side = min(1200, max(PICTURE_STEP, -(-int(wanted) // PICTURE_STEP) * PICTURE_STEP))
        key = ThumbKey(poster.id, side)
        self._picture_key = key
        pixmap = self.thumbnails.get(key)
        if pixmap is None and not self.thumbnails.has(key):
            self.thumbnails.request(key, self.thumbnails.source(poster.sha256, poster.path))
            pixmap = self.thumbnails.nearest(key)
        self.picture.set_pixmap(
            pixmap, "loading…" if not self.thumbnails.has(key) else "image missing"
        )

    def _on_thumbnail_loaded(self, key: ThumbKey) -> None:
        if key == self._picture_key:
            pixmap = self.thumbnails.get(key) if self.thumbnails else None
            self.picture.set_pixmap(pixmap, "image missing")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.ids and self._picture_key is not None and self.store is not None:
            try:
                self._show_picture(self.store.get_poster(self.ids[0]))
            except PosterToolError:
                pass


@dataclass(frozen=True)
class Selection:
    """What the panel shows of the posters selected: the first one's record and counts."""

    first: Poster | None
    ids: list[int]  # those found in the catalog
    titles: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    curated: int = 0


NOTHING = Selection(None, [])


def selection(store: PosterStore, ids: list[int]) -> Selection:
    """Read :class:`Selection` of ``ids``, a chunk of records at a time (a worker holding
    100,000 records at once made the garbage collector hold up the window)."""
    first: Poster | None = None
    found: list[int] = []
    titles: set[int] = set()
    statuses: Counter[str] = Counter()
    curated = 0
    for chunk in chunks(ids):
        posters = store.posters(list(chunk))
        first = first or (posters[0] if posters else None)
        found += [p.id for p in posters]
        titles.update(p.title_id for p in posters)
        statuses.update(p.status for p in posters)
        curated += sum(p.curated for p in posters)
    return Selection(first, found, len(titles), statuses, curated)


def outlook(store: PosterStore, ids: list[int]) -> tuple[dict[str, Counter[str]], int]:
    """Per genre, how many of ``ids`` it goes out on by chip kind; and how many are held."""
    kinds: dict[str, Counter[str]] = {}
    held = 0
    for chunk in chunks(ids):  # a chunk's verdicts at a time (see final_genres.CHUNK)
        found = verdicts(store, chunk).values()
        for verdict in found:
            for g in verdict.genres:
                kinds.setdefault(g.genre, Counter())[CHIP_KIND[g.provenance]] += 1
        held += sum(v.held for v in found)
    return kinds, held


def exports_as_line(kinds: dict[str, Counter[str]], total: int, held: int) -> str:
    """Per genre of a selection: on how many posters it goes out, and from where."""
    parts = [
        f"{genre} {sum(by.values())}/{total} ("
        + ", ".join(f"{n} {kind}" for kind, n in by.most_common())
        + ")"
        for genre in GENRES
        if (by := kinds.get(genre))
    ]
    line = " · ".join(parts) or "no genre"
    return line + (f" — {held} held for review" if held else "")


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setStyleSheet("color: #3a3e45;")
    return line
