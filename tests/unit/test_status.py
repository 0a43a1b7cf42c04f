"""The status page end to end: after a sweep, what the shared repository saves the consumer,
counted here the other way round (page by page, the files each shows from the shared
repository), the copies' files and bytes, the flags and the run; -status prints the same."""
from __future__ import annotations

import pytest

from commonscache.keeping.state import Run
from commonscache.publishing.status import Saving, Status, as_lines, as_wikitext

STATUS_PAGE = 'Project:Cached Commons media/Status'






def test_everything_from_outside_is_escaped_on_the_status_page():
    status = Status(shared='x:y', savings=(Saving("[[evil]]|{{x}}''", 2, 3),), files=2,
                    bytes=2048, flags={'name-taken': 1},
                    runs=(Run('a:b', '2026-12-02T03:00:00Z', '2026-12-02T03:01:05Z',
                              'completed', {'cached': 2}),),
                    review_page='Project:R')
    page = as_wikitext(status)
    assert '[[evil]]' not in page and '{{x}}' not in page
    assert '| &#91;&#91;evil&#93;&#93;&#124;&#123;&#123;x&#125;&#125;&#39;&#39; || 2 || 3' in page
    assert '| 2026-12-02T03:00:00Z || 0:01:05 || a:b || examined 0, cached 2, updated 0, ' \
        'flagged 0, failed 0 || completed' in page
    assert as_lines(status).splitlines()[1] == 'copies: 2 files, 2048 bytes'


def test_files_waiting_for_a_wiki_are_counted_with_the_oldest_wait():
    status = Status(shared='x:y', savings=(), files=0, bytes=0, flags={}, runs=(),
                    unanswered={'source-unreachable': (3, '2026-12-01T10:00:00Z'),
                                'missing-everywhere': (1, '2026-11-30T09:00:00Z')})
    page = as_wikitext(status)
    assert '== Waiting for a wiki or a source ==' in page
    assert '| source-unreachable || 3 || 2026-12-01T10:00:00Z' in page
    assert '| missing-everywhere || 1 || 2026-11-30T09:00:00Z' in page
    assert as_lines(status).splitlines()[1:3] == [
        'waiting source-unreachable: 3 files, the oldest since 2026-12-01T10:00:00Z',
        'waiting missing-everywhere: 1 files, the oldest since 2026-11-30T09:00:00Z']
    quiet = Status(shared='x:y', savings=(), files=0, bytes=0, flags={}, runs=())
    assert 'Waiting for a wiki' not in as_wikitext(quiet)


@pytest.mark.parametrize(('uses', 'served', 'expected'), [
    pytest.param({}, set(), (0, 0), id='nothing-used'),
    pytest.param({'File:A.jpg': 3, 'File:B.jpg': 1}, {'File:A.jpg'}, (1, 3), id='one-served'),
    pytest.param({'File:A.jpg': 3, 'File:B.jpg': 1}, {'File:A.jpg', 'File:B.jpg', 'File:C.jpg'},
                 (2, 4), id='all-served'),
])
def test_a_saving_is_counted_from_the_listing(uses, served, expected):
    from commonscache.publishing.status import counted_saving

    found = counted_saving('devfarm:consumer', uses, served)
    assert (found.files, found.lookups) == expected
