"""Being a good Wikimedia client: which class of client a run is in on each source, and the
pacing that keeps it within that class's limits.

Since 2025 Wikimedia enforces limits per client (https://www.mediawiki.org/wiki/Wikimedia_APIs/Rate_limits,
https://wikitech.wikimedia.org/wiki/Robot_policy):

- the Action API: 200 requests a minute for a client with a proper User-Agent that is not
  logged in with the bot right (50 titles a request); a bot-flagged account, or a client
  on Wikimedia Cloud Services (Toolforge), is exempt;
- originals from upload.wikimedia.org, outside Wikimedia Cloud Services: at most 2 downloads
  at once and 25 Mbit/s averaged over 10 seconds, and never without a ``Referer``;
- over a limit: HTTP 429 with ``Retry-After``.

The API is paced per host, from the first request on, in Pywikibot's transport: a token
bucket that holds :data:`API_BURST_SHARE` of the minute's budget and refills so that no
minute holds more than the budget, whatever minute one counts (the burst lets the handful
of requests of a login go out at once; after it, requests are spaced evenly). Downloads
have a token bucket per host too, of bytes, shared by the download threads. A 429 that
comes anyway is waited out as its ``Retry-After`` says, counted, and the request sent again.
"""
from __future__ import annotations

import email.utils
import functools
import os
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pywikibot
import requests

from commonscache.errors import UsageError
from commonscache.wikis.pywikibot_compat import add_response_hook, mount_on_session
from commonscache.wikis.sites import Site

API_PER_MINUTE = 200
TITLES_PER_REQUEST = 50
MEDIA_MBIT = 25.0
MEDIA_AT_ONCE = 2
#: The pacer aims a little below the limit: a server counts bytes when it sends them, a
#: moment before the bot reads them, and its clock is not ours.
PACE_SHARE = 0.95
#: A bucket that holds a quarter second of bytes at most: no burst worth measuring.
BURST_SECONDS = 0.25
#: The API bucket holds this share of a minute's budget (10 of 200): enough for Pywikibot's
#: requests on meeting a site and logging in, which would otherwise wait 0.3 s each.
API_BURST_SHARE = 0.05
#: The API pacing aims 2% under the budget: the server's minute and ours do not start at
#: the same time.
API_SHARE = 0.98
#: The longest Retry-After waited out in one go; a longer one is waited out in pieces.
MAX_RETRY_AFTER = 600.0
#: The progress line shows the rate of the downloads over this many seconds.
STATUS_SECONDS = 5.0
#: How often one request is sent again after a 429 before the caller sees the 429.
MAX_429_WAITS = 5

#: Domains whose hosts count as Wikimedia's (their limits apply by default).
WIKIMEDIA_DOMAINS = ('wikimedia.org', 'wikipedia.org', 'wikidata.org', 'wiktionary.org',
                     'wikibooks.org', 'wikinews.org', 'wikiquote.org', 'wikisource.org',
                     'wikiversity.org', 'wikivoyage.org', 'mediawiki.org', 'wikifunctions.org')


def on_wikimedia_cloud(environ: dict[str, str] | None = None, fqdn: str | None = None,
                       marker: Path = Path('/etc/wmcs-project')) -> bool:
    """Whether this process runs on Wikimedia Cloud Services (Toolforge or a Cloud VPS
    instance), whose clients Wikimedia's limits exempt: Toolforge sets ``TOOL_DATA_DIR`` in
    its jobs and shells, Cloud VPS instances carry ``/etc/wmcs-project``, and both have
    host names under ``wikimedia.cloud``."""
    environ = os.environ if environ is None else environ
    if environ.get('TOOL_DATA_DIR') or environ.get('TOOLFORGE_TOOL_NAME'):
        return True
    if marker.exists():
        return True
    name = socket.getfqdn() if fqdn is None else fqdn
    return name.endswith('.wikimedia.cloud') or name.endswith('.wmflabs')


