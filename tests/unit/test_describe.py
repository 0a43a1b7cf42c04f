"""The description transformation, over the shapes real Commons description pages take.

The inputs are modelled on Commons pages as they were in November 2026: {{Information}} and
{{Artwork}} pages, multilingual descriptions, {{Location}}, licence templates, comments,
<nowiki>, tables, parser functions, sort keys, interwiki and user links.
"""
from __future__ import annotations

import mwparserfromhell
import pytest

from commonscache.datatypes import CategoryPolicy, FileVersion, SourceFile
from commonscache.markup.wikitext import category_names
from commonscache.reading.target import provenance_of
from commonscache.writing.describe import (
    PageSettings,
    attribution_section,
    describe,
    escape_value,
    point_links_back,
    provenance_call,
)

#: Interwiki prefixes the shared repository knows (the default MediaWiki list has these).
KNOWN = ['commons', 'wikipedia', 'mw', 'meta']
EXISTING = CategoryPolicy('existing', frozenset({'Category:Sunsets'}))


def transform(text: str) -> str:
    return point_links_back(text, interwiki='commons', known_prefixes=KNOWN,
                            categories=EXISTING)[0]


@pytest.mark.parametrize(('text', 'expected'), [
    pytest.param('{{Information|description={{en|1=Seen from [[Example Town]].}}|author=Me}}',
                 '{{Information|description={{en|1=Seen from [[commons:Example Town|Example '
                 'Town]].}}|author=Me}}', id='information-link-in-language-template'),
    pytest.param('{{Artwork |artist = [[w:Leonardo da Vinci|Leonardo]] |title={{en|1=X}}}}',
                 '{{Artwork |artist = [[commons:w:Leonardo da Vinci|Leonardo]] '
                 '|title={{en|1=X}}}}', id='artwork-prefix-unknown-here'),
    pytest.param('{{en|1=English}}{{de|1=Deutsch mit [[Hafen]]}}',
                 '{{en|1=English}}{{de|1=Deutsch mit [[commons:Hafen|Hafen]]}}',
                 id='multilingual'),
    pytest.param('{{Location|54.3233|10.1228}}', '{{Location|54.3233|10.1228}}', id='location'),
    pytest.param('{{self|cc-by-sa-4.0|GFDL}}', '{{self|cc-by-sa-4.0|GFDL}}',
                 id='licence-templates-kept'),
    pytest.param('<!-- [[Not a link]] -->x', '<!-- [[Not a link]] -->x', id='html-comment'),
    pytest.param('<nowiki>[[Not a link]]</nowiki>', '<nowiki>[[Not a link]]</nowiki>',
                 id='nowiki'),
    pytest.param('{| class="wikitable"\n| [[Cell link]] || b\n|}',
                 '{| class="wikitable"\n| [[commons:Cell link|Cell link]] || b\n|}', id='table'),
    pytest.param('{{#if:{{{x|}}}|[[Yes]]|no}}', '{{#if:{{{x|}}}|[[commons:Yes|Yes]]|no}}',
                 id='parser-function'),
    pytest.param('[[Category:Sunsets|Harbour, Example]]\n[[Category:Not here|x]]',
                 '[[Category:Sunsets|Harbour, Example]]', id='category-sort-keys'),
    pytest.param('[[category:Sunsets]]', '[[category:Sunsets]]', id='category-lowercase'),
    pytest.param('[[:Category:Not here]]', '[[:Category:Not here]]', id='category-link-kept'),
    pytest.param('[[wikipedia:Harbour]] [[mw:API]]', '[[wikipedia:Harbour]] [[mw:API]]',
                 id='interwiki-known-here'),
    pytest.param('[[User:Alice Example|Alice]] ([[User talk:Alice Example|talk]])',
                 '[[commons:User:Alice Example|Alice]] ([[commons:User talk:Alice '
                 'Example|talk]])', id='user-links'),
    pytest.param('[[File:Other.jpg|thumb]] [[Media:Other.jpg]] [[Image:Old.png]]',
                 '[[File:Other.jpg|thumb]] [[Media:Other.jpg]] [[Image:Old.png]]',
                 id='file-media-image-kept'),
    pytest.param('[[#Summary]] [[/Sub]] [[{{PAGENAME}}]]', '[[#Summary]] [[/Sub]] [[{{PAGENAME}}]]',
                 id='anchors-subpages-templated'),
    pytest.param('{{Information|description=[[unclosed link|author=}}',
                 '{{Information|description=[[unclosed link|author=}}', id='malformed'),
    pytest.param('== Summary ==\n=={{int:filedesc}}==', '== Summary ==\n=={{int:filedesc}}==',
                 id='headings-kept'),
])
def test_links_point_back_to_the_source(text: str, expected: str):
    assert transform(text) == expected


def test_every_change_is_listed():
    text = '[[Harbour]] [[Category:Missing]] [[Category:Sunsets]]'
    new, changes = point_links_back(text, interwiki='commons', known_prefixes=KNOWN,
                                    categories=EXISTING)
    assert new == '[[commons:Harbour|Harbour]]  [[Category:Sunsets]]'
    assert changes == [
        'linked [[Harbour]] to the source as [[commons:Harbour]]',
        'dropped [[Category:Missing]]: no such category on the shared repository',
    ]


def test_category_names_are_read_with_sort_keys_and_underscores():
    assert category_names('[[Category:A_b|key]] [[:Category:Link]] [[category: C ]]') == {
        'Category:A b', 'Category:C'}


