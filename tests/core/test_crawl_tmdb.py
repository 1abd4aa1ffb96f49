"""The ``tmdb`` source against a local server that answers like TMDB API v3."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from poster_tool.cli import main
from poster_tool.core.crawl import CrawlConfig, TmdbSource, crawl
from poster_tool.core.crawl.tmdb import ATTRIBUTION
from poster_tool.core.errors import CrawlError
from poster_tool.core.progress import run_job
from tests.core.crawl_helpers import FAST, Site, send
from tests.synthetic import jpeg_bytes

KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ0ZXN0In0.c2lnbmF0dXJl"
MOVIES = {
    496243: {
        "id": 496243,
        "imdb_id": "tt6751668",
        "title": "Parasite",
        "original_title": "기생충",
        "release_date": "2019-05-30",
        "genres": [
            {"id": 35, "name": "Comedy"},
            {"id": 53, "name": "Thriller"},
            {"id": 18, "name": "Drama"},
        ],
    },
    27205: {
        "id": 27205,
        "imdb_id": "tt1375666",
        "title": "Inception",
        "original_title": "Inception",
        "release_date": "2010-07-15",
        "genres": [{"id": 28, "name": "Action"}, {"id": 878, "name": "Science Fiction"}],
    },
    11: {
        "id": 11,
        "imdb_id": None,
        "title": "Star Wars",
        "original_title": "Star Wars",
        "release_date": "",
        "genres": [],
    },
}
VOTES = [5.2, 5.9, 5.5]  # the second poster is the best voted


class FakeTmdb:
    """Routes like api.themoviedb.org/3 and image.tmdb.org/t/p on one local site."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.api = site.url("/3")
        self.auth: list[tuple[str | None, str | None]] = []
        site.route(
            "/3/configuration",
            self._json(
                lambda q: {
                    "images": {
                        "secure_base_url": site.url("/t/p/"),
                        "poster_sizes": ["w92", "w185", "w500", "original"],
                    }
                }
            ),
        )
        site.route("/3/movie/popular", self._json(lambda q: self._page([27205, 496243, 11], q)))
        site.route(
            "/3/search/movie",
            self._json(
                lambda q: self._page([496243] if "parasite" in q["query"][0].lower() else [], q)
            ),
        )
        site.route(
            "/3/discover/movie",
            self._json(lambda q: self._page([27205] if q["with_genres"] == ["878"] else [], q)),
        )
        for movie_id, movie in MOVIES.items():
            site.route(f"/3/movie/{movie_id}", self._json(lambda q, m=movie: m))
            site.route(
                f"/3/movie/{movie_id}/images",
                self._json(
                    lambda q, i=movie_id: {
                        "id": i,
                        "backdrops": [{"file_path": f"/b{i}.jpg"}],
                        "posters": [
                            {
                                "file_path": f"/p{i}_{n}.jpg",
                                "vote_average": v,
                                "vote_count": 4,
                                "iso_639_1": "en",
                                "width": 300,
                                "height": 450,
                                "aspect_ratio": 0.667,
                            }
                            for n, v in enumerate(VOTES)
                        ],
                    }
                ),
            )
            for n in range(len(VOTES)):
                image = jpeg_bytes(pattern=movie_id % 50 + 7 * n)
                for size in ("w500", "w185"):
                    site.add(f"/t/p/{size}/p{movie_id}_{n}.jpg", image, "image/jpeg")

    def _page(self, ids: list[int], query: dict[str, list[str]]) -> dict:
        page = int(query.get("page", ["1"])[0])
        # Two results per page; the list has two pages.
        chunk = ids[(page - 1) * 2 : page * 2]
        return {"page": page, "total_pages": 2, "results": [{"id": i} for i in chunk]}

    def _json(self, answer):
        def handler(request):
            query = parse_qs(urlsplit(request.path).query)
            key = query.get("api_key", [None])[0]
            bearer = request.headers.get("Authorization")
            self.auth.append((key, bearer))
            if key != KEY and bearer != f"Bearer {TOKEN}":
                send(
                    request,
                    json.dumps({"status_code": 7, "status_message": "Invalid API key"}),
                    401,
                    "application/json;charset=utf-8",
                )
                return
            send(request, json.dumps(answer(query)), content_type="application/json")

        return handler


@pytest.fixture
def tmdb():
    with Site() as site:
        yield FakeTmdb(site)


def run(ws, store, tmdb: FakeTmdb, key: str = KEY, max_posters: int | None = None, **what):
    source = TmdbSource(key, api_base=tmdb.api, **what)
    config = CrawlConfig(fetch=FAST, max_posters_per_title=max_posters)
    return run_job(crawl(ws, store, source, config))


