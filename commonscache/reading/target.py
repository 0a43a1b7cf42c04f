"""A batched snapshot of the shared repository: what stands under each name now.

A page is the bot's cached copy when it carries the provenance template and its current
file has the sha1 the template records; both are read here, for many titles a request.
After the decisions, :func:`read_ahead` reads what the batch's writes will need from it,
so that the act stage (:mod:`commonscache.writing.writes`) reads nothing itself.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from commonscache.datatypes import Ahead, CategoryPolicy, Settings, SharedFile, Snapshot, Verdict
from commonscache.deciding.reconcile import WRITES
from commonscache.markup import wikitext
from commonscache.markup.wikitext import category_names
from commonscache.wikis.query import Page, query_titles
from commonscache.wikis.sites import Site


def same_template(name: str, other: str) -> bool:
    """Template names compare with a case-insensitive first letter and ``_`` as space."""
    def canonical(value: str) -> str:
        value = value.strip().replace('_', ' ')
        value = value.removeprefix('Template:').removeprefix('template:').strip()
        return value[:1].upper() + value[1:]
    return canonical(name) == canonical(other)


def provenance_of(text: str, template: str) -> dict[str, str]:
    """The named parameters of the first provenance template in *text*."""
    for call in wikitext.parse(text).filter_templates(recursive=False):
        if same_template(str(call.name), template):
            return {str(p.name).strip(): html.unescape(str(p.value).strip())
                    for p in call.params}
    return {}


def detached_text(text: str, template: str) -> str:
    """*text* with ``sync=no`` on its first provenance template (the rest as it was)."""
    code = wikitext.parse(text)
    for call in code.filter_templates(recursive=False):
        if same_template(str(call.name), template):
            call.add('sync', 'no')
            return str(code)
    return text


def redirect_target(text: str) -> str:
    """The title a redirect page points to, as ``File:Name with spaces``; '' otherwise."""
    if not text.lstrip()[:9].upper().startswith('#REDIRECT'):
        return ''
    links = wikitext.parse(text).filter_wikilinks()
    if not links:
        return ''
    target = str(links[0].title).strip().lstrip(':').replace('_', ' ')
    namespace, _, name = target.partition(':')
    return f'{namespace.strip().capitalize()}:{name.strip()[:1].upper()}{name.strip()[1:]}'


def shared_file(page: Page, template: str) -> SharedFile:
    revision = (page.get('revisions') or [{}])[-1]
    text = revision.get('slots', {}).get('main', {}).get('content', '')
    infos = page.get('imageinfo') or []
    latest = max(infos, key=lambda i: i.get('timestamp', ''), default={})
    local_file = page.get('imagerepository') == 'local'
    unreadable = wikitext.unreadable(text)
    if unreadable:  # nothing is read from it: the file is flagged (reconcile.decide)
        text = ''
    return SharedFile(
        title=page['title'], page_exists=not page.get('missing', False),
        sha1=latest.get('sha1', '') if local_file else '',
        size=latest.get('size', 0) if local_file else 0,
        uploader=latest.get('user', '') if local_file else '',
        last_editor=revision.get('user', ''), text=text, revision=revision.get('revid', 0),
        provenance=provenance_of(text, template) if text else {},
        redirect_to=redirect_target(text), unreadable=unreadable)


def read_shared(site: Site, titles: Iterable[str], *, template: str,
                ride: str = '') -> dict[str, SharedFile]:
    """Snapshot *titles* on the shared repository; keys are the titles as asked for.

    :param ride: a page read along at no extra request (the run page), under its own title
        in the result; only where the last request has room for it, and never alone
    """
    titles = list(dict.fromkeys(titles))
    if ride and titles and len(titles) % site.maxlimit:
        titles.append(ride)
    result = query_titles(site, titles, prop='imageinfo|revisions',
                          iiprop='timestamp|user|sha1|size', rvprop='ids|timestamp|user|content',
                          rvslots='main')
    snapshot = {}
    for title in titles:
        page = result.page(title)
        snapshot[title] = shared_file(page, template) if page else SharedFile(title)
    return snapshot


def existing_pages(site: Site, titles: Iterable[str]) -> set[str]:
    """Which of *titles* exist on *site* (as the wiki normalises them)."""
    result = query_titles(site, titles, prop='info')
    return {title for title, page in result.pages.items() if not page.get('missing')
            and not page.get('invalid')}


def read_ahead(snapshot: Snapshot, verdicts: Mapping[str, Verdict], settings: Settings
               ) -> Ahead:
    """What the batch's writes will need from the shared repository, read after the
    decisions: which of the categories the copies about to be written name exist there
    (one batched request; none under -categories:all or none, or when nothing is written),
    its interwiki prefixes (Pywikibot's site info, read once a run), and whether the bot
    may delete (its rights, known since the login), asked only when a verdict deletes.
    """
    policy = CategoryPolicy(keep=settings.categories, mapping=settings.rules.category_map)
    writing = [snapshot.sources[title] for title, verdict in verdicts.items()
               if verdict.action in WRITES and snapshot.sources.get(title)]
    if not writing and not any(v.action == 'delete' for v in verdicts.values()):
        return Ahead(policy)
    site = settings.shared
    if writing and policy.keep == 'existing':
        names = {policy.mapped(name) for source in writing
                 for name in category_names(source.text)}
        existing = existing_pages(site, names) if names else set()
        policy = CategoryPolicy('existing', frozenset(existing), policy.mapping)
    prefixes = tuple(entry['prefix'] for entry in site.siteinfo.get('interwikimap', []))
    may_delete = any(v.action == 'delete' for v in verdicts.values()) and \
        site.has_right('delete')
    return Ahead(policy, prefixes, may_delete)
