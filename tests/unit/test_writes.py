"""The act stage (:mod:`commonscache.writing.writes`), offline: verdicts in, outcomes out.

The wikis are stand-ins: the uploads, saves and deletions the stage calls are replaced by
functions that note what they were asked and answer as the shared repository would. What
the stage decides from those answers (a flag, a failure tried again, an edit left to the
next run) and what it asks, in which order, is what these tests hold. The same paths run
against real MediaWiki in tests/e2e.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import pywikibot
from pywikibot import config

from commonscache.datatypes import (
    Ahead,
    Decision,
    Outcome,
    Settings,
    SharedFile,
    Snapshot,
    SourceFile,
    Verdict,
)
from commonscache.markup.rules import Rules
from commonscache.writing import writes
from commonscache.writing.upload import UploadOutcome
from tests.unit.snapshots import OURS, SOURCE, version

TEMPLATE = 'Cached Commons Media'


class StubSite:
    """What the act stage asks of a wiki itself: its name, language and addresses."""

    lang = 'en'

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return f'devfarm:{self.name}'

    def base_url(self, path: str) -> str:
        return f'https://{self.name}.example{path}'

    def path(self) -> str:
        return '/w/index.php'


class StubRunPage:
    def __init__(self) -> None:
        self.checks = 0

    def check(self) -> None:
        self.checks += 1


class StubPrefetcher:
    """Downloads planned and taken, as files of the right bytes' stand-in."""

    policy = None

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.planned: list[str] = []

    def plan(self, title: str, **_: object) -> None:
        self.planned.append(title)

    def take(self, title: str, **_: object) -> Path:
        path = self.folder / title.replace(':', '_')
        path.write_bytes(b'bytes')
        return path

    def close(self) -> None:
        pass


class StubCopyUploads:
    mode = 'auto'

    def __init__(self, by_url: bool) -> None:
        self.by_url = by_url

    def reason_not(self, host: str, *, paced: bool) -> str:
        return '' if self.by_url else 'copy uploads are off'


@dataclasses.dataclass
class Wiki:
    """The shared repository's side: every write asked for, and the answers to give."""

    calls: list[tuple] = dataclasses.field(default_factory=list)
    #: title → the UploadOutcome an upload gets (default: uploaded with the source's sha1)
    uploads: dict[str, UploadOutcome] = dataclasses.field(default_factory=dict)
    #: title → what a save raises, or False for a page someone edited since
    saves: dict[str, object] = dataclasses.field(default_factory=dict)

    def upload(self, how: str, title: str, sha1: str) -> UploadOutcome:
        self.calls.append((how, title))
        return self.uploads.get(title, UploadOutcome('uploaded', sha1=sha1))

    def create(self, site: object, title: str, text: str, *, summary: str) -> bool:
        self.calls.append(('create', title, 0, text))
        return bool(self.saves.get(title, True))

    def save(self, site: object, title: str, text: str, *, since: int, summary: str) -> bool:
        self.calls.append(('save', title, since, text))
        answer = self.saves.get(title, True)
        if isinstance(answer, Exception):
            raise answer
        return bool(answer)


@pytest.fixture
def wiki(monkeypatch, tmp_path) -> Iterator[Wiki]:
    wiki = Wiki()
    monkeypatch.setattr(writes, 'upload_by_url', lambda api, title, url, *, sha1, **_:
                        wiki.upload('by-url', title, sha1))
    monkeypatch.setattr(writes, 'upload_file', lambda api, title, path, **_:
                        wiki.upload('streamed', title, SOURCES[title].latest.sha1))
    monkeypatch.setattr(writes, 'save_unless_edited', wiki.save)
    monkeypatch.setattr(writes, 'create_unless_taken', wiki.create)
    monkeypatch.setattr(config, 'simulate', False)
    yield wiki


def source(title: str, size: int, sha1: str) -> SourceFile:
    return dataclasses.replace(SOURCE, title=title, description_url=f'https://c.example/wiki/'
                               f'{title}', versions=(dataclasses.replace(version(sha1),
                                                                         size=size),))


SOURCES = {
    'File:Small.jpg': source('File:Small.jpg', 10, '1' * 40),
    'File:Big.jpg': source('File:Big.jpg', 1_000_000, '2' * 40),
    'File:Text.jpg': source('File:Text.jpg', 50, '3' * 40),
}


