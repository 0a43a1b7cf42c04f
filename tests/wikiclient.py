"""A person acting on a dev farm wiki through its API, for end-to-end tests: edits, uploads
and deletions that the bot must then respect."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from devfarm import farm


class WikiClient:
    """A logged-in user of one farm wiki (main-account login with action=clientlogin)."""

    def __init__(self, wiki: farm.Wiki, user: str, password: str) -> None:
        self.api = wiki.api
        self.session = requests.Session()
        token = self.query(meta='tokens', type='login')['tokens']['logintoken']
        reply = self.session.post(self.api, data={
            'action': 'clientlogin', 'username': user, 'password': password,
            'logintoken': token, 'loginreturnurl': wiki.server, 'format': 'json'}).json()
        assert reply['clientlogin']['status'] == 'PASS', reply
        self.user = user

    def query(self, **params: Any) -> dict:
        reply = self.session.get(self.api, params={
            'action': 'query', 'format': 'json', 'formatversion': 2, **params}).json()
        assert 'error' not in reply, reply
        return reply['query']

    def post(self, action: str, files: dict | None = None, **params: Any) -> dict:
        token = self.query(meta='tokens')['tokens']['csrftoken']
        reply = self.session.post(self.api, data={
            'action': action, 'format': 'json', 'formatversion': 2, 'token': token, **params},
            files=files).json()
        assert 'error' not in reply, reply
        return reply

    def edit(self, title: str, **params: Any) -> None:
        self.post('edit', title=title, summary='a person edits', **params)

    def upload(self, title: str, path: Path, text: str = 'Uploaded by a person') -> None:
        with path.open('rb') as data:
            reply = self.post('upload', filename=title.split(':', 1)[1], comment='a person uploads',
                              text=text, ignorewarnings=1, files={'file': (path.name, data)})
        assert reply['upload']['result'] == 'Success', reply

    def delete(self, title: str, reason: str) -> None:
        self.post('delete', title=title, reason=reason)

    def page(self, title: str) -> dict:
        """The page with its latest revision (user, content) and latest file version."""
        return self.query(titles=title, prop='revisions|imageinfo', rvprop='user|content|ids',
                          rvslots='main', iiprop='user|sha1')['pages'][0]

    def text(self, title: str) -> str:
        return self.page(title)['revisions'][0]['slots']['main']['content']
