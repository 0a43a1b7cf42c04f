"""State, end to end (the unit tests: tests/unit/test_state.py)."""
from __future__ import annotations

import pytest

from commonscache.keeping.state import State

SHARED = 'devfarm:shared'
#: The longest titles MediaWiki takes (255 bytes after the namespace), as in the unit tests.
LONGEST = ['File:' + 'ж' * 125 + '.png' + 'x', 'Datei:' + 'x' * 251 + '.png',
           'File:' + '日' * 83 + '.png']


@pytest.mark.e2e
def test_a_database_of_an_earlier_version_gets_wider_title_columns(mariadb_server, tmp_path):
    """Titles were kept in 255 characters: the state widens the columns when it opens the
    database, and keeps its rows."""
    import uuid

    from commonscache.keeping import stores
    from commonscache.keeping.shards import Shard

    database = f'cc_test_{uuid.uuid4().hex[:12]}'
    store = stores.parse(mariadb_server.url(database), cnf=str(mariadb_server.cnf),
                         base_dir=tmp_path, shard=Shard())
    engine = store.engine()
    try:
        with engine.begin() as db:
            db.exec_driver_sql(
                'CREATE TABLE files (shared VARCHAR(190) NOT NULL, title VARCHAR(255) NOT NULL, '
                "outcome VARCHAR(190) NOT NULL, reason VARCHAR(190) NOT NULL DEFAULT '', "
                "details TEXT NOT NULL, sha1 VARCHAR(190) NOT NULL DEFAULT '', failures "
                'INTEGER NOT NULL DEFAULT 0, size BIGINT NOT NULL DEFAULT 0, first_seen '
                'VARCHAR(190) NOT NULL, last_seen VARCHAR(190) NOT NULL, PRIMARY KEY (shared, '
                'title))')
            db.exec_driver_sql(
                "INSERT INTO files VALUES ('devfarm:shared', 'File:Old.png', 'cached', '', '', "
                "'abc', 0, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
        state = State(engine)
        state.record(shared=SHARED, title=LONGEST[1], outcome='skipped',
                     reason='missing-everywhere')
        assert set(state.outcomes(shared=SHARED)) == {'File:Old.png', LONGEST[1]}
        state.close()
    finally:
        mariadb_server.sql(f'DROP DATABASE IF EXISTS {database}')
