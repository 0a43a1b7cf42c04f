"""Control pages obey the people allowed to steer the bot.

A page on the shared repository whose content changes what the bot writes (the rule page)
is used as of its latest revision by a member of ``-groups`` (default ``sysop``); newer
revisions by anyone else are ignored, said in one warning line, and shown on the review page
until a member saves the page. The request page follows the same rule line by line
(:func:`commonscache.operations.pending_requests`). The run page is not steered this way:
anyone may stop the bot.

The revision a run used is kept in the state file, so a run that finds the page unchanged
asks nothing more than the page's preloaded latest revision.
"""
from __future__ import annotations

from dataclasses import dataclass

import pywikibot

from commonscache.operations import users_in_groups

#: Revisions of a control page's history looked at for one by a member.
HISTORY = 50


@dataclass(frozen=True)
class Revision:
    revid: int
    user: str


@dataclass(frozen=True)
class Steered:
    """A control page as the bot uses it.

    :ivar revid: the revision used (0: none, the page is taken as empty)
    :ivar ignored: newer revisions by users outside the groups, newest first
    """

    title: str
    text: str
    revid: int
    user: str = ''
    ignored: tuple[Revision, ...] = ()

    def notice(self, groups: str) -> str:
        """One line on the ignored revisions ('' when none)."""
        if not self.ignored:
            return ''
        by = ', '.join(f'revision {rev.revid} by {rev.user}' for rev in self.ignored)
        used = (f'revision {self.revid} by {self.user} is used' if self.revid else
                'the page is not used at all')
        return (f'{self.title}: {by} ignored (not in {groups}); {used} until a member of '
                f'{groups} saves the page')


def choose(history: list[Revision], members: set[str]) -> tuple[Revision | None,
                                                                 tuple[Revision, ...]]:
    """The newest revision of *history* (newest first) by one of *members*, and the newer
    ones by others, which are ignored. None when no revision is by a member."""
    ignored = []
    for revision in history:
        if revision.user in members:
            return revision, tuple(ignored)
        ignored.append(revision)
    return None, tuple(ignored)


def read_steered(page: pywikibot.Page, *, groups: set[str], accepted: int) -> Steered:
    """*page* (preloaded) as of its latest revision by a member of *groups*.

    :param accepted: the revision an earlier run found to be the latest and a member's:
        when it still is, nothing more is read (else two requests: the history and its
        users' groups; three when an older revision's text is needed)
    """
    latest = page.latest_revision
    title = page.title()
    if latest.revid == accepted:
        return Steered(title, page.text, latest.revid, latest.user)
    history = [Revision(rev.revid, rev.user)
               for rev in page.revisions(total=HISTORY, content=False)]
    history.sort(key=lambda rev: -rev.revid)  # newest first, whatever Pywikibot cached
    members = users_in_groups(page.site, {rev.user for rev in history}, groups)
    chosen, ignored = choose(history, members)
    if chosen is None:
        return Steered(title, '', 0, ignored=ignored)
    text = page.text if chosen.revid == latest.revid else \
        page.get_revision(chosen.revid, content=True).text
    return Steered(title, text or '', chosen.revid, chosen.user, ignored)
