"""-watch's list of files to try again, how often it polls each consumer, and the watermark
it keeps (offline; end to end in test_watch.py)."""
from __future__ import annotations

import socket

import pytest

from commonscache.reading.pipeline import RECHECK_AFTER, due_again
from commonscache.running.watch import (
    MARK_LENGTH,
    MAX_RETRY_WAIT,
    Cadence,
    Outages,
    Retries,
    format_mark,
    parse_mark,
)


def test_a_failing_file_waits_twice_as_long_after_each_failure_up_to_an_hour():
    retries = Retries(interval=2)
    waits = [retries.failed('File:A.png', now=100.0) for _ in range(12)]
    assert waits[:4] == [5, 10, 20, 40]  # the poll interval, at least 5 s, doubled
    assert max(waits) == MAX_RETRY_WAIT == waits[-1]


def test_a_file_is_due_once_its_wait_is_over_and_leaves_when_done():
    retries = Retries(interval=30)
    retries.failed('File:A.png', now=0.0)
    retries.failed('File:B.png', now=10.0)
    assert retries.due(29.0) == []
    assert retries.due(30.0) == ['File:A.png']
    assert retries.due(45.0) == ['File:A.png', 'File:B.png']
    retries.done('File:A.png')
    retries.done('File:C.png')  # never failed: nothing to forget
    assert retries.due(1000.0) == ['File:B.png']


# --- how often each consumer is polled (Cadence), and the watermark kept --------------------

@pytest.mark.parametrize(('interval', 'quiet', 'gap'), [
    (30, 0, 30), (30, 9, 30),          # a wiki that changes, or was quiet for a little while
    (30, 10, 60), (30, 20, 120),       # quiet for 10 polls: half as often, and so on
    (30, 30, 240), (30, 500, 240),     # at most every 8th interval
    (60, 30, 300), (100, 10, 200),     # and at least every MAX_QUIET_WAIT seconds …
    (100, 30, 300), (600, 50, 600),    # … unless the interval itself is longer
    (0.5, 1000, 4.0),
])
def test_a_quiet_wiki_is_polled_less_often_within_a_bound(interval, quiet, gap):
    assert Cadence(interval).gap(quiet) == gap


def test_a_change_puts_a_quiet_wiki_back_to_every_interval():
    cadence, now, polls = Cadence(10), 0.0, []
    for _ in range(150):  # 25 minutes of ticks, one every interval
        if cadence.due('devfarm:quiet', now):
            polls.append(now)
            cadence.polled('devfarm:quiet', changed=False, now=now)
        now += 10
    gaps = [b - a for a, b in zip(polls, polls[1:], strict=False)]
    assert gaps[:9] == [10] * 9 and gaps[9:19] == [20] * 10 and max(gaps) == 80
    assert len(polls) < 50  # of 150 ticks
    cadence.polled('devfarm:quiet', changed=True, now=now)
    assert not cadence.due('devfarm:quiet', now + 4) and cadence.due('devfarm:quiet', now + 10)
    assert cadence.due('devfarm:never-polled', now)  # a new consumer: at once


@pytest.mark.parametrize(('stamp', 'ids', 'kept'), [
    ('2026-12-05T00:00:00Z', frozenset(), '2026-12-05T00:00:00Z'),
    ('2026-12-05T00:00:00Z', frozenset({12, 3}), '2026-12-05T00:00:00Z 3,12'),
    # Too many changes at one second to keep: examined once more next time.
    ('2026-12-05T00:00:00Z', frozenset(range(10**9, 10**9 + 40)), '2026-12-05T00:00:00Z'),
])
def test_the_watermark_keeps_the_ids_of_the_changes_at_its_second(stamp, ids, kept):
    assert format_mark(stamp, ids) == kept
    assert len(kept) <= MARK_LENGTH
    assert parse_mark(kept) == (stamp, ids if kept != stamp else frozenset())


def test_a_watermark_of_an_earlier_version_is_read_as_a_timestamp():
    assert parse_mark('2026-11-30T12:00:00Z') == ('2026-11-30T12:00:00Z', frozenset())


# --- outages: each wiki waited out on its own, nothing remembered past the outage (issue 33) --

class FakeSite:
    """What :class:`Outages` asks of a consumer: its API URL (a port on this machine)."""

    def __init__(self, port: int) -> None:
        self.port = port

    def base_url(self, path: str) -> str:
        return f'http://127.0.0.1:{self.port}{path}'

    def apipath(self) -> str:
        return '/w/api.php'

    def __str__(self) -> str:
        return f'test:{self.port}'


def test_a_consumer_that_takes_no_connections_waits_alone_and_longer_each_time():
    with socket.socket() as listening:
        listening.bind(('127.0.0.1', 0))
        listening.listen()
        up = FakeSite(listening.getsockname()[1])
        with socket.socket() as closed:
            closed.bind(('127.0.0.1', 0))  # bound, never listening: connections are refused
            refusing = closed.getsockname()[1]
            down = FakeSite(refusing)
            cadence = Cadence(2)
            outages = Outages(2, cadence)
            assert outages.down_now(down, 100.0) and outages.down_now(down, 105.0)
            assert cadence.next_at[str(down)] == 105.0 + 10  # 5 s, then 10 s
            assert not outages.down_now(up, 100.0) and up not in outages.backoff
        down.port = up.port  # back: it answers, and its backoff is forgotten
        assert not outages.down_now(down, 120.0) and down not in outages.backoff
        assert outages.down_now(FakeSite(refusing), 130.0)  # asked afresh each time


