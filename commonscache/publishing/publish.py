"""What the bot publishes besides the copies: the review page (the open flags), the status
page (the farm's figures), the answers to admins' requests, and the purge of the consumer
pages that use a new copy, so that readers see it.

Each page is written only when its text changed, after the run page was read once more (a
stop set during the last batch counts here too); nothing is written with -simulate.
"""
from __future__ import annotations

import time

import pywikibot
import requests
from pywikibot import config

from commonscache.control.operations import ControlPages, RunPage, answer_requests
from commonscache.keeping import purges
from commonscache.keeping.state import State, ago, closed_flags, now
from commonscache.messages import counted, msg
from commonscache.publishing import status
from commonscache.publishing.review import CLOSED_SHOWN, as_wikitable, urgent
from commonscache.wikis import sites
from commonscache.wikis.query import batches


class Publisher:
    """The pages the bot keeps on the shared repository, and the purges on the consumers.

    :ivar notices: what the review page says above the flags (control page revisions
        ignored, :mod:`~commonscache.control.steering`)
    :ivar answers: each admin request's line → its answer, written at the end of the run
    """

    def __init__(self, *, shared: sites.Site, consumers: list[sites.Site], state: State,
                 control: ControlPages, run_page: RunPage, opt: object,
                 status_page: str, review_page: str, purge_delay: float) -> None:
        self.shared, self.consumers, self.state = shared, consumers, state
        self.control, self.run_page, self.opt = control, run_page, opt
        self.status_page, self.review_page = status_page, review_page
        self.purge_delay = purge_delay
        self.notices: list[str] = []
        self.answers: dict[str, str] = {}
        #: what the status page showed when last written: (copies written, open flags)
        self.status_seen: tuple = (0, self.open_flags())

    # --- the review and status pages ----------------------------------------------------------

    def open_flags(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((f.title, f.reason)
                            for f in self.state.flags(shared=str(self.shared))))

    def read_status(self, listed: dict | None = None) -> status.Status:
        """The figures of the status page, from the state and the wikis; *listed*: the uses
        this run's listings counted."""
        return status.read_status(self.state, self.shared, self.consumers,
                                  template=self.opt.template, review_page=self.review_page,
                                  listed=listed)

    def _status_due(self, written_copies: int) -> bool:
        """Whether the status page is worth its reads: the bot wrote copies or the open
        flags changed since it was last written, or that was a day ago (so that a no-op
        rerun reads and writes nothing for it; the consumers' savings cost a query per 500
        copies, and each consumer asks its foreign repositories about them)."""
        written = self.state.watermark(f'status page {self.status_page}')
        changes = (written_copies, self.open_flags())
        if written and changes == self.status_seen and written > ago(status.REWRITE_EVERY):
            return False
        self.status_seen = changes
        return True

    def write_status_page(self, written_copies: int,
                          listed: dict[sites.Site, dict[str, int]]) -> None:
        """Rewrite the status page when it is due and its content changed; *written_copies*:
        the copies this run cached or updated so far; *listed*: the uses this run's
        listings counted (:meth:`~commonscache.reading.detect.Listings.take_usage_counts`),
        used now or never."""
        title = self.status_page
        if not title or config.simulate or not self._status_due(written_copies):
            return
        text = status.as_wikitext(self.read_status(listed), self.shared)
        page = pywikibot.Page(self.shared, title)
        if not page.exists() or page.text.strip() != text.strip():
            self._save(page, text, 'summary-status')
        self.state.set_watermark(f'status page {title}', now())

    def write_review_page(self) -> None:
        """Rewrite the review page with the open flags, only when its content changed."""
        page = self.control.review  # as read at the start of the run
        flags = self.state.flags(shared=str(self.shared))
        violations = [flag.title for flag in flags if urgent(flag)]
        if violations:
            pywikibot.warning(
                counted(len(violations), 'copy whose source was deleted for copyright stands',
                        'copies whose source was deleted for copyright stand')
                + f" on the shared repository ({', '.join(violations[:5])}"
                f"{', …' if len(violations) > 5 else ''}): a reviewer decides delete-copy "
                'or keep-copy (see the review page), or run with -ondeleted:tag')
        if page is None or config.simulate:
            return
        text = as_wikitable(flags,
                            interwiki=self.opt.interwiki, notices=self.notices,
                            language=self.shared,
                            closed=closed_flags(self.state, shared=str(self.shared),
                                                last=CLOSED_SHOWN))
        if not page.exists() or page.text.strip() != text.strip():
            self._save(page, text, 'summary-review')

    def finish(self) -> None:
        """The end of a run: the request page's answers, the review page, the purges (last:
        the wait for the purge's second runs meanwhile). A refusal or an outage of one of
        them is a warning, never a failed run: what it left undone is kept (open flags,
        pending purges) or done again (unanswered lines) by the next run."""
        for what, step in (('the answers on the request page', self.answer_requests),
                           ('the review page', self.write_review_page),
                           ('the purges', self.purge)):
            try:
                step()
            except (pywikibot.exceptions.Error, requests.exceptions.RequestException) as error:
                pywikibot.warning(f'{what}: not written this run: {type(error).__name__}: '
                                  f'{error}')

    def answer_requests(self) -> None:
        if self.answers and not config.simulate:
            self.run_page.new_batch()
            self.run_page.check()
            answer_requests(self.control.requests, self.answers)
            self.answers.clear()  # answered: a watch writes the next ones

    def _save(self, page: pywikibot.Page, text: str, summary: str) -> None:
        self.run_page.new_batch()  # a stop set during the last batch counts here too
        self.run_page.check()
        sites.save_own_page(page, text, msg(self.shared, summary))

    # --- purges -------------------------------------------------------------------------------

    def purge_later(self, *titles: str) -> None:
        """Before a write, and again after it: the consumers' pages using each of *titles*
        are to be purged -purgedelay seconds after the write (:mod:`~commonscache.keeping.purges`),
        at the end of the run or poll, or by the next one if this one is killed after the
        write."""
        self.state.purge_later(shared=str(self.shared), titles=titles,
                               consumers=[str(consumer) for consumer in self.consumers],
                               due=time.time() + self.purge_delay)

    def purge(self) -> None:
        """Purge the consumers' pages that use newly cached files, so readers see them: with
        those an earlier run for the same consumer wrote and could not purge (killed, or
        -nopurge). Each waits for its due time, a later second than the file's write
        (:mod:`~commonscache.keeping.purges`); those due after more than a minute are left to a
        later run or poll."""
        if not self.opt.purge or config.simulate:
            return
        for consumer in self.consumers:
            todo = purges.plan(self.state.pending_purges(shared=str(self.shared),
                                                         consumer=str(consumer)),
                               time.time())
            if todo.later:
                using = counted(len(todo.later), 'file', 'files')
                pywikibot.info(f'{consumer}: the pages using {using} are '
                               f'purged from {purges.at(max(todo.later.values()))} on, by a '
                               f'later run (-purgedelay:{self.purge_delay:g})')
            if not todo.now:
                continue
            time.sleep(todo.wait)
            sites.login_if_configured(consumer)  # a purge is a write; 500 titles a request
            began = time.monotonic()
            users = purge_pages_using(consumer, todo.now)
            if users:
                pywikibot.info(f"purged {counted(users, 'page', 'pages')} on {consumer} in "
                               f'{time.monotonic() - began:.2f} s'
                               + (f', {todo.wait:.1f} s after the last write of their files'
                                  if todo.wait else ''))
            self.state.purged(shared=str(self.shared), consumer=str(consumer),
                              titles=todo.now)


def purge_pages_using(consumer: sites.Site, files: list[str]) -> int:
    """Purge the consumer's pages that use any of *files*: ``action=purge`` over
    ``generator=fileusage``, so that finding the pages and purging them is one request per
    batch of files. The pages are invalidated, not parsed now: the next view parses them and
    finds the files on the shared repository. Returns how many were purged."""
    purged = 0
    for batch in batches(files, consumer.maxlimit):
        params: dict = {'action': 'purge', 'generator': 'fileusage', 'titles': batch,
                        'gfulimit': 'max', 'formatversion': 2}
        while True:
            data = consumer.simple_request(**params).submit()
            purged += sum(1 for page in data.get('purge', []) if page.get('purged'))
            if 'continue' not in data:
                break
            params.update(data['continue'])
    return purged
