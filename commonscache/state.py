"""What must stay local between runs, in SQLite: the run log, per file the last outcome
(skip and failure reasons with first and last seen), and apart from it the open flags (a
file may have several; they open and close by :mod:`commonscache.flags`).

Cached files are recognised on the shared repository itself (provenance template and sha1),
so losing this file costs only time, never a duplicate upload.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pywikibot

from commonscache import flags
from commonscache.budget import OVER_BUDGET

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    consumer TEXT NOT NULL,
    shared TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    counters TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS watermarks (
    consumer TEXT PRIMARY KEY,
    timestamp TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    shared TEXT NOT NULL,
    title TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '',
    sha1 TEXT NOT NULL DEFAULT '',
    failures INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (shared, title)
);
CREATE TABLE IF NOT EXISTS purges (
    shared TEXT NOT NULL,
    consumer TEXT NOT NULL,
    title TEXT NOT NULL,
    due REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (shared, consumer, title)
);
CREATE TABLE IF NOT EXISTS flags (
    shared TEXT NOT NULL,
    title TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    since TEXT NOT NULL,
    PRIMARY KEY (shared, title, reason)
);
CREATE TABLE IF NOT EXISTS budget (
    consumer TEXT NOT NULL,
    day TEXT NOT NULL,
    bytes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (consumer, day)
);
CREATE TABLE IF NOT EXISTS deferred (
    shared TEXT NOT NULL,
    consumer TEXT NOT NULL,
    title TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    day TEXT NOT NULL,
    PRIMARY KEY (shared, consumer, title)
);
"""
#: State files written before flags were kept apart: their open flags are the files whose
#: last outcome was one.
FLAGS_FROM_OUTCOMES = """
INSERT OR IGNORE INTO flags SELECT shared, title, reason, details, first_seen FROM files
    WHERE outcome = 'flagged';
"""
#: State files written before purges were kept per consumer: their pending purges go to
#: whichever consumer runs next (consumer ''), as they did then.
MIGRATIONS = """
INSERT OR IGNORE INTO purges (shared, consumer, title) SELECT shared, '', title
    FROM pending_purges;
DROP TABLE pending_purges;
"""


@dataclass(frozen=True)
class Flag:
    """A file left for a person to review."""

    reason: str
    title: str
    details: str
    since: str
    shared: str = ''


@dataclass(frozen=True)
class Run:
    """One run of the bot, as the run log keeps it."""

    consumer: str
    started: str
    finished: str
    status: str
    counters: Mapping[str, int]


def now() -> str:
    return datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def ago(seconds: float) -> str:
    """The time *seconds* ago, as :func:`now` writes it."""
    return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime('%Y-%m-%dT%H:%M:%SZ')


#: Network filesystems by the magic number ``statfs`` reports (linux/magic.h, statfs(2)):
#: SQLite's WAL mode needs every process using the file on one host.
NETWORK_FILESYSTEMS = {
    0x6969: 'nfs', 0x517B: 'smb', 0xFF534D42: 'cifs', 0xFE534D42: 'smb2',
    0x5346414F: 'afs', 0x00C36400: 'ceph', 0x01161970: 'gfs2', 0x0BD00BD0: 'lustre',
    0x65735546: 'fuse', 0x47504653: 'gpfs',
}


