"""Reviewers' decisions (issue 36), as tables: the request line → the decision; flag kind ×
decision → carried out or why not; (decision or agreement, source, copy) → the verdict; and
the state's record of how each flag closed and which agreements stand."""
from __future__ import annotations

import dataclasses

import pytest

from commonscache.datatypes import Agreement, Outcome
from commonscache.deciding import flags
from commonscache.deciding.decisions import (
    APPLIES,
    AS_IT_STANDS,
    COPYRIGHT_REASONS,
    DELETE_COPY,
    DETACH,
    FOR_COPYRIGHT,
    KEEP_COPY,
    TAKE_SOURCE,
    WORDS,
    carried_out,
    for_copyright,
    parse,
    refusal,
)
from commonscache.deciding.reconcile import decide
from commonscache.deciding.records import entry_of
from commonscache.keeping.state import Flag, agreements, closed_flags
from commonscache.publishing.review import as_wikitable, closed_as_json, closed_as_lines
from commonscache.reading.target import detached_text, provenance_of
from tests.unit.snapshots import (
    ABSENT,
    BOT,
    NEW_BOTH,
    NEW_LICENCE,
    OURS,
    OURS_EDITED,
    SOURCE,
    TAKEN,
)


@pytest.mark.parametrize(('line', 'parsed'), [
    ('* [[:File:X.jpg]] keep-copy', ('File:X.jpg', KEEP_COPY)),
    ('* [[:File:X.jpg|the harbour]] - take-source, the source is right',
     ('File:X.jpg', TAKE_SOURCE)),
    ('* File:X.jpg: detach', ('File:X.jpg', DETACH)),
    ('*File:A: b.jpg — delete-copy (copyright)', ('File:A: b.jpg', DELETE_COPY)),
    ('* [[:File:X.jpg]] keep-copying', None),  # not a decision word
    ('* [[Harbour]] - for the exhibition', None),  # a sweep
    ('* [[:Category:Places]]', None),
    ('keep-copy', None),
    ('* keep-copy', None),
])
def test_a_decision_line_names_a_file_and_one_decision(line, parsed):
    assert parse(line) == parsed


@pytest.mark.parametrize(('open_reasons', 'word', 'applies'), [
    *[pytest.param({reason}, word, word in APPLIES.get(reason, ()), id=f'{reason}×{word}')
      for reason in sorted(flags.JUDGED | {flags.SDC_CONFLICT}) for word in WORDS],
    pytest.param({'local-changed', 'sdc-conflict'}, TAKE_SOURCE, True, id='one flag of two'),
])
def test_each_decision_settles_the_flags_it_applies_to(open_reasons, word, applies):
    why = refusal(word, open_reasons)
    assert (why == '') is applies, why
    if not applies:
        assert word in why


def test_every_flag_has_a_way_out_and_pages_not_the_bots_are_only_kept_as_they_stand():
    assert set(APPLIES) == flags.JUDGED | {flags.SDC_CONFLICT}
    assert set(APPLIES['local-changed']) == set(WORDS)
    assert TAKE_SOURCE not in APPLIES['source-deleted']  # nothing to take
    for reason in ('name-taken', 'duplicate', 'was-deleted', 'upload-refused'):
        assert APPLIES[reason] == (KEEP_COPY,)
        assert 'what does: keep-copy' in refusal(DELETE_COPY, {reason})
    assert refusal(KEEP_COPY, set()) == 'the file has no open flag'


AGREED = Agreement(KEEP_COPY, SOURCE.revision, SOURCE.latest.sha1, 'Reviewer', '2026-12-07')
DELETED = Agreement(DELETE_COPY, 0, '', 'Reviewer', '2026-12-07')
STANDS = Agreement(KEEP_COPY, AS_IT_STANDS, TAKEN.sha1, 'Reviewer', '2026-12-07')


