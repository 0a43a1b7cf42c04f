"""What the cached pages need that the shared repository lacks: the templates and modules
they use that do not exist there, most used first, so that admins know what to import.

Two kinds of batched reads: the cached pages with their template links and text (a
generator over the provenance template's transclusions), then whether those templates exist.
The text matters: MediaWiki does not expand the parameters of a missing template, so
``{{en|...}}`` inside a missing ``{{Information}}`` is in no link table until Information is
imported.
"""
from __future__ import annotations

from collections import Counter

from commonscache.markup import wikitext
from commonscache.wikis.query import query_generator, query_titles
from commonscache.wikis.sites import Site

#: Template and Module (Scribunto's) namespaces.
TEMPLATE, MODULE = 10, 828


def missing_templates(shared: Site, template: str) -> list[tuple[str, int]]:
    """(title, number of cached pages using it) for every missing template or module."""
    namespaces = '|'.join(str(ns) for ns in (TEMPLATE, MODULE) if ns in shared.namespaces)
    pages = query_generator(
        shared, generator='embeddedin', geititle=f'Template:{template}', geinamespace=6,
        geilimit='max', prop='templates|revisions', tlnamespace=namespaces, tllimit='max',
        rvprop='content', rvslots='main')
    magic = {alias.lower() for word in shared.siteinfo.get('magicwords', [])
             for alias in word.get('aliases', [])}
    uses: Counter[str] = Counter()
    for page in pages.pages.values():
        text = (page.get('revisions') or [{}])[-1].get('slots', {}).get('main', {}).get(
            'content', '')
        uses.update({link['title'] for link in page.get('templates', [])}
                    | templates_in(text, magic))
    if not uses:
        return []
    existing = query_titles(shared, uses, prop='info')
    missing = [title for title in uses
               if (existing.page(title) or {}).get('missing', False)]
    return sorted(((title, uses[title]) for title in missing), key=lambda t: (-t[1], t[0]))


def as_lines(missing: list[tuple[str, int]]) -> str:
    """``COUNT<TAB>Template:Name``, one line each."""
    return ''.join(f'{count}\t{title}\n' for title, count in missing)


def templates_in(text: str, magic: set[str]) -> set[str]:
    """The templates and modules the wikitext calls, nested ones included, as titles."""
    try:
        calls = wikitext.parse(text).filter_templates()
    except Exception:  # noqa: BLE001 - malformed wikitext must never end a run
        return set()
    titles = set()
    for call in calls:
        name = ' '.join(str(call.name).replace('_', ' ').split())
        prefix, sep, rest = name.partition(':')
        if not name or '{' in name or '<' in name:
            continue
        if sep and prefix.strip().lower() == '#invoke':
            titles.add('Module:' + _first_upper(rest.strip()))
        elif sep and prefix.strip().lower() in ('template', 'module'):
            titles.add(prefix.strip().capitalize() + ':' + _first_upper(rest.strip()))
        elif not sep and name.lower() not in magic and name not in ('!', '='):
            titles.add('Template:' + _first_upper(name))
        # Anything else with a colon is a parser function or magic word (int:, #if: ...).
    return titles


def _first_upper(name: str) -> str:
    return name[:1].upper() + name[1:]
