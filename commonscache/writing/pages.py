"""Saves that never overwrite what someone else wrote.

A description page is rewritten, detached or tagged on what a read of the batch found. By
the time of the save, someone may have edited it: a person's edit always wins, and the
file is left to the next run, which decides again on what stands then. MediaWiki's own
edit-conflict check does not do that: given a base revision, it merges the bot's text with
the other edit where it can. So before the save, every revision made since the one the
batch read is looked at: one by someone other than the bot, or a page gone, and the save
does not happen. Most often nobody edited, and the one read is the one Pywikibot makes
anyway for the save's base timestamp; after the bot's own upload of a new version (a
revision of its own), one more request reads who made the revisions in between.
"""
from __future__ import annotations

import pywikibot
from pywikibot.data import api

from commonscache.wikis.sites import Site

#: The most revisions read back to the one the batch read: more than that since, and the
#: page is not the bot's to save now.
SINCE_AT_MOST = 50


def save_unless_edited(site: Site, title: str, text: str, *, since: int, summary: str) -> bool:
    """Save *text* as *title* unless someone other than the bot edited the page after
    revision *since* (the revision the batch's decision read), or the page is gone since;
    False then, and nothing is saved.

    ``force``: the page is the bot's own copy; a ``{{bots}}`` or ``{{nobots}}`` carried
    over from the source is addressed to the source's bots, not to this one.
    """
    page = pywikibot.Page(site, title)
    try:
        latest = page.latest_revision  # Pywikibot keeps it: the save's base timestamp
    except pywikibot.exceptions.NoPageError:
        return False
    if latest.revid != since and not only_by(site, title, site.user(), after=since,
                                             upto=latest.revid):
        return False
    page.text = text
    try:
        page.save(summary=summary, bot=True, minor=False, quiet=True, force=True,
                  nocreate=True)
    except pywikibot.exceptions.EditConflictError:
        return False
    return True


def only_by(site: Site, title: str, user: str, *, after: int, upto: int) -> bool:
    """Whether every revision of *title* after *after*, up to *upto*, was made by *user*
    (one request; False when *after* is not among them, or there are more than
    :data:`SINCE_AT_MOST`)."""
    data = api.Request(site=site, parameters={
        'action': 'query', 'prop': 'revisions', 'titles': title, 'formatversion': 2,
        'rvprop': 'ids|user', 'rvstartid': upto, 'rvendid': after,
        'rvlimit': SINCE_AT_MOST + 1}).submit()
    pages = data.get('query', {}).get('pages') or [{}]
    revisions = pages[0].get('revisions', [])
    newer = [revision for revision in revisions if revision['revid'] > after]
    return (any(revision['revid'] == after for revision in revisions)
            and len(newer) <= SINCE_AT_MOST
            and all(revision.get('user') == user for revision in newer))
