"""HTTP for the crawler: one polite, fault-tolerant ``requests.Session`` per crawl.

Everything a crawl downloads goes through :class:`Fetcher`: robots.txt (per host, cached), a
per-host rate limit, a global cap on requests in flight, connect and read timeouts, bounded
redirects, a size cap enforced while streaming, and retries with exponential backoff and
jitter.  Connection errors and read timeouts are retried by urllib3 (``HTTPAdapter`` with
``Retry``); 429, 408 and 5xx answers are retried here instead, because honouring their
``Retry-After`` must pause the whole host (not only one thread) and must be cancellable:
every wait here is on the crawl's stop event, so a cancelled crawl never sleeps out a long
``Retry-After``.
"""

from __future__ import annotations

import random
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from poster_tool import __version__
from poster_tool.core.errors import CrawlError
from poster_tool.core.imaging import MAX_FILE_BYTES

ROBOTS_AGENT = "PosterStudio"  # the product token robots.txt rules are matched against
USER_AGENT = (
    f"{ROBOTS_AGENT}/{__version__} (poster-pool crawler of the Poster Studio curation tool; "
    f"python-requests/{requests.__version__})"
)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
CHUNK = 64 * 1024
ROBOTS_MAX_BYTES = 512 * 1024  # Google reads the first 500 KiB of a robots.txt


@dataclass(frozen=True)
class FetchConfig:
    """How politely and how patiently a crawl fetches.

    :param rate: requests per second to each host (``0``: no limit)
    :param concurrency: requests in flight at once, over all hosts
    :param connect_timeout: seconds to wait for a connection
    :param read_timeout: seconds to wait for the next bytes of an answer
    :param retries: further attempts after a connection error, a timeout, 408, 429 or 5xx
    :param backoff: the first backoff in seconds; it doubles per attempt, with jitter
    :param backoff_max: the longest backoff
    :param retry_after_max: the longest ``Retry-After`` honoured; a longer one fails the
        request for now (it is tried again on the next run)
    :param max_redirects: redirects followed per request
    :param max_bytes: downloads (images) larger than this are cut off and refused
    :param max_page_bytes: the same for HTML pages and API answers
    :param robots: honour robots.txt (sources that use an API with its own terms skip it)
    :param user_agent: the User-Agent header; add a contact address for large crawls
    """

    rate: float = 1.0
    concurrency: int = 4
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    backoff_max: float = 60.0
    retry_after_max: float = 120.0
    max_redirects: int = 5
    max_bytes: int = MAX_FILE_BYTES
    max_page_bytes: int = 5 * 2**20
    robots: bool = True
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Fetched:
    """A successful answer, read in full.

    :param url: the final URL, after redirects
    :param content_type: the media type without parameters, lower case (``"text/html"``)
    :param charset: the charset the ``Content-Type`` header names, if any
    """

    url: str
    status: int
    content_type: str
    charset: str | None
    content: bytes


class FetchError(CrawlError):
    """A URL could not be fetched.

    :param kind: ``"http"``, ``"network"``, ``"too_large"``, ``"robots"``, ``"redirects"``
        or ``"url"``
    :param permanent: whether the same request would fail again (404, robots.txt, size)
        rather than maybe succeed later (timeouts, 5xx, 429)
    """

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        kind: str = "http",
        permanent: bool = True,
        status: int | None = None,
    ) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.kind = kind
        self.permanent = permanent
        self.status = status


class Stopped(Exception):
    """The crawl was cancelled while this thread waited; internal to the crawler."""


