"""The decision: what to do with one file, from what the source and the shared repository
hold now. A pure function; everything it needs arrives as data.

The bot owns a shared file page only when the page carries the provenance template and its
current file has the sha1 the template records; it never writes over what it does not own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from commonscache.source import SourceFile
from commonscache.target import SharedFile

Action = Literal['create', 'redirect', 'nothing', 'skip', 'flag']


@dataclass(frozen=True)
class Verdict:
    """What to do with a file, and why.

    ``create`` uploads it; ``redirect`` makes the name a redirect to the file's canonical
    name (the source renamed it); ``nothing`` leaves it (reason says why it is fine as it is);
    ``skip`` leaves it for a reason that needs no person; ``flag`` leaves it for a person.
    """

    action: Action
    reason: str = ''
    details: str = ''


def is_owned(shared: SharedFile) -> bool:
    """The bot wrote what stands there: its template, recording the current file's sha1."""
    return bool(shared.provenance) and shared.provenance.get('sha1') == shared.sha1 != ''


def decide(source: SourceFile | None, shared: SharedFile) -> Verdict:
    """Decide what to do with one file."""
    if source is None:
        return Verdict('skip', 'source-missing', 'the file is not on its source wiki')
    if not shared.page_exists and not shared.file_exists:
        return Verdict('create')
    if is_owned(shared):
        if shared.sha1 == source.latest.sha1:
            return Verdict('nothing', 'up-to-date')
        return Verdict('skip', 'source-changed',
                       f'the source has a newer version ({source.latest.timestamp})')
    if shared.sha1 == source.latest.sha1:
        # Someone uploaded the same bytes: the consumer already gets the right file.
        return Verdict('nothing', 'same-file', f'uploaded by {shared.uploader}')
    if shared.file_exists:
        return Verdict('flag', 'name-taken',
                       f'a different file (sha1 {shared.sha1}) uploaded by {shared.uploader}')
    return Verdict('flag', 'name-taken', 'a description page without a file stands there')


def decide_alias(canonical: str, shared: SharedFile) -> Verdict:
    """Decide what to do with a name the source has renamed to *canonical*.

    The file itself is cached under its canonical name; the old name becomes a redirect on
    the shared repository, as it is on the source, so that the consumer finds it there and
    no second copy of the same bytes is stored.
    """
    if not shared.page_exists:
        return Verdict('redirect', details=canonical)
    if shared.redirect_to == canonical:
        return Verdict('nothing', 'up-to-date', f'redirects to {canonical}')
    return Verdict('flag', 'name-taken',
                   f'the source renamed it to {canonical}, but another page stands under '
                   'the old name')
