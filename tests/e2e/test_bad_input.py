"""Bad input, end to end: awkward names, lying files, broken and huge descriptions, a page
embedding 5,000 files, an unreachable source and a login that expires mid-run. Each gets a
clear message (or simply works) and the run goes on.

The empty file and the file above the configured maximum are in test_sweep.py.
"""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from commonscache.deciding.reconcile import CORRUPT_AFTER
from commonscache.keeping.state import State
from commonscache.reading.detect import SURVEY_LIMIT
from commonscache.reading.target import provenance_of
from devfarm import farm
from devfarm.seed import SeedFile
from tests.conftest import FARM_DIR, PYWIKIBOT_DIR, run_cli
from tests.e2e.support import (
    api,
    api_log,
    imageinfo,
    report,
    repositories,
    shared_uploads,
    summary_of,
)
from tests.faultproxy import FaultProxy
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e

SHARED = '-shared:devfarm:shared'
SNAPSHOT = 'snapshot-bad-input'
DESCRIPTION = ('{{Information |description={{en|1=%s}} |date=2026 |source={{own}} '
               '|author=Alice Example}}\n{{Cc-by-4.0}}')


def longest_name() -> str:
    """A name of exactly 240 bytes, MediaWiki's limit for uploaded file names."""
    stem = 'Longest name ' + 'é' * 100
    return stem + 'x' * (240 - len(stem.encode()) - len('.png')) + '.png'


#: Awkward but valid names: each must be cached under the very same name.
AWKWARD = ['Ünïcödé café — 日本語 ✓.png', 'Quote "double" and \'single\'.png',
           'Fish & chips.png', 'Harbour (detail) (2).png', longest_name(), 'Lowercase start.png']
MIME_MISMATCH = 'Png dressed as jpeg.jpg'  # PNG bytes under a .jpg name
ALTERED = 'Altered on disk.png'  # the source serves bytes that do not match its sha1
MALFORMED = 'Malformed description.png'
HUGE = 'Huge description.png'
MALFORMED_TEXT = ('{{Information |description={{en|1=An unclosed template, <nowiki>an unclosed '
                  'tag, [[Category:Broken\n|author=Alice Example\n{| class="wikitable"\n'
                  '| a table never closed\n}}}} [[[[ ]] <ref> {{{{{{')
HUGE_TEXT = DESCRIPTION % ('A long description. ' * 105_000)  # about 2 MB
#: How the consumer embeds them: variants of one name are one file.
BAD_INPUT_PAGE = '\n'.join([
    *(f'[[File:{name}|thumb]]' for name in AWKWARD),
    '[[file:lowercase start.png]] [[File:Lowercase_start.png]] [[Image:Lowercase start.png]]',
    f'[[File:{MIME_MISMATCH}]] [[File:{ALTERED}]] [[File:{MALFORMED}]] [[File:{HUGE}]]',
])
#: A page embedding 5,000 files: the consumer's own, and a few from the Commons stand-in.
MANY_LOCAL = [f'Local sample {n:04d}.png' for n in range(1, 4996)]
MANY_FOREIGN = ['Mona Lisa test.png', 'Town map.png', 'Old postcard.jpg',
                'Animated spinner.gif', 'Example diagram.svg']


def title(name: str) -> str:
    return 'File:' + name[:1].upper() + name[1:]


def alter_on_disk(wiki: farm.Wiki, name: str) -> None:
    """Change a file's bytes behind MediaWiki's back (same size, other sha1)."""
    url = imageinfo(wiki, {title(name)})[title(name)]['imageinfo'][0]['url']
    path = wiki.root / 'images' / unquote(urlsplit(url).path).split('/w/images/', 1)[1]
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def clone_local_files(wiki: farm.Wiki, model: str, names: list[str]) -> None:
    """Rows in the consumer's image table for *names*, copied from the uploaded *model*: local
    files as far as MediaWiki's lookups go, without 5,000 uploads."""
    columns = farm.columns(wiki, 'image')
    chosen = ', '.join('?' if column == 'img_name' else column for column in columns)
    farm.sql(wiki, f'INSERT INTO image ({", ".join(columns)}) SELECT {chosen} FROM image '
             'WHERE img_name = ?', many=[(name.replace(' ', '_'), model) for name in names])


