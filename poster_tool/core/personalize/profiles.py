"""Viewer profiles in the catalog: name, explicit genre likes and dislikes, viewing history.

The genre affinity of a profile is derived, never stored, so it always reflects the current
history and the titles' current official genres:

1. each viewing weighs ``minutes * 0.5 ** (age_days / HALF_LIFE_DAYS)``, its age counted from
   the profile's newest viewing (with exponential decay the reference time cancels out on
   normalising, so "now" would give the same result and the answer never drifts by itself);
2. a viewing's weight is split equally over the title's official genres (a film with three
   genres does not count three times);
3. the genre totals are normalised to sum 1, every explicit like gets ``LIKE_BONUS`` on top,
   every explicit dislike is forced to 0, and the result is normalised to sum 1 again.

A profile without history or likes has an empty affinity: the policy then shows defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from poster_tool.core.catalog.connection import now
from poster_tool.core.errors import PosterToolError
from poster_tool.core.taxonomy import GENRES, ordered, resolve_all

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

HALF_LIFE_DAYS = 90.0  # a viewing three months older than another counts half as much
LIKE_BONUS = 0.25  # added to a liked genre's normalised share before renormalising


class ProfileError(PosterToolError):
    """A profile cannot be found, created or edited as asked."""


@dataclass(frozen=True)
class Viewing:
    """One entry of a viewing history."""

    title_id: int
    watched_at: str  # ISO-8601
    minutes: float
    title: str = ""


@dataclass(frozen=True)
class Profile:
    """A viewer with explicit preferences and the genre affinity derived from the history.

    :param affinity: genre -> weight (taxonomy order, only genres above 0, summing to 1)
    """

    id: int
    name: str
    description: str
    sample: bool
    likes: tuple[str, ...]
    dislikes: tuple[str, ...]
    affinity: Mapping[str, float] = field(default_factory=dict)
    viewings: int = 0
    minutes: float = 0.0

    def top_genres(self, n: int = 3) -> list[str]:
        """The ``n`` genres with the highest affinity (ties in taxonomy order)."""
        return sorted(self.affinity, key=lambda g: (-self.affinity[g], GENRES.index(g)))[:n]


def parse_when(text: str | None) -> datetime:
    """A viewing time from ``YYYY-MM-DD`` or full ISO-8601 (naive times are UTC); ``None`` = now.

    :raises ProfileError: when the text is not a date
    """
    if text is None:
        return datetime.fromisoformat(now())
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            when = datetime.combine(date.fromisoformat(text.strip()), datetime.min.time())
        except ValueError:
            raise ProfileError(f"{text!r} is not a date; use YYYY-MM-DD") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def affinity(
    viewings: Iterable[Viewing],
    genres_of: Mapping[int, Sequence[str]],
    likes: Iterable[str] = (),
    dislikes: Iterable[str] = (),
    half_life_days: float = HALF_LIFE_DAYS,
) -> dict[str, float]:
    """Genre affinity from a viewing history (see the module docstring for the maths).

    :param genres_of: title id -> the title's official genres
    :return: genre -> weight in taxonomy order; empty when there is nothing to go on
    """
    viewings = [v for v in viewings if v.minutes > 0 and genres_of.get(v.title_id)]
    dislikes = set(dislikes)
    raw = dict.fromkeys(GENRES, 0.0)
    if viewings:
        times = [parse_when(v.watched_at) for v in viewings]
        newest = max(times)
        for viewing, when in zip(viewings, times, strict=True):
            age_days = (newest - when).total_seconds() / 86400.0
            weight = viewing.minutes * 0.5 ** (age_days / half_life_days)
            genres = genres_of[viewing.title_id]
            for genre in genres:
                raw[genre] += weight / len(genres)
    total = sum(raw.values())
    shares = {g: (w / total if total else 0.0) for g, w in raw.items()}
    for genre in likes:
        shares[genre] += LIKE_BONUS
    for genre in dislikes:
        shares[genre] = 0.0
    total = sum(shares.values())
    return {g: w / total for g, w in shares.items() if w > 0} if total else {}


# -- reading ------------------------------------------------------------------------------
def _genre_names(values: Iterable[str], what: str) -> list[str]:
    resolution = resolve_all(values)
    if resolution.unknown:
        raise ProfileError(
            f"unknown genre {resolution.unknown[0]!r} in {what}; see 'poster-tool genres'"
        )
    return resolution.genres


def profile_id(store: PosterStore, name: str) -> int:
    """The id of the profile called ``name`` (exact, else the only case-insensitive match).

    :raises ProfileError: when there is no such profile
    """
    rows = store.profile_matches(name)
    if not rows or (rows[0][1] != name and len(rows) > 1):
        known = store.profile_names()
        hint = f"; profiles: {', '.join(known)}" if known else "; run 'poster-tool profiles seed'"
        raise ProfileError(f"no profile named {name!r}{hint}")
    return rows[0][0]


def history(store: PosterStore, name: str) -> list[Viewing]:
    """A profile's viewing history, oldest first, with title names."""
    pid = profile_id(store, name)
    return [Viewing(*r) for r in store.history_rows(pid)]


