"""Outcomes go into the state many at a time (commonscache.keeping.ledger): a transaction per 50
outcomes, or per 2 seconds, not three per file; nothing is lost on the way, and what a
write needs purged is kept with them."""
from __future__ import annotations

import pytest
from pywikibot import config

from commonscache.datatypes import Outcome
from commonscache.keeping import ledger
from commonscache.keeping.ledger import Ledger
from commonscache.keeping.state import State

SHARED = 'devfarm:shared'


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def book(tmp_path, monkeypatch):
    state = State(tmp_path / 'state.sqlite')
    transactions: list[int] = []
    keep = state.record_all
    monkeypatch.setattr(state, 'record_all', lambda *, shared, entries: (
        transactions.append(len(entries)), keep(shared=shared, entries=entries)))
    purged: list[tuple[str, ...]] = []
    clock = Clock()
    monkeypatch.setattr(ledger.time, 'monotonic', clock)
    book = Ledger(state, SHARED, lambda *titles: purged.append(titles))
    yield book, state, transactions, purged, clock
    state.close()


def cached(n: int) -> Outcome:
    return Outcome(f'File:F{n}.jpg', 'cached', details='copied', sha1=f'{n:040x}', size=n)


@pytest.mark.parametrize(('outcomes', 'transactions'), [
    pytest.param(1, [1], id='one: kept when asked'),
    pytest.param(50, [50], id='fifty: kept at once'),
    pytest.param(120, [50, 50, 20], id='120: two of fifty, the rest when asked'),
])
def test_outcomes_are_kept_fifty_at_a_time_and_none_is_lost(book, outcomes, transactions):
    book_, state, kept, purged, _ = book
    for n in range(outcomes):
        book_.add(cached(n))
    book_.write_down()
    assert kept == transactions
    assert len(state.outcomes(shared=SHARED)) == outcomes
    assert sum(len(titles) for titles in purged) == outcomes  # each write's purge, once


def test_what_waits_longer_than_two_seconds_is_kept_with_the_next_outcome(book):
    book_, state, kept, _, clock = book
    book_.add(cached(1))
    clock.now += 1.0
    book_.add(cached(2))
    assert kept == []
    clock.now += 1.5  # 2.5 s after the first
    book_.add(cached(3))
    assert kept == [3]
    assert set(state.outcomes(shared=SHARED)) == {'File:F1.jpg', 'File:F2.jpg', 'File:F3.jpg'}


def test_a_flag_and_a_skip_are_kept_and_need_no_purge(book):
    book_, state, _, purged, _ = book
    book_.add(Outcome('File:Disputed.jpg', 'flagged', 'source-disputed', 'Delete template'))
    book_.add(Outcome('File:Own.jpg', 'skipped', 'local-file', 'the consumer has it'))
    book_.write_down()
    assert purged == []
    assert [flag.title for flag in state.flags(shared=SHARED)] == ['File:Disputed.jpg']


def test_a_new_file_is_purged_but_a_new_description_alone_is_not(book):
    book_, _, _, purged, _ = book
    book_.add(Outcome('File:New.jpg', 'updated', details='1 change', copied=10, size=10))
    book_.add(Outcome('File:Text.jpg', 'updated', details='2 changes', size=10))
    book_.add(Outcome('File:Same.jpg', 'updated', details='no-change upload', size=10))
    book_.write_down()
    assert purged == [('File:New.jpg',)]


def test_a_simulated_run_keeps_nothing(book, monkeypatch):
    book_, state, kept, purged, _ = book
    monkeypatch.setattr(config, 'simulate', True)
    book_.add(Outcome('File:F.jpg', 'would cache', 'new'))
    book_.write_down()
    assert (kept, purged, state.outcomes(shared=SHARED)) == ([], [], {})