@pytest.fixture(scope='module')
def bad_input_farm(farm_session: dict[str, farm.Wiki]) -> dict[str, farm.Wiki]:
    farm.restore(FARM_DIR)
    commons, consumer = farm_session['commons'], farm_session['consumer']
    files = [SeedFile(name, 'png', 'Alice Example', DESCRIPTION % 'An awkward name.', 64, 48, n)
             for n, name in enumerate(AWKWARD, start=200)]
    files += [SeedFile(MIME_MISMATCH, 'png', 'Alice Example', DESCRIPTION % 'Lies.', 64, 48, 300),
              SeedFile(ALTERED, 'png', 'Alice Example', DESCRIPTION % 'Altered.', 64, 48, 301),
              SeedFile(MALFORMED, 'png', 'Alice Example', MALFORMED_TEXT, 64, 48, 302),
              SeedFile(HUGE, 'png', 'Alice Example', HUGE_TEXT, 64, 48, 303)]
    farm.import_files(commons, files, overwrite=False)
    alter_on_disk(commons, ALTERED)
    farm.import_files(consumer, [SeedFile('Local sample 0000.png', 'png', farm.ADMIN,
                                          'A local file.', 16, 16, 400)], overwrite=False)
    clone_local_files(consumer, 'Local_sample_0000.png', MANY_LOCAL)
    farm.import_pages(consumer, {
        'Bad inputs': BAD_INPUT_PAGE,
        'Dense range': '[[File:Mona Lisa test.png]] [[File:Town map.png]]',
        'Corrupt source': f'[[File:{ALTERED}]]',
        'Many files': '<gallery>\n' + '\n'.join(
            f'File:{name}' for name in MANY_LOCAL + MANY_FOREIGN) + '\n</gallery>'})
    farm.maintenance(consumer, 'refreshLinks.php')
    farm.snapshot(FARM_DIR, SNAPSHOT)
    return farm_session


@pytest.fixture
def bad_input(bad_input_farm: dict[str, farm.Wiki]) -> dict[str, farm.Wiki]:
    import pywikibot

    farm.restore(FARM_DIR, SNAPSHOT)
    pywikibot._sites.clear()
    for state in PYWIKIBOT_DIR.glob('commonscache.sqlite*'):
        state.unlink()
    return bad_input_farm


def outcomes() -> dict[str, tuple[str, str, str]]:
    state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')
    try:
        return state.outcomes(shared='devfarm:shared')
    finally:
        state.close()


