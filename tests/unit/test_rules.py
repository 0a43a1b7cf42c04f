"""Transfer rules in the CommonsHelper2 format (as FileImporter reads them), as tables:
rule pages and what they do to real-world description shapes."""
from __future__ import annotations

import pytest

from commonscache.markup.rules import (
    FILEDESC,
    LICENSE_HEADER,
    ParameterRule,
    Rules,
    Transfer,
    parse_rules,
)

PAGE = """Rules for copies from Wikimedia Commons. <!-- a comment with * an item -->
== Categories ==
=== Bad ===
* Unsourced images
** a note, not an item
=== Map ===
; Harbours
: Ports
== Templates ==
=== Good ===
=== Bad ===
* Copyvio
* No_source since
=== Remove ===
* Nowcommons
* check categories
=== Transfer ===
; Beschreibung
: Information|description=Text|description=Beschreibung|@author=Urheber|+source=Own work
; Bild-GFDL
: GFDL
== Information ==
=== Description ===
* Summary
* Beschreibung
=== Licensing ===
* Licensing
* Lizenz
"""


def test_a_rule_page_is_read_into_its_parts():
    rules = parse_rules(PAGE, 'Project:Rules')
    assert rules == Rules(
        origin='Project:Rules',
        bad_categories=frozenset({'unsourced images'}),
        category_map={'harbours': 'Ports'},
        good_templates=frozenset(),
        bad_templates=frozenset({'copyvio', 'no source since'}),
        remove_templates=frozenset({'nowcommons', 'check categories'}),
        transfers={
            'beschreibung': Transfer('Beschreibung', 'Information', (
                ParameterRule('description', ('Text', 'Beschreibung')),
                ParameterRule('author', ('Urheber',), language=True),
                ParameterRule('source', default='Own work'))),
            'bild-gfdl': Transfer('Bild-GFDL', 'GFDL'),
        },
        headings={'summary': FILEDESC, 'beschreibung': FILEDESC, 'licensing': LICENSE_HEADER,
                  'lizenz': LICENSE_HEADER},
    )


RULES = parse_rules(PAGE, 'Project:Rules')


@pytest.mark.parametrize(('text', 'expected', 'changes'), [
    pytest.param('{{Beschreibung|Text=Ein Hafen|Urheber=Anna}}',
                 '{{Information|description=Ein Hafen|author={{de|1=Anna}}|source=Own work}}',
                 ['{{Beschreibung}} became {{Information}}'], id='transfer-all-kinds'),
    pytest.param('{{beschreibung\n|Beschreibung=x\n|source=Mine\n}}',
                 '{{Information\n|description=x\n|source=Mine\n}}',
                 ['{{beschreibung}} became {{Information}}'], id='case-and-existing-target'),
    pytest.param('{{bild-GFDL}}', '{{GFDL}}', ['{{bild-GFDL}} became {{GFDL}}'],
                 id='first-letter-case'),
    pytest.param('{{Information|description={{Bild-GFDL}}}}',
                 '{{Information|description={{GFDL}}}}', ['{{Bild-GFDL}} became {{GFDL}}'],
                 id='nested-rename'),
    pytest.param('{{Nowcommons|File:X.jpg|date=2020}}\nText', '\nText',
                 ['removed obsolete {{Nowcommons}}'], id='remove-with-parameters'),
    pytest.param('{{Information|description={{Check_categories|year=2020}} A harbour}}',
                 '{{Information|description= A harbour}}',
                 ['removed obsolete {{Check_categories}}'], id='remove-nested'),
    pytest.param('{{Information|description={{Beschreibung|Text=inner}}}}',
                 '{{Information|description={{Information|description=inner|source=Own work}}}}',
                 ['{{Beschreibung}} became {{Information}}'], id='transfer-inside-parameter'),
    pytest.param('== Summary ==\nx\n==Lizenz==\n{{GFDL}}',
                 '== {{int:filedesc}} ==\nx\n=={{int:license-header}}==\n{{GFDL}}',
                 ['heading "Summary" became {{int:filedesc}}',
                  'heading "Lizenz" became {{int:license-header}}'], id='headings'),
    pytest.param('== Other ==\n{{Information|description=x}}',
                 '== Other ==\n{{Information|description=x}}', [], id='rules-that-do-not-apply'),
    pytest.param('{{Beschreibung|Text=<nowiki>{{x}}</nowiki> [[a|b]]}}',
                 '{{Information|description=<nowiki>{{x}}</nowiki> [[a|b]]|source=Own work}}',
                 ['{{Beschreibung}} became {{Information}}'], id='markup-in-values'),
])
def test_rules_applied(text: str, expected: str, changes: list[str]):
    assert RULES.apply(text, language='de') == (expected, changes)


