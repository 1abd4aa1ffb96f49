"""One row of the personalized preview, for every profile at once: which titles it holds,
and the card each profile sees for each title.

:func:`build_row` takes the titles of the grid's filter, twenty at a time (the span over
which the policy varies its picks), and computes the picks of *every* profile once with
:class:`~poster_tool.core.personalize.picks.RowPreview`, so switching profiles is a lookup.
It seeds the sample profiles first (a write, once per workspace), so run it where the
catalog may be written, e.g. in a worker.  :func:`audience_for` says which profiles see
which poster of one title.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from poster_tool.core.personalize.picks import Pick, RowPreview
from poster_tool.core.personalize.policy import NO_TASTE, PERSONAL, ROW_LENGTH, WEAK
from poster_tool.core.personalize.profiles import list_profiles
from poster_tool.core.personalize.samples import ensure_samples

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.personalize.profiles import Profile
    from poster_tool.core.records import Poster, PosterQuery

_FALLBACK_WORDS = {NO_TASTE: "no taste yet", WEAK: "weak evidence"}


@dataclass(frozen=True)
class Card:
    """One title of the row as one profile sees it.

    :param reason: the policy's reason code (``PERSONAL``, ``NO_TASTE``, ``NO_FIT``, ``WEAK``)
    :param shown: the poster shown to the profile (``None``: nothing to show)
    :param default: the title's default poster as set (``None``: no default yet)
    """

    pick: Pick
    reason: int
    shown: Poster | None
    default: Poster | None

    @property
    def personalized(self) -> bool:
        """Whether the policy chose this poster for the viewer's taste."""
        return self.reason == PERSONAL

    @property
    def swapped(self) -> bool:
        """Whether the viewer sees another poster than the title's default."""
        return self.shown is not None and self.shown.id != self.pick.default_poster_id

    def label(self) -> str:
        """The short line under the shown poster."""
        if self.shown is None:
            return "nothing to show"
        if self.personalized:
            return f"personalized · {self.pick.selling_point}"
        return f"fallback · {_FALLBACK_WORDS.get(self.reason, 'nothing qualifies')}"

    def default_label(self) -> str:
        """The short line under the default poster."""
        if self.default is None:
            return "no default yet"
        if self.default.sensitive or self.default.status == "rejected":
            why = "sensitive" if self.default.sensitive else "rejected"
            return f"default · {why}, never shown"
        same = self.shown is not None and self.shown.id == self.default.id
        return "default · same poster" if same else "default"


@dataclass(frozen=True)
class Row:
    """The picks of every profile for one row of titles (built in a worker).

    :param first: position of the row's first title among the filter's titles
    :param total: titles matching the filter
    """

    profiles: tuple[Profile, ...]
    cards: dict[str, list[Card]]
    first: int
    total: int

    def personalized(self, name: str) -> int:
        """How many titles of the row the profile sees a personalized poster for."""
        return sum(card.personalized for card in self.cards.get(name, []))

    def swapped(self, name: str) -> int:
        """How many titles of the row the profile sees another poster than the default for."""
        return sum(card.swapped for card in self.cards.get(name, []))


def row_titles(store: PosterStore, query: PosterQuery) -> list[int]:
    """Title ids of the posters matching ``query``, in the grid's order, each once."""
    ids = store.query_ids(query, 0, max(1, store.count(query)))
    title_of = store.title_ids_of(ids)
    return list(dict.fromkeys(title_of[i] for i in ids))


def build_row(
    store: PosterStore, query: PosterQuery, page: int, row_length: int = ROW_LENGTH
) -> Row:
    """Row ``page`` of the titles matching ``query``, for every profile.

    Seeds the sample profiles first (once per workspace, as soon as it has titles).
    """
    ensure_samples(store)
    titles = row_titles(store, query)
    last_page = max(0, (len(titles) - 1) // row_length)
    first = min(max(0, page), last_page) * row_length
    ids = titles[first : first + row_length]
    if not ids:
        return Row(tuple(list_profiles(store)), {}, 0, 0)
    preview = RowPreview(store, ids)
    picks = {p.name: preview.picks(p.name) for p in preview.profiles}
    wanted = {
        i
        for row in picks.values()
        for pick in row
        for i in (pick.poster_id, pick.default_poster_id)
        if i is not None
    }
    posters = {p.id: p for p in store.posters(sorted(wanted))}
    cards = {
        profile.name: [
            Card(
                pick,
                int(preview.choices.reason[n, t]),
                posters.get(pick.poster_id or -1),
                posters.get(pick.default_poster_id or -1),
            )
            for t, pick in enumerate(picks[profile.name])
        ]
        for n, profile in enumerate(preview.profiles)
    }
    return Row(tuple(preview.profiles), cards, first, len(titles))


def audience_for(store: PosterStore, title_id: int) -> dict[int, list[str]]:
    """Which profiles are shown which poster of one title (the title pool's hook).

    The title is taken on its own: row variety, which can reorder equally fitting posters
    within a preview row, does not apply.
    """
    audience = RowPreview(store, [title_id]).audience(title_id)
    return {poster_id: names for poster_id, names in audience.items() if poster_id is not None}
