"""The read stages on API replies recorded from the dev farm (python -m tests.record),
before and after a sweep."""
from __future__ import annotations

import pytest

from commonscache.datatypes import SharedFile, Verdict
from commonscache.deciding.reconcile import decide
from commonscache.reading.detect import FileUse, classify, files_used_on
from commonscache.reading.source import read_sources
from commonscache.reading.target import read_shared
from tests.record import USED
from tests.replay import replaying

pytestmark = pytest.mark.usefixtures('recorded_release')

TEMPLATE = 'Cached Commons Media'


@pytest.fixture
def sites():
    import pywikibot

    pywikibot._sites.clear()
    yield lambda code: pywikibot.Site(code, 'devfarm')
    pywikibot._sites.clear()


def test_reads_before_a_sweep(sites):
    with replaying('reads_before_sweep'):
        consumer, shared, commons = sites('consumer'), sites('shared'), sites('commons')
        used_on = files_used_on(consumer, ['Harbour', 'Gallery', 'Museum',
                                           'File:Mona Lisa test.png'])
        classified = classify(consumer, shared, USED)
        sources = read_sources(commons, USED)
        on_shared = read_shared(shared, USED, template=TEMPLATE)

    assert sorted(used_on) == ['File:Animated spinner.gif', 'File:Example diagram.svg',
                               'File:Mona Lisa test.png', 'File:Sunset over the harbour.jpg']
    commons_url = commons.base_url('/wiki/')
    assert classified == [
        FileUse('File:Modern format sample.webp', 'foreign',
                 commons_url + 'File:Modern_format_sample.webp'),
        FileUse('File:Mona Lisa test.png', 'foreign', commons_url + 'File:Mona_Lisa_test.png'),
        FileUse('File:Sunset over the harbour.jpg', 'foreign',
                 commons_url + 'File:Sunset_over_the_harbour.jpg'),
        FileUse('File:This file exists nowhere.png', 'missing', ''),
    ]
    sunset = sources['File:Sunset over the harbour.jpg']
    assert [v.user for v in sunset.versions] == ['Bob Photographer', 'Alice Example']
    assert (sunset.licence, sunset.author) == ('CC BY-SA 4.0', 'Alice Example')
    assert sunset.text.count('{{Information') == 1 and sunset.revision > 0
    assert sources['File:Mona Lisa test.png'].licence == 'Public domain'
    assert sources['File:Mona Lisa test.png'].author == 'Leonardo da Vinci'
    assert sources['File:This file exists nowhere.png'] is None
    assert on_shared == {title: SharedFile(title) for title in USED}
    assert decide(sunset, on_shared['File:Sunset over the harbour.jpg'], bot='CacheBot') == \
        Verdict('create')


def test_reads_after_a_sweep(sites):
    with replaying('reads_after_sweep'):
        consumer, shared, commons = sites('consumer'), sites('shared'), sites('commons')
        classified = {f.title: f.where for f in classify(consumer, shared, USED)}
        sources = read_sources(commons, USED)
        on_shared = read_shared(shared, USED, template=TEMPLATE)

    assert classified == {
        'File:Modern format sample.webp': 'foreign',  # refused by the shared repository
        'File:Mona Lisa test.png': 'shared',
        'File:Sunset over the harbour.jpg': 'shared',
        'File:This file exists nowhere.png': 'missing',
    }
    sunset = on_shared['File:Sunset over the harbour.jpg']
    assert sunset.uploader == 'CacheBot'
    assert sunset.provenance['sha1'] == sunset.sha1
    assert sunset.provenance['file'] == 'File:Sunset over the harbour.jpg'
    assert decide(sources['File:Sunset over the harbour.jpg'], sunset, bot='CacheBot') == \
        Verdict('nothing', 'up-to-date')
