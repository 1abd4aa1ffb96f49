"""Explained picks from the catalog: what the CLI's ``recommend`` and the GUI preview show.

:func:`load_candidates` and :func:`tastes_of` turn catalog rows into the arrays of
:mod:`~poster_tool.core.personalize.policy`; :class:`RowPreview` runs the policy once for
every profile over a row of titles, so switching profiles in a preview is a lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from poster_tool.core.final_genres import verdicts
from poster_tool.core.personalize.policy import (
    FEEL_SOURCES,
    MIN_SCORE,
    N_GENRES,
    NO_TASTE,
    PERSONAL,
    ROW_LENGTH,
    SOURCE_FEEL,
    WEAK,
    Candidates,
    Tastes,
    choose,
    qualified,
)
from poster_tool.core.personalize.profiles import Profile, ProfileError, list_profiles
from poster_tool.core.taxonomy import GENRES

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

_GENRE_INDEX = {g: i for i, g in enumerate(GENRES)}
_SOURCE_WORDS = {"curator": "curator's label", "model": "model score", "source": "source genre"}


@dataclass(frozen=True)
class Pick:
    """The poster one viewer is shown for one title, and why.

    :param poster_id: ``None`` only when the title has no showable poster and no default
    :param score: match score of the shown poster with the viewer's taste (0..1)
    :param fallback: the default (or, without one, the first approved poster) is shown
        because nothing qualified or the evidence was weak
    :param default_poster_id: the title's default poster as set, for side-by-side previews
    :param selling_point: the genre that made the pick, when it was personalised
    """

    title_id: int
    title: str
    poster_id: int | None
    score: float
    explanation: str
    fallback: bool
    default_poster_id: int | None
    selling_point: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``recommend --json``."""
        return {
            "title_id": self.title_id,
            "title": self.title,
            "poster_id": self.poster_id,
            "score": round(self.score, 4),
            "explanation": self.explanation,
            "fallback": self.fallback,
            "default_poster_id": self.default_poster_id,
            "selling_point": self.selling_point,
        }


def tastes_of(profiles: Sequence[Profile]) -> Tastes:
    """The policy's arrays for these profiles."""
    return Tastes.from_maps(
        [p.name for p in profiles],
        [dict(p.affinity) for p in profiles],
        [p.dislikes for p in profiles],
    )


def load_candidates(store: PosterStore, title_ids: Sequence[int]) -> Candidates:
    """The showable posters of these titles, in the given order, as policy arrays.

    Showable: approved and not sensitive, plus the title's default unless it is rejected or
    sensitive.  Rejected and sensitive posters never enter the arrays at all.
    """
    titles = store.titles(list(dict.fromkeys(title_ids)))
    rows = store.showable_posters([t.id for t in titles])
    found = verdicts(store, [r[0] for r in rows])  # the export's genres, and what it holds
    pools: dict[int, list[tuple]] = {}
    for row in rows:
        pools.setdefault(row[1], []).append(row)
    n_titles, slots = len(titles), max((len(p) for p in pools.values()), default=0)
    cands: dict[str, np.ndarray] = dict(
        poster_ids=np.full((n_titles, slots), -1, np.int64),
        feel=np.zeros((n_titles, slots, N_GENRES), np.float32),
        feel_source=np.full((n_titles, slots), -1, np.int8),
        eligible=np.zeros((n_titles, slots), bool),
        phash=np.zeros((n_titles, slots), np.uint64),
    )
    genres = np.zeros((n_titles, N_GENRES), bool)
    default_slot = np.full(n_titles, -1, np.int64)
    for t, title in enumerate(titles):
        genres[t, [_GENRE_INDEX[g] for g in title.genres]] = True
        pool = pools.get(title.id, [])
        for k, (pid, _, status, is_default, phash, curated_at) in enumerate(pool):
            verdict = found[pid]
            scored = any(g.score is not None for g in verdict.genres)
            source = "curator" if curated_at is not None else "model" if scored else "source"
            for g in verdict.genres:
                # How strongly the poster shows the genre: a curator's word is certain; on a
                # scored poster the model's calibrated score says how the poster looks (none:
                # the model does not know the genre); else an official genre's prior.
                value = (
                    1.0
                    if g.provenance == "curator"
                    else (g.score or 0.0)
                    if scored
                    else SOURCE_FEEL
                )
                cands["feel"][t, k, _GENRE_INDEX[g.genre]] = value
            cands["feel_source"][t, k] = FEEL_SOURCES.index(source)
            cands["poster_ids"][t, k] = pid
            # Held for review (the model doubts an official genre): not exported, not picked.
            cands["eligible"][t, k] = status == "approved" and not verdict.held
            cands["phash"][t, k] = int(phash, 16)
            if is_default:
                default_slot[t] = k
    default_ids = np.array(
        [-1 if t.default_poster_id is None else t.default_poster_id for t in titles], np.int64
    )
    return Candidates(
        title_ids=np.array([t.id for t in titles], np.int64),
        title_genres=genres,
        default_slot=default_slot,
        default_ids=default_ids,
        **cands,
    )


