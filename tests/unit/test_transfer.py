"""Downloads: streamed to a private file, resumed with Range, checked against the sha1."""
from __future__ import annotations

import hashlib
import stat
import time
from pathlib import Path

import pytest
import responses
from pywikibot import config

from commonscache.wikis.sites import configure_user_agent
from commonscache.wikis.transfer import (
    ChecksumMismatch,
    DownloadError,
    Prefetcher,
    backoff,
    download,
    remove_stale_temporaries,
)
from commonscache.writing.upload import _stopped, _stops

URL = 'http://127.0.0.1:8881/w/images/a/ab/X.jpg'
BODY = bytes(range(256)) * 4096  # 1 MiB
SHA1 = hashlib.sha1(BODY).hexdigest()


@pytest.fixture
def web():
    with responses.RequestsMock() as mock:
        yield mock


def test_a_download_arrives_whole_and_private_with_our_user_agent(web, tmp_path: Path):
    configure_user_agent()  # as main() does first
    web.get(URL, body=BODY)
    path = download(URL, sha1=SHA1, size=len(BODY), directory=tmp_path)
    assert path.read_bytes() == BODY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    agent = web.calls[0].request.headers['User-Agent']
    assert '{' not in agent
    assert agent.startswith('commonscache/0.1.0 (commonscache dev farm; mailto:')


def test_an_interrupted_download_resumes_with_a_range_request(web, tmp_path: Path):
    web.get(URL, body=BODY[:300_000])  # the connection ended early
    web.get(URL, body=BODY[300_000:], status=206,
            match=[responses.matchers.header_matcher({'Range': 'bytes=300000-'})])
    path = download(URL, sha1=SHA1, size=len(BODY), directory=tmp_path)
    assert path.read_bytes() == BODY
    assert len(web.calls) == 2


def test_bytes_with_the_wrong_sha1_are_discarded_and_fetched_again(web, tmp_path: Path):
    web.get(URL, body=b'x' * len(BODY))
    web.get(URL, body=BODY)
    path = download(URL, sha1=SHA1, size=len(BODY), directory=tmp_path)
    assert path.read_bytes() == BODY


