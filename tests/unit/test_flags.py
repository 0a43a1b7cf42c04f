"""When a flag opens and closes: a table of the path a file takes in a run × whether its
cause is there, gone, or not looked at → the flags open after the outcome.

The path, not the kind of run, decides what is looked at (:mod:`commonscache.deciding.flags`): a
plain run, ``-since:last``, a category and ``-watch`` judge a file that is not on the shared
repository yet and only glance at a copy of the bot's that is there; ``-refresh`` judges
every copy."""
from __future__ import annotations

import pytest

from commonscache.datatypes import Outcome
from commonscache.deciding import flags
from commonscache.deciding.records import entry_of
from commonscache.keeping.state import State
from commonscache.reading.pipeline import judged

CONFLICT = {'F': 'licence: the description says «CC BY 4.0», the structured data says …'}
#: A glance at the bot's own copy on the shared repository, the source not read (what a
#: plain sweep, -since:last or -watch does with a file the consumer finds there).
GLANCE = Outcome('F', 'nothing', 'up-to-date', examined=flags.ON_SHARED)


def after(open_flags: dict[str, str], outcomes: list[Outcome]) -> dict[str, str]:
    """The open flags once *outcomes* (one run's, for file F) are recorded."""
    now = dict(open_flags)
    for outcome in outcomes:
        entry = entry_of(outcome)
        now = {reason: details for reason, details in now.items()
               if reason not in entry.closes} | dict(entry.raised)
    return now


LICENCE = {'licence-changed': 'the source now says CC BY-SA 4.0, the copy says CC BY 4.0'}
TAKEN = {'name-taken': 'a different file (sha1 ab12) uploaded by Alice'}
SDC = {'sdc-conflict': CONFLICT['F']}


@pytest.mark.parametrize(('open_flags', 'outcomes', 'expected'), [
    # -- the cause is there: the flag stays, whatever the run
    pytest.param(LICENCE, judged(Outcome('F', 'flagged', 'licence-changed',
                                         LICENCE['licence-changed']), {}), LICENCE,
                 id='refresh-licence-still-changed'),
    pytest.param(TAKEN, judged(Outcome('F', 'flagged', 'name-taken', TAKEN['name-taken']), {}),
                 TAKEN, id='plain-name-still-taken'),
    pytest.param(SDC, judged(Outcome('F', 'nothing', 'up-to-date'), CONFLICT), SDC,
                 id='refresh-sdc-still-contradicts'),
    pytest.param({}, judged(Outcome('F', 'cached'), CONFLICT), SDC,
                 id='first-copy-opens-sdc-beside-it'),
    # -- the cause was not looked at: the flag stays
    pytest.param(LICENCE, [GLANCE], LICENCE, id='plain-glance-leaves-licence'),
    pytest.param(SDC, [GLANCE], SDC, id='plain-glance-leaves-sdc'),
    pytest.param({**LICENCE, **SDC}, [GLANCE], {**LICENCE, **SDC}, id='plain-glance-leaves-both'),
    pytest.param(LICENCE, judged(Outcome('F', 'failed', 'source-unreachable'), {}), LICENCE,
                 id='source-unreachable'),
    pytest.param(TAKEN, judged(Outcome('F', 'failed', 'download-failed'), {}), TAKEN,
                 id='download-failed-before-the-upload-answered'),
    pytest.param(SDC, judged(Outcome('F', 'flagged', 'licence-changed',
                                     LICENCE['licence-changed']), CONFLICT),
                 {**SDC, **LICENCE}, id='another-flag-does-not-judge-sdc'),
    pytest.param(LICENCE, [], LICENCE, id='file-not-in-this-run'),
    # -- the cause is gone, and the run looked: the flag closes
    pytest.param(LICENCE, judged(Outcome('F', 'nothing', 'up-to-date'), {}), {},
                 id='refresh-licence-agrees-again'),
    pytest.param(SDC, judged(Outcome('F', 'updated'), {}), {}, id='refresh-sdc-agrees-again'),
    pytest.param(TAKEN, [GLANCE], {}, id='plain-bots-copy-now-under-the-name'),
    pytest.param({'upload-refused': 'webp'}, judged(Outcome('F', 'cached'), {}), {},
                 id='shared-takes-the-type-now'),
    pytest.param(SDC, judged(Outcome('F', 'nothing', 'local-change'), CONFLICT), {},
                 id='copy-no-longer-the-bots'),
])
def test_the_flag_rules(open_flags, outcomes, expected):
    assert after(open_flags, outcomes) == expected


