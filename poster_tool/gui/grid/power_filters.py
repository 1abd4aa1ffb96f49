"""The second row of the filter bar: the power filters (a genre's score range, not
labelled, provenance, the last edit's curator and days, and the yes/no filters).

Every control has an Alt+letter mnemonic through its label; the row reports its fields
for a :class:`PosterQuery` and takes them back from a saved view.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QWidget,
)

from poster_tool.core.records import PROVENANCES, YES_NO_FILTERS, PosterQuery
from poster_tool.core.taxonomy import GENRES

BASE_TEXT = Qt.ItemDataRole.UserRole + 1  # a choice's text without its count
NO_DAY = QDate(2000, 1, 1)  # a date edit at its minimum shows "any": no bound
PROVENANCE_WORDS = {
    "curated": "Curated",
    "official": "Official only",
    "model": "Model-added",
}


class PowerFilters(QWidget):
    """Score range, not labelled, provenance, curator, edit days, yes/no filters.

    ``changed`` says that a control changed (the bar then emits one query).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        genres = [(g, g) for g in GENRES]
        self.score_genre = combo("Any score", genres)
        self.score_genre.setToolTip("Only posters the model scores within the range for this genre")
        self.score_min = _score(0.0, "Lowest score (inclusive)")
        self.score_max = _score(1.0, "Highest score (inclusive)")
        self.not_labelled = combo("Any labels", genres)
        self.not_labelled.setToolTip(
            "Only posters whose labels (the curator's, else the official genres) lack this "
            "genre; the model's suggestions are not labels"
        )
        self.provenance = combo("Any provenance", [(p, PROVENANCE_WORDS[p]) for p in PROVENANCES])
        self.provenance.setToolTip(
            "Where the final genres come from (of the chosen genre, if one is): a curator, "
            "the official genres alone, or a genre the model added"
        )
        self.curator = combo("Any curator", [])
        self.curator.setToolTip("Only posters this curator edited last")
        self.edited_from = _day("Last edited on or after this day")
        self.edited_to = _day("Last edited on or before this day")
        self.yes_no = {
            field: combo(f"{words}: any", [(True, f"{words}: yes"), (False, f"{words}: no")])
            for field, words in YES_NO_FILTERS.items()
        }

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for text, widgets in (
            ("&Score", (self.score_genre, self.score_min, _dash(), self.score_max)),
            ("Not la&belled", (self.not_labelled,)),
            ("Pr&ovenance", (self.provenance,)),
            ("C&urator", (self.curator,)),
            ("Edited si&nce", (self.edited_from,)),
            ("un&til", (self.edited_to,)),
        ):
            label = QLabel(text)
            label.setBuddy(widgets[0])
            row.addWidget(label)
            for widget in widgets:
                row.addWidget(widget)
        for widget in self.yes_no.values():
            row.addWidget(widget)
        row.addStretch(1)

        for box in (self.score_genre, self.not_labelled, self.provenance, self.curator):
            box.currentIndexChanged.connect(self.changed)
        for box in self.yes_no.values():
            box.currentIndexChanged.connect(self.changed)
        for spin in (self.score_min, self.score_max):
            spin.valueChanged.connect(self._on_score_changed)
        for edit in (self.edited_from, self.edited_to):
            edit.dateChanged.connect(self.changed)

    def _controls(self) -> list[QWidget]:
        return [
            self.score_genre,
            self.score_min,
            self.score_max,
            self.not_labelled,
            self.provenance,
            self.curator,
            self.edited_from,
            self.edited_to,
            *self.yes_no.values(),
        ]

    def _on_score_changed(self) -> None:
        if self.score_genre.currentData() is not None:  # a range without a genre filters nothing
            self.changed.emit()

    def fields(self) -> dict[str, Any]:
        """The :class:`PosterQuery` fields these controls describe."""
        genre = self.score_genre.currentData()
        low, high = sorted((self.score_min.value(), self.score_max.value()))
        return {
            "score_genre": genre,
            "score_min": low if genre else 0.0,
            "score_max": high if genre else 1.0,
            "not_labelled": self.not_labelled.currentData(),
            "provenance": self.provenance.currentData(),
            "curator": self.curator.currentData(),
            "edited_from": _iso(self.edited_from),
            "edited_to": _iso(self.edited_to),
            **{field: box.currentData() for field, box in self.yes_no.items()},
        }

    def active(self) -> bool:
        """Whether any of these filters narrows the grid."""
        default = PosterQuery()
        return any(getattr(default, k) != v for k, v in self.fields().items())

    def show_query(self, query: PosterQuery) -> None:
        """Set the controls to ``query``'s fields without announcing each change."""
        for widget in self._controls():
            widget.blockSignals(True)
        if query.curator and self.curator.findData(query.curator) < 0:
            self.curator.addItem(query.curator, query.curator)  # a view of a curator gone
        for box, value in (
            (self.score_genre, query.score_genre),
            (self.not_labelled, query.not_labelled),
            (self.provenance, query.provenance),
            (self.curator, query.curator),
            *((box, getattr(query, field)) for field, box in self.yes_no.items()),
        ):
            box.setCurrentIndex(max(0, box.findData(value)))
        self.score_min.setValue(query.score_min)
        self.score_max.setValue(query.score_max)
        for edit, day in ((self.edited_from, query.edited_from), (self.edited_to, query.edited_to)):
            edit.setDate(QDate.fromString(day, Qt.DateFormat.ISODate) if day else NO_DAY)
        for widget in self._controls():
            widget.blockSignals(False)

    def set_curators(self, names: list[str]) -> None:
        """Offer these curators, keeping the current choice."""
        current = self.curator.currentData()
        refill(self.curator, sorted(set(names) | ({current} if current else set())))


def combo(anything: str | None, items: list[tuple[Any, str]]) -> QComboBox:
    """A combo box of ``(value, text)`` choices, with ``anything`` (value ``None``) first."""
    box = QComboBox()
    if anything is not None:
        box.addItem(anything, None)
    for value, text in items:
        box.addItem(text, value)
    # As wide as the longest choice: a clipped "Least certai" hides what the grid shows.
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return box


def show_counts(box: QComboBox, counts: dict[Any, int]) -> None:
    """Follow each choice (the first, "any", aside) with how many posters it would keep."""
    for i in range(1, box.count()):
        base = box.itemData(i, BASE_TEXT) or box.itemText(i)
        box.setItemData(i, base, BASE_TEXT)
        box.setItemText(i, f"{base} ({counts.get(box.itemData(i), 0):,})")


def refill(box: QComboBox, names: list[str]) -> None:
    """Offer these names after the first ("any") choice, keeping the current choice when
    it is still there, without announcing a change."""
    current = box.currentData()
    box.blockSignals(True)
    while box.count() > 1:
        box.removeItem(1)
    for name in names:
        box.addItem(name, name)
    box.setCurrentIndex(max(0, box.findData(current)) if current else 0)
    box.blockSignals(False)


def _score(value: float, tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0.0, 1.0)
    spin.setSingleStep(0.05)
    spin.setDecimals(2)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


def _day(tip: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DAY)
    edit.setSpecialValueText("any day")
    edit.setDate(NO_DAY)
    edit.setToolTip(tip + " (UTC); at its lowest it reads 'any day'")
    return edit


def _iso(edit: QDateEdit) -> str | None:
    return None if edit.date() == NO_DAY else edit.date().toString(Qt.DateFormat.ISODate)


def _dash() -> QLabel:
    return QLabel("–")
