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


def test_pywikibots_login_line_goes_to_log_files_only(tmp_path):
    """login_lines_to_log_files filters the 'pywiki' logger for the line
    LoginManager.login says with pywikibot.info; warnings and errors pass as they are."""
    from pywikibot import login

    assert "pywikibot.info(f'Logging in to {self.site} as {self.login_name}')" in \
        inspect.getsource(login.LoginManager.login)
    pywikibot_compat.login_lines_to_log_files()
    pywikibot_compat.login_lines_to_log_files()
    logger = logging.getLogger('pywiki')
    assert sum(isinstance(f, pywikibot_compat.LoginLinesToLogFiles)
               for f in logger.filters) == 1
    console, log_file = logging.StreamHandler(), logging.FileHandler(tmp_path / 'bot.log')
    shown: list[str] = []
    console.emit = lambda record: shown.append(record.getMessage())
    logger.addHandler(console)
    logger.addHandler(log_file)
    level, logger.level = logger.level, logging.DEBUG
    try:
        # What pywikibot.info and .error log, with the context its own handlers format
        context = {'newline': '\n', 'caller_name': 'login', 'caller_file': 'login.py',
                   'caller_line': 1}
        logger.info('Logging in to devfarm:shared as CacheBot', extra=context)
        logger.info('cached File:A.jpg', extra=context)
        logger.error('Logging in to devfarm:shared as CacheBot failed', extra=context)
    finally:
        logger.level = level
        logger.removeHandler(console)
        logger.removeHandler(log_file)
        log_file.close()
    assert shown == ['cached File:A.jpg', 'Logging in to devfarm:shared as CacheBot failed']
    assert 'Logging in to devfarm:shared as CacheBot\n' in (tmp_path / 'bot.log').read_text()
