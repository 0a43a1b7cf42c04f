"""Where the state lives: -state's forms, and credentials read from a my.cnf file only."""
from __future__ import annotations

from pathlib import Path

import pytest

from commonscache.errors import UsageError
from commonscache.keeping import stores
from commonscache.keeping.shards import Shard

BASE = Path('/srv/pywikibot')


@pytest.fixture
def cnf(tmp_path: Path) -> Path:
    """A Toolforge replica.my.cnf, as Toolforge writes it."""
    path = tmp_path / 'replica.my.cnf'
    path.write_text("[client]\nuser = s54321\npassword = 'secret with spaces'\n")
    return path


def test_the_default_is_a_file_beside_user_config_one_per_shard():
    assert stores.parse('', cnf='', base_dir=BASE, shard=Shard()) == stores.Store(
        path=BASE / 'commonscache.sqlite')
    store = stores.parse('/data/state.sqlite', cnf='', base_dir=BASE, shard=Shard(2, 4))
    assert store.path == Path('/data/state-shard2of4.sqlite')
    assert not store.shared_by_shards


def test_toolsdb_is_the_tools_own_database_with_the_tools_credentials(cnf):
    store = stores.parse('toolsdb:commonscache', cnf=str(cnf), base_dir=BASE,
                         shard=Shard(1, 4))
    assert (store.host, store.port, store.database) == (
        'tools.db.svc.wikimedia.cloud', 3306, 's54321__commonscache')
    assert store.credentials == stores.Credentials('s54321', 'secret with spaces')
    assert store.shared_by_shards and store.path is None
    assert store.lock().name == 'commonscache:s54321__commonscache:1/4'


def test_a_database_server_by_address(cnf):
    store = stores.parse('mysql://db.example.org:3307/farmstate', cnf=str(cnf), base_dir=BASE,
                         shard=Shard())
    assert (store.host, store.port, store.database) == ('db.example.org', 3307, 'farmstate')


@pytest.mark.parametrize(('value', 'message'), [
    ('mysql://db.example.org', 'is not mysql://HOST[:PORT]/DATABASE'),
    ('mysql://user:password@db/x', 'is not mysql://HOST[:PORT]/DATABASE'),  # no credentials
    ('toolsdb:my-state', 'may hold letters, digits and _ only'),
])
def test_addresses_that_cannot_be_a_database_are_refused(cnf, value, message):
    with pytest.raises(UsageError, match=message.replace('[', r'\[').replace(']', r'\]')):
        stores.parse(value, cnf=str(cnf), base_dir=BASE, shard=Shard())


def test_missing_or_incomplete_credentials_say_what_to_give(tmp_path):
    with pytest.raises(UsageError, match='give -statecnf:PATH'):
        stores.parse('toolsdb:x', cnf=str(tmp_path / 'none.cnf'), base_dir=BASE, shard=Shard())
    (tmp_path / 'empty.cnf').write_text('[client]\npassword = x\n')
    with pytest.raises(UsageError, match=r'has no \[client\] user='):
        stores.parse('toolsdb:x', cnf=str(tmp_path / 'empty.cnf'), base_dir=BASE,
                     shard=Shard())


