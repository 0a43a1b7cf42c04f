"""Injected faults and kills mid-run, end to end: whatever happens on the way, a sweep ends in
the same state as one that nothing disturbed — every file cached whole and sha1-verified, no
duplicate file versions, no half-written pages, no temporary files left, the state file sound.

Each test writes its figures to ``$COMMONSCACHE_RELIABILITY_REPORT`` when that is set
(docs/RELIABILITY.md shows them and says how to rerun).
"""
from __future__ import annotations

import difflib
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
import requests

from devfarm import farm
from devfarm.seed import SeedFile
from tests.conftest import FARM_DIR
from tests.e2e.support import (
    CACHEABLE,
    bot,
    end_state,
    finish,
    imageinfo,
    report,
)
from tests.faultproxy import KINDS, FaultProxy

#: What these tests disturb is the network between the bot and the wikis; tests/run.sh runs
#: them on the first MediaWiki release only (see pyproject.toml).
pytestmark = [pytest.mark.e2e, pytest.mark.first_release_only]

#: The bot moves the bytes itself (-byurl:never), through the faulty network: an upload by
#: URL would have the shared wiki fetch them straight from the source, past the faults.
SWEEP = ('-shared:devfarm:shared', '-always', '-setup', '-chunk:1', '-byurl:never')
#: Pywikibot as a bot operator would set it up, but with shorter waits: the faults must be
#: survived by retrying, not by luck.
RETRYING_SETTINGS = """
max_retries = 8
retry_wait = 1
retry_max = 4
"""
FAULT_RATE = 0.10
FAULT_SEED = int(os.environ.get('COMMONSCACHE_FAULT_SEED', '20261123'))
KILL_SEED = int(os.environ.get('COMMONSCACHE_KILL_SEED', '8'))
KILLS = 6
#: More files for the consumer to use, so that a sweep makes a few hundred requests.
EXTRA_FILES = [f'Reliability sample {n:02d}.png' for n in range(1, 41)]
EXTRA_DESCRIPTION = ('{{Information |description={{en|1=%s, a generated sample.}} |date=2026 '
                     '|source={{own}} |author=Alice Example}}\n{{Cc-by-4.0}}')
SNAPSHOT = 'snapshot-reliability'














def assert_same_end(wikis: dict[str, farm.Wiki], undisturbed: dict, log: str) -> None:
    """The shared wiki's pages and file versions are those of the undisturbed sweep."""
    now = end_state(wikis)
    assert sorted(now['pages']) == sorted(undisturbed['pages']), log
    assert now['files'] == undisturbed['files'], log
    for title, text in now['pages'].items():
        assert text == undisturbed['pages'][title], '\n'.join(difflib.unified_diff(
            undisturbed['pages'][title].splitlines(), text.splitlines(), title, 'now',
            lineterm=''))


def assert_cached_whole(wikis: dict[str, farm.Wiki]) -> None:
    """Each cacheable file is on the shared wiki, and its bytes hash to the source's sha1."""
    expected = CACHEABLE | {f'File:{name}' for name in EXTRA_FILES}
    on_source = imageinfo(wikis['commons'], expected)
    on_shared = imageinfo(wikis['shared'], expected)
    for title in expected:
        info = on_shared[title]['imageinfo'][0]
        expected = on_source[title]['imageinfo'][0]['sha1']
        content = requests.get(info['url'], timeout=60).content
        assert hashlib.sha1(content).hexdigest() == expected == info['sha1'], title


def assert_sound(pywikibot_dir: Path) -> None:
    state = pywikibot_dir / 'commonscache.sqlite'
    with sqlite3.connect(state) as db:
        assert db.execute('PRAGMA integrity_check').fetchone() == ('ok',)
        assert db.execute('SELECT count(*) FROM purges').fetchone() == (0,)
    assert list((pywikibot_dir / 'commonscache-tmp').glob('*')) == []


def fresh_pywikibot_dir(name: str, settings: str = '') -> Path:
    """A Pywikibot directory of its own (own state file, cookies and settings)."""
    root = FARM_DIR / name
    if root.exists():
        subprocess.run(['rm', '-rf', str(root)], check=True)
    root.mkdir()
    return farm.write_pywikibot_dir(root, settings)


