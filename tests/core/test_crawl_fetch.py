"""The fetcher against a local server: errors, retries, Retry-After, timeouts, size cap, robots."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from poster_tool.core.crawl.fetch import USER_AGENT, Fetcher, FetchError, Stopped
from poster_tool.core.imaging import MAX_FILE_BYTES
from tests.core.crawl_helpers import FAST, Site, send
from tests.synthetic import jpeg_bytes


@pytest.fixture
def site():
    with Site() as s:
        yield s


@pytest.fixture
def fetcher():
    f = Fetcher(FAST)
    yield f
    f.stop.set()
    f.close()


def test_a_page_is_fetched_with_the_project_user_agent(site, fetcher):
    site.add("/a.html", "<p>안녕</p>")
    got = fetcher.get(site.url("/a.html"))
    assert got.content.decode() == "<p>안녕</p>"
    assert (got.content_type, got.charset) == ("text/html", "utf-8")
    assert site.headers["/a.html"]["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("PosterStudio/")


def test_404_fails_at_once_and_for_good(site, fetcher):
    with pytest.raises(FetchError) as info:
        fetcher.get(site.url("/missing.jpg"))
    assert info.value.status == 404 and info.value.permanent
    assert site.hits["/missing.jpg"] == 1  # not retried


def test_429_waits_as_long_as_retry_after_says_then_succeeds(site):
    calls = []

    def handler(request):
        calls.append(time.monotonic())
        if len(calls) == 1:
            send(request, "slow down", 429, "text/plain", {"Retry-After": "1"})
        else:
            send(request, "ok")

    site.route("/busy", handler)
    notes = []
    fetcher = Fetcher(FAST, notify=notes.append)
    assert fetcher.get(site.url("/busy")).content == b"ok"
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 0.95  # honoured, not the tiny backoff of FAST
    assert "HTTP 429" in notes[0] and "waiting 1.0 s" in notes[0]


def test_a_retry_after_beyond_the_limit_fails_for_now_without_waiting(site, fetcher):
    site.add("/later", "come back tomorrow", status=503, headers={"Retry-After": "86400"})
    start = time.monotonic()
    with pytest.raises(FetchError, match="asks to wait 86400 s") as info:
        fetcher.get(site.url("/later"))
    assert not info.value.permanent  # the next run tries again
    assert time.monotonic() - start < 1


def test_500_then_success_is_retried_with_backoff(site, fetcher):
    answers = iter([500, 502, 200])

    def handler(request):
        status = next(answers)
        send(request, "fine" if status == 200 else "oops", status)

    site.route("/flaky", handler)
    assert fetcher.get(site.url("/flaky")).content == b"fine"
    assert site.hits["/flaky"] == 3


def test_a_server_error_that_persists_fails_after_the_retries(site, fetcher):
    site.add("/down", "down", status=503)
    with pytest.raises(FetchError, match="HTTP 503") as info:
        fetcher.get(site.url("/down"))
    assert not info.value.permanent
    assert site.hits["/down"] == 1 + FAST.retries


def test_a_server_too_slow_to_answer_times_out(site):
    site.route("/slow", lambda request: (site.stall(5), send(request, "late")))
    fetcher = Fetcher(replace(FAST, read_timeout=0.2, retries=1))
    start = time.monotonic()
    with pytest.raises(FetchError, match="too slow") as info:
        fetcher.get(site.url("/slow"))
    assert info.value.kind == "network" and not info.value.permanent
    assert time.monotonic() - start < 2  # two attempts of 0.2 s, not 5 s
    assert site.hits["/slow"] == 2


def _endless(sent: list[int], announce: bool):
    """A 'JPEG' of twice the 50 MB cap, made on the fly in 1 MB chunks (never held whole)."""
    total = 2 * MAX_FILE_BYTES

    def handler(request):
        request.send_response(200)
        request.send_header("Content-Type", "image/jpeg")
        if announce:
            request.send_header("Content-Length", str(total))
        else:
            request.send_header("Connection", "close")
        request.end_headers()
        chunk = b"\xff\xd8\xff" + bytes(2**20 - 3)
        for _ in range(total // 2**20):
            request.wfile.write(chunk)
            sent[0] += len(chunk)
            chunk = bytes(2**20)

    return handler, total


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "streamed"])
def test_a_50_mb_body_is_cut_off_at_the_size_cap(site, fetcher, announce):
    sent = [0]
    handler, total = _endless(sent, announce)
    site.route("/huge.jpg", handler)
    with pytest.raises(FetchError, match="over the limit of 50 MB") as info:
        fetcher.get(site.url("/huge.jpg"))
    assert info.value.kind == "too_large" and info.value.permanent
    time.sleep(0.2)
    assert sent[0] < total  # the client hung up; the server never sent it all
    if announce:
        assert fetcher.bytes == 0  # refused on the header, before reading the body


def test_html_served_as_jpeg_is_fetched_as_is_for_the_intake_to_judge(site, fetcher):
    site.add("/fake.jpg", "<!DOCTYPE html><html>login</html>", content_type="image/jpeg")
    got = fetcher.get(site.url("/fake.jpg"))
    assert got.content_type == "image/jpeg" and got.content.startswith(b"<!DOCTYPE")


def test_robots_txt_disallow_is_honoured_and_read_once_per_host(site):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.add("/private/p.jpg", jpeg_bytes(), content_type="image/jpeg")
    site.add("/public/p.jpg", jpeg_bytes(), content_type="image/jpeg")
    fetcher = Fetcher(replace(FAST, robots=True))
    with pytest.raises(FetchError, match="robots.txt disallows") as info:
        fetcher.get(site.url("/private/p.jpg"))
    assert info.value.kind == "robots" and info.value.permanent
    assert site.hits["/private/p.jpg"] == 0
    for _ in range(3):
        fetcher.get(site.url("/public/p.jpg"))
    assert site.hits["/robots.txt"] == 1
    assert fetcher.allowed(site.url("/public/x")) and not fetcher.allowed(site.url("/private/x"))


def test_robots_rules_for_our_agent_and_a_missing_robots_txt(site):
    site.add(
        "/robots.txt",
        "User-agent: PosterStudio\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
        content_type="text/plain",
    )
    assert not Fetcher(replace(FAST, robots=True)).allowed(site.url("/anything"))
    with Site() as other:  # no robots.txt at all (404): everything is allowed
        assert Fetcher(replace(FAST, robots=True)).allowed(other.url("/anything"))


def test_an_unreadable_robots_txt_fails_the_request_for_now(site):
    site.add("/robots.txt", "oops", status=500)
    with pytest.raises(FetchError, match="robots.txt of .* could not be read") as info:
        Fetcher(replace(FAST, robots=True)).get(site.url("/page"))
    assert not info.value.permanent
    assert site.hits["/page"] == 0


def test_redirects_are_bounded(site, fetcher):
    site.add("/loop", "", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match=f"more than {FAST.max_redirects} redirects"):
        fetcher.get(site.url("/loop"))


def test_a_refused_connection_is_an_error_that_may_pass(fetcher):
    with Site() as gone:
        url = gone.url("/x")
    with pytest.raises(FetchError, match="refused") as info:
        fetcher.get(url)
    assert not info.value.permanent


def test_the_per_host_rate_spaces_requests(site):
    site.add("/r", "ok")
    fetcher = Fetcher(replace(FAST, rate=20.0))
    start = time.monotonic()
    for _ in range(5):
        fetcher.get(site.url("/r"))
    assert time.monotonic() - start >= 4 / 20 - 0.01  # 1/20 s between requests


def test_requests_in_flight_never_exceed_the_concurrency_cap(site):
    lock, live, peak = threading.Lock(), [0], [0]

    def handler(request):
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
        site.stall(0.05)
        with lock:
            live[0] -= 1
        send(request, "ok")

    site.route("/c", handler)
    fetcher = Fetcher(replace(FAST, concurrency=2))
    threads = [threading.Thread(target=fetcher.get, args=(site.url("/c"),)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert site.hits["/c"] == 8 and peak[0] == 2


def test_stopping_ends_a_long_retry_after_wait_at_once(site):
    site.add("/busy", "", status=429, headers={"Retry-After": "30"})
    fetcher = Fetcher(replace(FAST, retry_after_max=60))
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(_catch(fetcher, site.url("/busy"))))
    thread.start()
    time.sleep(0.3)
    stopped_at = time.monotonic()
    fetcher.stop.set()
    thread.join(5)
    assert time.monotonic() - stopped_at < 1
    assert outcome == [Stopped]


def _catch(fetcher: Fetcher, url: str) -> type:
    try:
        fetcher.get(url)
    except Stopped:
        return Stopped
    return object
