"""Recipes that tell the truth: the shipped one on every portal layout it claims, and a
wrong one reported page by page, loudly, and picked up again once fixed (issue #16)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from poster_tool.cli import main
from poster_tool.core.crawl import CrawlConfig, GallerySource, crawl, load_recipe
from poster_tool.core.crawl.parse import year_of
from poster_tool.core.progress import run_job
from tests.core.crawl_helpers import FAST, PortalTitle, build_portal
from tests.synthetic import jpeg_bytes


def films() -> list[PortalTitle]:
    """Films whose own year differs from their Korean release, one named like a year."""
    return [
        PortalTitle(
            601, "1917", "1917", 2019, ["전쟁", "드라마"], [jpeg_bytes(pattern=61)], released=2020
        ),
        PortalTitle(
            602,
            "보헤미안 랩소디",
            "Bohemian Rhapsody",
            2018,
            ["드라마", "뮤지컬"],
            [jpeg_bytes(pattern=62), jpeg_bytes(pattern=63)],
            released=2019,
        ),
        PortalTitle(603, "기생충", "Parasite", 2019, ["드라마"], [jpeg_bytes(pattern=64)]),
    ]


def cli(ws, *args: str) -> int:
    return main(["--workspace", str(ws.root), "crawl", "gallery", "--rate", "0", *args])


@pytest.mark.parametrize("listing", ["ranking", "browsing"])
@pytest.mark.parametrize("gallery", ["rolling", "list_link", "data_json"])
def test_the_portal_recipe_reads_every_layout_it_claims(site, workspace, store, listing, gallery):
    start = build_portal(site, films(), per_page=2, listing=listing, gallery=gallery)
    source = GallerySource(load_recipe("portal"), (start,))
    report = run_job(crawl(workspace, store, source, CrawlConfig(fetch=replace(FAST, robots=True))))
    assert (report.titles_new, report.posters_new, report.errors) == (3, 4, [])
    assert report.stage_pages["list"] == 2  # the second listing page was followed
    years = {t.original_name or t.name: (t.key, t.year) for t in store.titles()}
    # The film's own year, as the docs say, not its Korean release year.
    assert years == {
        "1917": ("127.0.0.1:601", 2019),
        "Bohemian Rhapsody": ("127.0.0.1:602", 2018),
        "Parasite": ("127.0.0.1:603", 2019),
    }
    assert not [path for path in site.hits if "/bi/pi/" in path]  # people are not titles
    popups = [path for path in site.hits if "photoViewPopup" in path]
    # data-json gives the full-size URL itself: no popup page to read.
    assert len(popups) == (0 if gallery == "data_json" else 4)


def test_the_year_is_the_last_year_number_of_the_first_text_holding_one():
    assert year_of(["1917 , 2019"]) == 2019
    assert year_of(["Blade Runner 2049 , 2017"]) == 2017
    assert year_of(["no year here", "2019.05.30 개봉"]) == 2019
    assert year_of(["", "nothing"]) is None


WRONG_GALLERY = """
name = "naverlike"
start_urls = ["{start}"]
[listing]
title_links = "div.tit3 a @href"
[title]
key_param = "code"
name = "h3.h_movie a"
gallery = "a[href*='photoView.nhn'] @href"
[gallery]
posters = "{posters}"
image = "img#targetImage @src"
"""


def write_recipe(path, start: str, posters: str):
    path.write_text(WRONG_GALLERY.format(start=start, posters=posters), encoding="utf-8")
    return path


def test_a_gallery_selector_that_matches_nothing_is_reported_per_page_and_fails_the_run(
    site, workspace, tmp_path, capsys
):
    start = build_portal(site, films())
    recipe = write_recipe(tmp_path / "naverlike.toml", start, "div.photos li a @href")
    code = cli(workspace, "--recipe", str(recipe), "--json")
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert (out["titles"]["new"], out["posters"]["new"]) == (3, 0)
    gallery = site.url("/movie/bi/mi/photoView.nhn?code=601")
    assert {
        "stage": "gallery",
        "url": gallery,
        "field": "gallery.posters",
        "selector": "div.photos li a @href",
    } in out["unmatched"]
    assert len(out["unmatched"]) == 3 and out["empty_stages"] == ["gallery"]
    reasons = dict((e["url"], e["reason"]) for e in out["errors"])
    assert reasons[gallery] == "gallery.posters matched nothing (selector div.photos li a @href)"

    # The curator fixes the recipe and runs the same command: the galleries are read again.
    write_recipe(recipe, start, ".rolling_list ul li a @href")
    code = cli(workspace, "--recipe", str(recipe))
    text = capsys.readouterr().out
    assert code == 0, text
    assert "posters: 4 new" in text and "errors: 0" in text


def test_a_listing_that_matches_nothing_names_the_page_field_and_selector(
    site, workspace, tmp_path, capsys
):
    start = build_portal(site, films(), listing="browsing")
    recipe = write_recipe(tmp_path / "naverlike.toml", start, "a @href")
    code = cli(workspace, "--recipe", str(recipe))
    captured = capsys.readouterr()
    assert code == 1
    assert (
        f"  error {start}: listing.title_links matched nothing (selector div.tit3 a @href)"
        in captured.out.splitlines()
    )
    assert "nothing matched on 1 page (listed among the errors)" in captured.out
    assert "every listing page matched nothing" in captured.out
    assert "matched nothing on any listing page" in captured.err


def test_a_dry_run_names_pages_missing_a_required_value_and_creates_no_workspace(
    site, tmp_path, capsys
):
    start = build_portal(site, films())
    site.add("/movie/bi/mi/basic.nhn?code=602", "<html><body><h3>renamed layout</h3></body></html>")
    missing = tmp_path / "not-yet"
    code = main(
        ["--workspace", str(missing), "crawl", "gallery", "--recipe", "portal", "--rate", "0"]
        + ["--start-url", start, "--dry-run", "--json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0  # the other title pages matched
    assert out["unmatched"] == [
        {
            "stage": "title",
            "url": site.url("/movie/bi/mi/basic.nhn?code=602"),
            "field": "title.name",
            "selector": "div.mv_info h3.h_movie a",
        }
    ]
    assert out["posters"]["planned"] == 2
    assert not missing.exists()


def test_two_recipes_over_one_site_fill_the_same_titles(site, workspace, store, tmp_path):
    start = build_portal(site, films())
    run_job(
        crawl(
            workspace,
            store,
            GallerySource(load_recipe("portal"), (start,)),
            CrawlConfig(fetch=FAST),
        )
    )
    mine = write_recipe(tmp_path / "naverlike.toml", start, ".rolling_list ul li a @href")
    again = run_job(
        crawl(workspace, store, GallerySource(load_recipe(mine)), CrawlConfig(fetch=FAST))
    )
    assert (again.titles_new, again.titles_existing, again.posters_new) == (0, 3, 0)
    assert again.posters_existing == 4  # the same posters of the same titles
    assert store.stats()["titles"] == 3


def test_refresh_reads_galleries_again_for_posters_added_since(site, workspace, store):
    titles = films()[:1]
    start = build_portal(site, titles)
    source = GallerySource(load_recipe("portal"), (start,))
    first = run_job(crawl(workspace, store, source, CrawlConfig(fetch=FAST)))
    assert first.posters_new == 1
    titles[0].posters.append(jpeg_bytes(pattern=69))
    build_portal(site, titles)
    same = run_job(crawl(workspace, store, source, CrawlConfig(fetch=FAST)))
    assert same.posters_new == 0  # finished galleries are not read again by default
    fresh = run_job(crawl(workspace, store, source, CrawlConfig(fetch=FAST, refresh=True)))
    assert fresh.posters_new == 1
