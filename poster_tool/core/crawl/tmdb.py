"""The ``tmdb`` source: titles and their poster pools from The Movie Database API v3.

Titles come from ``/movie/{id}`` (name, original name, year, genres, IMDb id) and their
pools from ``/movie/{id}/images``; discovery is by id list, search query, the popular list
or discover-by-genre, a page at a time.  Image URLs are the configured base URL, a size
and the image's ``file_path`` (the base comes from ``/configuration`` unless given).
TMDB's terms ask for attribution wherever its data is shown: see :data:`ATTRIBUTION`.
"""

from __future__ import annotations

import json
import re
import threading
from typing import TYPE_CHECKING, Any

from poster_tool.core.crawl.fetch import FetchError
from poster_tool.core.crawl.parse import ParseError
from poster_tool.core.crawl.source import Outcome
from poster_tool.core.crawl.state import Task
from poster_tool.core.errors import CrawlError
from poster_tool.core.records import TitleIn
from poster_tool.core.taxonomy import resolve

if TYPE_CHECKING:
    from poster_tool.core.crawl.fetch import Fetcher

API_BASE = "https://api.themoviedb.org/3"
IMAGE_BASE = "https://image.tmdb.org/t/p/"
POSTER_SIZES = ("w92", "w154", "w185", "w342", "w500", "w780", "original")
ATTRIBUTION = (
    "Title data and posters from TMDB (themoviedb.org). This product uses the "
    "TMDB API but is not endorsed or certified by TMDB."
)
# TMDB's movie genre ids by our canonical names (GET /genre/movie/list).
GENRE_IDS = {
    "Action": 28,
    "Adventure": 12,
    "Animation": 16,
    "Comedy": 35,
    "Crime": 80,
    "Documentary": 99,
    "Drama": 18,
    "Family": 10751,
    "Fantasy": 14,
    "History": 36,
    "Horror": 27,
    "Music": 10402,
    "Mystery": 9648,
    "Romance": 10749,
    "Sci-Fi": 878,
    "TV Movie": 10770,
    "Thriller": 53,
    "War": 10752,
    "Western": 37,
}
_JWT = re.compile(r"^eyJ[\w-]*\.[\w-]+\.[\w-]+$")


def genre_id(name: str) -> int:
    """TMDB's id for a genre given by id, canonical name or any alias (``"SF"``, ``"액션"``).

    :raises CrawlError: when TMDB has no such genre
    """
    if name.strip().isdigit():
        return int(name)
    canonical = resolve(name)
    if canonical not in GENRE_IDS:
        known = ", ".join(sorted(GENRE_IDS))
        raise CrawlError(f"TMDB has no genre {name!r}; use one of {known} or a TMDB genre id")
    return GENRE_IDS[canonical]


def auth(api_key: str) -> tuple[dict[str, str], dict[str, str]]:
    """Query parameters and headers that authenticate: a v4 read token (a JWT) is sent as
    a bearer token, a v3 key as ``api_key``."""
    if _JWT.match(api_key):
        return {}, {"Authorization": f"Bearer {api_key}"}
    return {"api_key": api_key}, {}


def title_from_movie(data: dict[str, Any]) -> tuple[TitleIn, list[str]]:
    """A catalog title and its genre names from a ``/movie/{id}`` answer.

    :raises ParseError: when the answer lacks an id or a title
    """
    movie_id, name = data.get("id"), data.get("title") or data.get("original_title")
    if not isinstance(movie_id, int) or not isinstance(name, str) or not name.strip():
        raise ParseError("the TMDB answer has no movie id or title")
    date = data.get("release_date") or ""
    year = int(date[:4]) if re.match(r"^\d{4}", date) else None
    original = data.get("original_title")
    genres = [g["name"] for g in data.get("genres") or [] if isinstance(g, dict) and g.get("name")]
    imdb_id = data.get("imdb_id") or None
    title = TitleIn(
        key=f"tmdb:{movie_id}",
        name=name.strip(),
        year=year,
        original_name=original if original and original != name else None,
        imdb_id=imdb_id if isinstance(imdb_id, str) and imdb_id.startswith("tt") else None,
        tmdb_id=movie_id,
        source="tmdb",
    )
    return title, genres


def poster_paths(images: dict[str, Any]) -> list[str]:
    """The ``file_path`` of every poster in an ``/images`` answer, best voted first."""
    posters = [
        p
        for p in images.get("posters") or []
        if isinstance(p, dict) and isinstance(p.get("file_path"), str)
    ]
    posters.sort(key=lambda p: (-(p.get("vote_average") or 0), -(p.get("vote_count") or 0)))
    return [p["file_path"] for p in posters]


