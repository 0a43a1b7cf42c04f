"""The Pywikibot shell of a run: its options, its set-up, the pages it examines, and its
end. The work itself is the :class:`~commonscache.running.sweep.Sweep`'s (batches through the
stages), -watch's polls the :class:`~commonscache.running.watch.Watcher`'s, and the pages the bot
publishes the :class:`~commonscache.publishing.publish.Publisher`'s; the bot wires them together and
hands them the pages its generator yields.
"""
from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pywikibot
from pywikibot import config, pagegenerators
from pywikibot.bot import ConfigParserBot

from commonscache.control.operations import (
    EmergencyStop,
    Request,
    pending_requests,
)
from commonscache.control.steering import load_rules
from commonscache.datatypes import Settings
from commonscache.errors import UsageError
from commonscache.keeping.state import now
from commonscache.messages import counted, msg
from commonscache.publishing import status
from commonscache.publishing.publish import Publisher
from commonscache.reading.detect import (
    NotUnderstood,
    UsedFile,
    files_used_everywhere,
    request_pages,
)
from commonscache.running import option_table, options, watch, wiring
from commonscache.running.reviewing import WatchedRequests, carry_out, read_decisions
from commonscache.running.sweep import Sweep
from commonscache.running.watch import Watcher
from commonscache.running.wiring import Wiring
from commonscache.wikis import sites
from commonscache.wikis.query import list_query
from commonscache.wikis.transfer import Prefetcher, WorkFolder, remove_stale_temporaries
from commonscache.writing.upload import CopyUploads
from commonscache.writing.writes import Writer

#: The counters of the summary line, in its order.
SUMMARY = ('examined', 'cached', 'updated', 'up to date', 'skipped', 'flagged', 'failed')


#: The options and their defaults (scripts.ini's [commonscache] section may set each):
#: :data:`commonscache.running.option_table.TABLE`'s.
OPTIONS: dict[str, object] = option_table.bot_options()


