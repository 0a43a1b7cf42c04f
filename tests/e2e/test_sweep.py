"""The caching sweep, end to end on the dev farm, through the real command line."""
from __future__ import annotations

import hashlib
import re

import pytest
import requests

from commonscache.reading.target import provenance_of
from devfarm import farm, seed
from tests.conftest import PYWIKIBOT_DIR, run_cli
from tests.e2e.support import (
    CACHEABLE,
    SHARED,
    api,
    api_log,
    copies_listed,
    imageinfo,
    repositories,
    shared_edits,
    shared_uploads,
    summary_of,
)
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e

#: A name the Commons stand-in renamed (now a redirect to File:Lighthouse at dusk.jpg).
RENAMED = 'File:Old lighthouse name.jpg'
REFUSED = 'File:Modern format sample.webp'  # the shared repository does not allow webp
MISSING = 'File:This file exists nowhere.png'














def file_downloads(commons: farm.Wiki) -> int:
    """Requests for original files that the Commons stand-in has served (its access log)."""
    log = (commons.root / 'server.log').read_text(errors='replace')
    return sum(1 for line in log.splitlines() if 'GET /w/images/' in line)


def api_requests(*wikis: farm.Wiki) -> int:
    """API requests the wikis have answered (their access logs)."""
    pattern = re.compile(r'\]: (GET|POST|HEAD) /w/api\.php')
    return sum(len(pattern.findall((wiki.root / 'server.log').read_text(errors='replace')))
               for wiki in wikis)






def test_sweep_caches_every_foreign_file_and_a_rerun_does_nothing(farm_wikis):
    commons, shared, consumer = farm_wikis['commons'], farm_wikis['shared'], farm_wikis['consumer']
    before = repositories(consumer, CACHEABLE | {REFUSED, MISSING, RENAMED})
    assert set(before.values()) == {'devfarm-commons', ''}

    for cookies in PYWIKIBOT_DIR.glob('pywikibot-*.lwp'):  # so that the run logs in
        cookies.unlink()
    # Streamed by the bot, in chunks of 1 MB (uploads by URL: tests/e2e/test_uploads.py).
    result = run_cli(SHARED, '-always', '-setup', '-chunk:1', '-byurl:never',
                     '-log:e2e-sweep.log')
    assert result.returncode == 0, result.stderr
    counts = summary_of(result.stderr)
    cached = len(CACHEABLE) + 1  # and the renamed name, as a redirect
    assert counts == {'examined': cached + 2, 'cached': cached, 'updated': 0, 'up to date': 0,
                      'skipped': 1, 'flagged': 1, 'failed': 0,
                      'bytes transferred': counts['bytes transferred'],
                      'bytes through the bot': counts['bytes transferred']}
    assert counts['bytes transferred'] > 1_000_000  # the panorama came in chunks
    # One voice (issue 35): each count once, in the summary; no library line between.
    assert ' operation' not in result.stderr and '] saved' not in result.stderr, result.stderr
    assert 'Logging in to' not in result.stderr, result.stderr
    # Pywikibot's login lines go to log files only.
    log = (PYWIKIBOT_DIR / 'logs' / 'e2e-sweep.log').read_text()
    assert 'Logging in to devfarm:shared as CacheBot' in log
    assert result.stderr.rstrip().splitlines()[-1].startswith('examined ')

    after = repositories(consumer, CACHEABLE | {REFUSED, MISSING, RENAMED})
    assert after == {**{title: 'devfarm-shared' for title in CACHEABLE | {RENAMED}},
                     REFUSED: 'devfarm-commons', MISSING: ''}
    on_source = imageinfo(commons, CACHEABLE)
    on_shared = imageinfo(shared, CACHEABLE)
    for title in CACHEABLE:
        assert on_shared[title]['imageinfo'][0]['sha1'] == on_source[title]['imageinfo'][0]['sha1']
    panorama = requests.get(on_shared['File:Harbour panorama.jpg']['imageinfo'][0]['url'],
                            timeout=60).content
    assert hashlib.sha1(panorama).hexdigest() == \
        on_source['File:Harbour panorama.jpg']['imageinfo'][0]['sha1']

    text = api(shared, action='query', titles='File:Sunset over the harbour.jpg',
               prop='revisions', rvprop='content', rvslots='main')['query']['pages'][0][
        'revisions'][0]['slots']['main']['content']
    provenance = provenance_of(text, 'Cached Commons Media')
    assert provenance['author'] == 'Alice Example'
    assert provenance['licence'] == 'CC BY-SA 4.0'
    assert provenance['sha1'] == on_source['File:Sunset over the harbour.jpg'][
        'imageinfo'][0]['sha1']
    assert provenance['source'] == f'{commons.server}/wiki/File:Sunset_over_the_harbour.jpg'
    assert '[[commons:User:Bob Photographer|Bob Photographer]]' in text  # upload history
    assert '[[commons:Example Town|Example Town]]' in text  # links point back

    uploads, edits, downloads = shared_uploads(shared), shared_edits(shared), \
        file_downloads(commons)
    rerun = run_cli(SHARED, '-always')
    assert rerun.returncode == 0, rerun.stderr
    assert summary_of(rerun.stderr)['cached'] == 0
    assert summary_of(rerun.stderr)['up to date'] == cached
    assert shared_uploads(shared) == uploads
    assert shared_edits(shared) == edits
    assert file_downloads(commons) == downloads