@pytest.mark.parametrize(('source', 'shared', 'options', 'action', 'reason'), [
    # a decision carried out now
    pytest.param(NEW_BOTH, OURS_EDITED, {'decision': KEEP_COPY}, 'agree', 'agreed',
                 id='keep-copy: agreed'),
    pytest.param(NEW_BOTH, OURS_EDITED, {'decision': TAKE_SOURCE}, 'update-file', '',
                 id='take-source: the source version'),
    pytest.param(NEW_LICENCE, OURS, {'decision': TAKE_SOURCE}, 'update-description', '',
                 id='take-source: the new licence'),
    pytest.param(NEW_BOTH, OURS_EDITED, {'decision': DETACH}, 'detach', 'detached',
                 id='detach'),
    pytest.param(None, OURS, {'decision': DELETE_COPY}, 'delete', 'deleted-on-review',
                 id='delete-copy'),
    pytest.param(SOURCE, TAKEN, {'decision': DELETE_COPY}, 'skip', 'not-the-bots',
                 id='delete-copy: never a page of someone else'),
    pytest.param(SOURCE, TAKEN, {'decision': DETACH}, 'skip', 'not-the-bots',
                 id='detach: no provenance to set'),
    # an agreement that stands
    pytest.param(SOURCE, OURS_EDITED, {'agreed': AGREED}, 'nothing', 'agreed',
                 id='kept: the source as agreed'),
    pytest.param(NEW_BOTH, OURS_EDITED, {'agreed': AGREED}, 'flag', 'local-changed',
                 id='kept: a later source change opens a new flag'),
    pytest.param(NEW_LICENCE, OURS, {'agreed': AGREED}, 'flag', 'licence-changed',
                 id='kept: a new licence later opens a new flag'),
    pytest.param(NEW_BOTH, OURS_EDITED, {'agreed': AGREED, 'force': True}, 'update-file', '',
                 id='kept: -force still takes the source'),
    pytest.param(SOURCE, OURS, {'agreed': DELETED}, 'nothing', 'tagged-for-deletion',
                 id='deleted: tagged, awaits an admin'),
    pytest.param(NEW_BOTH, ABSENT, {'agreed': DELETED, 'was_cached': True}, 'nothing',
                 'deleted-on-review', id='deleted: never uploaded again'),
    pytest.param(SOURCE, dataclasses.replace(TAKEN, sha1=SOURCE.latest.sha1),
                 {'agreed': DELETED}, 'nothing', 'same-file',
                 id='deleted: a page of someone else is judged as any'),
    # keep-copy for a page the bot did not write: the page as it stands
    pytest.param(NEW_BOTH, TAKEN, {'agreed': STANDS}, 'nothing', 'agreed',
                 id='as it stands: whatever the source does'),
    pytest.param(SOURCE, dataclasses.replace(TAKEN, sha1='d' * 40), {'agreed': STANDS},
                 'flag', 'name-taken', id='as it stands: until the page gets a new file'),
    pytest.param(SOURCE, ABSENT, {'agreed': dataclasses.replace(STANDS, sha1=''),
                                  'was_cached': True},
                 'nothing', 'agreed', id='as it stands: a deleted copy stays deleted'),
])
def test_decisions_and_agreements_decide(source, shared, options, action, reason):
    verdict = decide(source, shared, bot=BOT, **options)
    assert (verdict.action, verdict.reason) == (action, reason), verdict


@pytest.mark.parametrize(('word', 'kind', 'reason', 'done'), [
    (TAKE_SOURCE, 'updated', '', True),
    (TAKE_SOURCE, 'nothing', 'up-to-date', True),
    (TAKE_SOURCE, 'flagged', 'upload-refused', False),
    (KEEP_COPY, 'nothing', 'agreed', True),
    (DETACH, 'nothing', 'detached', True),
    (DETACH, 'skipped', 'not-the-bots', False),
    (DELETE_COPY, 'nothing', 'tagged-for-deletion', True),
    (DELETE_COPY, 'nothing', 'deleted-on-review', True),
])
def test_the_answer_follows_the_outcome(word, kind, reason, done):
    assert carried_out(word, kind, reason) is done


def test_detaching_sets_sync_on_the_provenance_template_only():
    text = '{{Information|sync=yes}}\n{{Cached Commons Media\n|sha1=abc\n}}\n[[Category:X]]'
    detached = detached_text(text, 'Cached Commons Media')
    assert provenance_of(detached, 'Cached Commons Media') == {'sha1': 'abc', 'sync': 'no'}
    assert detached.startswith('{{Information|sync=yes}}') and '[[Category:X]]' in detached