def writer(tmp_path: Path, *, by_url: bool = False, confirm: bool = True,
           uploads: int = 1) -> writes.Writer:
    settings = Settings(shared=StubSite('shared'), template=TEMPLATE, interwiki='commons',
                        rules=Rules(), markers=(), forced=frozenset())
    purged: list[str] = []
    return writes.Writer(settings, StubRunPage(), confirm=lambda question: confirm,
                         purge_later=purged.append, prefetch=StubPrefetcher(tmp_path),
                         copy_uploads=StubCopyUploads(by_url), uploads=uploads,
                         api=object())


def snapshot(verdicts: dict[str, Verdict], shared: dict[str, SharedFile] | None = None
             ) -> Snapshot:
    titles = list(verdicts)
    shared = shared or {}
    return Snapshot(
        source=StubSite('commons'), order=titles,
        sources={title: SOURCES.get(title) for title in titles},
        shared={title: shared.get(title, SharedFile(title, page_exists=title in shared,
                                                    revision=40))
                for title in titles},
        renamed={}, canonicals=titles, also_available=frozenset(), was_cached=frozenset(),
        corrupt={}, deletions={})


NOTHING_AHEAD = Ahead()


def act(verdicts: dict[str, Verdict], w: writes.Writer, *, ahead: Ahead = NOTHING_AHEAD,
        shared: dict[str, SharedFile] | None = None) -> dict[str, Outcome]:
    outcomes = writes.act(snapshot(verdicts, shared), verdicts, ahead, w, set())
    try:
        return {outcome.title: outcome for outcome in outcomes}
    finally:
        w.close()


CREATE, UPDATE_TEXT = Verdict('create', 'new'), Verdict('update-description', 'source-text')


def test_files_go_biggest_first_and_each_lands_as_the_bots_copy(wiki, tmp_path):
    w = writer(tmp_path)
    outcomes = act({'File:Small.jpg': CREATE, 'File:Big.jpg': CREATE}, w)
    assert [call[:2] for call in wiki.calls] == [('streamed', 'File:Big.jpg'),
                                                 ('streamed', 'File:Small.jpg')]
    assert {title: (o.kind, o.copied, o.moved) for title, o in outcomes.items()} == {
        'File:Big.jpg': ('cached', 1_000_000, 1_000_000),
        'File:Small.jpg': ('cached', 10, 10)}
    assert w.prefetch.planned == ['File:Big.jpg', 'File:Small.jpg']
    assert w.run_page.checks == 2  # the run page is asked before each write


def test_by_url_nothing_passes_through_the_bot(wiki, tmp_path):
    outcomes = act({'File:Small.jpg': CREATE}, writer(tmp_path, by_url=True))
    assert wiki.calls == [('by-url', 'File:Small.jpg')]
    assert (outcomes['File:Small.jpg'].copied, outcomes['File:Small.jpg'].moved) == (10, 0)


def test_a_new_description_is_saved_over_the_revision_the_batch_read(wiki, tmp_path):
    outcomes = act({'File:Text.jpg': UPDATE_TEXT}, writer(tmp_path),
                   shared={'File:Text.jpg': dataclasses.replace(OURS, title='File:Text.jpg',
                                                                revision=41)})
    [(call, title, since, text)] = wiki.calls
    assert (call, title, since) == ('save', 'File:Text.jpg', 41)
    assert text.startswith(f'{{{{{TEMPLATE}\n|source=https://c.example/wiki/File:Text.jpg')
    assert outcomes['File:Text.jpg'].kind == 'updated'


def test_a_description_someone_edited_since_is_left_for_the_next_run(wiki, tmp_path):
    wiki.saves['File:Text.jpg'] = False
    outcome = act({'File:Text.jpg': UPDATE_TEXT}, writer(tmp_path))['File:Text.jpg']
    assert (outcome.kind, outcome.reason) == ('skipped', 'edit-race')


def test_simulate_says_what_it_would_do_and_writes_nothing(wiki, tmp_path, monkeypatch):
    monkeypatch.setattr(config, 'simulate', True)
    w = writer(tmp_path)
    outcomes = act({'File:Small.jpg': CREATE, 'File:Text.jpg': UPDATE_TEXT}, w)
    assert {o.kind for o in outcomes.values()} == {'would cache'}
    assert wiki.calls == [] and w.run_page.checks == 0


