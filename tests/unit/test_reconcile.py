"""The decision, as a table: (what the bot last wrote, the shared repository now, the source
now) → one verdict. What the bot last wrote is read from its provenance template and its own
latest revision, so it appears here inside the SharedFile."""
from __future__ import annotations

import dataclasses

import pytest

from commonscache.datatypes import SharedFile, SourceFile, Verdict
from commonscache.deciding.reconcile import decide, decide_alias, is_owned, licence_changed
from tests.unit.snapshots import (
    ABSENT,
    BOT,
    DISPUTED,
    NEW_BOTH,
    NEW_FILE,
    NEW_LICENCE,
    NEW_TEXT,
    OURS,
    OURS_DETACHED,
    OURS_EDITED,
    REUPLOADED,
    SHA_CACHED,
    SHA_OTHER,
    SOURCE,
    TAKEN,
)

ABSENT_WAS_DELETED = Verdict('flag', 'was-deleted', 'the cached copy was deleted on the '
                             'shared repository; it is not uploaded again unless an admin runs '
                             'the bot with -force for it')
CORRUPT = Verdict('flag', 'source-corrupt', 'the bytes of this version never had the sha1 '
                  'the source announces, in 3 runs in a row; it is fetched again when the '
                  'source has a new version, or with -force')
LOCAL_CHANGE_FILE = Verdict('flag', 'local-changed', 'Carol edited the shared page and the '
                            'source file changed too')


@pytest.mark.parametrize(('source', 'shared', 'options', 'verdict'), [
    # nothing on the shared repository
    pytest.param(SOURCE, ABSENT, {}, Verdict('create'), id='absent-create'),
    pytest.param(None, ABSENT, {},
                 Verdict('skip', 'source-missing', 'the file is not on its source wiki'),
                 id='absent-no-source'),
    pytest.param(DISPUTED, ABSENT, {}, Verdict('flag', 'source-disputed',
                                               'the source description carries {{Delete}}'),
                 id='absent-source-disputed'),
    pytest.param(SOURCE, ABSENT, {'was_cached': True}, ABSENT_WAS_DELETED, id='was-deleted'),
    pytest.param(SOURCE, ABSENT, {'was_cached': True, 'force': True}, Verdict('create'),
                 id='was-deleted-forced'),
    # the bot's own copy
    pytest.param(SOURCE, OURS, {}, Verdict('nothing', 'up-to-date'), id='ours-up-to-date'),
    pytest.param(NEW_FILE, OURS, {}, Verdict('update-file',
                                             details='new version of 2025-01-01T00:00:00Z'),
                 id='source-file-changed-update'),
    pytest.param(NEW_TEXT, OURS, {}, Verdict('update-description', details='source revision 8'),
                 id='source-text-changed-update'),
    pytest.param(NEW_BOTH, OURS, {}, Verdict('update-file',
                                             details='new version of 2025-01-01T00:00:00Z'),
                 id='source-both-changed-update'),
    pytest.param(SOURCE, OURS_EDITED, {}, Verdict('nothing', 'local-change', 'edited by Carol'),
                 id='local-edit-respected'),
    pytest.param(NEW_FILE, OURS_EDITED, {}, LOCAL_CHANGE_FILE, id='both-changed-file'),
    pytest.param(NEW_TEXT, OURS_EDITED, {},
                 Verdict('flag', 'local-changed', 'Carol edited the shared page and the source '
                         'description changed too (source revision 7 → 8)'),
                 id='both-changed-text'),
    pytest.param(NEW_FILE, OURS_EDITED, {'force': True},
                 Verdict('update-file', details='new version of 2025-01-01T00:00:00Z'),
                 id='both-changed-forced'),
    pytest.param(None, OURS, {'deletion': 'Admin, 2026-01-01: copyvio'},
                 Verdict('flag', 'source-deleted', 'the file was deleted on its source wiki: '
                         'Admin, 2026-01-01: copyvio'), id='source-deleted'),
    pytest.param(None, OURS, {}, Verdict('flag', 'source-deleted',
                                         'the file was deleted on its source wiki'),
                 id='source-deleted-no-log'),
    pytest.param(DISPUTED, OURS, {}, Verdict('flag', 'source-disputed',
                                             'the source description carries {{Delete}}'),
                 id='source-disputed'),
    pytest.param(NEW_LICENCE, OURS, {}, Verdict('flag', 'licence-changed',
                                                'the source now says CC BY-SA 4.0, the copy '
                                                'says CC0 (source revision 7 → 8)'),
                 id='licence-changed'),
    pytest.param(NEW_LICENCE, OURS, {'force': True},
                 Verdict('update-description', details='source revision 8'),
                 id='licence-changed-forced'),
    pytest.param(NEW_FILE, OURS_DETACHED, {}, Verdict('nothing', 'detached',
                                                      'sync=no on the provenance template'),
                 id='detached'),
    # a copy someone else re-uploaded, and names taken by others
    pytest.param(SOURCE, REUPLOADED, {}, Verdict('nothing', 'local-change', 'Carol uploaded a '
                                                 'new version on the shared repository'),
                 id='reupload-respected'),
    pytest.param(SOURCE, dataclasses.replace(REUPLOADED, uploader=BOT), {},
                 Verdict('flag', 'sha1-mismatch', f'the current version has sha1 {SHA_OTHER}, '
                         f'not the {SHA_CACHED} its provenance records; delete it or upload '
                         'the source version'), id='bots-upload-with-other-bytes'),
    pytest.param(NEW_FILE, REUPLOADED, {},
                 Verdict('flag', 'local-changed', 'Carol uploaded a new version on the shared '
                         'repository and the source has a new version too '
                         '(2025-01-01T00:00:00Z)'), id='reupload-and-source-changed'),
    pytest.param(SOURCE, TAKEN, {}, Verdict('flag', 'name-taken', f'a different file (sha1 '
                                            f'{SHA_OTHER}) uploaded by Carol'), id='name-taken'),
    pytest.param(SOURCE, TAKEN, {'force': True},
                 Verdict('flag', 'name-taken', f'a different file (sha1 {SHA_OTHER}) uploaded '
                         'by Carol'), id='name-taken-never-forced'),
    pytest.param(SOURCE, dataclasses.replace(TAKEN, sha1=SHA_CACHED), {},
                 Verdict('nothing', 'same-file', 'uploaded by Carol'), id='same-bytes-by-others'),
    pytest.param(SOURCE, SharedFile('File:X.jpg', page_exists=True), {},
                 Verdict('flag', 'name-taken', 'a description page without a file stands there'),
                 id='page-without-file'),
    pytest.param(None, TAKEN, {}, Verdict('nothing', 'shared-only', 'a file of the shared '
                                          'repository itself; the source has none'),
                 id='not-ours-no-source'),
    # the source's bytes never matched its sha1, run after run
    pytest.param(SOURCE, ABSENT, {'corrupt': True}, CORRUPT, id='corrupt-not-created'),
    pytest.param(NEW_FILE, OURS, {'corrupt': True}, CORRUPT, id='corrupt-not-updated'),
    pytest.param(NEW_TEXT, OURS, {'corrupt': True},
                 Verdict('update-description', details='source revision 8'),
                 id='corrupt-description-still-updated'),
    pytest.param(SOURCE, ABSENT, {'corrupt': True, 'force': True}, Verdict('create'),
                 id='corrupt-forced'),
    pytest.param(SOURCE, TAKEN, {'corrupt': True},
                 Verdict('flag', 'name-taken', f'a different file (sha1 {SHA_OTHER}) uploaded '
                         'by Carol'), id='corrupt-name-taken'),
])
def test_decide(source: SourceFile | None, shared: SharedFile, options: dict, verdict: Verdict):
    assert decide(source, shared, bot=BOT, **options) == verdict


