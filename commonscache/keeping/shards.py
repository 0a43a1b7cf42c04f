"""``-shard:K/N``: a farm's consumer wikis split among N jobs, balanced by count. The wikis
are put in the order of a hash of their names (``family:code``) and dealt to the shards in
turn, so that shards differ by one wiki at most, and every run and every machine deals the
same list the same way, whatever order -wikis names them in. A wiki added to the farm
moves some others to the next shard: with the state in a database the shards share, that
costs nothing; with a state file per shard, a moved wiki's next ``-since:last`` is a first
run of it in its new shard (a sweep of what it uses, with nothing left to copy).

A shard keeps a state file, a lock and a review page of its own, unless the shards share a
database; the shared repository is what they have in common, and a file used in two shards
is copied by the first and found there by the other.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from commonscache.errors import UsageError


@dataclass(frozen=True)
class Shard:
    """Shard *index* of *count* (1-based); ``Shard(1, 1)`` is every wiki."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, value: str) -> Shard:
        """``K/N`` with 1 ≤ K ≤ N; '' for no sharding.

        :raises UsageError: naming what to write instead
        """
        if not value:
            return cls()
        index, sep, count = str(value).partition('/')
        try:
            shard = cls(int(index), int(count))
        except ValueError:
            shard = cls(0, 0)
        if not sep or not 1 <= shard.index <= shard.count:
            raise UsageError(f'-shard:{value} is not K/N with 1 <= K <= N, e.g. -shard:1/4')
        return shard

    @property
    def whole(self) -> bool:
        return self.count == 1

    def select(self, wikis: list[str]) -> list[str]:
        """The wikis of *wikis* (``family:code`` names) that belong to this shard, in the
        order given."""
        if self.whole:
            return list(wikis)
        dealt = sorted(set(wikis), key=lambda wiki: hashlib.sha1(wiki.encode()).hexdigest())
        mine = set(dealt[self.index - 1::self.count])
        return [wiki for wiki in wikis if wiki in mine]

    def path(self, path: Path) -> Path:
        """This shard's own file beside *path* (its state file; the lock goes beside it)."""
        if self.whole:
            return path
        return path.with_name(f'{path.stem}-shard{self.index}of{self.count}{path.suffix}')

    def title(self, title: str) -> str:
        """This shard's own page for *title* (its review page)."""
        return title if self.whole or not title else \
            f'{title}/Shard {self.index} of {self.count}'
