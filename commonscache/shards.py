"""``-shard:K/N``: a farm's consumer wikis split among N jobs. Each job takes the wikis whose
name (``family:code``) hashes to its K, stably: the same wiki lands in the same shard on
every run and every machine, whatever the order or number of the other wikis. Each shard
keeps a state file, a lock and a review page of its own, so that N jobs run side by side;
the shared repository is what they have in common, and a file used in two shards is copied
by the first and found there by the other.
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

    def takes(self, wiki: str) -> bool:
        """Whether the wiki named *wiki* (``family:code``) belongs to this shard."""
        digest = int(hashlib.sha1(wiki.encode('utf-8')).hexdigest(), 16)
        return self.whole or digest % self.count + 1 == self.index

    def path(self, path: Path) -> Path:
        """This shard's own file beside *path* (its state file; the lock goes beside it)."""
        if self.whole:
            return path
        return path.with_name(f'{path.stem}-shard{self.index}of{self.count}{path.suffix}')

    def title(self, title: str) -> str:
        """This shard's own page for *title* (its review page)."""
        return title if self.whole or not title else \
            f'{title}/Shard {self.index} of {self.count}'
