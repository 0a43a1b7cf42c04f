"""A farm of many consumer wikis (issue 26): one ``-wikis`` run serves them all, and a file
used on several of them is examined and copied once. The session's farm has three extra
consumers beside the first two (``COMMONSCACHE_FARM_EXTRA``, conftest.py): clones of
consumer2 on the same code base, each with a page of its own."""
from __future__ import annotations

import time

import pytest

from commonscache.keeping.state import State
from devfarm import farm
from tests.conftest import PYWIKIBOT_DIR, run_cli
from tests.e2e.support import (
    SHARED,
    api,
    api_log,
    bot,
    bot_requests,
    on_shared,
    repositories,
    shared_uploads,
    stop,
    summary_of,
    wait_until,
)
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e

PANORAMA = 'File:Harbour panorama.jpg'


def used_files(wiki: farm.Wiki) -> set[str]:
    """Every file *wiki*'s pages embed, wherever it is (or missing)."""
    data = api(wiki, action='query', list='allfileusages', afunique=1, aflimit='max')
    return {item['title'] for item in data['query']['allfileusages']}


def commons_files(wiki: farm.Wiki) -> set[str]:
    """The files *wiki*'s pages embed that Commons holds (the consumer's own view)."""
    return {title for title, where in repositories(wiki, used_files(wiki)).items()
            if where == 'devfarm-commons'}


def test_one_wikis_run_serves_five_consumers_and_copies_each_file_once(farm_wikis):
    consumers = [wiki for name, wiki in farm_wikis.items() if name.startswith('consumer')]
    assert len(consumers) >= 5, 'the session farm has extra consumers (conftest.py)'
    wanted = {name: commons_files(wiki) for name, wiki in
              ((wiki.name, wiki) for wiki in consumers)}
    everywhere = set().union(*wanted.values())
    # Files used on several wikis, each extra consumer with one more than consumer2 has.
    assert sum(len(files) for files in wanted.values()) > len(everywhere)
    assert all(len(wanted[name]) > len(wanted['consumer2']) for name in wanted
               if name not in ('consumer', 'consumer2'))

    names = ','.join(f'devfarm:{wiki.name}' for wiki in consumers)
    marks = {wiki.name: len(api_log(wiki)) for wiki in [*consumers, farm_wikis['commons']]}
    result = run_cli(SHARED, '-always', '-setup', f'-wikis:{names}')
    assert result.returncode == 0, result.stderr
    # Each consumer is asked for what it uses (its own files and repositories with it) and
    # to purge the pages that use new copies; nothing per batch, nothing for the status
    # page. Pywikibot's own set-up (site data, login for the purge) aside.
    for wiki in consumers:
        asked = [(line['action'], line['prop'], line['list']) for line in
                 bot_requests(wiki, marks[wiki.name]) if line['prop'] or line['list']
                 or line['action'] not in ('query', 'paraminfo', 'login')]
        assert asked == [('query', '', 'allfileusages|allimages'), ('purge', '', '')], \
            (wiki.name, asked)
    # The five wikis' files are located together: one read of the source for all.
    source_reads = [line for line in bot_requests(farm_wikis['commons'], marks['commons'])
                    if 'imageinfo' in line['prop']]
    assert len(source_reads) == 1, source_reads

    counts = summary_of(result.stderr)
    # Each file examined once, whichever wikis use it (the missing one too).
    used = set().union(*(used_files(wiki) for wiki in consumers))
    assert counts['examined'] == len(used), result.stderr
    uploads = shared_uploads(farm_wikis['shared'])
    assert len(uploads) == len(set(uploads)) >= counts['cached'] - 1  # a redirect: no upload
    for wiki in consumers:
        where = repositories(wiki, wanted[wiki.name])
        # Every copy is served from the shared repository (an old name too, as a redirect).
        assert {title for title, repo in where.items() if repo == 'devfarm-shared'} >= {
            title for title in wanted[wiki.name] if title in uploads}, wiki.name
        assert set(where.values()) <= {'devfarm-shared', 'devfarm-commons'}

    rerun = run_cli(SHARED, '-always', f'-wikis:{names}')
    assert summary_of(rerun.stderr)['cached'] == 0
    assert shared_uploads(farm_wikis['shared']) == uploads


