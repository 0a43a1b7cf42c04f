"""Structured data: every real MediaInfo entity of ../shared/real-commons/sdc parsed into
typed values, what a copy carries, and where a source contradicts itself (table tests)."""
from __future__ import annotations

import pytest

from commonscache.datatypes import FileVersion, Outcome, SourceFile
from commonscache.deciding import flags
from commonscache.keeping.state import Flag
from commonscache.markup import sdc
from commonscache.markup.sdc import Contradiction, MediaInfo, Statement, Value
from commonscache.publishing.review import as_wikitable
from commonscache.reading.pipeline import judged
from commonscache.writing.describe import PageSettings, describe
from tests.realcommons import REAL, real_json

SDC_FILES = sorted(path.name for path in (REAL / 'sdc').glob('*.json')) \
    if (REAL / 'sdc').is_dir() else []


def entity_of(name: str) -> MediaInfo:
    (entity,) = sdc.from_wbgetentities(real_json(f'sdc/{name}')).values()
    return entity


def statements_in(data: dict) -> list[dict]:
    """The statements of a fixture: a whole entity reply, a {property: [...]} map, or one."""
    if 'entities' in data:
        return [s for entity in data['entities'].values()
                for found in entity['statements'].values() for s in found]
    if 'mainsnak' in data:
        return [data]
    return [s for found in data.values() for s in found]


@pytest.mark.parametrize('name', SDC_FILES)
def test_every_real_entity_and_statement_parses_into_typed_values(name):
    """Flickypedia's recorded Commons replies (MANIFEST.md): every statement gets a typed
    value (none left as 'other') and keeps its property, rank and qualifiers."""
    data = real_json(f'sdc/{name}')
    raw = statements_in(data)
    assert raw, name
    for statement in raw:
        parsed = sdc.parse_statement(statement)
        assert parsed.property == statement['mainsnak']['property']
        assert parsed.rank == statement['rank']
        assert parsed.value.kind != 'other', statement['mainsnak']
        assert set(parsed.qualifiers) == set(statement.get('qualifiers') or {})
        assert all(v.kind != 'other' for vs in parsed.qualifiers.values() for v in vs)
    if 'entities' in data:
        (ident, raw_entity), = data['entities'].items()
        entity = entity_of(name)
        assert (entity.id, entity.revision) == (ident, raw_entity['lastrevid'])
        assert set(entity.statements) == set(raw_entity['statements'])
        assert entity.captions == {}  # none of these entities has captions (MANIFEST.md)


def test_a_flickr_import_is_carried_whole():
    """M51090819 (Olonadé - A Cena Negra Brasileira, from Flickr), after Backfillr's edit."""
    entity = entity_of('flickypedia-M51090819-v2.json')
    assert sdc.carried(entity) == {
        'sdc-entity': 'M51090819',
        'sdc-revision': '892607643',
        'sdc-licence': 'Q19068220 (CC BY-SA 2.0)',
        'sdc-creator': 'unknown value',
        'sdc-creator-name': 'Rafael B. de Moura',
        'sdc-creator-url': 'https://www.flickr.com/people/55696846@N04',
        'sdc-source': 'Q74228490 (file available on the internet)',
        'sdc-source-url': 'https://www.flickr.com/photos/rbmoura/28952265972/',
        'sdc-inception': '2016-08-10',
        'sdc-flickr-id': '28952265972',
    }
    before = entity_of('flickypedia-M51090819.json')  # the same file before the edit
    assert before.revision < entity.revision and 'sdc-flickr-id' not in sdc.carried(before)


@pytest.mark.parametrize(('name', 'licences', 'creators'), [
    ('flickypedia-M120069527-v2.json', ('CC BY 2.0',), ()),
    ('flickypedia-M138833893.json', ('CC BY 2.0',), ()),
    ('flickypedia-M56717420.json', ('CC BY-SA 4.0',), ('ArildV',)),
    ('flickypedia-M84774204.json', ('CC BY 2.0',), ('James St. John',)),
])
def test_licence_and_creator_of_real_entities(name, licences, creators):
    entity = entity_of(name)
    assert (sdc.licence_names(entity), sdc.creator_names(entity)) == (licences, creators)