def test_awkward_names_lying_files_and_broken_descriptions(bad_input):
    commons, shared = bad_input['commons'], bad_input['shared']
    result = run_cli(SHARED, '-always', '-setup', '-page:Bad inputs')
    assert result.returncode == 0, result.stderr
    assert 'Traceback' not in result.stderr
    counts = summary_of(result.stderr)
    # By URL (the default): the lying file is refused in the one request, without being
    # streamed after; the altered one is flagged (the stream below is the bot's own check).
    assert counts['failed'] == 0 and counts['flagged'] == 2, result.stderr
    cached = {title(name) for name in [*AWKWARD, MALFORMED, HUGE]}
    uploads = shared_uploads(shared)
    # each once, the name variants included; and the altered file's bad bytes, not the bot's
    assert sorted(uploads) == sorted(cached | {title(ALTERED)})

    on_source, on_shared = imageinfo(commons, cached), imageinfo(shared, cached)
    for name in cached:
        assert on_shared[name]['imageinfo'][0]['sha1'] == on_source[name]['imageinfo'][0]['sha1']
    assert repositories(bad_input['consumer'], cached) == dict.fromkeys(cached, 'devfarm-shared')

    state = outcomes()
    mismatch = state[title(MIME_MISMATCH)]
    assert mismatch[:2] == ('flagged', 'upload-refused')
    assert 'image/png' in mismatch[2], mismatch  # MediaWiki names the real type
    assert f'flagged {title(MIME_MISMATCH)} for review: upload-refused' in result.stderr
    assert 'this file is streamed by the bot instead' not in result.stderr  # refused once
    altered = state[title(ALTERED)]
    assert altered[:2] == ('flagged', 'sha1-mismatch') and 'announced' in altered[2]
    assert f'{title(ALTERED)}' in result.stderr and 'announced' in result.stderr

    for name in (MALFORMED, HUGE):
        page = api(shared, action='query', titles=title(name), prop='revisions',
                   rvprop='content', rvslots='main')['query']['pages'][0]
        text = page['revisions'][0]['slots']['main']['content']
        provenance = provenance_of(text, 'Cached Commons Media')
        assert provenance['sha1'] == on_source[title(name)]['imageinfo'][0]['sha1'], name
        # A broken {{Information}} names no author; the upload history copied with the
        # description still credits the uploader.
        assert 'Alice Example' in (provenance['author'] if name == HUGE else text)
    report('bad input', {'inputs': {
        'awkward names cached': len(AWKWARD), 'name variants, one upload': 3,
        'extension and MIME type disagree': mismatch[1], 'sha1 mismatch': altered[0],
        'malformed wikitext': 'cached', 'description bytes cached': len(HUGE_TEXT.encode())}})
    # A reviewer keeps the file the shared repository fetched (issue 36): the flag closes,
    # and the next run leaves it as it stands.
    WikiClient(shared, farm.ADMIN, farm.ADMIN_PASSWORD).edit(
        'Project:Cached Commons media/Requests', text=f'* [[:{title(ALTERED)}]] keep-copy\n')
    kept = run_cli(SHARED, '-always', '-page:Bad inputs')
    assert kept.returncode == 0, kept.stderr
    assert outcomes()[title(ALTERED)][:2] == ('nothing', 'agreed'), kept.stderr
    assert [line.split('\t')[0] for line in run_cli('-review').stdout.splitlines()] == [
        'upload-refused']
    assert shared_uploads(shared) == sorted(cached | {title(ALTERED)}), 'nothing new'


def test_a_source_whose_bytes_never_match_is_flagged_and_no_longer_fetched(bad_input):
    downloads = bad_input['commons'].root / 'downloads.log'

    def fetched() -> int:
        return downloads.read_text().count('/Altered_on_disk.png') if downloads.exists() else 0

    # Through the bot (-byurl:never): its download is what finds the bytes wrong. By URL,
    # the first run flags the copy (tests/e2e/test_uploads.py).
    for _ in range(CORRUPT_AFTER):
        before = fetched()
        result = run_cli(SHARED, '-always', '-page:Corrupt source', '-byurl:never')
        assert outcomes()[title(ALTERED)][:2] == ('failed', 'source-sha1-mismatch'), result.stderr
        assert fetched() > before  # tried again, each run
    before = fetched()
    result = run_cli(SHARED, '-always', '-page:Corrupt source', '-byurl:never')
    assert result.returncode == 0, result.stderr
    assert outcomes()[title(ALTERED)][:2] == ('flagged', 'source-corrupt')
    assert f'flagged {title(ALTERED)} for review: source-corrupt' in result.stderr
    assert fetched() == before
    assert shared_uploads(bad_input['shared']) == []
    # A reviewer leaves it uncopied (issue 36): the flag closes, and nothing is fetched.
    WikiClient(bad_input['shared'], farm.ADMIN, farm.ADMIN_PASSWORD).edit(
        'Project:Cached Commons media/Requests', text=f'* [[:{title(ALTERED)}]] keep-copy\n')
    result = run_cli(SHARED, '-always', '-page:Corrupt source', '-byurl:never')
    assert result.returncode == 0, result.stderr
    assert run_cli(SHARED, '-review').stdout == ''
    assert fetched() == before