def test_a_watch_polls_quiet_wikis_less_often_and_still_finds_a_new_embed(farm_wikis):
    """-watch:0.5 over five consumers: one request a poll to each consumer polled, quiet
    ones less and less often (watch.Cadence), and an embed on a wiki that was quiet for long
    is cached within the documented bound (8 intervals here, and the poll's own work)."""
    consumers = [wiki for name, wiki in farm_wikis.items() if name.startswith('consumer')]
    names = ','.join(f'devfarm:{wiki.name}' for wiki in consumers)
    state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')
    for wiki in consumers:  # an earlier run of each, so that the watch starts from now
        state.set_watermark(f'devfarm:{wiki.name}', api(
            wiki, action='query', meta='siteinfo')['query']['general']['time'])
    state.close()
    marks = {wiki.name: len(api_log(wiki)) for wiki in consumers}
    quiet_one = consumers[-1]

    watcher = bot(PYWIKIBOT_DIR, SHARED, '-always', '-nopurge', '-watch:0.5', f'-wikis:{names}')
    try:
        # From its first poll on, after its start-up (logins, site data, the probes).
        wait_until(lambda: all(bot_requests(wiki, marks[wiki.name], list='recentchanges')
                               for wiki in consumers), 60)
        marks = {wiki.name: len(api_log(wiki)) for wiki in consumers}
        began = time.monotonic()
        time.sleep(20)  # a window of 40 intervals, all quiet: the polls in it are counted
        elapsed = time.monotonic() - began
        polls = {wiki.name: len(bot_requests(wiki, marks[wiki.name], list='recentchanges'))
                 for wiki in consumers}
        other = {wiki.name: sum(1 for line in api_log(wiki)[marks[wiki.name]:]
                                if line['agent'].startswith('commonscache/')
                                and line['list'] != 'recentchanges') for wiki in consumers}
        editor = WikiClient(quiet_one, farm.ADMIN, farm.ADMIN_PASSWORD)
        editor.edit('Harbour walk', text='[[File:Harbour panorama.jpg|thumb]]')
        waited = wait_until(lambda: on_shared(farm_wikis['shared'], PANORAMA), 30)
    finally:
        status, err = stop(watcher)
    assert status == 0, err
    # Every interval would be 40 polls of each; quiet wikis were polled less and less.
    ticks = elapsed / 0.5
    assert all(3 <= n <= ticks + 2 for n in polls.values()), polls
    assert sum(polls.values()) < 0.75 * ticks * len(consumers), (polls, ticks)
    assert other == dict.fromkeys(other, 0), other  # nothing else asked of a quiet wiki
    assert waited < 0.5 * 8 + 10, waited


def set_watermarks_to_now(consumers: list[farm.Wiki]) -> None:
    """An earlier run of each consumer, as of the wiki's time now."""
    state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')
    for wiki in consumers:
        state.set_watermark(f'devfarm:{wiki.name}', api(
            wiki, action='query', meta='siteinfo')['query']['general']['time'])
    state.close()


def test_a_quiet_run_asks_each_consumer_one_thing(farm_wikis):
    """-since:last over five quiet consumers: no check of its own, no login and no 'who am
    I' per wiki, only the recent changes (the site data Pywikibot keeps from the first
    run)."""
    consumers = [wiki for name, wiki in farm_wikis.items() if name.startswith('consumer')]
    names = ','.join(f'devfarm:{wiki.name}' for wiki in consumers)
    set_watermarks_to_now(consumers)
    first = run_cli(SHARED, '-always', '-since:last', f'-wikis:{names}')
    assert first.returncode == 0, first.stderr
    marks = {wiki.name: len(api_log(wiki)) for wiki in consumers}
    result = run_cli(SHARED, '-always', '-since:last', f'-wikis:{names}')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['examined'] == 0
    asked = {wiki.name: [(line['method'], line['list']) for line in
                         bot_requests(wiki, marks[wiki.name])] for wiki in consumers}
    assert asked == {wiki.name: [('POST', 'recentchanges')] for wiki in consumers}


def test_a_consumer_that_does_not_answer_is_left_out_and_the_others_are_served(farm_wikis):
    consumers = [wiki for name, wiki in farm_wikis.items() if name.startswith('consumer')]
    names = ','.join(f'devfarm:{wiki.name}' for wiki in consumers)
    down = consumers[-1]
    farm.stop(down)
    result = run_cli(SHARED, '-always', '-setup', f'-wikis:{names}')
    assert result.returncode == 0, result.stderr
    assert f'cannot reach the consumer wiki devfarm:{down.name} at {down.server}' in \
        result.stderr
    assert 'left out of this run' in result.stderr
    assert 'Traceback' not in result.stderr
    assert summary_of(result.stderr)['cached'] > 0
    assert on_shared(farm_wikis['shared'], 'File:Sunset over the harbour.jpg')

    alone = run_cli(SHARED, '-always', f'-wikis:devfarm:{down.name}')
    assert alone.returncode == 2, alone.stderr
    assert f'cannot reach the consumer wiki devfarm:{down.name} at' in alone.stderr
    assert 'Traceback' not in alone.stderr


def test_a_watch_waits_for_a_consumer_that_is_down_and_serves_it_once_back(farm_wikis):
    """-watch over five consumers, one of them down when it starts: the others are polled
    all along, and once the wiki is back a new embed there is cached."""
    consumers = [wiki for name, wiki in farm_wikis.items() if name.startswith('consumer')]
    names = ','.join(f'devfarm:{wiki.name}' for wiki in consumers)
    set_watermarks_to_now(consumers)
    down = consumers[-1]
    farm.stop(down)
    marks = {wiki.name: len(api_log(wiki)) for wiki in consumers if wiki is not down}
    watcher = bot(PYWIKIBOT_DIR, SHARED, '-always', '-nopurge', '-watch:0.5', f'-wikis:{names}')
    try:
        wait_until(lambda: all(len(bot_requests(wiki, marks[wiki.name], list='recentchanges'))
                               >= 3 for wiki in consumers if wiki is not down), 60)
        farm.start(down)
        editor = WikiClient(down, farm.ADMIN, farm.ADMIN_PASSWORD)
        editor.edit('Harbour walk', text='[[File:Harbour panorama.jpg|thumb]]')
        wait_until(lambda: on_shared(farm_wikis['shared'], PANORAMA), 60)
    finally:
        status, err = stop(watcher)
    assert status == 0, err
    assert f'cannot reach the consumer wiki devfarm:{down.name}' in err
    assert 'its polls wait for it' in err
    assert f'watch: devfarm:{down.name} answers again' in err
    assert 'Traceback' not in err
