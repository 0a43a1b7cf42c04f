"""The decision: what to do with one file, from what the source and the shared repository
hold now. A pure function; everything it needs arrives as data.

The bot owns a shared file page only when the page carries the provenance template and its
current file has the sha1 the template records; it never writes over what it does not own.
"""
from __future__ import annotations

import re

from commonscache.datatypes import Agreement, SharedFile, SourceFile, Verdict
from commonscache.deciding.decisions import (
    DELETE_COPY,
    DETACH,
    FOR_COPYRIGHT,
    KEEP_COPY,
    TAKE_SOURCE,
    holds,
)
from commonscache.markup.attribution import licence_identity, licence_set

#: The verdicts that write to the shared repository.
WRITES = frozenset({'create', 'update-file', 'update-description'})
#: A description past what the bot parses (:mod:`commonscache.markup.wikitext`): never copied.
UNREADABLE = 'description-unreadable'
#: Values of the provenance template's ``sync`` parameter that detach a file from syncing.
DETACHED = {'no', 'false', '0', 'off'}


def is_owned(shared: SharedFile) -> bool:
    """The bot wrote what stands there: its template, recording the current file's sha1."""
    return bool(shared.provenance) and shared.provenance.get('sha1') == shared.sha1 != ''


def is_detached(shared: SharedFile) -> bool:
    """An admin has set ``sync=no`` on the provenance template."""
    return shared.provenance.get('sync', '').strip().lower() in DETACHED


def edited_by_others(shared: SharedFile, bot: str) -> bool:
    """Someone other than the bot made the latest edit of the description page."""
    return bool(shared.last_editor) and shared.last_editor != bot


#: Runs in a row in which the same source version arrived with the wrong sha1, before the
#: file is flagged instead of fetched again.
CORRUPT_AFTER = 3


def decide(source: SourceFile | None, shared: SharedFile, *, bot: str, was_cached: bool = False,
           force: bool = False, deletion: str = '', blocked: str = '',
           corrupt: bool = False, decision: str = '',
           agreed: Agreement | None = None, copyright: bool = False,
           on_deleted: str = 'flag') -> Verdict:
    """Decide what to do with one file.

    :param source: the file on its source wiki now; None when it is not there
    :param shared: what the shared repository holds under the name now
    :param bot: the bot's user name on the shared repository
    :param was_cached: the state file says the bot cached this name before
    :param force: an admin told the bot to take the source version anyway
    :param deletion: the source's deletion log comment, when the file was deleted there
    :param blocked: the transfer rule that forbids copying the source description, if any
    :param corrupt: the source's current version arrived with the wrong sha1 in
        :data:`CORRUPT_AFTER` runs in a row
    :param decision: a reviewer's decision to carry out now (:mod:`commonscache.deciding.decisions`)
    :param agreed: a reviewer's earlier decision that stands for this file
    :param copyright: the source's deletion comment says copyright
        (:func:`commonscache.deciding.decisions.for_copyright`)
    :param on_deleted: what a deletion for copyright does to the copy (-ondeleted): flag,
        tag or delete
    """
    if decision in (KEEP_COPY, DETACH, DELETE_COPY):
        return _decided(decision, shared)
    force = force or decision == TAKE_SOURCE
    standing = _agreed(agreed, source, shared) if agreed is not None and not force else None
    if standing is not None:
        return standing
    if shared.unreadable:
        return Verdict('flag', UNREADABLE, 'the description page on the shared repository: '
                       f'{shared.unreadable}; left as it is')
    if not shared.page_exists and not shared.file_exists:
        verdict = _absent(source, was_cached=was_cached, force=force)
    elif not is_owned(shared):
        verdict = _not_ours(source, shared, bot=bot)
    else:
        verdict = _ours(source, shared, bot=bot, force=force, deletion=deletion,
                        copyright=copyright, on_deleted=on_deleted)
    if source is not None and source.unreadable and verdict.action in WRITES:
        return Verdict('flag', UNREADABLE, f'the source description: {source.unreadable}; '
                       'not copied')
    if blocked and verdict.action in WRITES:
        return Verdict('flag', 'rules-blocked', blocked)
    if corrupt and not force and verdict.action in ('create', 'update-file'):
        return Verdict('flag', 'source-corrupt',
                       f'the bytes of this version never had the sha1 the source announces, '
                       f'in {CORRUPT_AFTER} runs in a row; it is fetched again when the '
                       'source has a new version, or with -force')
    return verdict


def _decided(decision: str, shared: SharedFile) -> Verdict:
    """A reviewer's decision, carried out now where the page is the bot's copy."""
    if decision == KEEP_COPY:
        return Verdict('agree', 'agreed', "the copy as it is, by a reviewer's decision")
    if not shared.provenance or not shared.page_exists:
        return Verdict('skip', 'not-the-bots', "no copy of the bot's stands under the name "
                       f'to {decision}')
    if decision == DETACH:
        if shared.unreadable:
            return Verdict('skip', 'not-the-bots', f'the page cannot be read to detach it: '
                           f'{shared.unreadable}')
        return Verdict('detach', 'detached', "sync=no, by a reviewer's decision")
    return Verdict('delete', 'deleted-on-review', "by a reviewer's decision")


def _agreed(agreed: Agreement, source: SourceFile | None, shared: SharedFile
            ) -> Verdict | None:
    """What a reviewer's earlier decision says now (None: it no longer speaks): a kept
    copy while the source stays as it was agreed against; a deleted copy for good, unless
    someone else's page stands there now (a person uploads it again)."""
    when = f'{agreed.by} decided {agreed.decision} on {agreed.at}'
    if agreed.decision == DELETE_COPY:
        if not shared.page_exists and not shared.file_exists:
            return Verdict('nothing', 'deleted-on-review', when)
        if shared.provenance:
            return Verdict('nothing', 'tagged-for-deletion', f'{when}; it awaits an admin')
        return None
    if not holds(agreed, source, shared):
        return None
    return Verdict('nothing', 'agreed', f'{when}, against source revision {agreed.revision}')


