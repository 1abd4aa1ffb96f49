"""The experiment plan: which poster each arm shows each viewer profile, and with what chance.

An arm is a policy: ``default`` (the title's default poster), ``genre-match`` (the product's
picks, exactly what ``recommend`` shows) or ``random`` (uniform).  With an exploration share
``explore`` an arm shows its own pick with probability ``1 - explore`` and otherwise a poster
drawn uniformly from the viewer's *pool*: the posters that pass every guardrail of the picks
(approved, not sensitive, true to the title's genres, not leading with a disliked genre),
plus the arm's own pick.  So every poster in the pool has a known, non-zero propensity, which
is what the estimators need to judge policies that were never run.

The plan also holds one seeded draw per profile, arm and title (``drawn``): the same seed
gives the same plan, for a service that wants the draws as well as the probabilities.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from poster_tool.core.errors import PosterToolError
from poster_tool.core.exchange.atomic import atomic_output
from poster_tool.core.personalize.picks import load_candidates, tastes_of
from poster_tool.core.personalize.policy import choose, qualified
from poster_tool.core.personalize.profiles import list_profiles

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

ARMS = ("default", "genre-match", "random")
COLUMNS = (
    "profile",
    "arm",
    "title_id",
    "title",
    "poster_id",
    "sha256",
    "propensity",
    "arm_pick",
    "drawn",
)


@dataclass(frozen=True)
class PlanRow:
    """One poster an arm may show one profile for one title."""

    profile: str
    arm: str
    title_id: int
    title: str
    poster_id: int
    sha256: str
    propensity: float
    arm_pick: bool  # the arm's own choice (shown with 1 - explore, plus its share)
    drawn: bool  # the seeded draw of this plan


@dataclass(frozen=True)
class Plan:
    """An experiment plan and the facts a curator checks before sending it out."""

    rows: list[PlanRow]
    arms: tuple[str, ...]
    explore: float
    seed: int
    profiles: int
    titles: int
    titles_without_poster: list[str]

    def to_csv(self) -> str:
        """The plan as CSV text (UTF-8, one row per poster that may be shown)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in self.rows:
            writer.writerow(
                [
                    r.profile,
                    r.arm,
                    r.title_id,
                    r.title,
                    r.poster_id,
                    r.sha256,
                    f"{r.propensity:.6g}",
                    int(r.arm_pick),
                    int(r.drawn),
                ]
            )
        return out.getvalue()

    def write(self, path: Path) -> None:
        """Write the CSV atomically: the file is whole or untouched."""
        with atomic_output(path) as fh:
            fh.write(self.to_csv().encode("utf-8"))


def make_plan(
    store: PosterStore,
    title_ids: Sequence[int],
    arms: Sequence[str] = ("default", "genre-match"),
    explore: float = 0.1,
    seed: int = 0,
    profile_names: Sequence[str] | None = None,
) -> Plan:
    """Per profile, arm and title: the posters that may be shown with their propensities.

    :raises PosterToolError: for an unknown arm, an exploration share outside 0..1, no
        titles or no profiles
    """
    unknown = [a for a in arms if a not in ARMS]
    if unknown or not arms:
        raise PosterToolError(
            f"unknown arm {unknown[0]!r}; arms are {', '.join(ARMS)}"
            if unknown
            else f"name at least one arm ({', '.join(ARMS)})"
        )
    if not 0 <= explore <= 1:
        raise PosterToolError(f"--explore {explore} is not a share between 0 and 1")
    if not title_ids:
        raise PosterToolError("the plan needs at least one title")
    profiles = list_profiles(store, profile_names)
    if not profiles:
        raise PosterToolError("the plan needs viewer profiles: run 'poster-tool profiles seed'")
    tastes, cands = tastes_of(profiles), load_candidates(store, title_ids)
    titles = store.titles([int(t) for t in cands.title_ids])
    id_to_sha = {pid: sha for sha, pid in store.poster_refs()[1].items()}
    ok = qualified(tastes, cands)
    picks = {
        "default": np.broadcast_to(cands.fallback_slot, ok.shape[:2]),
        "genre-match": choose(tastes, cands).slot,
        "random": np.full(ok.shape[:2], -1),
    }
    rng = np.random.default_rng(seed)
    rows = []
    for p, profile in enumerate(profiles):
        for arm in arms:
            for t, title in enumerate(titles):
                pick = int(picks[arm][p, t])
                pool = ok[p, t].copy()
                if pick >= 0:
                    pool[pick] = True
                elif arm == "random" and cands.fallback_slot[t] >= 0 and not pool.any():
                    pool[cands.fallback_slot[t]] = True  # nothing qualifies: the fallback
                slots = np.flatnonzero(pool)
                if not slots.size:
                    continue
                own = 0.0 if pick < 0 else 1 - explore
                share = (1 - own) / slots.size
                chance = np.array([share + (own if k == pick else 0.0) for k in slots])
                drawn = int(rng.choice(slots, p=chance / chance.sum()))
                for k, c in zip(slots, chance, strict=True):
                    if c <= 0:
                        continue  # no exploration: only the arm's pick can be shown
                    poster_id = int(cands.poster_ids[t, k])
                    rows.append(
                        PlanRow(
                            profile.name,
                            arm,
                            title.id,
                            title.display,
                            poster_id,
                            id_to_sha[poster_id],
                            float(c),
                            bool(k == pick),
                            bool(k == drawn),
                        )
                    )
    return Plan(
        rows,
        tuple(arms),
        explore,
        seed,
        len(profiles),
        len(titles),
        [title.display for t, title in enumerate(titles) if cands.fallback_slot[t] < 0],
    )
