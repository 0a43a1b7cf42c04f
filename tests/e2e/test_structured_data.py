"""Structured data end to end: the Commons stand-in serves real ``mediainfo`` slots (the dev
farm's DevFarmMediaInfo extension), with entities modelled on real ones of
../shared/real-commons/sdc; a sweep carries their captions and statements into the copies,
a -refresh after an entity edit updates the copy, and a source that contradicts itself is
copied and flagged ``sdc-conflict`` with both values, until it agrees again."""
from __future__ import annotations

import copy

import pytest

from commonscache.reading.target import provenance_of
from devfarm import farm
from tests.conftest import run_cli
from tests.e2e.support import (
    DIAGRAM,
    POSTCARD,
    SHARED,
    SUNSET,
    captions,
    copies_listed,
    real_statements,
    review,
    summary_of,
    text_of,
)
from tests.realcommons import real_json
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e

TEMPLATE = 'Cached Commons Media'
REVIEW_PAGE = 'Project:Cached Commons media/Review'






def agreeing_entity() -> dict:
    """M56717420 (a photo by its uploader, CC BY-SA 4.0), its creator named as the Sunset
    description names its author, with the point of view of M76 and two captions."""
    statements = real_statements('flickypedia-M56717420.json')
    for creator in statements['P170']:
        for name in creator['qualifiers']['P2093']:
            name['datavalue']['value'] = 'Alice Example'
        creator['qualifiers'].pop('P4174', None)
    statements['P1259'] = real_json(
        'sdc/flickypedia-existing-M76_P1259_globecoordinate.json')['P1259']
    return {'labels': captions(en='Sunset over the harbour', fr='Coucher de soleil sur le port'),
            'descriptions': {}, 'statements': statements}




