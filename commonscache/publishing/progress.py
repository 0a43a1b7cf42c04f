"""Progress of a run: one updating line on a terminal; nothing without one (cron reads the
log lines instead)."""
from __future__ import annotations

import sys


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
