"""Wikitext from strangers is parsed within bounds (issue 34): a linear scan tells what the
parser would choke on before it is parsed, and the bot's read path then flags the file
instead of parsing it."""
from __future__ import annotations

import subprocess
import sys

import pytest

from commonscache.deciding.reconcile import UNREADABLE, decide
from commonscache.markup import wikitext
from commonscache.reading.source import source_file

#: Two megabytes of each kind of markup that mwparserfromhell's cost explodes on: each
#: construct left open is tried again against everything after it.
PATHOLOGICAL = {
    'templates-left-open': '{{a|' * 500_000,
    'links-left-open': '[[a|' * 500_000,
    'arguments-left-open': '{{{a|' * 400_000,
    'tables-left-open': '{|\n|a\n' * 300_000,
    'open-then-closed': '{{a|' * 500 + '{{a|b}} ' * 250_000,
    'tags': '<div>' * 400_000,
}


@pytest.mark.parametrize('kind', sorted(PATHOLOGICAL))
def test_two_megabytes_of_markup_that_chokes_the_parser_is_told_apart_by_a_scan(kind):
    text = 'Fine words. ' + PATHOLOGICAL[kind]
    assert wikitext.unreadable(text)
    with pytest.raises(wikitext.UnreadableText):
        wikitext.parse(text)


@pytest.mark.parametrize(('text', 'readable'), [
    pytest.param('{{Information|description={{en|1=A harbour}}|author=[[User:A|A]]}}\n'
                 '{{Cc-by-4.0}}\n[[Category:Harbours]]', True, id='a-commons-description'),
    pytest.param('{{a|b}} ' * 4000, True, id='4000-closed-templates'),
    pytest.param('{{a|' * 3 + 'text ' * 100_000, True, id='a-few-left-open-in-plain-text'),
    pytest.param('word ' * 800_000, True, id='4-MB-of-plain-text'),
    pytest.param('{{a|b}} ' * 6000, False, id='too-many-openings'),
    pytest.param('{{a|' * 500, False, id='500-left-open'),
    pytest.param('x' * (wikitext.MAX_BYTES + 1), False, id='too-large'),
])
def test_what_the_bot_parses(text, readable):
    assert (wikitext.unreadable(text) == '') is readable


def page_with(text: str) -> dict:
    """One page of a source's batched query (prop=imageinfo|revisions), as the API gives."""
    return {'title': 'File:Hostile.png', 'imagerepository': 'local',
            'imageinfo': [{'timestamp': '2026-12-01T00:00:00Z', 'user': 'Mallory', 'size': 10,
                           'width': 1, 'height': 1, 'comment': '', 'sha1': 'a' * 40,
                           'url': 'https://c.example/a.png', 'mime': 'image/png',
                           'descriptionurl': 'https://c.example/wiki/File:Hostile.png'}],
            'revisions': [{'revid': 7, 'slots': {'main': {'content': text}}}]}


def test_a_source_past_the_bounds_is_read_without_parsing_and_flagged_not_copied():
    from commonscache.datatypes import SharedFile

    found = source_file(page_with('{{Information|author=Mallory}}\n' + '{{a|' * 500_000))
    assert found.unreadable and found.text == '' and found.licences == ()
    verdict = decide(found, SharedFile('File:Hostile.png'), bot='CacheBot')
    assert (verdict.action, verdict.reason) == ('flag', UNREADABLE)
    assert 'above the 5,000 the bot parses' in verdict.details


def test_the_read_path_ends_at_once_on_two_megabytes_of_each_kind():
    """In a process of its own, so that a parse that does not end fails the test instead of
    hanging it: reading each 2 MB description takes the scan only."""
    code = ('import sys; from tests.unit.test_wikitext import PATHOLOGICAL, page_with; '
            'from commonscache.reading.source import source_file; '
            'print(all(source_file(page_with(t)).unreadable for t in PATHOLOGICAL.values()))')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == 'True', done.stderr


def test_a_run_parses_each_text_once_and_each_reader_gets_a_tree_of_its_own(monkeypatch):
    """Within a run (parsed_once), a text read by several stages is parsed once (issue
    34); a reader that changes its tree changes no other reader's; outside a run, nothing
    is kept."""
    import mwparserfromhell

    parses: list[str] = []
    real = mwparserfromhell.parse
    monkeypatch.setattr(wikitext.mwparserfromhell, 'parse',
                        lambda text: parses.append(text) or real(text))
    text = '{{Information|description=A harbour}}\n[[Category:Harbours]]'
    with wikitext.parsed_once():
        first = wikitext.parse(text)
        first.filter_templates()[0].add('author', 'Changed by one reader')
        for _ in range(4):
            assert str(wikitext.parse(text)) == text
        with pytest.raises(wikitext.UnreadableText):
            wikitext.parse('{{a|' * 2000)
    assert parses == [text]
    wikitext.parse(text)
    wikitext.parse(text)
    assert parses == [text, text, text]
