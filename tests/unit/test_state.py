"""The state file's pending purges: kept per consumer, with the time each is due, and
carried over from older files."""
from __future__ import annotations

import sqlite3

import pytest

from commonscache.keeping.state import State

SHARED = 'devfarm:shared'


def test_a_purge_is_pending_for_each_consumer_until_that_consumer_did_it(make_state):
    state = make_state()
    state.purge_later(shared=SHARED, consumers=['devfarm:consumer', 'devfarm:consumer2'],
                      title='File:A.jpg', due=100.0)
    state.purged(shared=SHARED, consumer='devfarm:consumer2', titles=['File:A.jpg'])
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer2') == {}
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer') == {
        'File:A.jpg': 100.0}
    assert state.pending_purges(shared='other:shared', consumer='devfarm:consumer') == {}


def test_a_later_write_moves_a_purge_on_and_an_earlier_time_never_brings_it_back(make_state):
    state = make_state()
    for due in (100.0, 160.0, 130.0):
        state.purge_later(shared=SHARED, consumers=['devfarm:consumer'], title='File:A.jpg',
                          due=due)
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer') == {
        'File:A.jpg': 160.0}


def test_purges_kept_before_they_had_a_time_are_due_at_once(tmp_path):
    path = tmp_path / 'state.sqlite'
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE purges (shared TEXT NOT NULL, consumer TEXT NOT NULL, '
                   'title TEXT NOT NULL, PRIMARY KEY (shared, consumer, title))')
        db.execute('INSERT INTO purges VALUES (?, ?, ?)', (SHARED, 'devfarm:consumer',
                                                           'File:Kept.jpg'))
    state = State(path)
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer') == {
        'File:Kept.jpg': 0.0}
    state.purge_later(shared=SHARED, consumers=['devfarm:consumer'], title='File:New.jpg',
                      due=50.0)
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer') == {
        'File:Kept.jpg': 0.0, 'File:New.jpg': 50.0}


def test_purges_pending_in_an_older_state_file_go_to_the_next_consumer_that_runs(tmp_path):
    path = tmp_path / 'state.sqlite'
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE pending_purges (shared TEXT NOT NULL, title TEXT NOT NULL, '
                   'PRIMARY KEY (shared, title))')
        db.execute('INSERT INTO pending_purges VALUES (?, ?)', (SHARED, 'File:Old.jpg'))
    state = State(path)
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer2') == {
        'File:Old.jpg': 0.0}
    state.purged(shared=SHARED, consumer='devfarm:consumer2', titles=['File:Old.jpg'])
    assert state.pending_purges(shared=SHARED, consumer='devfarm:consumer') == {}
    state.close()
    assert State(path).pending_purges(shared=SHARED, consumer='devfarm:consumer') == {}


def test_failures_count_runs_in_a_row_for_the_same_reason_and_source_version(make_state):
    state = make_state()

    def fail(title: str, sha1: str, reason: str = 'source-sha1-mismatch') -> None:
        state.record(shared=SHARED, title=title, outcome='failed', reason=reason, sha1=sha1)

    for _ in range(3):
        fail('File:Bad.jpg', 'aaa')
    fail('File:Fixed.jpg', 'aaa')
    fail('File:Fixed.jpg', 'aaa')
    state.record(shared=SHARED, title='File:Fixed.jpg', outcome='cached', sha1='aaa')
    fail('File:Fixed.jpg', 'aaa')  # one failure after a success starts again
    fail('File:New version.jpg', 'aaa')
    fail('File:New version.jpg', 'aaa')
    fail('File:New version.jpg', 'bbb')  # the source has another version: counted anew
    fail('File:Busy.jpg', 'aaa', 'download-failed')
    fail('File:Busy.jpg', 'aaa', 'download-failed')
    fail('File:Busy.jpg', 'aaa', 'download-failed')
    state.record(shared=SHARED, title='File:Flagged.jpg', outcome='flagged',
                 reason='source-corrupt', sha1='ccc')
    assert state.corrupt_sources(shared=SHARED, after=3) == {'File:Bad.jpg': 'aaa',
                                                             'File:Flagged.jpg': 'ccc'}
    assert state.corrupt_sources(shared=SHARED, after=2) == {'File:Bad.jpg': 'aaa',
                                                             'File:Flagged.jpg': 'ccc'}
    assert state.corrupt_sources(shared=SHARED, after=1) == {
        'File:Bad.jpg': 'aaa', 'File:Fixed.jpg': 'aaa', 'File:New version.jpg': 'bbb',
        'File:Flagged.jpg': 'ccc'}


