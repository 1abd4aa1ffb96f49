"""Crawl benchmark: a local TMDB-shaped server, 500 titles x 4 posters, 20 ms per request.

    python bench/crawl_bench.py [--titles 500] [--posters 4] [--latency 0.02] [--concurrency 8]

Runs the crawler (``tmdb`` source, rate limit off) into a fresh workspace, then a naive
sequential ``requests.get`` loop over the same URLs, both against the same server in the
same run, and prints posters/s of each and their ratio (target: at least 4x).  Checks that
the crawl stored every poster exactly once: 0 duplicates, 0 lost.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import requests
from PIL import Image

from poster_tool.core.crawl import CrawlConfig, FetchConfig, TmdbSource, crawl
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace

KEY = "bench-key"


def make_posters(count: int, seed: int = 7) -> list[bytes]:
    """Distinct synthetic 300x450 JPEGs (smooth random colour fields, ~15 KB each)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        cells = rng.integers(0, 256, size=(9, 6, 3), dtype=np.uint8)
        img = Image.fromarray(cells).resize((300, 450), Image.Resampling.BICUBIC)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


class TmdbSite:
    """``/3/configuration``, ``/3/movie/{id}``, ``/3/movie/{id}/images`` and the images."""

    def __init__(self, titles: int, per_title: int, latency: float) -> None:
        self.images = make_posters(titles * per_title)
        self.titles, self.per_title, self.latency = titles, per_title, latency
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Like nginx on keep-alive connections: no Nagle delay between headers and body.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802
                time.sleep(site.latency)  # the network and the server's own work
                status, kind, body = site.answer(self.path.split("?")[0])
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, str, bytes]:
        if path == "/3/configuration":
            return self._json(
                {"images": {"secure_base_url": f"{self.base}/t/p/", "poster_sizes": ["w500"]}}
            )
        if match := re.fullmatch(r"/3/movie/(\d+)", path):
            movie = int(match[1])
            return self._json(
                {
                    "id": movie,
                    "title": f"Film {movie}",
                    "release_date": "2001-01-01",
                    "genres": [{"id": 18, "name": "Drama"}],
                }
            )
        if match := re.fullmatch(r"/3/movie/(\d+)/images", path):
            movie = int(match[1])
            return self._json(
                {
                    "id": movie,
                    "posters": [
                        {"file_path": f"/{movie}_{n}.jpg", "vote_average": 5.0 - n / 10}
                        for n in range(self.per_title)
                    ],
                }
            )
        if match := re.fullmatch(r"/t/p/w500/(\d+)_(\d+)\.jpg", path):
            index = (int(match[1]) - 1) * self.per_title + int(match[2])
            return 200, "image/jpeg", self.images[index]
        return 404, "text/plain", b"not found"

    @staticmethod
    def _json(value: object) -> tuple[int, str, bytes]:
        return 200, "application/json", json.dumps(value).encode()

    def urls(self) -> list[str]:
        """Every URL the crawl fetches, in a crawl's order."""
        out = [f"{self.base}/3/configuration?api_key={KEY}"]
        for movie in range(1, self.titles + 1):
            out += [
                f"{self.base}/3/movie/{movie}?api_key={KEY}",
                f"{self.base}/3/movie/{movie}/images?api_key={KEY}",
            ]
            out += [f"{self.base}/t/p/w500/{movie}_{n}.jpg" for n in range(self.per_title)]
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=500)
    parser.add_argument("--posters", type=int, default=4, help="posters per title")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=8, help="the crawler's cap")
    args = parser.parse_args()

    print(f"making {args.titles * args.posters} synthetic posters …", flush=True)
    site = TmdbSite(args.titles, args.posters, args.latency)
    expected = args.titles * args.posters
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws")
        store = ws.store()
        source = TmdbSource(
            KEY, movie_ids=tuple(range(1, args.titles + 1)), api_base=f"{site.base}/3"
        )
        config = CrawlConfig(fetch=FetchConfig(rate=0, concurrency=args.concurrency))
        start = time.perf_counter()
        report = run_job(crawl(ws, store, source, config))
        crawl_seconds = time.perf_counter() - start
        stored, distinct, linked = store._run(
            "SELECT count(*), count(DISTINCT sha256), "
            "count(duplicate_of) + count(near_duplicate_of) FROM posters"
        ).fetchone()
        store.close()

    urls = site.urls()
    start = time.perf_counter()
    for url in urls:  # the baseline: one plain request after another, nothing else
        requests.get(url, timeout=30).raise_for_status()
    naive_seconds = time.perf_counter() - start
    site.server.shutdown()

    duplicates, lost = (stored - distinct) + linked, expected - distinct
    crawl_rate, naive_rate = expected / crawl_seconds, expected / naive_seconds
    print(
        f"requests: {report.requests} by the crawler, {len(urls)} by the naive loop "
        f"({args.latency * 1000:.0f} ms each on the server)"
    )
    print(
        f"crawler ({args.concurrency} in flight, intake + catalog included): "
        f"{crawl_seconds:.1f} s, {crawl_rate:.1f} posters/s"
    )
    print(
        f"naive sequential requests.get loop (download only): {naive_seconds:.1f} s, "
        f"{naive_rate:.1f} posters/s"
    )
    print(f"ratio: {crawl_rate / naive_rate:.2f}x (target >= 4x)")
    print(f"posters: {expected} expected, {stored} stored, {duplicates} duplicates, {lost} lost")
    ok = duplicates == 0 and lost == 0 and not report.errors and not report.refused
    print("OK" if ok else f"FAILED: errors {report.errors[:3]}, refused {report.refused[:3]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
