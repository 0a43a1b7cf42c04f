"""The status page: what the copies save the farm, for the admins who keep the bot running.

For each consumer: the files it uses that the shared repository now serves, and the source
lookups one view of each of its pages no longer makes (a page that shows a file from
Commons asks Commons about it on a view by a logged-in user; per file, the pages using it,
summed). Then the totals of files and bytes the bot holds, the open flags by reason, and
the last runs. The copies and their sizes come from the shared repository (the pages
carrying the provenance template); a consumer's savings from the run's listing of what it
uses (:func:`~commonscache.reading.detect.files_used_everywhere`), else as counted within the last
day, else from one batched query per 500 copies (``prop=imageinfo|fileusage``); flags and
runs from the state file.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime

from commonscache.keeping.state import Run, State, ago, now
from commonscache.messages import Language, msg
from commonscache.publishing.review import escape_cell
from commonscache.reading.pipeline import RETRYABLE, UPSTREAM
from commonscache.wikis.query import query_generator, query_titles
from commonscache.wikis.sites import Site, is_on
from commonscache.writing.describe import escape_value

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
    #: reason → (files, since when the oldest waits) of the files waiting for a wiki that
    #: did not answer, or for their source (:data:`WAITS`)
    unanswered: dict[str, tuple[int, str]] = field(default_factory=dict)


#: The outcomes a file waits in for a wiki or its source, on the status page: the wiki's
#: outages first.
WAITS = (*sorted(RETRYABLE), *UPSTREAM)


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


def counted_saving(consumer: Site, uses: Mapping[str, int], served: set[str]) -> Saving:
    """The saving of a consumer whose listing counted *uses* (file → pages using it; its own
    files left out), *served*: the titles the shared repository has."""
    found = [pages for title, pages in uses.items() if title in served]
    return Saving(str(consumer), len(found), sum(found))


def on_shared(shared: Site, titles: Iterable[str]) -> set[str]:
    """Those of *titles* that *shared* has as a file or a redirect to one (batched)."""
    result = query_titles(shared, titles, prop='imageinfo', iiprop='size', redirects=1)
    return {title for title in titles if (result.page(title) or {}).get('imageinfo')}


def _stored(state: State, shared: str, consumer: Site) -> Saving | None:
    """The consumer's saving as last counted, if that was less than a day ago."""
    found = state.watermark(f'savings {shared} {consumer}')
    if not found:
        return None
    figures = json.loads(found)
    if figures.get('at', '') <= ago(REWRITE_EVERY):
        return None
    return Saving(str(consumer), figures['files'], figures['lookups'])


def read_status(state: State, shared: Site, consumers: Iterable[Site], *, template: str,
                review_page: str = '',
                listed: Mapping[Site, Mapping[str, int]] | None = None,
                keep: bool = True) -> Status:
    """The status page's figures. A consumer's saving comes from *listed* (consumer → file →
    pages using it, as this run's listing counted them, checked against the shared
    repository in one batched read for all), else as counted within the last day, else
    from a query of its own; each saving counted is kept in the state (unless not to
    *keep*: a report that only reads)."""
    key = str(shared)
    sizes = copies_on(shared, template)
    listed = listed or {}
    served = on_shared(shared, sorted(set().union(*listed.values()))) if listed else set()
    savings = []
    for consumer in consumers:
        found = None if consumer in listed else _stored(state, key, consumer)
        if found is None:
            found = (counted_saving(consumer, listed[consumer], served) if consumer in listed
                     else saving(consumer, shared, sorted(sizes)))
            if keep:
                state.set_watermark(f'savings {key} {consumer}', json.dumps(
                    {'files': found.files, 'lookups': found.lookups, 'at': now()}))
        savings.append(found)
    return Status(
        shared=key,
        savings=tuple(savings),
        files=len(sizes), bytes=sum(sizes.values()),
        flags=dict(sorted(Counter(f.reason for f in state.flags(shared=key)).items())),
        runs=tuple(state.runs(shared=key)), review_page=review_page,
        waiting=state.waiting(shared=key),
        unanswered=dict(sorted(state.oldest_waits(shared=key, reasons=WAITS).items(),
                               key=lambda item: WAITS.index(item[0]))))


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


