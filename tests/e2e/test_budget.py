"""Budget, end to end (the unit tests: tests/unit/test_budget.py)."""
from __future__ import annotations

import pytest

from commonscache.keeping.state import State

MB = 1024 * 1024


@pytest.mark.e2e
def test_an_edit_that_embeds_past_the_days_budget_waits_for_a_sweep(farm_wikis):
    from devfarm import farm
    from tests.conftest import PYWIKIBOT_DIR, run_cli
    from tests.e2e.support import SHARED, api, imageinfo, shared_uploads, summary_of
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


@pytest.mark.e2e
def test_the_farms_daily_budget_holds_edits_on_any_consumer(farm_wikis):
    """No consumer budget (-budget:0), a farm budget that fits the small file only: the
    big one waits, naming the farm's budget."""
    from devfarm import farm
    from tests.conftest import PYWIKIBOT_DIR, run_cli
    from tests.e2e.support import SHARED, api, imageinfo, shared_uploads, summary_of
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
