"""An upload that meets a passing error of the shared repository is tried again; one that
meets another error is not (offline: the API is a stand-in, see ``responses``)."""
from __future__ import annotations

import pytest
import responses
from pywikibot.exceptions import APIError

from commonscache.writing import upload

API = 'http://shared.example/w/api.php'


class StubSite:
    """What UploadApi asks of a site: where its API is, a token, the write throttle."""

    tokens = {'csrf': 'token+\\'}

    def base_url(self, path: str) -> str:
        return 'http://shared.example' + path

    def apipath(self) -> str:
        return '/w/api.php'

    def throttle(self, write: bool = False) -> None:
        pass


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(upload.time, 'sleep', lambda seconds: None)


@responses.activate
def test_a_lock_file_error_is_tried_again_and_the_upload_goes_through():
    lock = {'error': {'code': 'lockmanager-fail-deletelock',
                      'info': 'Could not delete lock file for "mwstore://local-backend/x".'}}
    responses.post(API, json=lock)
    responses.post(API, json={'upload': {'result': 'Success', 'filename': 'A.png'}})
    reply = upload.UploadApi(StubSite()).post({'filename': 'A.png', 'url': 'http://x/A.png'})
    assert reply['result'] == 'Success'
    assert len(responses.calls) == 2


@responses.activate
def test_another_error_is_not_tried_again():
    responses.post(API, json={'error': {'code': 'permissiondenied', 'info': 'No.'}})
    with pytest.raises(APIError, match='permissiondenied'):
        upload.UploadApi(StubSite()).post({'filename': 'A.png', 'url': 'http://x/A.png'})
    assert len(responses.calls) == 1
