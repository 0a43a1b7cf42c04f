"""The run's work: pages and files collected into batches, each batch taken through the
stages (:mod:`commonscache.reading.pipeline`, :mod:`commonscache.writing.writes`), every
outcome counted, logged and kept in the state.

Pages are collected as the generator yields them and resolved to the files they embed one
batch at a time; files go through the stages in batches too, so that every read costs one
request per batch, never one per file. :meth:`Sweep.run_batch` is one batch's whole path,
and :meth:`Sweep.record` the only place that counts.
"""
from __future__ import annotations

import signal
import threading
from collections import Counter, defaultdict
from collections.abc import Callable

import pywikibot
from pywikibot import config

from commonscache.control.operations import RunPage, Signals
from commonscache.datatypes import (
    Located,
    Outcome,
    Settings,
    SharedFile,
    Snapshot,
    Surveyed,
)
from commonscache.deciding.decisions import closings
from commonscache.keeping import budget
from commonscache.keeping.ledger import Ledger
from commonscache.keeping.state import State
from commonscache.messages import counted
from commonscache.publishing.progress import Progress, say
from commonscache.reading.detect import (
    UsedFile,
    files_used_on,
    listed_repositories,
)
from commonscache.reading.pipeline import (
    RETRYABLE,
    Memory,
    judge,
    judged,
    locate,
    locate_classified,
    locate_copies,
    locate_surveyed,
    read_group,
    source_conflicts,
    survey_batch,
    waits_due,
)
from commonscache.reading.target import read_ahead
from commonscache.wikis import limits, sites
from commonscache.wikis.query import ANONYMOUS_LIMIT
from commonscache.writing.writes import Writer, act

#: The counter each kind of outcome adds to.
COUNTERS = {'nothing': 'up to date'}


def note_interrupts(signals: Signals) -> None:
    """Have SIGINT set *signals*' ``interrupted`` before it raises KeyboardInterrupt as
    usual."""
    if threading.current_thread() is not threading.main_thread():
        return

    def interrupted(signum: int, frame: object) -> None:
        signals.interrupted.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupted)


