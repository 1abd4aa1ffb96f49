"""Pure parsing: saved portal pages, broken markup, recipes, TMDB answers (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from poster_tool.core.crawl.parse import (
    ParseError,
    parse_gallery,
    parse_image_page,
    parse_listing,
    parse_title,
)
from poster_tool.core.crawl.recipe import load_recipe, recipe_from_dict, shipped_recipes
from poster_tool.core.crawl.tmdb import auth, genre_id, poster_paths, title_from_movie
from poster_tool.core.errors import CrawlError
from poster_tool.core.taxonomy import resolve_all

DATA = Path(__file__).resolve().parents[1] / "data" / "crawl"
SITE = "https://movie.example/movie"


@pytest.fixture(scope="module")
def portal():
    return load_recipe("portal")


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_ranking_page_gives_absolute_title_links_once_each_and_the_next_page(portal):
    listing = parse_listing(
        page("portal_ranking.html"), f"{SITE}/sdb/rank/rmovie.nhn", portal.listing
    )
    assert listing.title_urls == [
        f"{SITE}/bi/mi/basic.nhn?code=161967",
        f"{SITE}/bi/mi/basic.nhn?code=136900",
        f"{SITE}/bi/mi/basic.nhn?code=187940",  # relative, with a #fragment, in the page
    ]
    assert listing.next_url == f"{SITE}/sdb/rank/rmovie.nhn?sel=cnt&page=2"


def test_title_page_in_euc_kr_reads_korean_name_year_genres_and_gallery(portal):
    title = parse_title(
        page("portal_basic.html"),
        f"{SITE}/bi/mi/basic.nhn?code=161967",
        portal.title,
        portal.gallery,
    )
    assert (title.key, title.name, title.original_name, title.year) == (
        "161967",
        "기생충",
        "Parasite",
        2019,
    )
    assert title.genres == ["드라마", "스릴러", "블랙코미디"]
    assert title.gallery_url == f"{SITE}/bi/mi/photoView.nhn?code=161967"
    mapped = resolve_all(title.genres)
    assert mapped.genres == ["Drama", "Thriller"]
    assert mapped.unknown == ["블랙코미디"]  # reported by the crawl, not dropped silently


def test_gallery_links_each_poster_popup_once_and_skips_dead_links(portal):
    gallery = parse_gallery(
        page("portal_photoview.html"), f"{SITE}/bi/mi/photoView.nhn?code=161967", portal.gallery
    )
    assert gallery.poster_urls == [
        f"{SITE}/bi/mi/photoViewPopup.nhn?movieCode=161967&imageNid=1001",
        f"{SITE}/bi/mi/photoViewPopup.nhn?movieCode=161967&imageNid=1002",
    ]  # the href="#" thumbnail and the repeat with a #fragment are gone
    assert gallery.next_url == f"{SITE}/bi/mi/photoView.nhn?code=161967&page=2"


def test_popup_gives_the_full_size_image(portal):
    url = f"{SITE}/bi/mi/photoViewPopup.nhn?movieCode=161967&imageNid=1001"
    assert parse_image_page(page("portal_popup.html"), url, portal.gallery) == (
        "https://img.example/mv/161967/p1_original.jpg"
    )
    with pytest.raises(ParseError, match="no poster image"):
        parse_image_page(b"<html><img id='other' src='x.jpg'></html>", url, portal.gallery)


def test_malformed_html_still_yields_the_title(portal):
    title = parse_title(
        page("malformed.html"), f"{SITE}/bi/mi/basic.nhn?code=555", portal.title, portal.gallery
    )
    assert title.name.startswith("괴물")
    assert title.year == 2006
    # Unclosed <a> tags nest in html.parser; each genre still reads on its own.
    assert title.genres == ["드라마", "SF"]
    # No gallery tab (the one inside <script> is not markup): the URL template is used.
    assert title.gallery_url == f"{SITE}/bi/mi/photoView.nhn?code=555"


@pytest.mark.parametrize("body", [b"", b"\x00\xff garbage", b"<html><body><p>nothing"])
def test_a_page_without_a_title_name_is_a_parse_error_not_a_crash(portal, body):
    with pytest.raises(ParseError, match="no title name"):
        parse_title(body, f"{SITE}/bi/mi/basic.nhn?code=1", portal.title, portal.gallery)


def test_a_self_link_is_not_a_next_page(portal):
    url = f"{SITE}/bi/mi/photoView.nhn?code=1"
    html = f'<div class="rolling_list"><a class="btn_next" href="{url}#top">next</a></div>'
    assert parse_gallery(html, url, portal.gallery).next_url is None


def test_shipped_recipe_is_found_by_name():
    assert "portal" in shipped_recipes()
    assert shipped_recipes()["portal"].name == "portal.toml"


MINIMAL = {
    "name": "mysite",
    "start_urls": ["https://films.example/list"],
    "listing": {"title_links": "a.film @href"},
    "title": {"name": "h1", "genres": {"css": "li.genre", "pattern": "^Genre: (.*)$"}},
    "gallery": {"posters": "img.poster @data-full"},
}


def test_json_recipe_loads_with_string_and_table_fields(tmp_path):
    path = tmp_path / "mysite.json"
    path.write_text(json.dumps(MINIMAL), encoding="utf-8")
    recipe = load_recipe(path)
    assert recipe.name == "mysite"
    assert recipe.listing.title_links.attr == "href"
    assert recipe.gallery.posters.attr == "data-full"
    assert recipe.title.genres.pattern == "^Genre: (.*)$"
    html = "<h1>Film</h1><ul><li class=genre>Genre: Drama</li><li class=genre>Other</li></ul>"
    title = parse_title(html, "https://films.example/f/1", recipe.title, recipe.gallery)
    assert title.genres == ["Drama"]  # values not matching the pattern are dropped


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"titel": {}}, "unknown key 'titel'"),
        ({"title": {"name": "h1", "genre": "x"}}, r"unknown key 'genre' in \[title\]"),
        ({"gallery": {}}, "gallery.posters is missing"),
        ({"title": {"name": "h1 >>> p"}}, "not a valid CSS selector"),
        ({"title": {"name": {"css": "h1", "pattern": ["x"]}}}, "'pattern' and 'json' strings"),
        ({"title": {"name": "h1", "gallery_url": "/photos"}}, r"containing \{key\}"),
        ({"start_urls": ["ftp://x"]}, "not an http"),
        ({"name": "My Site"}, "lower-case"),
        ({"listing": {"title_links": "a @href", "max_pages": 0}}, "at least 1"),
    ],
)
def test_recipe_errors_name_the_key(change, message):
    with pytest.raises(CrawlError, match=message):
        recipe_from_dict({**MINIMAL, **change})


def test_bad_toml_and_missing_file_are_user_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed", encoding="utf-8")
    with pytest.raises(CrawlError, match="not valid TOML"):
        load_recipe(bad)
    with pytest.raises(CrawlError, match="shipped recipes: .*portal"):
        load_recipe(tmp_path / "nope.toml")


def test_tmdb_movie_answer_becomes_a_title_with_raw_genre_names():
    title, genres = title_from_movie(
        {
            "id": 27205,
            "imdb_id": "tt1375666",
            "title": "Inception",
            "original_title": "Inception",
            "release_date": "2010-07-15",
            "genres": [{"id": 28, "name": "Action"}, {"id": 878, "name": "Science Fiction"}],
        }
    )
    assert (title.key, title.tmdb_id, title.imdb_id, title.year) == (
        "tmdb:27205",
        27205,
        "tt1375666",
        2010,
    )
    assert title.original_name is None  # same as the title
    assert resolve_all(genres).genres == ["Action", "Sci-Fi"]
    with pytest.raises(ParseError):
        title_from_movie({"status_code": 34, "status_message": "not found"})


def test_tmdb_posters_best_voted_first():
    images = {
        "posters": [
            {"file_path": "/low.jpg", "vote_average": 5.1, "vote_count": 3},
            {"file_path": "/top.jpg", "vote_average": 5.6, "vote_count": 9},
            {"file_path": "/tie.jpg", "vote_average": 5.1, "vote_count": 8},
            {"vote_average": 9.9},  # no file_path: skipped
        ],
        "backdrops": [{"file_path": "/backdrop.jpg"}],
    }
    assert poster_paths(images) == ["/top.jpg", "/tie.jpg", "/low.jpg"]


def test_tmdb_auth_sends_a_read_token_as_bearer_and_a_key_as_parameter():
    token = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"
    assert auth(token) == ({}, {"Authorization": f"Bearer {token}"})
    assert auth("0123456789abcdef") == ({"api_key": "0123456789abcdef"}, {})


def test_tmdb_genre_ids_from_names_aliases_and_numbers():
    assert genre_id("Drama") == 18
    assert genre_id("SF") == 878
    assert genre_id("액션") == 28
    assert genre_id("10751") == 10751
    with pytest.raises(CrawlError, match="TMDB has no genre 'Biography'"):
        genre_id("Biography")


def test_the_recipes_in_the_docs_are_valid(tmp_path):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "crawling.md").read_text("utf-8")
    blocks = docs.split("```toml\n")[1:]
    assert blocks, "docs/crawling.md shows no TOML recipe"
    for n, block in enumerate(blocks):
        path = tmp_path / f"doc{n}.toml"
        path.write_text(block.split("```")[0], encoding="utf-8")
        recipe = load_recipe(path)
        assert recipe.title.name and recipe.gallery.posters
