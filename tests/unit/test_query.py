"""Batched reads: a batch the wiki cannot answer in time is asked for in halves."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from commonscache.wikis.query import QueryResult, _query_batch
from tests.replay import recorded_replies, replaying

pytestmark = pytest.mark.usefixtures('recorded_release')


@pytest.fixture
def shared_site():
    import pywikibot

    pywikibot._sites.clear()
    with replaying('consumer_query'):
        site = pywikibot.Site('consumer', 'devfarm')
        site.siteinfo['general']
    yield site
    pywikibot._sites.clear()


def test_a_batch_that_times_out_is_asked_for_in_halves(shared_site):
    asked: list[int] = []

    def reply(request):
        body = request.body or ''
        params = dict(parse_qsl(urlsplit(request.url).query))
        params.update(parse_qsl(body if isinstance(body, str) else body.decode()))
        if 'titles' not in params:  # Pywikibot re-reading site info after the error
            return recorded(request)
        titles = params['titles'].split('|')
        asked.append(len(titles))
        if len(titles) > 2:
            return 504, {}, 'Gateway Time-out'
        pages = [{'ns': 6, 'title': title, 'missing': True} for title in titles]
        return 200, {'content-type': 'application/json'}, json.dumps(
            {'batchcomplete': True, 'query': {'pages': pages}})

    recorded = recorded_replies('consumer_query')
    titles = [f'File:{n}.jpg' for n in range(5)]
    result = QueryResult()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback('POST', re.compile(r'.*/api\.php'), callback=reply)
        mock.add_callback('GET', re.compile(r'.*/api\.php'), callback=reply)
        _query_batch(shared_site, titles, {'prop': 'info'}, result)
    assert sorted(result.pages) == titles
    # 5 titles (tried twice), then 2 and 3 (twice), then 1 and 2
    assert asked == [5, 5, 2, 3, 3, 1, 2]
