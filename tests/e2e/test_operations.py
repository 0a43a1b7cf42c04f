"""Running unattended, end to end: incremental runs, farms, purge, requests on the wiki,
the emergency stop, the run lock and -check."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from commonscache.keeping.state import State
from commonscache.keeping.stores import RunLock
from devfarm import farm, seed
from tests.conftest import PYWIKIBOT_DIR, REPO, run_cli
from tests.e2e.support import (
    CACHEABLE,
    EXTENSIONS_ALL,
    SHARED,
    api,
    shared_uploads,
    summary_of,
    wait_until,
)
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e

REQUESTS = 'Project:Cached Commons media/Requests'
STATE = PYWIKIBOT_DIR / 'commonscache.sqlite'


def admin(wiki: farm.Wiki) -> WikiClient:
    return WikiClient(wiki, farm.ADMIN, farm.ADMIN_PASSWORD)


# A hung wiki is the network between the bot and the wikis: on the first release only (run
# beside the other release's tests, the bot sometimes finished before the interruption).
@pytest.mark.first_release_only
def test_an_incremental_run_examines_only_pages_changed_since_the_last_completed_run(
        farm_wikis):
    first = run_cli(SHARED, '-always', '-since:last')
    assert first.returncode == 0, first.stderr
    assert 'no earlier run, so every file it uses' in first.stderr
    assert summary_of(first.stderr)['examined'] == 12

    quiet = run_cli(SHARED, '-always', '-since:last')
    assert summary_of(quiet.stderr)['examined'] == 0

    # Formats uses the one file the first run could not cache (the shared repository refuses
    # webp); now it embeds a file new on the Commons stand-in too, which the bot must read
    # there, so the run below meets the hung wiki whatever the consumer does.
    farm.import_files(farm_wikis['commons'], [seed.SeedFile(
        'Fresh from Commons.png', 'png', farm.ADMIN, 'New on Commons', 40, 30, 31)],
        overwrite=False)
    admin(farm_wikis['consumer']).edit('Formats',
                                       appendtext='\n[[File:Fresh from Commons.png]]')
    # MediaWiki records the change after answering the edit: the run below is to see it.
    wait_until(lambda: any(change['title'] == 'Formats' for change in api(
        farm_wikis['consumer'], action='query', list='recentchanges', rcprop='title',
        rclimit=5)['query']['recentchanges']), 30)
    # A run that does not complete (here: interrupted while the Commons stand-in hangs)
    # leaves the watermark where it was.
    commons = int(farm_wikis['commons'].pidfile.read_text())
    os.killpg(commons, signal.SIGSTOP)
    try:
        interrupted = subprocess.Popen(
            [sys.executable, '-m', 'commonscache', SHARED, '-always', '-since:last'],
            cwd=REPO, env={**os.environ, 'PYWIKIBOT_DIR': str(PYWIKIBOT_DIR),
                           'PYTHONUNBUFFERED': '1', 'PYTHONFAULTHANDLER': '1'},
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        for line in interrupted.stderr:
            if ' changed since ' in line:  # 'devfarm:consumer: 1 page changed since …'
                break
        # The rest of its output is read as it comes: a run never waits on a full pipe.
        rest: list[str] = []
        threading.Thread(target=lambda: rest.extend(interrupted.stderr), daemon=True).start()
        time.sleep(2)  # now waiting for the hung wiki
        interrupted.send_signal(signal.SIGINT)
        try:
            status = interrupted.wait(timeout=60)
        except subprocess.TimeoutExpired:
            interrupted.send_signal(signal.SIGABRT)  # its threads' stacks (faulthandler)
            interrupted.wait(timeout=10)
            time.sleep(1)
            raise AssertionError('the interrupted run did not end within 60 s:\n'
                                 + ''.join(rest)[-6000:]) from None
        assert status == 1, ''.join(rest)[-3000:]
    finally:
        os.killpg(commons, signal.SIGCONT)

    again = run_cli(SHARED, '-always', '-since:last')
    assert again.returncode == 0, again.stderr
    # File:Modern format sample.webp again, and the new file, now cached
    assert summary_of(again.stderr)['examined'] == 2
    assert summary_of(again.stderr)['cached'] == 1


def test_a_farm_run_copies_a_file_used_on_two_consumers_once(farm_wikis):
    result = run_cli(SHARED, '-always', '-wikis:devfarm:consumer,devfarm:consumer2')
    assert result.returncode == 0, result.stderr
    uploads = shared_uploads(farm_wikis['shared'])
    assert uploads.count('File:Sunset over the harbour.jpg') == 1  # used on both
    assert 'File:Old postcard.jpg' in uploads  # used on consumer2 (and on consumer)


def rendered_image_hosts(wiki: farm.Wiki, page: str) -> set[str]:
    """Which of the Commons stand-in and the shared repository serve the page's images."""
    html = requests.get(f'{wiki.server}/wiki/{page}', timeout=60).text
    hosts = {f'127.0.0.1:{farm.base_port() + offset}' for offset in (1, 2)}
    return {host for host in hosts if f'{host}/w/images' in html}


