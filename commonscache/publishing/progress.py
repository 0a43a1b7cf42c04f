"""The run on the console: one line for each file's outcome, in the bot's own words, and
one updating progress line on a terminal (nothing without one: cron reads the log lines)."""
from __future__ import annotations

import sys

import pywikibot

from commonscache.datatypes import Outcome


def say(outcome: Outcome) -> None:
    """The line a file's outcome gets (none for a file left as it was)."""
    title, kind = outcome.title, outcome.kind
    why = f'{outcome.reason} ({outcome.details})'
    if kind == 'skipped':
        pywikibot.info(f'skipped {title}: {why}')
    elif kind == 'flagged':
        pywikibot.warning(f'flagged {title} for review: {why}')
    elif kind == 'failed':
        pywikibot.error(f'failed {title}: {why}')
    elif kind in ('cached', 'updated'):
        pywikibot.info(f'{kind} {title} ({outcome.details})')


class Progress:
    """One updating line on a terminal; nothing without one (cron reads the log lines)."""

    def __init__(self) -> None:
        self.active = sys.stderr.isatty()
        self.shown = False

    def show(self, done: int, total: int, transferred: int, note: str = '') -> None:
        """The line: files done, bytes moved, and *note* (what slows the transfers, if
        anything: see :meth:`commonscache.wikis.limits.Policy.status`)."""
        if self.active:
            line = f'{done}/{total} files, {transferred:,} bytes' + (f'; {note}' if note else '')
            sys.stderr.write(f'\r{line}\x1b[K')
            sys.stderr.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write('\n')
            self.shown = False