def test_a_download_that_never_matches_fails_and_leaves_nothing(web, tmp_path: Path):
    for _ in range(3):
        web.get(URL, body=b'x' * len(BODY))
    with pytest.raises(ChecksumMismatch, match='announced sha1'):
        download(URL, sha1=SHA1, size=len(BODY), directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_download_that_also_met_other_errors_is_not_a_checksum_mismatch(web, tmp_path: Path):
    web.get(URL, status=503)  # the source was busy once: its bytes are not proven wrong
    for _ in range(2):
        web.get(URL, body=b'x' * len(BODY))
    with pytest.raises(DownloadError) as failure:
        download(URL, sha1=SHA1, size=len(BODY), directory=tmp_path)
    assert not isinstance(failure.value, ChecksumMismatch)


def test_a_server_error_fails_after_three_attempts(web, tmp_path: Path):
    for _ in range(3):
        web.get(URL, status=503)
    with pytest.raises(DownloadError, match='HTTP 503'):
        download(URL, sha1=SHA1, size=len(BODY), directory=tmp_path)


def test_a_busy_server_is_waited_for_as_long_as_its_retry_after_asks(
        web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    waits: list[float] = []
    monkeypatch.setattr('commonscache.wikis.transfer.time.sleep', waits.append)
    web.get(URL, status=429, headers={'Retry-After': '7'})
    web.get(URL, status=503, headers={'Retry-After': 'Wed, 21 Oct 2026 07:28:00 GMT'})
    web.get(URL, body=BODY)
    path = download(URL, sha1=SHA1, size=len(BODY), directory=tmp_path)
    assert path.read_bytes() == BODY
    assert waits[0] >= 7  # the hint
    assert waits[1] == backoff(2)  # an HTTP-date is no hint: Pywikibot's own back-off


@pytest.mark.parametrize(('attempt', 'hint', 'wait'), [
    (1, 0, 2), (2, 0, 4), (3, 0, 8), (4, 0, 10), (9, 0, 10),  # doubled, at most retry_max
    (1, 30, 30),  # the server's Retry-After wins when longer
])
def test_backoff_doubles_up_to_retry_max_and_honours_the_hint(
        monkeypatch: pytest.MonkeyPatch, attempt: int, hint: float, wait: float):
    monkeypatch.setattr(config, 'retry_wait', 2)
    monkeypatch.setattr(config, 'retry_max', 10)
    assert backoff(attempt, hint) == wait


def test_only_the_temporary_files_of_processes_that_are_gone_are_removed(tmp_path: Path):
    """Shards and restarted jobs share the folder: a start removes what a killed process
    left, never the partial downloads of another process still running (issue 34)."""
    import os
    import subprocess
    import sys

    from commonscache.wikis.transfer import LOOSE_AFTER, WorkFolder

    # A process that claims its folder, starts a download and is killed.
    code = ('import sys, pathlib; from commonscache.wikis.transfer import WorkFolder; '
            'w = WorkFolder(pathlib.Path(sys.argv[1])); '
            "(w.path / 'commonscache-dead.part').write_bytes(b'half'); print(w.path, flush=True); "
            'import time; time.sleep(60)')
    dead = subprocess.Popen([sys.executable, '-c', code, str(tmp_path)], stdout=subprocess.PIPE,
                            text=True)
    dead_folder = Path(dead.stdout.readline().strip())
    # Another shard, alive, mid-download.
    alive = subprocess.Popen([sys.executable, '-c', code, str(tmp_path)],
                             stdout=subprocess.PIPE, text=True)
    alive_folder = Path(alive.stdout.readline().strip())
    try:
        dead.kill()
        dead.wait()
        # Loose files of an earlier version: a day old, removed; fresh, kept.
        old = tmp_path / 'commonscache-old.part'
        old.write_bytes(b'half')
        os.utime(old, (0, 0))
        (tmp_path / 'commonscache-new.part').write_bytes(b'half')
        (tmp_path / 'keep.txt').write_text('mine')
        own = WorkFolder(tmp_path)
        assert remove_stale_temporaries(tmp_path) == 2
        assert not dead_folder.exists()
        assert (alive_folder / 'commonscache-dead.part').exists()
        assert own.path.is_dir() and LOOSE_AFTER == 86400
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != '.lock' and
                      p not in (alive_folder, own.path)) == ['commonscache-new.part', 'keep.txt']
        own.release()
        assert not own.path.exists()
    finally:
        alive.kill()
        alive.wait()


@pytest.mark.parametrize(('warnings', 'replace', 'stopping'), [
    ({'duplicate': ['X_y.jpg']}, False, {}),
    ({'duplicate': ['Other.jpg']}, False, {'duplicate': ['Other.jpg']}),
    ({'duplicate': ['X_y.jpg', 'Other.jpg']}, False, {'duplicate': ['X_y.jpg', 'Other.jpg']}),
    ({'exists': 'X_y.jpg'}, False, {'exists': 'X_y.jpg'}),
    ({'exists': 'X_y.jpg'}, True, {}),
    ({'exists': 'X_y.jpg', 'was-deleted': 'X_y.jpg'}, True, {'was-deleted': 'X_y.jpg'}),
])
def test_a_duplicate_of_the_file_itself_is_no_conflict(warnings: dict, replace: bool,
                                                       stopping: dict):
    assert _stops(warnings, 'File:X y.jpg', replace=replace) == stopping


def test_warnings_that_stop_an_upload_become_its_outcome():
    assert _stopped({'nochange': {'timestamp': '2026-12-01T00:00:00Z'}}).status == 'no-change'
    outcome = _stopped({'duplicate': ['Other_one.jpg']})
    assert (outcome.status, outcome.warnings, outcome.duplicates) == \
        ('warning', ('duplicate',), ('File:Other one.jpg',))


def test_prefetched_downloads_arrive_in_the_background_and_leftovers_are_removed(
        web, tmp_path: Path):
    bodies = {name: bytes([n]) * 50_000 for n, name in enumerate('abcd')}
    for name, body in bodies.items():
        web.get(f'{URL}/{name}', body=body)
    prefetch = Prefetcher(tmp_path, ahead=2)
    for name, body in bodies.items():
        prefetch.plan(name, url=f'{URL}/{name}', sha1=hashlib.sha1(body).hexdigest(),
                      size=len(body))
    first = prefetch.take('a', url=f'{URL}/a', sha1='unused', size=0)
    assert first.read_bytes() == bodies['a']
    prefetch.discard('b')
    third = prefetch.take('c', url=f'{URL}/c', sha1='unused', size=0)
    assert third.read_bytes() == bodies['c']
    first.unlink()
    third.unlink()
    # 'd' is downloaded ahead in the background: under load its request may not have gone
    # out yet, so wait for it (without it, close() would have nothing to remove).
    deadline = time.monotonic() + 30
    while len(web.calls) < len(bodies) and time.monotonic() < deadline:
        time.sleep(0.05)
    prefetch.close()  # 'd' was downloaded ahead and never taken: removed
    assert list(tmp_path.iterdir()) == []


def test_a_redirect_to_another_host_is_not_followed(web, tmp_path: Path):
    for _ in range(3):
        web.get(URL, status=302, headers={'Location': 'http://169.254.169.254/latest'})
    with pytest.raises(DownloadError, match='redirects to http://169.254.169.254/latest'):
        download(URL, sha1=SHA1, size=len(BODY), directory=tmp_path)
    assert len(web.calls) == 3
