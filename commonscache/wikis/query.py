"""Batched ``action=query`` reads: many titles a request, continuation merged per page.

The API accepts 50 titles a request, 500 for accounts with ``apihighlimits`` (bots);
:attr:`APISite.maxlimit` tells which. See https://www.mediawiki.org/wiki/API:Query
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pywikibot
import requests
from pywikibot.data import api
from pywikibot.exceptions import ApiTimeoutError, ServerError

Page = dict[str, Any]


@dataclass
class QueryResult:
    """Pages of one or more batched queries, by title as the wiki writes it.

    :ivar pages: page data by title; lists (imageinfo, revisions ...) merged across continuations
    :ivar aliases: each title as asked for (and every step of normalisation or redirect) → the
        title that the wiki answered with
    """

    pages: dict[str, Page] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def resolve(self, title: str) -> str:
        """The title the wiki answered with for *title* (after normalisation and redirects)."""
        seen = set()
        while title in self.aliases and title not in seen:
            seen.add(title)
            title = self.aliases[title]
        return title

    def page(self, title: str) -> Page | None:
        return self.pages.get(self.resolve(title))


def batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _merge(into: Page, update: Page) -> None:
    for key, value in update.items():
        if isinstance(value, list) and isinstance(into.get(key), list):
            into[key].extend(value)
        else:
            into[key] = value


#: Titles a request for a client that is not logged in (MediaWiki's limit without
#: ``apihighlimits``).
ANONYMOUS_LIMIT = 50


def titles_per_request(site: pywikibot.site.APISite) -> int:
    """``site.maxlimit`` (500 for a bot), or 50 for a site the run never logged in to: known
    without asking it (``maxlimit`` would ask who the client is, a request of its own)."""
    return site.maxlimit if site.logged_in() else ANONYMOUS_LIMIT


def query_titles(site: pywikibot.site.APISite, titles: Iterable[str], **params: Any) -> QueryResult:
    """Run a prop query over *titles*, as many titles a request as the site takes.

    :param params: the query's parameters (prop, iiprop ...), without titles
    """
    result = QueryResult()
    for batch in batches(dict.fromkeys(titles), titles_per_request(site)):
        _query_batch(site, batch, params, result)
    return result


def _query_batch(site: pywikibot.site.APISite, batch: list[str], params: dict[str, Any],
                 result: QueryResult) -> None:
    """One batch; when the wiki cannot answer it in time, two halves instead.

    A consumer asked about 500 files it takes from a slow foreign repository fetches each
    one's metadata while the request waits (MediaWiki's ForeignAPIRepo, without an object
    cache); halving trades a few requests for an answer.
    """
    request_params = {'action': 'query', 'titles': batch, 'formatversion': 2, **params}
    while True:
        try:
            # A big batch gets one retry before it is split; a single title the usual ones.
            request = api.Request(site=site, parameters=request_params,
                                  max_retries=1 if len(batch) > 1 else None)
            data = request.submit()
        except (ServerError, ApiTimeoutError, requests.exceptions.Timeout):
            if len(batch) == 1:
                raise
            middle = len(batch) // 2
            pywikibot.warning(f'{site} did not answer for {len(batch)} titles in time; '
                              f'asking for {middle} and {len(batch) - middle}')
            _query_batch(site, batch[:middle], params, result)
            _query_batch(site, batch[middle:], params, result)
            return
        query = data.get('query', {})
        for key in ('normalized', 'redirects', 'converted'):
            for step in query.get(key, []):
                result.aliases[step['from']] = step['to']
        for page in query.get('pages', []):
            _merge(result.pages.setdefault(page['title'], {}), page)
        if 'continue' not in data:
            return
        request_params = {**request_params, **data['continue']}


def list_query(site: pywikibot.site.APISite, **params: Any) -> Iterator[dict[str, Any]]:
    """Yield the items of a list query (``list=allfileusages`` ...), following continuation."""
    name = params['list']
    request_params = {'action': 'query', 'formatversion': 2, **params}
    while True:
        data = api.Request(site=site, parameters=request_params).submit()
        yield from data.get('query', {}).get(name, [])
        if 'continue' not in data:
            return
        request_params = {**request_params, **data['continue']}


def query_generator(site: pywikibot.site.APISite, **params: Any) -> QueryResult:
    """Run a query with a generator (``generator=embeddedin`` ...), following continuation of
    both the generator and the props, pages merged by title."""
    result = QueryResult()
    request_params = {'action': 'query', 'formatversion': 2, **params}
    while True:
        data = api.Request(site=site, parameters=request_params).submit()
        for page in data.get('query', {}).get('pages', []):
            _merge(result.pages.setdefault(page['title'], {}), page)
        if 'continue' not in data:
            return result
        request_params = {**request_params, **data['continue']}