def test_an_older_state_file_gets_the_failure_count(tmp_path):
    path = tmp_path / 'state.sqlite'
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE files (shared TEXT NOT NULL, title TEXT NOT NULL, "
                   "outcome TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', details TEXT NOT "
                   "NULL DEFAULT '', sha1 TEXT NOT NULL DEFAULT '', first_seen TEXT NOT NULL, "
                   "last_seen TEXT NOT NULL, PRIMARY KEY (shared, title))")
        db.execute("INSERT INTO files VALUES (?, 'File:Bad.jpg', 'failed', "
                   "'source-sha1-mismatch', '', 'aaa', '2026-01-01', '2026-01-01')", (SHARED,))
    state = State(path)
    state.record(shared=SHARED, title='File:Bad.jpg', outcome='failed',
                 reason='source-sha1-mismatch', sha1='aaa')
    assert state.corrupt_sources(shared=SHARED, after=1) == {'File:Bad.jpg': 'aaa'}


def test_lookups_for_a_batch_read_only_its_titles(make_state):
    state = make_state()
    for title in ('File:A.jpg', 'File:B.jpg'):
        state.record(shared=SHARED, title=title, outcome='cached', sha1='aaa')
        state.record(shared=SHARED, title=title.replace('.jpg', '.png'), outcome='flagged',
                     reason='source-corrupt', sha1='bbb')
    assert state.was_cached(shared=SHARED, titles=['File:A.jpg', 'File:C.jpg']) == {'File:A.jpg'}
    assert state.corrupt_sources(shared=SHARED, after=3, titles=['File:B.png']) == {
        'File:B.png': 'bbb'}
    assert state.was_cached(shared=SHARED, titles=[]) == set()


def test_files_that_wait_are_listed_with_their_last_reading_and_counted_by_reason(make_state):
    state = make_state()
    state.record(shared=SHARED, title='File:A.jpg', outcome='failed',
                 reason='source-unreachable', details='cannot reach commons')
    state.record(shared=SHARED, title='File:B.jpg', outcome='skipped',
                 reason='missing-everywhere')
    state.record(shared=SHARED, title='File:C.jpg', outcome='failed',
                 reason='source-unreachable')
    state.record(shared=SHARED, title='File:D.jpg', outcome='cached', sha1='ddd')
    waiting = state.waiting_upstream(shared=SHARED, reasons=['source-unreachable',
                                                             'missing-everywhere'])
    assert sorted(waiting) == ['File:A.jpg', 'File:B.jpg', 'File:C.jpg']
    outcome, reason, details, since, last = waiting['File:A.jpg']
    assert (outcome, reason, details) == ('failed', 'source-unreachable', 'cannot reach commons')
    assert since == last and last.startswith('20')
    counts = state.oldest_waits(shared=SHARED, reasons=['source-unreachable',
                                                        'missing-everywhere', 'over-budget'])
    assert counts == {'missing-everywhere': (1, waiting['File:B.jpg'][3]),
                      'source-unreachable': (2, min(waiting['File:A.jpg'][3],
                                                    waiting['File:C.jpg'][3]))}


def test_a_copy_flagged_for_its_sources_structured_data_counts_as_cached(make_state):
    """sdc-conflict follows a copy: deleting that copy later is was-deleted, as for any."""
    state = make_state()
    state.record(shared=SHARED, title='File:A.jpg', outcome='cached', sha1='aaa')
    state.record(shared=SHARED, title='File:A.jpg', outcome='flagged', reason='sdc-conflict',
                 sha1='aaa')
    state.record(shared=SHARED, title='File:B.jpg', outcome='flagged', reason='name-taken')
    assert state.was_cached(shared=SHARED) == {'File:A.jpg'}
    assert [f.reason for f in state.flags(shared=SHARED)] == ['sdc-conflict', 'name-taken']


def journal_mode(state: State) -> str:
    with state.engine.connect() as db:
        return db.exec_driver_sql('PRAGMA journal_mode').scalar()