@pytest.mark.parametrize(('name', 'expected'), [
    ('flickypedia-existing-M76_P1259_globecoordinate.json', Value('coordinates', '52.9913,6.5702')),
    ('flickypedia-existing-M76_P6790_quantity.json', Value('quantity', '3.5')),
    ('flickypedia-existing-M65531905_P170.json', Value('item', 'Q99938311')),
    ('flickypedia-existing-M34511_P170.json', Value('somevalue')),
    ('flickypedia-existing-M138765382_P12120.json', Value('string', '53253175319')),
], ids=lambda v: v if isinstance(v, str) else '')
def test_values_of_each_data_type(name, expected):
    (statement,) = statements_in(real_json(f'sdc/{name}'))[:1]
    assert sdc.parse_statement(statement).value == expected


def test_qualifiers_keep_their_own_types():
    (statement,) = statements_in(
        real_json('sdc/flickypedia-existing-M74469_P180_monolingualtext.json'))
    parsed = sdc.parse_statement(statement)
    assert parsed.value == Value('item', 'Q900857')
    assert parsed.qualifier('P1684') == (Value('text', '910', 'en'),)
    assert parsed.qualifier('P426') == (Value('string', 'G-BWTG'),)
    assert parsed.qualifier('P462') == (Value('item', 'Q42519'), Value('item', 'Q3142'))


def test_a_slot_as_the_api_serves_it():
    """The mediainfo slot's content: the entity as JSON, PHP's empty maps as []."""
    slot = {'contentmodel': 'wikibase-mediainfo', 'contentformat': 'application/json',
            'content': '{"type":"mediainfo","id":"M21","labels":{"de":{"language":"de",'
                       '"value":"Eine Postkarte"}},"descriptions":[],"statements":[]}'}
    assert sdc.from_slot(slot, revision=27) == MediaInfo('M21', 27, {'de': 'Eine Postkarte'}, {})
    assert sdc.from_slot(None, revision=27) is None
    assert sdc.from_slot({'texthidden': True}, revision=27) is None
    assert sdc.from_slot({'content': 'not json'}, revision=27) is None


def _entity(*statements: Statement, captions: dict[str, str] | None = None) -> MediaInfo:
    by_property: dict[str, tuple[Statement, ...]] = {}
    for statement in statements:
        by_property[statement.property] = (*by_property.get(statement.property, ()), statement)
    return MediaInfo('M1', 5, captions or {}, by_property)


def licence(item: str, rank: str = 'normal') -> Statement:
    return Statement('P275', Value('item', item), rank=rank)


def creator(name: str = '', item: str = '', rank: str = 'normal') -> Statement:
    qualifiers = {'P2093': (Value('string', name),)} if name else {}
    value = Value('item', item) if item else Value('somevalue')
    return Statement('P170', value, qualifiers, rank)


@pytest.mark.parametrize(('entity', 'licences', 'author', 'expected'), [
    pytest.param(_entity(licence('Q18199165'), creator('Alice Example')), ['CC-BY-SA-4.0'],
                 'Alice Example', (), id='both-agree'),
    pytest.param(_entity(licence('Q19125117')), ['CC BY-SA 4.0', 'GFDL'], 'Alice',
                 (Contradiction('licence', 'CC BY-SA 4.0 / GFDL', 'CC BY 2.0'),),
                 id='licence-not-among-the-descriptions'),
    pytest.param(_entity(licence('Q18199165')), ['CC BY-SA 4.0', 'GFDL'], 'A', (),
                 id='one-of-a-multi-licence'),
    pytest.param(_entity(licence('Q999999')), ['CC BY-SA 4.0'], 'A', (),
                 id='unknown-licence-item-is-not-compared'),
    pytest.param(_entity(licence('Q19125117')), [], 'A', (), id='description-states-none'),
    pytest.param(_entity(licence('Q19125117', 'deprecated'), licence('Q18199165')),
                 ['CC BY-SA 4.0'], 'A', (), id='deprecated-statement-ignored'),
    pytest.param(_entity(licence('Q19125117', 'preferred'), licence('Q18199165')),
                 ['CC BY-SA 4.0'], 'A',
                 (Contradiction('licence', 'CC BY-SA 4.0', 'CC BY 2.0'),),
                 id='preferred-statement-counts-alone'),
    pytest.param(_entity(creator('Bob Photographer')), [], 'Alice Example',
                 (Contradiction('creator', 'Alice Example', 'Bob Photographer'),),
                 id='creator-names-someone-else'),
    pytest.param(_entity(creator('Rafael B. de Moura')), [],
                 'Rafael B. de Moura from Rio de Janeiro, Brasil', (), id='name-within-author'),
    pytest.param(_entity(creator(item='Q99938311')), [], 'Someone', (),
                 id='unlabelled-creator-item-is-not-compared'),
    pytest.param(_entity(creator(item='Q103204')), [], 'Someone',
                 (Contradiction('creator', 'Someone', 'Flickr'),), id='creator-item-by-label'),
    pytest.param(None, ['CC BY 2.0'], 'A', (), id='no-structured-data'),
])
def test_contradictions(entity, licences, author, expected):
    assert sdc.contradictions(entity, licences=licences, author=author) == expected


