"""When a purge is done: the table of plans, a pure function of the files' due times."""
from __future__ import annotations

import pytest

from commonscache.keeping import purges
from commonscache.keeping.purges import PurgePlan

NOW = 1_000_000.0


@pytest.mark.parametrize(('dues', 'expected'), [
    pytest.param({}, PurgePlan(), id='nothing-pending'),
    pytest.param({'File:A.jpg': 0.0}, PurgePlan(now=['File:A.jpg']),
                 id='kept-by-an-older-version-due-at-once'),
    pytest.param({'File:A.jpg': NOW - 30}, PurgePlan(now=['File:A.jpg']), id='overdue'),
    pytest.param({'File:A.jpg': NOW - 5, 'File:B.jpg': NOW + 1.5},
                 PurgePlan(wait=1.5, now=['File:A.jpg', 'File:B.jpg']),
                 id='waits-for-the-last-write'),
    pytest.param({'File:B.jpg': NOW + 60}, PurgePlan(wait=60, now=['File:B.jpg']),
                 id='a-minute-is-waited'),
    pytest.param({'File:A.jpg': NOW + 1, 'File:C.jpg': NOW + 14_401},
                 PurgePlan(wait=1, now=['File:A.jpg'], later={'File:C.jpg': NOW + 14_401}),
                 id='a-long-delay-is-left-to-a-later-run'),
    pytest.param({'File:C.jpg': NOW + 61}, PurgePlan(later={'File:C.jpg': NOW + 61}),
                 id='only-later'),
])
def test_the_plan(dues, expected):
    assert purges.plan(dues, NOW) == expected


def test_the_default_delay_puts_the_purge_in_a_later_second_than_the_write():
    """MediaWiki keeps a parse unless its second is before the purge's: a parse that began
    just before the write finished must be in an earlier second than the purge."""
    for written in (NOW, NOW + 0.001, NOW + 0.5, NOW + 0.999):
        due = written + purges.PURGE_DELAY
        assert int(due) > int(written)