def test_the_state_file_is_opened_in_wal_mode_on_a_local_disk(tmp_path):
    state = State(tmp_path / 'state.sqlite')
    assert journal_mode(state) == 'wal'


@pytest.mark.parametrize(('magic', 'name'), [(0x6969, 'nfs'), (0xFF534D42, 'cifs')])
def test_on_a_network_filesystem_the_state_file_is_not_opened_in_wal_mode(
        tmp_path, monkeypatch, magic, name):
    """SQLite's WAL mode needs every process on one host: Toolforge keeps a tool's home on
    NFS, where a job on a Kubernetes node and -review on the bastion are two hosts."""
    from commonscache.keeping import state as module

    warnings = []
    monkeypatch.setattr(module, 'filesystem_type', lambda path: magic)
    monkeypatch.setattr(module.pywikibot, 'warning', warnings.append)
    path = tmp_path / f'{name}.sqlite'
    first = State(path)
    assert journal_mode(first) == 'delete'
    for _ in range(3):
        with first.engine.connect() as connection:  # said once a run, not once a connection
            connection.exec_driver_sql('SELECT 1')
    first.close()
    assert len(warnings) == 1 and f'network filesystem ({name})' in warnings[0], warnings


def test_the_filesystem_type_is_read_from_statfs(tmp_path):
    from commonscache.keeping.state import NETWORK_FILESYSTEMS, filesystem_type

    assert filesystem_type(tmp_path) not in (0, *NETWORK_FILESYSTEMS)  # a local disk here


#: MediaWiki's longest title: 255 bytes after the namespace, here in a script of 3 bytes a
#: character and in ASCII (issue 34).
LONGEST = ['File:' + 'ж' * 125 + '.png' + 'x', 'Datei:' + 'x' * 251 + '.png',
           'File:' + '日' * 83 + '.png']


def test_the_longest_titles_are_kept_whole_in_every_table(make_state):
    state = make_state()
    for title in LONGEST:
        assert len(title.split(':', 1)[1].encode()) <= 255
        state.record(shared=SHARED, title=title, outcome='failed', reason='source-unreachable')
        state.record(shared=SHARED, title=title, outcome='flagged', reason='name-taken',
                     details='taken')
        state.purge_later(shared=SHARED, consumers=['devfarm:consumer'], title=title, due=0)
        state.defer(shared=SHARED, consumer='devfarm:consumer', title=title, size=1,
                    day='2026-12-07')
    assert set(state.outcomes(shared=SHARED)) == set(LONGEST)
    assert {flag.title for flag in state.flags(shared=SHARED)} == set(LONGEST)
    assert set(state.pending_purges(shared=SHARED, consumer='devfarm:consumer')) == set(LONGEST)




def test_a_copy_that_stands_by_a_person_or_a_decision_is_one_the_bot_made(make_state):
    """A copy edited by others, detached, kept or deleted by a reviewer's decision is still
    one the bot cached: deleted later on the shared repository, it is flagged was-deleted,
    never uploaded again unasked."""
    state = make_state()
    reasons = ('local-change', 'detached', 'agreed', 'tagged-for-deletion', 'deleted-on-review')
    for reason in reasons:
        state.record(shared=SHARED, title=f'File:{reason}.jpg', outcome='nothing', reason=reason)
    state.record(shared=SHARED, title='File:Other.jpg', outcome='nothing', reason='same-file')
    state.record(shared=SHARED, title='File:Gone.jpg', outcome='skipped',
                 reason='source-missing')
    assert state.was_cached(shared=SHARED) == {f'File:{reason}.jpg' for reason in reasons}


def test_a_control_page_is_kept_as_a_trusted_user_left_it(make_state):
    """The rule page's trusted word, text and all (issue 34): a long page too (LONGTEXT on
    MariaDB), replaced by the next one."""
    from commonscache.keeping.state import keep_word, kept_word

    state = make_state()
    page = 'devfarm:shared Project:Cached Commons media/Rules'
    assert kept_word(state, page) is None
    long_rules = '== Templates ==\n=== Remove ===\n' + '* Check categories\n' * 5000
    keep_word(state, page, 7, 'Admin', long_rules)
    assert kept_word(state, page) == (7, 'Admin', long_rules)
    keep_word(state, page, 9, 'Other Admin', 'no rules')
    assert kept_word(state, page) == (9, 'Other Admin', 'no rules')
