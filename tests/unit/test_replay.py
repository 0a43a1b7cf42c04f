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


def test_sites_come_up_offline_from_recorded_replies(offline_sites, recorded_release):
    import pywikibot

    with replaying('sites'):
        consumer = pywikibot.Site('consumer', 'devfarm')
        # the release the replies were recorded from: 1.39.17 (Debian 12), 1.43.9 (Debian 13)
        assert str(consumer.mw_version).startswith(recorded_release + '.')
        assert consumer.siteinfo['sitename'] == 'devfarm consumer'
        shared = pywikibot.Site('shared', 'devfarm')
        shared.login()
        assert shared.has_right('upload')
