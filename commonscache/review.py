"""The review list: open flags as tab-separated lines, as JSON, and as the wiki table that
admins work from on the shared repository.

Every value in the table that comes from outside (titles, details quoting wiki messages or
comments) is escaped, so that none of it can break the table or add markup.
"""
from __future__ import annotations

import json

from commonscache.describe import escape_value
from commonscache.messages import Language, msg
from commonscache.sdc import parse_conflict_details
from commonscache.state import Flag

#: Characters that cannot occur in a MediaWiki title; a title with one is shown, not linked.
NOT_IN_TITLES = set('#<>[]|{}')


def as_lines(flags: list[Flag]) -> str:
    """``REASON<TAB>File:Title<TAB>details``, one line per flag."""
    def clean(value: str) -> str:
        return ' '.join(value.replace('\t', ' ').split())
    return ''.join(f'{clean(f.reason)}\t{clean(f.title)}\t{clean(f.details)}\n' for f in flags)


def as_json(flags: list[Flag]) -> str:
    return json.dumps([{'reason': f.reason, 'title': f.title, 'details': f.details,
                        'since': f.since} for f in flags], indent=1, ensure_ascii=False)


def escape_cell(value: str) -> str:
    """Text for a table cell that shows as written: besides what :func:`escape_value`
    escapes, quotes (bold, italics), tildes (signatures, expanded on save) and underscores
    (behaviour switches such as __NOTOC__)."""
    return (escape_value(value).replace("'", '&#39;').replace('~', '&#126;')
            .replace('_', '&#95;'))


def _link(target: str, label: str) -> str:
    if NOT_IN_TITLES & set(target):
        return escape_cell(label)
    return f'[[{target}|{escape_cell(label)}]]'


def as_wikitable(flags: list[Flag], *, interwiki: str, notices: list[str] = (),
                 language: Language = 'en') -> str:
    """The review page in the wiki's *language*: a sortable table with links to both copies;
    *notices* (what the bot ignored on its control pages) above it."""
    intro = msg(language, 'review-intro') + '\n\n'
    if notices:
        intro += (f"== {msg(language, 'review-control')} ==\n"
                  + ''.join(f'* {escape_cell(notice)}\n' for notice in notices) + '\n')
    if not flags:
        return intro + f"''{msg(language, 'review-none')}''\n"
    source = msg(language, 'review-source')
    rows = []
    for flag in flags:
        title = flag.title
        rows.append(
            '|-\n'
            f'| {_link(":" + title, title)}'
            f' || {_link(f"{interwiki}:{title}", source)}'
            f' || {escape_cell(flag.reason)} || {escape_cell(flag.details)}'
            f' || {escape_cell(flag.since)}')
    return (intro + '{| class="wikitable sortable"\n'
            f"! {msg(language, 'review-columns')}\n" + '\n'.join(rows) + '\n|}\n'
            + _side_by_side([f for f in flags if f.reason == 'sdc-conflict'],
                            interwiki=interwiki, language=language))


def _side_by_side(flags: list[Flag], *, interwiki: str, language: Language) -> str:
    """The ``sdc-conflict`` flags again, the description's value beside the structured
    data's, one row per contradiction."""
    rows = []
    for flag in flags:
        for found in parse_conflict_details(flag.details):
            rows.append(
                '|-\n'
                f'| {_link(":" + flag.title, flag.title)}'
                f' || {_link(f"{interwiki}:{flag.title}", msg(language, "review-source"))}'
                f' || {escape_cell(found.what)} || {escape_cell(found.description)}'
                f' || {escape_cell(found.structured)}')
    if not rows:
        return ''
    return (f"\n== {msg(language, 'review-sdc-heading')} ==\n"
            f"{msg(language, 'review-sdc-intro')}\n"
            '{| class="wikitable sortable"\n'
            f"! {msg(language, 'review-sdc-columns')}\n"
            + '\n'.join(rows) + '\n|}\n')
