"""Uploads to the shared repository, each file's bytes moved once: by URL, the shared
repository fetching the original from the source itself (MediaWiki's copy uploads), or
streamed from the bot's disk, in chunks above ``-chunk``. See
https://www.mediawiki.org/wiki/API:Upload

Every request body is streamed from disk a piece at a time (``requests-toolbelt``'s
multipart encoder), so memory does not grow with the file or the chunk size, and a file up
to the chunk size goes in one request. An upload by URL is one request too; the sha1 the
shared repository reports is checked against the source's, and a version with other bytes
is reverted (see :mod:`commonscache.writing.writes`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import pywikibot
import requests
from pywikibot import config
from pywikibot.comms import http
from pywikibot.exceptions import APIError
from requests_toolbelt.multipart.encoder import MultipartEncoder

from commonscache.wikis.limits import retry_after
from commonscache.wikis.sites import Site
from commonscache.wikis.transfer import backoff

UploadStatus = Literal['uploaded', 'no-change', 'warning', 'refused', 'url-refused']


@dataclass(frozen=True)
class UploadOutcome:
    """How an upload ended.

    ``url-refused``: the shared repository would not fetch the URL (copy uploads off, the
    domain not allowed, the source refused it its bytes, or its fetch timed out).

    :ivar warnings: the API's warning codes that stopped it (``exists``, ``duplicate``,
        ``was-deleted``, ``duplicate-archive`` ...)
    :ivar code: the API's error code of a refusal
    """

    status: UploadStatus
    sha1: str = ''
    details: str = ''
    warnings: tuple[str, ...] = ()
    #: the files a ``duplicate`` warning named
    duplicates: tuple[str, ...] = ()
    code: str = ''


#: Warnings that say the very same file is already there: the work is done.
NO_CHANGE = {'nochange', 'no-change', 'fileexists-no-change'}
#: Refusals of an upload by URL that hold for every file of the run, not only this one.
URL_OFF = {'copyuploaddisabled', 'permissiondenied', 'mustbeloggedin', 'badaccess-groups'}
#: Refusals about the file itself: streaming it would be refused the same way.
FILE_REFUSED = {'verification-error', 'filetype-banned', 'filetype-missing', 'empty-file',
                'file-too-large', 'illegal-filename', 'filename-tooshort',
                'fileexists-forbidden', 'fileexists-shared-forbidden'}
#: Refusals that hold for every file of the source's host: its domain, or the fetch.
HOST_OFF = {'copyuploadbaddomain', 'copyuploadbadurl', 'upload-too-many-redirects', 'timeout'}
#: Seconds a shared repository gets for each MB it fetches by URL, beyond a minute: its
#: own timeout ($wgCopyUploadTimeout) decides, this only keeps the bot from giving up first.
URL_SECONDS_PER_MB = 1.0


class FileRange:
    """*length* bytes of a file from *start*, read piece by piece as a request body needs
    them: a chunk of a chunked upload never sits in memory whole."""

    def __init__(self, path: Path, start: int, length: int) -> None:
        self.stream: BinaryIO = path.open('rb')
        self.start, self.length, self.position = start, length, 0
        self.stream.seek(start)

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.position
        data = self.stream.read(left if size is None or size < 0 else min(size, left))
        self.position += len(data)
        return data

    def tell(self) -> int:
        return self.position

    def __len__(self) -> int:
        """The bytes still to read, as the multipart encoder counts a body."""
        return self.length - self.position

    def rewind(self) -> None:
        self.stream.seek(self.start)
        self.position = 0

    def close(self) -> None:
        self.stream.close()


class UploadApi:
    """``action=upload`` requests to one wiki, on Pywikibot's session (its login cookies,
    User-Agent and 429 handling), with ``maxlag``, ``put_throttle`` and retries as Pywikibot
    does them. Pywikibot's own upload reads a file, or a chunk, into memory whole."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.url = site.base_url(site.apipath())
        self.token = site.tokens['csrf']

    def post(self, params: dict[str, str], *, body: tuple[str, FileRange] | None = None,
             read_timeout: float = 0.0) -> dict:
        """The ``upload`` part of the reply.

        :param body: (field name, the bytes) of a file part
        :raises APIError: for the API's errors other than maxlag and a stale token
        """
        attempts = max(3, config.max_retries)
        self.site.throttle(write=True)  # Pywikibot's put_throttle, as for its own writes
        for attempt in range(1, attempts + 1):
            fields: dict[str, object] = {
                'action': 'upload', 'format': 'json', 'formatversion': '2', 'assert': 'user',
                'maxlag': str(config.write_maxlag), 'token': self.token, **params}
            if body:
                body[1].rewind()
                fields[body[0]] = ('file', body[1], 'application/octet-stream')
            encoder = MultipartEncoder(fields)
            try:
                response = http.session.post(
                    self.url, data=encoder, timeout=(config.socket_timeout[0], max(
                        read_timeout, config.socket_timeout[1])),
                    headers={'Content-Type': encoder.content_type,
                             'User-Agent': http.user_agent()})
            except requests.exceptions.RequestException as error:
                if attempt == attempts:
                    raise
                self._wait(attempt, f'{type(error).__name__}: {error}')
                continue
            if response.status_code >= 500 or response.status_code == 429:
                if attempt == attempts:
                    response.raise_for_status()
                self._wait(attempt, f'HTTP {response.status_code}',
                           response.headers.get('retry-after'))
                continue
            reply = response.json()
            error = reply.get('error')
            if not error:
                return reply['upload']
            if error.get('code') == 'maxlag' and attempt < attempts:
                self._wait(attempt, 'maxlag', response.headers.get('retry-after'))
            elif str(error.get('code', '')).startswith(LOCK_ERRORS) and attempt < attempts:
                # Two uploads at once on a wiki whose file locks live on its disk (MediaWiki's
                # FSLockManager) can trip over each other's lock files: a moment later it
                # goes through. (A copy that did land is found the same, and not stored twice.)
                self._wait(attempt, str(error['code']))
            elif error.get('code') in ('badtoken', 'assertuserfailed') and attempt < attempts:
                # The session expired: Pywikibot's token request logs in again first.
                if error.get('code') == 'assertuserfailed':
                    self.site.login()
                self.site.tokens.clear()
                self.token = self.site.tokens['csrf']
            else:
                raise APIError(error.get('code', ''), error.get('info', ''))
        raise APIError('upload-retries', f'{attempts} attempts failed')  # not reached

    def _wait(self, attempt: int, why: str, hint: str | None = None) -> None:
        delay = backoff(attempt, retry_after(hint, 0.0))
        pywikibot.log(f'upload to {self.site}: {why}; retrying in {delay:.0f} s')
        time.sleep(delay)


