"""The state file's pending purges: kept per consumer, and carried over from older files."""
from __future__ import annotations

import sqlite3

from commonscache.state import State

SHARED = 'devfarm:shared'


def test_a_purge_is_pending_for_each_consumer_until_that_consumer_did_it(tmp_path):
    state = State(tmp_path / 'state.sqlite')
    state.purge_later(shared=SHARED, consumers=['devfarm:consumer', 'devfarm:consumer2'],
                      title='File:A.jpg')
    state.purged(shared=SHARED, consumer='devfarm:consumer2', titles=['File:A.jpg'])
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer2') == []
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer') == ['File:A.jpg']
    assert state.pending_purges(shared='other:shared', consumer='devfarm:consumer') == []


def test_purges_pending_in_an_older_state_file_go_to_the_next_consumer_that_runs(tmp_path):
    path = tmp_path / 'state.sqlite'
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE pending_purges (shared TEXT NOT NULL, title TEXT NOT NULL, '
                   'PRIMARY KEY (shared, title))')
        db.execute('INSERT INTO pending_purges VALUES (?, ?)', (SHARED, 'File:Old.jpg'))
    state = State(path)
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer2') == ['File:Old.jpg']
    state.purged(shared=SHARED, consumer='devfarm:consumer2', titles=['File:Old.jpg'])
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer') == []
    state.close()
    assert State(path).pending_purges(shared=SHARED, consumer='devfarm:consumer') == []
