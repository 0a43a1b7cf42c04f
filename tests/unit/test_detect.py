"""The consumer's repositories, as meta=filerepoinfo describes them, mapped to wiki URLs."""
from __future__ import annotations

import pytest

from commonscache.reading.detect import _example_url, changed_title


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
    # A ForeignAPIRepo whose wiki did not answer the consumer's siteinfo just then states no
    # server nor article path; its API URL still tells which wiki it is (issue 33).
    pytest.param({'name': 'devfarm-commons', 'apiurl': 'http://127.0.0.1:8881/w/api.php'},
                 'http://127.0.0.1:8881/w/index.php?title=File:Example.jpg',
                 id='ForeignAPIRepo, its wiki down'),
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


class _Answers:
    """Stands in for pywikibot's api.Request: each submit() gives the next canned answer and
    keeps the parameters it was asked with."""

    def __init__(self, answers: list[dict]) -> None:
        self.answers, self.asked = list(answers), []

    def __call__(self, site: object, parameters: dict) -> _Answers:
        self.asked.append(dict(parameters))
        return self

    def submit(self) -> dict:
        return self.answers.pop(0)


def _uses(*pairs: tuple[str, int]) -> list[dict]:
    return [{'title': title} for title, count in pairs for _ in range(count)]


@pytest.mark.parametrize(('answer', 'rest', 'titles', 'uses', 'local'), [
    pytest.param(
        {'query': {'allfileusages': _uses(('File:A.jpg', 2), ('File:Own.png', 1),
                                          ('File:B.jpg', 3)),
                   'allimages': [{'title': 'File:Own.png'}], 'repos': [],
                   'general': {'time': '2026-12-05T04:00:00Z'}}},
        [], ['File:A.jpg', 'File:Own.png', 'File:B.jpg'],
        {'File:A.jpg': 2, 'File:B.jpg': 3}, {'File:Own.png'}, id='one-answer'),
    pytest.param(
        {'query': {'allfileusages': _uses(('File:A.jpg', 2), ('File:B.jpg', 1)),
                   'allimages': [], 'repos': [], 'general': {'time': '2026-12-05T04:00:00Z'}},
         'continue': {'afcontinue': 'B.jpg|12', 'continue': '-||allimages'}},
        [{'title': 'File:B.jpg'}, {'title': 'File:C.jpg'}],
        ['File:A.jpg', 'File:B.jpg', 'File:C.jpg'], None, set(), id='more-uses-than-an-answer'),
    pytest.param(
        {'query': {'allfileusages': _uses(('File:A.jpg', 1)), 'allimages': [{'title': 'X'}],
                   'repos': [], 'general': {'time': '2026-12-05T04:00:00Z'}},
         'continue': {'aicontinue': 'Y', 'continue': '-||allfileusages'}},
        [], ['File:A.jpg'], None, None, id='more-own-files-than-an-answer'),
])
def test_the_listing_of_what_a_consumer_uses_carries_its_own_files_and_uses(
        monkeypatch, answer, rest, titles, uses, local):
    """One request for a small wiki: the titles (each once), its own files, each file's
    uses (its own left out) and the wiki's time; past one answer, each title once from the
    last one on, and no counts (the status page then asks)."""
    from commonscache.reading import detect

    requests = _Answers([answer])
    monkeypatch.setattr(detect.pywikibot.data.api, 'Request', requests)
    monkeypatch.setattr(detect, 'list_query', lambda site, **params: iter(rest))
    listings = detect.Listings()
    times: list[str] = []
    assert list(detect.files_used_everywhere('wiki', listings, started=times.append)) == titles
    assert times == ['2026-12-05T04:00:00Z']
    assert requests.asked[0]['list'] == 'allfileusages|allimages'
    assert requests.asked[0]['meta'] == 'filerepoinfo|siteinfo'
    assert listings.take_usage_counts() == ({'wiki': uses} if uses is not None else {})
    assert listings.take_usage_counts() == {}  # counted once
    assert listings.local.get('wiki') == (frozenset(local) if local is not None else None)
