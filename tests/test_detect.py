"""The consumer's repositories, as meta=filerepoinfo describes them, mapped to wiki URLs."""
from __future__ import annotations

import pytest

from commonscache.detect import _example_url


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
