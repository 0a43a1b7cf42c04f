"""Status, end to end (the unit tests: tests/unit/test_status.py)."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.e2e.support import SHARED, api, text_of

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
