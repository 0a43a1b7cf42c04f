"""The decision, as a table: (source now, shared repository now) → verdict."""
from __future__ import annotations

import pytest

from commonscache.reconcile import Verdict, decide, decide_alias, is_owned
from commonscache.source import FileVersion, SourceFile
from commonscache.target import SharedFile

SHA_SOURCE, SHA_OLD, SHA_OTHER = 'a' * 40, 'b' * 40, 'c' * 40
SOURCE = SourceFile(
    title='File:X.jpg', description_url='https://c.example/wiki/File:X.jpg',
    versions=(FileVersion('2025-01-01T00:00:00Z', 'Alice', 10, 1, 1, '', SHA_SOURCE,
                          'https://c.example/x.jpg', 'image/jpeg'),),
    text='', revision=1, licence='CC0', author='Alice')


def shared(**values: object) -> SharedFile:
    return SharedFile('File:X.jpg', **values)


@pytest.mark.parametrize(('source', 'on_shared', 'verdict'), [
    pytest.param(SOURCE, shared(), Verdict('create'), id='absent-create'),
    pytest.param(None, shared(), Verdict('skip', 'source-missing',
                                         'the file is not on its source wiki'), id='no-source'),
    pytest.param(SOURCE, shared(page_exists=True, sha1=SHA_SOURCE, uploader='Bot',
                                provenance={'sha1': SHA_SOURCE}),
                 Verdict('nothing', 'up-to-date'), id='ours-up-to-date'),
    pytest.param(SOURCE, shared(page_exists=True, sha1=SHA_OLD, uploader='Bot',
                                provenance={'sha1': SHA_OLD}),
                 Verdict('skip', 'source-changed',
                         'the source has a newer version (2025-01-01T00:00:00Z)'),
                 id='ours-source-changed'),
    pytest.param(SOURCE, shared(page_exists=True, sha1=SHA_SOURCE, uploader='Carol'),
                 Verdict('nothing', 'same-file', 'uploaded by Carol'), id='same-bytes-not-ours'),
    pytest.param(SOURCE, shared(page_exists=True, sha1=SHA_OTHER, uploader='Carol'),
                 Verdict('flag', 'name-taken',
                         f'a different file (sha1 {SHA_OTHER}) uploaded by Carol'),
                 id='name-taken'),
    pytest.param(SOURCE, shared(page_exists=True, sha1=SHA_OTHER, uploader='Carol',
                                provenance={'sha1': SHA_OLD}),
                 Verdict('flag', 'name-taken',
                         f'a different file (sha1 {SHA_OTHER}) uploaded by Carol'),
                 id='template-but-reuploaded-by-someone'),
    pytest.param(SOURCE, shared(page_exists=True),
                 Verdict('flag', 'name-taken', 'a description page without a file stands there'),
                 id='page-without-file'),
])
def test_decide(source: SourceFile | None, on_shared: SharedFile, verdict: Verdict):
    assert decide(source, on_shared) == verdict


@pytest.mark.parametrize(('on_shared', 'owned'), [
    (shared(sha1=SHA_SOURCE, provenance={'sha1': SHA_SOURCE}), True),
    (shared(sha1=SHA_SOURCE, provenance={'sha1': SHA_OLD}), False),
    (shared(sha1=SHA_SOURCE), False),
    (shared(provenance={'sha1': ''}), False),
])
def test_is_owned(on_shared: SharedFile, owned: bool):
    assert is_owned(on_shared) is owned


@pytest.mark.parametrize(('on_shared', 'verdict'), [
    pytest.param(SharedFile('File:Old.jpg'), Verdict('redirect', details='File:X.jpg'),
                 id='absent-redirect'),
    pytest.param(SharedFile('File:Old.jpg', page_exists=True, redirect_to='File:X.jpg'),
                 Verdict('nothing', 'up-to-date', 'redirects to File:X.jpg'), id='redirect-there'),
    pytest.param(SharedFile('File:Old.jpg', page_exists=True, sha1=SHA_OTHER),
                 Verdict('flag', 'name-taken', 'the source renamed it to File:X.jpg, but another '
                         'page stands under the old name'), id='old-name-taken'),
])
def test_decide_alias(on_shared: SharedFile, verdict: Verdict):
    assert decide_alias('File:X.jpg', on_shared) == verdict