def test_an_author_that_is_only_the_uploader_is_not_compared():
    entity = _entity(creator('Bob'))
    assert sdc.contradictions(entity, licences=[], author='Alice', author_stated=False) == ()


@pytest.mark.parametrize(('one', 'other', 'same'), [
    ('Alice Example', 'alice  example', True),
    ('User:Alice_Example', 'Alice Example', True),
    ('James St. John', 'James St John', True),
    ('Ann', 'Annabel Smith', False),
    ('Ann', 'Ann Smith', True),
    ('', 'Ann', False),
])
def test_same_person(one, other, same):
    assert sdc.same_person(one, other) is same


@pytest.mark.parametrize(('text', 'languages'), [
    ('{{Information|description={{en|1=A}}{{de|1=B}}|author=X}}', {'en', 'de'}),
    ('{{Information|description={{LangSwitch|fr=A|pt-br=B}}}}', {'fr', 'pt-br'}),
    ('{{Information|description=Plain text|source={{own}}}}', set()),
    ('No information template {{en|A}}', {'en'}),
])
def test_description_languages(text, languages):
    assert sdc.description_languages(text) == languages


def test_conflict_details_say_both_values_and_read_back():
    found = (Contradiction('licence', 'CC BY-SA 4.0', 'CC BY 2.0'),
             Contradiction('creator', 'Alice; Bob', 'Carol'))
    details = sdc.conflict_details(found, entity=_entity())
    assert details == ('licence: the description says «CC BY-SA 4.0», the structured data says '
                       '«CC BY 2.0»; creator: the description says «Alice; Bob», the structured '
                       'data says «Carol» (description and M1 of revision 5)')
    assert sdc.parse_conflict_details(details) == list(found)


SOURCE_TEXT = ('{{Information|description={{en|1=A harbour.}}|author=Alice Example}}\n'
               '{{self|cc-by-sa-4.0}}')


def test_the_copy_carries_captions_and_statements():
    entity = MediaInfo('M7', 12, {'en': 'Harbour', 'fr': 'Le port | {{x}}'},
                       {'P275': (licence('Q18199165'),), 'P170': (creator('Alice Example'),)})
    version = FileVersion('2019-07-14T20:41:00Z', 'Alice Example', 10, 1, 1, '', 'abc', 'u', '')
    source = SourceFile('File:H.jpg', 'http://c/wiki/File:H.jpg', (version,), SOURCE_TEXT, 12,
                        'CC BY-SA 4.0', 'Alice Example', licences=('CC BY-SA 4.0',),
                        entity=entity)
    text = describe(source, PageSettings('Cached Commons Media', 'commons'),
                    history_url='http://c/h', retrieved='2026-12-02').text
    for line in ('|sdc-entity=M7', '|sdc-revision=12', '|sdc-caption-en=Harbour',
                 '|sdc-caption-fr=Le port &#124; &#123;&#123;x&#125;&#125;',
                 '|sdc-licence=Q18199165 (CC BY-SA 4.0)', '|sdc-creator-name=Alice Example'):
        assert line in text.splitlines()
    # shown to readers: only the caption in a language the description lacks
    assert '== Captions ==' in text
    assert '* fr: <span lang="fr" dir="auto">Le port &#124; &#123;&#123;x&#125;&#125;</span>' \
        in text
    assert '* en:' not in text


