"""When the consumer pages that use a new copy are purged.

MediaWiki keeps a page's parse unless the parse began before the page was last touched
(``CacheTime::expired``), and it compares the two in whole seconds. A view whose parse began
before the copy was visible, in the same second as the bot's purge, therefore keeps showing
Commons' file until the page is next edited or purged. So each purge is due some time after
the last write of a file the page uses: at least one second, plus however long the
consumers may still answer from before the write (a database replica's lag, or a
ForeignAPIRepo's ``apiMetadataExpiry``, which caches the lookup that found nothing).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Seconds from a copy's last write to the purge of the pages using it: MediaWiki's one
#: second, and one more for a replica's lag or a foreign repository's short cache.
PURGE_DELAY = 2.0
#: A run waits at most this long for purges that are not due yet; it leaves later ones
#: (a long -purgedelay) in the state file for the run or poll after they are due.
MAX_WAIT = 60.0


@dataclass(frozen=True)
class PurgePlan:
    """What a purge does now.

    :ivar wait: seconds to wait first, until the last of *now* is due
    :ivar now: the files whose pages are purged after the wait
    :ivar later: file → when it is due (Unix time), for a later run or poll
    """

    wait: float = 0.0
    now: list[str] = field(default_factory=list)
    later: dict[str, float] = field(default_factory=dict)


def plan(dues: Mapping[str, float], now: float, max_wait: float = MAX_WAIT) -> PurgePlan:
    """The purge of files due at *dues* (file → Unix time), at *now*: those due within
    *max_wait* wait for the last of them; the others are left for later."""
    soon = sorted(title for title, due in dues.items() if due - now <= max_wait)
    wait = max((dues[title] - now for title in soon), default=0.0)
    return PurgePlan(wait=max(0.0, wait), now=soon,
                     later={title: due for title, due in dues.items() if due - now > max_wait})


def at(unix: float) -> str:
    """*unix* as the state file writes times."""
    return datetime.fromtimestamp(unix, UTC).strftime('%Y-%m-%dT%H:%M:%SZ')
