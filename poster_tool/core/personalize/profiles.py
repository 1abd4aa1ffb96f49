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
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

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
    curator: str | None = None,
) -> int:
    """Add a profile; return its id.

    :param likes: genre names or aliases the viewer says they like
    :param curator: who adds it, for the audit log (``None``: seeding, not an edit)
    :raises ProfileError: when the name is empty or taken, or a genre is unknown
    """
    state = ProfileState(name, description, tuple(likes), tuple(dislikes), sample)
    put_profile(store, None, state, curator)
    return profile_id(store, name.strip())


def update_profile(
    store: PosterStore,
    name: str,
    *,
    likes: Iterable[str] | None = None,
    dislikes: Iterable[str] | None = None,
    description: str | None = None,
    new_name: str | None = None,
    curator: str | None = None,
) -> None:
    """Change a profile; arguments left at ``None`` keep their current value."""
    before = profile_state(store, name)
    after = replace(
        before,
        name=before.name if new_name is None else new_name,
        description=before.description if description is None else description,
        likes=before.likes if likes is None else tuple(likes),
        dislikes=before.dislikes if dislikes is None else tuple(dislikes),
    )
    put_profile(store, before.name, after, curator)


def delete_profile(store: PosterStore, name: str, curator: str | None = None) -> None:
    """Remove a profile with its preferences and history."""
    put_profile(store, profile_state(store, name).name, None, curator)


def add_viewing(
    store: PosterStore,
    name: str,
    title_id: int,
    minutes: float,
    watched_at: str | None = None,
    curator: str | None = None,
) -> None:
    """Record that the profile watched a title for ``minutes`` (at ``watched_at``, else now).

    :raises ProfileError: when minutes are not positive or the date is not a date
    """
    if not minutes > 0:
        raise ProfileError("minutes watched must be more than 0")
    when = parse_when(watched_at).isoformat(timespec="seconds")
    before = profile_state(store, name)
    store.get_title(title_id)  # a clear error for an unknown title
    viewings = (*before.viewings, (title_id, when, float(minutes)))
    put_profile(store, before.name, replace(before, viewings=viewings), curator)


def replace_history(
    store: PosterStore, name: str, viewings: Iterable[Viewing], curator: str | None = None
) -> None:
    """Replace a profile's whole viewing history (sample rebuilds)."""
    before = profile_state(store, name)
    rows = tuple((v.title_id, v.watched_at, v.minutes) for v in viewings)
    put_profile(store, before.name, replace(before, viewings=rows), curator)


# -- curator edits (audited, undoable) ------------------------------------------------------
@dataclass(frozen=True)
class ProfileState:
    """Everything a curator can change on a profile: what an undo puts back.

    :param viewings: ``(title id, watched at, minutes)``, oldest first
    """

    name: str
    description: str = ""
    likes: tuple[str, ...] = ()
    dislikes: tuple[str, ...] = ()
    sample: bool = False
    viewings: tuple[tuple[int, str, float], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The state as the audit log stores it."""
        return {
            "name": self.name,
            "description": self.description,
            "likes": list(self.likes),
            "dislikes": list(self.dislikes),
            "sample": self.sample,
            "viewings": [list(v) for v in self.viewings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProfileState:
        """The state as :meth:`to_dict` wrote it (in the audit log)."""
        return cls(
            str(data["name"]),
            str(data.get("description", "")),
            tuple(data.get("likes", ())),
            tuple(data.get("dislikes", ())),
            bool(data.get("sample", False)),
            tuple((int(t), str(w), float(m)) for t, w, m in data.get("viewings", ())),
        )


def revert_states(
    store: PosterStore, entry_id: int
) -> tuple[ProfileState | None, ProfileState | None]:
    """The profile that audit entry ``entry_id`` edited as it is now, and as it was right
    after that entry (``None``: no such profile): what "revert to this point" puts back.

    Later edits are followed by name, so a profile renamed or deleted since is found.

    :raises ProfileError: when the entry is not a profile edit
    """
    entries = sorted(
        (e for e in store.audit_log(action="profile", limit=1_000_000) if e.id >= entry_id),
        key=lambda e: e.id,
    )
    if not entries or entries[0].id != entry_id:
        raise ProfileError(f"entry {entry_id} is not an edit of a viewer profile")
    first = entries[0]
    target = ProfileState.from_dict(first.after) if isinstance(first.after, dict) else None
    name = _profile_name(first.after) or _profile_name(first.before) or ""
    alive = target is not None
    for entry in entries[1:]:
        before, after = _profile_name(entry.before), _profile_name(entry.after)
        if alive and before == name:
            alive, name = after is not None, after or name
        elif not alive and before is None and after == name:
            alive = True  # made again under the same name
    return (profile_state(store, name) if alive else None), target


def _profile_name(state: object) -> str | None:
    return str(state["name"]) if isinstance(state, dict) else None


def profile_state(store: PosterStore, name: str) -> ProfileState:
    """The current state of the profile called ``name``.

    :raises ProfileError: when there is no such profile
    """
    profile = get_profile(store, name)
    return ProfileState(
        profile.name,
        profile.description,
        profile.likes,
        profile.dislikes,
        profile.sample,
        tuple((v.title_id, v.watched_at, v.minutes) for v in history(store, profile.name)),
    )


def put_profile(
    store: PosterStore, current: str | None, state: ProfileState | None, curator: str | None
) -> None:
    """Make the profile called ``current`` (``None``: a new one) match ``state`` (``None``:
    deleted), in one transaction with its audit row: every profile edit of a curator, and
    its undo, is one call.

    :param curator: who edits, for the audit log (``None``: seeding samples, not audited)

    :raises ProfileError: when a profile is missing, a name is empty or taken, a genre is
        unknown or both liked and disliked, or a viewing is not a positive time at a date
    """
    with store.transaction():
        before = None if current is None else profile_state(store, current)
        if state is None:
            if before is not None:
                store.remove_profile(profile_id(store, before.name))
        else:
            name = state.name.strip()
            if not name:
                raise ProfileError("a profile needs a name")
            if name != (before.name if before else None) and store.profile_exists(name):
                raise ProfileError(f"a profile named {name!r} already exists")
            likes = _genre_names(state.likes, "the likes")
            dislikes = _genre_names(state.dislikes, "the dislikes")
            viewings = []
            for title_id, watched_at, minutes in state.viewings:
                if not minutes > 0:
                    raise ProfileError("minutes watched must be more than 0")
                when = parse_when(watched_at).isoformat(timespec="seconds")
                viewings.append((title_id, when, float(minutes)))
            if before is None:
                pid = store.add_profile(name, state.description, state.sample)
            else:
                pid = profile_id(store, before.name)
                store.rename_profile(pid, name)
                store.describe_profile(pid, state.description)
            _write_prefs(store, pid, likes, dislikes)
            store.replace_viewings(pid, viewings)
            state = replace(
                state,
                name=name,
                likes=tuple(likes),
                dislikes=tuple(dislikes),
                viewings=tuple(viewings),
            )
        if curator is not None:
            store.audit(
                curator,
                "profile",
                None,
                None,
                None if before is None else before.to_dict(),
                None if state is None else state.to_dict(),
            )
