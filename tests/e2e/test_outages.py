"""Outages end to end (issue 33): a file embedded while a wiki of the farm was down is still
cached, by the watch and by the next run, and what a wiki answered while another was down is
never kept as a verdict.

The Commons stand-in, the shared repository and the consumer are each stopped in turn under a
running ``-watch``, Commons already down when the watch starts, and a page is edited during
each outage; then plain ``-since:last`` runs, one made while Commons is down. These run on
both MediaWiki releases the farm offers (not ``first_release_only``): what they stop is the
wikis themselves, not the network between the bot and them.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from commonscache.keeping.state import State
from devfarm import farm
from devfarm.seed import SeedFile
from tests.conftest import PYWIKIBOT_DIR, run_cli
from tests.e2e.support import (
    SHARED,
    bot,
    earlier_run,
    imageinfo,
    log_mark,
    on_shared,
    served_from_shared,
    stop,
    summary_of,
    wait_for_polls,
    wait_until,
)
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e

#: Files on the Commons stand-in that no consumer page embeds yet, one per outage.
NEW_FILES = [f'Outage sample {n}.png' for n in range(1, 6)]
DESCRIPTION = ('{{Information |description={{en|1=%s, a generated sample.}} |date=2026 '
               '|source={{own}} |author=Alice Example}}\n{{Cc-by-4.0}}')
#: From a wiki's return to its file served from the shared repository (issue 33's bound).
WITHIN = 120
#: How long each outage lasts: several polls of the watch.
OUTAGE = 8


def upload_new_files(commons: farm.Wiki, names: list[str]) -> None:
    farm.import_files(commons, [SeedFile(name, 'png', 'Alice Example', DESCRIPTION % name,
                                         96, 64, 200 + n) for n, name in enumerate(names)],
                      overwrite=False)


def versions_on_shared(shared: farm.Wiki, titles: set[str]) -> dict[str, int]:
    """How many file versions the shared repository holds under each title."""
    from tests.e2e.support import api

    data = api(shared, action='query', titles='|'.join(sorted(titles)), prop='imageinfo',
               iiprop='sha1', iilimit='max')
    return {page['title']: len(page.get('imageinfo', [])) for page in data['query']['pages']}


def open_flags() -> list:
    state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')
    try:
        return state.flags(shared='devfarm:shared')
    finally:
        state.close()


def outage(edit: Callable[[], None], consumer: farm.Wiki) -> None:
    """*edit* while a wiki is down, and the down time until the watch has seen the edit
    and tried its file: two polls of the consumer after it (the work of one poll ends
    before the next), and at least :data:`OUTAGE` seconds."""
    began, mark = time.monotonic(), log_mark(consumer)
    edit()
    wait_for_polls(consumer, 2, since=mark, seconds=WITHIN)
    time.sleep(max(0.0, OUTAGE - (time.monotonic() - began)))


def test_a_watch_caches_what_was_embedded_during_each_wikis_outage(farm_wikis):
    """Commons down as the watch starts, Commons down again mid-watch, the shared repository
    down, the consumer down: each page edited meanwhile has its new file served from the
    shared repository within two minutes of the wiki's return, with one version, no flag,
    and a plain run afterwards finds nothing new."""
    commons, shared, consumer = (farm_wikis[name] for name in ('commons', 'shared', 'consumer'))
    upload_new_files(commons, NEW_FILES[:4])
    editor = WikiClient(consumer, farm.ADMIN, farm.ADMIN_PASSWORD)
    earlier_run(consumer)
    titles = [f'File:{name}' for name in NEW_FILES[:4]]
    took = {}

    farm.stop(commons)
    mark = log_mark(consumer)
    watcher = bot(PYWIKIBOT_DIR, SHARED, '-always', '-watch:2')
    try:
        # 1. Commons is down as the watch starts; a page embeds a new Commons file meanwhile.
        wait_for_polls(consumer, 1, since=mark)
        outage(lambda: editor.edit('Outage at start', text=f'[[{titles[0]}|thumb]]'), consumer)
        farm.start(commons)
        took['commons at start'] = wait_until(
            lambda: served_from_shared(consumer, shared, 'Outage at start'), WITHIN)

        # 2. Commons goes down again mid-watch.
        farm.stop(commons)
        outage(lambda: editor.edit('Outage mid-watch', text=f'[[{titles[1]}|thumb]]'), consumer)
        farm.start(commons)
        took['commons mid-watch'] = wait_until(
            lambda: served_from_shared(consumer, shared, 'Outage mid-watch'), WITHIN)

        # 3. The shared repository goes down.
        farm.stop(shared)
        outage(lambda: editor.edit('Outage of shared', text=f'[[{titles[2]}|thumb]]'), consumer)
        farm.start(shared)
        took['shared'] = wait_until(
            lambda: served_from_shared(consumer, shared, 'Outage of shared'), WITHIN)

        # 4. The consumer goes down right after an edit (an edit needs it up).
        editor.edit('Outage of consumer', text=f'[[{titles[3]}|thumb]]')
        farm.stop(consumer)
        time.sleep(OUTAGE)  # no request reaches a wiki that is down: nothing to wait for
        farm.start(consumer)
        took['consumer'] = wait_until(
            lambda: served_from_shared(consumer, shared, 'Outage of consumer'), WITHIN)
        assert watcher.poll() is None  # still running through all of it
    finally:
        for wiki in (commons, shared, consumer):
            farm.start(wiki)
        status, err = stop(watcher)
    print(f'served this long after each wiki came back: {took}')
    assert status == 0, err
    assert not re.search(rf'missing-everywhere.*{re.escape(NEW_FILES[0])}', err), err
    assert f'failed {titles[0]}: source-unreachable' in err, err
    assert versions_on_shared(shared, set(titles)) == dict.fromkeys(titles, 1)
    assert open_flags() == []
    # A plain run afterwards: nothing new to cache.
    after = run_cli(SHARED, '-always', '-since:last')
    assert after.returncode == 0, after.stderr
    assert summary_of(after.stderr)['cached'] == 0, after.stderr[-3000:]


def test_a_run_made_while_the_source_is_down_leaves_its_file_to_the_next_run(farm_wikis):
    """A -since:last run while Commons is down records the new file as waiting for a wiki
    that did not answer (not as missing), and says so on -status; the next run, with
    nothing changed on the consumer since, reads it again and caches it."""
    commons, shared, consumer = (farm_wikis[name] for name in ('commons', 'shared', 'consumer'))
    upload_new_files(commons, NEW_FILES[4:])
    title = f'File:{NEW_FILES[4]}'
    editor = WikiClient(consumer, farm.ADMIN, farm.ADMIN_PASSWORD)
    earlier_run(consumer)
    editor.edit('Outage run', text=f'[[{title}|thumb]]')

    farm.stop(commons)
    try:
        during = run_cli(SHARED, '-always', '-since:last')
        status = run_cli(SHARED, '-status')
    finally:
        farm.start(commons)
    assert during.returncode == 0, during.stderr
    assert f'failed {title}: source-unreachable' in during.stderr, during.stderr[-3000:]
    assert 'missing-everywhere' not in during.stderr, during.stderr[-3000:]
    assert re.search(r'waiting source-unreachable: 1 files, the oldest since \d{4}-',
                     status.stdout + status.stderr), status.stdout + status.stderr
    assert not on_shared(shared, title)

    after = run_cli(SHARED, '-always', '-since:last')
    assert after.returncode == 0, after.stderr
    assert '1 file that waits for its source is read again' in after.stderr, after.stderr
    assert summary_of(after.stderr)['cached'] == 1, after.stderr[-3000:]
    assert imageinfo(shared, {title})[title].get('imagerepository') == 'local'
    wait_until(lambda: served_from_shared(consumer, shared, 'Outage run'), 30)


def test_a_missing_file_is_read_again_a_day_later_and_at_every_refresh(farm_wikis):
    """A file missing everywhere waits: the next run does not ask for it again, but once its
    last reading is a day old, a run with nothing else to do reads it, and finds it if its
    source has it by then; -refresh reads it at once."""
    commons, shared, consumer = (farm_wikis[name] for name in ('commons', 'shared', 'consumer'))
    late, later = 'File:Arrives late.png', 'File:Arrives later.png'
    editor = WikiClient(consumer, farm.ADMIN, farm.ADMIN_PASSWORD)
    earlier_run(consumer)
    editor.edit('Late arrivals', text=f'[[{late}]] [[{later}]]')
    first = run_cli(SHARED, '-always', '-since:last')
    assert first.returncode == 0, first.stderr
    assert f'skipped {late}: missing-everywhere' in first.stderr, first.stderr[-3000:]

    upload_new_files(commons, ['Arrives late.png', 'Arrives later.png'])
    again = run_cli(SHARED, '-always', '-since:last')
    assert summary_of(again.stderr)['cached'] == 0, again.stderr[-3000:]  # read within a day

    state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')  # a day passes for one of them
    with state.engine.begin() as db:
        db.exec_driver_sql("UPDATE files SET last_seen = '2026-01-01T00:00:00Z' "
                           f"WHERE title = '{late}'")
    state.close()
    day_later = run_cli(SHARED, '-always', '-since:last')
    assert summary_of(day_later.stderr)['cached'] == 1, day_later.stderr[-3000:]
    assert on_shared(shared, late) and not on_shared(shared, later)

    refresh = run_cli(SHARED, '-always', '-refresh')
    assert refresh.returncode == 0, refresh.stderr
    assert summary_of(refresh.stderr)['cached'] == 1, refresh.stderr[-3000:]
    assert on_shared(shared, later)