@pytest.mark.parametrize('purge', [True, False], ids=['purge', 'nopurge'])
def test_purge_makes_the_consumer_show_the_shared_copy(farm_wikis, purge):
    consumer = farm_wikis['consumer']
    commons_host = f'127.0.0.1:{farm.base_port() + 1}'
    shared_host = f'127.0.0.1:{farm.base_port() + 2}'
    assert rendered_image_hosts(consumer, 'Harbour') == {commons_host}  # parser cache filled
    result = run_cli(SHARED, '-always', '-page:Harbour', *(() if purge else ('-nopurge',)))
    assert result.returncode == 0, result.stderr
    time.sleep(1.2)  # the consumer's foreign-file metadata cache
    assert rendered_image_hosts(consumer, 'Harbour') == ({shared_host} if purge
                                                        else {commons_host})


def test_a_purge_left_undone_waits_for_its_own_consumer_through_other_consumers_runs(
        farm_wikis):
    consumer = farm_wikis['consumer']
    commons_host = f'127.0.0.1:{farm.base_port() + 1}'
    shared_host = f'127.0.0.1:{farm.base_port() + 2}'
    assert rendered_image_hosts(consumer, 'Harbour') == {commons_host}  # parser cache filled
    left = run_cli(SHARED, '-always', '-page:Harbour', '-nopurge')
    assert summary_of(left.stderr)['cached'] == 2, left.stderr
    other = run_cli(SHARED, '-always', '-wikis:devfarm:consumer2', '-page:Postcards')
    assert other.returncode == 0, other.stderr
    time.sleep(1.2)  # the consumer's foreign-file metadata cache
    assert rendered_image_hosts(consumer, 'Harbour') == {commons_host}
    own = run_cli(SHARED, '-always', '-page:Main Page')  # caches nothing new itself
    assert own.returncode == 0, own.stderr
    assert rendered_image_hosts(consumer, 'Harbour') == {shared_host}


def test_requests_by_admins_are_honoured_and_answered_and_others_ignored(farm_wikis):
    shared = farm_wikis['shared']
    admin(shared).edit(REQUESTS, text='Sweep requests, one per line:\n* [[:Category:Places]]\n')
    plain = WikiClient(shared, farm.USER, farm.USER_PASSWORD)
    plain.edit(REQUESTS, appendtext='\n* Gallery')
    result = run_cli(SHARED, '-always', '-page:Main Page')
    assert result.returncode == 0, result.stderr
    assert shared_uploads(shared) == ['File:Example diagram.svg',
                                      'File:Sunset over the harbour.jpg']
    lines = admin(shared).text(REQUESTS).splitlines()
    assert lines[1].startswith('* [[:Category:Places]] — commonscache: done ')
    assert lines[1].endswith('examined 2, cached 2, updated 0, flagged 0')
    assert lines[2] == '* Gallery'  # not an admin's line: not swept, not answered

    rerun = run_cli(SHARED, '-always', '-page:Main Page')
    assert summary_of(rerun.stderr)['examined'] == 0  # answered lines are done


