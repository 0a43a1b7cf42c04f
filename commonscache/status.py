"""The status page: what the copies save the farm, for the admins who keep the bot running.

For each consumer: the files it uses that the shared repository now serves, and the source
lookups one view of each of its pages no longer makes (a page that shows a file from
Commons asks Commons about it on a view by a logged-in user; per file, the pages using it,
summed). Then the totals of files and bytes the bot holds, the open flags by reason, and
the last runs. The copies and their sizes come from the shared repository (the pages
carrying the provenance template), the savings from one batched query per 500 copies and
consumer (``prop=imageinfo|fileusage``), flags and runs from the state file.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from commonscache.describe import escape_value
from commonscache.query import query_generator, query_titles
from commonscache.review import escape_cell
from commonscache.sites import Site, is_on
from commonscache.state import Run, State

#: Seconds after which the status page is rewritten even when no copy or flag changed (its
#: last runs, its savings as pages of the consumers change).
REWRITE_EVERY = 86400.0


@dataclass(frozen=True)
class Saving:
    """What the shared repository saves one consumer.

    :ivar files: files the consumer uses that the shared repository serves
    :ivar lookups: source lookups one view of each of its pages no longer makes
    """

    consumer: str
    files: int
    lookups: int


@dataclass(frozen=True)
class Status:
    shared: str
    savings: tuple[Saving, ...]
    files: int
    bytes: int
    flags: dict[str, int]
    runs: tuple[Run, ...]
    review_page: str = ''
    #: consumer → (files, bytes) waiting for a later day's budget (-budget)
    waiting: dict[str, tuple[int, int]] = field(default_factory=dict)


def saving(consumer: Site, shared: Site, copies: Iterable[str]) -> Saving:
    """How many of *copies* the consumer uses and gets from *shared*, and how many of its
    pages use them (batched)."""
    result = query_titles(consumer, copies, prop='imageinfo|fileusage', iiprop='url',
                          fulimit='max')
    files = lookups = 0
    for page in result.pages.values():
        users = page.get('fileusage', [])
        info = (page.get('imageinfo') or [{}])[0]
        if users and is_on(shared, info.get('descriptionurl', '')):
            files += 1
            lookups += len(users)
    return Saving(str(consumer), files, lookups)


def copies_on(shared: Site, template: str) -> dict[str, int]:
    """title → bytes of every copy on *shared*: the file pages carrying the provenance
    template (one request per 500)."""
    result = query_generator(shared, generator='embeddedin', geititle=f'Template:{template}',
                             geinamespace=6, geilimit='max', prop='imageinfo', iiprop='size')
    return {title: (page.get('imageinfo') or [{}])[0].get('size', 0)
            for title, page in result.pages.items()}


def read_status(state: State, shared: Site, consumers: Iterable[Site], *, template: str,
                review_page: str = '') -> Status:
    key = str(shared)
    sizes = copies_on(shared, template)
    return Status(
        shared=key,
        savings=tuple(saving(consumer, shared, sorted(sizes)) for consumer in consumers),
        files=len(sizes), bytes=sum(sizes.values()),
        flags=dict(sorted(Counter(f.reason for f in state.flags(shared=key)).items())),
        runs=tuple(state.runs(shared=key)), review_page=review_page,
        waiting=state.waiting(shared=key))


def _duration(run: Run) -> str:
    if not run.finished:
        return 'running'
    seconds = int((datetime.fromisoformat(run.finished) -
                   datetime.fromisoformat(run.started)).total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f'{hours}:{rest // 60:02d}:{rest % 60:02d}'


RUN_COUNTERS = ('examined', 'cached', 'updated', 'flagged', 'failed')


def _counts(run: Run) -> str:
    return ', '.join(f'{name} {run.counters.get(name, 0)}' for name in RUN_COUNTERS)


def as_wikitext(status: Status) -> str:
    """The status page. Everything from outside (wiki names, reasons) is escaped."""
    def cell(value: object) -> str:
        return escape_cell(str(value))

    rows = ''.join(f'|-\n| {cell(s.consumer)} || {s.files:,} || {s.lookups:,}\n'
                   for s in status.savings)
    review = (f'[[{escape_value(status.review_page)}|review page]]' if status.review_page
              else 'review list (-review)')
    flags = ''.join(f'|-\n| {cell(reason)} || {count:,}\n'
                    for reason, count in status.flags.items())
    runs = ''.join(f'|-\n| {cell(r.started)} || {cell(_duration(r))} || {cell(r.consumer)} || '
                   f'{cell(_counts(r))} || {cell(r.status)}\n' for r in status.runs)
    total = sum(s.lookups for s in status.savings)
    return (
        f'What the shared repository {cell(status.shared)} saves the wikis that use it, '
        'rewritten by the commonscache bot when it changes.\n\n'
        '== Savings ==\n'
        'A file the shared repository serves is one a view of a page no longer looks up on '
        'Commons; a file used on several pages saves a lookup on each.\n'
        '{| class="wikitable sortable"\n'
        '! Wiki !! Files served from the shared repository !! Source lookups saved per view '
        'of each page, summed\n'
        f'{rows}|-\n! All !! !! {total:,}\n|}}\n\n'
        '== Copies ==\n'
        f'{status.files:,} files, {status.bytes:,} bytes.\n\n'
        '== Flags ==\n'
        f'Open flags by reason; the files are on the {review}.\n'
        + ('{| class="wikitable"\n! Reason !! Files\n' + flags + '|}\n\n' if flags
           else "''No open flags.''\n\n")
        + _waiting(status)
        + '== Last runs ==\n'
        '{| class="wikitable"\n! Started !! Duration !! Wikis !! Counts !! Status\n'
        f'{runs}|}}\n')


def _waiting(status: Status) -> str:
    """The files that wait for a later day's budget, per consumer ('' when none do)."""
    if not status.waiting:
        return ''
    rows = ''.join(f'|-\n| {escape_cell(consumer)} || {files:,} || {size:,}\n'
                   for consumer, (files, size) in status.waiting.items())
    return ('== Waiting for the daily budget ==\n'
            "Files that edits embedded after the wiki's daily budget (-budget) was spent; "
            'they are copied on a later day, or by a sweep.\n'
            '{| class="wikitable"\n! Wiki !! Files !! Bytes\n' + rows + '|}\n\n')


def as_json(status: Status) -> str:
    return json.dumps(asdict(status), indent=1, ensure_ascii=False)


def as_lines(status: Status) -> str:
    """``-status``: the same figures as plain lines."""
    lines = [f'{s.consumer}: {s.files} files served from {status.shared}, {s.lookups} source '
             'lookups saved per view of each page, summed' for s in status.savings]
    lines.append(f'copies: {status.files} files, {status.bytes} bytes')
    lines += [f'flag {reason}: {count}' for reason, count in status.flags.items()]
    lines += [f'{consumer}: {files} files ({size} bytes) wait for the daily budget'
              for consumer, (files, size) in status.waiting.items()]
    lines += [f'run {r.started} ({_duration(r)}) {r.consumer}: {_counts(r)}; {r.status}'
              for r in status.runs]
    return '\n'.join(lines) + '\n'