def test_a_sweep_makes_the_consumer_look_nothing_up_on_commons(farm_wikis):
    """The consumer is asked only for its own files and its repositories; the shared wiki
    and the source are read directly, in batches. Asking the consumer's prop=imageinfo would
    make it look every file up on Commons, one HTTP request each, while the bot waits."""
    commons, consumer = farm_wikis['commons'], farm_wikis['consumer']
    before_commons, before_consumer = len(api_log(commons)), len(api_log(consumer))
    result = run_cli(SHARED, '-always', '-setup', '-nopurge')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['cached'] == len(CACHEABLE) + 1
    asked = api_log(consumer)[before_consumer:]
    bot = [entry for entry in asked if 'commonscache' in entry['agent']]
    assert [e for e in bot if e['prop'] == 'imageinfo'] == []
    # Its own files come with the listing of what it uses: no survey of its own.
    assert [e['list'] for e in bot if 'allimages' in e['list']] == ['allfileusages|allimages']
    by_mediawiki = [entry for entry in api_log(commons)[before_commons:]
                    if entry['agent'].startswith('MediaWiki/')]
    # No file looked up on Commons for the bot: one request for the repository's favicon,
    # which the consumer fetches to describe its repositories (meta=filerepoinfo).
    assert len(by_mediawiki) == 1, by_mediawiki
    assert by_mediawiki[0]['prop'] == by_mediawiki[0]['list'] == '', by_mediawiki


def test_a_consumer_that_asks_commons_first_classifies_the_files_itself(farm_wikis):
    """When the shared repository is not the consumer's first foreign repository, only the
    consumer knows where it finds each file: it is asked (prop=imageinfo)."""
    consumer = farm_wikis['consumer']
    before = len(api_log(consumer))
    with farm.configured('consumer', foreign_repos=['commons', 'shared']):
        result = run_cli(SHARED, '-always', '-setup', '-nopurge', '-page:Maps')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['cached'] == 2
    bot = [entry for entry in api_log(consumer)[before:] if 'commonscache' in entry['agent']]
    assert [e['ntitles'] for e in bot if e['prop'] == 'imageinfo'] == ['2']


def test_simulate_writes_nothing(farm_wikis):
    shared = farm_wikis['shared']
    downloads, edits = file_downloads(farm_wikis['commons']), shared_edits(shared)
    result = run_cli(SHARED, '-always', '-simulate', '-setup')
    assert result.returncode == 0, result.stderr
    assert 'would cache File:Sunset over the harbour.jpg' in result.stderr
    # The renamed name waits for its file, which a simulated run does not upload.
    assert summary_of(result.stderr)['would cache'] == len(CACHEABLE)
    assert shared_uploads(shared) == []
    assert shared_edits(shared) == edits  # not even the template that -setup would create
    assert file_downloads(farm_wikis['commons']) == downloads


def test_a_renamed_file_is_cached_once_and_its_old_name_redirects_to_it(farm_wikis):
    shared = farm_wikis['shared']
    result = run_cli(SHARED, '-always', '-page:Lighthouse')
    assert result.returncode == 0, result.stderr
    assert shared_uploads(shared) == ['File:Lighthouse at dusk.jpg']
    page = api(shared, action='query', titles=RENAMED, prop='revisions', rvprop='content',
               rvslots='main')['query']['pages'][0]
    assert page['revisions'][0]['slots']['main']['content'].startswith(
        '#REDIRECT [[File:Lighthouse at dusk.jpg]]')
    assert repositories(farm_wikis['consumer'], {RENAMED}) == {RENAMED: 'devfarm-shared'}