def test_movie_ids_give_titles_with_ids_genres_and_the_best_voted_posters(tmdb, workspace, store):
    report = run(workspace, store, tmdb, movie_ids=(496243, 27205), max_posters=2)
    assert (report.titles_new, report.posters_new, report.errors) == (2, 4, [])
    parasite = store.find_title("tt6751668")
    assert (parasite.name, parasite.original_name, parasite.year, parasite.tmdb_id) == (
        "Parasite",
        "기생충",
        2019,
        496243,
    )
    assert parasite.genres == ("Drama", "Comedy", "Thriller")
    assert store.find_title("27205").genres == ("Action", "Sci-Fi")  # "Science Fiction"
    posters = store.posters(list(range(1, 5)))
    assert {p.source for p in posters} == {"tmdb"}
    assert {p.status for p in posters} == {"pending"}
    assert sorted(p.source_url for p in posters if p.title_id == parasite.id) == [
        tmdb.site.url(f"/t/p/w500/p496243_{n}.jpg") for n in (1, 2)
    ]  # votes 5.9 and 5.5
    assert tmdb.site.hits["/t/p/w500/p496243_0.jpg"] == 0  # the worst is never fetched
    assert sum(n for p, n in tmdb.site.hits.items() if p.startswith("/3/configuration")) == 1
    assert ATTRIBUTION in report.lines()
    rows = store._run("SELECT key || info FROM crawl_state").fetchall()
    assert not any(KEY in row[0] for row in rows)  # the API key is never stored


def test_popular_search_and_discover_read_the_pages_asked(tmdb, workspace, store):
    report = run(workspace, store, tmdb, popular=True, pages=2, max_posters=1)
    assert report.titles_new == 3 and report.posters_new == 3
    pages = sorted(p for p in tmdb.site.hits if p.startswith("/3/movie/popular"))
    assert len(pages) == 2 and "page=1" in pages[0] and "page=2" in pages[1]
    report = run(workspace, store, tmdb, query="Parasite", max_posters=1)
    assert (report.titles_new, report.titles_existing) == (0, 0)  # movie:496243 is done
    report = run(workspace, store, tmdb, discover_genre=878, max_posters=1)
    assert report.pages == 1 and report.titles_new == 0
    assert any("with_genres=878" in p for p in tmdb.site.hits)


def test_a_read_access_token_is_sent_as_a_bearer_token(tmdb, workspace, store):
    report = run(workspace, store, tmdb, key=TOKEN, movie_ids=(11,), max_posters=1)
    assert report.titles_new == 1 and report.posters_new == 1
    assert set(tmdb.auth) == {(None, f"Bearer {TOKEN}")}
    assert store.find_title("11").year is None  # no release date


def test_a_refused_key_stops_the_crawl_with_a_plain_message(tmdb, workspace, store):
    with pytest.raises(CrawlError, match=r"TMDB refused the API key \(HTTP 401\)"):
        run(workspace, store, tmdb, key="wrong", movie_ids=(496243, 27205))
    assert store.stats()["titles"] == 0


def test_an_unknown_movie_is_an_error_and_the_rest_still_crawls(tmdb, workspace, store):
    report = run(workspace, store, tmdb, movie_ids=(999999, 11), max_posters=1)
    assert report.titles_new == 1
    assert report.errors == [("movie:999999", "HTTP 404 Not Found")]


def test_a_poster_size_the_configuration_lacks_is_a_user_error(tmdb, workspace, store):
    with pytest.raises(CrawlError, match="no poster size 'w9000'; use one of w92, w185"):
        run(workspace, store, tmdb, movie_ids=(11,), image_size="w9000")


def test_cli_takes_the_key_from_the_environment(tmdb, workspace, capsys, monkeypatch):
    monkeypatch.setenv("TMDB_API_KEY", KEY)
    code = main(
        [
            "--workspace",
            str(workspace.root),
            "crawl",
            "tmdb",
            "--movie-ids",
            "496243",
            "--api-base",
            tmdb.api,
            "--image-size",
            "w185",
            "--rate",
            "0",
            "--max-posters-per-title",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "titles: 1 new" in out and "posters: 1 new" in out and "TMDB" in out
    assert tmdb.site.hits["/t/p/w185/p496243_1.jpg"] == 1


def test_cli_without_a_key_says_how_to_give_one(workspace, capsys, monkeypatch):
    monkeypatch.delenv("TMDB_API_KEY", raising=False)
    assert main(["--workspace", str(workspace.root), "crawl", "tmdb", "--popular"]) == 1
    assert "TMDB needs an API key: pass --api-key or set TMDB_API_KEY" in capsys.readouterr().err
    assert (
        main(
            [
                "--workspace",
                str(workspace.root),
                "crawl",
                "tmdb",
                "--api-key",
                "k",
                "--movie-ids",
                "12,x",
            ]
        )
        == 1
    )
    assert "--movie-ids wants numbers" in capsys.readouterr().err