def is_wikimedia(host: str) -> bool:
    host = host.split(':', 1)[0].lower()
    return any(host == domain or host.endswith('.' + domain) for domain in WIKIMEDIA_DOMAINS)


@dataclass(frozen=True)
class ClientClass:
    """What a source's limits are for this run.

    :ivar exempt: no pacing of the API beyond Pywikibot's own
    :ivar why: who the bot is there, in words
    :ivar requests_per_minute: the API budget (0: none)
    :ivar media_mbit: the download rate for the source's media hosts (0: unlimited)
    """

    site: str
    exempt: bool
    why: str
    requests_per_minute: int
    titles_per_request: int
    media_mbit: float

    def describe(self) -> str:
        media = f'media {self.media_mbit:g} Mbit/s' if self.media_mbit else 'media unlimited'
        if self.exempt:
            return f'{self.site}: {self.why}: exempt from the API limit; {media}'
        return (f'{self.site}: {self.why}: {self.requests_per_minute} requests/min, '
                f'{self.titles_per_request} titles a request, {media}, at most {MEDIA_AT_ONCE} '
                'downloads at once; a BotPassword for a bot-flagged account, or running on '
                'Toolforge, lifts this')


@dataclass
class Policy:
    """The run's settings for the limits (``-apirate``, ``-maxrate``) and where it runs.

    :ivar maxrate: Mbit/s for every source's downloads as given (``-maxrate``; 0: none), or
        None for the default: Wikimedia's limit on Wikimedia hosts outside its cloud
    """

    api_per_minute: int = API_PER_MINUTE
    maxrate: float | None = None
    cloud: bool = False
    classes: dict[str, ClientClass] = field(default_factory=dict)
    hosts: dict[str, HostLimit] = field(default_factory=dict)
    #: hosts whose API requests are not paced: the farm's own wikis, exempting sources
    exempt_hosts: set[str] = field(default_factory=set)
    #: the API's token bucket of each paced host
    api_buckets: dict[str, Pacer] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_options(cls, *, apirate: object, maxrate: object) -> Policy:
        """:raises UsageError: for values that are not numbers"""
        try:
            api = int(str(apirate))
        except ValueError:
            raise UsageError(f'-apirate:{apirate} is not a number of requests per minute') \
                from None
        try:
            rate = None if str(maxrate).strip() == '' else float(str(maxrate))
        except ValueError:
            raise UsageError(f'-maxrate:{maxrate} is not a number of Mbit/s (0: no limit)') \
                from None
        if api < 0 or (rate is not None and rate < 0):
            raise UsageError('-apirate and -maxrate take numbers of 0 or more')
        return cls(api_per_minute=api, maxrate=rate, cloud=on_wikimedia_cloud())

    def media_mbit(self, host: str) -> float:
        if self.maxrate is not None:
            return self.maxrate
        return 0.0 if self.cloud or not is_wikimedia(host) else MEDIA_MBIT

    def client_class(self, site: Site) -> ClientClass:
        """The class the run is in on *site* (after any login)."""
        media = self.media_mbit(urlsplit(site.base_url('')).netloc)
        logged_in = site.logged_in()
        if logged_in and site.has_right('bot'):
            return ClientClass(str(site), True, f'logged in as {site.user()} with the bot flag',
                               0, site.maxlimit, media)
        if self.cloud:
            return ClientClass(str(site), True, 'on Wikimedia Cloud Services', 0,
                               site.maxlimit, media)
        if not logged_in:
            # An anonymous reader gets 50 titles a request: known without asking the site.
            return ClientClass(str(site), False, 'not logged in', self.api_per_minute,
                               TITLES_PER_REQUEST, media)
        return ClientClass(str(site), False, f'logged in as {site.user()} without the bot flag',
                           self.api_per_minute, site.maxlimit, media)

    def apply(self, site: Site) -> ClientClass:
        """The class of *site*, said once per site: a source that exempts the bot has its
        API requests no longer paced."""
        key = str(site)
        if key not in self.classes:
            found = self.client_class(site)
            if found.exempt:
                self.exempt_hosts.add(urlsplit(site.base_url('')).netloc)
            self.classes[key] = found
            pywikibot.info(f'limits: {found.describe()}')
        return self.classes[key]

    def pace_api(self, url: str) -> None:
        """Before an API request to *url*: wait until it fits the budget of its host, unless
        the host exempts the bot or is one of the farm's own wikis. Pacing starts with the
        first request, those that tell the class included, because Pywikibot makes some as
        soon as it meets a site."""
        parts = urlsplit(url)
        # On Wikimedia Cloud Services every source exempts the bot, known before it logs in.
        if self.cloud or not self.api_per_minute or not parts.path.endswith('/api.php') or \
                parts.netloc in self.exempt_hosts:
            return
        with self.lock:
            bucket = self.api_buckets.get(parts.netloc)
            if bucket is None:
                bucket = self.api_buckets[parts.netloc] = api_bucket(self.api_per_minute)
        wait = bucket.take(1)
        if wait:
            pywikibot.log(f'limits: waited {wait:.1f} s for {parts.netloc}')

    def status(self) -> str:
        """What holds the downloads back now, for the progress line ('' when nothing does):
        the rate of each paced host over the last seconds and its limit."""
        with self.lock:
            held = [limit for limit in self.hosts.values()
                    if limit.pacer and limit.pacer.recently_held()]
        return ', '.join(f'downloading {limit.pacer.recent_mbit():.1f} Mbit/s, '
                         f'{limit.describe()}' for limit in held)

    def host(self, url: str) -> HostLimit:
        """The downloads' limits for the host of *url*."""
        host = urlsplit(url).netloc
        with self.lock:
            if host not in self.hosts:
                mbit = self.media_mbit(host)
                self.hosts[host] = HostLimit(host, mbit, Pacer(mbit * 125000 * PACE_SHARE)
                                             if mbit else None)
            return self.hosts[host]


