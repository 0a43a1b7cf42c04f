"""Running unattended: the run lock, the emergency-stop page, and sweeps that admins request
on the wiki.

The request page lists what to sweep, one line each (``* Category:Places`` or ``* Page
title``). Only lines added by users in the configured groups count: who added a line is read
from the page history at the time of the run (:func:`attribute_lines`, pure), and whether
they are in a group from the user list, both in batches. The bot answers each honoured line
by rewriting it with the outcome, so that it is not swept again.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pywikibot

from commonscache.messages import msg
from commonscache.query import list_query, query_titles
from commonscache.sites import Site, save_own_page

#: What an answered request line carries, so that later runs leave it alone.
ANSWERED = ' — commonscache:'


class EmergencyStop(Exception):
    """The run page does not say ``true``: stop before the next write."""


#: Set by SIGTERM (see :func:`commonscache.watch.stop_on_sigterm`): the run stops before its
#: next write, as for the run page, and a watch's wait between polls ends at once.
TERMINATE = threading.Event()


class RunLock:
    """An exclusive lock beside the state file: two runs on one state never overlap.

    ``flock`` locks die with the process that holds them, so the lock of a killed run is
    taken over at once; the file keeps the holder's pid for the message.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open('a+')
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f'{os.getpid()}\n')
        handle.flush()
        self.handle = handle
        return True

    def holder(self) -> str:
        """Who holds the lock, as messages name it (``pid N``)."""
        try:
            pid = self.path.read_text().strip()
        except OSError:
            pid = ''
        return f'pid {pid}' if pid else 'pid unknown'

    def release(self) -> None:
        if self.handle:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


class RunPage:
    """The emergency stop: a page whose content must be ``true`` for the bot to write (a
    page that goes missing during the run stops it too; see :func:`first_run_page` for a
    run page that does not exist yet).

    The page rides along in the batch's reads of the shared repository (no request of its
    own, :meth:`observe`), so a stop takes effect before the next batch's writes. A write
    reads it itself only when no read of this batch carried it (:meth:`new_batch`), or the
    last reading is a minute old (a long batch).
    """

    INTERVAL = 60.0

    def __init__(self, page: pywikibot.Page | None = None, *,
                 known: tuple[bool, str] | None = None) -> None:
        """:param page: the run page, preloaded (reading it then costs no request)
        :param known: whether it exists and its text, when known without reading it"""
        self.page = page
        #: (exists, text) as last read, and when (monotonic seconds)
        self.seen: tuple[bool, str] | None = known
        self.seen_at = time.monotonic() if known else -self.INTERVAL
        #: a reading older than this is not this batch's
        self.batch_began = -self.INTERVAL

    @property
    def title(self) -> str:
        return self.page.title() if self.page else ''

    def new_batch(self) -> None:
        """A batch begins: its first write wants a reading made from now on."""
        self.batch_began = time.monotonic()

    def observe(self, *, exists: bool, text: str) -> None:
        """A reading of the page made by a read the bot made anyway."""
        self.seen = (exists, text)
        self.seen_at = time.monotonic()

    def check(self, *, force: bool = False) -> None:
        """:raises EmergencyStop: when the page does not allow running, or SIGTERM came"""
        if TERMINATE.is_set():
            raise EmergencyStop('stopped: SIGTERM')
        if not self.page:
            return
        now = time.monotonic()
        if force or self.seen is None or self.seen_at < self.batch_began or \
                now - self.seen_at >= self.INTERVAL:
            self._read()
        exists, text = self.seen
        allowed, why = allows(self.title, exists=exists, text=text)
        if not allowed:
            raise EmergencyStop(f'stopped: {why}')

    def _read(self) -> None:
        """One request: the page's existence and text."""
        page = query_titles(self.page.site, [self.title], prop='revisions',
                            rvprop='content', rvslots='main').page(self.title) or {}
        revision = (page.get('revisions') or [{}])[-1]
        self.observe(exists=bool(page) and not page.get('missing'),
                     text=revision.get('slots', {}).get('main', {}).get('content', ''))


def was_deleted(page: pywikibot.Page) -> bool:
    """Whether the deletion log has an entry for *page* (one request)."""
    return any(True for _ in page.site.logevents(logtype='delete', page=page, total=1))


def first_run_page(page: pywikibot.Page | None, *, create: bool) -> RunPage:
    """The run page of this run. One that nobody has created yet does not block a first
    run: a run that may write (*create*, i.e. not -simulate) creates it with ``true``, says
    so in one line and goes on; -simulate goes on without it. One that was deleted stops
    the bot, as one that does not say ``true`` does: deleting it is a way to stop the bot.

    :raises EmergencyStop: the run page was deleted
    """
    if page is None:
        return RunPage(None)
    if page.exists():  # preloaded with the other control pages: no request
        return RunPage(page, known=(True, page.text))
    if was_deleted(page):
        raise EmergencyStop(f'stopped: the run page {page.title()} was deleted; create it '
                            'again with "true" to let the bot run')
    if not create:
        pywikibot.info(f'the run page {page.title()} does not exist yet; a run without '
                       '-simulate creates it with "true"')
        return RunPage(None)
    save_own_page(page, 'true', msg(page.site, 'summary-runpage'))
    pywikibot.info(f'created the run page {page.title()} with "true" (the first run on this '
                   'wiki); change it to anything else to stop the bot')
    return RunPage(pywikibot.Page(page.site, page.title()), known=(True, 'true'))


