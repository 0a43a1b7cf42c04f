"""Wikimedia's limits from the bot's side: which class a run is in, pacing, and a 429
waited out (offline; the stand-in's end-to-end tests are in test_strict.py)."""
from __future__ import annotations

import functools
import threading
import time
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import responses

from commonscache.errors import UsageError
from commonscache.wikis import limits
from commonscache.wikis.transfer import download


class FakeSite(SimpleNamespace):
    """What :meth:`limits.Policy.client_class` asks of a site."""

    def logged_in(self) -> bool:
        return self.user_name is not None

    def user(self) -> str | None:
        return self.user_name

    def has_right(self, right: str) -> bool:
        return right in self.rights

    def base_url(self, path: str) -> str:
        return f'https://{self.host}/{path}'

    def __str__(self) -> str:
        return 'commons:commons'


NOWHERE = Path('/nonexistent/wmcs-project')


@pytest.mark.parametrize(('environ', 'fqdn', 'expected'), [
    ({}, 'laptop.example.org', False),
    ({'TOOL_DATA_DIR': '/data/project/mytool'}, 'x', True),
    ({}, 'tools-k8s-worker-nfs-1.tools.eqiad1.wikimedia.cloud', True),
], ids=['elsewhere', 'toolforge job', 'cloud vps host'])
def test_wikimedia_cloud_is_told_from_the_environment(environ, fqdn, expected):
    assert limits.on_wikimedia_cloud(environ, fqdn, NOWHERE) is expected


@pytest.mark.parametrize(('user', 'rights', 'cloud', 'exempt', 'why'), [
    ('CacheBot', {'bot', 'apihighlimits'}, False, True, 'logged in as CacheBot with the bot flag'),
    ('Someone', {'edit'}, False, False, 'logged in as Someone without the bot flag'),
    (None, set(), False, False, 'not logged in'),
    (None, set(), True, True, 'on Wikimedia Cloud Services'),
], ids=['bot flag', 'no bot flag', 'anonymous', 'toolforge'])
def test_the_class_of_a_client(user, rights, cloud, exempt, why):
    site = FakeSite(user_name=user, rights=rights, host='commons.wikimedia.org',
                    maxlimit=500 if 'apihighlimits' in rights else 50)
    found = limits.Policy(cloud=cloud).client_class(site)
    assert (found.exempt, found.why) == (exempt, why)
    assert found.requests_per_minute == (0 if exempt else 200)
    assert found.media_mbit == (0 if cloud else 25)


def test_the_class_is_told_in_words():
    anonymous = limits.ClientClass('commons:commons', False, 'not logged in', 200, 50, 25)
    assert anonymous.describe() == (
        'commons:commons: not logged in: 200 requests/min, 50 titles a request, media 25 '
        'Mbit/s, at most 2 downloads at once; a BotPassword for a bot-flagged account, or '
        'running on Toolforge, lifts this')
    bot = limits.ClientClass('commons:commons', True, 'logged in as X with the bot flag', 0,
                             500, 25)
    assert bot.describe() == ('commons:commons: logged in as X with the bot flag: exempt from '
                              'the API limit; media 25 Mbit/s')


@pytest.mark.parametrize(('maxrate', 'cloud', 'host', 'mbit'), [
    ('', False, 'upload.wikimedia.org', 25),
    ('', False, '127.0.0.1:8881', 0),
    ('', True, 'upload.wikimedia.org', 0),
    ('8', False, '127.0.0.1:8881', 8),
    ('0', False, 'upload.wikimedia.org', 0),
], ids=['wikimedia', 'other host', 'toolforge', 'given', 'switched off'])
def test_the_media_rate_by_host(maxrate, cloud, host, mbit):
    policy = limits.Policy.from_options(apirate=200, maxrate=maxrate)
    policy.cloud = cloud
    assert policy.media_mbit(host) == mbit


@pytest.mark.parametrize(('apirate', 'maxrate'), [('fast', ''), ('200', 'much'), ('-1', '')])
def test_bad_limits_are_usage_errors(apirate, maxrate):
    with pytest.raises(UsageError):
        limits.Policy.from_options(apirate=apirate, maxrate=maxrate)


def test_the_pacer_holds_threads_together_to_the_rate():
    pacer = limits.Pacer(400_000)  # bytes per second
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [pacer.take(20_000) for _ in range(10)])
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 400 kB, less the bucket's quarter second, at 400 kB/s
    assert time.monotonic() - started >= 0.7


