"""-watch end to end: a long-running bot that follows the consumer's recent changes serves a
newly embedded Commons file from the shared repository within a minute, waits out a shared
repository that goes away, and ends cleanly on SIGTERM."""
from __future__ import annotations

import re

import pytest

from commonscache.keeping.state import State
from devfarm import farm
from tests.conftest import FARM_DIR, PYWIKIBOT_DIR
from tests.e2e.support import (
    SHARED,
    api,
    bot,
    bot_requests,
    earlier_run,
    log_mark,
    on_shared,
    served_from_shared,
    shared_edits,
    stop,
    wait_for_polls,
    wait_for_requests,
    wait_until,
)
from tests.wikiclient import WikiClient

pytestmark = [pytest.mark.e2e, pytest.mark.first_release_only]

LIGHTHOUSE = 'File:Lighthouse at dusk.jpg'
MAP = 'File:Town map.png'












def test_a_newly_embedded_file_is_served_from_the_shared_repository_within_a_minute(
        farm_wikis):
    consumer, shared = farm_wikis['consumer'], farm_wikis['shared']
    editor = WikiClient(consumer, farm.ADMIN, farm.ADMIN_PASSWORD)
    stamp = earlier_run(consumer)

    mark = log_mark(consumer)
    watcher = bot(PYWIKIBOT_DIR, SHARED, '-always', '-watch:2')
    try:
        wait_for_polls(consumer, 1, since=mark)  # past its start
        # While nothing changes, a poll is one request to the consumer: recent changes.
        quiet_from = log_mark(consumer)
        wait_for_polls(consumer, 3, since=quiet_from)
        quiet = bot_requests(consumer, quiet_from)
        assert {r['list'] for r in quiet} == {'recentchanges'}, quiet

        editor.edit('Watched', text=f'The lighthouse: [[{LIGHTHOUSE}|thumb]]')
        elapsed = wait_until(lambda: served_from_shared(consumer, shared, 'Watched'), 60)
        print(f'served from the shared repository {elapsed:.1f} s after the edit')

        # The shared repository goes away; an edit meanwhile is taken when it is back.
        farm.stop(shared)
        edited = log_mark(consumer)
        editor.edit('Mapped', text=f'[[{MAP}]]')
        wait_for_polls(consumer, 2, since=edited)  # the edit seen with the shared repository down
        farm.start(shared)
        wait_until(lambda: served_from_shared(consumer, shared, 'Mapped'), 90)
        assert watcher.poll() is None  # still running
    finally:
        status, err = stop(watcher)
    assert status == 0, err
    assert 'SIGTERM: stopping after the files in flight' in err
    assert re.search(r'watch: .*; next poll in \d+ s', err), err
    summary = err.strip().splitlines()[-1]
    assert re.search(r'cached 2\b', summary), summary
    # The watermark moved on: a plain -since:last run now finds nothing new to examine.
    state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')
    assert state.watermark('devfarm:consumer') > stamp
    state.close()


def test_a_file_that_keeps_failing_holds_back_neither_the_others_nor_the_watermark(farm_wikis):
    """The shared repository answers 503 to every upload of one file: the watch records the
    failure and tries that file again after waits that grow, while a file embedded after it
    is copied at once and the watermark moves past both edits; once the uploads work
    again, the file is copied on its next try."""
    consumer, shared = farm_wikis['consumer'], farm_wikis['shared']
    editor = WikiClient(consumer, farm.ADMIN, farm.ADMIN_PASSWORD)
    earlier_run(consumer)
    failing = MAP.split(':', 1)[1]

    mark = log_mark(consumer)
    watcher = bot(PYWIKIBOT_DIR, SHARED, '-always', '-watch:2')
    try:
        with farm.configured('shared', FARM_DIR,
                             failing_uploads=[failing, failing.replace(' ', '_')]):
            wait_for_polls(consumer, 1, since=mark)  # past its start
            edited = log_mark(consumer)
            editor.edit('Failing', text=f'[[{MAP}]]')
            wait_for_polls(consumer, 2, since=edited)  # its first try came and failed
            assert not on_shared(shared, MAP)
            editor.edit('Watched later', text=f'[[{LIGHTHOUSE}|thumb]]')
            # Not held back by the failing file: served within a few polls.
            elapsed = wait_until(lambda: on_shared(shared, LIGHTHOUSE), 20)
            print(f'the later file served {elapsed:.1f} s after its edit')
            wait_for_polls(consumer, 2, since=log_mark(consumer))
            assert not on_shared(shared, MAP)
            # The watermark is past both edits, though one file still fails.
            state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')
            mark = state.watermark('devfarm:consumer')
            state.close()
            edits = api(consumer, action='query', list='recentchanges', rcprop='timestamp',
                        rctitle='Watched later')['query']['recentchanges']
            assert mark >= edits[0]['timestamp'], (mark, edits)
        wait_until(lambda: on_shared(shared, MAP), 90)
        assert watcher.poll() is None  # still running
    finally:
        status, err = stop(watcher)
    assert status == 0, err
    tries = err.count(f'failed {MAP}: upload-failed')
    # Tried again after 5, 10, 20 ... s: a few times in the ~20 s it failed, not every poll.
    assert 1 <= tries <= 4, tries
    # The poll whose only new file failed waits (the shared repository may be down); the
    # tries again after it slow no poll.
    assert err.count(' for a wiki that did not answer') <= 1, err


def test_a_stop_on_the_run_page_holds_the_next_write_and_true_lets_it_go(farm_wikis):
    """The run page rides along in the batch's read of the shared repository: an admin's
    "false" holds the very next write, the watch pauses (reading the run page once a poll)
    instead of ending, and "true" lets the held file through."""
    consumer, shared = farm_wikis['consumer'], farm_wikis['shared']
    editor = WikiClient(consumer, farm.ADMIN, farm.ADMIN_PASSWORD)
    admin = WikiClient(shared, farm.ADMIN, farm.ADMIN_PASSWORD)
    run_page = f'User:{farm.BOT}/Run'
    earlier_run(consumer)

    mark = log_mark(consumer)
    watcher = bot(PYWIKIBOT_DIR, SHARED, '-always', '-watch:2')
    try:
        wait_until(lambda: not api(shared, action='query', titles=run_page)['query']['pages'][
            0].get('missing'), 60)  # the watch's first run created it
        wait_for_polls(consumer, 2, since=mark)  # polls with the page saying "true"
        admin.edit(run_page, text='false')
        edits = shared_edits(shared)
        held = log_mark(shared)
        editor.edit('Watched', text=f'The lighthouse: [[{LIGHTHOUSE}|thumb]]')
        # Paused, the watch reads the run page once a poll: three of them, and the
        # lighthouse was not copied.
        wait_for_requests(shared, 3, since=held, action='query', prop='revisions')
        assert not on_shared(shared, LIGHTHOUSE)
        assert shared_edits(shared) == edits
        assert watcher.poll() is None  # paused, not ended

        admin.edit(run_page, text='true')
        elapsed = wait_until(lambda: on_shared(shared, LIGHTHOUSE), 60)
        print(f'copied {elapsed:.1f} s after the run page said "true" again')
    finally:
        status, err = stop(watcher)
    assert status == 0, err
    assert "watch: paused, stopped: the run page User:CacheBot/Run says 'false'" in err, err
    assert 'watch: resumed' in err, err
