"""Licence and author read from real Commons pages, as Commons states them: every page of
../shared/real-commons/pages against its truth.json (see that folder's MANIFEST.md for where
each page and each value comes from). Read in place, never copied into the project.
"""
from __future__ import annotations

import json
import re

import pytest

from commonscache.markup.attribution import (
    author_from_wikitext,
    licence_from_wikitext,
    licence_identity,
    plain_text,
)
from commonscache.reading.source import disputes_in
from tests.realcommons import load_or_empty, real

TRUTH = load_or_empty('truth.json') or {}

#: Values the wikitext alone cannot give, with the evidence: each is marked xfail, not bent to.
UNREACHABLE_AUTHORS = {
    'pages/croptool-republica26_Romy_Arnold.wiki':
        'the author is {{label|Q115793831}}, a Wikidata label; truth.json infers "Jan Zappner" '
        "from the page's [[Category:Photographs by Jan Zappner]], not from what the field says",
    'pages/memucho-Dulmen_sunrise_XRay.wiki':
        'the author is {{User:XRay/Templates/Author}}, a user page template whose text lives on '
        'Commons; the page names "Dietmar Rabich" only in its categories',
    'pages/scalawiki-Дністровський_каньйон_-_Вигляд_із_Дністра_на_Червону_гору_-_09093553.jpg'
    '.wiki':
        'the author is {{WasMykola}}, a user credit template whose text lives on Commons; '
        'truth.json infers the name from [[Category:2009 photographs by Mykola Vasylechko]]',
}


def cases(field: str) -> list:
    found = [pytest.param(path, value, id=path.split('/', 1)[1].removesuffix('.wiki'),
                          marks=[pytest.mark.xfail(reason=UNREACHABLE_AUTHORS[path], strict=True)]
                          if field == 'author' and path in UNREACHABLE_AUTHORS else [])
             for path, value in TRUTH.items()
             if path.startswith('pages/') and value.get(field) is not None]
    return found or [pytest.param('pages/absent.wiki', {}, id='material-absent')]


def page_text(path: str) -> str:
    return real(path).read_text(encoding='utf-8')


@pytest.mark.parametrize(('path', 'truth'), cases('licence'))
def test_the_licence_commons_states(path, truth):
    found = licence_from_wikitext(page_text(path))
    accepted = [truth['licence'], *truth.get('licence_alternatives', [])]
    assert licence_identity(found) in {licence_identity(name) for name in accepted}, \
        (found, accepted)


@pytest.mark.parametrize(('path', 'truth'), cases('author'))
def test_the_author_commons_states(path, truth):
    found = author_from_wikitext(page_text(path))
    accepted = [truth['author'], *truth.get('author_alternatives', [])]
    assert ' '.join(found.split()) in accepted, (found, accepted)


@pytest.mark.parametrize(('path', 'truth'), cases('disputed'))
def test_no_real_page_is_taken_for_disputed(path, truth):
    """None of the real pages carries a deletion or dispute template (truth.json)."""
    assert bool(disputes_in(page_text(path))) is truth['disputed']


def recorded_extmetadata(path: str) -> dict[str, str]:
    """The extmetadata values of a recorded Commons reply: an API reply (JSON), or a dump
    in CommonsMetadata's tests (a PHP array of KEY => array('value' => ...))."""
    text = real(path).read_text(encoding='utf-8')
    if path.endswith('.json'):
        page = next(iter(json.loads(text)['query']['pages'].values()))
        return {key: str(value.get('value', ''))
                for key, value in page['imageinfo'][0]['extmetadata'].items()}
    found = re.findall(r"'(\w+)' =>\s*array \(\s*'value' => '((?:[^'\\]|\\.)*)'", text)
    return {key: re.sub(r"\\(['\\])", r'\1', value) for key, value in found}


def extmetadata_cases(field: str) -> list:
    found = [pytest.param(path, value, id=path.rsplit('/', 1)[1])
             for path, value in TRUTH.items()
             if path.startswith('api/') and value.get(field) is not None]
    return found or [pytest.param('api/absent.json', {}, id='material-absent')]


@pytest.mark.parametrize(('path', 'truth'), extmetadata_cases('licence'))
def test_the_licence_from_commons_extmetadata(path, truth):
    """What the bot records from Commons' own LicenseShortName: the same licence."""
    found = plain_text(recorded_extmetadata(path)['LicenseShortName'])
    assert licence_identity(found) == licence_identity(truth['licence'])


@pytest.mark.parametrize(('path', 'truth'), extmetadata_cases('author'))
def test_the_author_from_commons_extmetadata(path, truth):
    assert plain_text(recorded_extmetadata(path)['Artist']) == truth['author']
