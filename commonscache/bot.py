"""The run: pages → files they use → locate → read source and shared repository → decide →
transfer → record, a batch of titles at a time.

Pages from the generator are collected in :meth:`CacheBot.treat` and resolved to the files
they embed one batch at a time; files go through the stages in batches too, so that every
read costs one request per batch, never one per file. The stages are functions
(:mod:`commonscache.pipeline`, :mod:`commonscache.writes`); :meth:`CacheBot.run_batch` runs
them and records each outcome, and is the only place that counts.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pywikibot
import sqlalchemy as sa
from pywikibot import config, pagegenerators
from pywikibot.bot import ConfigParserBot

from commonscache import budget, limits, purges, sites, status, stores, watch
from commonscache.detect import (
    UsedFile,
    changed_pages,
    files_used_everywhere,
    files_used_on,
    pages_using,
    request_pages,
)
from commonscache.errors import AlreadyRunning, NothingToDo, UsageError
from commonscache.messages import msg
from commonscache.operations import (
    TERMINATE,
    ControlPages,
    EmergencyStop,
    Request,
    RunPage,
    answer_requests,
    first_run_page,
    pending_requests,
)
from commonscache.pipeline import (
    Located,
    Memory,
    Outcome,
    Settings,
    Snapshot,
    judge,
    judged,
    locate,
    locate_copies,
    read_group,
    source_conflicts,
)
from commonscache.progress import Progress
from commonscache.provenance import TRACKING_CATEGORY, ensure_template
from commonscache.query import batches, list_query
from commonscache.reconcile import Verdict
from commonscache.review import as_wikitable
from commonscache.rules import Rules, RulesError, parse_rules
from commonscache.shards import Shard
from commonscache.source import DISPUTE_TEMPLATES
from commonscache.state import State, ago, now
from commonscache.steering import Steered, control_titles, protect_control_pages, read_steered
from commonscache.target import SharedFile
from commonscache.transfer import Prefetcher, remove_stale_temporaries
from commonscache.upload import CopyUploads
from commonscache.writes import Writer, act

#: The counters of the summary line, in its order.
SUMMARY = ('examined', 'cached', 'updated', 'up to date', 'skipped', 'flagged', 'failed')
#: The counter each kind of outcome adds to.
COUNTERS = {'nothing': 'up to date'}
BYURL_MODES = ('auto', 'always', 'never')


class CacheBot(ConfigParserBot):
    """Cache the files a consumer wiki uses from Commons in the shared media repository."""

    update_options = {
        'shared': '',
        'template': 'Cached Commons Media',
        'interwiki': 'commons',
        'chunk': 32,
        'byurl': 'auto',
        'uploads': 2,
        'state': '',
        'setup': False,
        'refresh': False,
        'force': '',
        'disputes': '|'.join(DISPUTE_TEMPLATES),
        'reviewpage': 'Project:Cached Commons media/Review',
        'statuspage': 'Project:Cached Commons media/Status',
        'rules': 'Project:Cached Commons media/Rules',
        'rulesfile': '',
        'categories': 'existing',
        'tracking': TRACKING_CATEGORY,
        'wikis': '',
        'since': '',
        'watch': '',
        'shard': '',
        'purge': True,
        'purgedelay': purges.PURGE_DELAY,
        'requests': 'Project:Cached Commons media/Requests',
        'groups': 'sysop',
        'runpage': '',
        'maxsize': 0,
        'statecnf': '',
        'budget': budget.DEFAULT_MB,
        'apirate': limits.API_PER_MINUTE,
        'maxrate': '',
    }

    def __init__(self, generator_args: list[str] | None = None, **kwargs: object) -> None:
        # scripts.ini sits beside user-config.py, whatever the working directory is.
        self.INI = str(Path(config.base_dir, 'scripts.ini'))
        super().__init__(**kwargs)
        self.generator_args = generator_args or []
        self.consumers: list[sites.Site] = [pywikibot.Site()]
        self.shared: sites.Site | None = None
        self.state: State | None = None
        self.lock: stores.Lock | None = None
        self.run_id = 0
        self.stopped = False
        #: the run went through to its end (not interrupted, not stopped)
        self.completed = False
        self.run_page = RunPage()
        self.requests: list[Request] = []
        self.answers: dict[str, str] = {}
        self.watermarks: dict[sites.Site, str] = {}
        self.pending_pages: dict[sites.Site, list[str]] = defaultdict(list)
        self.pending_files: dict[sites.Site, list[str]] = defaultdict(list)
        self.pending_refresh: list[str] = []
        self.memory = Memory(state=None)
        #: bytes that reached the shared repository, and those that passed through the bot
        self.bytes_transferred = 0
        self.bytes_through_bot = 0
        #: -watch: the titles of the poll's outcomes, each with whether it failed because a
        #: wiki did not answer (to be tried again), and each consumer's files to try again
        self.poll_outcomes: dict[str, bool] = {}
        self.retries: dict[sites.Site, watch.Retries] = {}
        self.poll = 0.0
        #: -watch: why the watch starts paused (the run page said stop), or ''
        self.paused = ''
        #: what the review page says above the flags: control page revisions ignored
        self.notices: list[str] = []
        #: the consumers whose files now come from their recent changes: held to -budget
        self.budgeted: set[sites.Site] = set()
        self.shard = Shard()
        self.store = stores.Store()
        #: what the status page showed when last written: (copies written, open flags)
        self.status_seen: tuple = (0, ())
        self.progress = Progress()

    # --- set-up -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Check the set-up before the run; every problem is a :class:`UsageError`."""
        if not self.opt.shared:
            raise UsageError('no shared repository: give -shared:FAMILY:CODE, or set '
                             '"shared = FAMILY:CODE" in scripts.ini, section [commonscache]')
        try:
            self.chunk_bytes = int(float(self.opt.chunk) * 1024 * 1024)
        except ValueError:
            raise UsageError(f'-chunk:{self.opt.chunk} is not a number of MB') from None
        try:
            self.max_bytes = int(float(self.opt.maxsize) * 1024 * 1024)
        except ValueError:
            raise UsageError(f'-maxsize:{self.opt.maxsize} is not a number of MB') from None
        if str(self.opt.byurl) not in BYURL_MODES:
            raise UsageError(f'-byurl:{self.opt.byurl} is not one of {", ".join(BYURL_MODES)}')
        try:
            self.uploads = int(str(self.opt.uploads))
        except ValueError:
            self.uploads = 0
        if self.uploads < 1:
            raise UsageError(f'-uploads:{self.opt.uploads} is not a number of uploads at once '
                             '(1 or more)')
        try:
            self.budget_bytes = int(float(self.opt.budget) * 1024 * 1024)
        except ValueError:
            self.budget_bytes = -1
        if self.budget_bytes < 0:
            raise UsageError(f'-budget:{self.opt.budget} is not a number of MB a day (0: none)')
        try:
            self.purge_delay = float(self.opt.purgedelay)
        except ValueError:
            self.purge_delay = -1.0
        if not 0 <= self.purge_delay < float('inf'):
            raise UsageError(f'-purgedelay:{self.opt.purgedelay} is not a number of seconds '
                             '(0 or more)')
        self.policy = limits.Policy.from_options(apirate=self.opt.apirate,
                                                 maxrate=self.opt.maxrate)
        sites.check_password_file()
        self.shard = Shard.parse(str(self.opt.shard or ''))
        self.consumers = sites.consumer_sites(str(self.opt.wikis), pywikibot.Site(),
                                              keep=self.shard.takes)
        if not self.consumers:
            raise NothingToDo(f'shard {self.shard.index} of {self.shard.count} has none of the '
                              'consumer wikis (-wikis); nothing to do')
        self.shared = sites.connect_shared(str(self.opt.shared), self.consumers)
        limits.pace(self.policy, [*self.consumers, self.shared])
        for consumer in self.consumers:
            sites.login_if_configured(consumer)
        self.store = self._store()
        self.lock = self.store.lock()
        if not self._acquire(self.lock):
            raise AlreadyRunning(f'another run ({self.lock.holder()}) holds the lock '
                                 f'{self.lock.path}; nothing to do')
        self.control = ControlPages.read(
            self.shared, template=self.opt.template,
            run=self.opt.runpage or f'User:{self.shared.user()}/Run', rules=self.opt.rules,
            requests=self.opt.requests, review=self._page_title(self.opt.reviewpage))
        self.referer = sites.referer(self.shared)
        self.run_page = first_run_page(self.control.run, create=not config.simulate)
        self.poll = self._poll_interval()
        self.groups = set(split_titles(str(self.opt.groups).replace(',', '|')))
        try:
            self.run_page.check()  # as read with the other control pages
        except EmergencyStop as stop:
            if not self.poll or TERMINATE.is_set():
                raise
            # A watch starts paused rather than ending (its job would be started again).
            self.paused = str(stop)
        if not ensure_template(self.control.template, create=bool(self.opt.setup)):
            pywikibot.warning(f'Template:{self.opt.template} does not exist on {self.shared}; '
                              'run once with -setup to create it')
        if self.opt.setup and not config.simulate:
            review = self.control.review
            if review is not None and not review.exists():  # protected as an existing page
                sites.save_own_page(review, as_wikitable([], interwiki=self.opt.interwiki,
                                                         language=self.shared),
                                    msg(self.shared, 'summary-review'))
            for line in protect_control_pages(self.shared, self._control_titles()):
                pywikibot.info(line)
        self.workdir = (self.store.path.parent if self.store.path else Path(config.base_dir)) \
            / 'commonscache-tmp'
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o700)
        self.state = self._open_state()
        if self.opt.categories not in ('existing', 'all', 'none'):
            raise UsageError(f'-categories:{self.opt.categories} is not one of existing, all, '
                             'none')
        if self.opt.since not in ('', 'last'):
            raise UsageError(f'-since:{self.opt.since} is not understood; use -since:last')
        self.rules = self._load_rules()
        self.forced = {pywikibot.FilePage(self.shared, title).title()
                       for title in split_titles(self.opt.force)}
        self.markers = tuple(split_titles(self.opt.disputes))
        if self.control.requests:
            self.requests = pending_requests(self.control.requests, self.groups)
        self.memory = Memory(state=self.state)
        self.settings = Settings(
            shared=self.shared, template=self.opt.template, interwiki=self.opt.interwiki,
            rules=self.rules, markers=self.markers, forced=frozenset(self.forced),
            policy=self.policy, max_bytes=self.max_bytes,
            extensions=frozenset(entry['ext'].lower() for entry in
                                 self.shared.siteinfo.get('fileextensions', [])),
            max_upload=self.shared.siteinfo.get('maxuploadsize', 0),
            run_page=self.run_page.title)
        self.generator = self._pages()

    def _control_titles(self) -> dict[str, bool]:
        """The pages that change what the bot writes, or that admins work from, each with
        whether the bot writes it itself: kept to admins (-setup protects them)."""
        return control_titles(self.opt, self._page_title(self.opt.reviewpage))

    def _store(self) -> stores.Store:
        """Where the state lives (:mod:`~commonscache.stores`): -state, else
        commonscache.sqlite in the Pywikibot directory, a shard's own beside it; or a
        database the shards share."""
        return stores.parse(str(self.opt.state or ''), cnf=str(self.opt.statecnf or ''),
                            base_dir=Path(config.base_dir), shard=self.shard)

    def _open_state(self) -> State:
        try:
            return State(self.store.path or self.store.engine())
        except Exception as error:  # noqa: BLE001 - any reason it cannot be opened
            raise UsageError(f'cannot open {self.store.describe()}: {error}') from None

    def _acquire(self, lock: stores.Lock) -> bool:
        try:
            return lock.acquire()
        except sa.exc.SQLAlchemyError as error:
            raise UsageError(f'cannot reach {self.store.describe()}: '
                             f'{str(error).splitlines()[0]}') from None

    def _page_title(self, title: str) -> str:
        """A page the bot publishes (review, status): one per shard when each shard keeps
        its own state, one for the farm when they share a database."""
        return title if self.store.shared_by_shards else self.shard.title(title)

    def connect_for_reading(self) -> None:
        """The sites and the state file, for reports (-status): no lock, no run page."""
        if not self.opt.shared:
            raise UsageError('no shared repository: give -shared:FAMILY:CODE')
        self.shard = Shard.parse(str(self.opt.shard or ''))
        self.consumers = sites.consumer_sites(str(self.opt.wikis), pywikibot.Site(),
                                              keep=self.shard.takes)
        self.shared = sites.site_from_spec(str(self.opt.shared))
        self.store = self._store()
        if self.store.path and not self.store.path.exists():
            raise UsageError(f'no state file at {self.store.path}; give -state:PATH')
        self.state = self._open_state()

    def _poll_interval(self) -> float:
        """-watch's seconds between polls (0: not watching)."""
        if self.opt.watch in ('', False, None):
            return 0.0
        try:
            seconds = float(self.opt.watch)
        except ValueError:
            seconds = -1.0
        if seconds <= 0:
            raise UsageError(f'-watch:{self.opt.watch} is not a number of seconds between polls')
        if self.generator_args:
            raise UsageError("-watch follows the consumers' recent changes; it takes no page "
                             'generator (run a sweep on its own)')
        return seconds

    def _load_rules(self) -> Rules:
        """The transfer rules, with a warning for each entry skipped."""
        rules = self._read_rules()
        for warning in rules.warnings:
            pywikibot.warning(f'transfer rules: {warning}')
        return rules

    def _read_rules(self) -> Rules:
        """The transfer rules: a local file, else the rule page on the shared repository, else
        none (which changes nothing)."""
        try:
            if self.opt.rulesfile:
                path = Path(self.opt.rulesfile)
                try:
                    return parse_rules(path.read_text(encoding='utf-8'), str(path))
                except OSError as error:
                    raise UsageError(f'cannot read the rules file {path}: {error}') from None
            page = self.control.rules
            if page is not None and page.exists():
                steered = self._steered(page)
                return parse_rules(steered.text, page.title()) if steered.revid else Rules()
        except RulesError as error:
            raise UsageError(f'cannot use the transfer rules: {error}') from None
        return Rules()

    def _steered(self, page: pywikibot.Page) -> Steered:
        """A control page as of its latest revision by a member of -groups
        (:mod:`~commonscache.steering`); newer revisions by others are said in one warning
        and shown on the review page."""
        key = f'steered {self.shared} {page.title()}'
        accepted = self.state.watermark(key)
        steered = read_steered(page, groups=self.groups,
                               accepted=int(accepted) if accepted.isdigit() else 0)
        notice = steered.notice(self.opt.groups)
        if notice:
            pywikibot.warning(notice)
            self.notices.append(notice)
        elif str(steered.revid) != accepted and not config.simulate:
            self.state.set_watermark(key, str(steered.revid))
        return steered

    def _pages(self) -> Iterator[pywikibot.Page]:
        """Everything this run examines, in order: requested sweeps (each answered with its
        own counts), the cached copies (-refresh), then each consumer's pages (-watch: poll
        after poll)."""
        for request in self.requests:
            before = dict(self.counter)
            for consumer in self.consumers:
                yield from request_pages(consumer, request.target)
            self._flush_all()
            self.answers[request.line] = self._outcome_since(before)
        if self.opt.refresh and not self.poll:
            yield from self._cached_files()
        if self.poll:
            yield from self._watch()
            return
        for consumer in self.consumers:
            yield from self._consumer_pages(consumer)

    def _watch(self) -> Iterator[pywikibot.Page]:
        """-watch: poll the consumers until SIGTERM or the run page stops the bot. It
        treats what it finds itself, poll by poll (with -refresh, every cached copy at the
        start and then once a day), so that a wiki that goes away during a
        poll is waited out here (with :class:`~commonscache.watch.Backoff`) instead of
        ending the run; it yields nothing."""
        marks = {consumer: self.state.watermark(str(consumer)) for consumer in self.consumers}
        seen: dict[sites.Site, frozenset[int]] = {}
        backoff = watch.Backoff(self.poll)
        pages_written = time.monotonic()
        refreshed = -watch.REFRESH_EVERY
        paused = self.paused
        if paused:
            pywikibot.warning(f'watch: paused, {paused}; the run page is read every '
                              f'{self.poll:g} s until it says "true"')
        while not TERMINATE.is_set():
            began = time.monotonic()
            try:
                if paused:  # one request a poll, until the run page lets the bot run
                    self.run_page.check(force=True)
                    pywikibot.info(f'watch: resumed, the run page {self.run_page.title} says '
                                   'true')
                    paused = ''
                if self.opt.refresh and began - refreshed >= watch.REFRESH_EVERY:
                    for page in self._cached_files():  # -refresh: at the start, then daily
                        self.treat(page)
                    self._flush_all()
                    refreshed = began
                held = self._poll(marks, seen)
                wait = backoff.failed() if held else backoff.ok()
                if held:
                    pywikibot.warning(f'watch: {held}; next poll in {wait:.0f} s')
            except EmergencyStop as stop:
                if TERMINATE.is_set():
                    raise
                # Paused, not ended: the watch's job would only be started again. What the
                # poll had collected is read again, with its changes, once it resumes.
                self._forget_poll()
                wait = self.poll
                if str(stop) != paused:
                    pywikibot.warning(f'watch: paused, {stop}; the run page is read every '
                                      f'{wait:g} s until it says "true"')
                paused = str(stop)
                TERMINATE.wait(wait)
                continue
            except watch.OUTAGES as error:
                # What the poll had collected is read again, with its changes, next time.
                self._forget_poll()
                wait = backoff.failed()
                pywikibot.warning(f'watch: {type(error).__name__}: {error}; next poll in '
                                  f'{wait:.0f} s')
            if time.monotonic() - pages_written >= watch.PAGES_EVERY:
                try:
                    self._write_review_page()
                    self._write_status_page()
                except EmergencyStop as stop:
                    if TERMINATE.is_set():
                        raise
                    pywikibot.warning(f'watch: paused, {stop}')
                    paused = str(stop)
                except watch.OUTAGES as error:
                    pywikibot.warning(f'watch: the review and status pages wait: {error}')
                pages_written = time.monotonic()
            TERMINATE.wait(max(0.0, wait - (time.monotonic() - began)))
        return
        yield  # a generator, which the bot's loop runs to its end

    def _hold_to_budget(self, consumer: sites.Site) -> None:
        """The files *consumer*'s changes bring are held to the day's budget (-budget);
        those that waited for it since an earlier day are examined with them."""
        if not self.budget_bytes:
            return
        self.budgeted.add(consumer)
        waiting = self.state.deferred(shared=str(self.shared), consumer=str(consumer),
                                      before=budget.today())
        if waiting:
            pywikibot.info(f'{consumer}: {len(waiting)} files waited for the daily budget')
            self._queue_files(consumer, waiting)

    def _forget_poll(self) -> None:
        """Drop what an unfinished poll had collected: the watermarks it did not advance
        bring it back with the next poll."""
        self.pending_pages.clear()
        self.pending_files.clear()
        self.memory.seen.clear()

    def _poll(self, marks: dict[sites.Site, str], seen: dict[sites.Site, frozenset[int]]
              ) -> str:
        """One poll of every consumer: its changed pages examined, their new files cached,
        and its files due to be tried again (:class:`~commonscache.watch.Retries`); the
        pages using them purged, its watermark advanced. What held a consumer's poll up, to
        wait before the next one: files that failed because a wiki did not answer, when
        all its new files did (not only files tried again); or ''."""
        held = []
        for consumer in self.consumers:
            retries = self.retries.setdefault(consumer, watch.Retries(self.poll))
            due = retries.due(time.monotonic())
            self.poll_outcomes = {}
            if marks[consumer]:
                self._hold_to_budget(consumer)
                changes = watch.recent_changes(consumer, marks[consumer],
                                               seen=seen.get(consumer, frozenset()))
                for title in changes.titles:
                    self.treat(pywikibot.Page(consumer, title))
                mark, at_mark = changes.mark, changes.at_mark
            else:  # the first poll ever: every file it uses, as a first -since:last run
                mark, at_mark = consumer.server_time().isoformat(), frozenset()
                pywikibot.info(f'{consumer}: no earlier run, so every file it uses')
                for title in files_used_everywhere(consumer):
                    self._queue_files(consumer, [title])
            self._queue_files(consumer, due)
            self._flush_all()
            self.budgeted.discard(consumer)
            self._purge()
            # The next poll waits when all the new work failed; a file tried again alone
            # waits by itself.
            new = [again for title, again in self.poll_outcomes.items() if title not in due]
            failing = self._note_retries(retries, due)
            if new and all(new):
                held.append(f'{consumer}: {len(failing)} files wait for a wiki that did not '
                            'answer')
            if mark != marks[consumer] or at_mark != seen.get(consumer):
                if not config.simulate:
                    self.state.set_watermark(str(consumer), mark)
                marks[consumer], seen[consumer] = mark, at_mark
        self.memory.seen.clear()  # a file embedded again later is examined again
        return '; '.join(held)

    def _note_retries(self, retries: watch.Retries, due: list[str]) -> list[str]:
        """After a consumer's poll: files that failed because a wiki did not answer wait to
        be tried again, the others leave the list; the titles failing now."""
        now = time.monotonic()
        failing = []
        for title, again in self.poll_outcomes.items():
            if again:
                wait = retries.failed(title, now)
                failing.append(title)
                pywikibot.log(f'watch: {title} is tried again in {wait:.0f} s')
            else:
                retries.done(title)
        for title in due:
            if title not in self.poll_outcomes:
                retries.done(title)  # no longer a file to copy (its use went away)
        return failing

    def _consumer_pages(self, consumer: sites.Site) -> Iterator[pywikibot.Page]:
        if self.generator_args:
            factory = pagegenerators.GeneratorFactory(site=consumer)
            factory.handle_args(self.generator_args)
            yield from factory.getCombinedGenerator(preload=False) or ()
            return
        if self.opt.since:
            since = self.state.watermark(str(consumer))
            self.watermarks[consumer] = consumer.server_time().isoformat()
            if since:
                pywikibot.info(f'{consumer}: pages changed since {since}')
                self._hold_to_budget(consumer)
                yield from changed_pages(consumer, since)
                return
            pywikibot.info(f'{consumer}: no earlier run, so every file it uses')
        elif self.opt.refresh:
            return  # -refresh alone: only the cached copies
        for title in files_used_everywhere(consumer):
            yield UsedFile(consumer, title)

    def _cached_files(self) -> Iterator[pywikibot.FilePage]:
        """Every page on the shared repository that carries the provenance template."""
        for item in list_query(self.shared, list='embeddedin',
                               eititle=f'Template:{self.opt.template}', einamespace=6,
                               eilimit='max'):
            yield pywikibot.FilePage(self.shared, item['title'])

    def setup(self) -> None:
        super().setup()
        self.prefetch = Prefetcher(self.workdir, referer=self.referer, policy=self.policy)
        self.writer = Writer(
            self.settings, self.run_page, confirm=self.user_confirm,
            purge_later=self._purge_later, prefetch=self.prefetch,
            copy_uploads=CopyUploads(self.shared, str(self.opt.byurl)), uploads=self.uploads,
            chunk_bytes=self.chunk_bytes,
            categories=self.opt.categories, tracking=self.opt.tracking,
            tick=self._show_progress)
        removed = remove_stale_temporaries(self.workdir)
        if removed:
            pywikibot.log(f'removed {removed} temporary files left by an earlier run')
        self.status_seen = (0, self._open_flags())
        self.run_id = self.state.start_run(
            consumer=','.join(str(c) for c in self.consumers), shared=str(self.shared))
        self.batch_size = min(c.maxlimit for c in self.consumers)

    # --- collecting ---------------------------------------------------------------------------

    def treat(self, page: pywikibot.Page) -> None:
        """Collect the page; its files are looked up with a batch of others."""
        if page.site == self.shared:  # a cached copy to re-check (-refresh)
            self.pending_refresh.append(page.title())
            if len(self.pending_refresh) >= self.batch_size:
                self._flush_refresh()
        elif isinstance(page, UsedFile):  # a file the consumer uses (no generator given)
            self._queue_files(page.site, [page.title()])
        else:
            pending = self.pending_pages[page.site]
            pending.append(page.title())
            if len(pending) >= self.batch_size:
                self._flush_pages(page.site)

    def _flush_pages(self, consumer: sites.Site) -> None:
        pages, self.pending_pages[consumer] = self.pending_pages[consumer], []
        if pages:
            self._queue_files(consumer, files_used_on(consumer, pages))

    def _queue_files(self, consumer: sites.Site, titles: list[str]) -> None:
        pending = self.pending_files[consumer]
        for title in titles:
            # A file used on several consumers is examined, and copied, once.
            if title not in self.memory.seen:
                self.memory.seen.add(title)
                pending.append(title)
        if len(pending) >= self.batch_size:
            self._flush_files(consumer)

    def _flush_refresh(self) -> None:
        titles, self.pending_refresh = self.pending_refresh, []
        titles = [title for title in titles if title not in self.memory.seen]
        self.memory.seen.update(titles)
        if titles:  # -refresh: cached copies against the sources their provenance names
            self.run_page.new_batch()
            self.run_batch(locate_copies(titles, self.settings))

    def _flush_files(self, consumer: sites.Site) -> None:
        titles, self.pending_files[consumer] = self.pending_files[consumer], []
        if titles:  # files a consumer uses: cache those it gets from a foreign wiki
            self.run_page.new_batch()
            self.run_batch(locate(consumer, titles, self.settings, self.memory),
                           budget=consumer if consumer in self.budgeted else None)

    # --- one batch ----------------------------------------------------------------------------

    def run_batch(self, located: Located, *, budget: sites.Site | None = None) -> None:
        """The stages after :func:`~commonscache.pipeline.locate`, group by group: read both
        sides, judge, act; every outcome recorded as it comes. *budget*: the consumer whose
        daily budget the batch's new copies are held to."""
        self.counter['examined'] += located.examined
        self._observe(located.run_page)
        for outcome in located.outcomes:
            self.record(outcome)
        for group in located.groups:
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
            if budget is not None:
                verdicts = self._within_budget(verdicts, snapshot, budget)
            conflicts = source_conflicts(snapshot)
            for outcome in act(snapshot, verdicts, self.writer, self.memory.available):
                for marked in judged(outcome, conflicts):
                    self.record(marked)
                if budget is not None:
                    self._count_against(budget, outcome, snapshot)
                self._show_progress()

    def _within_budget(self, verdicts: dict[str, Verdict], snapshot: Snapshot,
                       consumer: sites.Site) -> dict[str, Verdict]:
        """The verdicts with the new copies past *consumer*'s budget for today held back
        (:func:`~commonscache.budget.within`)."""
        sizes = {title: found.latest.size for title, found in snapshot.sources.items()
                 if found}
        left = self.budget_bytes - self.state.spent(str(consumer), budget.today())
        return budget.within(verdicts, sizes, left=max(0, left), limit=self.budget_bytes,
                             consumer=str(consumer))

    def _count_against(self, consumer: sites.Site, outcome: Outcome,
                       snapshot: Snapshot) -> None:
        """A new copy uses the consumer's budget up; a file past it waits in the state."""
        if config.simulate:
            return
        if outcome.kind == 'cached' and outcome.size:
            self.state.spend(str(consumer), budget.today(), outcome.size)
        elif outcome.reason == budget.OVER_BUDGET:
            found = snapshot.sources.get(outcome.title)
            self.state.defer(shared=str(self.shared), consumer=str(consumer),
                             title=outcome.title, size=found.latest.size if found else 0,
                             day=budget.today())

    def _observe(self, run_page: SharedFile | None) -> None:
        """The run page as a read of the shared repository found it: a stop set there
        takes effect before the batch's writes (:class:`~commonscache.operations.RunPage`)."""
        if run_page is not None:
            self.run_page.observe(exists=run_page.page_exists, text=run_page.text)

    def record(self, outcome: Outcome) -> None:
        """Count, log and keep an outcome (the state file keeps the last one per file)."""
        title, kind = outcome.title, outcome.kind
        self.counter[COUNTERS.get(kind, kind)] += 1
        self.bytes_transferred += outcome.copied
        self.bytes_through_bot += outcome.moved
        if self.poll:
            self.poll_outcomes[title] = kind == 'failed' and outcome.reason in watch.RETRYABLE
        if kind in ('cached', 'updated', 'nothing'):
            self.memory.available.add(title)
        if kind in ('cached', 'updated'):
            self._purge_later(title)  # due from the end of the write, not its start
        if kind == 'would cache':
            return
        if self.state and not config.simulate:
            self.state.record(shared=str(self.shared), title=title, outcome=kind,
                              reason=outcome.reason, details=outcome.details, sha1=outcome.sha1,
                              size=outcome.size, examined=outcome.examined)
        why = f'{outcome.reason} ({outcome.details})'
        if kind == 'skipped':
            pywikibot.info(f'skipped {title}: {why}')
        elif kind == 'flagged':
            pywikibot.warning(f'flagged {title} for review: {why}')
        elif kind == 'failed':
            pywikibot.error(f'failed {title}: {why}')
        elif kind in ('cached', 'updated'):
            pywikibot.info(f'{kind} {title} ({outcome.details})')

    def _purge_later(self, title: str) -> None:
        """Before a write, and again after it: the consumers' pages using *title* are to be
        purged -purgedelay seconds after the write (:mod:`~commonscache.purges`), at the end
        of the run or poll, or by the next one if this one is killed after the write."""
        if self.state:
            self.state.purge_later(shared=str(self.shared), title=title,
                                   consumers=[str(consumer) for consumer in self.consumers],
                                   due=time.time() + self.purge_delay)

    def _show_progress(self) -> None:
        self.progress.show(self.counter['examined'], len(self.memory.seen),
                           self.bytes_transferred, self.policy.status())

    def read_status(self) -> status.Status:
        """The figures of the status page, from the state file and the wikis."""
        return status.read_status(self.state, self.shared, self.consumers,
                                  template=self.opt.template,
                                  review_page=self._page_title(self.opt.reviewpage))

    def _open_flags(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((f.title, f.reason) for f in self.state.flags(shared=str(self.shared))))

    def _status_due(self, title: str) -> bool:
        """Whether the status page is worth its reads: the bot wrote copies or the open
        flags changed since it was last written, or that was a day ago (so that a no-op
        rerun reads and writes nothing for it; the consumers' savings cost a query per 500
        copies, and each consumer asks its foreign repositories about them)."""
        written = self.state.watermark(f'status page {title}')
        changes = (self.counter['cached'] + self.counter['updated'], self._open_flags())
        if written and changes == self.status_seen and written > ago(status.REWRITE_EVERY):
            return False
        self.status_seen = changes
        return True

    def _write_status_page(self) -> None:
        """Rewrite the status page when it is due (:meth:`_status_due`) and its content
        changed."""
        title = self._page_title(self.opt.statuspage)
        if not title or config.simulate or not self.state or not self._status_due(title):
            return
        text = status.as_wikitext(self.read_status(), self.shared)
        page = pywikibot.Page(self.shared, title)
        if not page.exists() or page.text.strip() != text.strip():
            self.run_page.new_batch()  # a stop set during the last batch counts here too
            self.run_page.check()
            sites.save_own_page(page, text, msg(self.shared, 'summary-status'))
        self.state.set_watermark(f'status page {title}', now())

    def _write_review_page(self) -> None:
        """Rewrite the review page with the open flags, only when its content changed."""
        page = self.control.review  # as read at the start of the run
        if page is None or config.simulate or not self.state:
            return
        text = as_wikitable(self.state.flags(shared=str(self.shared)),
                            interwiki=self.opt.interwiki, notices=self.notices,
                            language=self.shared)
        if page.exists() and page.text.strip() == text.strip():
            return
        self.run_page.new_batch()
        self.run_page.check()
        sites.save_own_page(page, text, msg(self.shared, 'summary-review'))

    def _flush_all(self) -> None:
        self._flush_refresh()
        for consumer in list(self.pending_pages):
            self._flush_pages(consumer)
        for consumer in list(self.pending_files):
            self._flush_files(consumer)

    def _outcome_since(self, before: dict[str, int]) -> str:
        counts = {name: self.counter[name] - before.get(name, 0)
                  for name in ('examined', 'cached', 'updated', 'flagged')}
        return msg(self.shared, 'answer', {'time': now(), **counts})

    def teardown(self) -> None:
        """Work off the last, partial batches (unless the run was interrupted), then purge,
        answer requests, rewrite the review page and advance the watermarks."""
        completed = False
        try:
            if self.generator_completed and not self.stopped:
                self._flush_all()
                self._answer_requests()
                self._write_review_page()
                self._purge()  # last: the wait for the purge's second runs meanwhile
                completed = True
                self.completed = True
        except EmergencyStop:
            self.stopped = True
            raise
        finally:
            self.writer.close()
            self.prefetch.close()
            self.progress.done()
            if limits.throttled_line():
                pywikibot.warning(limits.throttled_line())
            if self.state:
                status = 'completed' if completed else 'interrupted'
                counters = {**self.counter, 'bytes': self.bytes_transferred,
                            'bytes through the bot': self.bytes_through_bot,
                            'throttled': sum(limits.throttled.values())}
                self.state.finish_run(self.run_id, status=status, counters=counters)
                if completed and not config.simulate:
                    # A failed or interrupted run leaves the watermarks where they were.
                    for consumer, stamp in self.watermarks.items():
                        self.state.set_watermark(str(consumer), stamp)
                if completed:
                    try:
                        self._write_status_page()  # with this run's counts in it
                    except (pywikibot.exceptions.Error, EmergencyStop) as error:
                        pywikibot.warning(f'the status page was not written: {error}')

    def _purge(self) -> None:
        """Purge the consumers' pages that use newly cached files, so readers see them: with
        those an earlier run for the same consumer wrote and could not purge (killed, or
        -nopurge). Each waits for its due time, a later second than the file's write
        (:mod:`~commonscache.purges`); those due after more than a minute are left to a later
        run or poll."""
        if not self.opt.purge or config.simulate or not self.state:
            return
        for consumer in self.consumers:
            todo = purges.plan(self.state.pending_purges(shared=str(self.shared),
                                                         consumer=str(consumer)),
                               time.time())
            if todo.later:
                pywikibot.info(f'{consumer}: the pages using {len(todo.later)} files are '
                               f'purged from {purges.at(max(todo.later.values()))} on, by a '
                               f'later run (-purgedelay:{self.purge_delay:g})')
            if not todo.now:
                continue
            time.sleep(todo.wait)
            began = time.monotonic()
            users = pages_using(consumer, todo.now)
            for batch in batches(users, consumer.maxlimit):
                # Invalidated, not re-parsed now: the next view parses the page, and
                # finds the file on the shared repository.
                consumer.purgepages([pywikibot.Page(consumer, t) for t in batch])
            if users:
                pywikibot.info(f'purged {len(users)} pages on {consumer} in '
                               f'{time.monotonic() - began:.2f} s'
                               + (f', {todo.wait:.1f} s after the last write of their files'
                                  if todo.wait else ''))
            self.state.purged(shared=str(self.shared), consumer=str(consumer),
                              titles=todo.now)

    def _answer_requests(self) -> None:
        if self.answers and not config.simulate:
            self.run_page.new_batch()  # a stop set during the last batch counts here too
            self.run_page.check()
            answer_requests(self.control.requests, self.answers)

    def close(self) -> None:
        """Release the run lock and the state file."""
        if self.lock:
            self.lock.release()
        if self.state:
            self.state.close()

    def summary(self) -> str:
        """The counters as one line: the last line a run prints."""
        counts = ', '.join(f'{name} {self.counter[name]}' for name in SUMMARY)
        extra = f", would cache {self.counter['would cache']}" if config.simulate else ''
        return (f'{counts}{extra}, bytes transferred {self.bytes_transferred}, '
                f'bytes through the bot {self.bytes_through_bot}')


def split_titles(value: object) -> list[str]:
    """Titles given as a list (command line) or '|'-separated (scripts.ini)."""
    items = value if isinstance(value, list) else str(value or '').split('|')
    return [item.strip() for item in items if item.strip()]
