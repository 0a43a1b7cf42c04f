"""Reading what stands on the shared repository: redirects and the provenance template."""
from __future__ import annotations

import pytest

from commonscache.reading.target import provenance_of, redirect_target, same_template


@pytest.mark.parametrize(('text', 'target'), [
    ('#REDIRECT [[File:Lighthouse_at_dusk.jpg]]\n{{Cached Commons Media}}',
     'File:Lighthouse at dusk.jpg'),
    ('#redirect[[:file:a b.jpg]]', 'File:A b.jpg'),
    ('  #REDIRECT [[File:X.png|label]]', 'File:X.png'),
    ('A page that mentions #REDIRECT [[File:X.png]]', ''),
    ('#REDIRECT', ''),
])
def test_redirect_target(text: str, target: str):
    assert redirect_target(text) == target


@pytest.mark.parametrize(('name', 'other', 'same'), [
    ('Cached Commons Media', 'cached_Commons_Media', True),
    ('Template:Cached Commons Media', ' Cached Commons Media ', True),
    ('Cached Commons Media', 'Cached commons media', False),
])
def test_template_names_compare_as_mediawiki_does(name: str, other: str, same: bool):
    assert same_template(name, other) is same


def test_provenance_is_read_from_the_first_matching_template_only():
    text = ('{{Other|sha1=x}}{{cached_Commons_Media |sha1= abc |author=A &amp; B}}'
            '{{Cached Commons Media|sha1=second}}')
    assert provenance_of(text, 'Cached Commons Media') == {'sha1': 'abc', 'author': 'A & B'}


class StubShared:
    """A shared repository that notes what it is asked: its site info and rights."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.siteinfo = self

    def get(self, key: str, default: object = None) -> object:
        self.asked.append(f'siteinfo {key}')
        return [{'prefix': 'commons'}, {'prefix': 'wikipedia'}]

    def has_right(self, right: str) -> bool:
        self.asked.append(f'right {right}')
        return True


def ahead_of(verdicts: dict, texts: dict[str, str], *, categories: str = 'existing',
             monkeypatch) -> tuple:
    import dataclasses

    from commonscache.datatypes import Settings, Snapshot
    from commonscache.markup.rules import Rules
    from commonscache.reading import target
    from tests.unit.snapshots import SOURCE

    shared = StubShared()
    asked_titles: list[set[str]] = []

    def existing_pages(site: object, titles: set[str]) -> set[str]:
        asked_titles.append(set(titles))
        return {'Category:Harbours'} & set(titles)

    monkeypatch.setattr(target, 'existing_pages', existing_pages)
    settings = Settings(shared=shared, template='T', interwiki='commons', rules=Rules(),
                        markers=(), forced=frozenset(), categories=categories)
    snapshot = Snapshot(source=None, order=list(verdicts),
                        sources={t: dataclasses.replace(SOURCE, title=t, text=texts.get(t, ''))
                                 for t in verdicts},
                        shared={}, renamed={}, canonicals=[], also_available=frozenset(),
                        was_cached=frozenset(), corrupt={}, deletions={})
    return target.read_ahead(snapshot, verdicts, settings), asked_titles, shared.asked


def test_what_the_writes_need_is_read_ahead_in_one_request_and_only_when_they_write(
        monkeypatch):
    from commonscache.datatypes import Verdict

    texts = {'File:A.jpg': '[[Category:Harbours]] [[Category:Missing]]',
             'File:B.jpg': '[[Category:Skipped]]'}
    ahead, titles, asked = ahead_of({'File:A.jpg': Verdict('create'),
                                     'File:B.jpg': Verdict('nothing', 'up-to-date')}, texts,
                                    monkeypatch=monkeypatch)
    assert titles == [{'Category:Harbours', 'Category:Missing'}]  # B writes nothing
    assert ahead.categories.existing == {'Category:Harbours'}
    assert ahead.known_prefixes == ('commons', 'wikipedia') and not ahead.may_delete
    assert asked == ['siteinfo interwikimap']  # no right asked: nothing is deleted

    ahead, titles, asked = ahead_of({'File:B.jpg': Verdict('nothing', 'up-to-date')}, texts,
                                    monkeypatch=monkeypatch)
    assert (titles, asked) == ([], [])

    ahead, titles, asked = ahead_of({'File:A.jpg': Verdict('create')}, texts,
                                    categories='all', monkeypatch=monkeypatch)
    assert titles == [] and ahead.categories.keep == 'all'

    ahead, titles, asked = ahead_of({'File:A.jpg': Verdict('delete', 'decided')}, texts,
                                    monkeypatch=monkeypatch)
    assert titles == [] and ahead.may_delete and 'right delete' in asked
