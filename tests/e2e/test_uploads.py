"""Each file's bytes moved once, end to end: the shared repository fetches the originals by
URL where it allows the bot to; where it refuses, the bot streams them; bytes fetched that
are not the source's are never published; uploads run at most -uploads at once.

The shared wiki logs every upload request with its start, end and what it carried
(devfarm/FarmSettings.php: uploads.log)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from commonscache.reading.target import provenance_of
from devfarm import farm
from tests.conftest import run_cli
from tests.e2e.support import CACHEABLE, SHARED, api, imageinfo, summary_of

pytestmark = pytest.mark.e2e


def uploads_since(shared: farm.Wiki, offset: int) -> list[dict]:
    """The upload requests the shared wiki answered after *offset* bytes of its log."""
    path = shared.root / 'uploads.log'
    if not path.exists():
        return []
    with path.open() as log:
        log.seek(offset)
        lines = log.read().splitlines()
    fields = ('start', 'end', 'carried', 'mode', 'filename')
    rows = [dict(zip(fields, line.split('\t'), strict=True)) for line in lines]
    for row in rows:
        row['start'], row['end'] = float(row['start']), float(row['end'])
    return rows


def log_size(shared: farm.Wiki) -> int:
    path = shared.root / 'uploads.log'
    return path.stat().st_size if path.exists() else 0


def fetched_by(commons: farm.Wiki, agent: str) -> list[str]:
    """Originals the Commons stand-in served to clients whose User-Agent starts so."""
    path = commons.root / 'downloads.log'
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.split('\t')[2] for line in lines if line.split('\t')[1].startswith(agent)]


def assert_cached_intact(commons: farm.Wiki, shared: farm.Wiki, titles: set[str]) -> None:
    on_source, on_shared = imageinfo(commons, titles), imageinfo(shared, titles)
    for title in titles:
        assert on_shared[title]['imageinfo'][0]['sha1'] == \
            on_source[title]['imageinfo'][0]['sha1'], title


def test_the_shared_repository_fetches_every_original_itself(farm_wikis):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    offset = log_size(shared)
    before = len(fetched_by(commons, 'commonscache/'))
    result = run_cli(SHARED, '-always', '-setup')
    assert result.returncode == 0, result.stderr
    counts = summary_of(result.stderr)
    assert counts['cached'] == len(CACHEABLE) + 1  # and the renamed name, as a redirect
    assert counts['bytes transferred'] > 1_000_000
    assert counts['bytes through the bot'] == 0
    assert len(fetched_by(commons, 'commonscache/')) == before  # not a byte to the bot
    uploads = uploads_since(shared, offset)
    by_url = {row['filename'] for row in uploads if row['carried'] == 'url'}
    assert by_url == {title.removeprefix('File:') for title in CACHEABLE}
    assert not [row for row in uploads if row['carried'] in ('file', 'chunk')]
    assert_cached_intact(commons, shared, CACHEABLE)


@pytest.mark.first_release_only  # the bot's own check of its rights (CI time)
def test_a_shared_repository_without_copy_uploads_gets_the_files_streamed(farm_wikis):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    offset = log_size(shared)
    with farm.configured('shared', copy_uploads=False):  # nor the upload_by_url right
        result = run_cli(SHARED, '-always', '-setup')
    assert result.returncode == 0, result.stderr
    counts = summary_of(result.stderr)
    assert counts['cached'] == len(CACHEABLE) + 1
    assert counts['bytes through the bot'] == counts['bytes transferred'] > 1_000_000
    uploads = uploads_since(shared, offset)
    assert not [row for row in uploads if row['carried'] == 'url']  # not even tried
    assert_cached_intact(commons, shared, CACHEABLE)


@pytest.mark.parametrize('refusal', [
    pytest.param({'copy_upload_domains': ['upload.example.org']}, id='domain-not-allowed'),
    pytest.param({'copy_upload_timeout': 1}, id='fetch-timed-out',
                 marks=pytest.mark.first_release_only),
])
def test_a_refused_upload_by_url_falls_back_to_streaming_for_the_rest_of_the_run(
        farm_wikis, refusal):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    offset = log_size(shared)
    latency = {'latency_ms': 1500} if 'copy_upload_timeout' in refusal else {}
    with farm.configured('shared', **refusal), farm.configured('commons', **latency):
        result = run_cli(SHARED, '-always', '-setup', '-page:Harbour', '-page:Museum')
    assert result.returncode == 0, result.stderr
    counts = summary_of(result.stderr)
    assert counts['failed'] == 0 and counts['flagged'] == 0
    assert counts['cached'] >= 3
    assert counts['bytes through the bot'] == counts['bytes transferred']
    tried = [row for row in uploads_since(shared, offset) if row['carried'] == 'url']
    # One try, at most one per upload at once (-uploads 2) before the refusal was known.
    assert 1 <= len(tried) <= 2
    assert result.stderr.count('refused an upload by URL') == len(tried)
    assert 'streamed for the rest of the run' in result.stderr
    titles = {f'File:{row["filename"]}' for row in uploads_since(shared, offset)}
    assert_cached_intact(commons, shared, titles & CACHEABLE)


def original_path(commons: farm.Wiki, title: str) -> Path:
    url = imageinfo(commons, {title})[title]['imageinfo'][0]['url']
    relative = unquote(urlsplit(url).path).removeprefix('/w/images/')
    return commons.root / 'images' / relative


def provenance_sha1(shared: farm.Wiki, title: str) -> str:
    page = api(shared, action='query', titles=title, prop='revisions', rvprop='content',
               rvslots='main')['query']['pages'][0]
    return provenance_of(page['revisions'][0]['slots']['main']['content'],
                         'Cached Commons Media').get('sha1', '')


@pytest.mark.first_release_only  # the network between the wikis, not MediaWiki
def test_bytes_fetched_by_url_that_are_not_the_sources_are_replaced_by_the_bots(farm_wikis):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    offset = log_size(shared)
    with farm.configured('commons', damage_for_agent='MediaWiki/'):  # the fetch, not the bot
        result = run_cli(SHARED, '-always', '-setup', '-page:Panorama', '-page:Maps')
    assert result.returncode == 0, result.stderr
    counts = summary_of(result.stderr)
    assert counts['failed'] == counts['flagged'] == 0 and counts['cached'] == 3
    assert result.stderr.count('streamed by the bot instead') == counts['cached']
    carried = [row['carried'] for row in uploads_since(shared, offset)]
    assert carried.count('url') == carried.count('file') == counts['cached']
    titles = {f'File:{row["filename"]}' for row in uploads_since(shared, offset)}
    assert_cached_intact(commons, shared, titles)  # the current versions are the source's

    rerun = run_cli(SHARED, '-always', '-page:Panorama', '-page:Maps')
    assert summary_of(rerun.stderr)['up to date'] == counts['cached'], rerun.stderr


@pytest.mark.first_release_only  # the bot's decisions on what it was told (CI time)
def test_a_copy_whose_bytes_match_nowhere_is_flagged_never_the_bots(farm_wikis):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    title = 'File:Sunset over the harbour.jpg'
    announced = imageinfo(commons, {title})[title]['imageinfo'][0]['sha1']
    path = original_path(commons, title)
    body = bytearray(path.read_bytes())
    body[len(body) // 2] ^= 0xFF  # same size, another sha1: a bad copy on the source's disk
    path.write_bytes(bytes(body))
    assert hashlib.sha1(body).hexdigest() != announced
    result = run_cli(SHARED, '-always', '-setup')
    assert result.returncode == 0, result.stderr
    counts = summary_of(result.stderr)
    assert counts['flagged'] == 2  # and the .webp file the shared repository refuses
    assert 'fetched bytes with sha1' in result.stderr
    assert f'flagged {title} for review: sha1-mismatch' in result.stderr
    stored = imageinfo(shared, {title})[title]['imageinfo'][0]['sha1']
    assert stored != announced == provenance_sha1(shared, title)  # so: not the bot's copy
    assert_cached_intact(commons, shared, CACHEABLE - {title})

    rerun = run_cli(SHARED, '-always')
    assert f'flagged {title} for review' in rerun.stderr
    assert summary_of(rerun.stderr)['up to date'] == len(CACHEABLE)  # the others, and the alias


def overlaps(rows: list[dict]) -> int:
    """The most requests that were in flight at one moment."""
    events = sorted([(row['start'], 1) for row in rows] + [(row['end'], -1) for row in rows])
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


@pytest.mark.first_release_only  # the bot's pool, the same on every release
@pytest.mark.parametrize('uploads', [1, 3])
def test_uploads_run_at_most_n_at_once(farm_wikis, uploads):
    commons, shared = farm_wikis['commons'], farm_wikis['shared']
    offset = log_size(shared)
    # Each upload request takes at least 0.3 s: those in flight together overlap for sure.
    with farm.configured('shared', latency_ms=300):
        result = run_cli(SHARED, '-always', '-setup', '-byurl:never', f'-uploads:{uploads}')
    assert result.returncode == 0, result.stderr
    assert summary_of(result.stderr)['cached'] == len(CACHEABLE) + 1
    rows = [row for row in uploads_since(shared, offset) if row['carried'] != 'url']
    assert overlaps(rows) == uploads
    assert_cached_intact(commons, shared, CACHEABLE)
