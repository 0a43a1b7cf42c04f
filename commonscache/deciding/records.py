"""What keeping one outcome does to the state: pure rules, carried out by the store.

An outcome becomes an :class:`Entry` here, which says everything the store is to do with it:
the row of the file's last outcome (or none, where a flag stands beside the outcome), the
flags it opens, the causes it looked at and did not find (their open flags close), a
reviewer's decision that stands from now on, and whether the file stops waiting for a
budget. The store (:mod:`commonscache.keeping.state`) applies an entry in one transaction
and decides nothing itself.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commonscache.datatypes import Agreement, Outcome
from commonscache.deciding import flags


@dataclass(frozen=True)
class FileRow:
    """A file's row in the state's files table: its last outcome, and since when."""

    outcome: str
    reason: str
    details: str
    sha1: str
    failures: int
    size: int
    first_seen: str
    last_seen: str


@dataclass(frozen=True)
class Report:
    """The outcome a file's row is to say."""

    outcome: str
    reason: str = ''
    details: str = ''
    sha1: str = ''
    size: int = 0


@dataclass(frozen=True)
class Entry:
    """What the store does with one file's outcome.

    :ivar report: the file's new last outcome (None: the last one stands)
    :ivar raised: reason → details of the flags opened or kept open (details brought up to
        date; a kept flag keeps its first day)
    :ivar closes: the causes looked at and not found: their open flags close
    :ivar closing: how those flags were closed ('': their cause is gone)
    :ivar ends_deferral: the file no longer waits for a later day's budget
    """

    title: str
    report: Report | None
    raised: Mapping[str, str] = field(default_factory=dict)
    closes: frozenset[str] = frozenset()
    agreement: Agreement | None = None
    closing: str = ''
    ends_deferral: bool = True


def entry_of(outcome: Outcome, *, closing: str = '') -> Entry:
    """The entry that keeps *outcome*: a flag opens or stays open; the file's other open
    flags close when their cause is among those the outcome looked at
    (:mod:`commonscache.deciding.flags`); a flag that stands beside the outcome
    (:data:`commonscache.deciding.flags.BESIDE`) leaves the last outcome as it was; any outcome
    but a deferral (or a simulated copy) ends the file's wait for a budget."""
    raised = {outcome.reason: outcome.details} if outcome.kind == 'flagged' else {}
    beside = outcome.kind == 'flagged' and outcome.reason in flags.BESIDE
    return Entry(
        outcome.title,
        None if beside else Report(outcome.kind, outcome.reason, outcome.details, outcome.sha1,
                                   outcome.size),
        raised=raised, closes=outcome.examined - raised.keys(), agreement=outcome.agreement,
        closing=closing,
        ends_deferral=outcome.reason != flags.OVER_BUDGET and outcome.kind != 'would cache')


def next_row(old: FileRow | None, report: Report, *, stamp: str) -> FileRow:
    """A file's row after *report*: ``first_seen`` stays while the reason stays,
    ``failures`` counts the failures in a row for the same reason and sha1, and ``size``
    (the copy's bytes) stays until a new one is known."""
    outcome, reason, sha1, size = report.outcome, report.reason, report.sha1, report.size
    if old is None:
        return FileRow(outcome, reason, report.details, sha1, int(outcome == 'failed'), size,
                       stamp, stamp)
    if outcome != 'failed':
        failures = 0
    elif old.outcome == 'failed' and old.reason == reason and old.sha1 == sha1:
        failures = old.failures + 1
    else:
        failures = 1
    return FileRow(outcome, reason, report.details, sha1, failures,
                   size if size > 0 else old.size,
                   old.first_seen if old.reason == reason else stamp, stamp)
