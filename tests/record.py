"""Re-record the API replies that unit tests replay: ``python -m tests.record [NAME ...]``.

Brings the test farm up fresh (its own ports, see conftest.py), runs each scenario against
it and writes tests/recorded/NAME.json, or tests/recorded/1.43/NAME.json when the farm runs
MediaWiki 1.43 (``COMMONSCACHE_MW=1.43``). Unit tests replay both.
"""
from __future__ import annotations

import sys
from collections.abc import Callable

from devfarm import mediawiki
from tests import conftest  # noqa: F401  (sets PYWIKIBOT_DIR and the farm's ports)
from tests.replay import recording

SCENARIOS: dict[str, Callable[[], None]] = {}


def scenario(function: Callable[[], None]) -> Callable[[], None]:
    SCENARIOS[function.__name__] = function
    return function


@scenario
def sites() -> None:
    """Site objects for the consumer (anonymous) and the shared repository (logged in)."""
    import pywikibot

    consumer = pywikibot.Site('consumer', 'devfarm')
    consumer.siteinfo['general']
    shared = pywikibot.Site('shared', 'devfarm')
    shared.login()
    shared.has_right('upload')


@scenario
def consumer_query() -> None:
    """What Pywikibot asks a consumer around one batched query (site info, parameters)."""
    import pywikibot

    from commonscache.wikis.query import query_titles

    query_titles(pywikibot.Site('consumer', 'devfarm'), ['File:A.jpg', 'File:B.jpg'],
                 prop='info')


USED = ['File:Sunset over the harbour.jpg', 'File:Modern format sample.webp',
        'File:This file exists nowhere.png', 'File:Mona Lisa test.png']


def _reads() -> None:
    import pywikibot

    from commonscache.reading.detect import classify, files_used_on
    from commonscache.reading.source import read_sources
    from commonscache.reading.target import read_shared

    consumer = pywikibot.Site('consumer', 'devfarm')
    shared = pywikibot.Site('shared', 'devfarm')
    commons = pywikibot.Site('commons', 'devfarm')
    files_used_on(consumer, ['Harbour', 'Gallery', 'Museum', 'File:Mona Lisa test.png'])
    classify(consumer, shared, USED)
    read_sources(commons, USED)
    read_shared(shared, USED, template='Cached Commons Media')


#: Structured data the recordings give one seeded file (written here, in the shape of
#: Commons' entities): captions in a language the description has and one it lacks, and
#: statements that agree with the description.
SUNSET_ENTITY = {
    'labels': {'en': {'language': 'en', 'value': 'Sunset over the harbour'},
               'fr': {'language': 'fr', 'value': 'Coucher de soleil sur le port'}},
    'descriptions': {},
    'statements': {
        'P275': [{'mainsnak': {'snaktype': 'value', 'property': 'P275', 'datavalue': {
            'value': {'entity-type': 'item', 'numeric-id': 18199165, 'id': 'Q18199165'},
            'type': 'wikibase-entityid'}}, 'type': 'statement', 'rank': 'normal'}],
        'P170': [{'mainsnak': {'snaktype': 'somevalue', 'property': 'P170'},
                  'qualifiers': {'P2093': [{'snaktype': 'value', 'property': 'P2093',
                                            'datavalue': {'value': 'Alice Example',
                                                          'type': 'string'}}]},
                  'type': 'statement', 'rank': 'normal'}],
        'P1259': [{'mainsnak': {'snaktype': 'value', 'property': 'P1259', 'datavalue': {
            'value': {'latitude': 54.3233, 'longitude': 10.1228, 'precision': 0.0001,
                      'globe': 'http://www.wikidata.org/entity/Q2'},
            'type': 'globecoordinate'}}, 'type': 'statement', 'rank': 'normal'}],
    },
}


@scenario
def reads_before_sweep() -> None:
    """The stages' reads on the freshly seeded farm, one file with structured data."""
    from devfarm import farm

    farm.set_entity(farm.wikis(conftest.FARM_DIR)['commons'], USED[0], SUNSET_ENTITY)
    _reads()


@scenario
def reads_after_sweep() -> None:
    """The same reads after a sweep has cached the files."""
    result = conftest.run_cli('-shared:devfarm:shared', '-always', '-setup')
    assert result.returncode == 0, result.stderr
    import time
    time.sleep(1.2)  # the consumer's foreign-file metadata cache
    _reads()


def main(names: list[str]) -> int:
    from devfarm import farm

    farm.destroy(conftest.FARM_DIR)
    farm.up(conftest.FARM_DIR)
    farm.write_pywikibot_dir(conftest.FARM_DIR, conftest.PYWIKIBOT_TEST_SETTINGS)
    import pywikibot

    for name in names or list(SCENARIOS):
        pywikibot._sites.clear()
        with recording(name, mediawiki.runtime().release):
            SCENARIOS[name]()
        print(f'recorded {name}')
    farm.down(conftest.FARM_DIR)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