def api_bucket(per_minute: int) -> Pacer:
    """The bucket of a host's API requests: it holds *B* requests (:data:`API_BURST_SHARE` of
    the budget, at least 1) and refills at (0.98 x budget - B + 1) a minute, so that any 60 s
    hold at most B + that many, which is 98% of the budget plus one. With B = 1 this is the
    even spacing of 60 / (0.98 x budget) seconds."""
    burst = max(1, int(per_minute * API_BURST_SHARE))
    return Pacer((per_minute * API_SHARE - burst + 1) / 60.0, capacity=burst)


class Pacer:
    """A token bucket shared by threads: :meth:`take` returns once *n* more units (bytes,
    or API requests) fit the rate. A thread that takes more than the bucket holds waits for
    the debt, so that several threads together stay at the rate.

    :param capacity: what the bucket holds when full (default: a quarter second's worth)
    """

    def __init__(self, bytes_per_second: float, capacity: float | None = None) -> None:
        self.rate = bytes_per_second
        self.capacity = max(1.0, bytes_per_second * BURST_SECONDS if capacity is None
                            else capacity)
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self.lock = threading.Lock()
        #: seconds the threads have waited for the bucket, all together
        self.waited = 0.0
        self.last_held = -STATUS_SECONDS
        #: (time, bytes) of the last STATUS_SECONDS, for the progress line
        self.taken: deque[tuple[float, int]] = deque()

    def take(self, n: int) -> float:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= n
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
            self.waited += wait
            if wait:
                self.last_held = now
            self.taken.append((now, n))
            while self.taken and self.taken[0][0] < now - STATUS_SECONDS:
                self.taken.popleft()
        if wait:
            time.sleep(wait)
        return wait

    def recently_held(self) -> bool:
        return time.monotonic() - self.last_held < STATUS_SECONDS

    def recent_mbit(self) -> float:
        """The rate of the bytes taken over the last :data:`STATUS_SECONDS`."""
        with self.lock:
            total = sum(n for _, n in self.taken)
        return total * 8 / 1e6 / STATUS_SECONDS


