"""Which files the consumer uses, and where it finds each: locally, on the shared repository
(cached, or a file of its own), on a foreign repository such as Commons, or nowhere.

The consumer's ``prop=imageinfo`` answers for many titles at once; its ``imagerepository``
field names the repository that served each file ('local', a foreign repo's name, or '' for
missing). Pywikibot's FilePage drops that field, so the query is made directly.
See https://www.mediawiki.org/wiki/API:Imageinfo
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import pywikibot

from commonscache.query import QueryResult, list_query, query_titles
from commonscache.sites import Site, is_on

Where = Literal['local', 'shared', 'foreign', 'missing']


@dataclass(frozen=True)
class FileUse:
    """A file the consumer uses, and where it finds it.

    :ivar title: the title as the consumer writes it (``File:Name with spaces.jpg``)
    :ivar where: where the consumer finds it
    :ivar description_url: the description page on the repository that serves it
    """

    title: str
    where: Where
    description_url: str = ''


def classify(consumer: Site, shared: Site, titles: Iterable[str]) -> list[FileUse]:
    """Classify *titles* (file titles used on the consumer), batched."""
    result: QueryResult = query_titles(consumer, titles, prop='imageinfo', iiprop='url')
    used = []
    for page in result.pages.values():
        if page.get('ns') != 6:
            continue
        repository = page.get('imagerepository', '')
        info = (page.get('imageinfo') or [{}])[0]
        url = info.get('descriptionurl', '')
        if not repository or not info:
            where: Where = 'missing'
        elif repository == 'local':
            where = 'local'
        elif is_on(shared, url):
            where = 'shared'
        else:
            where = 'foreign'
        used.append(FileUse(page['title'], where, url))
    return sorted(used, key=lambda f: f.title)


class UsedFile(pywikibot.FilePage):
    """A file that the consumer uses, as a page to treat: examined itself, not searched
    for the files it embeds."""


def files_used_everywhere(consumer: Site) -> Iterable[str]:
    """Every file title used on any page of the consumer (``list=allfileusages``, unique)."""
    for item in list_query(consumer, list='allfileusages', afunique=1, aflimit='max'):
        yield item['title']


def files_used_on(consumer: Site, titles: Iterable[str]) -> list[str]:
    """The files embedded on the pages *titles* (images, galleries, templates, Media: links),
    and every File: page among them as its own file."""
    result = query_titles(consumer, titles, prop='images', imlimit='max')
    files: dict[str, None] = {}
    for page in result.pages.values():
        if page.get('ns') == 6:
            files[page['title']] = None
        for image in page.get('images', []):
            files[image['title']] = None
    return list(files)


def changed_pages(consumer: Site, since: str) -> Iterator[pywikibot.Page]:
    """Pages created or edited on the consumer since *since* (ISO 8601), each once.

    See https://www.mediawiki.org/wiki/API:RecentChanges
    """
    seen = set()
    for change in list_query(consumer, list='recentchanges', rcstart=since, rcdir='newer',
                             rctype='edit|new', rcprop='title', rclimit='max'):
        if change['title'] not in seen:
            seen.add(change['title'])
            yield pywikibot.Page(consumer, change['title'])


def pages_using(consumer: Site, files: list[str]) -> list[str]:
    """The consumer's pages that use any of *files* (``prop=fileusage``, batched)."""
    result = query_titles(consumer, files, prop='fileusage', fulimit='max')
    return sorted({use['title'] for page in result.pages.values()
                   for use in page.get('fileusage', [])})


def request_pages(consumer: Site, target: str) -> Iterator[pywikibot.Page]:
    """The pages a sweep request names: a category's members, or the page itself."""
    page = pywikibot.Page(consumer, target)
    if page.namespace() == 14:
        yield from pywikibot.Category(consumer, target).articles()
    elif page.exists():
        yield page
