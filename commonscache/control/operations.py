"""Running unattended: the emergency-stop page, and sweeps that admins request
on the wiki.

The request page lists what to sweep, one line each (``* Category:Places`` or ``* Page
title``). Only lines added by users in the configured groups count: who added a line is read
from the page history at the time of the run (:func:`attribute_lines`, pure), and whether
they are in a group from the user list, both in batches. The bot answers each honoured line
by rewriting it with the outcome, so that it is not swept again.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pywikibot

from commonscache.messages import msg
from commonscache.wikis.query import list_query, query_titles
from commonscache.wikis.sites import Site, save_own_page

#: What an answered request line carries, so that later runs leave it alone.
ANSWERED = ' — commonscache:'


class EmergencyStop(Exception):
    """The run page does not say ``true``: stop before the next write."""


@dataclass
class Signals:
    """The run's stop signals, set by the handlers the run installs for itself
    (:func:`commonscache.running.watch.stop_on_sigterm`,
    :func:`commonscache.running.sweep.note_interrupts`) and read by whatever must stop.

    :ivar terminate: SIGTERM: the run stops before its next write, as for the run page, and
        a watch's wait between polls ends at once
    :ivar interrupted: the first Ctrl-C: from then on no batch starts, wherever the
        KeyboardInterrupt it raised went (Pywikibot ends a run it interrupts quietly, and its
        own teardown then follows)
    """

    terminate: threading.Event = field(default_factory=threading.Event)
    interrupted: threading.Event = field(default_factory=threading.Event)

    def stop_if_interrupted(self) -> None:
        if self.interrupted.is_set():
            raise KeyboardInterrupt


@dataclass(frozen=True)
class Revision:
    """A revision of a control page, as far as trust goes (*text* when it was read)."""

    revid: int
    user: str
    sha1: str = ''
    timestamp: str = ''
    text: str = ''


def revisions_of(page: pywikibot.Page, *, content: bool, total: int) -> Iterator[Revision]:
    """*page*'s revisions as Pywikibot lists them (newest first), read lazily."""
    for rev in page.revisions(content=content, total=total):
        yield Revision(rev.revid, rev.user, rev.get('sha1') or '',
                       rev.timestamp.isoformat() if rev.timestamp else '',
                       (rev.text or '') if content else '')


def made_here(history: Iterable[Revision], moved_here: Callable[[Revision], bool]
              ) -> Iterator[Revision]:
    """The revisions of *history* (newest first) made at this title: those down to the
    newest revision that moved the page here, which is included (a move adds a revision
    with its parent's content, and *moved_here* asks the move log whether one of those is a
    move to this title); what came before it was written for the page's old title, whoever
    wrote it. Lazy: one revision read ahead."""
    newer = None
    for older in history:
        if newer is not None:
            yield newer
            if newer.sha1 and newer.sha1 == older.sha1 and moved_here(newer):
                return
        newer = older
    if newer is not None:
        yield newer


def moved_here(page: pywikibot.Page) -> Callable[[Revision], bool]:
    """Whether a revision of *page* is the one a move to its title made: the move log has,
    within a moment of it, a move of this very page (its id) to this title (one request a
    revision asked)."""
    title, pageid = page.title(), page.pageid

    def made_by_a_move(revision: Revision) -> bool:
        at = datetime.fromisoformat(revision.timestamp.replace('Z', '+00:00'))
        return any(entry.get('logpage') == pageid
                   and entry.get('params', {}).get('target_title') == title
                   for entry in list_query(page.site, list='logevents', letype='move',
                                           lestart=_api_time(at + MOVE_MOMENT),
                                           leend=_api_time(at - MOVE_MOMENT),
                                           leprop='ids|details', lelimit='max'))
    return made_by_a_move


#: How far apart a move's log entry and the revision it adds may be stamped.
MOVE_MOMENT = timedelta(seconds=2)


def _api_time(when: datetime) -> str:
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


@dataclass
class Trust:
    """Who may let the bot run again: the bot itself and the members of *groups* (-groups),
    each user asked about once a run (``list=users``).

    :ivar known: user → whether they are trusted, as asked
    """

    site: Site
    bot: str
    groups: frozenset[str]
    known: dict[str, bool] = field(default_factory=dict)

    def trusts(self, user: str) -> bool:
        if not user:
            return False
        if user == self.bot:
            return True
        if user not in self.known:
            self.known[user] = bool(users_in_groups(self.site, {user}, set(self.groups)))
        return self.known[user]


#: The most revisions of the run page read back for a trusted user's last word.
RUN_PAGE_HISTORY = 50


