"""The publish stage (:mod:`commonscache.publishing.publish`), offline: what the bot writes
besides the copies, and when it writes nothing.

The state is real (SQLite, or MariaDB in tests/e2e/test_state_on_mariadb.py's way); the
wikis are stand-ins that note each save and purge. The same pages are written on real
MediaWiki in tests/e2e (test_operations, test_status, test_sweep).
"""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import pywikibot
from pywikibot import config

from commonscache.keeping.state import ago
from commonscache.publishing import publish
from commonscache.publishing.status import REWRITE_EVERY

SHARED = 'devfarm:shared'


class StubSite:
    lang = 'en'
    maxlimit = 500

    def __init__(self, name: str, replies: list[dict] | None = None) -> None:
        self.name, self.replies, self.asked = name, replies or [], []

    def __str__(self) -> str:
        return f'devfarm:{self.name}'

    def simple_request(self, **params: object) -> SimpleNamespace:
        self.asked.append(dict(params))
        reply = self.replies.pop(0)
        return SimpleNamespace(submit=lambda: reply)


class StubPage:
    def __init__(self, text: str | None) -> None:
        self.text = text or ''
        self.present = text is not None

    def exists(self) -> bool:
        return self.present


class StubRunPage:
    def __init__(self, stopped: bool = False) -> None:
        self.stopped, self.checks = stopped, 0

    def new_batch(self) -> None:
        pass

    def check(self) -> None:
        self.checks += 1
        if self.stopped:
            raise pywikibot.exceptions.Error('stopped: the run page says false')


@pytest.fixture
def saved(monkeypatch) -> list[tuple[StubPage, str]]:
    saves: list[tuple[StubPage, str]] = []
    monkeypatch.setattr(publish.sites, 'save_own_page',
                        lambda page, text, summary: saves.append((page, text)))
    monkeypatch.setattr(publish.sites, 'login_if_configured', lambda site: None)
    monkeypatch.setattr(config, 'simulate', False)
    return saves


def publisher(state, *, review: StubPage | None = None, purge: bool = True,
              consumers: list[StubSite] | None = None, run_page: StubRunPage | None = None,
              purge_delay: float = 0.0) -> publish.Publisher:
    shared = StubSite('shared')
    return publish.Publisher(
        shared=shared, consumers=consumers or [], state=state,
        control=SimpleNamespace(review=review, requests=None),
        run_page=run_page or StubRunPage(),
        opt=SimpleNamespace(template='Cached Commons Media', interwiki='commons',
                            purge=purge),
        status_page='Project:Status', review_page='Project:Review', purge_delay=purge_delay)


def test_the_review_page_is_written_only_when_its_text_changes(make_state, saved):
    state = make_state()
    state.record(shared=SHARED, title='File:A.jpg', outcome='flagged', reason='name-taken',
                 details='Carol uploaded another file')
    page = StubPage('old text')
    publisher(state, review=page).write_review_page()
    [(written, text)] = saved
    assert written is page and 'File:A.jpg' in text and 'name-taken' in text
    page.text = text
    publisher(state, review=page).write_review_page()
    assert len(saved) == 1  # the same text: nothing written


def test_nothing_is_published_under_simulate(make_state, saved, monkeypatch):
    state = make_state()
    state.record(shared=SHARED, title='File:A.jpg', outcome='flagged', reason='name-taken')
    monkeypatch.setattr(config, 'simulate', True)
    bot = publisher(state, review=StubPage(None))
    bot.write_review_page()
    bot.write_status_page(3, {})
    assert saved == []


def test_the_status_page_is_read_and_written_only_when_something_changed_or_a_day_passed(
        make_state):
    state = make_state()
    bot = publisher(state)
    assert bot._status_due(0)  # never written
    state.set_watermark('status page Project:Status', ago(60))
    assert not bot._status_due(0)  # written a minute ago, nothing new
    assert bot._status_due(2)  # copies written since
    state.record(shared=SHARED, title='File:A.jpg', outcome='flagged', reason='duplicate')
    assert bot._status_due(2)  # a flag opened
    assert not bot._status_due(2)
    state.set_watermark('status page Project:Status', ago(REWRITE_EVERY + 60))
    assert bot._status_due(2)  # a day old


