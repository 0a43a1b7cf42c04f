"""The description page the shared repository gets: the provenance template, the source's
description with its links pointing back to the source, and an attribution section.

Internal links of the source description get the source's interwiki prefix, so that they
keep pointing where their authors meant (``[[Example Town]]`` → ``[[commons:Example
Town|Example Town]]``); File:, Media: and Category: links, and links that already carry an
interwiki prefix the shared repository knows, stay as they are. Categories missing on the
shared repository are dropped (see :class:`CategoryPolicy`); the transfer rules
(:mod:`commonscache.markup.rules`) rename or remove templates and normalise headings. Each change is
listed, so a person can see what was changed and why.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

import mwparserfromhell
from mwparserfromhell.nodes import Wikilink

from commonscache.datatypes import CategoryPolicy, FileVersion, SourceFile
from commonscache.markup import wikitext
from commonscache.markup.rules import Rules
from commonscache.markup.sdc import MediaInfo, captions_to_show, carried
from commonscache.markup.wikitext import CATEGORY_NAMESPACES
from commonscache.messages import msg

FILE_NAMESPACES = frozenset({'file', 'image', 'media'})
_BLANK_LINES = re.compile(r'\n{3,}')


@dataclass(frozen=True)
class Described:
    """A new page text and what was changed on the way, one line per change."""

    text: str
    changes: tuple[str, ...]


#: Runs of characters that mean something to MediaWiki where they stand: signatures
#: (``~~~`` and more, replaced when a page is saved), behaviour switches (``__NOTOC__``),
#: bold and italics (``''``). Each character of such a run is written as an entity.
_MEANINGFUL_RUNS = re.compile(r"~{3,}|_{2,}|'{2,}")


def escape_value(value: str) -> str:
    """Plain text that can stand in a template parameter, table cell or link label without
    ending it or adding markup, and that saving does not change (no signature, behaviour
    switch, quote markup, language conversion ``-{ }-``); the bot reads such values back
    with :func:`html.unescape`, as written."""
    value = ' '.join(str(value).split())
    value = (html.escape(value, quote=False)
             .replace('|', '&#124;').replace('{', '&#123;').replace('}', '&#125;')
             .replace('[', '&#91;').replace(']', '&#93;'))
    return _MEANINGFUL_RUNS.sub(lambda run: ''.join(f'&#{ord(c)};' for c in run.group()),
                                value)


def safe_url(url: str) -> str:
    """A URL that can stand in an external link: the characters that would end it or add
    markup are percent-encoded."""
    return quote(url, safe="/:?&=#%+,;@!$*'()~-._")


def provenance_call(source: SourceFile, *, template: str, retrieved: str) -> str:
    """The provenance template, with every value from outside escaped."""
    values = {
        'source': source.description_url,
        'file': source.title,
        'sha1': source.latest.sha1,
        'revision': str(source.revision),
        'timestamp': source.latest.timestamp,
        'retrieved': retrieved,
        'licence': source.licence,
        'licences': ' / '.join(source.licences),
        'author': source.author,
        'authorsource': 'first uploader' if source.author_is_uploader else '',
    }
    values = {key: value for key, value in values.items()
              if value or key not in ('licences', 'authorsource')}
    if source.entity:
        values |= carried(source.entity)
    params = ''.join(f'\n|{key}={escape_value(value)}' for key, value in values.items())
    return f'{{{{{template}{params}\n}}}}'


def _point_back(link: Wikilink, *, interwiki: str, known_prefixes: frozenset[str],
                categories: CategoryPolicy, code: mwparserfromhell.wikicode.Wikicode,
                changes: list[str]) -> None:
    target = str(link.title).strip()
    if not target or '{{' in target or target.startswith(('#', '/')):
        return
    bare = target.lstrip(':').strip()
    prefix, sep, rest = bare.partition(':')
    prefix = prefix.strip().lower()
    if sep and prefix in FILE_NAMESPACES:
        return
    if sep and prefix in CATEGORY_NAMESPACES:
        if target.startswith(':'):
            return
        name = 'Category:' + rest.strip().replace('_', ' ')
        new, why = categories.verdict(name)
        if new is None:
            code.remove(link)
            changes.append(f'dropped [[{name}]]: {why}')
        elif new != name:
            link.title = new
            changes.append(f'[[{name}]] became [[{new}]]: {why}')
        return
    if sep and prefix in known_prefixes:
        return
    if link.text is None:
        link.text = bare
    link.title = f'{interwiki}:{bare}'
    changes.append(f'linked [[{bare}]] to the source as [[{interwiki}:{bare}]]')


def point_links_back(text: str, *, interwiki: str, known_prefixes: Iterable[str],
                     categories: CategoryPolicy) -> tuple[str, list[str]]:
    """Prefix the source description's internal links and keep, rename or drop its
    categories as *categories* says."""
    changes: list[str] = []
    try:
        code = wikitext.parse(text)
        prefixes = frozenset(p.lower() for p in known_prefixes)
        for link in code.filter_wikilinks(recursive=True):
            _point_back(link, interwiki=interwiki, known_prefixes=prefixes,
                        categories=categories, code=code, changes=changes)
    except Exception as error:  # noqa: BLE001 - malformed wikitext must never end a run
        return text, [f'description left as it is: it could not be parsed ({error})']
    return _BLANK_LINES.sub('\n\n', str(code)).strip(), changes


def _version_row(version: FileVersion, interwiki: str) -> str:
    user = escape_value(version.user)
    uploader = f'[[{interwiki}:User:{user}|{user}]]' if version.user else '(hidden)'
    when = version.timestamp.replace('T', ' ').removesuffix('Z')
    size = f'{version.width} × {version.height}' if version.width else ''
    return (f'|-\n| {when} || {uploader} || {size} || {version.size:,} bytes'
            f' || <nowiki>{html.escape(" ".join(version.comment.split()))}</nowiki>')


def captions_section(entity: MediaInfo | None, description: str, *,
                     wiki_language: str = 'en') -> str:
    """The source's captions in the languages its description has no text in, for readers
    (the provenance template carries every caption, for bots); headed in the shared
    repository's language."""
    shown = captions_to_show(entity, description) if entity else {}
    if not shown:
        return ''
    lines = ''.join(f'\n* {escape_value(lang)}: <span lang="{escape_value(lang)}" dir="auto">'
                    f'{escape_value(text)}</span>' for lang, text in shown.items())
    return (f"== {msg(wiki_language, 'captions-heading')} ==\n"
            f"{msg(wiki_language, 'captions-intro')}{lines}")