#: The API's errors from the shared repository's file locks, which pass (see UploadApi.post).
LOCK_ERRORS = ('lockmanager-fail-',)


def _name(title: str) -> str:
    return title.split(':', 1)[1] if ':' in title else title


def _stops(warnings: dict, title: str, *, replace: bool) -> dict:
    """The warnings that call for a decision: not an expected ``exists`` of a new version,
    nor a ``duplicate`` that only names this very file (as a foreign repository of the
    shared wiki shows it)."""
    name = _name(title)
    stopping = {}
    same_bytes = bool(NO_CHANGE & set(warnings))
    for code, value in warnings.items():
        if replace and code in ('exists', 'duplicateversions'):
            continue
        if code == 'exists' and same_bytes:
            continue  # these very bytes stand under the name: another job uploaded them
        if code == 'duplicate' and {str(n).replace('_', ' ') for n in value} == {name}:
            continue
        stopping[code] = value
    return stopping


def _stopped(warnings: dict) -> UploadOutcome:
    codes = tuple(warnings)
    if codes and set(codes) <= NO_CHANGE:
        return UploadOutcome('no-change', warnings=codes)
    details = '; '.join(f'{code}: {value}' for code, value in warnings.items())
    duplicates = tuple(f'File:{str(name).replace("_", " ")}'
                       for name in warnings.get('duplicate', ()))
    return UploadOutcome('warning', details=details, warnings=codes, duplicates=duplicates)