@pytest.mark.parametrize(('reason', 'hours_ago', 'due'), [
    pytest.param('source-unreachable', 0, True, id='unanswered-read-again-at-once'),
    pytest.param('missing-everywhere', 1, False, id='missing-within-a-day'),
    pytest.param('missing-everywhere', 24, True, id='missing-a-day-on'),
    pytest.param('source-missing', 23.9, False, id='source-missing-within-a-day'),
    pytest.param('source-disputed', 25, True, id='disputed-a-day-on'),
])
def test_a_waiting_file_is_read_again_on_a_bounded_clock(reason, hours_ago, due):
    from datetime import UTC, datetime, timedelta

    def stamp(hours: float) -> str:
        return (datetime(2026, 12, 7, 12, tzinfo=UTC) - timedelta(hours=hours)).strftime(
            '%Y-%m-%dT%H:%M:%SZ')

    assert RECHECK_AFTER == 86400
    assert due_again(reason, stamp(hours_ago), day_ago=stamp(24)) is due


class WaitingState:
    """What the state says of files that wait: title → (outcome, reason, details, since,
    last read), for the reasons asked about."""

    def __init__(self, rows: dict) -> None:
        self.rows = rows

    def waiting_upstream(self, *, shared: str, reasons, titles=None) -> dict:
        return {title: row for title, row in self.rows.items() if row[1] in reasons
                and (titles is None or title in titles)}


def test_files_read_within_a_day_are_held_unless_unanswered_or_refreshing():
    """A file missing everywhere, or refused by the shared repository for its size, is not
    read again within a day however often pages embedding it change; one whose source did
    not answer always is; -refresh reads them all (issues 33 and 34)."""
    from types import SimpleNamespace

    from commonscache.keeping.state import ago, now
    from commonscache.reading.pipeline import Memory, _not_waiting, waits_due

    fresh, old = now(), ago(2 * 86400)
    state = WaitingState({
        'File:Missing.png': ('skipped', 'missing-everywhere', '', fresh, fresh),
        'File:Huge.tif': ('flagged', 'upload-refused', 'too large', fresh, fresh),
        'File:Down.png': ('failed', 'source-unreachable', '', fresh, fresh),
        'File:Long gone.png': ('skipped', 'source-missing', '', old, old),
        'File:New.png': None,
    })
    state.rows.pop('File:New.png')
    titles = ['File:Missing.png', 'File:Huge.tif', 'File:Down.png', 'File:Long gone.png',
              'File:New.png']
    settings = SimpleNamespace(shared='devfarm:shared', recheck_all=False)
    read, kept = _not_waiting(titles, settings, Memory(state=state))
    assert read == ['File:Down.png', 'File:Long gone.png', 'File:New.png']
    assert sorted(outcome.title for outcome in kept) == ['File:Huge.tif', 'File:Missing.png']
    # What a run reads again of itself (refusals are not waits: read when embedded again).
    assert sorted(waits_due(state, settings, seen=set())) == ['File:Down.png',
                                                              'File:Long gone.png']
    assert waits_due(state, settings, seen={'File:Down.png'}) == ['File:Long gone.png']
    refreshing = SimpleNamespace(shared='devfarm:shared', recheck_all=True)
    assert _not_waiting(titles, refreshing, Memory(state=state)) == (titles, [])
    assert sorted(waits_due(state, refreshing, seen=set())) == [
        'File:Down.png', 'File:Long gone.png', 'File:Missing.png']


def test_a_watch_carries_out_the_decisions_added_since_at_each_poll():
    """Each poll: the answers the run's start left unwritten first, then the decisions added
    to the request page since (the callback the bot gives) are treated and answered at once;
    the review and status pages keep their own clock, PAGES_EVERY (issue 36)."""
    from types import SimpleNamespace

    from commonscache.running.watch import Watcher

    done: list[str] = []
    from commonscache.reading.detect import Listings

    sweep = SimpleNamespace(treat=lambda page: done.append(f'treat {page}'),
                            counter={'cached': 0, 'updated': 0},
                            memory=SimpleNamespace(listings=Listings()))
    publisher = SimpleNamespace(
        answer_requests=lambda: done.append('answers'),
        write_review_page=lambda: done.append('review'),
        write_status_page=lambda copies, listed: done.append('status'))
    watcher = Watcher(consumers=[], state=None, run_page=None, sweep=sweep,
                      publisher=publisher, interval=1.0,
                      decisions=lambda: iter(['File:Kept.jpg']))
    watcher._carry_out_decisions()
    assert done == ['answers', 'treat File:Kept.jpg', 'answers']
    done.clear()
    watcher._write_pages()
    assert done == ['review', 'status']


def test_what_a_run_learns_of_its_sources_lives_in_its_memory(monkeypatch):
    """Which wiki a host is, and which hosts are down, are the run's (issue 35): a host is
    looked up once a run, an outage is forgotten with the poll, and a second run's memory
    knows nothing of the first's."""
    import pywikibot
    import requests

    from commonscache.reading.pipeline import Memory
    from commonscache.wikis import sites

    asked: list[str] = []

    def site(url: str) -> str:
        asked.append(url)
        if 'down.example' in url:
            raise requests.exceptions.ConnectionError('refused')
        return 'a wiki'

    monkeypatch.setattr(pywikibot, 'Site', lambda url: site(url))
    memory = Memory(state=None)
    for _ in range(2):
        assert sites.source_site('https://up.example/wiki/File:A.jpg', memory.reach) == 'a wiki'
        with pytest.raises(sites.SourceUnreachable):
            sites.source_site('https://down.example/wiki/File:B.jpg', memory.reach)
    assert len(asked) == 2  # each host once
    memory.forget_poll()
    with pytest.raises(sites.SourceUnreachable):
        sites.source_site('https://down.example/wiki/File:B.jpg', memory.reach)
    assert len(asked) == 3  # the outage was asked about again; the known wiki was not
    assert Memory(state=None).reach == sites.Reach()
