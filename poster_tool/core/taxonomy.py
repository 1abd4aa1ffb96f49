"""The genre taxonomy: one canonical English name per genre, aliases in English and Korean.

Sources name genres differently (IMDb "Sci-Fi", TMDB "Science Fiction", the Korean portal
"SF"); everything that enters the catalog goes through :func:`resolve`, and names it cannot
map are reported to the user (never silently dropped).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# Order matters: it is the order of chips in the GUI and of columns in exports.
GENRES: tuple[str, ...] = (
    "Drama",
    "Comedy",
    "Action",
    "Romance",
    "Crime",
    "Thriller",
    "Adventure",
    "Documentary",
    "Horror",
    "Fantasy",
    "Mystery",
    "Biography",
    "Family",
    "Sci-Fi",
    "Music",
    "Animation",
    "Sport",
    "History",
    "War",
    "Musical",
    "Western",
    "Short",
    "News",
    "Reality-TV",
    "TV Movie",
)

ALIASES: dict[str, str] = {
    # English variants (TMDB, IMDb, free text)
    "science fiction": "Sci-Fi",
    "sci fi": "Sci-Fi",
    "scifi": "Sci-Fi",
    "sf": "Sci-Fi",
    "romantic": "Romance",
    "romance drama": "Romance",
    "biopic": "Biography",
    "sports": "Sport",
    "reality": "Reality-TV",
    "reality tv": "Reality-TV",
    "tv movie": "TV Movie",
    "tvmovie": "TV Movie",
    "animated": "Animation",
    "anime": "Animation",
    "kids": "Family",
    "children": "Family",
    "historical": "History",
    "period": "History",
    "documentaries": "Documentary",
    "musicals": "Musical",
    "short film": "Short",
    "suspense": "Thriller",
    "action & adventure": "Action",
    "war & politics": "War",
    # Korean names as the portal wrote them
    "드라마": "Drama",
    "코미디": "Comedy",
    "액션": "Action",
    "스릴러": "Thriller",
    "공포": "Horror",
    "호러": "Horror",
    "공포(호러)": "Horror",
    "멜로/로맨스": "Romance",
    "멜로": "Romance",
    "로맨스": "Romance",
    "애니메이션": "Animation",
    "판타지": "Fantasy",
    "범죄": "Crime",
    "미스터리": "Mystery",
    "어드벤처": "Adventure",
    "모험": "Adventure",
    "다큐멘터리": "Documentary",
    "가족": "Family",
    "전쟁": "War",
    "뮤지컬": "Musical",
    "서부": "Western",
    "사극": "History",
    "역사": "History",
    "음악": "Music",
    "스포츠": "Sport",
    "전기": "Biography",
    "단편": "Short",
    "공연실황": "Music",
}

_CANON = {g.casefold(): g for g in GENRES}
_SPACES = re.compile(r"[\s_\-]+")


def _key(name: str) -> str:
    return _SPACES.sub(" ", name.strip().casefold()).strip()


def resolve(name: str) -> str | None:
    """The canonical genre for ``name`` (any case, English or Korean), or ``None``.

    :param name: a genre name as a source wrote it, e.g. ``"science fiction"`` or ``"멜로/로맨스"``
    """
    raw = name.strip().casefold()
    if raw in _CANON:
        return _CANON[raw]
    key = _key(name)
    for table in (_CANON, ALIASES):
        if key in table:
            return table[key]
    squashed = key.replace(" ", "")
    for canon_key, canon in _CANON.items():
        if canon_key.replace("-", "").replace(" ", "") == squashed:
            return canon
    return None


@dataclass
class Resolution:
    """The outcome of mapping a list of names: canonical genres and the names left over."""

    genres: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def resolve_all(names: Iterable[str]) -> Resolution:
    """Map every name; keep the canonical order, drop repeats, collect unknown names.

    :param names: raw genre names (blank ones are ignored)
    """
    found: set[str] = set()
    out = Resolution()
    for name in names:
        if not name or not name.strip() or name.strip().upper() == "N/A":
            continue
        genre = resolve(name)
        if genre is None:
            out.unknown.append(name.strip())
        else:
            found.add(genre)
    out.genres = [g for g in GENRES if g in found]
    return out


def split_genres(text: str) -> list[str]:
    """Split a manifest's genre cell (``"Drama|Comedy"``, also ``,`` or ``;``) into names."""
    return [part.strip() for part in re.split(r"[|,;]", text or "") if part.strip()]


def ordered(genres: Iterable[str]) -> list[str]:
    """Canonical genres in taxonomy order, without repeats."""
    wanted = set(genres)
    return [g for g in GENRES if g in wanted]