def as_wikitext(status: Status, language: Language = 'en') -> str:
    """The status page, in the wiki's *language*. Everything from outside (wiki names,
    reasons) is escaped."""
    def cell(value: object) -> str:
        return escape_cell(str(value))

    def text(key: str, **parameters: object) -> str:
        return msg(language, key, parameters)

    rows = ''.join(f'|-\n| {cell(s.consumer)} || {s.files:,} || {s.lookups:,}\n'
                   for s in status.savings)
    review = (f"[[{escape_value(status.review_page)}|{text('status-review-page')}]]"
              if status.review_page else text('status-review-list'))
    flags = ''.join(f'|-\n| {cell(reason)} || {count:,}\n'
                    for reason, count in status.flags.items())
    runs = ''.join(f'|-\n| {cell(r.started)} || {cell(_duration(r))} || {cell(r.consumer)} || '
                   f'{cell(_counts(r))} || {cell(r.status)}\n' for r in status.runs)
    total = sum(s.lookups for s in status.savings)
    return (
        f"{text('status-intro', shared=cell(status.shared))}\n\n"
        f"== {text('status-savings')} ==\n"
        f"{text('status-savings-intro')}\n"
        '{| class="wikitable sortable"\n'
        f"! {text('status-savings-columns')}\n"
        f"{rows}|-\n! {text('status-all')} !! !! {total:,}\n|}}\n\n"
        f"== {text('status-copies')} ==\n"
        f"{text('status-copies-line', files=f'{status.files:,}', bytes=f'{status.bytes:,}')}"
        '\n\n'
        f"== {text('status-flags')} ==\n"
        f"{text('status-flags-intro', review=review)}\n"
        + ('{| class="wikitable"\n' + f"! {text('status-flags-columns')}\n" + flags
           + '|}\n\n' if flags else f"''{msg(language, 'review-none')}''\n\n")
        + _waiting(status, language)
        + _unanswered(status, language)
        + f"== {text('status-runs')} ==\n"
        '{| class="wikitable"\n'
        f"! {text('status-runs-columns')}\n"
        f'{runs}|}}\n')


def _waiting(status: Status, language: Language) -> str:
    """The files that wait for a later day's budget, per consumer ('' when none do)."""
    if not status.waiting:
        return ''
    rows = ''.join(f'|-\n| {escape_cell(consumer)} || {files:,} || {size:,}\n'
                   for consumer, (files, size) in status.waiting.items())
    return (f"== {msg(language, 'status-waiting')} ==\n"
            f"{msg(language, 'status-waiting-intro')}\n"
            '{| class="wikitable"\n'
            f"! {msg(language, 'status-waiting-columns')}\n" + rows + '|}\n\n')


def _unanswered(status: Status, language: Language) -> str:
    """The files that wait for a wiki that did not answer, or for their source, by reason,
    with the oldest wait ('' when none do)."""
    if not status.unanswered:
        return ''
    rows = ''.join(f'|-\n| {escape_cell(reason)} || {files:,} || {escape_cell(since)}\n'
                   for reason, (files, since) in status.unanswered.items())
    return (f"== {msg(language, 'status-unanswered')} ==\n"
            f"{msg(language, 'status-unanswered-intro')}\n"
            '{| class="wikitable"\n'
            f"! {msg(language, 'status-unanswered-columns')}\n" + rows + '|}\n\n')


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
    lines += [f'waiting {reason}: {files} files, the oldest since {since}'
              for reason, (files, since) in status.unanswered.items()]
    lines += [f'run {r.started} ({_duration(r)}) {r.consumer}: {_counts(r)}; {r.status}'
              for r in status.runs]
    return '\n'.join(lines) + '\n'