@pytest.fixture(scope='module')
def reliability_farm(farm_session: dict[str, farm.Wiki]) -> dict[str, farm.Wiki]:
    """The seeded farm with more files on the consumer, enough requests for every kind of
    fault to come up; kept as a snapshot of its own."""
    farm.restore(FARM_DIR)
    extra = [SeedFile(name, 'png', 'Alice Example', EXTRA_DESCRIPTION % name, 96, 64, n)
             for n, name in enumerate(EXTRA_FILES, start=100)]
    farm.import_files(farm_session['commons'], extra, overwrite=False)
    farm.import_pages(farm_session['consumer'], {
        'Reliability gallery': '\n'.join(f'[[File:{name}|thumb]]' for name in EXTRA_FILES)})
    farm.maintenance(farm_session['consumer'], 'refreshLinks.php')
    farm.snapshot(FARM_DIR, SNAPSHOT)
    return farm_session


@pytest.fixture(scope='module')
def undisturbed(reliability_farm: dict[str, farm.Wiki]) -> dict:
    """The end state of a sweep that nothing disturbed."""
    farm.restore(FARM_DIR, SNAPSHOT)
    counting = FaultProxy()  # no faults: it counts the requests, the range to kill in
    try:
        code, err = finish(bot(fresh_pywikibot_dir('undisturbed'), *SWEEP, proxy=counting))
    finally:
        counting.close()
    assert code == 0, err
    return {**end_state(reliability_farm), 'requests': counting.requests}


def test_a_sweep_under_injected_faults_ends_as_an_undisturbed_one(undisturbed, farm_wikis):
    farm.restore(FARM_DIR, SNAPSHOT)
    pywikibot_dir = fresh_pywikibot_dir('faults', RETRYING_SETTINGS)
    proxy = FaultProxy(rate=FAULT_RATE, seed=FAULT_SEED)
    try:
        code, err = finish(bot(pywikibot_dir, *SWEEP, proxy=proxy))
    finally:
        proxy.close()
    assert code == 0, err[-3000:]
    assert 'failed 0' in err.strip().splitlines()[-1], err[-3000:]
    assert set(proxy.injected) == set(KINDS), proxy.injected  # every kind met at least once
    assert_same_end(farm_wikis, undisturbed, err)
    assert_cached_whole(farm_wikis)
    assert_sound(pywikibot_dir)
    report('faults', {'seed': FAULT_SEED, 'rate': FAULT_RATE, 'requests': proxy.requests,
                      'injected': dict(sorted(proxy.injected.items())),
                      'files': len(undisturbed['files']), 'lost or corrupted': 0})


def test_kills_at_random_points_then_a_rerun_end_as_an_undisturbed_sweep(undisturbed, farm_wikis):
    farm.restore(FARM_DIR, SNAPSHOT)
    pywikibot_dir = fresh_pywikibot_dir('kills')
    chooser = random.Random(KILL_SEED)
    killed_at, logs = [], []
    for _ in range(KILLS):
        # Anywhere in the first half of a sweep's requests: set-up included, and every
        # run killed while work remains.
        point = chooser.randint(1, undisturbed['requests'] // 2)
        running: list[subprocess.Popen] = []

        def kill_at(number: int, point: int = point,
                    running: list[subprocess.Popen] = running) -> None:
            if number == point and running:
                running[0].send_signal(signal.SIGKILL)

        proxy = FaultProxy(on_request=kill_at)
        try:
            running.append(bot(pywikibot_dir, *SWEEP, proxy=proxy))
            code, err = finish(running[0])
        finally:
            proxy.close()
        logs.append(err)
        assert code in (0, -signal.SIGKILL), err[-3000:]
        if code == 0:  # the sweep got done before the point came: nothing left to kill
            break
        killed_at.append(point)
    assert len(killed_at) >= 3, killed_at
    code, err = finish(bot(pywikibot_dir, *SWEEP))
    logs.append(err)
    assert code == 0, err[-3000:]
    assert 'failed 0' in err.strip().splitlines()[-1], err[-3000:]
    assert_same_end(farm_wikis, undisturbed, '\n-- run --\n'.join(logs))
    assert_cached_whole(farm_wikis)
    assert_sound(pywikibot_dir)
    report('kills', {'seed': KILL_SEED, 'kills': len(killed_at),
                     'killed at request': killed_at, 'of requests': undisturbed['requests'],
                     'files': len(undisturbed['files']), 'lost or corrupted': 0})