def run_page_exists(wiki: farm.Wiki) -> bool:
    return 'missing' not in admin(wiki).page('User:CacheBot/Run')


def test_a_first_run_creates_the_run_page_and_caches_the_files(farm_wikis):
    shared = farm_wikis['shared']
    assert not run_page_exists(shared)  # a new farm: nobody has created it
    simulated = run_cli(SHARED, '-always', '-simulate')
    assert simulated.returncode == 0, simulated.stderr
    assert 'the run page User:CacheBot/Run does not exist yet' in simulated.stderr
    assert not run_page_exists(shared)  # -simulate creates nothing

    first = run_cli(SHARED, '-always')  # as README's "What a run does" shows
    assert first.returncode == 0, first.stderr
    assert 'created the run page User:CacheBot/Run with "true"' in first.stderr
    assert admin(shared).text('User:CacheBot/Run') == 'true'
    assert summary_of(first.stderr)['cached'] == len(CACHEABLE) + 1


def test_a_deleted_run_page_stops_the_bot(farm_wikis):
    shared = farm_wikis['shared']
    admin(shared).edit('User:CacheBot/Run', text='true')
    admin(shared).delete('User:CacheBot/Run', reason='stop the bot')
    result = run_cli(SHARED, '-always')
    assert result.returncode == 0, result.stderr
    assert 'stopped: the run page User:CacheBot/Run was deleted' in result.stderr
    assert shared_uploads(shared) == []
    assert not run_page_exists(shared)


def test_the_run_page_stops_the_bot(farm_wikis):
    admin(farm_wikis['shared']).edit('User:CacheBot/Run', text='false')
    result = run_cli(SHARED, '-always')
    assert result.returncode == 0, result.stderr
    assert "stopped: the run page User:CacheBot/Run says 'false'" in result.stderr
    assert shared_uploads(farm_wikis['shared']) == []


def test_a_second_run_exits_at_once_while_the_first_holds_the_lock(farm_wikis):
    lock = RunLock(STATE.with_suffix('.lock'))
    assert lock.acquire()
    try:
        result = run_cli(SHARED, '-always')
    finally:
        lock.release()
    assert result.returncode == 0, result.stderr
    assert f'another run (pid {os.getpid()}) holds the lock' in result.stderr
    assert shared_uploads(farm_wikis['shared']) == []


def test_the_lock_of_a_killed_run_is_taken_over(farm_wikis):
    holder = subprocess.Popen(
        [sys.executable, '-c', 'import sys, time; from pathlib import Path; '
         'from commonscache.keeping.stores import RunLock; '
         f'assert RunLock(Path({str(STATE.with_suffix(".lock"))!r})).acquire(); '
         'print("locked", flush=True); time.sleep(600)'],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == 'locked'
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    result = run_cli(SHARED, '-always', '-page:Harbour')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['cached'] == 2


def check_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith('FIX')]


#: What a bot needs for -setup to protect the control pages (the BotPassword has the grant).
MAY_PROTECT = {'bot': ['protect', 'editprotected']}


def test_check_passes_on_a_correct_set_up(farm_wikis):
    with farm.configured('shared', farm.farm_dir(), granted_rights=MAY_PROTECT):
        setup = run_cli(SHARED, '-always', '-setup', '-page:Main Page')
    assert setup.returncode == 0, setup.stderr
    assert 'protected Template:Cached Commons Media (edit and move: sysop)' in setup.stderr
    assert 'protected Devfarm shared:Cached Commons media/Rules (create: sysop)' in setup.stderr
    # The request page too: only admins' lines count, and now only admins may add them.
    assert 'protected Devfarm shared:Cached Commons media/Requests (create: sysop)' in \
        setup.stderr
    with farm.configured('shared', farm.farm_dir(), file_extensions=EXTENSIONS_ALL):
        result = run_cli(SHARED, '-check')
    assert check_lines(result) == []
    assert result.returncode == 0, result.stdout
    # The class the bot is in on the source, and what it means.
    assert 'ok   devfarm:commons: logged in as CacheBot with the bot flag: exempt from the ' \
        'API limit; media unlimited' in result.stdout.splitlines()
    # On a farm on MariaDB, the consumer reads the shared repository from its database.
    kind = 'from its database' if farm.database_kind() == 'mariadb' else 'through its API'
    assert f'ok   devfarm:consumer reads devfarm:shared {kind} (repository ' \
        'devfarm-shared), before devfarm:commons' in result.stdout.splitlines()

    # A consumer that reads the shared repository straight from its database, as the wikis
    # of a farm do: found by its script directory and description URLs (no API URL).
    with farm.configured('shared', farm.farm_dir(), file_extensions=EXTENSIONS_ALL), \
            farm.configured('consumer', farm.farm_dir(), db_repos=['shared']):
        result = run_cli(SHARED, '-check')
    assert check_lines(result) == []
    assert result.returncode == 0, result.stdout
    assert 'ok   devfarm:consumer reads devfarm:shared from its database (repository ' \
        'devfarm-shared), before devfarm:commons' in result.stdout.splitlines()


