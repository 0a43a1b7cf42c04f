"""A loopback HTTP proxy that injects faults between the bot and the dev farm's wikis.

The bot reaches it as an ordinary forward proxy (``HTTP_PROXY``), so the wikis keep their
addresses and only the bot's traffic passes through it. A seeded generator picks, for each
request whether it fails; the kind of fault is the one least recently injected among
those the request can meet. So that every kind comes up in a short run whatever order the
requests arrive in, a request also fails when :data:`QUIET` requests in a row have not, and
it can meet a kind not injected yet. What the proxy did is counted by kind.

Faults, by what they do to a request:

- ``delay``: answered, after a pause;
- ``503`` and ``429``: answered by the proxy with that status and ``Retry-After: 1``;
- ``maxlag``: an API request answered with MediaWiki's maxlag error (a download gets 503);
- ``drop``: the connection is reset — an API request before it reaches the wiki, a download
  half-way through its body;
- ``truncate``: a reply (API read or file) cut short, the connection closed;
- ``corrupt``: a file's bytes altered on the way (so the sha1 check must catch it).

Writes (POST) only meet faults that stop them before the wiki sees them; a reply lost after a
write is what the kill tests cover. *on_request* (if given) is called with the running number
of each request before it is forwarded: the kill tests use it to kill the bot mid-request.
Requests for the ports in *unreachable* are reset at once, as if the host were down.
"""
from __future__ import annotations

import http.client
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

KINDS = ('delay', '503', '429', 'maxlag', 'drop', 'truncate', 'corrupt')
#: What each kind of request can meet.
FOR_READS = ('delay', '503', '429', 'maxlag', 'drop', 'truncate')
FOR_WRITES = ('delay', '503', '429', 'maxlag', 'drop')
FOR_FILES = ('delay', '503', '429', 'drop', 'truncate', 'corrupt')
#: After this many requests without a fault, a kind not injected yet is injected when it can
#: be: file faults can only meet downloads, and a run may fetch few files.
QUIET = 10
HOP_BY_HOP = {'connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'te',
              'trailer', 'upgrade', 'proxy-authorization'}
MAXLAG_ERROR = {'error': {'code': 'maxlag', 'info': 'Waiting for 127.0.0.1: 1 seconds lagged.',
                          'host': '127.0.0.1', 'lag': 1, 'type': 'db'}}


class FaultProxy:
    """The proxy, serving from a thread until :meth:`close`."""

    def __init__(self, *, rate: float = 0.0, seed: int = 0, kinds: tuple[str, ...] = KINDS,
                 on_request: Callable[[int], None] | None = None,
                 unreachable: set[int] | frozenset[int] = frozenset()) -> None:
        self.rate = rate
        self.unreachable = unreachable
        self.kinds = kinds
        self.random = random.Random(seed)
        self.queue = list(kinds)  # least recently injected first
        self.random.shuffle(self.queue)
        self.on_request = on_request
        self.lock = threading.Lock()
        self.requests = 0
        self.last_fault = 0
        self.injected: Counter[str] = Counter()
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.server.server_port}'

    def environment(self) -> dict[str, str]:
        """What a child process needs in its environment to use the proxy."""
        return {'HTTP_PROXY': self.url, 'http_proxy': self.url, 'NO_PROXY': '', 'no_proxy': ''}

    def choose(self, allowed: tuple[str, ...]) -> tuple[int, str | None]:
        """Number this request and pick its fault, if any (one lock: reproducible order)."""
        with self.lock:
            self.requests += 1
            number = self.requests
            fault = None
            missing = [kind for kind in self.queue if kind in allowed and not self.injected[kind]]
            if self.random.random() < self.rate:
                fault = next((kind for kind in self.queue if kind in allowed), None)
            elif self.rate and missing and number - self.last_fault >= QUIET:
                fault = missing[0]
            if fault:
                self.last_fault = number
                self.queue.remove(fault)
                self.queue.append(fault)
                self.injected[fault] += 1
        return number, fault

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            self._relay()

        do_POST = do_HEAD = do_GET  # noqa: N815

        def _relay(self) -> None:
            target = urlsplit(self.path)
            if target.hostname != '127.0.0.1':  # a test proxy: loopback only
                self._answer(403, b'loopback only\n', {})
                return
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
            if target.port in proxy.unreachable:  # as a host that is down
                self._reset()
                return
            is_api = target.path.endswith('/api.php')
            allowed = FOR_FILES if not is_api else FOR_WRITES if self.command == 'POST' \
                else FOR_READS
            number, fault = proxy.choose(allowed)
            if proxy.on_request:
                proxy.on_request(number)
            if fault == 'delay':
                time.sleep(0.5)
            elif fault in ('503', '429') or (fault == 'maxlag' and not is_api):
                status = 429 if fault == '429' else 503
                self._answer(status, b'<html><body>Try again later</body></html>',
                             {'Retry-After': '1', 'Content-Type': 'text/html'})
                return
            elif fault == 'maxlag':
                self._answer(200, json.dumps(MAXLAG_ERROR).encode(), {
                    'Retry-After': '1', 'X-Database-Lag': '1', 'MediaWiki-API-Error': 'maxlag',
                    'Content-Type': 'application/json; charset=utf-8'})
                return
            elif fault == 'drop' and is_api:
                self._reset()
                return
            status, headers, content = self._forward(target, body)
            if fault == 'drop':
                self._send_head(status, headers, len(content))
                self.wfile.write(content[:len(content) // 2])
                self._reset()
            elif fault == 'truncate':
                self._send_head(status, headers, len(content))
                self.wfile.write(content[:len(content) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif fault == 'corrupt' and content:
                self._answer(status, bytes([content[0] ^ 0xFF]) + content[1:], headers)
            else:
                self._answer(status, content, headers)

        def _forward(self, target, body: bytes) -> tuple[int, dict[str, str], bytes]:
            upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=300)
            try:
                path = target.path + (f'?{target.query}' if target.query else '')
                headers = {name: value for name, value in self.headers.items()
                           if name.lower() not in HOP_BY_HOP}
                upstream.request(self.command, path, body=body or None, headers=headers)
                reply = upstream.getresponse()
                content = reply.read()
                kept = [(name, value) for name, value in reply.getheaders()
                        if name.lower() not in HOP_BY_HOP | {'content-length'}]
                return reply.status, kept, content
            finally:
                upstream.close()

        def _send_head(self, status: int, headers, length: int) -> None:
            self.send_response(status)
            for name, value in (headers.items() if isinstance(headers, dict) else headers):
                self.send_header(name, value)
            self.send_header('Content-Length', str(length))
            self.end_headers()

        def _answer(self, status: int, content: bytes, headers) -> None:
            self._send_head(status, headers, len(content))
            if self.command != 'HEAD':
                self.wfile.write(content)

        def _reset(self) -> None:
            """Close with a TCP reset, as a connection that breaks does."""
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack('ii', 1, 0))
            self.close_connection = True

    return Handler
