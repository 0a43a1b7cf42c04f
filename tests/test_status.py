"""The status page end to end: after a sweep, what the shared repository saves the consumer,
counted here the other way round (page by page, the files each shows from the shared
repository), the copies' files and bytes, the flags and the run; -status prints the same."""
from __future__ import annotations

import json

import pytest

from commonscache.keeping.state import Run
from commonscache.publishing.status import Saving, Status, as_lines, as_wikitext
from tests.conftest import run_cli
from tests.test_structured_data import text_of
from tests.test_sweep import SHARED, api

STATUS_PAGE = 'Project:Cached Commons media/Status'


def shown_from_shared(consumer, shared) -> tuple[int, int]:
    """(files, page-file pairs) the consumer's pages show from the shared repository."""
    pages = api(consumer, action='query', generator='allpages', gaplimit='max', prop='images',
                imlimit='max')['query']['pages']
    used = {image['title'] for page in pages for image in page.get('images', [])}
    info = api(consumer, action='query', titles='|'.join(sorted(used)), prop='imageinfo',
               iiprop='url', redirects=0)['query']['pages']
    served = {page['title'] for page in info
              if page.get('imageinfo') and page['imageinfo'][0].get(
                  'descriptionurl', '').startswith(shared.server)}
    pairs = sum(1 for page in pages for image in page.get('images', [])
                if image['title'] in served)
    return len(served), pairs


@pytest.mark.e2e
@pytest.mark.first_release_only
def test_the_status_page_shows_what_the_copies_save(farm_wikis):
    consumer, shared = farm_wikis['consumer'], farm_wikis['shared']
    result = run_cli(SHARED, '-always', '-setup')
    assert result.returncode == 0, result.stderr
    files, pairs = shown_from_shared(consumer, shared)
    assert files >= 7

    copies = api(shared, action='query', generator='embeddedin',
                 geititle='Template:Cached Commons Media', geilimit='max', prop='imageinfo',
                 iiprop='size')['query']['pages']
    page = text_of(shared, STATUS_PAGE)
    assert f'| devfarm:consumer || {files:,} || {pairs:,}' in page
    assert f'{len(copies):,} files, {sum(p["imageinfo"][0]["size"] for p in copies):,} bytes' \
        in page, page.split('== Copies ==')[1][:80]
    assert '[[Project:Cached Commons media/Review|review page]]' in page
    assert '| upload-refused || 1' in page  # the webp the shared repository does not take
    assert '|| completed' in page

    report = run_cli(SHARED, '-status')
    assert report.returncode == 0, report.stderr
    assert f'devfarm:consumer: {files} files served from devfarm:shared, {pairs} source ' \
        'lookups saved per view of each page, summed' in report.stdout
    figures = json.loads(run_cli(SHARED, '-status', '-json').stdout)
    assert figures['savings'] == [{'consumer': 'devfarm:consumer', 'files': files,
                                   'lookups': pairs}]
    assert figures['runs'][0]['status'] == 'completed'

    # A rerun that changes nothing writes nothing and reads nothing for the status page;
    # -status shows both runs all the same.
    before = api(shared, action='query', prop='revisions', titles=STATUS_PAGE,
                 rvprop='ids')['query']['pages'][0]['revisions'][0]['revid']
    assert run_cli(SHARED, '-always').returncode == 0
    assert api(shared, action='query', prop='revisions', titles=STATUS_PAGE,
               rvprop='ids')['query']['pages'][0]['revisions'][0]['revid'] == before
    figures = json.loads(run_cli(SHARED, '-status', '-json').stdout)
    assert [run['status'] for run in figures['runs']] == ['completed', 'completed']


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
