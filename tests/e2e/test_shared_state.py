"""State in MariaDB, end to end: two shards at once on one database, one of them killed,
the next run of that shard taking its lock over at once, and one review page for the farm
that lists both shards' flags."""
from __future__ import annotations

import json
import signal
import time

import pytest

from devfarm import farm
from tests.conftest import PYWIKIBOT_DIR, run_cli
from tests.e2e.support import SHARED, bot, draw, finish
from tests.wikiclient import WikiClient

pytestmark = [pytest.mark.e2e, pytest.mark.first_release_only]

WIKIS = '-wikis:devfarm:consumer,devfarm:consumer2'
POSTCARD = 'File:Old postcard.jpg'  # used on both consumers
WEBP = 'File:Modern format sample.webp'  # used on consumer only: shard 2 of 2
REVIEW = 'Project:Cached Commons media/Review'


def test_two_shards_share_one_database_state_and_a_killed_ones_lock_is_taken_over(
        farm_wikis, mariadb_server, tmp_path):
    database = 'cc_shards'
    mariadb_server.sql(f'DROP DATABASE IF EXISTS {database}')
    state = (f'-state:{mariadb_server.url(database)}', f'-statecnf:{mariadb_server.cnf}')
    # consumer2 (shard 1 of 2) uses the postcard, whose name a person takes first.
    WikiClient(farm_wikis['shared'], farm.USER, farm.USER_PASSWORD).upload(
        POSTCARD, draw(tmp_path, 'other.jpg', seed_value=3))

    first = bot(PYWIKIBOT_DIR, SHARED, '-always', '-setup', WIKIS, '-shard:1/2', *state)
    second = bot(PYWIKIBOT_DIR, SHARED, '-always', WIKIS, '-shard:2/2', *state)
    lock = f"'commonscache:{database}:2/2'"
    began = time.monotonic()
    while mariadb_server.sql(f'SELECT IS_USED_LOCK({lock})').strip() in ('', 'NULL'):
        assert time.monotonic() - began < 120, 'shard 2 never took its lock'
        time.sleep(0.2)
    second.send_signal(signal.SIGKILL)
    finish(second)
    code, err = finish(first)
    assert code == 0, err[-3000:]

    # The killed job's connection is gone, and its lock with it: the next run takes over.
    again = run_cli(SHARED, '-always', WIKIS, '-shard:2/2', *state)
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'holds the lock' not in again.stderr
    assert 'failed 0' in again.stderr.strip().splitlines()[-1]

    flags = json.loads(run_cli('-review', '-json', SHARED, *state).stdout)
    assert sorted((f['reason'], f['title']) for f in flags) == [
        ('name-taken', POSTCARD), ('upload-refused', WEBP)]
    # One review page for the farm (no page per shard), listing both shards' flags.
    admin = WikiClient(farm_wikis['shared'], farm.ADMIN, farm.ADMIN_PASSWORD)
    page = admin.text(REVIEW)
    assert POSTCARD in page and WEBP in page
    assert admin.page(f'{REVIEW}/Shard 1 of 2').get('missing')
    # Both shards' runs in one run log (the killed one may have died before it began one).
    assert mariadb_server.sql(f"SELECT consumer FROM {database}.runs WHERE status = "
                              "'completed' ORDER BY consumer").split() == [
        'devfarm:consumer', 'devfarm:consumer2']