@dataclass
class HostLimit:
    """One media host: its rate (Mbit/s, 0 for none), its bucket, and the downloads it may
    have in flight at once."""

    host: str
    mbit: float
    pacer: Pacer | None
    slots: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(MEDIA_AT_ONCE))

    def describe(self) -> str:
        return f'held to {self.mbit:g} Mbit/s for {self.host}' if self.mbit else ''


@dataclass
class Throttled:
    """The run's HTTP 429 answers, by host, and the seconds waited for them (the run's own,
    handed to the session's hook: :func:`wait_out_429s`)."""

    hosts: Counter[str] = field(default_factory=Counter)
    waited: float = 0.0

    def total(self) -> int:
        return sum(self.hosts.values())

    def line(self) -> str:
        """The 429s of the run, for its log ('' when there were none)."""
        if not self.hosts:
            return ''
        hosts = ', '.join(f'{host} {n}' for host, n in sorted(self.hosts.items()))
        return (f'throttled: {self.total()} HTTP 429 answers ({hosts}), '
                f'{self.waited:g} s waited as Retry-After asked')


def retry_after(value: str | None, default: float = 1.0) -> float:
    """Seconds a ``Retry-After`` header asks for, in either of its forms (RFC 9110, 10.2.3:
    seconds, or an HTTP date); *default* when it is missing or unreadable. The one reading
    of the header for every request the bot sends itself (API pacing, uploads, downloads)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def resendable(request: requests.PreparedRequest) -> bool:
    """Whether *request* can go out again as it is: a streamed body (an upload's multipart
    encoder, a file) was read by the first sending, and is the sender's to rewind."""
    return request.body is None or isinstance(request.body, (bytes, str))


def _wait_out_429(response: requests.Response, *args: object, throttled: Throttled,
                  **kwargs: object) -> requests.Response:
    """A requests response hook: a 429 is waited out as its Retry-After says, then the same
    request goes out again (at most :data:`MAX_429_WAITS` times). A request whose body was
    streamed is not sent again here: its 429 goes back to the sender, whose own retry
    rewinds the body (:class:`commonscache.writing.upload.UploadApi`)."""
    for _ in range(MAX_429_WAITS):
        if response.status_code != 429:
            break
        host = urlsplit(response.url).netloc
        throttled.hosts[host] += 1
        if not resendable(response.request):
            break
        wait = min(retry_after(response.headers.get('retry-after')), MAX_RETRY_AFTER)
        throttled.waited += wait
        pywikibot.warning(f'{host} answered 429 (too many requests): waiting {wait:g} s as '
                          'its Retry-After asks')
        response.close()
        time.sleep(wait)
        response = response.connection.send(response.request, **kwargs)
    return response


class PacedAdapter(requests.adapters.HTTPAdapter):
    """Pywikibot's transport, with every API request paced by the run's :class:`Policy`."""

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.policy = policy

    def send(self, request: requests.PreparedRequest, *args: object,
             **kwargs: object) -> requests.Response:
        self.policy.pace_api(request.url or '')
        return super().send(request, *args, **kwargs)


def pace(policy: Policy, own: list[Site]) -> None:
    """Pace the run's API requests as *policy* says; the farm's own wikis (*own*) are not
    Wikimedia's, and not paced."""
    policy.exempt_hosts.update(urlsplit(site.base_url('')).netloc for site in own)
    mount_on_session(PacedAdapter(policy))


def wait_out_429s() -> Throttled:
    """Make every request of Pywikibot's session (API and downloads) wait out a 429; the
    run's count of them."""
    throttled = Throttled()
    add_response_hook(functools.partial(_wait_out_429, throttled=throttled))
    return throttled
