"""The review list in its three forms; nothing from outside can break the wiki table."""
from __future__ import annotations

import json

import mwparserfromhell

from commonscache.deciding import flags
from commonscache.keeping.state import Flag
from commonscache.publishing.review import as_json, as_lines, as_wikitable

HOSTILE = "x\n|}\n{{Delete}} [[Category:Spam]] <script>alert(1)</script> '''bold''' ~~~~ |- ||"
FLAGS = [
    Flag('name-taken', 'File:A.jpg', 'a different file uploaded by Carol', '2026-01-01T00:00:00Z'),
    Flag('upload-refused', 'File:B.webp', HOSTILE, '2026-01-02T00:00:00Z'),
]


def test_lines_are_tab_separated_one_per_flag():
    assert as_lines(FLAGS).splitlines() == [
        'name-taken\tFile:A.jpg\ta different file uploaded by Carol',
        'upload-refused\tFile:B.webp\t' + ' '.join(HOSTILE.split()),
    ]


def test_json_has_reason_title_details_since():
    assert json.loads(as_json(FLAGS)) == [
        {'reason': 'name-taken', 'title': 'File:A.jpg',
         'details': 'a different file uploaded by Carol', 'since': '2026-01-01T00:00:00Z'},
        {'reason': 'upload-refused', 'title': 'File:B.webp', 'details': HOSTILE,
         'since': '2026-01-02T00:00:00Z'},
    ]


def test_the_wiki_table_keeps_its_shape_whatever_the_details_say():
    table = as_wikitable(FLAGS, interwiki='commons')
    code = mwparserfromhell.parse(table)
    assert not code.filter_templates()
    assert [str(link.title) for link in code.filter_wikilinks()] == [
        ':File:A.jpg', 'commons:File:A.jpg', ':File:B.webp', 'commons:File:B.webp']
    assert '<script>' not in table and '~~~~' not in table and "'''" not in table
    lines = table.splitlines()
    assert lines.count('|-') == 2
    assert lines[-1] == '|}' and sum(line.startswith('|}') for line in lines) == 1


def test_a_title_that_cannot_be_a_link_is_shown_as_text():
    table = as_wikitable([Flag('duplicate', 'File:[[x]].jpg', '', '')], interwiki='commons')
    assert not mwparserfromhell.parse(table).filter_wikilinks()


def test_flags_come_from_the_state_and_close_when_an_outcome_finds_their_cause_gone(make_state):
    state = make_state()
    state.record(shared='w:s', title='File:A.jpg', outcome='flagged', reason='name-taken',
                 details='taken')
    state.record(shared='w:s', title='File:B.jpg', outcome='cached', sha1='b' * 40)
    state.record(shared='w:other', title='File:C.jpg', outcome='flagged', reason='duplicate')
    assert [f.title for f in state.flags(shared='w:s')] == ['File:A.jpg']
    since = state.flags(shared='w:s')[0].since
    state.record(shared='w:s', title='File:A.jpg', outcome='flagged', reason='name-taken',
                 details='still taken')
    assert state.flags(shared='w:s')[0].since == since  # first seen stays
    # An outcome that did not look at the name (the source unreadable) leaves the flag open;
    # one that found the bot's copy under it closes it.
    state.record(shared='w:s', title='File:A.jpg', outcome='failed',
                 reason='source-unreachable')
    assert [f.title for f in state.flags(shared='w:s')] == ['File:A.jpg']
    state.record(shared='w:s', title='File:A.jpg', outcome='nothing', reason='up-to-date',
                 examined=flags.ON_SHARED)
    assert state.flags(shared='w:s') == []
    assert [f.title for f in state.flags()] == ['File:C.jpg']


def test_the_review_page_stays_bounded_however_many_flags_are_open():
    """Thousands of flags (an editor embedding thousands of files the shared repository
    refuses): the most recent 50 of each reason are listed, the rest counted, and long
    details cut; -review keeps them all."""
    from commonscache.publishing.review import DETAILS_SHOWN, SHOWN_PER_REASON

    many = [Flag('upload-refused', f'File:Refused {n:05d}.exe', 'x' * 2000,
                 f'2026-12-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z')
            for n in range(5000)]
    many.append(Flag('name-taken', 'File:A.jpg', 'taken', '2026-12-01T00:00:00Z'))
    table = as_wikitable(many, interwiki='commons')
    lines = table.splitlines()
    assert lines.count('|-') == SHOWN_PER_REASON + 1
    assert '4950 more flags for upload-refused' in table
    assert 'Refused 04999' in table and 'Refused 04949' not in table  # the most recent
    assert len(table.encode()) < 64 * 1024  # far below MediaWiki's 2 MiB page limit
    assert 'x' * DETAILS_SHOWN not in table
    assert len(as_lines(many).splitlines()) == 5001
