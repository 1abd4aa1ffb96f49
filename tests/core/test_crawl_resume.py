"""Cancel, kill and resume: nothing lost, nothing twice; and ``crawl urls`` from a CSV import."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest

from poster_tool.core.crawl import CrawlConfig, GallerySource, QueuedUrls, crawl, load_recipe
from poster_tool.core.errors import Cancelled
from poster_tool.core.importers import import_csv
from poster_tool.core.progress import run_job
from tests.core.crawl_helpers import FAST, PortalTitle, Site, build_portal, send
from tests.synthetic import jpeg_bytes

N_TITLES, PER_TITLE = 8, 3


def many_titles() -> list[PortalTitle]:
    return [
        PortalTitle(
            400 + i,
            f"영화 {i}",
            f"Film {i}",
            2000 + i,
            ["드라마"],
            [jpeg_bytes(pattern=PER_TITLE * i + n + 1) for n in range(PER_TITLE)],
        )
        for i in range(N_TITLES)
    ]


def portal_job(ws, store, start: str, fetch=FAST):
    source = GallerySource(load_recipe("portal"), (start,))
    return crawl(ws, store, source, CrawlConfig(fetch=fetch))


def done_paths(store, site: Site) -> set[str]:
    """Paths of the URLs whose tasks are finished."""
    prefix = site.url("")
    rows = store._run(
        "SELECT coalesce(json_extract(info, '$.url'), key) FROM crawl_state WHERE status = 'done'"
    ).fetchall()
    return {url.removeprefix(prefix) for (url,) in rows}


def resume_and_check(ws, store, site: Site, start: str, at_least: int) -> None:
    """Resume a stopped crawl; check it completes and refetches nothing it had finished."""
    stored = store._run("SELECT count(*) FROM posters").fetchone()[0]
    assert at_least <= stored < N_TITLES * PER_TITLE  # stopped midway
    finished = done_paths(store, site)
    hits = site.hits.copy()
    report = run_job(portal_job(ws, store, start))
    assert report.posters_new == N_TITLES * PER_TITLE - stored
    assert_complete(store, site)
    assert all(site.hits[path] == hits[path] for path in finished)  # not fetched again


def cli_crawl(ws, start: str, *options: str, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    """``poster-tool crawl gallery`` of the portal in a child process."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "poster_tool",
            "--workspace",
            str(ws.root),
            "crawl",
            "gallery",
            "--recipe",
            "portal",
            "--start-url",
            start,
            "--rate",
            "0",
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def assert_complete(store, site: Site) -> None:
    """Every poster of the site is in the catalog exactly once."""
    rows = store._run("SELECT source_url, sha256, title_id FROM posters").fetchall()
    expected = {
        site.url(f"/img/{400 + i}_{n}.jpg") for i in range(N_TITLES) for n in range(PER_TITLE)
    }
    assert sorted(r[0] for r in rows) == sorted(expected)  # none lost, none twice
    assert len({r[1] for r in rows}) == len(expected)
    assert store.stats()["titles"] == N_TITLES


def test_a_cancelled_crawl_resumes_without_losing_or_refetching_work(workspace, store):
    with Site(latency=0.02) as site:
        start = build_portal(site, many_titles())
        job = portal_job(workspace, store, start)
        for report in job:
            if report.counts.get("new", 0) >= 5:
                break
        started = time.monotonic()
        job.close()
        assert time.monotonic() - started < 1
        resume_and_check(workspace, store, site, start, at_least=5)


def test_cancel_returns_within_a_second_even_while_the_server_stalls(workspace, store):
    with Site() as site:
        start = build_portal(site, many_titles()[:2])
        for n in range(PER_TITLE):  # images that never come, and a host asking to wait
            site.route(f"/img/400_{n}.jpg", lambda request: site.stall(30))
            site.route(
                f"/img/401_{n}.jpg",
                lambda request: send(request, "", 429, headers={"Retry-After": "30"}),
            )
        slow = replace(FAST, read_timeout=30, retry_after_max=60)
        began = time.monotonic()
        asked: list[float] = []

        def cancel() -> bool:
            if time.monotonic() - began > 1 and not asked:
                asked.append(time.monotonic())
            return bool(asked)

        with pytest.raises(Cancelled):
            run_job(portal_job(workspace, store, start, slow), should_cancel=cancel)
        assert time.monotonic() - asked[0] < 1
        statuses = store._run(
            "SELECT DISTINCT status FROM crawl_state WHERE kind = 'poster'"
        ).fetchall()
        assert statuses == [("queued",)]  # the posters in flight stay queued for the next run