def test_the_review_page_shows_both_values_side_by_side():
    details = sdc.conflict_details((Contradiction('licence', 'CC BY-SA 4.0', 'CC BY 2.0'),),
                                   entity=_entity())
    page = as_wikitable([Flag('sdc-conflict', 'File:H.jpg', details, '2026-12-02', 's')],
                        interwiki='commons')
    assert '== Structured data that contradicts the description ==' in page
    assert ('| [[:File:H.jpg|File:H.jpg]] || [[commons:File:H.jpg|source]] || licence '
            '|| CC BY-SA 4.0 || CC BY 2.0') in page


@pytest.mark.parametrize(('outcome', 'follows'), [
    (Outcome('F', 'cached', sha1='a'), True),
    (Outcome('F', 'updated'), True),
    (Outcome('F', 'would cache'), True),
    (Outcome('F', 'nothing', 'up-to-date'), True),
    (Outcome('F', 'nothing', 'local-change'), False),  # the copy is someone else's now
    (Outcome('F', 'flagged', 'local-changed'), False),  # not looked at: an open one stays
    (Outcome('F', 'failed', 'upload-failed'), False),
    (Outcome('G', 'cached'), False),  # its source agrees
])
def test_a_conflict_flag_follows_the_bots_own_copies_only(outcome, follows):
    marked, *flag = judged(outcome, {'F': 'licence: …'})
    assert marked.title == outcome.title and marked.kind == outcome.kind
    assert flag == ([Outcome('F', 'flagged', 'sdc-conflict', 'licence: …', outcome.sha1)]
                    if follows else [])
    # The outcome itself closes an open sdc-conflict only where it shows the source agrees
    # or the copy is no longer the bot's; where the flag follows, the flag keeps it open.
    closes = flags.SDC_CONFLICT in marked.examined
    assert closes == (not follows and outcome.kind in ('cached', 'updated', 'nothing'))


def test_every_statement_that_is_not_deprecated_reaches_the_copy_with_its_rank():
    """M68208's real depicts statement (normal rank), beside a preferred and a deprecated
    one made from it: the copy carries the preferred and the normal, the preferred marked;
    the deprecated never. Licences: both reach the copy, the comparison with the
    description uses the best rank only, as Wikibase's best statements do."""
    import copy

    (real,) = real_json('sdc/flickypedia-existing-M68208_P180_references.json')['P180']
    preferred, deprecated = copy.deepcopy(real), copy.deepcopy(real)
    preferred['rank'] = 'preferred'
    preferred['mainsnak']['datavalue']['value'] = {'entity-type': 'item', 'id': 'Q146',
                                                   'numeric-id': 146}
    deprecated['rank'] = 'deprecated'
    deprecated['mainsnak']['datavalue']['value'] = {'entity-type': 'item', 'id': 'Q999',
                                                    'numeric-id': 999}

    def licence(item: str, rank: str) -> dict:
        return {'mainsnak': {'snaktype': 'value', 'property': 'P275', 'datavalue': {
            'type': 'wikibase-entityid', 'value': {'entity-type': 'item', 'id': item}}},
            'rank': rank}

    entity = sdc.parse_entity({'id': 'M68208', 'lastrevid': 7, 'statements': {
        'P180': [real, preferred, deprecated],
        'P275': [licence('Q18199165', 'preferred'), licence('Q19125117', 'normal')]}})
    carried = sdc.carried(entity)
    assert carried['sdc-depicts'] == 'Q41176 / Q146 (preferred)'
    assert carried['sdc-licence'] == \
        'Q18199165 (CC BY-SA 4.0) (preferred) / Q19125117 (CC BY 2.0)'
    assert sdc.contradictions(entity, licences=('CC BY-SA 4.0',), author='') == ()
    # One rank only: nothing marked.
    alone = sdc.parse_entity({'id': 'M68208', 'lastrevid': 7, 'statements': {'P180': [real]}})
    assert sdc.carried(alone)['sdc-depicts'] == 'Q41176'