class RowPreview:
    """Picks of every profile (or the named ones) for one list of titles.

    :param row_length: titles per row for variety (default: the whole list is one row)
    """

    def __init__(
        self,
        store: PosterStore,
        title_ids: Sequence[int],
        names: Sequence[str] | None = None,
        row_length: int | None = None,
    ) -> None:
        self.profiles = list_profiles(store, names)
        self.tastes = tastes_of(self.profiles)
        self.cands = load_candidates(store, title_ids)
        self.titles = store.titles([int(i) for i in self.cands.title_ids])
        length = row_length or max(1, len(self.titles))
        self.choices = choose(self.tastes, self.cands, length)
        self._index = {p.name: i for i, p in enumerate(self.profiles)}

    def picks(self, name: str) -> list[Pick]:
        """The picks of one profile, in title order.

        :raises ProfileError: when the profile is not part of this preview
        """
        if name not in self._index:
            raise ProfileError(f"no profile named {name!r} in this preview")
        p = self._index[name]
        ok = qualified(self.tastes, self.cands, slice(p, p + 1))[0]
        out = []
        for t, title in enumerate(self.titles):
            slot = int(self.choices.slot[p, t])
            reason = int(self.choices.reason[p, t])
            selling = self._selling_point(p, t) if reason == PERSONAL else None
            out.append(
                Pick(
                    title_id=title.id,
                    title=title.display,
                    poster_id=None if slot < 0 else int(self.cands.poster_ids[t, slot]),
                    score=float(self.choices.score[p, t]),
                    explanation=self._explain(p, t, ok[t]),
                    fallback=reason != PERSONAL,
                    default_poster_id=title.default_poster_id,
                    selling_point=None if selling is None else GENRES[selling],
                )
            )
        return out

    def audience(self, title_id: int) -> dict[int | None, list[str]]:
        """Which profiles are shown which poster of a title: poster id -> profile names."""
        t = int(np.flatnonzero(self.cands.title_ids == title_id)[0])
        out: dict[int | None, list[str]] = {}
        for p, profile in enumerate(self.profiles):
            slot = int(self.choices.slot[p, t])
            poster_id = None if slot < 0 else int(self.cands.poster_ids[t, slot])
            out.setdefault(poster_id, []).append(profile.name)
        return out

    def _selling_point(self, p: int, t: int) -> int:
        """The genre index that contributes most to the shown poster's match score."""
        slot = int(self.choices.slot[p, t])
        return int((self.tastes.affinity[p] * self.cands.selling_feel[t, slot]).argmax())

    def _explain(self, p: int, t: int, ok: np.ndarray) -> str:
        """One line saying why profile ``p`` is shown what it is shown for title ``t``."""
        cands, choices = self.cands, self.choices
        slot, reason = int(choices.slot[p, t]), int(choices.reason[p, t])
        a = self.tastes.affinity[p]
        if reason == PERSONAL:
            g = self._selling_point(p, t)
            # Rank among the viewer's genres; ties go to the taxonomy's order.
            rank = 1 + int(np.sum((a > a[g]) | ((a == a[g]) & (np.arange(N_GENRES) < g))))
            where = "top genre" if rank == 1 else f"#{rank} genre"
            source = _SOURCE_WORDS[FEEL_SOURCES[cands.feel_source[t, slot]]]
            text = (
                f"{GENRES[g]} {cands.feel[t, slot, g]:.2f} matches your {where}, "
                f"{GENRES[g]} ({source})"
            )
            return text + ("; varied from the row's other posters" if choices.varied[p, t] else "")
        if reason == NO_TASTE:
            why = f"{self.profiles[p].name} has no viewing history or likes yet"
        elif reason == WEAK:
            scores = np.where(ok, cands.selling_feel[t] @ a, -1.0)
            best = int(scores.argmax())
            g = int((cands.selling_feel[t, best] * a).argmax())
            why = (
                f"the best match, on {GENRES[g]}, scores {scores[best]:.2f}, under the "
                f"{MIN_SCORE:.2f} evidence threshold"
                if scores[best] > 0
                else "none of its posters shows a genre you watch"
            )
        elif not cands.eligible[t].any():
            why = "no approved, non-sensitive poster"
        elif not (cands.eligible[t] & cands.fits[t]).any():
            official = ", ".join(GENRES[i] for i in np.flatnonzero(cands.title_genres[t]))
            why = f"no approved poster's look fits the title's genres ({official or 'none'})"
        else:
            disliked = ", ".join(GENRES[i] for i in np.flatnonzero(self.tastes.dislikes[p]))
            why = f"every fitting poster leads with a genre you dislike ({disliked})"
        if slot < 0:
            return f"nothing to show: {why}, and no default poster"
        if slot == cands.default_slot[t]:
            return f"default poster: {why}"
        return f"first approved poster (no usable default): {why}"


def recommend(
    store: PosterStore,
    profile: str,
    title_ids: Sequence[int] | None = None,
    row_length: int = ROW_LENGTH,
) -> list[Pick]:
    """Picks of one profile for these titles (all titles by name when ``None``).

    :param row_length: consecutive titles form rows of this many, varied within each row
    """
    ids = [t.id for t in store.titles()] if title_ids is None else list(title_ids)
    preview = RowPreview(store, ids, [profile], row_length)
    return preview.picks(preview.profiles[0].name)


def preview_row(store: PosterStore, profile: str, title_ids: Sequence[int]) -> list[Pick]:
    """One home-screen row for the preview: personalised and default poster per title."""
    preview = RowPreview(store, title_ids, [profile])
    return preview.picks(preview.profiles[0].name)
