"""What the console shows of Pywikibot's own retries.

Pywikibot logs a full traceback at ERROR level every time an API request fails and is
retried. On a console (and in cron mail) that reads like a crash although the run goes on;
there it becomes one line naming the error. A log file (``-log``) keeps the whole traceback.
"""
from __future__ import annotations

import logging

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
    logger = logging.getLogger('pywiki')
    if not any(isinstance(f, ShortRetryTracebacks) for f in logger.filters):
        logger.addFilter(ShortRetryTracebacks())