def _absent(source: SourceFile | None, *, was_cached: bool, force: bool) -> Verdict:
    if was_cached and not force:
        return Verdict('flag', 'was-deleted',
                       'the cached copy was deleted on the shared repository; it is not '
                       'uploaded again unless an admin runs the bot with -force for it')
    if source is None:
        return Verdict('skip', 'source-missing', 'the file is not on its source wiki')
    if source.disputes and not force:
        return Verdict('flag', 'source-disputed', _disputed(source))
    return Verdict('create')


def _not_ours(source: SourceFile | None, shared: SharedFile, *, bot: str) -> Verdict:
    if source is None:
        return Verdict('nothing', 'shared-only',
                       'a file of the shared repository itself; the source has none')
    if shared.sha1 == source.latest.sha1:
        # Someone uploaded the same bytes: the consumer already gets the right file.
        return Verdict('nothing', 'same-file', f'uploaded by {shared.uploader}')
    if shared.provenance and shared.file_exists and shared.uploader == bot:
        # The bot's own upload whose bytes are not those it records (an upload by URL that
        # fetched other bytes, and no good copy to put over them): never the bot's copy.
        return Verdict('flag', 'sha1-mismatch',
                       f'the current version has sha1 {shared.sha1}, not the '
                       f"{shared.provenance.get('sha1', '')} its provenance records; delete it "
                       'or upload the source version')
    if shared.provenance and shared.file_exists:
        # The bot's copy, re-uploaded by someone else.
        if source.latest.sha1 != shared.provenance.get('sha1'):
            return Verdict('flag', 'local-changed',
                           f'{shared.uploader} uploaded a new version on the shared repository '
                           f'and the source has a new version too ({source.latest.timestamp})')
        return Verdict('nothing', 'local-change',
                       f'{shared.uploader} uploaded a new version on the shared repository')
    if shared.file_exists:
        return Verdict('flag', 'name-taken',
                       f'a different file (sha1 {shared.sha1}) uploaded by {shared.uploader}')
    return Verdict('flag', 'name-taken', 'a description page without a file stands there')


def licence_changed(provenance: dict[str, str], source: SourceFile) -> bool:
    """Whether the source's licences are not those the copy records, compared as
    identities (``CC-BY-SA-3.0`` is ``CC BY-SA 3.0``) and as a set (order does not
    matter). A copy records the set (``licences``); older copies record only one name, or
    several joined with " / ", which match the source's set or its short name."""
    recorded = licence_set(provenance.get('licences') or provenance.get('licence', ''))
    now_all = frozenset(map(licence_identity, source.licences))
    now_short = licence_set(source.licence)
    if not recorded or not (now_all or now_short):
        return False
    return recorded != now_all and recorded != now_short


def _ours(source: SourceFile | None, shared: SharedFile, *, bot: str, force: bool,
          deletion: str, copyright: bool = False, on_deleted: str = 'flag') -> Verdict:
    if is_detached(shared):
        return Verdict('nothing', 'detached', 'sync=no on the provenance template')
    if source is None:
        details = FOR_COPYRIGHT if copyright else 'the file was deleted on its source wiki'
        details = f'{details}: {deletion}' if deletion else details
        if copyright and on_deleted != 'flag':
            return Verdict('delete', 'copyright-deleted', details)
        return Verdict('flag', 'source-deleted', details)
    if source.disputes and not force:
        return Verdict('flag', 'source-disputed', _disputed(source))
    if licence_changed(shared.provenance, source) and not force:
        recorded = shared.provenance.get('licences') or shared.provenance.get('licence', '')
        now = ' / '.join(source.licences) or source.licence
        return Verdict('flag', 'licence-changed',
                       f'the source now says {now}, the copy says {recorded}'
                       f'{_since_copy(shared, source)}')
    file_changed = source.latest.sha1 != shared.sha1
    text_changed = str(source.revision) != shared.provenance.get('revision', '')
    edited = edited_by_others(shared, bot)
    if not file_changed and not text_changed:
        if edited:
            return Verdict('nothing', 'local-change', f'edited by {shared.last_editor}')
        return Verdict('nothing', 'up-to-date')
    if edited and not force:
        changed = 'file' if file_changed else 'description'
        return Verdict('flag', 'local-changed',
                       f'{shared.last_editor} edited the shared page and the source {changed} '
                       f'changed too{_since_copy(shared, source)}')
    if file_changed:
        return Verdict('update-file', details=f'new version of {source.latest.timestamp}')
    return Verdict('update-description', details=f'source revision {source.revision}')


def _since_copy(shared: SharedFile, source: SourceFile) -> str:
    """The source's revisions from the copy's to now, for the review page's diff link
    (:data:`SINCE_COPY`); '' when the description did not change."""
    recorded = shared.provenance.get('revision', '')
    if not recorded.isdigit() or int(recorded) == source.revision:
        return ''
    return f' (source revision {recorded} → {source.revision})'


#: How a flag's details name the source's revisions since the copy (see :func:`_since_copy`).
SINCE_COPY = re.compile(r'\(source revision (\d+) → (\d+)\)$')


def _disputed(source: SourceFile) -> str:
    names = ', '.join('{{' + name + '}}' for name in source.disputes)
    return f'the source description carries {names}'


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
