"""Test set-up: a Pywikibot directory for the session, the dev farm for end-to-end tests.

Pywikibot reads its configuration once, at import, so PYWIKIBOT_DIR is set here before any
test module imports it. Unit tests replay API replies recorded from the dev farm
(tests/recorded, see tests/replay.py); end-to-end tests (marker ``e2e``) use the farm itself,
which the ``farm`` fixture brings up fresh for the session and stops at the end.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Own ports and folder, so that a demo farm on the default ports can keep running.
os.environ.setdefault('COMMONSCACHE_FARM_PORT', '8880')
os.environ.setdefault('COMMONSCACHE_FARM_DIR',
                      os.path.join(tempfile.gettempdir(), 'commonscache-testfarm'))
# Five consumer wikis, as a farm of many has them (tests/e2e/test_many_wikis.py).
os.environ.setdefault('COMMONSCACHE_FARM_EXTRA', '3')
sys.path.insert(0, str(REPO))

from devfarm import farm  # noqa: E402

FARM_DIR = farm.farm_dir()
FARM_DIR.mkdir(parents=True, exist_ok=True)
#: Fast failure in tests: few retries, short waits, no cached site data between tests.
PYWIKIBOT_TEST_SETTINGS = """
API_config_expiry = 0
max_retries = 1
retry_wait = 0
retry_max = 0
"""
PYWIKIBOT_DIR = farm.write_pywikibot_dir(FARM_DIR, PYWIKIBOT_TEST_SETTINGS)
os.environ['PYWIKIBOT_DIR'] = str(PYWIKIBOT_DIR)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The folder says what a test is: every test in tests/e2e is marked ``e2e`` (for -m),
    and none in tests/unit may need the farm."""
    e2e = Path(__file__).parent / 'e2e'
    for item in items:
        if e2e in item.path.parents:
            item.add_marker(pytest.mark.e2e)
        elif item.get_closest_marker('e2e'):
            raise pytest.UsageError(f'{item.nodeid} is marked e2e: it belongs in tests/e2e')


def pytest_report_header() -> str:
    from devfarm import mediawiki

    return f'dev farm: MediaWiki {mediawiki.wanted()} (COMMONSCACHE_MW)'


@pytest.fixture(scope='session')
def farm_session() -> dict[str, farm.Wiki]:
    """The dev farm, installed and seeded from scratch for this test session."""
    farm.destroy(FARM_DIR)
    try:
        farm.up(FARM_DIR)
    except SystemExit as failed:
        # An Exception, which pytest keeps for the session: one failed start, not one per test.
        raise RuntimeError(str(failed)) from None
    farm.write_pywikibot_dir(FARM_DIR, PYWIKIBOT_TEST_SETTINGS)
    farm.snapshot(FARM_DIR)
    yield farm.wikis(FARM_DIR)
    farm.down(FARM_DIR)


@pytest.fixture
def farm_wikis(farm_session: dict[str, farm.Wiki]) -> dict[str, farm.Wiki]:
    """The dev farm, put back to its freshly seeded state for this test."""
    import pywikibot

    farm.restore(FARM_DIR)
    # Sessions and cached site data do not survive a restore; the bot's state starts afresh.
    pywikibot._sites.clear()
    for state in PYWIKIBOT_DIR.glob('commonscache*.sqlite*'):
        state.unlink()
    return farm_session


@pytest.fixture(params=['1.39', '1.43'])
def recorded_release(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Replay the replies recorded from MediaWiki 1.39, then those from 1.43."""
    from tests import replay

    assert replay.folder(request.param).is_dir(), f're-record: COMMONSCACHE_MW={request.param} ' \
        'python -m tests.record'
    monkeypatch.setattr(replay, 'release', request.param)
    return request.param


def run_cli(*args: str, timeout: float = 300,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m commonscache ARGS`` against the farm, as a user would (with *env*
    added to the environment)."""
    env = {**os.environ, 'PYWIKIBOT_DIR': str(PYWIKIBOT_DIR), 'PYTHONUNBUFFERED': '1',
           **(env or {})}
    return subprocess.run([sys.executable, '-m', 'commonscache', *args], cwd=REPO, env=env,
                          text=True, capture_output=True, timeout=timeout)


@pytest.fixture(scope='session')
def mariadb_server():
    """The farm's own MariaDB server for this test session (devfarm/mariadb.py), on the
    farm's base port + 10."""
    from devfarm import mariadb

    root = FARM_DIR.parent / f'{FARM_DIR.name}-mariadb'  # farm.destroy() leaves it be
    server = mariadb.up(root, port=int(os.environ['COMMONSCACHE_FARM_PORT']) + 10)
    yield server
    mariadb.down(root)


@pytest.fixture
def state_backend() -> str:
    """Where ``make_state`` keeps the state: a SQLite file here; a database on the farm's
    MariaDB server in tests/e2e/test_state_on_mariadb.py, which runs the same tests again."""
    return 'sqlite'


@pytest.fixture
def make_state(request: pytest.FixtureRequest, tmp_path: Path, state_backend: str):
    """A fresh, empty state on the backend: a SQLite file, or a database of its own on the
    farm's MariaDB server (created by the state itself, dropped after the test)."""
    import uuid

    from commonscache.keeping import stores
    from commonscache.keeping.shards import Shard
    from commonscache.keeping.state import State

    opened = []

    def make() -> State:
        if state_backend == 'sqlite':
            state = State(tmp_path / 'state.sqlite')
        else:
            server = request.getfixturevalue('mariadb_server')
            if not opened:
                request.node.database = f'cc_test_{uuid.uuid4().hex[:12]}'
            store = stores.parse(server.url(request.node.database), cnf=str(server.cnf),
                                 base_dir=tmp_path, shard=Shard())
            state = State(store.engine())
        opened.append(state)
        return state

    yield make
    for state in opened:
        state.close()
    if state_backend == 'mariadb' and opened:
        request.getfixturevalue('mariadb_server').sql(
            f'DROP DATABASE IF EXISTS {request.node.database}')
