"""Local web sites for the crawler tests: an ``http.server`` on 127.0.0.1 in a thread.

``Site`` serves routes the test adds (bytes, or a function for odd behaviour: stalls,
429s, endless bodies) and counts every hit; ``build_portal`` lays out titles the way the
Korean portal did (ranking -> title page -> photo gallery -> popup -> image).
"""

from __future__ import annotations

import html
import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from poster_tool.core.crawl.fetch import FetchConfig

# Short timeouts and tiny backoffs: every failure case finishes in well under a second.
FAST = FetchConfig(
    rate=0,
    concurrency=4,
    connect_timeout=2.0,
    read_timeout=0.5,
    retries=2,
    backoff=0.01,
    backoff_max=0.05,
    retry_after_max=2.0,
)

Handler = Callable[[BaseHTTPRequestHandler], None]


def send(
    request: BaseHTTPRequestHandler,
    body: bytes | str,
    status: int = 200,
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with a whole body (and its Content-Length, so the connection is kept)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(data)


class Site:
    """A web site on 127.0.0.1; use as a context manager.

    :ivar hits: requests per path (with query)
    :ivar headers: the headers of the last request per path
    """

    def __init__(self, latency: float = 0.0) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.headers: dict[str, dict[str, str]] = {}
        self.latency = latency
        self.closing = threading.Event()
        self._lock = threading.Lock()
        site = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like a real server
            # Like nginx on keep-alive connections: no Nagle delay between headers and body.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                with site._lock:
                    site.hits[self.path] += 1
                    site.headers[self.path] = dict(self.headers.items())
                if site.latency:
                    site.closing.wait(site.latency)
                handler = site.routes.get(self.path) or site.routes.get(urlsplit(self.path).path)
                if handler is None:
                    send(self, "<html><body>not found</body></html>", 404)
                else:
                    try:
                        handler(self)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the client hung up (size cap, cancel): expected here

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        """The absolute URL of a path on this site."""
        return f"http://{self.host}{path}"

    def add(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve a fixed answer at ``path`` (with or without its query)."""
        self.routes[path] = lambda request: send(request, body, status, content_type, headers)

    def route(self, path: str, handler: Handler) -> None:
        """Serve ``path`` with a function of the request."""
        self.routes[path] = handler

    def stall(self, seconds: float) -> None:
        """Wait like a slow server, but stop at once when the site closes."""
        self.closing.wait(seconds)

    def image_hits(self) -> Counter[str]:
        """Hits on image paths only."""
        return Counter({p: n for p, n in self.hits.items() if p.startswith("/img/")})


def jpeg_route(data: bytes) -> Handler:
    """A handler serving an image as image/jpeg."""
    return lambda request: send(request, data, content_type="image/jpeg")


@dataclass
class PortalTitle:
    """One title of the synthetic portal; ``posters`` are image bytes or raw handlers."""

    code: int
    name: str
    original: str
    year: int
    genres: list[str]
    posters: list[bytes | Handler] = field(default_factory=list)
    gallery_extra: str = ""  # more markup in the gallery's rolling list (e.g. a next link)
    released: int | None = None  # the Korean release year, when not the film's own year


def build_portal(
    site: Site,
    titles: list[PortalTitle],
    per_page: int = 10,
    listing: str = "ranking",
    gallery: str = "rolling",
) -> str:
    """Serve ``titles`` in the portal layout; return the first listing page's URL.

    :param listing: ``"ranking"`` (rmovie.nhn) or ``"browsing"`` (bmovie.nhn, whose rows
        also link people's pages)
    :param gallery: ``"rolling"`` (``div.rolling_list ul li a`` to popups), ``"list_link"``
        (``ul.rolling_list li._list`` with a popup link) or ``"data_json"`` (``li._list``
        whose ``data-json`` holds the full-size image URL)

    Images live under ``/img/`` (the CDN of the real portal) and demand a Referer.
    """
    pages = [titles[i : i + per_page] for i in range(0, len(titles), per_page)] or [[]]
    path = (
        "/movie/sdb/rank/rmovie.nhn" if listing == "ranking" else "/movie/sdb/browsing/bmovie.nhn"
    )
    query = "sel=cnt" if listing == "ranking" else "genre=1"
    for number, chunk in enumerate(pages, start=1):
        site.add(
            f"{path}?{query}&page={number}",
            _listing_page(chunk, listing, query, number, len(pages)),
        )
    site.routes[path] = site.routes[f"{path}?{query}&page=1"]
    for t in titles:
        genres = ", ".join(
            f'<a href="/movie/sdb/browsing/bmovie.nhn?genre={i}">{g}</a>'
            for i, g in enumerate(t.genres)
        )
        opened = t.released or t.year
        site.add(
            f"/movie/bi/mi/basic.nhn?code={t.code}",
            f'<html><body><div class="mv_info"><h3 class="h_movie"><a href="#">{t.name}</a></h3>'
            f'<strong class="h_movie2">{t.original} , {t.year}</strong><dl class="info_spec">'
            f'<dd><p><span>{genres}</span><span><a href="?open={opened}">{opened}</a></span>'
            f'</p></dd></dl></div><ul class="end_sub_tab"><li><a href="./photoView.nhn?code='
            f'{t.code}">포토</a></li></ul></body></html>',
        )
        site.add(
            f"/movie/bi/mi/photoView.nhn?code={t.code}",
            f"<html><body>{_gallery_list(site, t, gallery)}</body></html>",
        )
        for n, poster in enumerate(t.posters):
            image = f"/img/{t.code}_{n}.jpg"
            site.add(
                f"/movie/bi/mi/photoViewPopup.nhn?movieCode={t.code}&imageNid={n}",
                f'<html><body><img id="targetImage" src="{image}"></body></html>',
            )
            site.route(image, poster if callable(poster) else _needs_referer(poster))
    return site.url(path)


def _listing_page(
    chunk: list[PortalTitle], listing: str, query: str, number: int, last: int
) -> str:
    if listing == "ranking":
        rows = "".join(
            f'<tr><td class="title"><div class="tit3"><a href="/movie/bi/mi/basic.nhn?'
            f'code={t.code}">{t.name}</a></div></td></tr>'
            for t in chunk
        )
        nav = (
            f'<a href="?{html.escape(query)}&amp;page={number + 1}" class="pg_next">다음</a>'
            if number < last
            else ""
        )
        return (
            f'<html><body><table class="list_ranking">{rows}</table>'
            f'<div class="pagenavigation">{nav}</div></body></html>'
        )
    rows = "".join(
        f'<li><a href="/movie/bi/mi/basic.nhn?code={t.code}">{t.name}</a>'
        f'<ul class="detail"><li><a href="/movie/bi/pi/basic.nhn?code={9000 + t.code}">감독</a>'
        f"</li></ul></li>"
        for t in chunk
    )
    nav = (
        f'<td class="pg_next"><a href="?{query}&amp;page={number + 1}">다음</a></td>'
        if number < last
        else ""
    )
    return (
        f'<html><body><ul class="directory_list">{rows}</ul><div class="pagenavigation">'
        f'<table class="Nnavi"><tr>{nav}</tr></table></div></body></html>'
    )


def _gallery_list(site: Site, t: PortalTitle, shape: str) -> str:
    def popup(n: int) -> str:
        return f"/movie/bi/mi/photoViewPopup.nhn?movieCode={t.code}&amp;imageNid={n}"

    thumbs = [f'<img src="/img/thumb/{t.code}_{n}.jpg">' for n in range(len(t.posters))]
    if shape == "rolling":
        items = "".join(f'<li><a href="{popup(n)}">{img}</a></li>' for n, img in enumerate(thumbs))
        return f'<div class="rolling_list"><ul>{items}</ul>{t.gallery_extra}</div>'
    if shape == "list_link":
        items = "".join(
            f'<li class="_list"><a href="{popup(n)}">{img}</a></li>' for n, img in enumerate(thumbs)
        )
    else:
        items = "".join(
            '<li class="_list" data-json="'
            + html.escape(
                json.dumps(
                    {
                        "imageNid": n,
                        "fullImageUrl": site.url(f"/img/{t.code}_{n}.jpg"),
                        "imageType": "POSTER",
                    }
                )
            )
            + f'"><a href="#">{img}</a></li>'
            for n, img in enumerate(thumbs)
        )
    return f'<ul class="rolling_list">{items}</ul>{t.gallery_extra}'


def _needs_referer(data: bytes) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        if not request.headers.get("Referer"):
            send(request, "hotlinking is not allowed", 403, "text/plain")
        else:
            send(request, data, content_type="image/jpeg")

    return handler