def test_check_names_each_broken_item_of_a_misconfigured_farm(farm_wikis):
    admin(farm_wikis['shared']).edit('User:CacheBot/Run', text='stop')
    with farm.configured('consumer', farm.farm_dir(), foreign_repos=['commons', 'shared']), \
            farm.configured('shared', farm.farm_dir(), revoked_rights=['reupload']):
        result = run_cli(SHARED, '-check')
    assert result.returncode == 2
    assert check_lines(result) == [
        'FIX  give CacheBot the reupload right on devfarm:shared (BotPassword grants)',
        'FIX  create Template:Cached Commons Media on devfarm:shared: run once with -setup',
        *(f'FIX  protect {title} on devfarm:shared ({kinds}: sysop), so that only admins steer '
          'the bot: Special:Protect, or run once with -setup as a bot with the protect and '
          'editprotected rights' for title, kinds in [
              ('Template:Cached Commons Media', 'create'),
              ('Devfarm shared:Cached Commons media/Rules', 'create'),
              ('Devfarm shared:Cached Commons media/Requests', 'create'),
              ('Devfarm shared:Cached Commons media/Review', 'create')]),
        "FIX  the run page User:CacheBot/Run says 'stop', not \"true\"",
        'FIX  $wgForeignFileRepos of devfarm:consumer lists devfarm:commons before '
        'devfarm:shared: list the shared repository first',
        'FIX  devfarm:consumer uses 1 .webp files (e.g. File:Modern format sample.webp) that '
        "devfarm:shared does not allow: add 'webp' to $wgFileExtensions there",
    ]


IMPORT_XML = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11"
 xml:lang="en"><page><title>Imported lighthouse</title><ns>0</ns><revision>
 <timestamp>2026-01-01T00:00:00Z</timestamp><contributor><username>Someone</username>
 </contributor><model>wikitext</model><format>text/x-wiki</format>
 <text xml:space="preserve">The lighthouse: [[File:Lighthouse at dusk.jpg|thumb]]</text>
 </revision></page></mediawiki>"""


def test_an_incremental_run_sees_imported_pages(farm_wikis, tmp_path):
    """An import adds no edit to the recent changes, only a log entry: -since:last reads
    those too (moves and undeletions likewise)."""
    consumer = farm_wikis['consumer']
    stamp = requests.get(consumer.api, params={
        'action': 'query', 'meta': 'siteinfo', 'format': 'json'}, timeout=60).json()[
            'query']['general']['time']
    state = State(STATE)
    state.set_watermark('devfarm:consumer', stamp)
    state.close()
    time.sleep(1.1)  # the import's log entry in a later second than the watermark
    dump = tmp_path / 'dump.xml'
    dump.write_text(IMPORT_XML)
    with dump.open('rb') as xml:
        reply = admin(consumer).post('import', interwikiprefix='dump',
                                     files={'xml': ('dump.xml', xml)})
    assert reply['import'][0]['revisions'] == 1, reply

    result = run_cli(SHARED, '-always', '-since:last')
    assert result.returncode == 0, result.stderr
    assert 'File:Lighthouse at dusk.jpg' in shared_uploads(farm_wikis['shared'])
