"""Rule pages read exactly as FileImporter reads them: every test vector of FileImporter's own
CommonsHelperConfigParserTest (wikimedia/mediawiki-extensions-FileImporter,
tests/phpunit/Services/Wikitext/CommonsHelperConfigParserTest.php @ 7907723b, as stored in
../shared/real-commons/rules/) gives what FileImporter's parser gives.

Names compare as rules match them (case-insensitively, ``_`` as space). A transfer that
FileImporter returns in its long form with no parameter rules left (the ``%MAGIC_WORD%``
case) renames the template and nothing else, as the short form does; both compare equal.
"""
from __future__ import annotations

import pytest

from commonscache.markup.rules import Rules, key, parse_rules
from tests.realcommons import load_or_empty, real_json

VECTORS = 'rules/fileimporter-CommonsHelperConfigParserTest-vectors.json'
_LOADED = load_or_empty(VECTORS) or {'config': [], 'transfer': []}


def vectors(kind: str) -> list:
    return [pytest.param(vector, id=vector['name']) for vector in _LOADED[kind]] or \
        [pytest.param(None, id='material-absent')]


@pytest.mark.parametrize('vector', vectors('config'))
def test_lists_as_fileimporter_reads_them(vector):
    vector = vector or real_json(VECTORS)['config'][0]
    rules = parse_rules(vector['wikitext'], 'FileImporter vector')
    expected = vector['expected']
    assert {'good': rules.good_templates, 'bad': rules.bad_templates,
            'categories': rules.bad_categories, 'remove': rules.remove_templates} == {
        'good': frozenset(map(key, expected['expectedGoodTemplates'])),
        'bad': frozenset(map(key, expected['expectedBadTemplates'])),
        'categories': frozenset(map(key, expected['expectedBadCategories'])),
        'remove': frozenset(map(key, expected['expectedObsoleteTemplates']))}


def fileimporter_shape(rules: Rules) -> object:
    """The transfers as FileImporter's parser returns them (``[]`` for none)."""
    shape: dict[str, object] = {}
    for transfer in rules.transfers.values():
        if not transfer.parameters:
            shape[transfer.source] = transfer.target
            continue
        parameters = {}
        for rule in transfer.parameters:
            entry: dict[str, object] = {'addIfMissing': rule.default is not None,
                                        'addLanguageTemplate': rule.language}
            if rule.sources:
                entry['sourceParameters'] = list(rule.sources)
            if rule.default is not None:
                entry['value'] = rule.default
            parameters[rule.target] = entry
        shape[transfer.source] = {'targetTemplate': transfer.target, 'parameters': parameters}
    return shape or []


def short_when_bare(expected: object) -> object:
    if not isinstance(expected, dict):
        return expected
    return {source: rule['targetTemplate'] if isinstance(rule, dict) and not rule['parameters']
            else rule for source, rule in expected.items()}


@pytest.mark.parametrize('vector', vectors('transfer'))
def test_transfers_as_fileimporter_reads_them(vector):
    vector = vector or real_json(VECTORS)['transfer'][0]
    page = _LOADED['transfer_wrapper'].replace('{rule}', vector['wikitext_in_transfer_section'])
    rules = parse_rules(page, 'FileImporter vector')
    assert fileimporter_shape(rules) == short_when_bare(vector['expected'])
    if vector['expected'] == [] and vector['wikitext_in_transfer_section']:
        assert rules.warnings, 'a skipped entry is said, naming its line'
        assert all('FileImporter vector, line ' in warning for warning in rules.warnings)