def test_an_old_name_met_after_its_file_was_cached_redirects_to_it(farm_wikis):
    """The file under its new name was cached by an earlier run (found by the kill tests: a
    run killed between the two left the old name skipped for ever)."""
    first = run_cli(SHARED, '-always', '-page:File:Lighthouse at dusk.jpg')
    assert first.returncode == 0, first.stderr
    later = run_cli(SHARED, '-always', '-page:Lighthouse')
    assert later.returncode == 0, later.stderr
    assert shared_uploads(farm_wikis['shared']) == ['File:Lighthouse at dusk.jpg']
    assert repositories(farm_wikis['consumer'], {RENAMED}) == {RENAMED: 'devfarm-shared'}


def test_a_category_sweep_touches_only_that_categorys_files(farm_wikis):
    result = run_cli(SHARED, '-always', '-cat:Places')
    assert result.returncode == 0, result.stderr
    assert shared_uploads(farm_wikis['shared']) == [
        'File:Example diagram.svg', 'File:Sunset over the harbour.jpg']


def test_a_page_generator_counts_file_pages_as_their_own_file(farm_wikis):
    result = run_cli(SHARED, '-always', '-page:File:Mona Lisa test.png', '-page:Documents')
    assert result.returncode == 0, result.stderr
    assert shared_uploads(farm_wikis['shared']) == [
        'File:Mona Lisa test.png', 'File:Sample document.pdf']


def test_a_missing_and_a_refused_file_do_not_stop_the_run(farm_wikis):
    result = run_cli(SHARED, '-always', '-page:Formats', '-page:Wanted', '-page:Gallery')
    assert result.returncode == 0, result.stderr
    assert 'upload-refused' in result.stderr
    assert 'missing-everywhere' in result.stderr
    assert shared_uploads(farm_wikis['shared']) == [
        'File:Animated spinner.gif', 'File:Mona Lisa test.png']


@pytest.mark.parametrize(('args', 'message'), [
    pytest.param(('-always',), 'no shared repository', id='no-shared'),
    pytest.param(('-shared:devfarm', '-always'), 'not of the form FAMILY:CODE', id='malformed'),
    pytest.param(('-shared:nosuchfamily:x', '-always'), 'unknown shared repository',
                 id='unknown-family'),
    pytest.param(('-site:devfarm:shared', SHARED, '-always'), 'is the shared repository itself',
                 id='consumer-is-shared'),
    pytest.param((SHARED, '-chunk:lots'), '-chunk:lots is not a number', id='bad-chunk'),
    pytest.param((SHARED, '-purgedelay:soon'), '-purgedelay:soon is not a number of seconds',
                 id='bad-purgedelay'),
    pytest.param((SHARED, '-purgedelay:-1'), '-purgedelay:-1 is not a number of seconds',
                 id='negative-purgedelay'),
])
def test_configuration_errors_exit_2_with_one_line(farm_wikis, args, message):
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert 'Traceback' not in result.stderr
    assert shared_uploads(farm_wikis['shared']) == []


@pytest.mark.parametrize(('changes', 'message'), [
    pytest.param({'uploads': False}, 'uploads are disabled on the shared repository',
                 id='uploads-disabled'),
    pytest.param({'revoked_rights': ['upload', 'reupload']}, 'lacks the upload right',
                 id='no-upload-right'),
])
def test_a_shared_repository_that_cannot_take_uploads_exits_2(farm_wikis, changes, message):
    with farm.configured('shared', farm.farm_dir(), **changes):
        result = run_cli(SHARED, '-always')
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert 'Traceback' not in result.stderr


def test_an_unreachable_shared_repository_exits_2(farm_wikis):
    farm.stop(farm_wikis['shared'])
    result = run_cli(SHARED, '-always')
    assert result.returncode == 2, result.stderr
    assert 'cannot reach the shared repository devfarm:shared at' in result.stderr
    assert 'Traceback' not in result.stderr


def test_a_refresh_of_unchanged_copies_costs_a_few_requests_and_no_downloads(farm_wikis):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    assert run_cli(SHARED, '-always', '-setup').returncode == 0
    copies_listed(shared)
    requests_before, downloads = api_requests(commons, shared), file_downloads(commons)
    result = run_cli(SHARED, '-always', '-refresh')
    assert result.returncode == 0, result.stderr
    counts = summary_of(result.stderr)
    # The copies, all up to date, and the file that waits for its source (the page Wanted
    # embeds it and no wiki has it), read again as every -refresh does.
    assert (counts['examined'], counts['up to date'], counts['skipped']) == (
        len(CACHEABLE) + 2, len(CACHEABLE) + 1, 1)
    assert f'skipped File:{seed.MISSING_FILE.replace("_", " ")}: missing-everywhere' in \
        result.stderr
    assert file_downloads(commons) == downloads
    # Pywikibot's cold start (site and parameter info, login: about 14 requests, nothing
    # cached in the tests); the run page and the request page; then one batched read each:
    # the list of cached copies, the copies, their sources; the waiting file on the shared
    # repository and its source; and the review page, unchanged and so not written.
    assert api_requests(commons, shared) - requests_before <= 26


