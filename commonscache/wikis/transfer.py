"""Downloads: streamed to a private temporary file, checked against the announced sha1,
resumed with Range requests, and run ahead of the uploads (:class:`Prefetcher`).

Memory stays bounded whatever the file size: the download streams to disk in 1 MiB pieces
(64 KiB when paced); :mod:`commonscache.writing.upload` streams it on from there.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

import pywikibot
import requests
from pywikibot.comms import http
from pywikibot.exceptions import Error

from commonscache.wikis.limits import HostLimit, Policy, retry_after

PIECE = 1 << 20
#: Pieces of a paced download: the bucket holds a quarter second of bytes.
PACED_PIECE = 64 << 10
TEMP_PREFIX = 'commonscache-'


class DownloadError(Exception):
    """A download failed every attempt, or its bytes never matched the announced sha1."""


class ChecksumMismatch(DownloadError):
    """Every attempt received the whole file, and its bytes never had the announced sha1."""


class BusyServer(DownloadError):
    """The server asked us to come back later (HTTP 429 or 503), perhaps saying when."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def backoff(attempt: int, hint: float = 0.0) -> float:
    """Seconds to wait before attempt *attempt* + 1: Pywikibot's own rule (``retry_wait``
    doubled each time, at most ``retry_max``), never less than the server's *hint*."""
    delay = min(pywikibot.config.retry_wait * 2 ** (attempt - 1), pywikibot.config.retry_max)
    return max(delay, hint)


def hash_file(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open('rb') as stream:
        for piece in iter(lambda: stream.read(PIECE), b''):
            digest.update(piece)
    return digest.hexdigest()


def _fetch_into(url: str, path: Path, size: int, *, referer: str = '',
                limit: HostLimit | None = None) -> float:
    """One attempt: fetch what *path* still lacks (all of it, or from its end with Range),
    within the host's *limit* (downloads at once, bytes per second); return the seconds
    the pacer held it back."""
    have = path.stat().st_size
    headers = {'Range': f'bytes={have}-'} if 0 < have < size else {}
    if referer:
        # Wikimedia refuses originals requested without one (429), as of 2025.
        headers['Referer'] = referer
    pacer = limit.pacer if limit else None
    held = 0.0
    with limit.slots if limit else nullcontext():
        # No redirects: bytes come only from the host the source's imageinfo named.
        response = http.fetch(url, stream=True, headers=headers, default_error_handling=False,
                              allow_redirects=False)
        if isinstance(response, Exception):
            raise response
        with response:
            if response.is_redirect:
                raise DownloadError(f'{url} redirects to {response.headers.get("location")}; '
                                    'not followed')
            if response.status_code == 416 and have == size:
                return held
            if response.status_code in (429, 503):
                raise BusyServer(f'HTTP {response.status_code} for {url}',
                                 retry_after(response.headers.get('retry-after'), 0.0))
            if response.status_code not in (200, 206):
                raise DownloadError(f'HTTP {response.status_code} for {url}')
            mode = 'ab' if response.status_code == 206 else 'wb'
            with path.open(mode) as out:
                # Paced, small pieces: the bucket is asked often, so the rate stays even.
                for piece in response.iter_content(PACED_PIECE if pacer else PIECE):
                    if pacer:
                        held += pacer.take(len(piece))
                    out.write(piece)
                    if out.tell() > size:
                        raise DownloadError(f'{url} sent more than the announced {size} bytes')
    return held


def download(url: str, *, sha1: str, size: int, directory: Path,
             attempts: int | None = None, referer: str = '',
             limit: HostLimit | None = None) -> Path:
    """Download *url* into a private temporary file in *directory* and check its sha1.

    An interrupted transfer resumes where it stopped; bytes that do not hash to *sha1* are
    discarded and fetched again. Between attempts it waits as Pywikibot does between API
    retries, and at least as long as a 429 or 503 answer's Retry-After asks. The caller
    removes the file.

    :param attempts: how many tries; default Pywikibot's ``max_retries``, at least 3
    :param referer: the ``Referer`` to send (Wikimedia requires one for originals)
    :param limit: the host's limits (downloads at once, rate), see :mod:`commonscache.wikis.limits`
    :raises ChecksumMismatch: when every attempt got bytes with another sha1
    :raises DownloadError: when every attempt failed otherwise
    """
    attempts = attempts or max(3, pywikibot.config.max_retries)
    handle, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix='.part', dir=directory)
    os.close(handle)  # mkstemp made it readable by its owner only
    path = Path(name)
    problems = []
    started, held = time.monotonic(), 0.0
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            hint = getattr(problems[-1], 'retry_after', 0.0)
            pywikibot.log(f'Download of {url}: {problems[-1]}; attempt {attempt} of {attempts}')
            time.sleep(backoff(attempt - 1, hint))
        try:
            held += _fetch_into(url, path, size, referer=referer, limit=limit)
        except (OSError, requests.exceptions.RequestException, DownloadError, Error) as error:
            problems.append(error)
            if path.stat().st_size > size:
                path.write_bytes(b'')
            continue
        if path.stat().st_size < size:
            problems.append(DownloadError(
                f'the transfer stopped at {path.stat().st_size} of {size} bytes'))
            continue
        if hash_file(path) == sha1:
            if held >= 1 and limit:
                seconds = time.monotonic() - started
                pywikibot.info(f'downloaded {url}: {size:,} bytes in {seconds:.1f} s '
                               f'({size * 8 / 1e6 / seconds:.1f} Mbit/s), {limit.describe()}')
            return path
        problems.append(ChecksumMismatch(
            f'the bytes received do not have the announced sha1 {sha1}'))
        path.write_bytes(b'')
    path.unlink(missing_ok=True)
    kind = ChecksumMismatch if all(isinstance(p, ChecksumMismatch) for p in problems) \
        else DownloadError
    raise kind(f'download of {url} failed {attempts} times: {problems[-1]}')