class RunPage:
    """The emergency stop: a page whose content must be ``true`` for the bot to write (a
    page that goes missing during the run stops it too; see :func:`first_run_page` for a
    run page that does not exist yet). Anyone may stop the bot; only a trusted user
    (:class:`Trust`) may let it run again: a ``true`` saved by anyone else is ignored, with
    a warning naming them, and the last word of a trusted user stands.

    The page rides along in the batch's reads of the shared repository (no request of its
    own, :meth:`observe`), so a stop takes effect before the next batch's writes. A write
    reads it itself only when no read of this batch carried it (:meth:`new_batch`), or the
    last reading is a minute old (a long batch).
    """

    INTERVAL = 60.0

    def __init__(self, page: pywikibot.Page | None = None, *,
                 known: tuple[bool, str, str, int] | None = None,
                 trust: Trust | None = None, signals: Signals | None = None) -> None:
        """:param page: the run page, preloaded (reading it then costs no request)
        :param known: whether it exists, its text, who saved it and the revision, when
            known without reading it
        :param trust: who may let the bot run (None: anyone)
        :param signals: the run's stop signals (SIGTERM stops it as the page does)"""
        self.page = page
        self.trust = trust
        self.signals = signals or Signals()
        #: (exists, text, user, revision) as last read, and when (monotonic seconds)
        self.seen: tuple[bool, str, str, int] | None = known
        self.seen_at = time.monotonic() if known else -self.INTERVAL
        #: a reading older than this is not this batch's
        self.batch_began = -self.INTERVAL
        #: revision → what the last trusted revision before it says (exists, text), for a
        #: "true" saved by someone not trusted
        self.trusted_word: dict[int, tuple[bool, str]] = {}

    @property
    def title(self) -> str:
        return self.page.title() if self.page else ''

    def new_batch(self) -> None:
        """A batch begins: its first write wants a reading made from now on."""
        self.batch_began = time.monotonic()

    def observe(self, *, exists: bool, text: str, user: str = '', revision: int = 0) -> None:
        """A reading of the page made by a read the bot made anyway."""
        self.seen = (exists, text, user, revision)
        self.seen_at = time.monotonic()

    def check(self, *, force: bool = False) -> None:
        """:raises EmergencyStop: when the page does not allow running, or SIGTERM came"""
        if self.signals.terminate.is_set():
            raise EmergencyStop('stopped: SIGTERM')
        if not self.page:
            return
        now = time.monotonic()
        if force or self.seen is None or self.seen_at < self.batch_began or \
                now - self.seen_at >= self.INTERVAL:
            self._read()
        exists, text, user, revision = self.seen
        allowed, why = allows(self.title, exists=exists, text=text)
        if allowed and self.trust and not self.trust.trusts(user):
            exists, text = self._trusted_word(user, revision)
            allowed, why = allows(self.title, exists=exists, text=text)
        if not allowed:
            raise EmergencyStop(f'stopped: {why}')

    def _read(self) -> None:
        """One request: the page's existence, text, latest revision and its user."""
        page = query_titles(self.page.site, [self.title], prop='revisions',
                            rvprop='ids|user|content', rvslots='main').page(self.title) or {}
        revision = (page.get('revisions') or [{}])[-1]
        self.observe(exists=bool(page) and not page.get('missing'),
                     text=revision.get('slots', {}).get('main', {}).get('content', ''),
                     user=revision.get('user', ''), revision=revision.get('revid', 0))

    def _trusted_word(self, user: str, revision: int) -> tuple[bool, str]:
        """What the run page said as a trusted user last left it, before *revision* (whose
        "true" by *user* does not count): read once per such revision, at most
        :data:`RUN_PAGE_HISTORY` revisions back (none found: it does not say "true")."""
        if revision not in self.trusted_word:
            word = (True, '')
            for rev in self.page.revisions(content=True, total=RUN_PAGE_HISTORY):
                if self.trust.trusts(rev.user):
                    word = (True, rev.text or '')
                    break
            self.trusted_word[revision] = word
            groups = ', '.join(sorted(self.trust.groups))
            pywikibot.warning(
                f'the run page {self.title} says "true", saved by {user}, who is not in '
                f'-groups ({groups}) nor the bot: ignored; it stands as a trusted user left it'
                + (f' ({word[1].strip()[:40]!r})' if word[1] else ' (no revision of theirs in '
                   f'the last {RUN_PAGE_HISTORY})') + '; a member lets the bot run by saving '
                '"true" themselves (as "True" while it says "true", or after undoing the edit)')
        return self.trusted_word[revision]


def was_deleted(page: pywikibot.Page) -> bool:
    """Whether the deletion log has an entry for *page* (one request)."""
    return any(True for _ in page.site.logevents(logtype='delete', page=page, total=1))


