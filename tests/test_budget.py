"""The daily budget per consumer: which new copies fit (a pure table), and what the state
keeps of the day's bytes and of the files that wait."""
from __future__ import annotations

import pytest

from commonscache.datatypes import Verdict
from commonscache.keeping import budget
from commonscache.keeping.state import State

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


@pytest.mark.e2e
def test_an_edit_that_embeds_past_the_days_budget_waits_for_a_sweep(farm_wikis):
    from devfarm import farm
    from tests.conftest import PYWIKIBOT_DIR, run_cli
    from tests.test_sweep import SHARED, api, imageinfo, shared_uploads, summary_of
    from tests.wikiclient import WikiClient

    consumer, shared = farm_wikis['consumer'], farm_wikis['shared']
    small, big = 'File:Mona Lisa test.png', 'File:Sunset over the harbour.jpg'
    sizes = {title: page['imageinfo'][0]['size']
             for title, page in imageinfo(farm_wikis['commons'], {small, big}).items()}
    assert sizes[small] < sizes[big]
    stamp = api(consumer, action='query', meta='siteinfo')['query']['general']['time']
    state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')
    state.set_watermark('devfarm:consumer', stamp)  # an earlier -since:last run
    state.close()
    WikiClient(consumer, farm.ADMIN, farm.ADMIN_PASSWORD).edit(
        'Budgeted', text=f'[[{small}|thumb]] [[{big}|thumb]]')
    limit = f'-budget:{(sizes[small] + 1) / MB}'

    result = run_cli(SHARED, '-always', '-since:last', limit)
    assert result.returncode == 0, result.stderr
    counts = summary_of(result.stderr)
    assert (counts['cached'], counts['skipped']) == (1, 1), result.stderr[-3000:]
    assert f'skipped {big}: over-budget' in result.stderr
    assert shared_uploads(shared) == [small]
    status = run_cli('-status', SHARED)
    assert f'devfarm:consumer: 1 files ({sizes[big]} bytes) wait for the daily budget' in \
        status.stdout, status.stdout

    # The same day's next run leaves it waiting; a sweep an admin runs copies it.
    again = run_cli(SHARED, '-always', '-since:last', limit)
    assert summary_of(again.stderr)['examined'] == 0, again.stderr[-3000:]
    sweep = run_cli(SHARED, '-always', '-page:Budgeted', limit)
    assert sweep.returncode == 0, sweep.stderr
    assert shared_uploads(shared) == sorted([small, big])
    assert 'wait for the daily budget' not in run_cli('-status', SHARED).stdout


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


@pytest.mark.e2e
def test_the_farms_daily_budget_holds_edits_on_any_consumer(farm_wikis):
    """No consumer budget (-budget:0), a farm budget that fits the small file only: the
    big one waits, naming the farm's budget."""
    from devfarm import farm
    from tests.conftest import PYWIKIBOT_DIR, run_cli
    from tests.test_sweep import SHARED, api, imageinfo, shared_uploads, summary_of
    from tests.wikiclient import WikiClient

    consumer, shared = farm_wikis['consumer'], farm_wikis['shared']
    small, big = 'File:Mona Lisa test.png', 'File:Sunset over the harbour.jpg'
    sizes = {title: page['imageinfo'][0]['size']
             for title, page in imageinfo(farm_wikis['commons'], {small, big}).items()}
    stamp = api(consumer, action='query', meta='siteinfo')['query']['general']['time']
    state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')
    state.set_watermark('devfarm:consumer', stamp)  # an earlier -since:last run
    state.close()
    WikiClient(consumer, farm.ADMIN, farm.ADMIN_PASSWORD).edit(
        'Budgeted', text=f'[[{small}|thumb]] [[{big}|thumb]]')
    result = run_cli(SHARED, '-always', '-since:last', '-budget:0',
                     f'-farmbudget:{(sizes[small] + 1) / MB}')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['cached'] == 1, result.stderr[-3000:]
    assert f'skipped {big}: over-budget' in result.stderr
    assert 'for files of the farm of devfarm:shared (-farmbudget)' in result.stderr
    assert shared_uploads(shared) == [small]