class FakeClock:
    """time.monotonic and time.sleep of a clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(limits.time, 'monotonic', fake.monotonic)
    monkeypatch.setattr(limits.time, 'sleep', fake.sleep)
    return fake


def test_api_requests_to_a_source_are_spaced_but_the_farms_own_are_not(clock):
    policy = limits.Policy(api_per_minute=200)
    policy.exempt_hosts.add('media.example.org')
    for _ in range(50):
        policy.pace_api('https://media.example.org/w/api.php')
    assert clock.now == 1000.0
    sent = []
    for _ in range(30):
        policy.pace_api('https://commons.wikimedia.org/w/api.php')
        sent.append(clock.now)
    # A login's worth (10 of 200) goes at once; then evenly, 60 / (196 - 9) s apart.
    assert sent[:10] == [1000.0] * 10
    gaps = {round(later - earlier, 3) for earlier, later in pairwise(sent[10:])}
    assert gaps == {round(60 / 187, 3)}


@pytest.mark.parametrize('budget', [18, 60, 200, 1000])
def test_no_minute_of_paced_api_requests_holds_more_than_the_budget(clock, budget):
    """Whatever minute one counts, as Commons' limiter may: from the very first request,
    and with bursts after idle spells (the bucket refills while the bot waits on others)."""
    policy = limits.Policy(api_per_minute=budget)
    sent = []
    for n in range(3 * budget):
        if n % 37 == 36:
            clock.sleep(45)  # the bot busy elsewhere
        policy.pace_api('https://commons.wikimedia.org/w/api.php')
        sent.append(clock.now)
    for i, start in enumerate(sent):
        in_minute = sum(1 for t in sent[i:] if t < start + 60)
        assert in_minute <= budget, (start, in_minute)


def test_a_small_budget_is_spaced_evenly_from_the_first_request(clock):
    """Too small a budget for a burst (18 a minute: the tests' scaled-down window of 3 in
    10 s must see no two requests closer than 10 / 3 s)."""
    policy = limits.Policy(api_per_minute=18)
    sent = []
    for _ in range(6):
        policy.pace_api('https://commons.wikimedia.org/w/api.php')
        sent.append(clock.now)
    assert all(later - earlier >= 10 / 3 for earlier, later in pairwise(sent))


def test_on_wikimedia_cloud_no_source_is_paced_even_before_its_class_is_known():
    policy = limits.Policy(api_per_minute=600, cloud=True)
    started = time.monotonic()
    for _ in range(4):
        policy.pace_api('https://commons.wikimedia.org/w/api.php')
    assert time.monotonic() - started < 0.05


@responses.activate
def test_a_429_is_waited_out_as_retry_after_says_and_counted():
    url = 'https://upload.example.org/a.png'
    responses.add(responses.GET, url, status=429, headers={'Retry-After': '1'})
    responses.add(responses.GET, url, body=b'png')
    session = requests.Session()
    throttled = limits.Throttled()
    session.hooks['response'].append(functools.partial(limits._wait_out_429,
                                                       throttled=throttled))
    started = time.monotonic()
    assert session.get(url).content == b'png'
    assert time.monotonic() - started >= 1
    assert throttled.hosts == {'upload.example.org': 1}
    assert throttled.line().startswith('throttled: 1 HTTP 429 answers (upload.example.org 1)')
    assert limits.Throttled().line() == ''  # a run's own: the next starts at nothing


@responses.activate
def test_downloads_carry_the_referer(tmp_path):
    url = 'https://upload.wikimedia.org/wikipedia/commons/a/a9/Example.jpg'
    responses.add(responses.GET, url, body=b'bytes')
    download(url, sha1='daf529a73101c2be626b99fc6938163e7a27620b', size=5, directory=tmp_path,
             referer='https://media.example.org/')
    assert responses.calls[0].request.headers['Referer'] == 'https://media.example.org/'


def test_the_progress_line_says_what_holds_the_downloads_back(monkeypatch, capsys):
    from commonscache.publishing.progress import Progress

    policy = limits.Policy(maxrate=8)
    assert policy.status() == ''  # nothing downloaded yet
    host = policy.host('http://127.0.0.1:8881/w/images/a/ab/Big.pdf')
    for _ in range(8):
        host.pacer.take(250_000)  # 2 MB against a bucket of a quarter second
    assert policy.status().startswith('downloading ')
    assert policy.status().endswith(' Mbit/s, held to 8 Mbit/s for 127.0.0.1:8881')
    progress = Progress()
    progress.active = True
    progress.show(3, 10, 2_000_000, policy.status())
    line = capsys.readouterr().err
    assert line.startswith('\r3/10 files, 2,000,000 bytes; downloading ')
    assert 'held to 8 Mbit/s for 127.0.0.1:8881' in line


def test_an_unpaced_host_holds_nothing_back():
    policy = limits.Policy(maxrate=0)
    assert policy.host('https://upload.wikimedia.org/x.jpg').pacer is None
    assert policy.status() == ''


@pytest.mark.parametrize(('header', 'default', 'seconds'), [
    ('120', 1.0, 120.0),
    ('0', 1.0, 0.0),
    ('-5', 1.0, 0.0),
    (None, 1.0, 1.0),
    ('', 0.0, 0.0),
    ('soon', 0.0, 0.0),
    ('Wed, 21 Oct 2015 07:28:00 GMT', 1.0, 0.0),  # a date gone by: at once
])
def test_retry_after_is_read_one_way_in_both_its_forms(header, default, seconds):
    assert limits.retry_after(header, default) == seconds


def test_retry_after_as_an_http_date_waits_until_then():
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    then = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 85 <= limits.retry_after(then) <= 90


def test_a_429_to_a_streamed_body_goes_back_to_its_sender_unsent():
    """The body of a streamed request (an upload's multipart encoder) was read by the first
    sending: the hook does not send it again empty, it hands the 429 back (upload.py's own
    retry rewinds the body), and still counts it."""
    import io

    from requests_toolbelt import MultipartEncoder

    url = 'https://shared.example.org/w/api.php'
    encoder = MultipartEncoder({'file': ('a.png', io.BytesIO(b'file bytes'), 'image/png')})
    streamed = requests.Request('POST', url, data=encoder,
                                headers={'Content-Type': encoder.content_type}).prepare()
    assert not limits.resendable(streamed)
    assert limits.resendable(requests.Request('POST', url, data={'a': 'b'}).prepare())
    assert limits.resendable(requests.Request('GET', url).prepare())
    answer = requests.Response()
    answer.status_code, answer.url, answer.request = 429, url, streamed
    answer.headers['Retry-After'] = '30'
    throttled = limits.Throttled()
    started = time.monotonic()
    assert limits._wait_out_429(answer, throttled=throttled) is answer  # not waited, not resent
    assert time.monotonic() - started < 5
    assert throttled.hosts == {'shared.example.org': 1}
