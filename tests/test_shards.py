"""-shard:K/N: the consumer wikis dealt to the jobs in the order of a hash of their names,
balanced by count (table tests), and, end to end, two shards over the dev farm's two
consumers at the same time leave the shared repository exactly as one unsharded run does."""
from __future__ import annotations

from pathlib import Path

import pytest

from commonscache.errors import UsageError
from commonscache.keeping.shards import Shard

WIKIS = ['devfarm:consumer', 'devfarm:consumer2'] + [f'wikifarm:w{n}' for n in range(200)]


@pytest.mark.parametrize(('value', 'shard'), [
    ('', Shard(1, 1)), ('1/4', Shard(1, 4)), ('4/4', Shard(4, 4)), (' 2/3', Shard(2, 3))])
def test_a_shard_is_parsed(value, shard):
    assert Shard.parse(value) == shard


@pytest.mark.parametrize('value', ['0/4', '5/4', '2', 'a/b', '1/0', '-1/2'])
def test_a_malformed_shard_names_what_to_write(value):
    with pytest.raises(UsageError, match=r'is not K/N with 1 <= K <= N, e.g. -shard:1/4'):
        Shard.parse(value)


@pytest.mark.parametrize('count', [1, 2, 3, 4, 8])
@pytest.mark.parametrize('wikis', [5, 50, 202])
def test_every_wiki_is_in_exactly_one_shard_and_the_shards_differ_by_one_at_most(count, wikis):
    farm = WIKIS[:wikis]
    picked = [Shard(index, count).select(farm) for index in range(1, count + 1)]
    assert sorted(wiki for shard in picked for wiki in shard) == sorted(farm)
    sizes = [len(shard) for shard in picked]
    assert max(sizes) - min(sizes) <= 1, sizes


def test_the_order_of_the_names_does_not_change_the_shards():
    assert Shard(2, 4).select(WIKIS) == Shard(2, 4).select(WIKIS[::-1])[::-1]
    assert Shard(1, 1).select(WIKIS) == WIKIS


def test_the_deal_is_stable():
    """The same wiki in the same shard on every run and every machine (sha1, not hash())."""
    pair = ['devfarm:consumer', 'devfarm:consumer2']
    assert (Shard(1, 2).select(pair), Shard(2, 2).select(pair)) == \
        (['devfarm:consumer2'], ['devfarm:consumer'])


def test_each_shard_has_its_own_state_file_and_review_page():
    assert Shard(2, 4).path(Path('/s/commonscache.sqlite')) == \
        Path('/s/commonscache-shard2of4.sqlite')
    assert Shard().path(Path('/s/commonscache.sqlite')) == Path('/s/commonscache.sqlite')
    assert Shard(2, 4).title('Project:Cached Commons media/Review') == \
        'Project:Cached Commons media/Review/Shard 2 of 4'
    assert Shard(2, 4).title('') == ''


@pytest.mark.e2e
@pytest.mark.first_release_only
def test_two_shards_at_once_leave_the_shared_repository_as_one_run_does(farm_wikis):
    from devfarm import farm
    from tests.conftest import FARM_DIR, PYWIKIBOT_DIR, run_cli
    from tests.test_reliability import bot, end_state, finish
    from tests.test_sweep import SHARED, summary_of

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
    from tests.test_sweep import SHARED

    # the default consumer, devfarm:consumer, alone: dealt to shard 1 of 2
    result = run_cli(SHARED, '-always', '-shard:2/2')
    assert result.returncode == 0, result.stderr
    assert 'shard 2 of 2 has none of the consumer wikis (-wikis); nothing to do' in result.stderr
    assert not (PYWIKIBOT_DIR / 'commonscache-shard2of2.sqlite').exists()
