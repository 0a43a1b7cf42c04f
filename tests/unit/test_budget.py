"""The daily budget per consumer: which new copies fit (a pure table), and what the state
keeps of the day's bytes and of the files that wait."""
from __future__ import annotations

import pytest

from commonscache.datatypes import Verdict
from commonscache.keeping import budget

CREATE = Verdict('create')
MB = 1024 * 1024


def over(size: int, limit: int) -> Verdict:
    return Verdict('skip', budget.OVER_BUDGET, (
        f'{size:,} bytes would pass the daily budget of {limit:,} bytes for files embedded '
        'on w:c (-budget); copied on a later day, or by a sweep'))


@pytest.mark.parametrize(('verdicts', 'sizes', 'left', 'expected'), [
    pytest.param({'A': CREATE, 'B': CREATE}, {'A': MB, 'B': MB}, 2 * MB,
                 {'A': CREATE, 'B': CREATE}, id='both-fit'),
    pytest.param({'A': CREATE, 'B': CREATE}, {'A': MB, 'B': MB}, MB + 1,
                 {'A': CREATE, 'B': over(MB, 10 * MB)}, id='the-second-waits'),
    pytest.param({'A': CREATE, 'B': CREATE}, {'A': 5 * MB, 'B': MB}, 2 * MB,
                 {'A': over(5 * MB, 10 * MB), 'B': CREATE}, id='a-big-one-waits-a-small-one-fits'),
    pytest.param({'A': CREATE}, {'A': MB}, 0, {'A': over(MB, 10 * MB)}, id='spent'),
    pytest.param({'A': Verdict('update-file'), 'B': Verdict('nothing', 'up-to-date'),
                  'C': Verdict('flag', 'name-taken')}, {'A': 9 * MB, 'B': 9 * MB}, 0,
                 {'A': Verdict('update-file'), 'B': Verdict('nothing', 'up-to-date'),
                  'C': Verdict('flag', 'name-taken')}, id='only-new-copies-count'),
])
def test_what_fits_in_the_days_budget(verdicts, sizes, left, expected):
    assert budget.within(verdicts, sizes, left=left, limit=10 * MB, consumer='w:c') == expected


def test_the_state_keeps_the_days_bytes_and_the_files_that_wait(make_state):
    state = make_state()
    state.spend('w:c', '2026-12-03', 5)
    state.spend('w:c', '2026-12-03', 7)
    assert (state.spent('w:c', '2026-12-03'), state.spent('w:c', '2026-12-04')) == (12, 0)
    state.defer(shared='w:s', consumer='w:c', title='File:A.jpg', size=9, day='2026-12-03')
    state.defer(shared='w:s', consumer='w:c', title='File:B.jpg', size=4, day='2026-12-04')
    assert state.waiting(shared='w:s') == {'w:c': (2, 13)}
    # The next day's run takes those of the days before; today's wait for tomorrow.
    assert state.deferred(shared='w:s', consumer='w:c', before='2026-12-04') == ['File:A.jpg']
    # Examined again for any other reason (a sweep copied it): no longer waiting.
    state.record(shared='w:s', title='File:A.jpg', outcome='cached', size=9)
    state.record(shared='w:s', title='File:B.jpg', outcome='skipped',
                 reason=budget.OVER_BUDGET)
    assert state.waiting(shared='w:s') == {'w:c': (1, 4)}
    # Held back again the next day (that day's budget spent too): it waits for the day after.
    state.defer(shared='w:s', consumer='w:c', title='File:B.jpg', size=4, day='2026-12-05')
    assert state.deferred(shared='w:s', consumer='w:c', before='2026-12-05') == []
    assert state.deferred(shared='w:s', consumer='w:c', before='2026-12-06') == ['File:B.jpg']




def test_the_farms_budget_holds_beside_each_consumers(make_state):
    """Of the consumer's budget and the farm's, the one with the least left holds; the
    farm's counts every consumer's new copies (issue 34)."""
    from commonscache.running.sweep import budget_left

    state = make_state()
    day = budget.today()
    state.spend('w:a', day, 3 * MB)
    state.spend(budget.farm_key('w:s'), day, 9 * MB)
    assert budget_left(state, shared='w:s', consumer='w:a', budget_bytes=10 * MB,
                       farm_bytes=10 * MB) == (MB, 10 * MB, 'the farm of w:s', '-farmbudget')
    assert budget_left(state, shared='w:s', consumer='w:a', budget_bytes=4 * MB,
                       farm_bytes=100 * MB) == (MB, 4 * MB, 'w:a', '-budget')
    assert budget_left(state, shared='w:s', consumer='w:a', budget_bytes=0,
                       farm_bytes=5 * MB) == (0, 5 * MB, 'the farm of w:s', '-farmbudget')
    held = budget.within({'A': CREATE}, {'A': 2 * MB}, left=MB, limit=10 * MB,
                         consumer='the farm of w:s', option='-farmbudget')
    assert held['A'].details == (f'{2 * MB:,} bytes would pass the daily budget of '
                                 f'{10 * MB:,} bytes for files of the farm of w:s '
                                 '(-farmbudget); copied on a later day, or by a sweep')


