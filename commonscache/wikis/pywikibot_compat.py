"""Pywikibot kept at arm's length: every place where commonscache changes what Pywikibot does,
each with what it relies on and the Pywikibot releases it was checked against.
``tests/unit/test_pywikibot_compat.py`` fails when upstream changes what a patch relies on, and
``pyproject.toml`` holds Pywikibot to the release line checked (11.x).

- :class:`ConsumerSite` (11.8, 11.9): ``APISite.__init__`` calls
  ``login(cookie_only=True)`` to ask who the bot is;
- :func:`configured_site_made_lazily` (11.8, 11.9): ``config.site_interface`` picks the
  class ``pywikibot.Site`` makes;
- :func:`renew_tokens_on_relogin` (11.9): ``APISite._relogin(self)`` logs in again after a
  lost session, with the tokens it cached;
- :func:`mount_on_session`, :func:`add_response_hook` (11.8, 11.9):
  ``pywikibot.comms.http.session`` is the one ``requests.Session`` of every request;
- :func:`shorten_retry_tracebacks` (11.8, 11.9): Pywikibot logs through the ``pywiki``
  logger, a retried request's traceback as one message;
- :func:`login_lines_to_log_files` (11.8, 11.9): ``LoginManager.login`` says
  ``Logging in to SITE as USER`` with ``pywikibot.info`` on that logger.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests
from pywikibot import config
from pywikibot.comms import http
from pywikibot.site import APISite


class ConsumerSite(APISite):
    """A consumer wiki, asked nothing until the run has work there.

    Pywikibot's APISite asks the wiki who the bot is as soon as the object is made
    (``login(cookie_only=True)``, one request); on a farm of many wikis most have nothing to
    do in a quiet run, and every query it does make answers that question anyway (Pywikibot
    adds ``meta=userinfo`` to each). A consumer with work is logged in when it needs to be
    (:func:`commonscache.wikis.sites.login_if_configured`: more than 50 titles to read, or a
    purge to make).
    """

    def login(self, autocreate: bool = False, user: str | None = None, *,
              cookie_only: bool = False) -> None:
        if cookie_only:
            return  # the construction's check: left to the first query
        super().login(autocreate, user)


@contextmanager
def configured_site_made_lazily() -> Iterator[None]:
    """Pywikibot's ``handle_args`` makes the configured site to check that it exists; made
    as a :class:`ConsumerSite` (which the run uses when that site is its consumer), it
    costs no request."""
    before = config.site_interface
    config.site_interface = ConsumerSite
    try:
        yield
    finally:
        config.site_interface = before


def renew_tokens_on_relogin() -> None:
    """Make Pywikibot fetch fresh tokens when it logs in again after losing its session.

    Pywikibot (11.9) notices a lost session ("Logged in as ... instead of ...") and logs in
    again, but with the login token it cached from the lost session; MediaWiki refuses that
    (``sessionlost``) and the write in progress fails. Emptying the token wallet first makes
    the new login, and the writes after it, use tokens of the new session.
    """
    relogin = APISite._relogin
    if getattr(relogin, 'renews_tokens', False):
        return

    def relogin_with_fresh_tokens(site: APISite) -> None:
        site.tokens.clear()
        relogin(site)

    relogin_with_fresh_tokens.renews_tokens = True  # type: ignore[attr-defined]
    APISite._relogin = relogin_with_fresh_tokens  # type: ignore[method-assign]


def mount_on_session(adapter: requests.adapters.HTTPAdapter) -> None:
    """Send every request of Pywikibot's session (API, downloads) through *adapter*."""
    for prefix in ('https://', 'http://'):
        http.session.mount(prefix, adapter)


def add_response_hook(hook: Callable[..., requests.Response]) -> None:
    """Have *hook* see every response of Pywikibot's session (once)."""
    hooks = http.session.hooks.setdefault('response', [])
    if hook not in hooks:
        hooks.append(hook)


#: What the console shows of Pywikibot's own retries: Pywikibot logs a full traceback at
#: ERROR level every time an API request fails and is retried. On a console (and in cron
#: mail) that reads like a crash although the run goes on; there it becomes one line naming
#: the error. A log file (``-log``) keeps the whole traceback.
TRACEBACK = 'Traceback (most recent call last)'


class ShortRetryTracebacks(logging.Filter):
    """On Pywikibot's logger: a retried request's traceback goes whole to log files and as
    its last line, a warning, to every other handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg
        if not (isinstance(message, str) and message.startswith(TRACEBACK)):
            return True
        last = [line for line in message.splitlines() if line.strip()][-1]
        short = logging.makeLogRecord({**record.__dict__, 'levelno': logging.WARNING,
                                       'levelname': 'WARNING', 'exc_info': None, 'args': (),
                                       'msg': f'request failed, retrying: {last}'})
        for handler in logging.getLogger('pywiki').handlers:
            chosen = record if isinstance(handler, logging.FileHandler) else short
            if chosen.levelno >= handler.level:
                handler.handle(chosen)
        return False


def shorten_retry_tracebacks() -> None:
    """Install :class:`ShortRetryTracebacks` on Pywikibot's logger (once)."""
    _filter_once(ShortRetryTracebacks)


def _filter_once(kind: type[logging.Filter]) -> None:
    """A filter of *kind* on Pywikibot's logger, unless one is there already."""
    logger = logging.getLogger('pywiki')
    if not any(isinstance(f, kind) for f in logger.filters):
        logger.addFilter(kind())


#: How Pywikibot's line for each login begins (``pywikibot.login.LoginManager.login``).
LOGIN = 'Logging in to '


class LoginLinesToLogFiles(logging.Filter):
    """On Pywikibot's logger: its line for each login goes to log files only. A run logs
    in to several wikis, and the console says what the run does in the bot's own words
    (a login that fails still says so there, as an error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg
        if not (isinstance(message, str) and message.startswith(LOGIN)
                and record.levelno < logging.WARNING):
            return True
        for handler in logging.getLogger('pywiki').handlers:
            if isinstance(handler, logging.FileHandler) and record.levelno >= handler.level:
                handler.handle(record)
        return False


def login_lines_to_log_files() -> None:
    """Install :class:`LoginLinesToLogFiles` on Pywikibot's logger (once)."""
    _filter_once(LoginLinesToLogFiles)