def test_structured_data_travels_with_the_copy_and_a_self_contradicting_source_is_flagged(
        farm_wikis):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    # Depicts: M68208's real statement (normal rank), a preferred and a deprecated one.
    sunset_entity = agreeing_entity()
    (depicts,) = real_json('sdc/flickypedia-existing-M68208_P180_references.json')['P180']
    preferred, deprecated = copy.deepcopy(depicts), copy.deepcopy(depicts)
    preferred['rank'], deprecated['rank'] = 'preferred', 'deprecated'
    preferred['mainsnak']['datavalue']['value'] = {'entity-type': 'item', 'id': 'Q146',
                                                   'numeric-id': 146}
    deprecated['mainsnak']['datavalue']['value'] = {'entity-type': 'item', 'id': 'Q999',
                                                    'numeric-id': 999}
    sunset_entity['statements']['P180'] = [depicts, preferred, deprecated]
    farm.set_entity(commons, SUNSET, sunset_entity)
    # The diagram's description says CC BY 4.0; M51090819's licence statement, CC BY-SA 2.0.
    farm.set_entity(commons, DIAGRAM, {'labels': captions(en='Three boxes'), 'statements':
                                       real_statements('flickypedia-M51090819-v2.json',
                                                       without=('P170',))})
    # The postcard's author is "Unknown photographer"; M84774204's creator, James St. John.
    farm.set_entity(commons, POSTCARD, {'statements': real_statements(
        'flickypedia-M84774204.json', without=('P275',))})

    # Harbour: the sunset and the diagram; Maps: the town map and the postcard.
    result = run_cli(SHARED, '-always', '-setup', '-page:Harbour', '-page:Maps')
    assert result.returncode == 0, result.stderr
    summary = summary_of(result.stderr)
    assert (summary['cached'], summary['flagged']) == (4, 2)

    sunset = text_of(shared, SUNSET)
    carried = provenance_of(sunset, TEMPLATE)
    assert {key: value for key, value in carried.items() if key.startswith('sdc-')
            and key not in ('sdc-entity', 'sdc-revision')} == {
        'sdc-caption-en': 'Sunset over the harbour',
        'sdc-caption-fr': 'Coucher de soleil sur le port',
        'sdc-licence': 'Q18199165 (CC BY-SA 4.0)',
        'sdc-creator': 'unknown value',
        'sdc-creator-name': 'Alice Example',
        'sdc-creator-url': 'https://commons.wikimedia.org/wiki/user:ArildV',
        'sdc-source': 'Q66458942 (original creation by uploader)',
        'sdc-inception': '2017-02-11',
        'sdc-viewpoint': '52.9913,6.5702',
        'sdc-depicts': 'Q41176 / Q146 (preferred)',  # the deprecated one left out
    }
    assert carried['sdc-entity'].startswith('M') and carried['sdc-revision'] == carried['revision']
    # The description is in English and German: only the French caption is shown to readers.
    assert '* fr: <span lang="fr" dir="auto">Coucher de soleil sur le port</span>' in sunset
    assert '* en:' not in sunset

    assert review(SHARED) == [('sdc-conflict', DIAGRAM), ('sdc-conflict', POSTCARD)]
    details = {line.split('\t')[1]: line.split('\t')[2]
               for line in run_cli('-review', SHARED).stdout.splitlines()}
    assert details[DIAGRAM].startswith(
        'licence: the description says «CC BY 4.0», the structured data says «CC BY-SA 2.0» ('
        'description and M')
    assert details[POSTCARD].startswith(
        'creator: the description says «Unknown photographer», the structured data says '
        '«James St. John» (')
    # Flagged, yet copied: the description is what Commons shows.
    for title in (DIAGRAM, POSTCARD):
        assert provenance_of(text_of(shared, title), TEMPLATE)['sdc-entity'].startswith('M')
    page = text_of(shared, REVIEW_PAGE)
    assert '|| licence || CC BY 4.0 || CC BY-SA 2.0' in page
    assert '|| creator || Unknown photographer || James St. John' in page

    # On Commons: a caption is edited, and the diagram's licence statement made to agree.
    edited = agreeing_entity()
    edited['labels']['fr']['value'] = 'Le port au coucher du soleil'
    farm.set_entity(commons, SUNSET, edited, summary='caption edited')
    agreeing = real_statements('flickypedia-M51090819-v2.json', without=('P170',))
    agreeing['P275'][0]['mainsnak']['datavalue']['value'] = {
        'entity-type': 'item', 'numeric-id': 20007257, 'id': 'Q20007257'}  # CC BY 4.0
    farm.set_entity(commons, DIAGRAM, {'statements': agreeing}, summary='licence corrected')

    copies_listed(shared)
    result = run_cli(SHARED, '-always', '-refresh')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['updated'] == 2
    sunset = text_of(shared, SUNSET)
    assert provenance_of(sunset, TEMPLATE)['sdc-caption-fr'] == 'Le port au coucher du soleil'
    assert 'Le port au coucher du soleil</span>' in sunset
    assert provenance_of(text_of(shared, DIAGRAM), TEMPLATE)['sdc-licence'] == \
        'Q20007257 (CC BY 4.0)'
    # The diagram's flag went by itself; the postcard's stays, through a no-op rerun too.
    assert review(SHARED) == [('sdc-conflict', POSTCARD)]
    copies_listed(shared)
    result = run_cli(SHARED, '-always', '-refresh')
    assert result.returncode == 0, result.stderr
    assert review(SHARED) == [('sdc-conflict', POSTCARD)]
    assert 'James St. John' in text_of(shared, REVIEW_PAGE)

    # A person corrects a caption on the copy, and Commons edits it too: as for any text.
    person = WikiClient(shared, farm.USER, farm.USER_PASSWORD)
    corrected = text_of(shared, SUNSET).replace('Le port au coucher du soleil', 'Le port, le soir')
    person.edit(SUNSET, text=corrected)
    edited['labels']['fr']['value'] = 'Soleil couchant'
    farm.set_entity(commons, SUNSET, edited, summary='caption edited again')
    copies_listed(shared)
    result = run_cli(SHARED, '-always', '-refresh')
    assert result.returncode == 0, result.stderr
    assert review(SHARED) == [('local-changed', SUNSET), ('sdc-conflict', POSTCARD)]
    assert text_of(shared, SUNSET) == corrected