def _finish(api: UploadApi, title: str, reply: dict, *, text: str, summary: str,
            replace: bool, filekey: str = '') -> UploadOutcome:
    """From a reply that either published the file or stashed it with warnings: publish it
    when the warnings are harmless."""
    if reply.get('result') == 'Success' and 'filekey' not in reply:
        return UploadOutcome('uploaded', sha1=reply.get('imageinfo', {}).get('sha1', ''))
    warnings = reply.get('warnings') or {}
    stopping = _stops(warnings, title, replace=replace)
    if stopping:
        return _stopped(stopping)
    published = api.post({'filename': _name(title), 'filekey': reply.get('filekey') or filekey,
                          'text': text,
                          'comment': summary, 'ignorewarnings': '1'})
    return UploadOutcome('uploaded', sha1=published.get('imageinfo', {}).get('sha1', ''))


def upload_file(api: UploadApi, title: str, path: Path, *, text: str, summary: str,
                chunk_size: int, replace: bool = False) -> UploadOutcome:
    """Upload *path* as *title* with the page *text*: in one request up to *chunk_size*
    bytes (0: always), else in chunks of *chunk_size*, each streamed from disk.

    :param replace: a new version of a file the bot owns: the ``exists`` warning is expected
    """
    size = path.stat().st_size
    name = _name(title)
    try:
        if not chunk_size or size <= chunk_size:
            whole = FileRange(path, 0, size)
            try:
                reply = api.post({'filename': name, 'text': text, 'comment': summary},
                                 body=('file', whole), read_timeout=60 + size / 1e6)
            finally:
                whole.close()
        else:
            filekey = _chunks(api, name, path, size, chunk_size)['filekey']
            reply = api.post({'filename': name, 'filekey': filekey, 'text': text,
                              'comment': summary})
            return _finish(api, title, reply, text=text, summary=summary, replace=replace,
                           filekey=filekey)
        return _finish(api, title, reply, text=text, summary=summary, replace=replace)
    except APIError as error:
        return UploadOutcome('refused', details=f'{error.code}: {error.info}', code=error.code)


def _chunks(api: UploadApi, name: str, path: Path, size: int, chunk_size: int) -> dict:
    """Send the file to the stash chunk by chunk; the last reply names the whole file."""
    reply: dict = {}
    for offset in range(0, size, chunk_size):
        piece = FileRange(path, offset, min(chunk_size, size - offset))
        params = {'filename': name, 'filesize': str(size), 'offset': str(offset),
                  'stash': '1', 'ignorewarnings': '1'}
        if reply.get('filekey'):
            params['filekey'] = reply['filekey']
        try:
            reply = api.post(params, body=('chunk', piece), read_timeout=60 + len(piece) / 1e6)
        finally:
            piece.close()
    return reply


def upload_by_url(api: UploadApi, title: str, url: str, *, sha1: str, size: int, text: str,
                  summary: str, replace: bool = False) -> UploadOutcome:
    """Have the shared repository fetch *url* and publish it as *title*, in one request
    when no warning stops it; nothing passes through the bot. The sha1 it reports is the
    caller's to check (``uploaded`` with another sha1: see :func:`revert`)."""
    try:
        reply = api.post({'filename': _name(title), 'url': url, 'text': text,
                          'comment': summary},
                         read_timeout=60 + size / 1e6 * URL_SECONDS_PER_MB)
    except APIError as error:
        return UploadOutcome('url-refused', details=f'{error.code}: {error.info}',
                             code=error.code)
    except requests.exceptions.RequestException as error:
        return UploadOutcome('url-refused', details=f'{type(error).__name__}: {error}',
                             code='timeout')
    try:
        return _finish(api, title, reply, text=text, summary=summary, replace=replace)
    except APIError as error:
        return UploadOutcome('refused', details=f'{error.code}: {error.info}', code=error.code)