def test_a_flag_kept_open_keeps_its_first_day_and_takes_new_details(make_state):
    state = make_state()
    state.record(shared='w:s', title='F', outcome='flagged', reason='licence-changed',
                 details='first', examined=flags.JUDGED)
    [first] = state.flags(shared='w:s')
    state.record(shared='w:s', title='F', outcome='flagged', reason='licence-changed',
                 details='second', examined=flags.JUDGED)
    [kept] = state.flags(shared='w:s')
    assert (kept.since, kept.details) == (first.since, 'second')


def test_a_flag_beside_the_outcome_leaves_the_last_outcome_as_it_was():
    entry = entry_of(Outcome('F', 'flagged', flags.SDC_CONFLICT, 'x'))
    assert entry.report is None and entry.raised == {flags.SDC_CONFLICT: 'x'}
    assert entry_of(Outcome('F', 'flagged', 'name-taken', 'y')).report is not None


def test_every_outcome_but_a_deferral_ends_the_wait_for_a_budget():
    assert entry_of(Outcome('F', 'skipped', flags.OVER_BUDGET)).ends_deferral is False
    assert entry_of(Outcome('F', 'would cache')).ends_deferral is False
    assert entry_of(Outcome('F', 'cached')).ends_deferral is True


def test_the_state_keeps_flags_apart_from_the_last_outcome(make_state):
    """A copy with a flag beside it stays the last outcome; a glance closes neither flag."""
    state = make_state()
    for outcome in [*judged(Outcome('F', 'cached', sha1='aaa'), CONFLICT)]:
        state.record(shared='w:s', title=outcome.title, outcome=outcome.kind,
                     reason=outcome.reason, details=outcome.details, sha1=outcome.sha1,
                     examined=outcome.examined)
    state.record(shared='w:s', title='F', outcome='flagged', reason='licence-changed',
                 details='changed', examined=flags.JUDGED)
    before = state.flags(shared='w:s')
    assert sorted(f.reason for f in before) == ['licence-changed', 'sdc-conflict']
    state.record(shared='w:s', title='F', outcome='nothing', reason='up-to-date',
                 examined=GLANCE.examined)
    assert state.flags(shared='w:s') == before
    assert state.outcomes(shared='w:s')['F'][:2] == ('nothing', 'up-to-date')
    assert state.was_cached(shared='w:s') == {'F'}


def test_open_flags_of_an_older_state_file_are_kept(tmp_path):
    """State files of earlier versions kept a flag as the file's last outcome."""
    import sqlite3

    path = tmp_path / 'state.sqlite'
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE files (shared TEXT NOT NULL, title TEXT NOT NULL, outcome TEXT '
                   "NOT NULL, reason TEXT NOT NULL DEFAULT '', details TEXT NOT NULL DEFAULT '', "
                   "sha1 TEXT NOT NULL DEFAULT '', first_seen TEXT NOT NULL, last_seen TEXT NOT "
                   'NULL, PRIMARY KEY (shared, title))')
        db.execute("INSERT INTO files VALUES ('w:s', 'F', 'flagged', 'name-taken', 'taken', '', "
                   "'2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z')")
        db.execute("INSERT INTO files VALUES ('w:s', 'G', 'cached', '', '', 'aaa', "
                   "'2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z')")
    state = State(path)
    assert [(f.title, f.reason, f.since) for f in state.flags()] == [
        ('F', 'name-taken', '2026-01-02T00:00:00Z')]
    state.close()
    state = State(path)  # opened again: copied once
    assert len(state.flags()) == 1
