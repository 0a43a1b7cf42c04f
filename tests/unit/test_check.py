"""``-check`` (:mod:`commonscache.running.check`), offline: what each finding says for what
the wikis answer. The whole check runs against real MediaWiki in tests/e2e/test_farm.py and
tests/e2e/test_setup.py."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from pywikibot import config

from commonscache.reading.detect import FileUse
from commonscache.running import check
from commonscache.wikis.query import QueryResult


class StubSite:
    """A wiki as the check sees it: its name, API address and site info."""

    def __init__(self, name: str, *, host: str = '', extensions: tuple[str, ...] = (),
                 max_upload: int = 0) -> None:
        self.name, self.host = name, host or f'{name}.example'
        self.siteinfo = {
            'general': {'server': f'https://{self.host}', 'scriptpath': '/w'},
            'fileextensions': [{'ext': ext} for ext in extensions],
            'maxuploadsize': max_upload}

    def __str__(self) -> str:
        return f'farm:{self.name}'

    def base_url(self, path: str) -> str:
        return f'https://{self.host}{path}'

    def apipath(self) -> str:
        return '/w/api.php'


SHARED = StubSite('shared', host='media.example')
SOURCE = StubSite('commons', host='commons.example')


@pytest.mark.parametrize(('repo', 'site', 'found'), [
    ({'apiurl': 'https://media.example/w/api.php'}, SHARED, True),
    ({'apiurl': 'http://media.example/w/api.php'}, SHARED, True),  # schemes aside
    ({'apiurl': 'https://commons.example/w/api.php'}, SHARED, False),
    # a repository read from its database reports no API address
    ({'scriptDirUrl': '//media.example/w'}, SHARED, True),
    ({'scriptDirUrl': 'https://other.example/w'}, SHARED, False),
    ({'apiurl': 'https://media.example/w/api.php'}, None, False),
])
def test_a_repository_entry_is_told_by_its_api_or_its_script_address(repo, site, found):
    assert check.repository_on(repo, site) is found


def order(monkeypatch, repos: list[dict]) -> list[check.Finding]:
    class Request:
        def __init__(self, *, site: object, parameters: dict) -> None:
            assert parameters['meta'] == 'filerepoinfo'

        def submit(self) -> dict:
            return {'query': {'repos': [{'name': 'local', 'local': True}, *repos]}}

    monkeypatch.setattr(check.pywikibot.data.api, 'Request', Request)
    return list(check.check_repository_order(StubSite('consumer'), SHARED, SOURCE))


SHARED_REPO = {'name': 'shared', 'apiurl': 'https://media.example/w/api.php'}
SHARED_DB = {'name': 'shareddb', 'scriptDirUrl': 'https://media.example/w'}
SOURCE_REPO = {'name': 'commons', 'apiurl': 'https://commons.example/w/api.php'}


@pytest.mark.parametrize(('repos', 'ok', 'says'), [
    ([SHARED_REPO, SOURCE_REPO], True, 'reads farm:shared through its API (repository shared)'),
    ([SHARED_DB, SOURCE_REPO], True, 'reads farm:shared from its database'),
    ([SOURCE_REPO, SHARED_REPO], False, 'list the shared repository first'),
    ([SOURCE_REPO], False, 'add farm:shared to $wgForeignFileRepos of farm:consumer'),
])
def test_the_consumer_must_ask_the_shared_repository_before_the_source(monkeypatch, repos, ok,
                                                                       says):
    [finding] = order(monkeypatch, repos)
    assert finding.ok is ok and says in finding.text


def types(monkeypatch, sizes: dict[str, int], shared: StubSite) -> list[check.Finding]:
    used = [FileUse(title, 'foreign') for title in sizes] + [FileUse('File:Own.jpg',
                                                                       'local')]
    monkeypatch.setattr(check, 'files_used_everywhere', lambda consumer, listings: list(sizes))
    monkeypatch.setattr(check, 'classify', lambda consumer, shared, titles: used)
    result = QueryResult()
    result.pages.update({title: {'title': title, 'imageinfo': [{'size': size}]}
                         for title, size in sizes.items()})
    monkeypatch.setattr(check, 'query_titles', lambda site, titles, **params: result)
    return list(check.check_file_types(StubSite('consumer'), shared))


def test_foreign_files_the_shared_repository_would_refuse_are_named(monkeypatch):
    shared = StubSite('shared', extensions=('jpg', 'png'), max_upload=1000)
    findings = types(monkeypatch, {'File:A.webp': 10, 'File:B.WEBP': 10, 'File:C.jpg': 5000,
                                   'File:D.png': 10}, shared)
    assert [(f.ok, f.text.split(' (e.g.')[0].split(', e.g.')[0]) for f in findings] == [
        (False, 'farm:consumer uses 2 .webp files'),
        (False, 'farm:consumer uses 1 files larger than the upload limit of farm:shared '
                '(1,000 bytes)')]


def test_files_that_fit_are_one_line(monkeypatch):
    [finding] = types(monkeypatch, {'File:A.jpg': 10}, StubSite('shared', extensions=('jpg',)))
    assert finding.ok and 'the 1 foreign files farm:consumer uses fit' in finding.text


@pytest.mark.parametrize(('contact', 'ok'), [('Example farm (ops@example.org)', True),
                                              ('see https://example.org/bot', True),
                                              ('User:Operator', True), ('my bot', False)])
def test_the_user_agent_must_say_how_to_reach_the_operator(monkeypatch, contact, ok):
    monkeypatch.setattr(config, 'user_agent_description', contact)
    first = next(check.check_setup(SimpleNamespace(shared='')))
    assert first.ok is ok


def test_without_a_shared_repository_the_check_says_so_and_stops(monkeypatch, capsys):
    monkeypatch.setattr(config, 'user_agent_description', 'ops@example.org')
    assert check.run_check(SimpleNamespace(shared='')) == 2
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('ok   the User-Agent carries contact information')
    assert lines[1].startswith('FIX  name the shared repository: -shared:FAMILY:CODE')
    assert len(lines) == 2
