"""Agreement between two curators who labelled the same posters (e.g. a calibration batch):
per genre, Cohen's kappa with a 95 % interval, and the posters they disagree on.

The interval is Cohen's (1960) large-sample one, ``kappa ± 1.96·√(pₒ(1−pₒ) / (n(1−pₑ)²))``,
clipped to [−1, 1]: closed-form, so a report is the same every time it is run, and
checkable by hand.  With few posters it is wide, which is the point of showing it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from poster_tool.core.errors import PosterToolError
from poster_tool.core.taxonomy import GENRES

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

Z95 = 1.959964  # two-sided 95 % normal quantile


class AgreementError(PosterToolError):
    """Two curators cannot be compared (fewer than two, or no poster in common)."""


@dataclass(frozen=True)
class GenreAgreement:
    """How two curators agree on one genre over the posters both labelled.

    :param both: posters both gave the genre; ``only_a`` / ``only_b``: one of them did
    :param kappa: ``None`` when both gave it to every poster or to none (chance is 1)
    """

    genre: str
    both: int
    only_a: int
    only_b: int
    neither: int
    observed: float
    kappa: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Disagreement:
    """A poster the two curators labelled differently."""

    poster_id: int
    a: list[str]
    b: list[str]


@dataclass(frozen=True)
class AgreementReport:
    """Agreement of ``curator_a`` and ``curator_b`` on the ``posters`` both labelled."""

    curator_a: str
    curator_b: str
    posters: int
    genres: list[GenreAgreement]
    disagreements: list[Disagreement]

    def to_dict(self) -> dict[str, object]:
        """The report as ``agreement --json`` prints it."""
        return asdict(self)

    def lines(self) -> list[str]:
        """The report for a terminal."""
        out = [
            f"{self.curator_a} and {self.curator_b} both labelled {self.posters} posters; "
            f"they disagree on {len(self.disagreements)}",
        ]
        for g in self.genres:
            out.append(
                f"  {g.genre:<12} kappa {kappa_text(g)}  agree {g.observed:.0%}  "
                f"(both {g.both}, only {self.curator_a} {g.only_a}, "
                f"only {self.curator_b} {g.only_b})"
            )
        for d in self.disagreements:
            out.append(
                f"  poster {d.poster_id}: {self.curator_a} {', '.join(d.a) or '(none)'}; "
                f"{self.curator_b} {', '.join(d.b) or '(none)'}"
            )
        return out


def kappa_text(g: GenreAgreement) -> str:
    """``0.62 [0.31, 0.93]``, or ``n/a`` when chance agreement is certain."""
    if g.kappa is None:
        return "n/a"
    return f"{g.kappa:+.2f} [{g.low:+.2f}, {g.high:+.2f}]"


def cohen_kappa(
    both: int, only_a: int, only_b: int, neither: int
) -> tuple[float, float | None, float | None, float | None]:
    """Observed agreement, and Cohen's kappa with its 95 % interval, of a 2×2 table
    (``None``s when chance agreement is 1: both raters said the same thing of every item)."""
    n = both + only_a + only_b + neither
    if n == 0:
        raise AgreementError("no poster to compare")
    observed = (both + neither) / n
    yes_a, yes_b = (both + only_a) / n, (both + only_b) / n
    expected = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    if expected >= 1:
        return observed, None, None, None
    kappa = (observed - expected) / (1 - expected)
    half = Z95 * math.sqrt(observed * (1 - observed) / (n * (1 - expected) ** 2))
    return observed, kappa, max(-1.0, kappa - half), min(1.0, kappa + half)


def curator_pairs(
    labellings: Mapping[str, Mapping[int, Sequence[str]]],
) -> list[tuple[str, str, int]]:
    """Every pair of curators with the number of posters both labelled, most first."""
    names = sorted(labellings)
    pairs = [
        (a, b, len(labellings[a].keys() & labellings[b].keys()))
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    ]
    return sorted((p for p in pairs if p[2]), key=lambda p: -p[2])


def agreement(
    labellings: Mapping[str, Mapping[int, Sequence[str]]],
    curator_a: str | None = None,
    curator_b: str | None = None,
) -> AgreementReport:
    """Compare two curators on the posters both labelled (without names: the pair that
    shares the most posters).

    :param labellings: curator -> poster id -> genres (see ``PosterStore.curator_labellings``)
    :raises AgreementError: when a curator labelled nothing, or the two share no poster
    """
    if curator_a is None or curator_b is None:
        pairs = curator_pairs(labellings)
        if not pairs:
            raise AgreementError(
                "no two curators labelled the same poster; agreement needs a shared batch"
            )
        curator_a, curator_b, _ = pairs[0]
    if curator_a == curator_b:
        raise AgreementError("name two different curators")
    for who in (curator_a, curator_b):
        if who not in labellings:
            known = ", ".join(sorted(labellings)) or "none yet"
            raise AgreementError(f"{who!r} labelled no poster (curators who did: {known})")
    a, b = labellings[curator_a], labellings[curator_b]
    shared = sorted(a.keys() & b.keys())
    if not shared:
        raise AgreementError(f"{curator_a} and {curator_b} labelled no poster in common")
    genres = []
    for genre in GENRES:
        cells = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
        for poster_id in shared:
            cells[genre in a[poster_id], genre in b[poster_id]] += 1
        if cells[False, False] == len(shared):
            continue  # neither curator used the genre: nothing to agree on
        observed, kappa, low, high = cohen_kappa(
            cells[True, True], cells[True, False], cells[False, True], cells[False, False]
        )
        genres.append(
            GenreAgreement(
                genre,
                cells[True, True],
                cells[True, False],
                cells[False, True],
                cells[False, False],
                observed,
                kappa,
                low,
                high,
            )
        )
    disagreements = [
        Disagreement(p, list(a[p]), list(b[p])) for p in shared if set(a[p]) != set(b[p])
    ]
    return AgreementReport(curator_a, curator_b, len(shared), genres, disagreements)


def store_agreement(
    store: PosterStore, curator_a: str | None = None, curator_b: str | None = None
) -> AgreementReport:
    """:func:`agreement` over the catalog's audit log."""
    return agreement(store.curator_labellings(), curator_a, curator_b)
