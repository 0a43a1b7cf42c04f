"""Outcomes on their way into the state: kept many at a time, not one transaction each.

A file's outcome used to cost three transactions of its own (the purge its write needs,
its outcome and flags); on a machine where the shared repository's workers share the CPU
with the bot, those are time taken from the uploads. The ledger keeps them
:data:`RECORD_EVERY` at a time, or once :data:`RECORD_SECONDS` have passed, and whenever the
sweep asks (the end of each batch, before each group's reads of the state). A run killed in
between leaves those outcomes to the next run, which finds the same on the wikis; the purge
each write needs was kept before the write began (:mod:`commonscache.writing.writes`).

What an outcome does to the state (its row, the flags it opens and closes) is decided by
:func:`commonscache.deciding.records.entry_of`; the store carries out what it says.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from pywikibot import config

from commonscache.datatypes import Outcome
from commonscache.deciding.records import Entry, entry_of
from commonscache.keeping.state import State

RECORD_EVERY, RECORD_SECONDS = 50, 2.0


class Ledger:
    """The outcomes not yet kept, and the files written since the last keeping.

    :param purge_later: keeps the purges that written files need, given their titles
    """

    def __init__(self, state: State | None, shared: str,
                 purge_later: Callable[..., None],
                 closing: Mapping[str, str] | None = None) -> None:
        self.state, self.shared, self.purge_later = state, shared, purge_later
        #: title → how the flags its outcome closes were closed, where a person said so
        self.closing = closing or {}
        self.unrecorded: list[Entry] = []
        self.written: list[str] = []
        self.since = 0.0

    def add(self, outcome: Outcome) -> None:
        """Note *outcome*; keep what is noted when enough is, or long enough."""
        if not self.unrecorded and not self.written:
            self.since = time.monotonic()
        if outcome.kind == 'cached' or (outcome.kind == 'updated' and outcome.copied):
            # Due from the end of the write, not its start. A new description alone
            # (nothing copied) changes no consumer page: they show the file.
            self.written.append(outcome.title)
        if outcome.kind != 'would cache' and not config.simulate:
            self.unrecorded.append(entry_of(outcome,
                                            closing=self.closing.get(outcome.title, '')))
        if len(self.unrecorded) >= RECORD_EVERY or \
                time.monotonic() - self.since >= RECORD_SECONDS:
            self.write_down()

    def write_down(self) -> None:
        """Keep what is noted: the written files' purges, then the outcomes (one transaction
        each)."""
        if self.written:
            written, self.written = self.written, []
            self.purge_later(*written)
        if self.unrecorded and self.state is not None:
            unrecorded, self.unrecorded = self.unrecorded, []
            self.state.record_all(shared=self.shared, entries=unrecorded)