class TmdbSource:
    """Discovery and pools from the TMDB API.

    :param api_key: a v3 API key or a v4 read access token
    :param movie_ids: crawl these movies
    :param query: crawl the results of a title search
    :param popular: crawl the popular list
    :param discover_genre: crawl ``/discover/movie`` for this TMDB genre id
    :param pages: list pages to read for ``query``, ``popular`` and ``discover_genre``
    :param image_base: the image base URL (default: from ``/configuration``)
    :param image_size: a poster size, e.g. ``w500`` or ``original``
    :param image_languages: ``include_image_language`` for the pool, e.g. ``"ko,en,null"``
    """

    robots = False  # an API used with a key under TMDB's terms, not a site to be crawled
    attribution: str | None = ATTRIBUTION

    def __init__(
        self,
        api_key: str,
        *,
        movie_ids: tuple[int, ...] = (),
        query: str | None = None,
        popular: bool = False,
        discover_genre: int | None = None,
        pages: int = 1,
        api_base: str = API_BASE,
        image_base: str | None = None,
        image_size: str = "w500",
        image_languages: str | None = None,
        name: str = "tmdb",
    ) -> None:
        if not api_key:
            raise CrawlError("TMDB needs an API key (a v3 key or a read access token)")
        if not (movie_ids or query or popular or discover_genre):
            raise CrawlError("say what to crawl: movie ids, a query, popular or a genre")
        self.name = name
        self.movie_ids, self.query, self.popular = movie_ids, query, popular
        self.discover_genre, self.pages = discover_genre, max(1, pages)
        self.api_base = api_base.rstrip("/")
        self.image_size = image_size
        self.image_languages = image_languages
        self._params, self._headers = auth(api_key)
        self._image_base = image_base.rstrip("/") + "/" if image_base else None
        self._config_lock = threading.Lock()

    def seeds(self) -> list[Task]:
        """Title tasks for the ids, list tasks for each page of the other discoveries."""
        tasks = [Task("title", f"movie:{i}", {"tmdb_id": i}) for i in self.movie_ids]
        lists: list[tuple[str, str, dict[str, str]]] = []
        if self.query:
            lists.append(
                (
                    f"search:{self.query}",
                    "/search/movie",
                    {"query": self.query, "include_adult": "false"},
                )
            )
        if self.popular:
            lists.append(("popular", "/movie/popular", {}))
        if self.discover_genre:
            lists.append(
                (
                    f"discover:{self.discover_genre}",
                    "/discover/movie",
                    {
                        "with_genres": str(self.discover_genre),
                        "include_adult": "false",
                        "sort_by": "popularity.desc",
                    },
                )
            )
        for key, path, params in lists:
            tasks.extend(
                Task(
                    "list",
                    f"{key}:page:{page}",
                    {"path": path, "params": {**params, "page": str(page)}},
                )
                for page in range(1, self.pages + 1)
            )
        return tasks

    def handle(self, task: Task, fetcher: Fetcher) -> Outcome:
        """A list page gives title tasks; a title gives the title and its poster tasks."""
        if task.kind == "list":
            data = self._api(fetcher, task.info["path"], task.info.get("params", {}))
            ids = [
                r["id"]
                for r in data.get("results") or []
                if isinstance(r, dict) and isinstance(r.get("id"), int)
            ]
            return Outcome(tasks=[Task("title", f"movie:{i}", {"tmdb_id": i}) for i in ids])
        movie_id = int(task.info["tmdb_id"])
        title, genres = title_from_movie(self._api(fetcher, f"/movie/{movie_id}", {}))
        params = {"include_image_language": self.image_languages} if self.image_languages else {}
        paths = poster_paths(self._api(fetcher, f"/movie/{movie_id}/images", params))
        base = self._images(fetcher)
        posters = [
            Task("poster", f"{base}{self.image_size}{path}", {"ref": f"tmdb:{path}"})
            for path in paths
        ]
        return Outcome(title=title, genre_names=genres, tasks=posters)

    def _images(self, fetcher: Fetcher) -> str:
        """The image base URL, asked of ``/configuration`` once per crawl unless given."""
        with self._config_lock:
            if self._image_base is None:
                images = self._api(fetcher, "/configuration", {}).get("images") or {}
                sizes = images.get("poster_sizes") or POSTER_SIZES
                if self.image_size not in sizes:
                    raise CrawlError(
                        f"TMDB has no poster size {self.image_size!r}; "
                        f"use one of {', '.join(sizes)}"
                    )
                base = images.get("secure_base_url") or images.get("base_url") or IMAGE_BASE
                self._image_base = base.rstrip("/") + "/"
            return self._image_base

    def _api(self, fetcher: Fetcher, path: str, params: dict[str, str]) -> dict[str, Any]:
        url = f"{self.api_base}{path}"
        try:
            answer = fetcher.get(
                url,
                params={**self._params, **params},
                headers=self._headers,
                max_bytes=fetcher.config.max_page_bytes,
                robots=False,
            )
        except FetchError as exc:
            if exc.status == 401:
                # Fatal: every further request would be refused the same way.
                raise CrawlError("TMDB refused the API key (HTTP 401): check the key") from None
            raise
        try:
            data = json.loads(answer.content)
        except (ValueError, UnicodeDecodeError):
            raise ParseError(f"{url}: the answer is not JSON ({answer.content_type})") from None
        if not isinstance(data, dict):
            raise ParseError(f"{url}: the answer is not a JSON object")
        return data
