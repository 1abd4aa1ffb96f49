"""``poster-tool crawl check``: a recipe tried on one page, field by field (issue #16)."""

from __future__ import annotations

import json

from poster_tool.cli import main
from poster_tool.core.crawl import load_recipe
from poster_tool.core.crawl.check import check_page
from tests.core.crawl_helpers import PortalTitle, build_portal
from tests.synthetic import jpeg_bytes

FILM = PortalTitle(
    601, "1917", "1917", 2019, ["전쟁", "블랙코미디"], [jpeg_bytes(pattern=1)], released=2020
)


def check(*args: str) -> int:
    return main(["crawl", "check", "--recipe", "portal", *args])


def test_a_title_page_shows_each_field_its_values_and_what_the_crawl_makes_of_them(site, capsys):
    build_portal(site, [FILM])
    url = site.url("/movie/bi/mi/basic.nhn?code=601")
    assert check("--url", url, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["stage"], report["status"], report["problems"]) == ("title", 200, [])
    fields = {f["name"]: f for f in report["fields"]}
    assert fields["title.name"]["values"] == ["1917"]
    assert fields["title.year"]["values"] == ["2019", "2020"]
    assert fields["title.year"]["note"] == "year 2019"
    assert fields["title.genres"]["note"] == "genres: War; unknown to the taxonomy: 블랙코미디"
    assert fields["title.gallery"]["values"] == [site.url("/movie/bi/mi/photoView.nhn?code=601")]
    assert fields["title key"]["values"] == ["127.0.0.1:601"]


def test_the_stage_is_guessed_from_the_page(site):
    start = build_portal(site, [FILM], listing="browsing", gallery="data_json")
    recipe = load_recipe("portal")
    assert check_page(recipe, start).stage == "listing"
    gallery = check_page(recipe, site.url("/movie/bi/mi/photoView.nhn?code=601"))
    assert gallery.stage == "gallery"
    posters = gallery.fields[0]
    assert posters.values == [site.url("/img/601_0.jpg")]
    assert posters.note == "1 posters to download, 0 image pages to read for gallery.image"
    popup = site.url("/movie/bi/mi/photoViewPopup.nhn?movieCode=601&imageNid=0")
    assert check_page(recipe, popup).stage == "popup"


def test_a_field_that_matches_nothing_is_flagged_and_the_command_fails(site, tmp_path, capsys):
    build_portal(site, [FILM])
    recipe = tmp_path / "mine.toml"
    recipe.write_text(
        'start_urls = ["http://127.0.0.1/"]\n[title]\nname = "h3.h_movie a"\n'
        '[gallery]\nposters = "div.photos a @href"\n',
        encoding="utf-8",
    )
    url = site.url("/movie/bi/mi/photoView.nhn?code=601")
    code = main(["crawl", "check", "--recipe", str(recipe), "--url", url, "--stage", "gallery"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert "MISSING gallery.posters: 0 matched, 0 values  (div.photos a @href)" in out
    assert out[-1] == "the crawl would fail this page: gallery.posters matched nothing"


def test_check_is_polite_robots_txt_is_honoured(site, capsys):
    build_portal(site, [FILM])
    site.add("/robots.txt", "User-agent: *\nDisallow: /movie/bi/\n", content_type="text/plain")
    assert check("--url", site.url("/movie/bi/mi/basic.nhn?code=601")) == 1
    assert "robots.txt disallows this path" in capsys.readouterr().err
    assert site.hits["/movie/bi/mi/basic.nhn?code=601"] == 0
