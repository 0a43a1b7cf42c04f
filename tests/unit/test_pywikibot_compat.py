"""What commonscache's patches of Pywikibot rely on (commonscache/wikis/pywikibot_compat.py): each
test fails when an upstream release changes it, so that the patch is checked again before
the Pywikibot bound in pyproject.toml moves."""
from __future__ import annotations

import inspect
import logging
from importlib.metadata import version

import pywikibot
import requests
from pywikibot import config
from pywikibot.comms import http
from pywikibot.data import api
from pywikibot.site import APISite

from commonscache.wikis import pywikibot_compat


def test_the_pywikibot_installed_is_of_the_release_line_checked():
    major = int(version('pywikibot').split('.')[0])
    assert major == 11, 'check each patch in commonscache/wikis/pywikibot_compat.py, then move ' \
                        'the bound in pyproject.toml'


def test_a_site_asks_who_the_bot_is_through_login_cookie_only_as_it_is_made():
    """ConsumerSite leaves that question to the first query."""
    assert 'cookie_only' in inspect.signature(APISite.login).parameters
    assert 'self.login(cookie_only=True)' in inspect.getsource(APISite.__init__)
    assert inspect.signature(pywikibot_compat.ConsumerSite.login).parameters.keys() == \
        inspect.signature(APISite.login).parameters.keys()


def test_site_interface_picks_the_class_pywikibot_site_makes():
    assert hasattr(config, 'site_interface')
    assert 'config.site_interface' in inspect.getsource(pywikibot.Site)


def test_relogin_is_a_method_of_the_site_alone():
    """renew_tokens_on_relogin wraps APISite._relogin(self) and empties site.tokens."""
    assert list(inspect.signature(APISite._relogin).parameters) == ['self']
    assert 'tokens' in inspect.getsource(APISite)  # the wallet the wrapper empties
    pywikibot_compat.renew_tokens_on_relogin()
    assert getattr(APISite._relogin, 'renews_tokens', False)
    pywikibot_compat.renew_tokens_on_relogin()  # once: no wrapper around the wrapper
    assert APISite._relogin.__closure__ is not None


def test_every_request_goes_through_one_requests_session():
    assert isinstance(http.session, requests.Session)
    assert 'session.request' in inspect.getsource(http.fetch)


def test_a_retried_requests_traceback_is_one_message_on_the_pywiki_logger():
    """shorten_retry_tracebacks filters the 'pywiki' logger for messages that start with
    a traceback, which api.Request logs with pywikibot.error(traceback.format_exc())."""
    source = inspect.getsource(api.Request)
    assert 'traceback.format_exc()' in source and 'pywikibot.error(tb)' in source
    assert "getLogger('pywiki')" in inspect.getsource(pywikibot.bot._init_handlers)
    pywikibot_compat.shorten_retry_tracebacks()
    pywikibot_compat.shorten_retry_tracebacks()
    filters = [f for f in logging.getLogger('pywiki').filters
               if isinstance(f, pywikibot_compat.ShortRetryTracebacks)]
    assert len(filters) == 1