class _RetryLater(Exception):
    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        super().__init__(error.reason)
        self.error = error
        self.retry_after = retry_after


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL: the unit of politeness (robots.txt, rate)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def size_text(n: float) -> str:
    """``52428800`` -> ``"50 MB"``; small sizes in KB or bytes."""
    if n >= 2**20:
        return f"{n / 2**20:.0f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{int(n)} bytes"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def make_session(config: FetchConfig) -> requests.Session:
    """A session with the project User-Agent, bounded redirects and connection retries."""
    session = requests.Session()
    session.headers["User-Agent"] = config.user_agent
    session.max_redirects = config.max_redirects
    retry = Retry(
        total=None,
        connect=config.retries,
        read=config.retries,
        other=0,
        status=0,
        respect_retry_after_header=False,
        backoff_factor=config.backoff,
        backoff_jitter=config.backoff,
        backoff_max=config.backoff_max,
    )
    adapter = HTTPAdapter(
        pool_connections=16, pool_maxsize=max(1, config.concurrency), max_retries=retry
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _wait(stop: threading.Event, seconds: float) -> None:
    if seconds > 0 and stop.wait(seconds):
        raise Stopped


class HostLimiter:
    """Spaces the requests to each host, and pauses a host that asked us to back off."""

    def __init__(self, rate: float, stop: threading.Event) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._stop = stop
        self._next: dict[str, float] = {}
        self._slowest: dict[str, float] = {}  # robots.txt Crawl-delay, per host
        self._lock = threading.Lock()

    def ready_in(self, host: str) -> float:
        """Seconds until ``host`` may get its next request (0: now)."""
        with self._lock:
            return max(0.0, self._next.get(host, 0.0) - time.monotonic())

    def take(self, host: str) -> bool:
        """Take ``host``'s turn if it has come; the caller sends at once.

        Turns are taken when they come, never booked ahead: a booked turn that a thread
        could not use at once (it waited for a connection slot, or the host was paused
        meanwhile) would be spent late, right next to the following one, a burst past
        the rate.
        """
        with self._lock:
            now = time.monotonic()
            if self._next.get(host, 0.0) > now:
                return False
            self._next[host] = now + max(self._interval, self._slowest.get(host, 0.0))
            return True

    def pause(self, host: str, seconds: float) -> None:
        """Send nothing to ``host`` for ``seconds`` (``Retry-After``, backoff)."""
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + seconds)

    def slow_down(self, host: str, interval: float) -> None:
        """At most one request per ``interval`` seconds to ``host`` (robots.txt Crawl-delay)."""
        with self._lock:
            self._slowest[host] = interval


class _Robots:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.parser: urllib.robotparser.RobotFileParser | None = None
        self.error: str | None = None


