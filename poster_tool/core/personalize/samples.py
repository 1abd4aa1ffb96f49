"""Eight sample viewers built from the catalog's own titles, so the preview works at once.

Each sample names the genres it watches, how many titles of each and for how long.  Titles
are picked deterministically: the catalog's titles of that genre by id, spread evenly over
the list, never the same title twice for one viewer.  Viewing dates are fixed (counted back
from ``ANCHOR``, newest first in the order listed), so two workspaces with the same titles
get the same samples.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from poster_tool.core.personalize.profiles import (
    Viewing,
    create_profile,
    replace_history,
    update_profile,
)

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

ANCHOR = datetime(2025, 6, 1, 20, 0, tzinfo=timezone.utc)
DAYS_APART = 4  # between consecutive sample viewings
SEEDED_KEY = "personalize.samples_seeded"  # meta: samples were offered to this workspace


@dataclass(frozen=True)
class SampleSpec:
    """A sample viewer: ``watches`` is ``(genre, titles, minutes each)``, favourite first."""

    name: str
    description: str
    watches: tuple[tuple[str, int, float], ...]
    likes: tuple[str, ...] = ()
    dislikes: tuple[str, ...] = ()


SAMPLES: tuple[SampleSpec, ...] = (
    SampleSpec(
        "family-drama",
        "Watches family films and dramas with the household",
        (("Family", 6, 100), ("Drama", 6, 110)),
        likes=("Family",),
        dislikes=("Horror",),
    ),
    SampleSpec(
        "horror-fan",
        "Horror most nights, thrillers in between",
        (("Horror", 8, 95), ("Thriller", 4, 100)),
        likes=("Horror",),
    ),
    SampleSpec(
        "romance",
        "Romances and romantic comedies",
        (("Romance", 8, 110), ("Comedy", 3, 95)),
        likes=("Romance",),
        dislikes=("Horror", "War"),
    ),
    SampleSpec(
        "action-fan",
        "Action, adventure and science fiction",
        (("Action", 8, 120), ("Adventure", 4, 115), ("Sci-Fi", 3, 120)),
        likes=("Action",),
        dislikes=("Musical",),
    ),
    SampleSpec(
        "comedy", "Comedies, the lighter the better", (("Comedy", 10, 95),), dislikes=("Horror",)
    ),
    SampleSpec(
        "documentary",
        "Documentaries, biographies and history",
        (("Documentary", 8, 90), ("Biography", 3, 110), ("History", 2, 120)),
        likes=("Documentary",),
    ),
    SampleSpec(
        "kid-animation",
        "A child who watches animated and family films",
        (("Animation", 8, 85), ("Family", 5, 90)),
        likes=("Animation",),
        dislikes=("Horror", "Thriller", "Crime", "War"),
    ),
    SampleSpec(
        "mixed",
        "A bit of everything",
        (
            ("Drama", 3, 110),
            ("Comedy", 3, 95),
            ("Action", 3, 115),
            ("Sci-Fi", 2, 110),
            ("Mystery", 2, 100),
        ),
    ),
)


def has_titles(store: PosterStore) -> bool:
    """Whether the catalog has any title (samples are built from titles)."""
    return store.has_titles()


def _titles_by_genre(store: PosterStore) -> dict[str, list[int]]:
    return store.titles_by_genre()


def build_history(spec: SampleSpec, by_genre: dict[str, list[int]]) -> list[Viewing]:
    """The sample's viewings from the catalog's titles, newest first."""
    queues: list[tuple[float, Iterator[int]]] = []
    wanted: list[int] = []
    for genre, count, minutes in spec.watches:
        pool = by_genre.get(genre, [])
        spread = [pool[i * len(pool) // count] for i in range(min(count, len(pool)))]
        # The evenly spread titles first, the rest of the genre as stand-ins for repeats.
        queues.append((minutes, iter(dict.fromkeys(spread + pool))))
        wanted.append(count)
    picked: list[tuple[int, float]] = []
    used: set[int] = set()
    # Round-robin over the genres, favourite first, so the favourite is also the newest.
    while any(wanted):
        for i, (minutes, titles) in enumerate(queues):
            if not wanted[i]:
                continue
            title_id = next((t for t in titles if t not in used), None)
            if title_id is None:
                wanted[i] = 0
                continue
            used.add(title_id)
            picked.append((title_id, minutes))
            wanted[i] -= 1
    return [
        Viewing(title_id, (ANCHOR - timedelta(days=DAYS_APART * n)).isoformat(), minutes)
        for n, (title_id, minutes) in enumerate(picked)
    ]


def seed_samples(store: PosterStore, rebuild: bool = False) -> list[str]:
    """Add the sample profiles missing from the workspace; return the names added.

    Idempotent: an existing profile of the same name is left as the user edited it, unless
    ``rebuild`` (then sample profiles get fresh histories and preferences from the catalog).
    A catalog without titles gets no samples.
    """
    if not has_titles(store):
        return []
    by_genre = _titles_by_genre(store)
    added = []
    with store.transaction():
        # Write first: this takes the write lock, so a second process seeding at the same
        # time waits here and then sees every profile this one added.
        store.set_meta(SEEDED_KEY, "1")
        existing = store.sample_flags()
        for spec in SAMPLES:
            if spec.name in existing and not (rebuild and existing[spec.name]):
                continue
            if spec.name in existing:
                update_profile(
                    store,
                    spec.name,
                    likes=spec.likes,
                    dislikes=spec.dislikes,
                    description=spec.description,
                )
            else:
                create_profile(
                    store,
                    spec.name,
                    description=spec.description,
                    likes=spec.likes,
                    dislikes=spec.dislikes,
                    sample=True,
                )
                added.append(spec.name)
            replace_history(store, spec.name, build_history(spec, by_genre))
    return added


def ensure_samples(store: PosterStore) -> list[str]:
    """Seed the samples once per workspace, as soon as it has titles (cheap afterwards).

    Profiles the user deleted later are not brought back; ``profiles seed`` does that.
    """
    if store.get_meta(SEEDED_KEY):
        return []
    return seed_samples(store)