@pytest.mark.parametrize(('shared', 'owned'), [
    (OURS, True), (OURS_EDITED, True), (REUPLOADED, False), (TAKEN, False),
    (SharedFile('File:X.jpg', provenance={'sha1': ''}), False),
])
def test_is_owned(shared: SharedFile, owned: bool):
    assert is_owned(shared) is owned


@pytest.mark.parametrize(('shared', 'verdict'), [
    pytest.param(SharedFile('File:Old.jpg'), Verdict('redirect', details='File:X.jpg'),
                 id='absent-redirect'),
    pytest.param(SharedFile('File:Old.jpg', page_exists=True, redirect_to='File:X.jpg'),
                 Verdict('nothing', 'up-to-date', 'redirects to File:X.jpg'), id='redirect-there'),
    pytest.param(SharedFile('File:Old.jpg', page_exists=True, sha1=SHA_OTHER),
                 Verdict('flag', 'name-taken', 'the source renamed it to File:X.jpg, but another '
                         'page stands under the old name'), id='old-name-taken'),
])
def test_decide_alias(shared: SharedFile, verdict: Verdict):
    assert decide_alias('File:X.jpg', shared) == verdict


@pytest.mark.parametrize(('provenance', 'licence', 'licences', 'changed'), [
    pytest.param({'licence': 'CC-BY-SA-3.0'}, 'CC BY-SA 3.0', (), False,
                 id='commons-reformatted-its-short-name'),
    pytest.param({'licence': 'GFDL', 'licences': 'GFDL / CC BY 3.0'}, 'CC BY 3.0',
                 ('CC BY 3.0', 'GFDL'), False, id='the-same-set-in-another-order'),
    pytest.param({'licence': 'CC BY 3.0'}, 'CC BY-SA 4.0', ('CC BY-SA 4.0',), True,
                 id='really-another-licence'),
    pytest.param({'licence': 'CC BY-SA 4.0 / GFDL'}, 'CC BY-SA 4.0', ('CC BY-SA 4.0', 'GFDL'),
                 False, id='an-older-copy-recorded-the-set-joined'),
    pytest.param({'licence': 'CC BY-SA 3.0'}, 'CC BY-SA 3.0', ('GFDL', 'CC BY-SA 3.0'), False,
                 id='an-older-copy-recorded-the-short-name-of-a-multi-licence'),
    pytest.param({'licence': 'Public domain'}, 'PD-old-100', (), False, id='public-domain-marks'),
    pytest.param({'licence': 'CC0'}, 'CC0 1.0', (), False, id='cc0-names'),
    pytest.param({'licence': 'CC BY-SA 3.0', 'licences': 'CC BY-SA 3.0 / GFDL'}, 'CC BY-SA 3.0',
                 ('CC BY-SA 3.0',), True, id='a-licence-was-dropped'),
    pytest.param({'licence': 'CC BY 2.5 pl'}, 'CC BY 2.5', (), True, id='the-port-counts'),
    pytest.param({}, 'CC BY 4.0', ('CC BY 4.0',), False, id='nothing-recorded'),
])
def test_licence_changed_compares_identities_and_sets(provenance, licence, licences, changed):
    source = dataclasses.replace(SOURCE, licence=licence, licences=licences)
    assert licence_changed(provenance, source) is changed
