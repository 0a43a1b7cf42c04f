"""When a flag opens and when it closes: pure rules, kept apart from a file's last outcome.

A flag is a file left for a person (see README, *Conflicts, flags and review*). It stays
open until a run looks at its cause and finds it gone; a run that does not look at the cause
leaves it as it is. What a run looks at depends on the path a file takes, not on the kind of
run (plain, ``-since:last``, a category, ``-refresh``, ``-watch``):

- **judged**: both sides were read and the file was decided through to an end (a file not on
  the shared repository yet, or any file under ``-refresh``): every cause the decision
  knows is looked at, and so is the source's structured data, where the outcome leaves the
  bot's copy standing or no copy of the bot's (``sdc-conflict`` needs the bot's copy).
- **on the shared repository**: the consumer already finds the bot's own copy there and the
  source is not read (a plain sweep): only the causes that lie on the shared repository are
  looked at, and they are gone (the bot's copy stands under the name).
- anything else (a failure, a skip, a file waiting for its source) looks at nothing.
"""
from __future__ import annotations

SDC_CONFLICT = 'sdc-conflict'
#: Not a flag: the outcome of a file that waits for a later day's budget
#: (:mod:`commonscache.keeping.budget`); named here, where the state can know it without the budget.
OVER_BUDGET = 'over-budget'
#: Every cause the decision (:func:`commonscache.deciding.reconcile.decide`, the shared repository's
#: refusal, the answer to an upload) can raise: looked at whenever a file is judged.
JUDGED = frozenset({
    'was-deleted', 'source-disputed', 'sha1-mismatch', 'local-changed', 'name-taken',
    'source-deleted', 'licence-changed', 'rules-blocked', 'source-corrupt', 'upload-refused',
    'duplicate', 'description-unreadable', 'write-refused',
})
#: The causes that lie on the shared repository alone: none holds while the bot's own copy
#: stands under the name.
ON_SHARED = frozenset({'was-deleted', 'sha1-mismatch', 'name-taken', 'upload-refused',
                       'duplicate'})
#: Flags that stand beside a file's outcome instead of being it: the copy is made all the
#: same, and the file's last outcome stays the copy's.
BESIDE = frozenset({SDC_CONFLICT})
#: Outcomes of a judged file that say whether the bot's copy stands: the structured data's
#: conflict is looked at with them.
SETTLED_KINDS = frozenset({'cached', 'updated', 'nothing'})


def judged(kind: str, *, conflict: bool) -> frozenset[str]:
    """The causes looked at by a judged file's outcome of *kind*; *conflict*: the source's
    structured data contradicts its description (that flag is raised beside the outcome)."""
    if kind in ('failed', 'skipped', 'would cache'):
        return frozenset()  # the judgement did not come to an end: nothing learnt
    if kind in SETTLED_KINDS and not conflict:
        return JUDGED | {SDC_CONFLICT}
    return JUDGED
