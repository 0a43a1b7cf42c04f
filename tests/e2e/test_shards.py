"""Shards, end to end (the unit tests: tests/unit/test_shards.py)."""
from __future__ import annotations

import pytest


@pytest.mark.e2e
@pytest.mark.first_release_only
def test_two_shards_at_once_leave_the_shared_repository_as_one_run_does(farm_wikis):
    from devfarm import farm
    from tests.conftest import FARM_DIR, PYWIKIBOT_DIR, run_cli
    from tests.e2e.support import SHARED, bot, end_state, finish, summary_of

    args = (SHARED, '-always', '-setup', '-wikis:devfarm:consumer,devfarm:consumer2')
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    unsharded = end_state(farm_wikis)

    farm.restore(FARM_DIR)
    for state in PYWIKIBOT_DIR.glob('commonscache*.sqlite*'):
        state.unlink()
    jobs = [bot(PYWIKIBOT_DIR, *args, f'-shard:{k}/2') for k in (1, 2)]
    outputs = [finish(job) for job in jobs]
    for status, err in outputs:
        assert status == 0, err
    assert sorted(p.name for p in PYWIKIBOT_DIR.glob('commonscache-shard*.sqlite')) == [
        'commonscache-shard1of2.sqlite', 'commonscache-shard2of2.sqlite']
    sharded = end_state(farm_wikis)
    files = {title: text for title, text in sharded['pages'].items() if title.startswith('File:')}
    assert files == {title: text for title, text in unsharded['pages'].items()
                     if title.startswith('File:')}
    assert sharded['files'] == unsharded['files']  # every file once, one version each
    assert all(len(versions) == 1 for versions in sharded['files'].values())
    # consumer2 is shard 1's, consumer shard 2's; the sunset, used on both, counts in one.
    counts = [summary_of(err) for _, err in outputs]
    once = summary_of(result.stderr)
    assert counts[0]['cached'] + counts[1]['cached'] == once['cached']
    assert counts[0]['flagged'] + counts[1]['flagged'] == once['flagged']


@pytest.mark.e2e
def test_an_empty_shard_says_so_and_does_nothing(farm_wikis):
    from tests.conftest import PYWIKIBOT_DIR, run_cli
    from tests.e2e.support import SHARED

    # the default consumer, devfarm:consumer, alone: dealt to shard 1 of 2
    result = run_cli(SHARED, '-always', '-shard:2/2')
    assert result.returncode == 0, result.stderr
    assert 'shard 2 of 2 has none of the consumer wikis (-wikis); nothing to do' in result.stderr
    assert not (PYWIKIBOT_DIR / 'commonscache-shard2of2.sqlite').exists()
