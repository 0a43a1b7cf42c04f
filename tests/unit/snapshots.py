"""The snapshots the decision tables share (tests/unit/test_reconcile.py,
tests/unit/test_decisions.py): what the bot last wrote, the shared repository now, the source
now."""
from __future__ import annotations

import dataclasses

from commonscache.datatypes import FileVersion, SharedFile, SourceFile

BOT = 'CacheBot'
SHA_CACHED, SHA_NEW, SHA_OTHER = 'a' * 40, 'b' * 40, 'c' * 40


def version(sha1: str) -> FileVersion:
    return FileVersion('2025-01-01T00:00:00Z', 'Alice', 10, 1, 1, '', sha1,
                       'https://c.example/x.jpg', 'image/jpeg')


#: The source as the bot cached it: file SHA_CACHED, description revision 7, CC0.
SOURCE = SourceFile(title='File:X.jpg', description_url='https://c.example/wiki/File:X.jpg',
                    versions=(version(SHA_CACHED),), text='', revision=7, licence='CC0',
                    author='Alice')
NEW_FILE = dataclasses.replace(SOURCE, versions=(version(SHA_NEW), version(SHA_CACHED)))
NEW_TEXT = dataclasses.replace(SOURCE, revision=8)
NEW_BOTH = dataclasses.replace(NEW_FILE, revision=8)
NEW_LICENCE = dataclasses.replace(SOURCE, licence='CC BY-SA 4.0', revision=8)
DISPUTED = dataclasses.replace(SOURCE, disputes=('Delete',), revision=8)

PROVENANCE = {'sha1': SHA_CACHED, 'revision': '7', 'licence': 'CC0'}
#: The bot's untouched copy.
OURS = SharedFile('File:X.jpg', page_exists=True, sha1=SHA_CACHED, uploader=BOT,
                  last_editor=BOT, provenance=PROVENANCE)
OURS_EDITED = dataclasses.replace(OURS, last_editor='Carol')
OURS_DETACHED = dataclasses.replace(OURS, provenance={**PROVENANCE, 'sync': 'no'})
REUPLOADED = dataclasses.replace(OURS, sha1=SHA_OTHER, uploader='Carol')
TAKEN = SharedFile('File:X.jpg', page_exists=True, sha1=SHA_OTHER, uploader='Carol',
                   last_editor='Carol')
ABSENT = SharedFile('File:X.jpg')