class Sweep:
    """Batches of files through the stages, and what came of them.

    :ivar counter: the bot's counters (Pywikibot prints them at exit)
    :ivar copied: bytes that reached the shared repository
    :ivar through_bot: of those, bytes that passed through the bot
    :ivar outcomes: -watch: the titles of the poll's outcomes, each with whether it failed
        because a wiki did not answer (to be tried again); None when not watching
    :ivar budgeted: the consumers whose new files are held to the daily budgets
    """

    def __init__(self, *, settings: Settings, state: State, writer: Writer,
                 run_page: RunPage, counter: Counter, budget_bytes: int,
                 purge_later: Callable[..., None], farm_budget_bytes: int = 0,
                 policy: limits.Policy | None = None) -> None:
        self.settings, self.state, self.writer = settings, state, writer
        self.run_page, self.counter = run_page, counter
        #: each wiki's titles a request, known once the wiki has work (see :meth:`limit`)
        self.limits: dict[sites.Site, int] = {}
        self.budget_bytes, self.farm_budget_bytes = budget_bytes, farm_budget_bytes
        self.memory = Memory(state=state, policy=policy)
        self.progress = Progress()
        self.copied = self.through_bot = 0
        self.outcomes: dict[str, bool] | None = None
        self.budgeted: set[sites.Site] = set()
        self.pending_pages: dict[sites.Site, list[str]] = defaultdict(list)
        self.pending_files: dict[sites.Site, list[str]] = defaultdict(list)
        self.pending_refresh: list[str] = []
        #: surveyed files of consumers with the same repositories, located together
        self.pools: dict[tuple[str, ...], Surveyed] = {}
        #: outcomes on their way into the state
        self.ledger = Ledger(state, str(settings.shared), purge_later, closings(settings))

    @property
    def shared(self) -> sites.Site:
        return self.settings.shared

    # --- collecting ---------------------------------------------------------------------------

    def treat(self, page: pywikibot.Page) -> None:
        """Collect the page; its files are looked up with a batch of others."""
        if page.site == self.shared:  # a cached copy to re-check (-refresh)
            self.pending_refresh.append(page.title())
            if len(self.pending_refresh) >= self.limit(self.shared):
                self._flush_refresh()
        elif isinstance(page, UsedFile):  # a file the consumer uses (no generator given)
            self.queue_files(page.site, [page.title()])
        else:
            pending = self.pending_pages[page.site]
            pending.append(page.title())
            if len(pending) >= self.limit(page.site, len(pending)):
                self._flush_pages(page.site)

    def queue_files(self, consumer: sites.Site, titles: list[str]) -> None:
        pending = self.pending_files[consumer]
        for title in titles:
            # A file used on several consumers is examined, and copied, once.
            if title not in self.memory.seen:
                self.memory.seen.add(title)
                pending.append(title)
        if pending and len(pending) >= self.file_batch(consumer, len(pending)):
            self._flush_files(consumer)

    def file_batch(self, consumer: sites.Site, pending: int) -> int:
        """Titles a batch of *consumer*'s files. Files its listing surveyed already (its own
        set aside, the shared repository its first) need no request to it: they wait for a
        batch of the shared repository's size, and the consumer no login."""
        repositories = listed_repositories(consumer, self.memory.listings)
        if repositories and sites.is_on(self.shared, repositories[0]):
            return self.limit(self.shared)
        return self.limit(consumer, pending)

    def limit(self, site: sites.Site, pending: int = ANONYMOUS_LIMIT) -> int:
        """Titles a batch on *site*: 500 for a bot, 50 otherwise. A consumer is logged in only
        once it has more than 50 titles to look up (*pending*): reads of fewer need no
        login, and on a farm of many wikis most have a few files, or none."""
        if site not in self.limits:
            if pending < ANONYMOUS_LIMIT and site != self.shared:
                return ANONYMOUS_LIMIT
            sites.login_if_configured(site)
            self.limits[site] = site.maxlimit
        return self.limits[site]

    def flush(self, *, recheck: list[sites.Site] = ()) -> None:
        """Work off the partial batches (none once the run is interrupted); then, given
        *recheck*, the waiting files due to be read again (:meth:`recheck_waiting`)."""
        self.run_page.signals.stop_if_interrupted()
        self._flush_refresh()
        for consumer in list(self.pending_pages):
            self.run_page.signals.stop_if_interrupted()
            self._flush_pages(consumer)
        for consumer in list(self.pending_files):
            self.run_page.signals.stop_if_interrupted()
            self._flush_files(consumer)
        for repositories in list(self.pools):
            self.run_page.signals.stop_if_interrupted()
            self._flush_pool(repositories)
        if recheck and self.recheck_waiting(recheck):
            self.flush()
        self.memory.listings.forget()

    def forget(self) -> None:
        """Drop what was collected and not worked off (a poll that met an outage or a
        stop): its pages come back with the next poll."""
        self.ledger.write_down()
        for collected in (self.pending_pages, self.pending_files, self.pools):
            collected.clear()
        self.memory.forget_poll()

    def hold_to_budget(self, consumer: sites.Site) -> None:
        """*consumer*'s new files are held to the day's budgets, with those that waited."""
        if not (self.budget_bytes or self.farm_budget_bytes):
            return
        self.budgeted.add(consumer)
        waiting = self.state.deferred(shared=str(self.shared), consumer=str(consumer),
                                      before=budget.today())
        if waiting:
            pywikibot.info(f'{consumer}: ' + counted(len(waiting), 'file', 'files')
                           + ' waited for the daily budget')
            self.queue_files(consumer, waiting)

    def recheck_waiting(self, consumers: list[sites.Site]) -> bool:
        """Queue the files due to be read again (:func:`~commonscache.reading.pipeline.waits_due`)
        as the first consumer's, even when nothing else needs their source; any?"""
        self.ledger.write_down()  # what this run found is what the state says
        due = waits_due(self.state, self.settings, self.memory.seen) if consumers else []
        if due:
            pywikibot.info(counted(len(due), 'file that waits for its source is read again',
                                   'files that wait for their source are read again'))
            self.queue_files(consumers[0], due)
        return bool(due)

    def _flush_pages(self, consumer: sites.Site) -> None:
        pages, self.pending_pages[consumer] = self.pending_pages[consumer], []
        if pages:
            self.queue_files(consumer, files_used_on(consumer, pages))

    def _flush_refresh(self) -> None:
        titles, self.pending_refresh = self.pending_refresh, []
        titles = [title for title in titles if title not in self.memory.seen]
        self.memory.seen.update(titles)
        if titles:  # -refresh: cached copies against the sources their provenance names
            self.run_page.new_batch()
            self.run_batch(locate_copies(titles, self.settings, self.memory))

    def _flush_files(self, consumer: sites.Site) -> None:
        """Files a consumer uses: cache those it gets from a foreign wiki. Once the consumer
        has set its own files aside, the rest wait in a pool with other consumers' (those
        with the same repositories) until the pool makes a batch: fifty wikis of ten files
        cost the shared repository and the sources one batch, not fifty. Files held to a
        consumer's budget go as a batch of their own."""
        titles, self.pending_files[consumer] = self.pending_files[consumer], []
        if not titles:
            return
        if consumer in self.budgeted:
            self.run_page.new_batch()
            self.run_batch(locate(consumer, titles, self.settings, self.memory),
                           held_to=consumer)
            return
        surveyed = survey_batch(consumer, titles, self.settings, self.memory)
        if surveyed is None:
            self.run_page.new_batch()
            self.run_batch(locate_classified(consumer, titles, self.settings, self.memory))
            return
        pool = self.pools.setdefault(surveyed.repositories, Surveyed(surveyed.repositories))
        pool.add(surveyed)
        if len(pool.titles) >= self.limit(self.shared):
            self._flush_pool(surveyed.repositories)

    def _flush_pool(self, repositories: tuple[str, ...]) -> None:
        surveyed = self.pools.pop(repositories, None)
        if surveyed and (surveyed.titles or surveyed.outcomes):
            self.run_page.new_batch()
            self.run_batch(locate_surveyed(surveyed, self.settings, self.memory))

    # --- one batch ----------------------------------------------------------------------------

    def run_batch(self, located: Located, *, held_to: sites.Site | None = None) -> None:
        """The stages after :func:`~commonscache.reading.pipeline.locate`, group by group: read both
        sides, judge, act; every outcome recorded as it comes. *held_to*: the consumer whose
        daily budget the batch's new copies are held to."""
        # Kept when the batch ends; a batch interrupted or failed leaves what it noted to a
        # later keeping (the watch's next poll), or to the next run, as a kill would: the
        # unwinding of an interrupted run touches no database.
        self._run_batch(located, held_to)
        self.ledger.write_down()

    def _run_batch(self, located: Located, held_to: sites.Site | None) -> None:
        self.counter['examined'] += located.examined
        self._observe(located.run_page)
        for outcome in located.outcomes:
            self.record(outcome)
        for group in located.groups:
            self.ledger.write_down()  # what the state says of earlier groups is read with this one
            snapshot = read_group(group, self.settings, self.memory)
            if isinstance(snapshot, list):  # the source did not answer
                for outcome in snapshot:
                    self.record(outcome)
                continue
            self._observe(snapshot.run_page)
            self.memory.seen.update(snapshot.canonicals)
            self.memory.available.update(snapshot.also_available)
            self.counter['examined'] += len(snapshot.canonicals)
            verdicts = judge(snapshot, self.settings, bot=self.shared.user())
            if held_to is not None:
                sizes = {title: found.latest.size
                         for title, found in snapshot.sources.items() if found}
                left, limit, whose, option = budget_left(
                    self.state, shared=str(self.shared), consumer=str(held_to),
                    budget_bytes=self.budget_bytes, farm_bytes=self.farm_budget_bytes)
                verdicts = budget.within(verdicts, sizes, left=left, limit=limit,
                                         consumer=whose, option=option)
            conflicts = source_conflicts(snapshot)
            ahead = read_ahead(snapshot, verdicts, self.settings)
            for outcome in act(snapshot, verdicts, ahead, self.writer, self.memory.available):
                for marked in judged(outcome, conflicts):
                    self.record(marked)
                if held_to is not None:
                    count_against(self.state, str(self.shared), str(held_to), outcome,
                                  snapshot)
                self.show_progress()

    def _observe(self, run_page: SharedFile | None) -> None:
        """The run page as a read of the shared repository found it: a stop set there
        takes effect before the batch's writes (:class:`.RunPage`)."""
        if run_page is not None:
            self.run_page.observe(exists=run_page.page_exists, text=run_page.text,
                                  user=run_page.last_editor, revision=run_page.revision)

    def record(self, outcome: Outcome) -> None:
        """Count, log and keep an outcome (the state keeps the last one per file)."""
        title, kind = outcome.title, outcome.kind
        self.counter[COUNTERS.get(kind, kind)] += 1
        self.copied += outcome.copied
        self.through_bot += outcome.moved
        if self.outcomes is not None:
            self.outcomes[title] = kind == 'failed' and outcome.reason in RETRYABLE
        if kind in ('cached', 'updated', 'nothing'):
            self.memory.available.add(title)
        self.ledger.add(outcome)
        say(outcome)

    def show_progress(self) -> None:
        self.progress.show(self.counter['examined'], len(self.memory.seen), self.copied,
                           self.memory.policy.status() if self.memory.policy else '')


