"""``-watch``: the pieces of a long-running run that follows the consumers' recent changes
(a Toolforge continuous job, a systemd service): one recent-changes request per consumer and
poll, the wait after an outage, and SIGTERM.

A poll asks each consumer for the changes since its watermark (``rcstart``, inclusive),
with their ids, and remembers the ids of the changes at the newest timestamp, so that the
next poll, which lists them again, does not examine those pages twice. The watermark is the
newest change's timestamp: no clock of the bot's and no second request is involved.
See https://www.mediawiki.org/wiki/API:RecentChanges
"""
from __future__ import annotations

import signal
from dataclasses import dataclass, field
from types import FrameType

import pywikibot
import requests

from commonscache.detect import RC_TYPES, changed_title
from commonscache.operations import TERMINATE
from commonscache.query import list_query
from commonscache.sites import Site

#: Seconds between polls when -watch is given without a value.
DEFAULT_POLL = 30.0
#: The longest wait after outages in a row.
MAX_WAIT = 600.0
#: The review and status pages are rewritten at most this often (seconds).
PAGES_EVERY = 300.0
#: With -refresh, every cached copy is re-checked this often (seconds).
REFRESH_EVERY = 86400.0
#: What a wiki that went away raises; the poll is tried again after a wait.
OUTAGES = (pywikibot.exceptions.Error, requests.exceptions.RequestException, OSError)
#: Failures that come from a wiki not answering: the file is tried again later (see
#: :class:`Retries`).
RETRYABLE = frozenset({'source-unreachable', 'upload-failed'})
#: The longest wait before a file that keeps failing is tried again (seconds).
MAX_RETRY_WAIT = 3600.0

def stop_on_sigterm() -> None:
    """Let SIGTERM (Toolforge stopping a job, systemd stopping a service) end the run
    cleanly instead of killing it."""
    def handler(signum: int, frame: FrameType | None) -> None:
        pywikibot.info('SIGTERM: stopping after the files in flight')
        TERMINATE.set()
    signal.signal(signal.SIGTERM, handler)


@dataclass
class Changes:
    """A consumer's changes since a watermark.

    :ivar titles: the pages created or edited, each once, oldest change first
    :ivar mark: the new watermark: the newest change's timestamp (the old one if none)
    :ivar at_mark: the ids of the changes at that timestamp, to leave out next time
    """

    titles: list[str]
    mark: str
    at_mark: frozenset[int] = field(default_factory=frozenset)


def recent_changes(consumer: Site, since: str, *, seen: frozenset[int] = frozenset()
                   ) -> Changes:
    """The pages changed on *consumer* since *since* (ISO 8601), without the changes whose
    ids are in *seen* (those at *since* that an earlier poll examined)."""
    titles: dict[str, None] = {}
    mark, at_mark = since, set(seen)
    for change in list_query(consumer, list='recentchanges', rcstart=since, rcdir='newer',
                             rctype=RC_TYPES, rcprop='title|timestamp|ids|loginfo',
                             rclimit='max'):
        rcid, stamp = change.get('rcid', 0), change.get('timestamp', since)
        if rcid in seen:
            continue
        if changed_title(change):
            titles[changed_title(change)] = None
        if stamp > mark:
            mark, at_mark = stamp, set()
        if stamp == mark:
            at_mark.add(rcid)
    return Changes(list(titles), mark, frozenset(at_mark))


class Backoff:
    """The wait before the next poll: the poll interval while all is well; after outages in
    a row, twice as long each time, up to :data:`MAX_WAIT`."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.failures = 0

    def ok(self) -> float:
        self.failures = 0
        return self.interval

    def failed(self) -> float:
        self.failures += 1
        return min(MAX_WAIT, max(self.interval, 5.0) * 2 ** (self.failures - 1))


@dataclass
class Retries:
    """The files of one consumer whose copy failed because a wiki did not answer
    (:data:`RETRYABLE`). Each is tried again in a later poll, after a wait that doubles with
    each failure in a row (the poll interval, at least 5 s, then twice that, and so on, at
    most :data:`MAX_RETRY_WAIT`). So one file that keeps failing neither holds back the
    consumer's other changes nor slows the polls, and it costs one attempt an hour at most.

    :ivar waiting: title: (failures in a row, when it is due, in time.monotonic seconds)
    """

    interval: float
    waiting: dict[str, tuple[int, float]] = field(default_factory=dict)

    def failed(self, title: str, now: float) -> float:
        """One more failure of *title*: the seconds until it is due again."""
        count = self.waiting.get(title, (0, 0.0))[0] + 1
        wait = min(MAX_RETRY_WAIT, max(self.interval, 5.0) * 2 ** (count - 1))
        self.waiting[title] = (count, now + wait)
        return wait

    def done(self, title: str) -> None:
        self.waiting.pop(title, None)

    def due(self, now: float) -> list[str]:
        return sorted(title for title, (_, at) in self.waiting.items() if at <= now)