def test_a_page_embedding_5000_files_is_read_in_batches_of_500(bad_input):
    consumer = bad_input['consumer']
    before = len(api_log(consumer))
    result = run_cli(SHARED, '-always', '-setup', '-page:Many files')
    assert result.returncode == 0, result.stderr
    counts = summary_of(result.stderr)
    assert counts['cached'] == len(MANY_FOREIGN), result.stderr
    assert counts['skipped'] == len(MANY_LOCAL), result.stderr  # the consumer's own
    asked = [entry for entry in api_log(consumer)[before:] if 'commonscache' in entry['agent']]
    surveys = [entry for entry in asked if entry['list'] == 'allimages']
    assert len(surveys) <= 10, surveys  # at most one per 500 titles
    assert [entry for entry in asked if entry['prop'] == 'imageinfo'] == []
    report('many files', {'embedded': len(MANY_LOCAL) + len(MANY_FOREIGN),
                          'classification requests': len(surveys)})


def test_a_consumer_with_more_local_files_than_the_survey_reads_classifies_the_batch(bad_input):
    """Past SURVEY_LIMIT requests of local names in a batch's range, the consumer itself says
    where each file is (prop=imageinfo), and the files are cached all the same."""
    consumer = bad_input['consumer']
    # 5,000 names a request for a bot: 20,001 local files between the two need a fifth.
    dense = [f'Photo {n:05d}.png' for n in range(1, SURVEY_LIMIT * 5000 + 2)]
    clone_local_files(consumer, 'Local_sample_0000.png', dense)
    before = len(api_log(consumer))
    result = run_cli(SHARED, '-always', '-setup', '-page:Dense range')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['cached'] == 2, result.stderr
    assert sorted(shared_uploads(bad_input['shared'])) == ['File:Mona Lisa test.png',
                                                           'File:Town map.png']
    asked = [entry for entry in api_log(consumer)[before:] if 'commonscache' in entry['agent']]
    assert len([entry for entry in asked if entry['list'] == 'allimages']) == SURVEY_LIMIT
    assert [entry['ntitles'] for entry in asked if entry['prop'] == 'imageinfo'] == ['2']


def test_an_unreachable_source_fails_its_files_with_one_line_each_and_the_run_ends(bad_input):
    commons = bad_input['commons']
    proxy = FaultProxy(unreachable={commons.port})
    try:
        result = run_cli_through(proxy, SHARED, '-always', '-setup', '-page:Harbour',
                                 '-page:Bad inputs')
    finally:
        proxy.close()
    assert result.returncode == 0, result.stderr
    assert 'Traceback' not in result.stderr
    assert shared_uploads(bad_input['shared']) == []
    failed = {title: details for title, (outcome, reason, details) in outcomes().items()
              if outcome == 'failed' and reason == 'source-unreachable'}
    assert title('Sunset over the harbour.jpg') in failed
    assert all(f'127.0.0.1:{commons.port}' in details for details in failed.values()), failed
    assert summary_of(result.stderr)['failed'] == len(failed)
    report('unreachable source', {'files failed, to retry': len(failed),
                                  'exit status': result.returncode})


def test_a_login_that_expires_mid_run_is_renewed(bad_input):
    shared = bad_input['shared']

    def expire_sessions(number: int) -> None:
        if number == 25:  # after the logins, in the middle of the uploads
            # The farm keeps sessions in its object cache (CACHE_DB): wikicache.sqlite, or
            # the wiki's database on MariaDB.
            where = "FROM objectcache WHERE keyname LIKE '%MWSession%'"
            sessions.append(farm.sql(shared, f'SELECT count(*) {where}', cache=True)[0][0])
            farm.sql(shared, f'DELETE {where}', cache=True)

    sessions: list[int] = []
    proxy = FaultProxy(on_request=expire_sessions)
    try:
        result = run_cli_through(proxy, SHARED, '-always', '-setup', '-page:Bad inputs')
    finally:
        proxy.close()
    assert sessions and sessions[0] > 0, sessions
    assert result.returncode == 0, result.stderr
    failed = [name for name, (outcome, _, _) in outcomes().items() if outcome == 'failed']
    assert failed == [], result.stderr  # none for the lost login
    # the awkward names, the malformed and huge descriptions, the altered file's bad bytes
    assert len(shared_uploads(shared)) == len(AWKWARD) + 3, result.stderr
    report('expired login', {'sessions removed': sessions[0], 'files failed by it': 0})


def run_cli_through(proxy: FaultProxy, *args: str):
    return run_cli(*args, env=proxy.environment())