@pytest.mark.parametrize(('text', 'rule'), [
    pytest.param('{{copyvio|url=x}}', 'Templates/Bad: {{copyvio}} in Project:Rules', id='bad'),
    pytest.param('{{Information|description={{No_source_since|2020}}}}',
                 'Templates/Bad: {{No_source_since}} in Project:Rules', id='bad-nested'),
    pytest.param('[[Category:Unsourced_images]]',
                 'Categories/Bad: [[Category:Unsourced_images]] in Project:Rules',
                 id='bad-category'),
    pytest.param('{{Information|description=fine}}', '', id='allowed'),
])
def test_bad_templates_and_categories_block_a_copy(text: str, rule: str):
    assert RULES.blocking(text) == rule


def test_good_templates_when_listed_are_required():
    rules = parse_rules('== Templates ==\n=== Good ===\n* Information\n* Artwork', 'R')
    assert rules.blocking('{{artwork|artist=x}}') == ''
    assert rules.blocking('{{Self|cc-by-4.0}}') == \
        'Templates/Good: none of the required templates in R'


def test_no_rules_change_nothing():
    text = '== Summary ==\n{{Nowcommons}}{{Beschreibung|Text=x}}'
    assert Rules().apply(text, language='de') == (text, [])
    assert Rules().blocking(text) == ''
    assert parse_rules('', 'empty') == Rules(origin='empty')


@pytest.mark.parametrize(('page', 'warning'), [
    pytest.param('== Templates ==\n=== Transfer ===\n; Beschreibung\n* Information',
                 'R, line 3: "; Beschreibung" has no target', id='transfer-without-target'),
    pytest.param('== Templates ==\n=== Transfer ===\n; A\n: B|novalue',
                 'R, line 3: parameter rule "novalue" is not of the form', id='bad-parameter'),
    pytest.param('== Templates ==\n=== Transfer ===\n: B', 'R, line 3: ": B" without a',
                 id='target-without-source'),
    pytest.param('== Templates ==\n=== Sometimes ===\n* A',
                 'R, line 2: unknown section "Sometimes" under "templates"', id='unknown-section'),
    pytest.param('* Information', 'R, line 1: "* Information" is outside any known section',
                 id='item-outside-section'),
    pytest.param('== Templates ==\n=== Bad ===\n; A\n: B',
                 'R, line 3: "; ..." rules belong under Transfer or Map', id='pair-in-list'),
    pytest.param('== Templates ==\n=== Transfer ===\n; A\n: |x=y',
                 "R, line 3: \": |x=y\" does not start with the target template's name",
                 id='transfer-without-target-name'),
    pytest.param('== Templates ==\n=== Bad ===\n*\n* Copyvio', 'R, line 3: an empty item',
                 id='empty-item'),
])
def test_malformed_entries_are_skipped_with_a_warning_naming_the_line(page: str, warning: str):
    """FileImporter skips what it cannot read; so does commonscache, and says so."""
    rules = parse_rules(page, 'R')
    assert [w for w in rules.warnings if w.startswith(warning)], rules.warnings
    assert rules.transfers == {} or 'novalue' in page


def test_the_one_line_transfer_form_fileimporter_documents():
    rules = parse_rules('== Templates ==\n=== Transfer ===\n'
                        ';Location:Camera location|latitude=1|+source=Commons|@text=Text\n',
                        'R')
    assert rules.warnings == ()
    assert rules.transfers == {'location': Transfer('Location', 'Camera location', (
        ParameterRule('latitude', ('1',)), ParameterRule('source', default='Commons'),
        ParameterRule('text', ('Text',), language=True)))}
