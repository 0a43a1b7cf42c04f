"""Unit tests run offline on replies recorded from the dev farm (tests/replay.py)."""
from __future__ import annotations

import pytest

from tests.replay import replaying


@pytest.fixture
def offline_sites():
    import pywikibot

    pywikibot._sites.clear()
    yield
    pywikibot._sites.clear()


def test_sites_come_up_offline_from_recorded_replies(offline_sites):
    import pywikibot

    with replaying('sites'):
        consumer = pywikibot.Site('consumer', 'devfarm')
        assert consumer.mw_version == '1.39.17'
        assert consumer.siteinfo['sitename'] == 'devfarm consumer'
        shared = pywikibot.Site('shared', 'devfarm')
        shared.login()
        assert shared.has_right('upload')