def list_profiles(store: PosterStore, names: Sequence[str] | None = None) -> list[Profile]:
    """Profiles by name (all when ``names`` is None), each with its affinity computed."""
    ids = None if names is None else [profile_id(store, n) for n in names]
    rows = store.profile_rows()
    if ids is not None:
        by_id = {r[0]: r for r in rows}
        rows = [by_id[i] for i in ids]
    prefs = store.profile_prefs()
    viewings = {pid: [Viewing(*row) for row in rows_] for pid, rows_ in store.viewings().items()}
    genres_of = store.viewed_title_genres()
    out = []
    for pid, name, description, sample in rows:
        likes = ordered(prefs.get(pid, {}).get(1, []))
        dislikes = ordered(prefs.get(pid, {}).get(-1, []))
        history_ = viewings.get(pid, [])
        out.append(
            Profile(
                id=pid,
                name=name,
                description=description,
                sample=sample,
                likes=tuple(likes),
                dislikes=tuple(dislikes),
                affinity=affinity(history_, genres_of, likes, dislikes),
                viewings=len(history_),
                minutes=sum(v.minutes for v in history_),
            )
        )
    return out


def get_profile(store: PosterStore, name: str) -> Profile:
    """One profile with its affinity.

    :raises ProfileError: when there is no such profile
    """
    return list_profiles(store, [name])[0]


# -- writing ------------------------------------------------------------------------------
def _write_prefs(store: PosterStore, pid: int, likes: list[str], dislikes: list[str]) -> None:
    both = set(likes) & set(dislikes)
    if both:
        raise ProfileError(f"{sorted(both)[0]} cannot be both liked and disliked")
    store.set_profile_prefs(pid, likes, dislikes)


def create_profile(
    store: PosterStore,
    name: str,
    *,
    description: str = "",
    likes: Iterable[str] = (),
    dislikes: Iterable[str] = (),
    sample: bool = False,
) -> int:
    """Add a profile; return its id.

    :param likes: genre names or aliases the viewer says they like
    :raises ProfileError: when the name is empty or taken, or a genre is unknown
    """
    name = name.strip()
    if not name:
        raise ProfileError("a profile needs a name")
    likes_ = _genre_names(likes, "the likes")
    dislikes_ = _genre_names(dislikes, "the dislikes")
    with store.transaction():
        if store.profile_exists(name):
            raise ProfileError(f"a profile named {name!r} already exists")
        pid = store.add_profile(name, description, sample)
        _write_prefs(store, pid, likes_, dislikes_)
    return pid


def update_profile(
    store: PosterStore,
    name: str,
    *,
    likes: Iterable[str] | None = None,
    dislikes: Iterable[str] | None = None,
    description: str | None = None,
    new_name: str | None = None,
) -> None:
    """Change a profile; arguments left at ``None`` keep their current value."""
    current = get_profile(store, name)
    likes_ = list(current.likes) if likes is None else _genre_names(likes, "the likes")
    dislikes_ = (
        list(current.dislikes) if dislikes is None else _genre_names(dislikes, "the dislikes")
    )
    with store.transaction():
        if new_name is not None and new_name.strip() != current.name:
            if store.profile_exists(new_name.strip()):
                raise ProfileError(f"a profile named {new_name.strip()!r} already exists")
            store.rename_profile(current.id, new_name.strip())
        if description is not None:
            store.describe_profile(current.id, description)
        _write_prefs(store, current.id, likes_, dislikes_)


def delete_profile(store: PosterStore, name: str) -> None:
    """Remove a profile with its preferences and history."""
    store.remove_profile(profile_id(store, name))


def add_viewing(
    store: PosterStore, name: str, title_id: int, minutes: float, watched_at: str | None = None
) -> None:
    """Record that the profile watched a title for ``minutes`` (at ``watched_at``, else now).

    :raises ProfileError: when minutes are not positive or the date is not a date
    """
    if not minutes > 0:
        raise ProfileError("minutes watched must be more than 0")
    when = parse_when(watched_at).isoformat(timespec="seconds")
    pid = profile_id(store, name)
    store.get_title(title_id)  # a clear error for an unknown title
    store.add_viewing_row(pid, (title_id, when, float(minutes)))


def replace_history(store: PosterStore, name: str, viewings: Iterable[Viewing]) -> None:
    """Replace a profile's whole viewing history (sample rebuilds, the GUI editor)."""
    pid = profile_id(store, name)
    store.replace_viewings(
        pid,
        [
            (v.title_id, parse_when(v.watched_at).isoformat(timespec="seconds"), float(v.minutes))
            for v in viewings
        ],
    )