def filesystem_type(path: Path) -> int:
    """The filesystem magic number of *path*'s folder, as ``statfs(2)`` reports it (0 when
    it cannot be told)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6', use_errno=True)
        buffer = ctypes.create_string_buffer(256)  # struct statfs; f_type comes first
        if libc.statfs(str(path).encode(), buffer) != 0:
            return 0
        return int.from_bytes(buffer.raw[:ctypes.sizeof(ctypes.c_long)], sys.byteorder) \
            & 0xFFFFFFFF
    except (OSError, AttributeError):
        return 0


_WARNED: set[Path] = set()


class State:
    """The state file. Every write is its own transaction, so a killed run leaves it whole."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        network = NETWORK_FILESYSTEMS.get(filesystem_type(path.parent))
        if network:
            # SQLite: "WAL does not work over a network filesystem". The rollback journal
            # relies on the filesystem's locks instead.
            self.db.execute('PRAGMA journal_mode=DELETE')
            if path not in _WARNED:
                _WARNED.add(path)
                pywikibot.warning(
                    f'the state file {path} is on a network filesystem ({network}): opened '
                    "without SQLite's WAL mode, which needs every process on one host; a "
                    'local disk, or a database server, is the safe place for it')
        else:
            self.db.execute('PRAGMA journal_mode=WAL')
        # With WAL, NORMAL survives a killed process (not a power cut) and saves an fsync
        # per file recorded.
        self.db.execute('PRAGMA synchronous=NORMAL')
        had_flags = self._has_table('flags')
        had_files = self._has_table('files')
        self.db.executescript(SCHEMA)
        if had_files and not had_flags:
            self.db.executescript(f'BEGIN; {FLAGS_FROM_OUTCOMES} COMMIT;')
        columns = {row[1] for row in self.db.execute('PRAGMA table_info(files)')}
        for column in ('failures', 'size'):  # state files of older versions
            if column not in columns:
                self.db.execute(f'ALTER TABLE files ADD COLUMN {column} INTEGER NOT NULL '
                                'DEFAULT 0')
        if 'due' not in {row[1] for row in self.db.execute('PRAGMA table_info(purges)')}:
            # Purges kept before they had a time are due at once, as they were then.
            self.db.execute('ALTER TABLE purges ADD COLUMN due REAL NOT NULL DEFAULT 0')
        if self._has_table('pending_purges'):
            self.db.executescript(f'BEGIN; {MIGRATIONS} COMMIT;')

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction for several statements (the connection commits each on its own
        otherwise): a killed run leaves all of them or none."""
        self.db.execute('BEGIN IMMEDIATE')
        try:
            yield
        except BaseException:
            self.db.execute('ROLLBACK')
            raise
        self.db.execute('COMMIT')

    def _has_table(self, name: str) -> bool:
        return self.db.execute('SELECT 1 FROM sqlite_master WHERE name = ?', (name,)
                               ).fetchone() is not None

    def close(self) -> None:
        self.db.close()

    def start_run(self, *, consumer: str, shared: str) -> int:
        cursor = self.db.execute('INSERT INTO runs (consumer, shared, started) VALUES (?, ?, ?)',
                                 (consumer, shared, now()))
        return int(cursor.lastrowid)

    def finish_run(self, run: int, *, status: str, counters: Mapping[str, int]) -> None:
        self.db.execute('UPDATE runs SET finished = ?, status = ?, counters = ? WHERE id = ?',
                        (now(), status, json.dumps(dict(counters)), run))

    def record(self, *, shared: str, title: str, outcome: str, reason: str = '',
               details: str = '', sha1: str = '', size: int = 0,
               examined: frozenset[str] = frozenset()) -> None:
        """Record a file's latest outcome; ``first_seen`` stays while the reason stays,
        ``failures`` counts the failures in a row for the same reason and sha1, and ``size``
        (the copy's bytes) stays until a new one is known. A flag opens or stays open; the
        file's other open flags close when their cause is among those the outcome looked at,
        *examined* (:func:`commonscache.flags.settle`). A flag that stands beside the
        outcome (:data:`commonscache.flags.BESIDE`) leaves the last outcome as it was."""
        raised = {reason: details} if outcome == 'flagged' else {}
        with self._transaction():
            self._settle_flags(shared, title, raised=raised, examined=examined)
            if outcome != 'flagged' or reason not in flags.BESIDE:
                self._record_outcome(shared, title, outcome, reason, details, sha1, size)
            if reason != OVER_BUDGET and outcome != 'would cache':
                # Examined again, for any reason: it no longer waits for a budget.
                self.db.execute('DELETE FROM deferred WHERE shared = ? AND title = ?',
                                (shared, title))

    def _settle_flags(self, shared: str, title: str, *, raised: Mapping[str, str],
                      examined: frozenset[str]) -> None:
        rows = self.db.execute('SELECT reason, details FROM flags WHERE shared = ? AND '
                               'title = ?', (shared, title))
        change = flags.settle(dict(rows.fetchall()), raised=raised, examined=examined)
        self.db.executemany('DELETE FROM flags WHERE shared = ? AND title = ? AND reason = ?',
                            [(shared, title, reason) for reason in change.close])
        self.db.executemany('INSERT INTO flags VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE '
                            'SET details = excluded.details',
                            [(shared, title, reason, details, now())
                             for reason, details in change.raise_.items()])

    def _record_outcome(self, shared: str, title: str, outcome: str, reason: str,
                        details: str, sha1: str, size: int) -> None:
        stamp = now()
        self.db.execute(
            """INSERT INTO files (shared, title, outcome, reason, details, sha1, failures,
                                  first_seen, last_seen, size)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (shared, title) DO UPDATE SET
                   first_seen = CASE WHEN files.reason = excluded.reason
                                     THEN files.first_seen ELSE excluded.first_seen END,
                   failures = CASE WHEN excluded.outcome != 'failed' THEN 0
                                   WHEN files.outcome = 'failed' AND files.reason =
                                        excluded.reason AND files.sha1 = excluded.sha1
                                   THEN files.failures + 1 ELSE 1 END,
                   outcome = excluded.outcome, reason = excluded.reason,
                   details = excluded.details, sha1 = excluded.sha1,
                   size = CASE WHEN excluded.size > 0 THEN excluded.size ELSE files.size END,
                   last_seen = excluded.last_seen""",
            (shared, title, outcome, reason, details, sha1, int(outcome == 'failed'), stamp,
             stamp, size))

    def outcomes(self, *, shared: str) -> dict[str, tuple[str, str, str]]:
        """title → (outcome, reason, details) for every file recorded for *shared*."""
        rows = self.db.execute('SELECT title, outcome, reason, details FROM files '
                               'WHERE shared = ? ORDER BY title', (shared,))
        return {title: (outcome, reason, details) for title, outcome, reason, details in rows}

    def flags(self, *, shared: str | None = None) -> list[Flag]:
        """The open flags, oldest first."""
        query = 'SELECT shared, title, reason, details, since FROM flags'
        params: tuple[str, ...] = ()
        if shared:
            query += ' WHERE shared = ?'
            params = (shared,)
        rows = self.db.execute(query + ' ORDER BY since, title, reason', params)
        return [Flag(reason=reason, title=title, details=details, since=since, shared=where)
                for where, title, reason, details, since in rows]

    def _files(self, columns: str, condition: str, shared: str,
               titles: Iterable[str] | None, *params: object) -> sqlite3.Cursor:
        """Rows of the files table for *shared* (and *titles*, when given: a batch's lookups
        stay small however many files the state holds)."""
        query = f'SELECT {columns} FROM files WHERE shared = ? AND ({condition})'
        if titles is None:
            return self.db.execute(query, (shared, *params))
        return self.db.execute(query + ' AND title IN (SELECT value FROM json_each(?))',
                               (shared, *params, json.dumps(list(titles))))

    def was_cached(self, *, shared: str, titles: Iterable[str] | None = None) -> set[str]:
        """Titles the bot has cached on *shared*, or flagged as deleted there since."""
        # sdc-conflict: copied, then flagged because the source contradicts itself
        rows = self._files('title', "outcome IN ('cached', 'updated') OR (outcome = 'nothing' "
                           "AND reason = 'up-to-date') OR reason IN ('was-deleted', "
                           "'sdc-conflict')", shared, titles)
        return {title for (title,) in rows}

    def runs(self, *, shared: str, last: int = 10) -> list[Run]:
        """The latest *last* runs for *shared*, newest first."""
        rows = self.db.execute('SELECT consumer, started, finished, status, counters FROM runs '
                               'WHERE shared = ? ORDER BY id DESC LIMIT ?', (shared, last))
        return [Run(consumer, started, finished or '', status, json.loads(counters or '{}'))
                for consumer, started, finished, status, counters in rows]

    def waiting_upstream(self, *, shared: str, reasons: Iterable[str],
                         titles: Iterable[str]) -> dict[str, tuple[str, str, str, str]]:
        """title → (outcome, reason, details, since) of *titles* whose latest outcome is for
        one of *reasons*."""
        rows = self._files('title, outcome, reason, details, first_seen',
                           'reason IN (SELECT value FROM json_each(?))', shared, titles,
                           json.dumps(list(reasons)))
        return {title: (outcome, reason, details, since)
                for title, outcome, reason, details, since in rows}

    def corrupt_sources(self, *, shared: str, after: int,
                        titles: Iterable[str] | None = None) -> dict[str, str]:
        """title → the source sha1 whose bytes never matched it: in *after* runs in a row,
        or already flagged ``source-corrupt``."""
        rows = self._files('title, sha1', "(outcome = 'failed' AND reason = "
                           "'source-sha1-mismatch' AND failures >= ?) OR (outcome = 'flagged' "
                           "AND reason = 'source-corrupt')", shared, titles, after)
        return dict(rows.fetchall())

    def purge_later(self, *, shared: str, consumers: list[str], title: str,
                    due: float) -> None:
        """Remember that the pages using *title* on each of *consumers* need a purge, not
        before *due* (Unix time; a later write of the file moves it on, never back): kept
        until that consumer's purge is done, so that a run killed before it, or a run for
        another consumer of the farm, leaves it to that consumer's next run."""
        self.db.executemany('INSERT INTO purges VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE '
                            'SET due = max(due, excluded.due)',
                            [(shared, consumer, title, due) for consumer in consumers])

    def pending_purges(self, *, shared: str, consumer: str) -> dict[str, float]:
        """The files whose pages on *consumer* wait for a purge → when it is due."""
        rows = self.db.execute("SELECT title, max(due) FROM purges WHERE shared = ? AND "
                               "consumer IN (?, '') GROUP BY title ORDER BY title",
                               (shared, consumer))
        return dict(rows.fetchall())

    def purged(self, *, shared: str, consumer: str, titles: list[str]) -> None:
        self.db.executemany("DELETE FROM purges WHERE shared = ? AND consumer IN (?, '') "
                            'AND title = ?', [(shared, consumer, title) for title in titles])

    def watermark(self, consumer: str) -> str:
        """The consumer's server time when the last completed incremental run started."""
        row = self.db.execute('SELECT timestamp FROM watermarks WHERE consumer = ?',
                              (consumer,)).fetchone()
        return row[0] if row else ''

    def set_watermark(self, consumer: str, timestamp: str) -> None:
        self.db.execute('INSERT INTO watermarks (consumer, timestamp) VALUES (?, ?) '
                        'ON CONFLICT (consumer) DO UPDATE SET timestamp = excluded.timestamp',
                        (consumer, timestamp))

    def spent(self, consumer: str, day: str) -> int:
        """Bytes copied for files embedded on *consumer* on *day* (:mod:`~commonscache.budget`)."""
        row = self.db.execute('SELECT bytes FROM budget WHERE consumer = ? AND day = ?',
                              (consumer, day)).fetchone()
        return row[0] if row else 0

    def spend(self, consumer: str, day: str, size: int) -> None:
        self.db.execute('INSERT INTO budget VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET '
                        'bytes = bytes + excluded.bytes', (consumer, day, size))

    def defer(self, *, shared: str, consumer: str, title: str, size: int, day: str) -> None:
        """*title*, embedded on *consumer*, waits for a later day's budget (its first day
        kept)."""
        self.db.execute('INSERT INTO deferred VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE '
                        'SET size = excluded.size', (shared, consumer, title, size, day))

    def deferred(self, *, shared: str, consumer: str, before: str) -> list[str]:
        """The files of *consumer* that wait for the budget since a day before *before*."""
        rows = self.db.execute('SELECT title FROM deferred WHERE shared = ? AND consumer = ? '
                               'AND day < ? ORDER BY day, title', (shared, consumer, before))
        return [title for (title,) in rows]

    def waiting(self, *, shared: str) -> dict[str, tuple[int, int]]:
        """consumer → (files, bytes) waiting for the budget."""
        rows = self.db.execute('SELECT consumer, count(*), sum(size) FROM deferred WHERE '
                               'shared = ? GROUP BY consumer ORDER BY consumer', (shared,))
        return {consumer: (files, size) for consumer, files, size in rows}
