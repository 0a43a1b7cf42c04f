"""Which files the consumer uses, and where it finds each: locally, on the shared repository
(cached, or a file of its own), on a foreign repository such as Commons, or nowhere.

Two ways to tell. :func:`survey` asks the consumer only for its own files (``list=allimages``
over the batch's range of names) and for its file repositories in lookup order
(``meta=filerepoinfo``), one request per batch; the bot then reads the shared repository and
the source directly, 500 titles a request, as it must anyway. :func:`classify` asks the
consumer's ``prop=imageinfo``, whose ``imagerepository`` names the repository that served
each file — but MediaWiki answers it by looking every file up in every foreign repository in
turn, one HTTP request per file for a ForeignAPIRepo such as Commons, while the bot waits
(the survey's reason to exist). It stays for consumers whose repositories the bot cannot
map to wikis, or that have too many files of their own in the range. Pywikibot's FilePage
drops ``imagerepository``, so the queries are made directly.
See https://www.mediawiki.org/wiki/API:Filerepoinfo and API:Allimages
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import pywikibot

from commonscache.wikis.query import QueryResult, list_query, query_titles
from commonscache.wikis.sites import Site, is_on

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


@dataclass(frozen=True)
class Survey:
    """What the consumer says of a batch without looking anything up elsewhere.

    :ivar repositories: an example description URL (``File:Example.jpg``) for each foreign
        repository, in the order the consumer looks files up
    :ivar local: the titles that are files of the consumer's own
    """

    repositories: tuple[str, ...]
    local: frozenset[str]


#: Beyond this many requests for a batch's range of names (20,000 local files for a bot
#: account, 2,000 otherwise), the consumer classifies the batch itself.
SURVEY_LIMIT = 4


@dataclass
class Listings:
    """What the consumers told this run (or poll) about their files, kept in the run's memory
    (:class:`~commonscache.reading.pipeline.Memory`), never in this module.

    :ivar repositories: consumer → its foreign repositories, in lookup order (asked once a
        run; not kept while one of them could not be told)
    :ivar local: consumer → its own files, when a listing of everything it uses found them
        all (:func:`files_used_everywhere`); forgotten after each sweep or poll
    :ivar uses: consumer → the pages that use each file it does not have as its own, when a
        listing counted them all; taken once (:meth:`take_usage_counts`)
    """

    repositories: dict[Site, list[str]] = field(default_factory=dict)
    local: dict[Site, frozenset[str]] = field(default_factory=dict)
    uses: dict[Site, dict[str, int]] = field(default_factory=dict)

    def remember(self, consumer: Site, repositories: list[str]) -> None:
        """Keep *consumer*'s repositories for the run, unless one of them could not be
        told: then the consumer is asked again next time, as the wiki it could not describe
        may be back by then."""
        if all(repositories):
            self.repositories[consumer] = repositories

    def take_usage_counts(self) -> dict[Site, dict[str, int]]:
        """consumer → the pages that use each file it gets from elsewhere, for the consumers
        that a listing this run (or poll) counted whole; counted once, then forgotten."""
        counts = dict(self.uses)
        self.uses.clear()
        return counts

    def forget(self) -> None:
        """The consumers' own files as listed are forgotten (at the end of a sweep, of a
        poll): a file uploaded to a consumer later is found by the next survey."""
        self.local.clear()


def _example_url(repository: dict) -> str:
    """A description URL on *repository* (as ``meta=filerepoinfo`` describes it).

    A ``ForeignAPIRepo`` states its server and article path only when the consumer could
    read the repository's own siteinfo just then; while that wiki is down, its API URL
    (always given) still tells which wiki it is: the description URL is then the wiki's
    ``index.php?title=``, which Pywikibot's families recognise as well.
    """
    if repository.get('server') and '$1' in repository.get('articlepath', ''):
        url = repository['server'] + repository['articlepath'].replace('$1', 'File:Example.jpg')
    elif repository.get('descBaseUrl'):
        url = repository['descBaseUrl'] + 'Example.jpg'
    elif repository.get('apiurl', '').endswith('/api.php'):
        url = repository['apiurl'].removesuffix('api.php') + 'index.php?title=File:Example.jpg'
    else:
        return ''
    return 'https:' + url if url.startswith('//') else url


def _repositories(answer: list[dict]) -> list[str]:
    """The foreign repositories of a ``meta=filerepoinfo`` answer, in lookup order."""
    return [_example_url(repo) for repo in answer if not repo.get('local')]


def repository_urls(consumer: Site, listings: Listings) -> list[str]:
    """A description URL on each foreign repository of *consumer*, in lookup order ('' for
    one that has none); asked once a run."""
    if consumer in listings.repositories:
        return listings.repositories[consumer]
    data = pywikibot.data.api.Request(site=consumer, parameters={
        'action': 'query', 'meta': 'filerepoinfo', 'formatversion': 2}).submit()
    repositories = _repositories(data['query']['repos'])
    listings.remember(consumer, repositories)
    return repositories


def listed_repositories(consumer: Site, listings: Listings) -> list[str]:
    """*consumer*'s foreign repositories when its listing this run told them and its own
    files, so that its batches are surveyed with no request to it (:func:`survey`); [] when
    not, or when a repository has no URL to find its wiki by."""
    repositories = (listings.repositories.get(consumer, []) if consumer in listings.local
                    else [])
    return repositories if all(repositories) else []


#: The longest name ``list=allimages`` takes as a bound: MediaWiki checks a bound as a
#: title with one character added (``ApiQueryBase::titlePartToKey``), so a name of the
#: longest length a title may have (255 bytes) is refused as ``invalidtitle``.
RANGE_KEY_BYTES = 254


def range_key(name: str) -> str:
    """*name* as a bound of ``list=allimages``: cut to :data:`RANGE_KEY_BYTES` bytes (at a
    character's end). A bound cut so is a prefix of the name: as the lower bound it lets
    the name in; as the upper bound it leaves out only names that start with those 254
    bytes and go on, which a consumer's own file of that very name would be (then the
    bot reads the name from the shared repository and the source, as for a foreign
    file, and the consumer keeps showing its own)."""
    return name.encode()[:RANGE_KEY_BYTES].decode(errors='ignore')


def survey(consumer: Site, titles: Iterable[str], listings: Listings) -> Survey | None:
    """The consumer's own files among *titles* and its foreign repositories, in one request
    per batch (more only past 5,000 local files in the range); None when a repository has no
    URL to find its wiki by, or the range needs more than :data:`SURVEY_LIMIT` requests."""
    names = sorted({title.split(':', 1)[1].replace(' ', '_') for title in titles})
    if not names:
        return Survey((), frozenset())
    if consumer in listings.local and consumer in listings.repositories:  # from the listing
        repositories = listings.repositories[consumer]
        if not all(repositories):
            return None
        wanted = {title.replace('_', ' ') for title in titles}
        return Survey(tuple(repositories), listings.local[consumer] & wanted)
    params: dict = {'action': 'query', 'formatversion': 2, 'list': 'allimages',
                    'aifrom': range_key(names[0]), 'aito': range_key(names[-1]),
                    'ailimit': 'max', 'aiprop': ''}
    # Asked once a run: the consumer answers filerepoinfo by asking each API repository
    # for its favicon.
    repositories = listings.repositories.get(consumer)
    if repositories is None:
        params['meta'] = 'filerepoinfo'
    local: set[str] = set()
    for _ in range(SURVEY_LIMIT):
        data = pywikibot.data.api.Request(site=consumer, parameters=params).submit()
        query = data.get('query', {})
        if repositories is None:
            repositories = _repositories(query.get('repos', []))
            listings.remember(consumer, repositories)
            params.pop('meta')
        if not all(repositories):
            return None
        local.update(item['title'] for item in query.get('allimages', []))
        if 'continue' not in data:
            break
        params.update(data['continue'])
    else:
        return None
    wanted = {title.replace('_', ' ') for title in titles}
    return Survey(tuple(repositories), frozenset(local & wanted))


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


def files_used_everywhere(consumer: Site, listings: Listings,
                          started: Callable[[str], None] | None = None) -> Iterator[str]:
    """Every file title used on any page of the consumer (``list=allfileusages``).

    The first request also lists the consumer's own files and its repositories
    (``list=allimages``, ``meta=filerepoinfo``), and each use of a file rather than each file
    once: a wiki of a farm has few files of its own or none, so its batches are surveyed
    with no request of their own (:func:`survey`), and the status page counts the pages that
    use each file without asking the wiki again (:meth:`Listings.take_usage_counts`). A wiki whose
    files or uses do not fit one answer is listed file by file from there on, surveyed batch
    by batch, and its savings asked separately.

    *started* is told the wiki's time as the listing began (from the same request): the
    watermark of a first ``-since:last`` run or ``-watch`` poll.
    """
    params: dict = {'action': 'query', 'formatversion': 2, 'list': 'allfileusages|allimages',
                    'aflimit': 'max', 'ailimit': 'max', 'aiprop': ''}
    meta = ['filerepoinfo'] if consumer not in listings.repositories else []
    if started:
        meta.append('siteinfo')
        params['siprop'] = 'general'
    if meta:
        params['meta'] = '|'.join(meta)
    data = pywikibot.data.api.Request(site=consumer, parameters=params).submit()
    query, more = data.get('query', {}), data.get('continue', {})
    if started:
        started(query['general']['time'])
    if consumer not in listings.repositories:
        listings.remember(consumer, _repositories(query.get('repos', [])))
    local = None if 'aicontinue' in more else frozenset(
        item['title'] for item in query.get('allimages', []))
    if local is not None:
        listings.local[consumer] = local
    uses = Counter(item['title'] for item in query.get('allfileusages', []))
    yield from uses
    if 'afcontinue' not in more:
        if local is not None:
            listings.uses[consumer] = {title: n for title, n in uses.items()
                                       if title not in local}
        return
    # More uses than one answer holds: each file once from the last one listed on.
    last = next(reversed(uses), '')
    for item in list_query(consumer, list='allfileusages', afunique=1, aflimit='max',
                           affrom=last.split(':', 1)[-1]):
        if item['title'] != last:
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


#: What the recent changes are read for: edits, new pages, and the log entries that bring
#: content to a title (moves, imports, undeletions).
RC_TYPES = 'edit|new|log'
#: Log entries (type, action) whose page may now embed files it did not before, and where
#: the page now is: the log entry's page, or the move's target.
CONTENT_LOGS = {('import', 'upload'): 'title', ('import', 'interwiki'): 'title',
                ('delete', 'restore'): 'title', ('move', 'move'): 'target',
                ('move', 'move_redir'): 'target'}


def changed_title(change: dict) -> str:
    """The page whose content a recent change (``rcprop=title|loginfo``) created or changed:
    the edited or new page, an imported or undeleted page, a moved page under its new
    title; '' for other log entries (user creations, uploads, patrols ...)."""
    if change.get('type') in ('edit', 'new'):
        return change.get('title', '')
    where = CONTENT_LOGS.get((change.get('logtype', ''), change.get('logaction', '')))
    if where == 'target':
        return (change.get('logparams') or {}).get('target_title', '')
    return change.get('title', '') if where else ''


class NotUnderstood(Exception):
    """A request line that names no page or category of the consumers; the message says
    why, for its answer."""


def request_pages(consumers: list[Site], target: str) -> Iterator[pywikibot.Page]:
    """The pages a sweep request names, on each consumer that has it: a category's
    members, or the page itself.

    :raises NotUnderstood: *target* is not a title, or no consumer has such a page or
        category (before any page is yielded)
    """
    found: list[pywikibot.Page] = []
    for consumer in consumers:
        try:
            page = pywikibot.Page(consumer, target)
            if page.namespace() == 14:
                category = pywikibot.Category(consumer, page.title())
                # A category counts by its members, whether or not its page was written.
                if category.exists() or next(iter(category.members(total=1)), None):
                    found.append(category)
            elif page.exists():
                found.append(page)
        except (pywikibot.exceptions.InvalidTitleError, ValueError) as error:
            raise NotUnderstood(f'{target!r} is not a title ({error})') from None
    if not found:
        raise NotUnderstood(f'no page or category {target!r} on '
                            + ', '.join(str(consumer) for consumer in consumers))
    for page in found:
        if isinstance(page, pywikibot.Category):
            yield from page.articles()
        else:
            yield page