class CacheBot(ConfigParserBot):
    """Cache the files a consumer wiki uses from Commons in the shared media repository.

    :ivar consumers: the consumer wikis (this shard's), :ivar shared: the shared repository
    :ivar run_options: the options checked (:class:`~commonscache.running.options.RunOptions`)
    :ivar state: the state, kept in :attr:`store` under its run lock
    :ivar sweep: the work; :ivar publisher: the pages the bot keeps
    """

    update_options = OPTIONS

    def __init__(self, generator_args: list[str] | None = None,
                 context: options.RunContext | None = None, **kwargs: object) -> None:
        # scripts.ini sits beside user-config.py, whatever the working directory is.
        self.INI = str(Path(config.base_dir, 'scripts.ini'))
        super().__init__(**kwargs)
        self.generator_args = generator_args or []
        #: the run's 429 answers and stop signals (cli makes them)
        self.context = context or options.RunContext()
        self.wiring: Wiring | None = None
        self.sweep: Sweep | None = None
        self.publisher: Publisher | None = None
        #: the consumers' recent-changes watermarks to keep if the run completes (-since)
        self.watermarks: dict[sites.Site, str] = {}
        #: the run went through to its end (not interrupted, not stopped)
        self.completed = False

    @property
    def poll(self) -> float:
        """-watch's seconds between polls (0: not watching)."""
        return self.run_options.poll

    # --- set-up -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Check the set-up before the run; every problem is a :class:`UsageError`."""
        if not self.opt.shared:
            raise UsageError('no shared repository: give -shared:FAMILY:CODE, or set '
                             '"shared = FAMILY:CODE" in scripts.ini, section [commonscache]')
        self.run_options = run = options.parse(self.opt, generator_args=self.generator_args)
        self.wiring = wired = wiring.connect(self.opt, run, self.context.signals)
        shared, control = wired.shared, wired.control
        rules, notices = load_rules(rules_file=self.opt.rulesfile, page=control.rules,
                                    state=wired.state, groups=run.groups,
                                    groups_option=str(self.opt.groups))
        self.decisions, answered, self.requests, ignored = read_decisions(
            pending_requests(control.requests, set(run.groups)) if control.requests else [],
            state=wired.state, shared=shared)
        self.settings = Settings(
            shared=shared, template=self.opt.template, interwiki=self.opt.interwiki,
            rules=rules, markers=run.markers, max_bytes=run.max_bytes,
            forced=frozenset(pywikibot.FilePage(shared, title).title()
                             for title in options.split_titles(self.opt.force)),
            extensions=frozenset(entry['ext'].lower() for entry in
                                 shared.siteinfo.get('fileextensions', [])),
            max_upload=shared.siteinfo.get('maxuploadsize', 0),
            run_page=wired.run_page.title, recheck_all=bool(self.opt.refresh),
            on_deleted=run.on_deleted,
            copyright_reasons=run.copyright_reasons, categories=str(self.opt.categories))
        self.publisher = Publisher(
            shared=shared, consumers=wired.consumers, state=wired.state, control=control,
            run_page=wired.run_page, opt=self.opt,
            status_page=wiring.page_title(wired.store, wired.shard, self.opt.statuspage),
            review_page=wiring.page_title(wired.store, wired.shard, self.opt.reviewpage),
            purge_delay=run.purge_delay)
        self.publisher.notices += notices + ignored
        self.publisher.answers.update(answered)
        self.generator = self._pages()

    def connect_for_reading(self) -> None:
        """The sites and the state, for reports (-status): no lock, no run page."""
        self.wiring = wiring.connect_for_reading(self.opt)

    def read_status(self) -> status.Status:
        """The figures of the status page, from the state and the wikis."""
        wired = self.wiring
        return status.read_status(
            wired.state, wired.shared, wired.consumers, template=self.opt.template,
            review_page=wiring.page_title(wired.store, wired.shard, self.opt.reviewpage),
            keep=False)

    def setup(self) -> None:
        super().setup()
        store = self.wiring.store
        workdir = (store.path.parent if store.path else Path(config.base_dir)) / 'commonscache-tmp'
        workdir.mkdir(parents=True, exist_ok=True)
        workdir.chmod(0o700)
        work = WorkFolder(workdir)  # this process's own: shards share workdir
        removed = remove_stale_temporaries(workdir)
        if removed:
            pywikibot.log(f'removed {removed} temporary files left by runs that ended')
        writer = Writer(
            self.settings, self.wiring.run_page, confirm=self.user_confirm,
            purge_later=self.publisher.purge_later,
            prefetch=Prefetcher(work.path, work=work, referer=sites.referer(self.wiring.shared),
                                policy=self.run_options.policy),
            copy_uploads=CopyUploads(self.wiring.shared, str(self.opt.byurl)),
            uploads=self.run_options.uploads, chunk_bytes=self.run_options.chunk_bytes,
            tracking=self.opt.tracking,
            delete_template=self.opt.deletetemplate, tick=lambda: self.sweep.show_progress())
        self.sweep = Sweep(settings=self.settings, state=self.wiring.state, writer=writer,
                           run_page=self.wiring.run_page, counter=self.counter,
                           budget_bytes=self.run_options.budget_bytes,
                           farm_budget_bytes=self.run_options.farm_budget_bytes,
                           purge_later=self.publisher.purge_later, policy=self.run_options.policy)
        wired = self.wiring
        self.run_id = wired.state.start_run(
            consumer=','.join(str(c) for c in wired.consumers), shared=str(wired.shared))

    # --- what the run examines ------------------------------------------------------------------

    def _pages(self) -> Iterator[pywikibot.Page]:
        """Everything this run examines, in order: the cached copies (-refresh), requested
        sweeps (each answered with its own counts), then each consumer's pages; -watch
        polls the consumers in :class:`~commonscache.running.watch.Watcher` instead, and yields
        nothing."""
        # The reviewers' decisions first: their files judged with the decision in hand.
        yield from carry_out(self.decisions, self.sweep, self.publisher.answers)
        if self.opt.refresh and not self.run_options.poll:
            # The copies first, judged against their sources: a requested sweep that met
            # one first would only glance at it, and the refresh would then pass it by.
            yield from self._cached_files()
            self.sweep.flush()
        for request in self.requests:
            yield from sweep_request(request, self.wiring.consumers, self.sweep,
                                     self.publisher, self.counter)
        if self.run_options.poll:
            wired = self.wiring
            Watcher(consumers=wired.consumers, state=wired.state, run_page=wired.run_page,
                    sweep=self.sweep, publisher=self.publisher, interval=self.run_options.poll,
                    copies=self._cached_files if self.opt.refresh else None,
                    decisions=WatchedRequests(
                        wired.control.requests, groups=set(self.run_options.groups),
                        sweep=self.sweep, publisher=self.publisher)
                    if wired.control.requests else None,
                    paused=wired.paused).run()
            return
        for consumer in self.wiring.consumers:
            yield from self._consumer_pages(consumer)

    def _consumer_pages(self, consumer: sites.Site) -> Iterator[pywikibot.Page]:
        started = None
        if self.generator_args:
            # A generator lists as a bot does, 5,000 a request, not 500.
            sites.login_if_configured(consumer)
            factory = pagegenerators.GeneratorFactory(site=consumer)
            factory.handle_args(self.generator_args)
            yield from factory.getCombinedGenerator(preload=False) or ()
            return
        if self.opt.since:
            mark = self.wiring.state.watermark(str(consumer))
            if mark:
                changes = watch.changes_since(consumer, mark)
                self.watermarks[consumer] = watch.format_mark(changes.mark, changes.at_mark)
                changed = counted(len(changes.titles), 'page', 'pages')
                pywikibot.info(f'{consumer}: {changed} changed since '
                               f'{watch.parse_mark(mark)[0]}')
                self.sweep.hold_to_budget(consumer)
                for title in changes.titles:
                    yield pywikibot.Page(consumer, title)
                return
            pywikibot.info(f'{consumer}: no earlier run, so every file it uses')
            # The watermark: the wiki's time as its listing began.
            started = functools.partial(self.watermarks.__setitem__, consumer)
        elif self.opt.refresh:
            return  # -refresh alone: only the cached copies
        for title in files_used_everywhere(consumer, self.sweep.memory.listings,
                                           started=started):
            yield UsedFile(consumer, title)

    def _cached_files(self) -> Iterator[pywikibot.FilePage]:
        """Every page on the shared repository that carries the provenance template."""
        for item in list_query(self.wiring.shared, list='embeddedin',
                               eititle=f'Template:{self.opt.template}', einamespace=6,
                               eilimit='max'):
            yield pywikibot.FilePage(self.wiring.shared, item['title'])

    def treat(self, page: pywikibot.Page) -> None:
        self.sweep.treat(page)  # collected: its files are looked up with a batch of others

    # --- the end --------------------------------------------------------------------------------

    def teardown(self) -> None:
        """Work off the last, partial batches (unless the run was interrupted), then purge,
        answer requests, rewrite the review page and advance the watermarks."""
        completed = False
        try:
            if self.generator_completed and not self.context.signals.interrupted.is_set():
                self.sweep.flush(recheck=[] if self.poll else self.wiring.consumers[:1])
                self.publisher.finish()
                completed = self.completed = True
        finally:
            self.sweep.writer.close()
            self.sweep.progress.done()
            if self.context.throttled.line():
                pywikibot.warning(self.context.throttled.line())
            self._finish(completed)
            # One voice: the counts are said once, in the run's summary line (the sweep
            # keeps them), not again by Pywikibot's exit(), which prints this counter.
            self.sweep.counter = Counter(self.counter)
            self.counter.clear()

    def _finish(self, completed: bool) -> None:
        """The run's line in the state; a completed run's watermarks and status page."""
        counters = {**self.counter, 'bytes': self.sweep.copied,
                    'bytes through the bot': self.sweep.through_bot,
                    'throttled': self.context.throttled.total()}
        self.wiring.state.finish_run(
            self.run_id, status='completed' if completed else 'interrupted', counters=counters)
        if not completed:
            return  # a failed or interrupted run leaves the watermarks where they were
        if not config.simulate:
            for consumer, stamp in self.watermarks.items():
                self.wiring.state.set_watermark(str(consumer), stamp)
        try:
            self.publisher.write_status_page(self.counter['cached'] + self.counter['updated'],
                                             self.sweep.memory.listings.take_usage_counts())
        except (pywikibot.exceptions.Error, EmergencyStop) as error:
            pywikibot.warning(f'the status page was not written: {error}')

    def close(self) -> None:
        """Release the run lock and the state."""
        if self.wiring:
            self.wiring.close()

    def summary(self) -> str:
        """The counters as one line: the last line a run prints."""
        counter = self.sweep.counter if self.sweep else self.counter
        counts = ', '.join(f'{name} {counter[name]}' for name in SUMMARY)
        extra = f", would cache {counter['would cache']}" if config.simulate else ''
        copied, through = (self.sweep.copied, self.sweep.through_bot) if self.sweep else (0, 0)
        return (f'{counts}{extra}, bytes transferred {copied}, '
                f'bytes through the bot {through}')


def sweep_request(request: Request, consumers: list[sites.Site], sweep: Sweep,
                  publisher: Publisher, counter: Counter) -> Iterator[pywikibot.Page]:
    """The pages of one line of the request page, swept, and the line's answer: the counts
    of its sweep, or "not understood" when it names no page or category of the consumers
    (the run goes on with the next line)."""
    shared, before = publisher.shared, dict(counter)
    try:
        yield from request_pages(consumers, request.target)
    except NotUnderstood as why:
        pywikibot.warning(f'request {request.line!r} by {request.user}: not understood: {why}')
        publisher.answers[request.line] = msg(shared, 'answer-not-understood',
                                              {'time': now(), 'why': str(why)})
        return
    sweep.flush()
    counts = {name: counter[name] - before.get(name, 0)
              for name in ('examined', 'cached', 'updated', 'flagged')}
    publisher.answers[request.line] = msg(shared, 'answer', {'time': now(), **counts})