def first_run_page(page: pywikibot.Page | None, *, create: bool,
                   trust: Trust | None = None, signals: Signals | None = None) -> RunPage:
    """The run page of this run. One that nobody has created yet does not block a first
    run: a run that may write (*create*, i.e. not -simulate) creates it with ``true``, says
    so in one line and goes on; -simulate goes on without it. One that was deleted stops
    the bot, as one that does not say ``true`` does: deleting it is a way to stop the bot.

    :raises EmergencyStop: the run page was deleted
    """
    if page is None:
        return RunPage(None, signals=signals)
    if page.exists():  # preloaded with the other control pages: no request
        latest = page.latest_revision
        return RunPage(page, known=(True, page.text, latest.user, latest.revid), trust=trust,
                       signals=signals)
    if was_deleted(page):
        raise EmergencyStop(f'stopped: the run page {page.title()} was deleted; create it '
                            'again with "true" to let the bot run')
    if not create:
        pywikibot.info(f'the run page {page.title()} does not exist yet; a run without '
                       '-simulate creates it with "true"')
        return RunPage(None, signals=signals)
    save_own_page(page, 'true', msg(page.site, 'summary-runpage'))
    pywikibot.info(f'created the run page {page.title()} with "true" (the first run on this '
                   'wiki); change it to anything else to stop the bot')
    return RunPage(pywikibot.Page(page.site, page.title()), trust=trust,
                   known=(True, 'true', page.site.user() or '', 0), signals=signals)


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
    #: added by a member of the trusted groups (a line of anyone else's counts for nothing)
    trusted: bool = True


#: The most revisions of the request page read to tell who added its open lines: a line
#: older than that is ignored (a trusted user may add it again).
HISTORY_CAP = 200


def request_target(line: str) -> str:
    """The title a request line names ('' for lines that are not requests): the line's text
    after ``*``, or the first link at its start (``* [[Harbour]] - for the exhibition``)."""
    stripped = line.strip()
    if not stripped.startswith('*') or ANSWERED in stripped:
        return ''
    target = stripped.lstrip('*').strip()
    if target.startswith('[[') and ']]' in target:
        target = target[2:target.index(']]')].split('|')[0]
    return target.strip().lstrip(':').strip()


def owners_of(revisions: Iterable[tuple[str, str]], lines: set[str]
              ) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    """Who added each of *lines* (lines of the latest text), walking back through
    *revisions* (user, text), newest first, only as far as needed. Each occurrence of a
    line counts (two people may add the same line): an occurrence belongs to the user of
    the oldest revision of the run of revisions, back from the latest, that hold it (so a
    line someone changed is theirs, and the bot's answering edits, which leave open lines
    as they are, count for nothing). Occurrences still held by the oldest revision read are
    its user's only when that revision is the page's first; the second result holds the
    lines none of whose occurrences could be told (the history ran past what was read).

    :param revisions: the history, newest first; read lazily, and no further than needed
    :returns: line → the users who added its occurrences, the latest adder first
    """
    owners: dict[str, list[str]] = {}
    #: line → its occurrences not told yet, as the newer revision held them
    untold: dict[str, int] = {}
    newer_user = ''
    read = 0
    for user, text in revisions:
        held = Counter(text.splitlines())
        if read == 0:
            untold = {line: held[line] for line in lines if held[line]}
        else:
            for line, count in list(untold.items()):
                if held[line] < count:  # the newer revision added the difference
                    owners.setdefault(line, []).extend([newer_user] * (count - held[line]))
                    untold[line] = held[line]
                if not untold[line]:
                    del untold[line]
        read += 1
        newer_user = user
        if not untold:
            break
    else:
        if 0 < read < HISTORY_CAP:  # the page's first revision was read: it added the rest
            for line, count in untold.items():
                owners.setdefault(line, []).extend([newer_user] * count)
            untold = {}
    unknown = {line for line in untold if line not in owners}
    return {line: tuple(users) for line, users in owners.items()}, unknown


def pending_requests(page: pywikibot.Page, groups: set[str]) -> list[Request]:
    """The request page's unanswered lines whose author is known, each marked whether a
    user in *groups* added it (only those count; the others are named in warnings by
    whoever reads them). The history is
    read only when the page has unanswered lines at all, newest first and no further back
    than the oldest open line (:func:`owners_of`), at most :data:`HISTORY_CAP` revisions."""
    if not page.exists():
        return []
    latest = page.text.splitlines()
    open_lines = {line for line in latest if request_target(line)}
    if not open_lines:
        return []
    # Only what was written at this title: a page moved onto it brings its history along.
    history = ((rev.user, rev.text) for rev in made_here(
        revisions_of(page, content=True, total=HISTORY_CAP), moved_here(page)))
    owners, unknown = owners_of(history, open_lines)
    for line in sorted(unknown):
        pywikibot.warning(f'{page.title()}: {line!r} was added more than {HISTORY_CAP} '
                          'revisions ago; ignored (a trusted user may add it again)')
    members = users_in_groups(page.site, {user for users in owners.values() for user in users},
                              groups)
    # A line added by several people is a member's when one of them is.
    owner = {line: next((user for user in users if user in members), users[0])
             for line, users in owners.items()}
    return [Request(line, request_target(line), owner[line], owner[line] in members)
            for line in latest if line in owner]


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
