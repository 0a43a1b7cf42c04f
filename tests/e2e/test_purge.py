"""The purge after a copy, end to end: readers who view a page while its file is copied see
the shared copy once the run is done, not a parse kept from before the copy."""
from __future__ import annotations

import threading

import pytest
import requests

from tests.conftest import run_cli
from tests.e2e.support import SHARED, api

pytestmark = pytest.mark.e2e

PAGE = 'Museum'
FILE = 'File:Mona Lisa test.png'


def view(wiki, page: str) -> str:
    return requests.get(f'{wiki.server}/wiki/{page}', timeout=60).text


def test_readers_during_the_copy_see_the_shared_copy_once_the_run_is_done(farm_wikis):
    """A reader views the page all through the run, as on a busy wiki. Each view looks the
    file up on the shared repository (the consumer's ForeignAPIRepo keeps the answer 1 s)
    and parses the page anew once it is purged. A purge in the same second as the upload,
    or while the consumer still holds the lookup from before it, leaves a parse that shows
    Commons' file and that MediaWiki keeps: the purge waits for a later second."""
    consumer, shared, commons = (farm_wikis[name] for name in ('consumer', 'shared',
                                                               'commons'))
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            view(consumer, PAGE)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        result = run_cli(SHARED, '-always', f'-page:{PAGE}')
    finally:
        done.set()
        reader.join()
    assert result.returncode == 0, result.stderr[-3000:]
    assert 's after the last write of their files' in result.stderr, result.stderr[-3000:]

    touched = api(consumer, action='query', prop='info', titles=PAGE)['query']['pages'][0][
        'touched']
    uploaded = api(shared, action='query', prop='imageinfo', iiprop='timestamp',
                   titles=FILE)['query']['pages'][0]['imageinfo'][0]['timestamp']
    assert touched > uploaded  # in a later second: MediaWiki compares whole seconds
    html = view(consumer, PAGE)
    assert f'{shared.server}/w/images/' in html
    assert f'{commons.server}/w/images/' not in html