def test_a_killed_crawl_process_resumes_with_nothing_lost_and_nothing_twice(workspace):
    with Site(latency=0.05) as site:
        start = build_portal(site, many_titles())
        proc = cli_crawl(workspace, start, "--concurrency", "2")
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and _posters(workspace.db_path) < 4:
                assert proc.poll() is None, "the crawl ended before it could be killed"
                time.sleep(0.02)
        finally:
            proc.kill()  # SIGKILL: no cleanup runs
            proc.wait()
        store = workspace.store()
        resume_and_check(workspace, store, site, start, at_least=4)
        store.close()


def test_ctrl_c_stops_the_cli_within_a_second_and_says_how_to_resume(workspace):
    with Site() as site:
        start = build_portal(site, many_titles()[:2])
        for n in range(PER_TITLE):
            site.route(f"/img/400_{n}.jpg", lambda request: site.stall(30))
        proc = cli_crawl(workspace, start, stderr=subprocess.PIPE)
        said: list[tuple[float, str]] = []  # when each stderr line arrived
        reader = threading.Thread(
            target=lambda: said.extend((time.monotonic(), line) for line in proc.stderr),
            daemon=True,
        )
        reader.start()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and site.hits["/img/400_0.jpg"] == 0:
                time.sleep(0.02)
            interrupted = time.monotonic()
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
            reader.join(timeout=10)
        finally:
            proc.kill()
        assert proc.returncode == 130
        # Timed to the message, not to the interpreter's exit: tearing down a loaded Python
        # on a busy machine is not the crawler's latency.
        told = [
            at
            for at, line in said
            if "interrupted; finished work is saved, run again to resume" in line
        ]
        assert told and told[0] - interrupted < 1, (said, interrupted)


def _posters(db_path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path, timeout=5) as db:
            return db.execute("SELECT count(*) FROM posters").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_crawl_urls_fetches_what_import_csv_queued(tmp_path, workspace, store):
    with Site() as site:
        site.add("/a.jpg", jpeg_bytes(pattern=11), "image/jpeg")
        site.add("/b.png", "<html>not an image</html>", "image/png")

        def flaky(request):  # down for the whole first run, back for the second
            if site.hits["/c.jpg"] <= 1 + FAST.retries:
                send(request, "down", 500, "text/plain")
            else:
                send(request, jpeg_bytes(pattern=12), content_type="image/jpeg")

        site.route("/c.jpg", flaky)
        site.add("/robots.txt", "User-agent: *\nDisallow: /private\n", "text/plain")
        manifest = tmp_path / "urls.csv"
        manifest.write_text(
            "id,title,year,genres,url\n"
            f"tt0000001,First,2001,Drama,{site.url('/a.jpg')}\n"
            f"tt0000001,First,2001,Drama,{site.url('/b.png')}\n"
            f"tt0000002,Second,2002,Comedy|Sci-Fi,{site.url('/c.jpg')}\n"
            f"tt0000003,Third,2003,Horror,{site.url('/private/d.jpg')}\n",
            encoding="utf-8",
        )
        imported = run_job(import_csv(workspace, store, manifest))
        assert imported.queued_urls == 4
        config = CrawlConfig(fetch=replace(FAST, robots=True))
        first = run_job(crawl(workspace, store, QueuedUrls(), config))
        assert first.posters_new == 1
        assert [r for _, r in first.refused] == ["the file is an HTML page, not an image"]
        assert first.robots_blocked == [site.url("/private/d.jpg")]
        assert first.errors == [(site.url("/c.jpg"), "HTTP 500 Internal Server Error")]
        assert first.left == {"done": 1, "failed": 1, "skipped": 2}
        assert site.hits["/private/d.jpg"] == 0

        second = run_job(crawl(workspace, store, QueuedUrls(), config))
        assert (second.posters_new, second.errors) == (1, [])  # the failed one, tried again
        assert site.hits["/a.jpg"] == 1
        second_title = store.find_title("tt0000002")
        poster = store.posters([2])[0]
        assert poster.title_id == second_title.id and poster.genres == ("Comedy", "Sci-Fi")
