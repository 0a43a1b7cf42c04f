"""Saves that never overwrite what someone else wrote.

A description page is rewritten, detached or tagged on what a read of the batch found. By
the time of the save, someone may have edited it: a person's edit always wins, and the
file is left to the next run, which decides again on what stands then. MediaWiki's own
edit-conflict check does not do that: given a base revision, it merges the bot's text with
the other edit where it can. So before the save, one request reads who made each revision
since the one the batch read: one by someone other than the bot (the bot's own upload of a
new version a moment before makes one of its own), or a page gone, and the save does not
happen. The save then goes over the newest of those revisions (``baserevid``), so an edit
in the moment between the two requests is the wiki's conflict, not overwritten.
"""
from __future__ import annotations

from pywikibot.exceptions import APIError

from commonscache.wikis.sites import Site, submit_edit

#: The most revisions read back to the one the batch read: more than that since, and the
#: page is not the bot's to save now.
SINCE_AT_MOST = 50
#: The wiki's answers to an edit that mean: someone else was first (edited, or deleted).
NOT_FIRST = frozenset({'editconflict', 'missingtitle', 'pagedeleted'})


def save_unless_edited(site: Site, title: str, text: str, *, since: int, summary: str) -> bool:
    """Save *text* as *title* unless someone other than the bot edited the page after
    revision *since* (the revision the batch's decision read), or the page is gone since;
    False then, and nothing is saved. Two requests: the revisions since, and the edit.

    A ``{{bots}}`` or ``{{nobots}}`` on the page is not asked: the page is the bot's own
    copy, and such a template carried over from the source is addressed to the source's
    bots, not to this one.
    """
    latest = newest_if_only_by(site, title, site.user(), after=since)
    if not latest:
        return False
    try:
        submit_edit(site, title=title, text=text, summary=summary, baserevid=latest,
                    nocreate=True, notminor=True)
    except APIError as error:
        if error.code in NOT_FIRST:
            return False
        raise
    return True


def create_unless_taken(site: Site, title: str, text: str, *, summary: str) -> bool:
    """Create *title* with *text*, unless someone made a page under the name since the
    batch found none (False then: theirs stands). One request."""
    try:
        submit_edit(site, title=title, text=text, summary=summary, createonly=True,
                    notminor=True)
    except APIError as error:
        if error.code == 'articleexists':
            return False
        raise
    return True


def newest_if_only_by(site: Site, title: str, user: str, *, after: int) -> int:
    """The id of *title*'s newest revision, when every revision after *after* was made by
    *user* (*after* itself when there is none); 0 when another user made one, when *after*
    is not among them (a page deleted or made again), or when there are more than
    :data:`SINCE_AT_MOST`. One request."""
    data = site.simple_request(
        action='query', prop='revisions', titles=title, formatversion=2,
        rvprop='ids|user', rvendid=after, rvlimit=SINCE_AT_MOST + 1).submit()
    pages = data.get('query', {}).get('pages') or [{}]
    revisions = pages[0].get('revisions', [])
    newer = [revision for revision in revisions if revision['revid'] > after]
    if (not any(revision['revid'] == after for revision in revisions)
            or len(newer) > SINCE_AT_MOST
            or any(revision.get('user') != user for revision in newer)):
        return 0
    return max(revision['revid'] for revision in revisions)