def attribution_section(source: SourceFile, *, interwiki: str, history_url: str) -> str:
    """Who uploaded which version, and where the description's authors are credited."""
    title = escape_value(source.title)
    rows = '\n'.join(_version_row(version, interwiki) for version in source.versions)
    return (
        '== Attribution ==\n'
        f'This file was copied from [[{interwiki}:{title}|{title}]]. The authors of its '
        f'description are listed in the [{safe_url(history_url)} history of the source '
        'page]. Upload history on the source:\n'
        '{| class="wikitable"\n! Date !! Uploader !! Dimensions !! Size !! Comment\n'
        f'{rows}\n|}}'
    )


@dataclass(frozen=True)
class PageSettings:
    """Everything but the source that decides a copy's page text.

    :ivar language: the source wiki's language code, for @-parameters of transfer rules
    :ivar tracking: the category every copy is put in ('' for none)
    """

    template: str
    interwiki: str
    known_prefixes: tuple[str, ...] = ()
    categories: CategoryPolicy = CategoryPolicy()
    rules: Rules = Rules()
    language: str = 'en'
    tracking: str = ''
    #: the shared repository's content language, for the headings the bot writes
    wiki_language: str = 'en'


def describe(source: SourceFile, settings: PageSettings, *, history_url: str,
             retrieved: str) -> Described:
    """The new description page for *source* on the shared repository."""
    text, changes = settings.rules.apply(source.text, language=settings.language)
    body, link_changes = point_links_back(text, interwiki=settings.interwiki,
                                          known_prefixes=settings.known_prefixes,
                                          categories=settings.categories)
    changes += link_changes
    parts = [provenance_call(source, template=settings.template, retrieved=retrieved), body,
             captions_section(source.entity, source.text,
                              wiki_language=settings.wiki_language),
             attribution_section(source, interwiki=settings.interwiki,
                                 history_url=history_url)]
    if settings.tracking:
        parts.append(f'[[Category:{settings.tracking}]]')
        changes.append(f'added the tracking category [[Category:{settings.tracking}]]')
    return Described('\n'.join(part for part in parts if part) + '\n', tuple(changes))