def allows(title: str, *, exists: bool, text: str) -> tuple[bool, str]:
    """Whether a run page that says *text* lets the bot run (a missing page does not), and
    why not."""
    if not exists:
        return False, (f'the run page {title} does not exist; create it with "true" '
                       '(-setup does)')
    content = text.strip()
    if content.lower() != 'true':
        return False, f'the run page {title} says {content[:40]!r}, not "true"'
    return True, ''


def run_page_allows(page: pywikibot.Page) -> tuple[bool, str]:
    """Whether the run page says ``true`` (a missing page does not)."""
    exists = page.exists()
    return allows(page.title(), exists=exists, text=page.text if exists else '')


@dataclass(frozen=True)
class Request:
    """One line of the request page."""

    line: str
    target: str
    user: str


def request_target(line: str) -> str:
    """The title a request line names ('' for lines that are not requests)."""
    stripped = line.strip()
    if not stripped.startswith('*') or ANSWERED in stripped:
        return ''
    target = stripped.lstrip('*').strip()
    if target.startswith('[[') and target.endswith(']]'):
        target = target[2:-2].split('|')[0]
    return target.strip().lstrip(':').strip()


def attribute_lines(revisions: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Who added each line of the latest text: *revisions* are (user, text), oldest first.

    A line counts as added by the first user whose revision made it appear, in a revision
    after which it stayed; a line that someone changed counts as theirs.
    """
    owners: dict[str, str] = {}
    previous: set[str] = set()
    for user, text in revisions:
        lines = set(text.splitlines())
        owners = {line: owners.get(line, user) if line in previous else user
                  for line in lines}
        previous = lines
    return owners


def pending_requests(page: pywikibot.Page, groups: set[str]) -> list[Request]:
    """The request page's unanswered lines that users in *groups* added. The history is
    read only when the page has unanswered lines at all."""
    if not page.exists() or not any(map(request_target, page.text.splitlines())):
        return []
    site = page.site
    # Oldest first, by id: Pywikibot's order depends on what it had cached.
    revisions = [(rev.user, rev.text or '') for rev in
                 sorted(page.revisions(content=True), key=lambda rev: rev.revid)]
    owners = attribute_lines(revisions)
    wanted = {line: owner for line, owner in owners.items() if request_target(line)}
    if not wanted:
        return []
    members = users_in_groups(site, set(wanted.values()), groups)
    latest = revisions[-1][1].splitlines()
    return [Request(line, request_target(line), wanted[line]) for line in latest
            if line in wanted and wanted[line] in members]


def users_in_groups(site: Site, users: set[str], groups: set[str]) -> set[str]:
    """Which of *users* belong to one of *groups* (``list=users``, 50 names a request)."""
    members = set()
    names = sorted(users)
    for start in range(0, len(names), 50):
        for user in list_query(site, list='users', ususers='|'.join(names[start:start + 50]),
                               usprop='groups'):
            if groups & set(user.get('groups', [])):
                members.add(user['name'])
    return members


def answer_requests(page: pywikibot.Page, answers: dict[str, str]) -> None:
    """Rewrite each answered line with its outcome, in one edit."""
    page = pywikibot.Page(page.site, page.title())  # afresh: admins may have added lines
    lines = page.text.splitlines()
    changed = [f'{line}{ANSWERED} {answers[line]}' if line in answers else line
               for line in lines]
    if changed != lines:
        page.text = '\n'.join(changed) + '\n'
        page.save(summary=msg(page.site, 'summary-requests', {'count': len(answers)}),
                  bot=True, quiet=True)


@dataclass
class ControlPages:
    """The pages on the shared repository that steer a run, read in one request at its start
    (:meth:`APISite.preloadpages`): the provenance template, the run page, the rule page,
    the request page and the review page. Titles left empty are not read.
    """

    template: pywikibot.Page
    run: pywikibot.Page | None
    rules: pywikibot.Page | None
    requests: pywikibot.Page | None
    review: pywikibot.Page | None

    @classmethod
    def read(cls, site: Site, *, template: str, run: str, rules: str, requests: str,
             review: str) -> ControlPages:
        def page(title: str, ns: int = 0) -> pywikibot.Page | None:
            return pywikibot.Page(site, title, ns=ns) if title else None
        control = cls(page(template, 10), page(run), page(rules), page(requests), page(review))
        pages = [p for p in (control.template, control.run, control.rules, control.requests,
                             control.review) if p is not None]
        for _ in site.preloadpages(pages, templates=False, langlinks=False,
                                   pageprops=False):
            pass
        return control
