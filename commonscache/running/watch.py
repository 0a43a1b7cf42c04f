"""``-watch``: the pieces of a long-running run that follows the consumers' recent changes
(a Toolforge continuous job, a systemd service): one recent-changes request per consumer and
poll, the wait after an outage, and SIGTERM.

A poll asks each consumer for the changes since its watermark (``rcstart``, inclusive),
with their ids, and remembers the ids of the changes at the newest timestamp, so that the
next poll, which lists them again, does not examine those pages twice. The watermark is the
newest change's timestamp: no clock of the bot's and no second request is involved.
See https://www.mediawiki.org/wiki/API:RecentChanges
"""
from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING

import pywikibot
import requests
from pywikibot import config

from commonscache.control.operations import EmergencyStop, RunPage, Signals
from commonscache.keeping.state import State
from commonscache.messages import counted
from commonscache.reading.detect import RC_TYPES, changed_title, files_used_everywhere
from commonscache.wikis import sites
from commonscache.wikis.query import list_query
from commonscache.wikis.sites import Site

if TYPE_CHECKING:  # the watch drives them; they know nothing of it
    from commonscache.publishing.publish import Publisher
    from commonscache.running.sweep import Sweep

#: Seconds between polls when -watch is given without a value.
DEFAULT_POLL = 30.0
#: The longest wait after outages in a row.
MAX_WAIT = 600.0
#: The review and status pages are rewritten at most this often (seconds).
PAGES_EVERY = 300.0
#: With -refresh, every cached copy is re-checked this often (seconds).
REFRESH_EVERY = 86400.0
#: The files that wait for their source are looked at this often (seconds); each is read
#: again when due (:func:`commonscache.reading.pipeline.due_again`).
WAITING_EVERY = 3600.0
#: What a wiki that went away raises; the poll is tried again after a wait.
OUTAGES = (pywikibot.exceptions.Error, requests.exceptions.RequestException, OSError)
#: The longest wait before a file that keeps failing is tried again (seconds).
MAX_RETRY_WAIT = 3600.0
#: The longest watermark the state keeps (its column's length).
MARK_LENGTH = 190
#: A consumer quiet for this many polls in a row is polled half as often, then a quarter …
QUIET_POLLS = 10
#: … down to once in this many intervals …
MAX_SLOWDOWN = 8
#: … and never less often than this (seconds), unless the interval itself is longer: the
#: bound on how long a new embed on a quiet wiki waits for its poll.
MAX_QUIET_WAIT = 300.0

def stop_on_sigterm(signals: Signals) -> None:
    """Let SIGTERM (Toolforge stopping a job, systemd stopping a service) end the run
    cleanly instead of killing it: it sets *signals*' ``terminate``."""
    def handler(signum: int, frame: FrameType | None) -> None:
        pywikibot.info('SIGTERM: stopping after the files in flight')
        signals.terminate.set()
    signal.signal(signal.SIGTERM, handler)


@dataclass
class Changes:
    """A consumer's changes since a watermark.

    :ivar titles: the pages created or edited, each once, oldest change first
    :ivar mark: the new watermark: the newest change's timestamp (the old one if none)
    :ivar at_mark: the ids of the changes at that timestamp, to leave out next time
    """

    titles: list[str]
    mark: str
    at_mark: frozenset[int] = field(default_factory=frozenset)


def recent_changes(consumer: Site, since: str, *, seen: frozenset[int] = frozenset()
                   ) -> Changes:
    """The pages changed on *consumer* since *since* (ISO 8601), without the changes whose
    ids are in *seen* (those at *since* that an earlier poll examined)."""
    titles: dict[str, None] = {}
    mark, at_mark = since, set(seen)
    for change in list_query(consumer, list='recentchanges', rcstart=since, rcdir='newer',
                             rctype=RC_TYPES, rcprop='title|timestamp|ids|loginfo',
                             rclimit='max'):
        rcid, stamp = change.get('rcid', 0), change.get('timestamp', since)
        if rcid in seen:
            continue
        if changed_title(change):
            titles[changed_title(change)] = None
        if stamp > mark:
            mark, at_mark = stamp, set()
        if stamp == mark:
            at_mark.add(rcid)
    return Changes(list(titles), mark, frozenset(at_mark))


def parse_mark(value: str) -> tuple[str, frozenset[int]]:
    """A consumer's watermark as the state keeps it: the newest change's timestamp, then
    the ids of the changes at that timestamp that a run examined already ('' for none)."""
    stamp, _, ids = value.partition(' ')
    return stamp, frozenset(int(rcid) for rcid in ids.split(',') if rcid.isdigit())