def test_a_write_the_operator_declines_is_skipped(wiki, tmp_path):
    outcomes = act({'File:Small.jpg': CREATE}, writer(tmp_path, confirm=False))
    assert (outcomes['File:Small.jpg'].kind, outcomes['File:Small.jpg'].reason) == (
        'skipped', 'declined')
    assert wiki.calls == []


@pytest.mark.parametrize(('answer', 'kind', 'reason'), [
    (UploadOutcome('warning', warnings=('duplicate',), duplicates=('File:Other.jpg',)),
     'flagged', 'duplicate'),
    (UploadOutcome('warning', warnings=('was-deleted',)), 'flagged', 'was-deleted'),
    (UploadOutcome('warning', warnings=('exists',)), 'flagged', 'name-taken'),
    (UploadOutcome('warning', warnings=('badfilename',)), 'skipped', 'badfilename'),
    (UploadOutcome('refused', details='webp is not allowed'), 'flagged', 'upload-refused'),
    (UploadOutcome('uploaded', sha1='f' * 40), 'failed', 'sha1-mismatch'),
    (UploadOutcome('no-change'), 'nothing', 'same-file'),
])
def test_what_the_shared_repository_answers_an_upload_is_the_files_outcome(
        wiki, tmp_path, answer, kind, reason):
    wiki.uploads['File:Small.jpg'] = answer
    outcomes = act({'File:Small.jpg': CREATE, 'File:Big.jpg': CREATE}, writer(tmp_path))
    assert (outcomes['File:Small.jpg'].kind, outcomes['File:Small.jpg'].reason) == (kind,
                                                                                    reason)
    assert outcomes['File:Big.jpg'].kind == 'cached'  # the run goes on with the others


@pytest.mark.parametrize(('error', 'kind', 'reason'), [
    (pywikibot.exceptions.ServerError('502'), 'failed', 'upload-failed'),
    (pywikibot.exceptions.Error('abusefilter-disallowed'), 'flagged', 'write-refused'),
])
def test_a_save_the_wiki_does_not_take_stays_that_files_outcome(wiki, tmp_path, error, kind,
                                                                reason):
    wiki.saves['File:Text.jpg'] = error
    outcomes = act({'File:Text.jpg': UPDATE_TEXT, 'File:Small.jpg': CREATE}, writer(tmp_path))
    assert (outcomes['File:Text.jpg'].kind, outcomes['File:Text.jpg'].reason) == (kind, reason)
    assert outcomes['File:Small.jpg'].kind == 'cached'


def test_verdicts_without_a_write_become_outcomes_without_a_request(wiki, tmp_path):
    verdicts = {'File:Small.jpg': Verdict('nothing', 'up-to-date'),
                'File:Big.jpg': Verdict('flag', 'local-changed', 'Carol edited it'),
                'File:Text.jpg': Verdict('skip', 'source-unreachable', 'later')}
    outcomes = act(verdicts, writer(tmp_path))
    assert {t: (o.kind, o.reason) for t, o in outcomes.items()} == {
        'File:Small.jpg': ('nothing', 'up-to-date'),
        'File:Big.jpg': ('flagged', 'local-changed'),
        'File:Text.jpg': ('skipped', 'source-unreachable')}
    assert outcomes['File:Small.jpg'].size == 10
    assert wiki.calls == []


def test_a_detach_writes_sync_no_into_the_text_the_batch_read(wiki, tmp_path):
    w = writer(tmp_path)
    w.settings = dataclasses.replace(w.settings, decisions={'File:Text.jpg': Decision(
        'File:Text.jpg', 'detach', 'Admin', '* [[:File:Text.jpg]] detach')})
    read = dataclasses.replace(OURS, title='File:Text.jpg', revision=77,
                               text=f'{{{{{TEMPLATE}|sha1=a}}}}\nkept as it is')
    outcomes = act({'File:Text.jpg': Verdict('detach', 'decided')}, w,
                   shared={'File:Text.jpg': read})
    [(call, title, since, text)] = wiki.calls
    assert (call, since) == ('save', 77)
    assert text == f'{{{{{TEMPLATE}|sha1=a|sync=no}}}}\nkept as it is'
    assert outcomes['File:Text.jpg'].reason == 'detached'