def count_against(state: State, shared: str, consumer: str, outcome: Outcome,
                  snapshot: Snapshot) -> None:
    """A new copy uses *consumer*'s budget up; a file past it waits in the state."""
    if config.simulate:
        return
    if outcome.kind == 'cached' and outcome.size:
        state.spend(consumer, budget.today(), outcome.size)
        state.spend(budget.farm_key(shared), budget.today(), outcome.size)
    elif outcome.reason == budget.OVER_BUDGET:
        found = snapshot.sources.get(outcome.title)
        state.defer(shared=shared, consumer=consumer, title=outcome.title,
                    size=found.latest.size if found else 0, day=budget.today())


def budget_left(state: State, *, shared: str, consumer: str, budget_bytes: int,
                farm_bytes: int) -> tuple[int, int, str, str]:
    """What is left today for new copies of files embedded on *consumer*: the least of its
    own budget (-budget) and the farm's (-farmbudget), those that are set; as (bytes left,
    the budget, whose, its option)."""
    day = budget.today()
    budgets = []
    if budget_bytes:
        budgets.append((budget_bytes - state.spent(consumer, day), budget_bytes, consumer,
                        '-budget'))
    if farm_bytes:
        budgets.append((farm_bytes - state.spent(budget.farm_key(shared), day), farm_bytes,
                        f'the farm of {shared}', '-farmbudget'))
    return budget.tightest(budgets)