def revert(api: UploadApi, title: str, *, bad_sha1: str, summary: str) -> bool:
    """Put back the version before the current one, when the current one has *bad_sha1*
    (an upload by URL that brought bytes other than the source's); False when there is no
    earlier version to go back to."""
    reply = api.site.simple_request(action='query', titles=title, prop='imageinfo',
                                    iiprop='sha1|archivename', iilimit=2).submit()
    pages = list(reply['query']['pages'].values()) if isinstance(
        reply['query']['pages'], dict) else reply['query']['pages']
    versions = pages[0].get('imageinfo', []) if pages else []
    if len(versions) < 2 or versions[0].get('sha1') != bad_sha1:
        return False
    api.site.simple_request(action='filerevert', filename=_name(title),
                            archivename=versions[1]['archivename'], comment=summary,
                            token=api.token).submit()
    return True


ByUrlMode = Literal['auto', 'always', 'never']


class CopyUploads:
    """Whether to have the shared repository fetch a file by URL (``-byurl``), learnt as
    the run goes: its rights and, on MediaWiki 1.45 and later, its allowed domains tell
    before any try; on older releases the first refusal tells, and is remembered for the
    run (for every file when copy uploads are off or not allowed to the bot, for the host
    when the source or the domain refuses).

    In ``auto`` mode a media host whose downloads are held to a rate (``-maxrate``, or
    Wikimedia's limit outside its cloud) is not asked for by URL: the shared repository
    would fetch at its own speed. In ``always`` mode it is, and its bytes are counted
    against the host's rate before the request.
    """

    def __init__(self, site: Site, mode: ByUrlMode) -> None:
        self.site = site
        self.mode = mode
        self.off = '' if mode != 'never' else '-byurl:never'
        self.refused_hosts: dict[str, str] = {}
        self.domains: list[str] | None = None
        self.asked_domains = False
        self.rights_checked = False

    def reason_not(self, host: str, *, paced: bool) -> str:
        """Why *host*'s files do not go by URL ('' when they do)."""
        if not self.rights_checked:  # once: Pywikibot may ask the wiki again each time
            self.rights_checked = True
            if not self.off and not self.site.has_right('upload_by_url'):
                self.off = f'the bot lacks the upload_by_url right on {self.site}'
        if self.off:
            return self.off
        if host in self.refused_hosts:
            return self.refused_hosts[host]
        if paced and self.mode == 'auto':
            return (f'downloads from {host} are held to a rate, which a fetch by the shared '
                    'repository would not keep (-byurl:always does it anyway)')
        allowed = self._domains()
        if allowed and not any(_matches(host, domain) for domain in allowed):
            return f'{host} is not among the copy-upload domains of {self.site}'
        return ''

    def _domains(self) -> list[str]:
        """The domains the shared repository names (MediaWiki 1.45+; [] means any, as
        MediaWiki reads an empty $wgCopyUploadsDomains), asked once, when first needed."""
        if not self.asked_domains:
            self.asked_domains = True
            if self.site.mw_version >= '1.45':
                self.domains = list(self.site.siteinfo.get('copyuploaddomains') or [])
        return self.domains or []

    def refused(self, host: str, outcome: UploadOutcome) -> str:
        """Remember a refusal for the rest of the run; the line that says so."""
        why = f'{self.site} refused an upload by URL ({outcome.details})'
        if outcome.code in URL_OFF:
            self.off = why
            return f'{why}; no more uploads by URL this run'
        if outcome.code in HOST_OFF or outcome.code.startswith('http-'):
            self.refused_hosts[host] = why
            return f'{why}; files from {host} are streamed for the rest of the run'
        return f'{why}; this file is streamed by the bot instead'


def _matches(host: str, domain: str) -> bool:
    domain = domain.split('/', 1)[0].lower()
    if domain.startswith('*.'):
        return host.lower().endswith(domain[1:])
    return host.lower() == domain
