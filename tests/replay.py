"""Record API replies from the dev farm, and replay them in unit tests with ``responses``.

A recording is a JSON list of exchanges: the request's parameters (query string and form
body, without tokens and passwords) and the reply's status and body. Replay matches a
request to the first unused exchange with the same URL path and parameters, so a test fails
loudly when the code asks for something that was not recorded. Re-record with
``python -m tests.record`` while the dev farm is up.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
import responses

RECORDED = Path(__file__).parent / 'recorded'
#: The MediaWiki release whose replies are replayed (the ``recorded_release`` fixture sets
#: it): 1.39's lie in tests/recorded, another release's in tests/recorded/RELEASE.
release = '1.39'


def folder(of: str | None = None) -> Path:
    of = of or release
    return RECORDED if of == '1.39' else RECORDED / of
#: Parameters that change from run to run (or carry secrets) and do not decide the reply.
VOLATILE = {'token', 'lgtoken', 'lgpassword', 'maxlag', 'requestid'}


def request_key(method: str, url: str, body: bytes | str | None) -> str:
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    if isinstance(body, bytes):
        body = body.decode('utf-8', 'replace')
    if body and '=' in body and not body.startswith('--'):
        params += parse_qsl(body, keep_blank_values=True)
    kept = sorted((k, v) for k, v in params if k not in VOLATILE)
    # Which wiki of the farm: its port's offset from the farm's base port.
    wiki = (parts.port or 80) - int(os.environ['COMMONSCACHE_FARM_PORT'])
    return f'{wiki}{parts.path}?' + '&'.join(f'{k}={v}' for k, v in kept)


@contextmanager
def recording(name: str, of: str = '1.39') -> Iterator[list[dict]]:
    """Record every exchange of Pywikibot's HTTP session into NAME.json in the folder of
    MediaWiki release *of*."""
    from pywikibot.comms import http

    exchanges: list[dict] = []

    def hook(response: requests.Response, *args: object, **kwargs: object) -> None:
        request = response.request
        exchanges.append({
            'key': request_key(request.method, request.url, request.body),
            'status': response.status_code,
            'content_type': response.headers.get('content-type', ''),
            'body': response.text,
        })

    http.session.hooks['response'].append(hook)
    try:
        yield exchanges
    finally:
        http.session.hooks['response'].remove(hook)
    folder(of).mkdir(parents=True, exist_ok=True)
    (folder(of) / f'{name}.json').write_text(json.dumps(exchanges, indent=1,
                                                      ensure_ascii=False))


def recorded_replies(*names: str) -> Callable[[requests.PreparedRequest], tuple[int, dict, str]]:
    """A ``responses`` callback serving the recorded exchanges NAMES (in order, each once
    unless nothing else fits)."""
    exchanges = []
    for name in names:
        exchanges += json.loads((folder() / f'{name}.json').read_text())
    used = [False] * len(exchanges)

    def callback(request: requests.PreparedRequest) -> tuple[int, dict, str]:
        key = request_key(request.method, request.url, request.body)
        candidates = [i for i, e in enumerate(exchanges) if e['key'] == key]
        if not candidates:
            raise AssertionError(f'no recorded reply for {key}')
        fresh = [i for i in candidates if not used[i]]
        index = (fresh or candidates)[0]
        used[index] = True
        exchange = exchanges[index]
        return exchange['status'], {'content-type': exchange['content_type']}, exchange['body']

    return callback


@contextmanager
def replaying(*names: str) -> Iterator[responses.RequestsMock]:
    """Serve the recorded exchanges NAMES to every request made in the block."""
    callback = recorded_replies(*names)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in ('GET', 'POST'):
            mock.add_callback(method, re.compile(r'http://127\.0\.0\.1:\d+/.*'), callback=callback)
        yield mock