#: A folder of one process's partial downloads, and the lock that process holds on it.
WORK_PREFIX = 'run-'
#: Partial downloads left directly in the folder by versions before folders per process:
#: removed once this old (seconds), when no run of such a version can still be writing them.
LOOSE_AFTER = 86400.0


class WorkFolder:
    """This process's own folder for partial downloads, under a folder that the shards and
    restarted jobs of a farm share: ``run-XXXX/``, with ``run-XXXX.lock`` beside it, which
    the process holds (``flock``) while it lives. A lock dies with its process, so a start
    removes exactly the folders of processes that are gone (:func:`remove_stale_temporaries`),
    never another running shard's downloads."""

    def __init__(self, parent: Path) -> None:
        parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=WORK_PREFIX, suffix='.lock', dir=parent)
        self.lock = os.fdopen(handle, 'w')
        fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new: nobody else holds it
        self.lock_path = Path(name)
        self.path = self.lock_path.with_suffix('')
        self.path.mkdir(mode=0o700)

    def release(self) -> None:
        """The process's end: its folder and lock go."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.lock_path.unlink(missing_ok=True)
        self.lock.close()


def remove_stale_temporaries(parent: Path) -> int:
    """Remove what processes that are gone left under *parent*: each folder whose lock no
    live process holds, and partial downloads of earlier versions (loose in *parent*) a
    day old; return how many partial downloads went."""
    removed = 0
    for lock_path in parent.glob(f'{WORK_PREFIX}*.lock'):
        try:
            handle = lock_path.open('a')
        except OSError:
            continue
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its process lives: its downloads are its own
            folder = lock_path.with_suffix('')
            removed += sum(1 for _ in folder.glob(f'{TEMP_PREFIX}*.part'))
            shutil.rmtree(folder, ignore_errors=True)
            lock_path.unlink(missing_ok=True)
    for loose in parent.glob(f'{TEMP_PREFIX}*.part'):
        try:
            if time.time() - loose.stat().st_mtime >= LOOSE_AFTER:
                loose.unlink(missing_ok=True)
                removed += 1
        except OSError:
            continue
    return removed


class Prefetcher:
    """Downloads that run ahead of the uploads: while one file uploads, the next ones
    download, so that the transfer is not paid twice in sequence. At most *ahead* files wait
    on disk at a time, so disk use stays bounded too; memory never holds a file. Planned
    from the main thread and taken from the upload workers: its books are kept under a lock.
    """

    def __init__(self, directory: Path, *, ahead: int = 2, referer: str = '',
                 policy: Policy | None = None, work: WorkFolder | None = None) -> None:
        """:param work: the process's own folder (*directory*), released at :meth:`close`"""
        self.directory = directory
        self.work = work
        self.ahead = ahead
        self.referer = referer
        self.policy = policy
        self.queue: list[tuple[str, str, str, int]] = []  # (key, url, sha1, size), not started
        self.running: dict[str, Future[Path]] = {}
        self.pool = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix='download')
        self.lock = threading.Lock()

    def plan(self, key: str, *, url: str, sha1: str, size: int) -> None:
        """Queue a download that :meth:`take` will ask for, in the order planned."""
        with self.lock:
            self.queue.append((key, url, sha1, size))
            self._fill()

    def _fill(self) -> None:
        """Start planned downloads while fewer than *ahead* run (the lock held)."""
        while self.queue and len(self.running) < self.ahead:
            key, url, sha1, size = self.queue.pop(0)
            self.running[key] = self.pool.submit(self._download, url, sha1, size)

    def take(self, key: str, *, url: str, sha1: str, size: int) -> Path:
        """The downloaded file for *key* (downloading it now if it was not planned).

        :raises DownloadError: as :func:`download`
        """
        with self.lock:
            future = self.running.pop(key, None)
            if future is None:  # not started yet: it is downloaded now, not later
                self.queue = [item for item in self.queue if item[0] != key]
            self._fill()
        if future is None:
            return self._download(url, sha1, size)
        return future.result()

    def _download(self, url: str, sha1: str, size: int) -> Path:
        return download(url, sha1=sha1, size=size, directory=self.directory,
                        referer=self.referer,
                        limit=self.policy.host(url) if self.policy else None)

    def discard(self, key: str) -> None:
        """Forget a planned download that will not be taken (and remove its file)."""
        with self.lock:
            self.queue = [item for item in self.queue if item[0] != key]
            future = self.running.pop(key, None)
            self._fill()
        if future is not None:
            future.add_done_callback(_remove_result)

    def close(self) -> None:
        """Stop: remove what was downloaded and not taken."""
        with self.lock:
            self.queue.clear()
            running, self.running = list(self.running.values()), {}
        for future in running:
            future.add_done_callback(_remove_result)
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.work:
            self.work.release()


def _remove_result(future: Future[Path]) -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().unlink(missing_ok=True)
