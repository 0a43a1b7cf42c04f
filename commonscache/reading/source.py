"""A batched snapshot of files on their source wiki (Commons): file versions, description
text and revision, licence and author.

One query reads, for many titles at once, the whole upload history (``prop=imageinfo`` with
``iilimit=max``) and the description's latest revision (``prop=revisions``) with every slot
of it, so that the structured data of Commons (the ``mediainfo`` slot, see
:mod:`commonscache.markup.sdc`) comes in the same request; redirects are followed so that a renamed
file is found under its new name.
See https://www.mediawiki.org/wiki/API:Imageinfo and https://www.mediawiki.org/wiki/API:Revisions

Licence and author come from ``extmetadata`` (LicenseShortName, Artist), which Commons fills
through the CommonsMetadata extension. Wikis without it get them from the description's
wikitext instead (see :mod:`commonscache.markup.attribution`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from pywikibot.data import api

from commonscache.datatypes import FileVersion, SourceFile
from commonscache.markup import wikitext
from commonscache.markup.attribution import (
    author_from_wikitext,
    licences_from_wikitext,
    plain_text,
    reported_licence,
)
from commonscache.markup.sdc import from_slot
from commonscache.wikis.query import Page, query_titles
from commonscache.wikis.sites import Site

#: The extmetadata fields read; the rest of extmetadata is large and not needed.
EXTMETADATA_FIELDS = 'LicenseShortName|Artist|Credit|UsageTerms|AttributionRequired'


def _versions(page: Page) -> tuple[FileVersion, ...]:
    seen = set()
    versions = []
    for info in page.get('imageinfo', []):
        if 'sha1' not in info or info['timestamp'] in seen:  # hidden (revdeleted) versions
            continue
        seen.add(info['timestamp'])
        versions.append(FileVersion(
            timestamp=info['timestamp'], user=info.get('user', ''), size=info.get('size', 0),
            width=info.get('width', 0), height=info.get('height', 0),
            comment=info.get('comment', ''), sha1=info['sha1'], url=info['url'],
            mime=info.get('mime', '')))
    return tuple(sorted(versions, key=lambda v: v.timestamp, reverse=True))


def _extmetadata(page: Page) -> dict[str, str]:
    infos = page.get('imageinfo') or [{}]
    latest = max(infos, key=lambda i: i.get('timestamp', ''))
    return {key: str(value.get('value', ''))
            for key, value in (latest.get('extmetadata') or {}).items()}


#: Templates that mark a file for deletion or dispute it on Commons.
DISPUTE_TEMPLATES = ('Delete', 'Speedydelete', 'Copyvio', 'No permission since',
                     'No license since', 'No source since')


#: Other names Commons' editors write the default markers under: redirects on Commons, and
#: the shortcuts whose substitution leaves the full template (``{{subst:nld}}``).
DISPUTE_ALIASES = {
    'Speedy': 'Speedydelete', 'Db': 'Speedydelete', 'SD': 'Speedydelete',
    'Speedy delete': 'Speedydelete', 'Speedy deletion': 'Speedydelete',
    'Copyright violation': 'Copyvio', 'Copyvios': 'Copyvio',
    'Npd': 'No permission since', 'No permission': 'No permission since',
    'Nld': 'No license since', 'No license': 'No license since',
    'Nsd': 'No source since', 'No source': 'No source since',
    'Vfd': 'Delete', 'Deletion request': 'Delete',
}


def disputes_in(text: str, markers: tuple[str, ...] = DISPUTE_TEMPLATES) -> tuple[str, ...]:
    """The deletion or dispute templates that *text* uses: written as MediaWiki reads them
    (case of the first letter, ``_`` or space, ``Template:``), under a redirect or a
    shortcut of Commons' (:data:`DISPUTE_ALIASES`), or left unsubstituted (``subst:``)."""
    wanted = {_canonical(name): name for name in markers}
    for alias, name in DISPUTE_ALIASES.items():
        if _canonical(name) in wanted:
            wanted.setdefault(_canonical(alias), wanted[_canonical(name)])
    found: dict[str, None] = {}
    try:
        templates = wikitext.parse(text).filter_templates()
    except Exception:  # noqa: BLE001 - malformed wikitext must never end a run
        return ()
    for template in templates:
        name = _canonical(str(template.name))
        if name in wanted:
            found[wanted[name]] = None
    return tuple(found)


def _canonical(name: str) -> str:
    name = ' '.join(_strip_comments(name).replace('_', ' ').split())
    for prefix in ('subst:', 'safesubst:', 'template:'):
        if name.lower().startswith(prefix):
            name = name[len(prefix):].strip()
    return name[:1].upper() + name[1:]


def _strip_comments(text: str) -> str:
    return re.sub(r'<!--.*?-->', '', text, flags=re.S)


def source_file(page: Page, markers: tuple[str, ...] = DISPUTE_TEMPLATES) -> SourceFile | None:
    """Build a :class:`SourceFile` from one page of the query; None if the file is gone."""
    if page.get('imagerepository') != 'local':  # missing, or not this wiki's own file
        return None
    versions = _versions(page)
    if not versions:
        return None
    revision = (page.get('revisions') or [{}])[-1]
    slots = revision.get('slots', {})
    text = slots.get('main', {}).get('content', '')
    meta = _extmetadata(page)
    unreadable = wikitext.unreadable(text)
    if unreadable:  # nothing is read from it: the file is flagged (reconcile.decide)
        text = ''
    licences = tuple(licences_from_wikitext(text))
    licence = plain_text(meta.get('LicenseShortName', '')) or reported_licence(licences)
    author = plain_text(meta.get('Artist', '')) or author_from_wikitext(text)
    url = page['imageinfo'][0].get('descriptionurl', '')
    return SourceFile(title=page['title'], description_url=url, versions=versions,
                      text=text, revision=revision.get('revid', 0), licence=licence,
                      author=author or versions[-1].user, disputes=disputes_in(text, markers),
                      licences=licences, author_is_uploader=not author,
                      entity=from_slot(slots.get('mediainfo'), revision=revision.get('revid', 0)),
                      unreadable=unreadable)


def read_sources(site: Site, titles: Iterable[str],
                 markers: tuple[str, ...] = DISPUTE_TEMPLATES) -> dict[str, SourceFile | None]:
    """Snapshot *titles* on the source *site*; keys are the titles as asked for."""
    titles = list(titles)
    result = query_titles(
        site, titles, redirects=1, prop='imageinfo|revisions',
        iiprop='timestamp|user|size|dimensions|comment|sha1|url|mime|extmetadata',
        iilimit='max', iiextmetadatafilter=EXTMETADATA_FIELDS,
        rvprop='ids|timestamp|content', rvslots='*')
    snapshot = {}
    for title in titles:
        page = result.page(title)
        snapshot[title] = source_file(page, markers) if page else None
    return snapshot


def deletion_comment(site: Site, title: str) -> str:
    """The comment of the latest deletion of *title* on *site*, '' when there is none.

    One request per deleted file: deletions are rare, and the log cannot be asked about
    many titles at once. See https://www.mediawiki.org/wiki/API:Logevents
    """
    request = api.Request(site=site, parameters={
        'action': 'query', 'list': 'logevents', 'letype': 'delete', 'letitle': title,
        'lelimit': 1, 'leprop': 'comment|user|timestamp', 'formatversion': 2})
    events = request.submit().get('query', {}).get('logevents', [])
    if not events:
        return ''
    event = events[0]
    return f"{event.get('user', '?')}, {event.get('timestamp', '')}: {event.get('comment', '')}"