def test_a_file_above_the_configured_maximum_is_flagged_and_not_downloaded(farm_wikis):
    downloads = file_downloads(farm_wikis['commons'])
    result = run_cli(SHARED, '-always', '-page:Panorama', '-maxsize:1')
    assert result.returncode == 0, result.stderr
    assert 'upload-refused' in result.stderr and 'configured maximum' in result.stderr
    assert shared_uploads(farm_wikis['shared']) == []
    assert file_downloads(farm_wikis['commons']) == downloads


def test_the_bots_own_page_is_written_in_one_request_and_read_again_when_asked(farm_wikis):
    """save_own_page: one edit, no reads after it (Pywikibot's text setter would ask for the
    page's templates and revisions); the page then reads what the wiki holds, and a second
    write goes on from the new revision without an edit conflict."""
    import pywikibot

    from commonscache.wikis.sites import save_own_page

    shared = pywikibot.Site('shared', 'devfarm')
    shared.login()
    shared.tokens['csrf']  # noqa: B018 - the token is fetched before counting
    page = pywikibot.Page(shared, 'Project:Own page probe')
    assert not page.exists()
    before = len(api_log(farm_wikis['shared']))
    save_own_page(page, 'first', 'probe')
    asked = [(e['action'], e['prop']) for e in api_log(farm_wikis['shared'])[before:]]
    assert asked == [('edit', '')], asked

    assert page.exists() and page.text == 'first'
    save_own_page(page, 'second', 'probe')
    assert pywikibot.Page(shared, page.title()).text == 'second'
    assert page.text == 'second'


def test_a_save_goes_over_the_revision_read_only_while_nobody_else_edited_since(farm_wikis):
    """save_unless_edited, against MediaWiki: the bot's own revisions since the one it read
    (its upload of a new version) do not count; a person's does, even under a later
    revision of the bot's; a page deleted since is not made again. Two requests: the
    revisions since, and the edit."""
    import pywikibot

    from commonscache.writing.pages import create_unless_taken, save_unless_edited

    shared = pywikibot.Site('shared', 'devfarm')
    shared.login()
    shared.tokens['csrf']  # noqa: B018 - the token is fetched before counting
    person = WikiClient(farm_wikis['shared'], farm.USER, farm.USER_PASSWORD)
    title = 'Project:Conditional save probe'

    def bot_edit(text: str) -> int:
        page = pywikibot.Page(shared, title)
        page.text = text
        page.save(summary='probe', quiet=True, force=True)
        return pywikibot.Page(shared, title).latest_revision_id

    read = bot_edit('as the batch read it')
    bot_edit('the bot again (as its upload of a new version would)')
    before = len(api_log(farm_wikis['shared']))
    assert save_unless_edited(shared, title, 'saved', since=read, summary='probe')
    asked = [(e['action'], e['prop']) for e in api_log(farm_wikis['shared'])[before:]]
    assert asked == [('query', 'revisions'), ('edit', '')], asked
    assert person.text(title) == 'saved'

    read = pywikibot.Page(shared, title).latest_revision_id
    before = len(api_log(farm_wikis['shared']))
    assert save_unless_edited(shared, title, 'saved again', since=read, summary='probe')
    asked = [(e['action'], e['prop']) for e in api_log(farm_wikis['shared'])[before:]]
    assert asked == [('query', 'revisions'), ('edit', '')], asked

    read = pywikibot.Page(shared, title).latest_revision_id
    person.edit(title, text='a person wrote this')
    bot_edit('the bot, after the person')
    assert not save_unless_edited(shared, title, 'over the person', since=read,
                                  summary='probe')
    assert person.text(title) == 'the bot, after the person'

    read = pywikibot.Page(shared, title).latest_revision_id
    WikiClient(farm_wikis['shared'], farm.ADMIN, farm.ADMIN_PASSWORD).delete(title, 'gone')
    assert not save_unless_edited(shared, title, 'made again', since=read, summary='probe')
    assert not pywikibot.Page(pywikibot.Site('shared', 'devfarm'), title).exists()

    # A page made under a name the batch found free: only while nobody else made one.
    fresh = 'Project:Conditional creation probe'
    assert create_unless_taken(shared, fresh, 'the bot was first', summary='probe')
    assert not create_unless_taken(shared, fresh, 'over it', summary='probe')
    assert person.text(fresh) == 'the bot was first'