class Fetcher:
    """Polite GETs for one crawl; safe to share between the crawl's worker threads.

    :param stop: set to cancel: waits end at once and raise :class:`Stopped`
    :param notify: called with a short line when the fetcher waits (429, backoff)
    """

    def __init__(
        self,
        config: FetchConfig | None = None,
        stop: threading.Event | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config or FetchConfig()
        self.stop = stop or threading.Event()
        self._notify = notify or (lambda message: None)
        self.session = make_session(self.config)
        self._slots = threading.BoundedSemaphore(max(1, self.config.concurrency))
        self._limiter = HostLimiter(self.config.rate, self.stop)
        self._robots: dict[str, _Robots] = {}
        self._robots_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self.requests = 0
        self.bytes = 0

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        robots: bool | None = None,
    ) -> Fetched:
        """Fetch ``url`` in full, politely, retrying what may succeed on a later attempt.

        :param max_bytes: the size cap (default: ``config.max_bytes``)
        :param robots: check robots.txt (default: ``config.robots``)
        :raises FetchError: when the URL cannot be fetched
        :raises Stopped: when the crawl was cancelled meanwhile
        """
        host = origin(url)
        if not url.startswith(("http://", "https://")):
            raise FetchError(url, "not an http(s) URL", kind="url")
        if self.config.robots if robots is None else robots:
            self._check_robots(url, host)
        limit = max_bytes or self.config.max_bytes
        attempt = 0
        while True:
            try:
                return self._request(url, host, params, headers, limit)
            except _RetryLater as retry:
                if attempt >= self.config.retries:
                    raise retry.error from None
                delay = retry.retry_after
                if delay is None:
                    # Exponential backoff with "equal jitter": spreads retries of many threads.
                    base = min(self.config.backoff_max, self.config.backoff * 2**attempt)
                    delay = base / 2 + random.uniform(0, base / 2)
                elif delay > self.config.retry_after_max:
                    raise FetchError(
                        url,
                        f"{retry.error.reason}; the server asks to wait {delay:.0f} s, "
                        f"longer than the {self.config.retry_after_max:.0f} s allowed",
                        permanent=False,
                        status=retry.error.status,
                    ) from None
                attempt += 1
                self._limiter.pause(host, delay)
                self._notify(
                    f"{retry.error.reason} from {host}: waiting {delay:.1f} s "
                    f"(retry {attempt}/{self.config.retries})"
                )

    def _request(
        self,
        url: str,
        host: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        limit: int,
    ) -> Fetched:
        while True:
            # Wait for the host without a slot (a paused host holds none), then take its
            # turn with the slot in hand, so nothing stands between the turn and the send.
            _wait(self.stop, self._limiter.ready_in(host))
            while not self._slots.acquire(timeout=0.25):
                if self.stop.is_set():
                    raise Stopped
            if self._limiter.take(host):
                break
            self._slots.release()  # another thread took the turn: wait for the next one
        try:
            return self._request_in_slot(url, params, headers, limit)
        finally:
            self._slots.release()

    def _request_in_slot(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        limit: int,
    ) -> Fetched:
        if self.stop.is_set():
            raise Stopped
        config = self.config
        with self._stats_lock:
            self.requests += 1
        try:
            response = self.session.get(
                url,
                params=params,
                headers=headers,
                stream=True,
                timeout=(config.connect_timeout, config.read_timeout),
            )
        except requests.TooManyRedirects:
            raise FetchError(
                url, f"more than {config.max_redirects} redirects", kind="redirects"
            ) from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
        ) as exc:
            raise FetchError(url, f"not a usable URL ({exc})", kind="url") from None
        except requests.RequestException as exc:
            # urllib3 has already retried connection errors and read timeouts.
            raise FetchError(url, _network_reason(exc), kind="network", permanent=False) from None
        with response:
            status = response.status_code
            if status in RETRY_STATUSES:
                error = FetchError(
                    url,
                    f"HTTP {status} {response.reason or ''}".strip(),
                    permanent=False,
                    status=status,
                )
                raise _RetryLater(error, parse_retry_after(response.headers.get("Retry-After")))
            if status >= 400:
                raise FetchError(
                    url, f"HTTP {status} {response.reason or ''}".strip(), status=status
                )
            too_large = FetchError(
                url, f"the download is over the limit of {size_text(limit)}", kind="too_large"
            )
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise too_large  # refused before a byte of the body is read
            chunks, size = [], 0
            try:
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise too_large
                    if self.stop.is_set():
                        raise Stopped
                    chunks.append(chunk)
            except requests.RequestException as exc:
                error = FetchError(url, _network_reason(exc), kind="network", permanent=False)
                raise _RetryLater(error) from None
            media, _, rest = response.headers.get("Content-Type", "").partition(";")
            charset = None
            for param in rest.split(";"):
                name, _, value = param.partition("=")
                if name.strip().lower() == "charset" and value.strip():
                    charset = value.strip().strip("\"'")
        with self._stats_lock:
            self.bytes += size
        return Fetched(
            response.url or url, status, media.strip().lower(), charset, b"".join(chunks)
        )

    # -- robots.txt -----------------------------------------------------------------------
    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets this crawler fetch ``url`` (fetching robots.txt once).

        :raises FetchError: when robots.txt cannot be fetched now (a transient error)
        """
        try:
            self._check_robots(url, origin(url))
        except FetchError as exc:
            if exc.permanent:
                return False
            raise
        return True

    def _check_robots(self, url: str, host: str) -> None:
        with self._robots_lock:
            entry = self._robots.setdefault(host, _Robots())
        with entry.lock:  # one thread fetches a host's robots.txt; the others wait for it
            if entry.parser is None and entry.error is None:
                self._load_robots(host, entry)
        if entry.error is not None:
            raise FetchError(url, entry.error, kind="robots", permanent=False)
        assert entry.parser is not None
        if not entry.parser.can_fetch(ROBOTS_AGENT, url):
            raise FetchError(url, "robots.txt disallows this path", kind="robots")

    def _load_robots(self, host: str, entry: _Robots) -> None:
        parser = urllib.robotparser.RobotFileParser(f"{host}/robots.txt")
        try:
            answer = self.get(f"{host}/robots.txt", max_bytes=ROBOTS_MAX_BYTES, robots=False)
        except FetchError as exc:
            if exc.status in (401, 403):
                # RFC 9309: a robots.txt behind a login means everything is disallowed.
                parser.parse(["User-agent: *", "Disallow: /"])
            elif exc.permanent and exc.kind != "too_large":
                parser.parse([])  # no robots.txt: everything is allowed
            else:
                entry.error = f"robots.txt of {host} could not be read ({exc.reason})"
                return
        else:
            parser.parse(answer.content.decode("utf-8", "replace").splitlines())
            delay = parser.crawl_delay(ROBOTS_AGENT)
            if delay:
                self._limiter.slow_down(host, float(delay))
        parser.modified()  # can_fetch() answers False until the file counts as read
        entry.parser = parser


def _network_reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, requests.ReadTimeout) or "timed out" in str(exc).lower():
        return "the server was too slow to answer (read timeout)"
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        if "refused" in text.lower():
            return "the connection was refused"
        if "Name or service not known" in text or "getaddrinfo" in text:
            return "the host name could not be resolved"
        return "the connection failed or broke off"
    return f"the request failed ({type(exc).__name__})"
