"""Limits that hold: rate without bursts, --max-titles, Ctrl-C in the background,
--title-url alone, the smallest poster, lazy images, same-title copies (issue #16)."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from itertools import pairwise

from PIL import Image

from poster_tool.core.crawl import CrawlConfig, GallerySource, crawl, load_recipe
from poster_tool.core.crawl.fetch import Fetcher
from poster_tool.core.crawl.recipe import recipe_from_dict
from poster_tool.core.progress import run_job
from tests.core.crawl_helpers import FAST, PortalTitle, build_portal, send
from tests.synthetic import jpeg_bytes


def gif(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 90, 90)).save(out, "GIF")
    return out.getvalue()


def test_after_a_stall_requests_keep_the_rate_instead_of_bursting(site):
    sent: list[float] = []

    def handler(request):
        sent.append(time.monotonic())
        if len(sent) == 1:
            site.stall(0.6)  # holds the only connection slot while the others queue
        send(request, "ok")

    site.route("/r", handler)
    fetcher = Fetcher(replace(FAST, rate=5.0, concurrency=1, read_timeout=5))
    threads = [threading.Thread(target=fetcher.get, args=(site.url("/r"),)) for _ in range(4)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(10)
    gaps = [b - a for a, b in pairwise(sent)]
    assert len(sent) == 4
    assert min(gaps) >= 0.2 - 0.02, gaps  # one request per 1/5 s, even right after the stall


def test_max_titles_stops_reading_listing_pages(site, workspace, store):
    titles = [PortalTitle(700 + i, f"T{i}", f"T{i}", 2000, ["드라마"]) for i in range(25)]
    for t in titles:
        t.posters.append(jpeg_bytes(pattern=t.code))
    start = build_portal(site, titles, per_page=5)
    source = GallerySource(load_recipe("portal"), (start,))
    report = run_job(crawl(workspace, store, source, CrawlConfig(fetch=FAST, max_titles=3)))
    assert report.titles_new == 3
    listings = [path for path in site.hits if "rmovie.nhn" in path]
    assert listings == ["/movie/sdb/rank/rmovie.nhn"]


def test_title_urls_alone_crawl_only_those_pages(site, workspace, store):
    build_portal(site, [PortalTitle(801, "A", "A", 2001, ["드라마"], [jpeg_bytes(pattern=81)])])
    # The recipe's own start URL is the closed portal: it must not be contacted at all.
    source = GallerySource(
        load_recipe("portal"), title_urls=(site.url("/movie/bi/mi/basic.nhn?code=801"),)
    )
    report = run_job(crawl(workspace, store, source, CrawlConfig(fetch=FAST)))
    assert (report.titles_new, report.posters_new, report.errors) == (1, 1, [])
    assert not [path for path in site.hits if "rmovie" in path]


LAZY = recipe_from_dict(
    {
        "name": "lazy",
        "start_urls": ["http://127.0.0.1/"],
        "title": {"name": "h1"},
        "gallery": {"posters": "div.posters img @src"},
    }
)


def test_lazy_images_placeholders_and_thumbnails_are_not_posters(site, workspace, store):
    site.add("/img/blank.gif", gif(1, 1), "image/gif")
    site.add("/img/real.jpg", jpeg_bytes(pattern=91), "image/jpeg")
    site.add("/img/also.jpg", jpeg_bytes(pattern=92), "image/jpeg")
    site.add("/img/thumb.gif", gif(77, 108), "image/gif")
    site.add(
        "/film/1",
        '<h1>Lazy</h1><div class="posters">'
        '<img src="/img/blank.gif" data-original="/img/real.jpg">'
        '<img src="/img/blank.gif" data-src="/img/also.jpg">'
        '<img src="/img/thumb.gif"></div>',
    )
    source = GallerySource(LAZY, title_urls=(site.url("/film/1"),))
    report = run_job(crawl(workspace, store, source, CrawlConfig(fetch=FAST)))
    assert report.posters_new == 2
    assert site.hits["/img/blank.gif"] == 0  # the lazy attribute is read instead of src
    assert report.refused == [
        (
            site.url("/img/thumb.gif"),
            "too small for a poster: 77x108 px (the least is 150 px on the short side)",
        )
    ]
    # The least size is the curator's to set.
    site.add("/film/2", '<h1>Small</h1><div class="posters"><img src="/img/thumb.gif"></div>')
    small = GallerySource(LAZY, title_urls=(site.url("/film/2"),))
    config = CrawlConfig(fetch=FAST, min_poster_side=64)
    assert run_job(crawl(workspace, store, small, config)).posters_new == 1


def test_an_exact_copy_in_the_same_pool_is_already_there_not_stored_twice(site, workspace, store):
    same = jpeg_bytes(pattern=95)
    start = build_portal(site, [PortalTitle(901, "Twice", "Twice", 2001, ["드라마"], [same, same])])
    report = run_job(crawl(workspace, store, GallerySource(load_recipe("portal"), (start,))))
    assert (report.posters_new, report.posters_existing, report.duplicates) == (1, 1, 0)
    assert store.stats()["posters"]["total"] == 1
    assert "1 already there" in "\n".join(report.lines())


def test_ctrl_c_stops_a_crawl_started_with_sigint_ignored(site, workspace):
    start = build_portal(site, [PortalTitle(951, "A", "A", 2001, ["드라마"], [b"x"])])
    site.route("/img/951_0.jpg", lambda request: site.stall(30))
    proc = subprocess.Popen(
        [sys.executable, "-m", "poster_tool", "--workspace", str(workspace.root), "crawl"]
        + ["gallery", "--recipe", "portal", "--start-url", start, "--rate", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # What a shell does to a background job (`cmd &`, nohup).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and site.hits["/img/951_0.jpg"] == 0:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 130
    finally:
        proc.kill()
