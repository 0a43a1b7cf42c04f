"""The consumer's repositories, as meta=filerepoinfo describes them, mapped to wiki URLs."""
from __future__ import annotations

import pytest

from commonscache.detect import _example_url, changed_title


@pytest.mark.parametrize(('repository', 'url'), [
    pytest.param({'name': 'wikimediacommons', 'server': 'https://commons.wikimedia.org',
                  'articlepath': '/wiki/$1', 'apiurl': 'https://commons.wikimedia.org/w/api.php'},
                 'https://commons.wikimedia.org/wiki/File:Example.jpg', id='ForeignAPIRepo'),
    pytest.param({'name': 'shared', 'descBaseUrl': '//commons.wikimedia.org/wiki/File:'},
                 'https://commons.wikimedia.org/wiki/File:Example.jpg',
                 id='ForeignDBRepo, protocol-relative'),
    pytest.param({'name': 'devfarm-shared', 'descBaseUrl': 'http://127.0.0.1:8882/wiki/File:'},
                 'http://127.0.0.1:8882/wiki/File:Example.jpg', id='ForeignDBRepo'),
    pytest.param({'name': 'odd', 'url': 'https://example.org/images'}, '',
                 id='no way to the wiki'),
])
def test_each_repository_gets_a_description_url_to_find_its_wiki_by(repository: dict, url: str):
    assert _example_url(repository) == url


@pytest.mark.parametrize(('change', 'title'), [
    pytest.param({'type': 'edit', 'title': 'Harbour'}, 'Harbour', id='edit'),
    pytest.param({'type': 'new', 'title': 'Harbour'}, 'Harbour', id='new'),
    pytest.param({'type': 'log', 'title': 'Old name', 'logtype': 'move', 'logaction': 'move',
                  'logparams': {'target_ns': 0, 'target_title': 'New name'}}, 'New name',
                 id='move-under-its-new-title'),
    pytest.param({'type': 'log', 'title': 'Old', 'logtype': 'move', 'logaction': 'move_redir',
                  'logparams': {'target_title': 'New'}}, 'New', id='move-over-a-redirect'),
    pytest.param({'type': 'log', 'title': 'Imported', 'logtype': 'import',
                  'logaction': 'upload', 'logparams': {}}, 'Imported', id='import-upload'),
    pytest.param({'type': 'log', 'title': 'Imported', 'logtype': 'import',
                  'logaction': 'interwiki', 'logparams': {}}, 'Imported', id='import-interwiki'),
    pytest.param({'type': 'log', 'title': 'Back', 'logtype': 'delete', 'logaction': 'restore',
                  'logparams': {}}, 'Back', id='undeleted'),
    pytest.param({'type': 'log', 'title': 'Gone', 'logtype': 'delete', 'logaction': 'delete',
                  'logparams': {}}, '', id='deleted'),
    pytest.param({'type': 'log', 'title': 'User:New', 'logtype': 'newusers',
                  'logaction': 'create', 'logparams': {}}, '', id='user-created'),
])
def test_the_page_a_recent_change_brings_content_to(change, title):
    assert changed_title(change) == title