def version(**changes: object) -> FileVersion:
    values = dict(timestamp='2024-01-02T03:04:05Z', user='Alice Example', size=12345,
                  width=640, height=480, comment='Uploaded own work', sha1='a' * 40,
                  url='https://upload.example/a.jpg', mime='image/jpeg')
    return FileVersion(**{**values, **changes})


HOSTILE = 'x}}|y=[[z]]<script>{{!}}\n|}'


def source(**changes: object) -> SourceFile:
    values = dict(title='File:A & B (1).jpg', description_url='https://c.example/wiki/File:A',
                  versions=(version(),), text='{{Information|author=Me}}', revision=42,
                  licence='CC BY-SA 4.0', author='Alice Example')
    return SourceFile(**{**values, **changes})


def test_provenance_values_from_outside_cannot_break_the_template():
    call = provenance_call(source(author=HOSTILE, licence='CC|BY'), template='Cached',
                           retrieved='2026-01-01T00:00:00Z')
    parsed = provenance_of(call, 'Cached')
    assert parsed['author'] == ' '.join(HOSTILE.split())
    assert parsed['licence'] == 'CC|BY'
    assert parsed['file'] == 'File:A & B (1).jpg'
    assert set(parsed) == {'source', 'file', 'sha1', 'revision', 'timestamp', 'retrieved',
                           'licence', 'author'}


def test_attribution_lists_every_upload_and_escapes_comments_and_names():
    section = attribution_section(
        source(versions=(version(comment=HOSTILE, user='Bob'), version())),
        interwiki='commons', history_url='https://c.example/w/index.php?title=File:A&action=history')
    code = mwparserfromhell.parse(section)
    assert section.count('\n|-\n') == 2
    assert '[[commons:User:Bob|Bob]]' in section
    assert '<nowiki>x}}|y=[[z]]&lt;script&gt;{{!}} |}</nowiki>' in section
    assert '[https://c.example/w/index.php?title=File:A&action=history history' in section
    assert not code.filter_templates()  # nothing from outside became a template call
    assert section.rstrip().endswith('|}')


def test_describe_puts_template_description_attribution_and_tracking_together():
    settings = PageSettings('Cached Commons Media', 'commons', tuple(KNOWN), EXISTING,
                            tracking='Cached Commons media')
    page = describe(source(text='{{Information|description=[[Harbour]]}}\n[[Category:Sunsets]]'),
                    settings, history_url='https://c.example/h', retrieved='2026-01-01T00:00:00Z')
    assert page.text.startswith('{{Cached Commons Media\n|source=https://c.example/wiki/File:A')
    assert '{{Information|description=[[commons:Harbour|Harbour]]}}\n[[Category:Sunsets]]' in \
        page.text
    assert '== Attribution ==' in page.text
    assert page.text.endswith('|}\n[[Category:Cached Commons media]]\n')
    assert page.changes == ('linked [[Harbour]] to the source as [[commons:Harbour]]',
                            'added the tracking category [[Category:Cached Commons media]]')


@pytest.mark.parametrize(('policy', 'expected', 'change'), [
    pytest.param(CategoryPolicy('existing', frozenset({'Category:Ports'}), {'harbours': 'Ports'}),
                 '[[Category:Ports|Town]]',
                 '[[Category:Harbours]] became [[Category:Ports]]: mapped by the rules',
                 id='map-then-existing'),
    pytest.param(CategoryPolicy('existing'), '',
                 'dropped [[Category:Harbours]]: no such category on the shared repository',
                 id='existing-drops-missing'),
    pytest.param(CategoryPolicy('all'), '[[Category:Harbours|Town]]', None, id='all'),
    pytest.param(CategoryPolicy('none', frozenset({'Category:Harbours'})), '',
                 'dropped [[Category:Harbours]]: categories are not copied (-categories:none)',
                 id='none'),
])
def test_category_policies(policy: CategoryPolicy, expected: str, change: str | None):
    text, changes = point_links_back('[[Category:Harbours|Town]]', interwiki='commons',
                                     known_prefixes=KNOWN, categories=policy)
    assert text == expected
    assert changes == ([change] if change else [])


def test_escape_value_keeps_plain_text_plain():
    assert escape_value('Alice Example') == 'Alice Example'
    assert escape_value('a|b{{c}}[[d]]<e>&') == 'a&#124;b&#123;&#123;c&#125;&#125;&#91;&#91;d' \
        '&#93;&#93;&lt;e&gt;&amp;'


@pytest.mark.parametrize('value', [
    pytest.param('~~~~', id='signature'),
    pytest.param('~~~~~ and ~~~', id='timestamp-and-name'),
    pytest.param('__NOTOC__ __NOINDEX__', id='behaviour-switches'),
    pytest.param("''italic'' and '''bold'''", id='quote-markup'),
    pytest.param('-{zh-hans:简;zh-hant:簡}-', id='language-conversion'),
    pytest.param("O'Brien_Photo ~ one tilde", id='plain-single-characters'),
])
def test_nothing_in_a_provenance_value_is_interpreted_and_it_reads_back_as_written(value):
    escaped = escape_value(value)
    for meaningful in ('~~~', '__', "''", '-{'):
        assert meaningful not in escaped
    call = provenance_call(source(author=value), template='Cached',
                           retrieved='2026-01-01T00:00:00Z')
    assert provenance_of(call, 'Cached')['author'] == value
    if not any(run in value for run in ('~~~', '__', "''", '{')):
        assert escaped == value  # single tildes, underscores and apostrophes stay as they are