def format_mark(stamp: str, ids: frozenset[int]) -> str:
    """The watermark to keep: with the ids while they fit; without them, the changes at
    *stamp* are examined once more (harmless: their files are known by then)."""
    text = f'{stamp} {",".join(str(rcid) for rcid in sorted(ids))}'.strip()
    return text if len(text) <= MARK_LENGTH else stamp


def changes_since(consumer: Site, mark: str) -> Changes:
    """The changes on *consumer* after the watermark *mark* (:func:`format_mark`): one
    request for a quiet wiki, whatever it is polled by (``-since:last``, ``-watch``)."""
    since, seen = parse_mark(mark)
    return recent_changes(consumer, since, seen=seen)


@dataclass
class Cadence:
    """How often each consumer is polled: every interval while it changes; a wiki quiet for
    :data:`QUIET_POLLS` polls in a row is polled every second interval, then every fourth,
    … at most every :data:`MAX_SLOWDOWN`-th, and at least every :data:`MAX_QUIET_WAIT`
    seconds (or every interval, if that is longer). A change found puts it back to every
    interval. On a farm of many wikis, most of them quiet, this is most of the polls saved.

    :ivar quiet: name → its quiet polls in a row
    :ivar next_at: name → when it is next due (time.monotonic seconds)
    """

    interval: float
    quiet: dict[str, int] = field(default_factory=dict)
    next_at: dict[str, float] = field(default_factory=dict)

    def gap(self, quiet: int) -> float:
        """Seconds to the next poll of a wiki after *quiet* quiet polls in a row."""
        slowdown = min(MAX_SLOWDOWN, 2 ** (quiet // QUIET_POLLS))
        return max(self.interval, min(self.interval * slowdown, MAX_QUIET_WAIT))

    def due(self, name: str, now: float) -> bool:
        # Half an interval of slack: polls start an interval apart, give or take the timer.
        return now >= self.next_at.get(name, now) - self.interval / 2

    def polled(self, name: str, *, changed: bool, now: float) -> float:
        """A poll of *name* at *now* that found changes or not: the gap to its next one."""
        self.quiet[name] = 0 if changed else self.quiet.get(name, 0) + 1
        gap = self.gap(self.quiet[name])
        self.next_at[name] = now + gap
        return gap


class Backoff:
    """The wait before the next poll: the poll interval while all is well; after outages in
    a row, twice as long each time, up to :data:`MAX_WAIT`."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.failures = 0

    def ok(self) -> float:
        self.failures = 0
        return self.interval

    def failed(self) -> float:
        self.failures += 1
        return min(MAX_WAIT, max(self.interval, 5.0) * 2 ** (self.failures - 1))


@dataclass
class Retries:
    """The files of one consumer whose copy failed because a wiki did not answer
    (:data:`~commonscache.reading.pipeline.RETRYABLE`). Each is tried again in a later poll, after a
    wait that doubles with each failure in a row (the poll interval, at least 5 s, then twice
    that, and so on, at most :data:`MAX_RETRY_WAIT`). So one file that keeps failing neither
    holds back the consumer's other changes nor slows the polls, and it costs one attempt an
    hour at most.

    :ivar waiting: title: (failures in a row, when it is due, in time.monotonic seconds)
    """

    interval: float
    waiting: dict[str, tuple[int, float]] = field(default_factory=dict)

    def failed(self, title: str, now: float) -> float:
        """One more failure of *title*: the seconds until it is due again."""
        count = self.waiting.get(title, (0, 0.0))[0] + 1
        wait = min(MAX_RETRY_WAIT, max(self.interval, 5.0) * 2 ** (count - 1))
        self.waiting[title] = (count, now + wait)
        return wait

    def done(self, title: str) -> None:
        self.waiting.pop(title, None)

    def due(self, now: float) -> list[str]:
        return sorted(title for title, (_, at) in self.waiting.items() if at <= now)

    def note(self, outcomes: dict[str, bool], due: list[str], now: float) -> list[str]:
        """After a poll: the files whose *outcomes* failed because a wiki did not answer
        wait to be tried again, the others leave the list; the titles failing now."""
        failing = []
        for title, again in outcomes.items():
            if again:
                wait = self.failed(title, now)
                failing.append(title)
                pywikibot.log(f'watch: {title} is tried again in {wait:.0f} s')
            else:
                self.done(title)
        for title in due:
            if title not in outcomes:
                self.done(title)  # no longer a file to copy (its use went away)
        return failing


@dataclass
class Outages:
    """The consumers that do not answer, each waited out on its own (:class:`Backoff`):
    left out of the polls, and checked with one TCP connection (no request) before each of
    its next ones, until it takes connections again. The other consumers' polls go on
    meanwhile; Pywikibot would retry a dead wiki for minutes, and every other wiki of the
    farm would wait with it.

    :ivar backoff: consumer → its backoff, while it does not answer
    """

    interval: float
    cadence: Cadence
    backoff: dict[Site, Backoff] = field(default_factory=dict)

    def went_down(self, consumer: Site, now: float, why: str) -> None:
        wait = self.backoff.setdefault(consumer, Backoff(self.interval)).failed()
        self.cadence.next_at[str(consumer)] = now + wait
        pywikibot.warning(f'watch: {consumer} does not answer ({why}); its next poll in '
                          f'{wait:.0f} s, the other wikis are polled meanwhile')

    def down_now(self, consumer: Site, now: float) -> bool:
        """Whether *consumer*'s server takes no connections just now (then it waits)."""
        reason = sites.unreachable(sites.api_url(consumer))
        if reason:
            self.went_down(consumer, now, f'cannot reach it: {reason}')
            return True
        if self.backoff.pop(consumer, None):
            pywikibot.info(f'watch: {consumer} answers again')
        return False


class Watcher:
    """-watch: poll the consumers until SIGTERM; while the run page says stop, wait and read
    it once a poll. Each poll's pages go through the :class:`~commonscache.running.sweep.Sweep`
    there and then, so that a wiki that goes away during a poll is waited out here (with
    :class:`Backoff`) instead of ending the run; with -refresh, every cached copy is checked
    at the start and then once a day (*copies*)."""

    def __init__(self, *, consumers: list[Site], state: State, run_page: RunPage,
                 sweep: Sweep, publisher: Publisher, interval: float,
                 copies: Callable[[], Iterable[pywikibot.Page]] | None = None,
                 decisions: Callable[[], Iterable[pywikibot.Page]] | None = None,
                 paused: str = '') -> None:
        self.consumers, self.state, self.run_page = consumers, state, run_page
        self.sweep, self.publisher = sweep, publisher
        self.interval, self.copies, self.paused = interval, copies, paused
        #: the files of the reviewers' decisions added to the request page since it was
        #: last read (:class:`~commonscache.running.reviewing.WatchedRequests`), every poll
        self.decisions = decisions
        self.retries = {consumer: Retries(interval) for consumer in consumers}
        self.marks = {consumer: state.watermark(str(consumer)) for consumer in consumers}
        self.cadence = Cadence(interval)
        answers: dict[tuple[str, int], str] = {}
        #: consumers whose server takes no connections, each waited out on its own: the
        #: others' polls go on (as the run began: sites.consumer_sites)
        self.outages = Outages(interval, self.cadence, {
            consumer: Backoff(interval) for consumer in consumers
            if sites.unreachable(sites.api_url(consumer), answers)})
        #: when the files that wait for their source were last looked at (monotonic)
        self.waits_read = -WAITING_EVERY

    def run(self) -> None:
        backoff = Backoff(self.interval)
        pages_written = time.monotonic()
        refreshed = -REFRESH_EVERY
        if self.paused:
            self._say_paused(self.paused)
        while not self.run_page.signals.terminate.is_set():
            began = time.monotonic()
            try:
                if self.paused:  # one request a poll, until the run page lets the bot run
                    self.run_page.check(force=True)
                    pywikibot.info(f'watch: resumed, the run page {self.run_page.title} says '
                                   'true')
                    self.paused = ''
                if self.copies and began - refreshed >= REFRESH_EVERY:
                    for page in self.copies():  # -refresh: at the start, then daily
                        self.sweep.treat(page)
                    self.sweep.flush()
                    refreshed = began
                held = self.poll(began)
                if not held and self.decisions:
                    self._carry_out_decisions()
                wait = backoff.failed() if held else backoff.ok()
                if held:
                    pywikibot.warning(f'watch: {held}; next poll in {wait:.0f} s')
            except EmergencyStop as stop:
                if self.run_page.signals.terminate.is_set():
                    raise
                # Paused, not ended: the watch's job would only be started again. What the
                # poll had collected is read again, with its changes, once it resumes.
                self.sweep.forget()
                wait = self.interval
                if str(stop) != self.paused:
                    self._say_paused(str(stop))
                self.paused = str(stop)
                self.run_page.signals.terminate.wait(wait)
                continue
            except OUTAGES as error:
                # What the poll had collected is read again, with its changes, next time.
                self.sweep.forget()
                wait = backoff.failed()
                pywikibot.warning(f'watch: {type(error).__name__}: {error}; next poll in '
                                  f'{wait:.0f} s')
            if time.monotonic() - pages_written >= PAGES_EVERY:
                self._write_pages()
                pages_written = time.monotonic()
            self.run_page.signals.terminate.wait(max(0.0, wait - (time.monotonic() - began)))

    def _say_paused(self, why: str) -> None:
        pywikibot.warning(f'watch: paused, {why}; the run page is read every '
                          f'{self.interval:g} s until it says "true"')

    def _carry_out_decisions(self) -> None:
        """The reviewers' decisions saved since the last poll, carried out and answered now
        (the request page is one request a poll while nobody edits it)."""
        self.publisher.answer_requests()  # the start's answers first
        for page in self.decisions():
            self.sweep.treat(page)
        self.publisher.answer_requests()

    def _write_pages(self) -> None:
        sweep = self.sweep
        try:
            self.publisher.write_review_page()
            self.publisher.write_status_page(sweep.counter['cached'] + sweep.counter['updated'],
                                             sweep.memory.listings.take_usage_counts())
        except EmergencyStop as stop:
            if self.run_page.signals.terminate.is_set():
                raise
            pywikibot.warning(f'watch: paused, {stop}')
            self.paused = str(stop)
        except OUTAGES as error:
            pywikibot.warning(f'watch: the review and status pages wait: {error}')

    def poll(self, now: float) -> str:
        """One poll of every consumer due at *now* (:class:`Cadence`, or files of its due to
        be tried again): its changed pages examined, their new files cached, and its files
        due to be tried again (:class:`Retries`); the pages using them purged, its watermark
        advanced. What held a consumer's poll up, to wait before the next one: files that
        failed because a wiki did not answer, when all its new files did (not only files
        tried again); or ''."""
        held = []
        for consumer in self.consumers:
            retries = self.retries[consumer]
            due = retries.due(time.monotonic())
            if not due and not self.cadence.due(str(consumer), now):
                continue
            if self.outages.down_now(consumer, now):
                continue
            try:
                failing = self._poll_consumer(consumer, due, now)
            except OUTAGES as error:
                reason = sites.unreachable(sites.api_url(consumer))
                if not reason:
                    raise  # not this consumer: the poll waits as a whole (Backoff)
                # This consumer went down during its poll: it alone waits, and is left out
                # of the polls until it takes connections again; the others go on.
                self.sweep.forget()
                self.outages.went_down(consumer, now, f'{type(error).__name__}: {error}')
                continue
            if failing:
                held.append(f'{consumer}: ' + counted(len(failing), 'file waits', 'files wait')
                            + ' for a wiki that did not answer')
        self.sweep.memory.forget_poll()  # a file embedded again later is examined again
        return '; '.join(held)

    def _poll_consumer(self, consumer: Site, due: list[str], now: float) -> list[str]:
        """One consumer's part of a poll (see :meth:`poll`): the titles failing now when all
        its new work failed because a wiki did not answer, else []."""
        sweep = self.sweep
        retries = self.retries[consumer]
        sweep.outcomes = {}
        if self.marks[consumer]:
            sweep.hold_to_budget(consumer)
            changes = changes_since(consumer, self.marks[consumer])
            for title in changes.titles:
                sweep.treat(pywikibot.Page(consumer, title))
            mark = format_mark(changes.mark, changes.at_mark)
            changed = bool(changes.titles)
        else:  # the first poll ever: every file it uses, as a first -since:last run
            began: list[str] = []  # the wiki's time as its listing began
            pywikibot.info(f'{consumer}: no earlier run, so every file it uses')
            for title in files_used_everywhere(consumer, self.sweep.memory.listings,
                                               started=began.append):
                sweep.queue_files(consumer, [title])
            mark, changed = began[0], True
        self.cadence.polled(str(consumer), changed=changed, now=now)
        sweep.queue_files(consumer, due)
        recheck = []
        if now - self.waits_read >= WAITING_EVERY:
            # Files that wait for their source, read again when due, even when no change
            # of any consumer needs that source.
            recheck, self.waits_read = [consumer], now
        sweep.flush(recheck=recheck)
        sweep.budgeted.discard(consumer)
        self.publisher.purge()
        # The next poll waits when all the new work failed; a file tried again alone
        # waits by itself.
        new = [again for title, again in sweep.outcomes.items() if title not in due]
        failing = retries.note(sweep.outcomes or {}, due, time.monotonic())
        if mark != self.marks[consumer]:
            if not config.simulate:
                self.state.set_watermark(str(consumer), mark)
            self.marks[consumer] = mark
        return failing if new and all(new) else []
