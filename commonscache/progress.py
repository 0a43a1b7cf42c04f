"""Progress of a run: one updating line on a terminal; nothing without one (cron reads the
log lines instead)."""
from __future__ import annotations

import sys


class Progress:
    """One updating line on a terminal; nothing without one (cron reads the log lines)."""

    def __init__(self) -> None:
        self.active = sys.stderr.isatty()
        self.shown = False

    def show(self, done: int, total: int, transferred: int) -> None:
        if self.active:
            sys.stderr.write(f'\r{done}/{total} files, {transferred:,} bytes ')
            sys.stderr.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write('\n')
            self.shown = False
