"""The review list: open flags as tab-separated lines, as JSON, and as the wiki table that
admins work from on the shared repository.

Every value in the table that comes from outside (titles, details quoting wiki messages or
comments) is escaped, so that none of it can break the table or add markup.
"""
from __future__ import annotations

import json

from commonscache.deciding.decisions import APPLIES, FOR_COPYRIGHT
from commonscache.deciding.reconcile import SINCE_COPY
from commonscache.keeping.state import ClosedFlag, Flag
from commonscache.markup.sdc import parse_conflict_details
from commonscache.messages import Language, msg
from commonscache.writing.describe import escape_value

#: Characters that cannot occur in a MediaWiki title; a title with one is shown, not linked.
NOT_IN_TITLES = set('#<>[]|{}')
#: The review page shows at most this many flags of each reason, the most recent, and
#: counts the rest: however many flags an editor's embeds raise, the page stays far below
#: MediaWiki's page size limit (about 700 bytes a row at most), and always saves.
SHOWN_PER_REASON = 50
#: The review page shows this many of the flags that closed, the latest.
CLOSED_SHOWN = 20
#: A flag's details are cut to this many characters on the page (-review has them whole).
DETAILS_SHOWN = 300


def shown(flags: list[Flag]) -> tuple[list[Flag], dict[str, int]]:
    """The flags the review page lists (the most recent :data:`SHOWN_PER_REASON` of each
    reason, in the order given) and, per reason, how many more it does not."""
    by_reason: dict[str, list[Flag]] = {}
    for flag in flags:
        by_reason.setdefault(flag.reason, []).append(flag)
    kept: set[int] = set()
    more: dict[str, int] = {}
    for reason, group in sorted(by_reason.items()):
        recent = sorted(group, key=lambda f: f.since)[-SHOWN_PER_REASON:]
        kept.update(id(flag) for flag in recent)
        if len(group) > len(recent):
            more[reason] = len(group) - len(recent)
    return [flag for flag in flags if id(flag) in kept], more


def urgent(flag: Flag) -> bool:
    """A copy whose source was deleted for copyright: the farm may be serving a
    violation."""
    return flag.reason == 'source-deleted' and flag.details.startswith(FOR_COPYRIGHT)


def _diff(flag: Flag, interwiki: str) -> str:
    """A link to the source's changes since the copy, where the details name them."""
    since = SINCE_COPY.search(flag.details)
    return f' [[{interwiki}:Special:Diff/{since[1]}/{since[2]}|diff]]' if since else ''


def _cut(details: str) -> str:
    return details if len(details) <= DETAILS_SHOWN else details[:DETAILS_SHOWN - 1] + '…'


def as_lines(flags: list[Flag]) -> str:
    """``REASON<TAB>File:Title<TAB>details``, one line per flag."""
    def clean(value: str) -> str:
        return ' '.join(value.replace('\t', ' ').split())
    return ''.join(f'{clean(f.reason)}\t{clean(f.title)}\t{clean(f.details)}\n' for f in flags)


def as_json(flags: list[Flag]) -> str:
    return json.dumps([{'reason': f.reason, 'title': f.title, 'details': f.details,
                        'since': f.since} for f in flags], indent=1, ensure_ascii=False)


def closed_as_lines(closed: list[ClosedFlag]) -> str:
    """``REASON<TAB>File:Title<TAB>opened<TAB>closed<TAB>how<TAB>details``, one line per
    flag that closed."""
    def clean(value: str) -> str:
        return ' '.join(value.replace('\t', ' ').split())
    return ''.join('\t'.join(clean(value) for value in (
        f.reason, f.title, f.since, f.closed, f.how, f.details)) + '\n' for f in closed)


def closed_as_json(closed: list[ClosedFlag]) -> str:
    return json.dumps([vars(f) for f in closed], indent=1, ensure_ascii=False)


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
                 language: Language = 'en', closed: list[ClosedFlag] = ()) -> str:
    """The review page in the wiki's *language*: a sortable table with links to both copies
    and the decisions that settle each flag; *notices* (what the bot ignored on its control
    pages) above it, the flags that *closed* lately below it."""
    intro = (msg(language, 'review-intro') + '\n\n' + msg(language, 'review-decisions')
             + '\n\n')
    if notices:
        intro += (f"== {msg(language, 'review-control')} ==\n"
                  + ''.join(f'* {escape_cell(notice)}\n' for notice in notices) + '\n')
    if not flags:
        return intro + f"''{msg(language, 'review-none')}''\n" + _closed(closed, language)
    source = msg(language, 'review-source')
    flags, more = shown(flags)
    flags = sorted(flags, key=lambda flag: not urgent(flag))  # the copyright deletions first
    rows = []
    for flag in flags:
        title = flag.title
        rows.append(
            '|-\n'
            f'| {_link(":" + title, title)}'
            f' || {_link(f"{interwiki}:{title}", source)}'
            f' || {escape_cell(flag.reason)} || {escape_cell(_cut(flag.details))}'
            f'{_diff(flag, interwiki)}'
            f' || {escape_cell(flag.since)}'
            f" || {', '.join(APPLIES.get(flag.reason, ()))}")
    counted = ''.join(
        f"* {escape_cell(msg(language, 'review-more', {'count': n, 'reason': reason}))}\n"
        for reason, n in more.items())
    return (intro + '{| class="wikitable sortable"\n'
            f"! {msg(language, 'review-columns')}\n" + '\n'.join(rows) + '\n|}\n'
            + (f'\n{counted}' if counted else '')
            + _side_by_side([f for f in flags if f.reason == 'sdc-conflict'],
                            interwiki=interwiki, language=language)
            + _closed(closed, language))


def _closed(closed: list[ClosedFlag], language: Language) -> str:
    """The flags that closed lately, the latest first: when, and how."""
    if not closed:
        return ''
    rows = [f'|-\n| {_link(":" + f.title, f.title)} || {escape_cell(f.reason)}'
            f' || {escape_cell(f.since)} || {escape_cell(f.closed)} || {escape_cell(f.how)}'
            for f in closed]
    return (f"\n== {msg(language, 'review-closed')} ==\n"
            '{| class="wikitable sortable"\n'
            f"! {msg(language, 'review-closed-columns')}\n" + '\n'.join(rows) + '\n|}\n')


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