class StubPage:
    deleted: list[str] = []

    def __init__(self, site: object, title: str) -> None:
        self.title = title

    def delete(self, *, reason: str, prompt: bool) -> None:
        StubPage.deleted.append(self.title)


@pytest.mark.parametrize(('may_delete', 'reason'), [(True, 'deleted-on-review'),
                                                     (False, 'tagged-for-deletion')])
def test_a_delete_decision_deletes_where_the_bot_may_and_tags_elsewhere(
        wiki, tmp_path, monkeypatch, may_delete, reason):
    monkeypatch.setattr(writes.pywikibot, 'Page', StubPage)
    StubPage.deleted = []
    w = writer(tmp_path)
    w.settings = dataclasses.replace(w.settings, decisions={'File:Text.jpg': Decision(
        'File:Text.jpg', 'delete-copy', 'Admin', '* [[:File:Text.jpg]] delete-copy')})
    read = dataclasses.replace(OURS, title='File:Text.jpg', revision=9, text='the copy')
    outcome = act({'File:Text.jpg': Verdict('delete', 'decided')}, w,
                  ahead=Ahead(may_delete=may_delete),
                  shared={'File:Text.jpg': read})['File:Text.jpg']
    assert outcome.reason == reason
    if may_delete:
        assert StubPage.deleted == ['File:Text.jpg'] and wiki.calls == []
    else:
        [(call, _, since, text)] = wiki.calls
        assert (call, since) == ('save', 9) and text.startswith('{{Delete|')
        assert text.endswith('\nthe copy')


class RevisionsSite:
    """A wiki that answers the revisions query with *revisions*, newest first."""

    def __init__(self, revisions: list[tuple[int, str]] | None) -> None:
        self.revisions = revisions

    def simple_request(self, **params: object) -> object:
        page = ({'title': 'T', 'missing': True} if self.revisions is None else
                {'title': 'T', 'revisions': [{'revid': revid, 'user': user}
                                             for revid, user in self.revisions]})
        return type('Request', (), {'submit': lambda _: {'query': {'pages': [page]}}})()


@pytest.mark.parametrize(('revisions', 'newest'), [
    ([(40, 'Carol')], 40),  # nobody since
    ([(42, 'CacheBot'), (41, 'CacheBot'), (40, 'Carol')], 42),  # the bot's own since
    ([(42, 'CacheBot'), (41, 'Carol'), (40, 'CacheBot')], 0),  # a person's under the bot's
    ([(41, 'Carol'), (40, 'CacheBot')], 0),
    ([(41, 'CacheBot')], 0),  # the revision read is gone: deleted and made again
    (None, 0),  # the page is gone
    ([(40 + n, 'CacheBot') for n in range(51, -1, -1)], 0),  # more than can be told
])
def test_a_save_goes_over_the_newest_revision_only_when_all_since_are_the_bots(revisions,
                                                                                newest):
    from commonscache.writing.pages import newest_if_only_by

    assert newest_if_only_by(RevisionsSite(revisions), 'T', 'CacheBot', after=40) == newest


@pytest.mark.parametrize(('page_exists', 'call'), [(False, 'create'), (True, 'save')])
def test_an_old_name_becomes_a_redirect_over_what_the_batch_read(wiki, tmp_path, page_exists,
                                                                 call):
    read = SharedFile('File:Old.jpg', page_exists=page_exists, revision=5 if page_exists else 0)
    verdict = Verdict('redirect', 'renamed', 'File:New.jpg')
    outcome = act({'File:Old.jpg': verdict}, writer(tmp_path),
                  shared={'File:Old.jpg': read})['File:Old.jpg']
    [(asked, title, since, text)] = wiki.calls
    assert (asked, title, since) == (call, 'File:Old.jpg', 5 if page_exists else 0)
    assert text.startswith('#REDIRECT [[File:New.jpg]]\n{{Cached Commons Media|redirect=')
    assert (outcome.kind, outcome.details) == ('cached', 'redirect to File:New.jpg')


def test_a_name_someone_took_meanwhile_is_not_made_a_redirect(wiki, tmp_path):
    wiki.saves['File:Old.jpg'] = False
    outcome = act({'File:Old.jpg': Verdict('redirect', 'renamed', 'File:New.jpg')},
                  writer(tmp_path))['File:Old.jpg']
    assert (outcome.kind, outcome.reason) == ('skipped', 'edit-race')
