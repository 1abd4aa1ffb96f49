"""Crawling a local site in the portal layout with the shipped ``portal`` recipe."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from PIL import Image

from poster_tool.cli import main
from poster_tool.core.crawl import CrawlConfig, GallerySource, crawl, load_recipe
from poster_tool.core.crawl.gallery import UNFETCHABLE
from poster_tool.core.progress import run_job
from tests.core.crawl_helpers import FAST, PortalTitle, Site, build_portal, jpeg_route, send
from tests.synthetic import jpeg_bytes

ROBOTS = replace(FAST, robots=True)


@pytest.fixture
def site():
    with Site() as s:
        yield s


def titles() -> list[PortalTitle]:
    return [
        PortalTitle(
            101,
            "기생충",
            "Parasite",
            2019,
            ["드라마", "스릴러"],
            [jpeg_bytes(pattern=1), jpeg_bytes(pattern=2)],
        ),
        PortalTitle(
            102,
            "괴물",
            "The Host",
            2006,
            ["SF", "블랙코미디"],
            [jpeg_bytes(pattern=3), jpeg_bytes(pattern=4), jpeg_bytes(pattern=5)],
        ),
        PortalTitle(
            103, "올드보이", "Oldboy", 2003, ["멜로/로맨스", "공포(호러)"], [jpeg_bytes(pattern=6)]
        ),
    ]


def run(ws, store, start: str, **config):
    fetch = config.pop("fetch", ROBOTS)
    source = GallerySource(load_recipe("portal"), (start,))
    return run_job(crawl(ws, store, source, CrawlConfig(fetch=fetch, **config)))


def test_a_portal_crawl_lands_titles_with_mapped_genres_and_pending_posters(site, workspace, store):
    start = build_portal(site, titles())
    source = GallerySource(load_recipe("portal"), (start,))
    progress = []
    report = run_job(crawl(workspace, store, source, CrawlConfig(fetch=ROBOTS)), progress.append)
    assert (report.titles_new, report.posters_new, report.refused, report.errors) == (3, 6, [], [])
    last = progress[-1]  # what the CLI prints and the GUI will show
    assert (last.stage, last.done, last.total) == ("crawl gallery:portal", 19, 19)
    assert last.counts["pages"] == 13 and last.counts["new"] == 6 and last.rate > 0
    assert last.data["requests"] == report.requests
    assert report.pages == 1 + 3 + 3 + 6  # ranking, title pages, galleries, popups
    assert dict(report.unknown_genres) == {"블랙코미디": 1}
    by_name = {t.name: t for t in store.titles()}
    assert set(by_name) == {"기생충", "괴물", "올드보이"}
    host = by_name["괴물"]
    # The site's id for the title (its host and code), not the recipe's name (issue #16).
    assert (host.key, host.year, host.original_name, host.genres) == (
        "127.0.0.1:102",
        2006,
        "The Host",
        ("Sci-Fi",),
    )
    assert by_name["올드보이"].genres == ("Romance", "Horror")
    posters = store.posters(list(range(1, 7)))
    assert {p.status for p in posters} == {"pending"}
    assert {p.source for p in posters} == {"gallery:portal"}
    assert sorted(p.source_url for p in posters if p.title_id == host.id) == [
        site.url(f"/img/102_{n}.jpg") for n in range(3)
    ]
    assert all(set(p.genres) == set(by_name[p.title_name].genres) for p in posters)
    # The image CDN insists on a Referer: the popup page the image was found on.
    assert site.headers["/img/101_0.jpg"]["Referer"] == site.url(
        "/movie/bi/mi/photoViewPopup.nhn?movieCode=101&imageNid=0"
    )
    assert site.hits["/robots.txt"] == 1

    before = sum(site.hits.values())
    again = run(workspace, store, start)
    assert (again.titles_new, again.posters_new, again.pages) == (0, 0, 0)
    assert sum(site.hits.values()) == before  # finished work is never fetched again


def test_loops_malformed_pages_and_bad_posters_fail_alone(site, workspace, store):
    fake_html = jpeg_route(b"<!DOCTYPE html><html><body>please log in</body></html>")
    broken = [
        jpeg_bytes(pattern=7),
        fake_html,
        lambda r: send(r, "gone", 404),
        jpeg_route(jpeg_bytes(pattern=8)[:400]),
    ]  # a truncated download
    # The gallery's "next" button points back at the gallery itself.
    loop = '<a class="btn_next" href="photoView.nhn?code=201">next</a>'
    start = build_portal(
        site,
        [
            PortalTitle(
                201, "살인의 추억", "Memories of Murder", 2003, ["범죄"], broken, gallery_extra=loop
            )
        ],
    )
    # The ranking links to itself, to a page 2 that links back, and to a broken title page.
    site.add(
        "/movie/sdb/rank/rmovie.nhn",
        '<div class="tit3"><a href="/movie/bi/mi/basic.nhn?code=201">a</a></div>'
        '<div class="tit3"><a href="/movie/bi/mi/basic.nhn?code=999">b</a></div>'
        '<div class="tit3"><a href="rmovie.nhn">myself</a></div>'
        '<div class="pagenavigation"><a class="pg_next" href="?page=2">2</a></div>',
    )
    site.add(
        "/movie/sdb/rank/rmovie.nhn?page=2",
        '<div class="pagenavigation"><a class="pg_next" href="rmovie.nhn">1</a></div>',
    )
    site.add("/movie/bi/mi/basic.nhn?code=999", "<html><body><div class='mv_info'><h3>")
    report = run(workspace, store, start)

    assert report.titles_new == 1 and report.posters_new == 1
    reasons = dict(report.refused)
    assert "HTML page" in reasons[site.url("/img/201_1.jpg")]
    assert "truncated" in reasons[site.url("/img/201_3.jpg")].lower()
    errors = dict(report.errors)
    assert errors[site.url("/img/201_2.jpg")] == "HTTP 404 Not Found"
    assert "no title name" in errors[site.url("/movie/bi/mi/basic.nhn?code=999")]
    assert site.hits["/movie/sdb/rank/rmovie.nhn"] == 1
    assert site.hits["/movie/sdb/rank/rmovie.nhn?page=2"] == 1
    assert site.hits["/movie/bi/mi/photoView.nhn?code=201"] == 1
    text = "\n".join(report.lines())
    assert "1 new" in text and "2 refused" in text and "errors: 2" in text
    assert "refused " + site.url("/img/201_1.jpg") + ": the file is an HTML page" in text


def test_duplicates_and_near_duplicates_are_stored_and_linked(site, workspace, store):
    original = jpeg_bytes(pattern=3)
    img = Image.open(io.BytesIO(original)).resize((270, 405))
    recoded = io.BytesIO()
    img.save(recoded, "JPEG", quality=70)
    start = build_portal(
        site,
        [
            PortalTitle(301, "A", "A", 2001, ["드라마"], [original]),
            PortalTitle(302, "B", "B", 2002, ["드라마"], [original, recoded.getvalue()]),
        ],
    )
    report = run(workspace, store, start)
    assert (report.posters_new, report.duplicates, report.near_duplicates) == (1, 1, 1)
    posters = {p.source_url: p for p in store.posters([1, 2, 3])}
    assert len(posters) == 3  # linked, never dropped
    # Downloads finish in any order: whichever copy came first is the one linked to.
    a, b = posters[site.url("/img/301_0.jpg")], posters[site.url("/img/302_0.jpg")]
    assert {a.duplicate_of, b.duplicate_of} in ({None, a.id}, {None, b.id})
    near = posters[site.url("/img/302_1.jpg")]
    links = {(p.id, p.near_duplicate_of) for p in posters.values() if p.near_duplicate_of}
    assert links in ({(near.id, a.id)}, {(near.id, b.id)}, {(a.id, near.id)}, {(b.id, near.id)})


def test_robots_txt_keeps_the_crawler_off_disallowed_paths(site, workspace, store):
    start = build_portal(site, titles())
    site.add("/robots.txt", "User-agent: *\nDisallow: /img/102_\n", content_type="text/plain")
    report = run(workspace, store, start)
    assert report.posters_new == 3
    assert sorted(report.robots_blocked) == [site.url(f"/img/102_{n}.jpg") for n in range(3)]
    assert not any(path.startswith("/img/102_") for path in site.hits)
    assert "skipped by robots.txt: 3 URLs" in report.lines()


def test_title_and_pool_limits(site, workspace, store):
    start = build_portal(site, titles())
    report = run(workspace, store, start, max_titles=2, max_posters_per_title=1)
    assert (report.titles_new, report.posters_new) == (2, 2)
    assert site.hits["/movie/bi/mi/basic.nhn?code=103"] == 0
    popups = [p for p in site.hits if "photoViewPopup" in p]
    assert len(popups) == 2  # limits apply before fetching, not after


def test_a_dry_run_fetches_pages_only_and_stores_nothing(site, workspace, store):
    start = build_portal(site, titles())
    report = run(workspace, store, start, dry_run=True)
    assert (report.titles_new, report.posters_planned, report.posters_new) == (3, 6, 0)
    assert store.stats()["titles"] == 0
    assert store._run("SELECT count(*) FROM crawl_state").fetchone()[0] == 0
    assert not site.image_hits()
    assert not any(workspace.images_dir.iterdir())
    assert "dry run: nothing was stored" in report.lines()[0]


def test_cli_crawl_gallery_prints_a_json_summary(site, workspace, capsys):
    start = build_portal(site, titles()[:1])
    code = main(
        [
            "--workspace",
            str(workspace.root),
            "crawl",
            "gallery",
            "--recipe",
            "portal",
            "--start-url",
            start,
            "--rate",
            "0",
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["titles"] == {"new": 1, "existing": 0}
    assert summary["posters"]["new"] == 2
    assert summary["source"] == "gallery:portal"


def test_cli_names_a_missing_recipe(workspace, capsys):
    code = main(["--workspace", str(workspace.root), "crawl", "gallery", "--recipe", "nope"])
    assert code == 1
    assert "no recipe file nope (shipped recipes: portal" in capsys.readouterr().err


def test_file_urls_in_a_gallery_are_reported_never_read(site, workspace, store):
    local = (
        '<ul><li><a href="file:///etc/passwd">p</a></li><li><a href="file:x.jpg">q</a></li></ul>'
    )
    mother = PortalTitle(301, "마더", "Mother", 2009, ["드라마"], [jpeg_bytes(pattern=9)], local)
    report = run(workspace, store, build_portal(site, [mother]))
    assert report.posters_new == 1
    assert report.refused == [
        ("file:///etc/passwd", UNFETCHABLE),
        ("file:x.jpg", UNFETCHABLE),
    ]