def test_the_state_keeps_how_each_flag_closed_and_the_agreements(make_state):
    state = make_state()
    shared = 'w:s'
    state.record_all(shared=shared, entries=[entry_of(outcome) for outcome in (
        Outcome('File:A.jpg', 'flagged', 'local-changed', 'both changed'),
        Outcome('File:B.jpg', 'flagged', 'source-deleted', 'gone: copyvio'),
        Outcome('File:C.jpg', 'flagged', 'name-taken', 'taken'))])
    state.record_all(shared=shared, entries=[
        entry_of(Outcome('File:A.jpg', 'nothing', 'agreed', 'kept', examined=flags.JUDGED,
                         agreement=AGREED), closing='keep-copy by Reviewer'),
        entry_of(Outcome('File:C.jpg', 'nothing', 'up-to-date', examined=flags.ON_SHARED))])
    assert [f.title for f in state.flags(shared=shared)] == ['File:B.jpg']
    closed = closed_flags(state, shared=shared)
    assert [(f.title, f.reason, f.how) for f in closed] == [
        ('File:C.jpg', 'name-taken', 'cause gone'),
        ('File:A.jpg', 'local-changed', 'keep-copy by Reviewer')]
    assert closed[1].since <= closed[1].closed
    assert agreements(state, shared=shared, titles=['File:A.jpg', 'File:C.jpg']) == {
        'File:A.jpg': AGREED}
    assert closed_as_lines(closed[1:]).split('\t')[:2] == ['local-changed', 'File:A.jpg']
    assert '"how": "keep-copy by Reviewer"' in closed_as_json(closed)
    page = as_wikitable(state.flags(shared=shared), interwiki='commons', closed=closed)
    assert '== Closed lately ==' in page and 'keep-copy by Reviewer' in page
    assert 'keep-copy, detach, delete-copy' in page  # what settles source-deleted


@pytest.mark.parametrize(('comment', 'copyright'), [
    ('Copyright violation: found at example.org', True),
    ('[[COM:CSD#F1|F1]]: Copyright violation', True),
    ('No permission since 1 December 2026', True),
    ('Per [[Commons:Deletion requests/File:X.jpg]]: derivative work of a poster', True),
    ('Duplicate of File:Y.jpg', False),
    ('Out of scope', False),
    ('', False),
])
def test_a_deletion_for_copyright_is_told_by_its_comment(comment, copyright):
    assert for_copyright(comment, COPYRIGHT_REASONS) is copyright


@pytest.mark.parametrize(('on_deleted', 'copyright', 'action'), [
    ('flag', True, 'flag'),
    ('tag', True, 'delete'),
    ('delete', True, 'delete'),
    ('tag', False, 'flag'),  # any other deletion stays for a person
    ('delete', False, 'flag'),
])
def test_ondeleted_acts_on_deletions_for_copyright_only(on_deleted, copyright, action):
    verdict = decide(None, OURS, bot=BOT, deletion='Copyright violation: x',
                     copyright=copyright, on_deleted=on_deleted)
    assert verdict.action == action
    assert verdict.details.startswith(FOR_COPYRIGHT) is copyright


def test_the_review_page_puts_copyright_deletions_first():
    listed = [Flag('local-changed', 'File:A.jpg', 'both', '2026-01-01'),
              Flag('source-deleted', 'File:B.jpg', 'the file was deleted on its source wiki: '
                   'moved', '2026-01-02'),
              Flag('source-deleted', 'File:C.jpg', f'{FOR_COPYRIGHT}: Copyvio', '2026-01-03')]
    page = as_wikitable(listed, interwiki='commons')
    assert page.index('File:C.jpg') < page.index('File:A.jpg') < page.index('File:B.jpg')


def test_a_flag_on_a_changed_description_links_the_sources_diff_since_the_copy():
    verdict = decide(NEW_BOTH, OURS_EDITED, bot=BOT)
    assert verdict.details.endswith('(source revision 7 → 8)')
    page = as_wikitable([Flag('local-changed', 'File:X.jpg', verdict.details, '2026-01-01')],
                        interwiki='commons')
    assert '[[commons:Special:Diff/7/8|diff]]' in page


def test_keep_copy_without_a_copy_of_the_bots_agrees_to_the_page_as_it_stands():
    from commonscache.datatypes import Decision
    from commonscache.deciding.decisions import kept_as_it_stands

    decision = Decision('File:X.jpg', KEEP_COPY, 'Reviewer', '* [[:File:X.jpg]] keep-copy')
    outcome = kept_as_it_stands(decision, TAKEN, at='2026-12-07T00:00:00Z')
    assert (outcome.kind, outcome.reason) == ('nothing', 'agreed')
    assert outcome.examined >= {'name-taken', 'duplicate', 'was-deleted', 'upload-refused'}
    assert outcome.agreement == Agreement(KEEP_COPY, AS_IT_STANDS, TAKEN.sha1, 'Reviewer',
                                          '2026-12-07T00:00:00Z')
