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




