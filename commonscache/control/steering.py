"""Control pages obey the people allowed to steer the bot.

A page on the shared repository whose content changes what the bot writes (the rule page)
is used as of its latest revision by a member of ``-groups`` (default ``sysop``); newer
revisions by anyone else are ignored, said in one warning line, and shown on the review page
until a member saves the page. The request page follows the same rule line by line
(:func:`commonscache.control.operations.pending_requests`). The run page is steered halfway:
anyone may stop the bot, only a member may let it run again
(:class:`commonscache.control.operations.RunPage`). When none of the latest revisions is a
member's, the revision an earlier run accepted stands, never no rules at all. Only the
revisions made at the page's title count: a page moved onto it brings its history along,
and the revisions from before the move are not taken as a member's word for this page
(:func:`~commonscache.control.operations.made_here`).

The revision a run used is kept in the state file with its text, so a run that finds the
page unchanged asks nothing more than the page's preloaded latest revision, and the rules
stand even when every revision of the page is gone from the wiki.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pywikibot
from pywikibot import config

from commonscache.control.operations import (
    Revision,
    made_here,
    moved_here,
    revisions_of,
    users_in_groups,
)
from commonscache.errors import UsageError
from commonscache.keeping.state import State, keep_word, kept_word
from commonscache.markup.rules import Rules, RulesError, parse_rules
from commonscache.messages import msg
from commonscache.wikis.query import query_titles

#: Revisions of a control page's history looked at for one by a member.
HISTORY = 50


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


def read_steered(page: pywikibot.Page, *, groups: set[str], kept: Steered | None) -> Steered:
    """*page* (preloaded) as of its latest revision by a member of *groups*.

    :param kept: the page as an earlier run found a member left it (the state keeps it):
        when that is still the latest revision, nothing more is read (else two requests: the
        history and its users' groups; three when an older revision's text is needed); when
        no revision read is a member's, it stands, text and all
    """
    latest = page.latest_revision
    title = page.title()
    if kept and latest.revid == kept.revid:
        return Steered(title, page.text, latest.revid, latest.user)
    history = sorted(revisions_of(page, content=False, total=HISTORY),
                     key=lambda rev: -rev.revid)  # newest first, whatever Pywikibot cached
    history = list(made_here(history, moved_here(page)))
    members = users_in_groups(page.site, {rev.user for rev in history}, groups)
    chosen, ignored = choose(history, members)
    if chosen is None and kept:
        # No member's revision among the latest: the page as an earlier run found a member
        # left it stands (never no rules at all, which a run of edits by others, a
        # deletion or a page moved onto the title would bring).
        return Steered(title, kept.text, kept.revid, kept.user, ignored)
    if chosen is None:
        return Steered(title, '', 0, ignored=ignored)
    text = page.text if chosen.revid == latest.revid else \
        page.get_revision(chosen.revid, content=True).text
    return Steered(title, text or '', chosen.revid, chosen.user, ignored)


#: The protection that keeps a control page in the hands of admins: edit and move for a page
#: that exists, create for one that does not yet.
PROTECTION = {'edit': 'sysop', 'move': 'sysop'}
CREATE_PROTECTION = {'create': 'sysop'}


@dataclass(frozen=True)
class Protection:
    """A control page's protection as the wiki reports it (``inprop=protection``)."""

    title: str
    exists: bool
    levels: dict[str, str]

    @property
    def enough(self) -> bool:
        wanted = PROTECTION if self.exists else CREATE_PROTECTION
        return all(self.levels.get(kind) == level for kind, level in wanted.items())

    def describe(self) -> str:
        wanted = PROTECTION if self.exists else CREATE_PROTECTION
        return ' and '.join(wanted) + ': sysop'


def protections(site: pywikibot.site.APISite, titles: list[str]) -> list[Protection]:
    """The protection of each of *titles* (one request)."""
    result = query_titles(site, titles, prop='info', inprop='protection')
    found = []
    for title in titles:
        page = result.page(title) or {}
        levels = {entry['type']: entry['level'] for entry in page.get('protection', [])
                  if entry.get('expiry', 'infinity') in ('infinity', 'infinite')}
        found.append(Protection(page.get('title', title), not page.get('missing', False),
                                levels))
    return found


def protect_control_pages(site: pywikibot.site.APISite,
                          pages: dict[str, bool]) -> list[str]:
    """-setup: protect the control pages that are not yet, where the bot may; what it did
    or why not, one line each.

    :param pages: title → whether the bot itself writes the page (the review page): such a
        page is protected only when the bot may still edit it afterwards (``editprotected``)
    """
    lines = []
    for found, bot_writes in zip(protections(site, list(pages)), pages.values(), strict=True):
        if found.enough:
            continue
        wanted = PROTECTION if found.exists else CREATE_PROTECTION
        if not site.has_right('protect') or (bot_writes
                                             and not site.has_right('editprotected')):
            lines.append(f'{found.title} is not protected ({found.describe()}); the bot may '
                         'not protect it: an admin does, with Special:Protect')
            continue
        site.protect(pywikibot.Page(site, found.title), protections=wanted,
                     reason=msg(site, 'summary-protect'))
        lines.append(f'protected {found.title} ({found.describe()})')
    return lines


def control_titles(opt: object, review_page: str) -> dict[str, bool]:
    """The provenance template, the rule page, the request page and the review page (those
    named), each with whether the bot writes it itself (it answers request lines)."""
    titles = {f'Template:{opt.template}': False}
    if opt.rules and not opt.rulesfile:
        titles[opt.rules] = False
    if opt.requests:
        titles[opt.requests] = True
    if review_page:
        titles[review_page] = True
    return titles


def load_rules(*, rules_file: str, page: pywikibot.Page | None, state: State,
               groups: frozenset[str], groups_option: str) -> tuple[Rules, list[str]]:
    """The transfer rules: a local file (-rulesfile), else the rule page as of its latest
    revision by a member of *groups* (:func:`read_steered`), else none (which changes
    nothing); with what the review page says of revisions left aside. Each rule skipped is
    said in a warning."""
    notices: list[str] = []
    try:
        if rules_file:
            path = Path(rules_file)
            try:
                rules = parse_rules(path.read_text(encoding='utf-8'), str(path))
            except OSError as error:
                raise UsageError(f'cannot read the rules file {path}: {error}') from None
        elif page is not None and page.exists():
            key = f'{page.site} {page.title()}'
            found = kept_word(state, key)
            kept = Steered(page.title(), found[2], found[0], found[1]) if found else None
            steered = read_steered(page, groups=set(groups), kept=kept)
            notice = steered.notice(groups_option)
            if notice:
                pywikibot.warning(notice)
                notices.append(notice)
            elif steered.revid and steered != kept and not config.simulate:
                keep_word(state, key, steered.revid, steered.user, steered.text)
            rules = parse_rules(steered.text, page.title()) if steered.revid else Rules()
        else:
            rules = Rules()
    except RulesError as error:
        raise UsageError(f'cannot use the transfer rules: {error}') from None
    for warning in rules.warnings:
        pywikibot.warning(f'transfer rules: {warning}')
    return rules, notices