def test_a_stop_on_the_run_page_comes_before_each_page_written(make_state, saved):
    state = make_state()
    state.record(shared=SHARED, title='File:A.jpg', outcome='flagged', reason='duplicate')
    run_page = StubRunPage(stopped=True)
    with pytest.raises(pywikibot.exceptions.Error, match='stopped'):
        publisher(state, review=StubPage(''), run_page=run_page).write_review_page()
    assert saved == [] and run_page.checks == 1


def test_one_page_that_fails_leaves_the_others_to_be_written(make_state, saved, monkeypatch):
    """finish: a refused or unanswered write is a warning; the purges still run."""
    state = make_state()
    state.record(shared=SHARED, title='File:A.jpg', outcome='flagged', reason='duplicate')
    consumer = StubSite('consumer', [{'purge': [{'title': 'Harbour', 'purged': True}]}])
    state.purge_later(shared=SHARED, consumers=[str(consumer)], titles=['File:A.jpg'],
                      due=time.time() - 1)
    bot = publisher(state, review=StubPage(''), consumers=[consumer])
    warnings: list[str] = []
    monkeypatch.setattr(publish.pywikibot, 'warning', warnings.append)

    def refused(page: object, text: str, summary: str) -> None:
        raise pywikibot.exceptions.Error('protectedpage')

    monkeypatch.setattr(publish.sites, 'save_own_page', refused)
    bot.finish()
    assert any(w.startswith('the review page: not written this run') for w in warnings)
    assert consumer.asked and consumer.asked[0]['titles'] == ['File:A.jpg']
    assert state.pending_purges(shared=SHARED, consumer=str(consumer)) == {}


def test_purges_wait_for_their_due_time_and_those_far_off_are_left_to_a_later_run(
        make_state, saved):
    state = make_state()
    consumer = StubSite('consumer', [{'purge': [{'title': 'P', 'purged': True}]}])
    state.purge_later(shared=SHARED, consumers=[str(consumer)], titles=['File:Now.jpg'],
                      due=time.time() + 0.2)
    state.purge_later(shared=SHARED, consumers=[str(consumer)], titles=['File:Later.jpg'],
                      due=time.time() + 3600)
    began = time.monotonic()
    publisher(state, consumers=[consumer]).purge()
    assert time.monotonic() - began >= 0.1  # waited for the due second
    assert [params['titles'] for params in consumer.asked] == [['File:Now.jpg']]
    assert list(state.pending_purges(shared=SHARED, consumer=str(consumer))) == [
        'File:Later.jpg']


def test_nopurge_leaves_the_purges_waiting(make_state, saved):
    state = make_state()
    consumer = StubSite('consumer')
    state.purge_later(shared=SHARED, consumers=[str(consumer)], titles=['File:A.jpg'],
                      due=time.time() - 1)
    publisher(state, consumers=[consumer], purge=False).purge()
    assert consumer.asked == []
    assert list(state.pending_purges(shared=SHARED, consumer=str(consumer))) == ['File:A.jpg']


def test_the_pages_using_the_files_are_found_and_purged_in_one_request_a_batch():
    consumer = StubSite('consumer', [
        {'purge': [{'title': 'A', 'purged': True}, {'title': 'B', 'missing': True}],
         'continue': {'gfucontinue': 'x', 'continue': 'gfucontinue||'}},
        {'purge': [{'title': 'C', 'purged': True}]}])
    assert publish.purge_pages_using(consumer, ['File:X.jpg', 'File:Y.jpg']) == 2
    first, second = consumer.asked
    assert (first['action'], first['generator'], first['titles']) == (
        'purge', 'fileusage', ['File:X.jpg', 'File:Y.jpg'])
    assert second['gfucontinue'] == 'x'
