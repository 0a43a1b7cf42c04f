"""A reviewer's decision on a flagged file: read from a line of the request page, checked
against the file's open flags, and kept as an agreement the decision function reads back.
Pure rules; :mod:`commonscache.running.reviewing` reads, carries out and answers them.

A member of ``-groups`` writes one line on the request page (``* [[:File:X.jpg]] keep-copy``,
or ``* File:X.jpg: keep-copy - checked the licence``); the decisions:

- ``take-source``: the copy becomes the source's version (what ``-force`` does);
- ``keep-copy``: the copy as it is now is the agreed state, against the source's revision
  and file of that moment; the flag closes, and only a later source change opens a new one;
- ``detach``: ``sync=no`` on the copy's provenance template; the bot leaves it alone;
- ``delete-copy``: the bot deletes the copy where it has the right, else tags it with the
  shared repository's deletion template; it is not uploaded again.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from commonscache.datatypes import Agreement, Decision, Outcome, Settings, SharedFile, SourceFile
from commonscache.deciding import flags

TAKE_SOURCE, KEEP_COPY, DETACH, DELETE_COPY = 'take-source', 'keep-copy', 'detach', 'delete-copy'
WORDS = (TAKE_SOURCE, KEEP_COPY, DETACH, DELETE_COPY)

#: The flags of a copy the bot wrote, whose source its provenance names: every decision
#: applies (take-source not where the source is gone, or where a person must act first).
_ON_COPIES = {
    'local-changed': WORDS,
    'licence-changed': WORDS,
    'source-disputed': WORDS,
    'source-corrupt': WORDS,
    'source-deleted': (KEEP_COPY, DETACH, DELETE_COPY),
    'sdc-conflict': (KEEP_COPY, DETACH, DELETE_COPY),
    'description-unreadable': (KEEP_COPY, DETACH, DELETE_COPY),
    'rules-blocked': (KEEP_COPY, DETACH, DELETE_COPY),
}
#: The flags of a page the bot did not write, or of a name without a page: only keep-copy,
#: which leaves the page as it stands (an agreement about the shared repository's file, not
#: the source's); anything else a person does on the shared repository itself (moves,
#: deletes, uploads), and the bot sees the cause gone.
_ON_OTHERS = {reason: (KEEP_COPY,) for reason in (
    'name-taken', 'duplicate', 'was-deleted', 'upload-refused', 'write-refused',
    'sha1-mismatch')}
#: flag reason → the decisions that settle it.
APPLIES: dict[str, tuple[str, ...]] = {**_ON_OTHERS, **_ON_COPIES}
#: The revision of an agreement about the page on the shared repository as it stands (its
#: file's sha1), made where the bot has no copy whose source it knows.
AS_IT_STANDS = -1

#: Deletion comments on Commons that say a file went for copyright (matched as parts of
#: the comment, without case): Commons' speedy criteria F1 to F6 and its deletion reasons.
COPYRIGHT_REASONS = (
    'copyright violation', 'copyvio', 'COM:CSD#F1', 'COM:CSD#F3', 'COM:CSD#F4', 'COM:CSD#F5',
    'COM:CSD#F6', 'No permission', 'No license', 'No source', 'Derivative work',
    'Non-free', 'License laundering', 'Fair use', 'COM:L', 'COM:DW', 'COM:FOP')
#: How a ``source-deleted`` flag's details begin when the deletion was for copyright: the
#: review page puts those first.
FOR_COPYRIGHT = 'the file was deleted on its source wiki for copyright'
#: -ondeleted: what a source's deletion for copyright does to the copy.
ON_DELETED = ('flag', 'tag', 'delete')

#: What a run's outcome for the file says when the decision was carried out.
CARRIED_OUT = {
    TAKE_SOURCE: frozenset({'cached', 'updated', 'nothing:up-to-date'}),
    KEEP_COPY: frozenset({'nothing:agreed'}),
    DETACH: frozenset({'nothing:detached'}),
    DELETE_COPY: frozenset({'nothing:deleted-on-review', 'nothing:tagged-for-deletion'}),
}

_LINE = re.compile(
    r'^\*\s*(?:\[\[\s*:?(?P<link>[^\]|]+?)\s*(?:\|[^\]]*)?\]\]|(?P<bare>[^\[].*?))'
    r'\s*[:\-–—]?\s*(?P<word>' + '|'.join(map(re.escape, WORDS)) + r')(?![\w-])(?P<note>.*)$')


def parse(line: str) -> tuple[str, str] | None:
    """(title, decision word) of a decision line; None for any other line."""
    found = _LINE.match(line.strip())
    if not found:
        return None
    title = (found['link'] or found['bare'] or '').strip().lstrip(':').strip()
    return (title, found['word']) if title else None


def refusal(word: str, open_reasons: Iterable[str]) -> str:
    """Why *word* cannot be carried out for a file with the flags *open_reasons* ('' when it
    applies to one of them)."""
    reasons = sorted(set(open_reasons))
    if not reasons:
        return 'the file has no open flag'
    if any(word in APPLIES.get(reason, ()) for reason in reasons):
        return ''
    fitting = sorted({w for reason in reasons for w in APPLIES.get(reason, ())},
                     key=WORDS.index)
    return (f"{word} does not settle {', '.join(reasons)}"
            + (f"; what does: {', '.join(fitting)}" if fitting else
               '; a person settles it on the shared repository, and the bot sees the cause '
               'gone'))


def for_copyright(comment: str, reasons: Iterable[str]) -> bool:
    """Whether a deletion *comment* names one of *reasons* (without case)."""
    folded = comment.casefold()
    return any(reason.casefold() in folded for reason in reasons if reason)


def holds(agreement: Agreement, source: SourceFile | None,
          shared: SharedFile | None = None) -> bool:
    """The source is as it was when the agreement was made (for an agreement about the
    page as it stands, :data:`AS_IT_STANDS`: the file on the shared repository)."""
    if agreement.revision == AS_IT_STANDS:
        return shared is not None and shared.sha1 == agreement.sha1
    if source is None:
        return agreement.revision == 0
    return (agreement.revision, agreement.sha1) == (source.revision, source.latest.sha1)


def agreement_for(word: str, source: SourceFile | None, *, by: str, at: str) -> Agreement:
    """What *word*, carried out now, agrees to: the source as it is now."""
    if source is None:
        return Agreement(word, 0, '', by, at)
    return Agreement(word, source.revision, source.latest.sha1, by, at)


def kept_as_it_stands(decision: Decision, shared: SharedFile, *, at: str) -> Outcome:
    """keep-copy for a name where the bot has no copy whose source it knows (someone else's
    file, a deleted copy, a file the shared repository refuses): the flags close, and the
    agreement holds while the shared repository's file under the name stays as it is."""
    return Outcome(decision.title, 'nothing', 'agreed',
                   f'{decision.how}: left as it stands on the shared repository',
                   examined=flags.JUDGED | {flags.SDC_CONFLICT},
                   agreement=Agreement(KEEP_COPY, AS_IT_STANDS, shared.sha1, decision.user, at))


def closings(settings: Settings) -> dict[str, str]:
    """title → how the flags a run closes for it were closed, where not by the cause going:
    a reviewer's decision, or the operator's -force."""
    return {**{title: '-force by the operator' for title in settings.forced},
            **{title: decision.how for title, decision in settings.decisions.items()}}


def carried_out(word: str, kind: str, reason: str) -> bool:
    """Whether a file's outcome (*kind*, *reason*) is what *word* asked for."""
    return kind in CARRIED_OUT[word] or f'{kind}:{reason}' in CARRIED_OUT[word]
