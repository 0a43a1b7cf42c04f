"""How many of a consumer's files make a batch, and whether the consumer is logged in for
them: files its listing surveyed cost it no request, so they wait for the shared
repository's batch size and the consumer needs no login (a bot reads 500 titles a request,
anyone 50)."""
from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest

from commonscache.control.operations import RunPage
from commonscache.running import sweep
from commonscache.running.sweep import Sweep

SHARED_URL = 'http://shared.example/wiki/File:Example.jpg'
COMMONS_URL = 'https://commons.example/wiki/File:Example.jpg'


class FakeSite:
    def __init__(self, name: str, maxlimit: int = 500) -> None:
        self.name, self.maxlimit = name, maxlimit

    def __repr__(self) -> str:
        return self.name


@pytest.fixture
def run(monkeypatch):
    shared, consumer = FakeSite('shared'), FakeSite('consumer')
    logins: list[str] = []
    batches: list[int] = []
    monkeypatch.setattr(sweep.sites, 'login_if_configured', lambda site: logins.append(site.name))
    monkeypatch.setattr(sweep.sites, 'is_on', lambda site, url: site is shared and 'shared' in url)
    monkeypatch.setattr(Sweep, '_flush_files', lambda self, site: batches.append(
        len(self.pending_files.pop(site))))
    settings = SimpleNamespace(shared=shared, forced=frozenset(), decisions={})
    work = Sweep(settings=settings, state=None, writer=None, run_page=RunPage(None),
                 counter=Counter(),
                 budget_bytes=0, purge_later=print)
    yield SimpleNamespace(sweep=work, consumer=consumer, logins=logins, batches=batches)


def files(n: int) -> list[str]:
    return [f'File:Sample {i}.png' for i in range(n)]


@pytest.mark.parametrize(('listed', 'repositories', 'batches', 'logins'), [
    pytest.param(True, [SHARED_URL, COMMONS_URL], [500, 500], ['shared'],
                 id="listed: the shared repository's batches, no login to the consumer"),
    pytest.param(False, [SHARED_URL, COMMONS_URL], [500, 500], ['consumer'],
                 id='not listed: the consumer surveys them, logged in'),
    pytest.param(True, [COMMONS_URL, SHARED_URL], [500, 500], ['consumer'],
                 id='listed, Commons first: the consumer classifies them, logged in'),
    pytest.param(True, [SHARED_URL, ''], [500, 500], ['consumer'],
                 id='listed, a repository without a URL: the consumer classifies them'),
])
def test_a_consumers_files_are_batched_without_its_login_when_its_listing_surveyed_them(
        run, listed, repositories, batches, logins):
    listings = run.sweep.memory.listings  # the run's, not the module's
    listings.repositories[run.consumer] = repositories
    if listed:
        listings.local[run.consumer] = frozenset()
    for title in files(1203):  # one at a time, as the listing yields them
        run.sweep.queue_files(run.consumer, [title])
    assert run.batches == batches
    assert run.logins == logins


def test_a_few_files_need_no_login_anywhere(run):
    for title in files(20):
        run.sweep.queue_files(run.consumer, [title])
    assert run.batches == []
    assert run.logins == []


def test_no_batch_starts_once_the_run_is_interrupted(run, monkeypatch):
    """A Ctrl-C that Pywikibot caught, or that a wiki's wait swallowed, still ends the run:
    the last, partial batches are not started."""
    for title in files(20):
        run.sweep.queue_files(run.consumer, [title])
    run.sweep.run_page.signals.interrupted.set()
    with pytest.raises(KeyboardInterrupt):
        run.sweep.flush()
    assert run.batches == []


def test_an_interrupt_is_the_runs_own():
    """The stop signals live in the run's context, not in a module: a second run in the
    same process (a test, a library caller) starts with none set."""
    first, second = RunPage(None), RunPage(None)
    first.signals.interrupted.set()
    first.signals.terminate.set()
    assert not second.signals.interrupted.is_set() and not second.signals.terminate.is_set()
    second.check()  # no SIGTERM in this run: no stop
