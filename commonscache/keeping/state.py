"""What must stay between runs: the run log, per file the last outcome (skip and failure
reasons with first and last seen), apart from it the open flags (a file may have several;
they open and close by :mod:`commonscache.deciding.flags`), budgets, watermarks and purges.

Kept in a SQLite file by default, or in a MariaDB/MySQL database (ToolsDB on Toolforge) when
one machine is not enough (:mod:`commonscache.keeping.stores` says where). Both go through
SQLAlchemy Core, so one set of statements serves both dialects; only an upsert is said per dialect.

Cached files are recognised on the shared repository itself (provenance template and sha1),
so losing the state costs only time, never a duplicate upload.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pywikibot
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, sqlite

from commonscache.datatypes import Agreement, Outcome
from commonscache.deciding.records import Entry, FileRow, Report, entry_of, next_row

#: Keys are strings of a bounded length, as MariaDB's indexes want them (its lengths count
#: characters): a title is at most 255 bytes after its namespace in MediaWiki, and the
#: namespace's name (``File:``, ``Datei:``, ``Fichier:``) comes on top; wiki names are
#: ``family:code``. Three such keys in one index stay within InnoDB's 3,072 bytes.
TITLE_LENGTH = 300
TITLE = sa.String(TITLE_LENGTH)
NAME = sa.String(190)

metadata = sa.MetaData()
runs_table = sa.Table(
    'runs', metadata,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
    sa.Column('consumer', sa.Text, nullable=False),
    sa.Column('shared', NAME, nullable=False),
    sa.Column('started', NAME, nullable=False),
    sa.Column('finished', NAME),
    sa.Column('status', NAME, nullable=False, server_default='running'),
    sa.Column('counters', sa.Text, nullable=False, server_default='{}'))
watermarks_table = sa.Table(
    'watermarks', metadata,
    sa.Column('consumer', TITLE, primary_key=True),
    sa.Column('timestamp', NAME, nullable=False))
files_table = sa.Table(
    'files', metadata,
    sa.Column('shared', NAME, primary_key=True),
    sa.Column('title', TITLE, primary_key=True),
    sa.Column('outcome', NAME, nullable=False),
    sa.Column('reason', NAME, nullable=False, server_default=''),
    sa.Column('details', sa.Text, nullable=False),
    sa.Column('sha1', NAME, nullable=False, server_default=''),
    sa.Column('failures', sa.Integer, nullable=False, server_default='0'),
    sa.Column('size', sa.BigInteger, nullable=False, server_default='0'),
    sa.Column('first_seen', NAME, nullable=False),
    sa.Column('last_seen', NAME, nullable=False))
purges_table = sa.Table(
    'purges', metadata,
    sa.Column('shared', NAME, primary_key=True),
    sa.Column('consumer', NAME, primary_key=True),
    sa.Column('title', TITLE, primary_key=True),
    sa.Column('due', sa.Float, nullable=False, server_default='0'))
flags_table = sa.Table(
    'flags', metadata,
    sa.Column('shared', NAME, primary_key=True),
    sa.Column('title', TITLE, primary_key=True),
    sa.Column('reason', NAME, primary_key=True),
    sa.Column('details', sa.Text, nullable=False),
    sa.Column('since', NAME, nullable=False))
#: Flags that closed, and how: the cause gone, a reviewer's decision, the operator's -force.
closed_flags_table = sa.Table(
    'closed_flags', metadata,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
    sa.Column('shared', NAME, nullable=False),
    sa.Column('title', TITLE, nullable=False),
    sa.Column('reason', NAME, nullable=False),
    sa.Column('details', sa.Text, nullable=False),
    sa.Column('since', NAME, nullable=False),
    sa.Column('closed', NAME, nullable=False),
    sa.Column('how', sa.Text, nullable=False))
#: Reviewers' decisions that stand (:mod:`commonscache.deciding.decisions`).
agreements_table = sa.Table(
    'agreements', metadata,
    sa.Column('shared', NAME, primary_key=True),
    sa.Column('title', TITLE, primary_key=True),
    sa.Column('decision', NAME, nullable=False),
    sa.Column('revision', sa.BigInteger, nullable=False, server_default='0'),
    sa.Column('sha1', NAME, nullable=False, server_default=''),
    sa.Column('by_user', NAME, nullable=False),
    sa.Column('at', NAME, nullable=False))
#: Each control page as a trusted user last left it (:mod:`commonscache.control.steering`):
#: its text kept whole, so that no run of edits by others, nor a deletion, leaves none.
steered_table = sa.Table(
    'steered', metadata,
    sa.Column('page', TITLE, primary_key=True),
    sa.Column('revision', sa.BigInteger, nullable=False),
    sa.Column('user', NAME, nullable=False),
    # 16 MiB: a TEXT column that wide is LONGTEXT on MariaDB, beyond the 64 KiB of TEXT
    sa.Column('text', sa.Text(length=16 * 1024 * 1024), nullable=False))
budget_table = sa.Table(
    'budget', metadata,
    sa.Column('consumer', NAME, primary_key=True),
    sa.Column('day', NAME, primary_key=True),
    sa.Column('bytes', sa.BigInteger, nullable=False, server_default='0'))
deferred_table = sa.Table(
    'deferred', metadata,
    sa.Column('shared', NAME, primary_key=True),
    sa.Column('consumer', NAME, primary_key=True),
    sa.Column('title', TITLE, primary_key=True),
    sa.Column('size', sa.BigInteger, nullable=False, server_default='0'),
    sa.Column('day', NAME, nullable=False))

#: SQLite state files of older versions: what their tables lack, and what to carry over.
SQLITE_MIGRATIONS = (
    ('files', 'failures', 'ALTER TABLE files ADD COLUMN failures INTEGER NOT NULL DEFAULT 0'),
    ('files', 'size', 'ALTER TABLE files ADD COLUMN size INTEGER NOT NULL DEFAULT 0'),
    # Purges kept before they had a time are due at once, as they were then.
    ('purges', 'due', 'ALTER TABLE purges ADD COLUMN due REAL NOT NULL DEFAULT 0'),
)
#: State files written before purges were kept per consumer: their pending purges go to
#: whichever consumer runs next (consumer ''), as they did then.
PENDING_PURGES = ("INSERT OR IGNORE INTO purges (shared, consumer, title) "
                  "SELECT shared, '', title FROM pending_purges",
                  'DROP TABLE pending_purges')
#: State files written before flags were kept apart: their open flags are the files whose
#: last outcome was one.
FLAGS_FROM_OUTCOMES = ("INSERT OR IGNORE INTO flags SELECT shared, title, reason, details, "
                       "first_seen FROM files WHERE outcome = 'flagged'",)
#: Reasons of a 'nothing' outcome that leave the bot's copy standing (its own, edited by
#: others, detached, kept or deleted by a reviewer's decision): a copy deleted later on the
#: shared repository is then flagged ``was-deleted``, never uploaded again unasked.
COPY_STANDS = ('up-to-date', 'local-change', 'detached', 'agreed', 'tagged-for-deletion',
               'deleted-on-review')
#: Titles per statement where a query names many (IN lists stay small).
CHUNK = 500


@dataclass(frozen=True)
class Flag:
    """A file left for a person to review."""

    reason: str
    title: str
    details: str
    since: str
    shared: str = ''


@dataclass(frozen=True)
class ClosedFlag:
    """A flag that closed: when it opened, when and how it closed."""

    reason: str
    title: str
    details: str
    since: str
    closed: str
    how: str


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


def sqlite_engine(path: Path) -> sa.Engine:
    """An engine for a state file: WAL mode on a local disk (not on a network filesystem,
    said once), and ``BEGIN IMMEDIATE`` transactions, so that a read-then-write never meets
    another writer half-way (SQLAlchemy's recipe for pysqlite)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f'sqlite:///{path}', connect_args={'timeout': 30})
    network = NETWORK_FILESYSTEMS.get(filesystem_type(path.parent))
    if network:  # once: a run opens its state once
        pywikibot.warning(
            f'the state file {path} is on a network filesystem ({network}): opened without '
            "SQLite's WAL mode, which needs every process on one host; a local disk, or a "
            'database server (-state:toolsdb:NAME), is the safe place for it')

    @sa.event.listens_for(engine, 'connect')
    def _connect(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.isolation_level = None  # the driver begins nothing by itself
        cursor = dbapi_connection.cursor()
        # SQLite: "WAL does not work over a network filesystem"; the rollback journal
        # relies on the filesystem's locks instead. With WAL, NORMAL survives a killed
        # process (not a power cut) and saves an fsync per file recorded.
        cursor.execute(f"PRAGMA journal_mode={'DELETE' if network else 'WAL'}")
        cursor.execute('PRAGMA synchronous=NORMAL')
        cursor.close()

    @sa.event.listens_for(engine, 'begin')
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql('BEGIN IMMEDIATE')

    return engine


# --- what the two dialects say differently -----------------------------------------------

def upsert(db: sa.Connection, table: sa.Table, rows: list[dict],
           update: Callable[[object], dict]) -> None:
    """Insert *rows*; where the key is taken, set what *update* says, given the row that was
    to be inserted (``excluded`` / ``VALUES()``)."""
    if not rows:
        return
    dialect = db.dialect.name
    # The rows go as parameters, not in the statement: its compiled form is then the same
    # every time, and SQLAlchemy compiles it once a run rather than once a row.
    if dialect == 'sqlite':
        statement = sqlite.insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=[c.name for c in table.primary_key],
            set_=update(statement.excluded))
    elif dialect in ('mysql', 'mariadb'):
        statement = mysql.insert(table)
        statement = statement.on_duplicate_key_update(update(statement.inserted))
    else:  # stores.py opens SQLite files and MariaDB/MySQL databases only
        raise ValueError(f'the state cannot be kept in a {dialect} database')
    db.execute(statement, rows)


def greatest(db: sa.Connection, *values: object) -> object:
    return (sa.func.max if db.dialect.name == 'sqlite' else sa.func.greatest)(*values)


def locking(db: sa.Connection, query: sa.Select) -> sa.Select:
    """*query*, locking its rows for the transaction on a database server (SQLite's
    ``BEGIN IMMEDIATE`` holds the whole file already)."""
    return query if db.dialect.name == 'sqlite' else query.with_for_update()


class State:
    """The state. Every method is one transaction, so a killed run leaves it whole.

    :param where: a SQLite file, or an engine (:func:`commonscache.keeping.stores.open_engine`)
    """

    def __init__(self, where: Path | sa.Engine) -> None:
        self.engine = where if isinstance(where, sa.Engine) else sqlite_engine(where)
        self.path = None if isinstance(where, sa.Engine) else where
        self.dialect = self.engine.dialect.name
        with self.engine.begin() as db:
            had = set(sa.inspect(db).get_table_names())
            metadata.create_all(db)
            if self.dialect == 'sqlite':
                _migrate_sqlite(db, had)
            else:
                _widen_titles(db)

    def close(self) -> None:
        self.engine.dispose()

    # --- runs -----------------------------------------------------------------------------------

    def start_run(self, *, consumer: str, shared: str) -> int:
        with self.engine.begin() as db:
            result = db.execute(runs_table.insert().values(consumer=consumer, shared=shared,
                                                           started=now()))
            return int(result.inserted_primary_key[0])

    def finish_run(self, run: int, *, status: str, counters: Mapping[str, int]) -> None:
        with self.engine.begin() as db:
            db.execute(runs_table.update().where(runs_table.c.id == run).values(
                finished=now(), status=status, counters=json.dumps(dict(counters))))

    def runs(self, *, shared: str, last: int = 10) -> list[Run]:
        """The latest *last* runs for *shared*, newest first."""
        c = runs_table.c
        with self.engine.begin() as db:
            rows = db.execute(sa.select(c.consumer, c.started, c.finished, c.status,
                                        c.counters).where(c.shared == shared)
                              .order_by(c.id.desc()).limit(last)).all()
        return [Run(consumer, started, finished or '', status, json.loads(counters or '{}'))
                for consumer, started, finished, status, counters in rows]

    # --- outcomes and flags -----------------------------------------------------------------------

    def record(self, *, shared: str, title: str, outcome: str, reason: str = '',
               details: str = '', sha1: str = '', size: int = 0,
               examined: frozenset[str] = frozenset()) -> None:
        """Keep a file's latest outcome, as :func:`commonscache.deciding.records.entry_of`
        says."""
        self.record_all(shared=shared, entries=[entry_of(Outcome(
            title, outcome, reason, details, sha1, size=size, examined=examined))])

    def record_all(self, *, shared: str, entries: Iterable[Entry]) -> None:
        """Carry out each of *entries*, in order, in one transaction."""
        with self.engine.begin() as db:
            for entry in entries:
                _keep(db, shared, entry)

    def outcomes(self, *, shared: str) -> dict[str, tuple[str, str, str]]:
        """title → (outcome, reason, details) for every file recorded for *shared*."""
        c = files_table.c
        with self.engine.begin() as db:
            rows = db.execute(sa.select(c.title, c.outcome, c.reason, c.details)
                              .where(c.shared == shared).order_by(c.title)).all()
        return {title: (outcome, reason, details) for title, outcome, reason, details in rows}

    def flags(self, *, shared: str | None = None) -> list[Flag]:
        """The open flags, oldest first."""
        t = flags_table.c
        query = sa.select(t.shared, t.title, t.reason, t.details, t.since)
        if shared:
            query = query.where(t.shared == shared)
        with self.engine.begin() as db:
            rows = db.execute(query.order_by(t.since, t.title, t.reason)).all()
        return [Flag(reason=reason, title=title, details=details, since=since, shared=where)
                for where, title, reason, details, since in rows]

    def _files(self, columns: list[sa.ColumnElement], condition: sa.ColumnElement,
               shared: str, titles: Iterable[str] | None,
               table: sa.Table = files_table) -> list[sa.Row]:
        """Rows of the files table (or another keyed by shared and title) for *shared* (and
        *titles*, when given, a chunk at a time: a batch's lookups stay small however many
        files the state holds)."""
        query = sa.select(*columns).where(table.c.shared == shared, condition)
        with self.engine.begin() as db:
            if titles is None:
                return db.execute(query).all()
            titles = list(titles)
            return [row for start in range(0, len(titles), CHUNK)
                    for row in db.execute(query.where(
                        table.c.title.in_(titles[start:start + CHUNK]))).all()]

    def was_cached(self, *, shared: str, titles: Iterable[str] | None = None) -> set[str]:
        """Titles the bot has cached on *shared*, or flagged as deleted there since."""
        c = files_table.c
        # sdc-conflict: what state files of earlier versions kept for a copy flagged so
        rows = self._files([c.title], sa.or_(
            c.outcome.in_(('cached', 'updated')),
            sa.and_(c.outcome == 'nothing', c.reason.in_(COPY_STANDS)),
            c.reason.in_(('was-deleted', 'sdc-conflict'))), shared, titles)
        return {title for (title,) in rows}

    def waiting_upstream(self, *, shared: str, reasons: Iterable[str],
                         titles: Iterable[str] | None = None
                         ) -> dict[str, tuple[str, str, str, str, str]]:
        """title → (outcome, reason, details, since, last read) of *titles* (or of every
        file) whose latest outcome is for one of *reasons*."""
        c = files_table.c
        rows = self._files([c.title, c.outcome, c.reason, c.details, c.first_seen,
                            c.last_seen], c.reason.in_(list(reasons)), shared, titles)
        return {title: (outcome, reason, details, since, last)
                for title, outcome, reason, details, since, last in rows}

    def oldest_waits(self, *, shared: str, reasons: Iterable[str]) -> dict[str, tuple[int, str]]:
        """reason → (files, since when the oldest of them waits) for each of *reasons* that
        some file's latest outcome has."""
        c = files_table.c
        with self.engine.begin() as db:
            rows = db.execute(sa.select(c.reason, sa.func.count(), sa.func.min(c.first_seen))
                              .where(c.shared == shared, c.reason.in_(list(reasons)))
                              .group_by(c.reason).order_by(c.reason)).all()
        return {reason: (int(files), since) for reason, files, since in rows}

    def corrupt_sources(self, *, shared: str, after: int,
                        titles: Iterable[str] | None = None) -> dict[str, str]:
        """title → the source sha1 whose bytes never matched it: in *after* runs in a row,
        or already flagged ``source-corrupt``."""
        c = files_table.c
        rows = self._files([c.title, c.sha1], sa.or_(
            sa.and_(c.outcome == 'failed', c.reason == 'source-sha1-mismatch',
                    c.failures >= after),
            sa.and_(c.outcome == 'flagged', c.reason == 'source-corrupt')), shared, titles)
        return dict(rows)

    # --- purges ---------------------------------------------------------------------------------

    def purge_later(self, *, shared: str, consumers: list[str], title: str = '',
                    due: float, titles: Iterable[str] = ()) -> None:
        """Remember that the pages using *title* (and each of *titles*) on each of
        *consumers* need a purge, not before *due* (Unix time; a later write of the file
        moves it on, never back): kept until that consumer's purge is done, so that a run
        killed before it, or a run for another consumer of the farm, leaves it to that
        consumer's next run."""
        files = [title] if title else []
        files += titles
        if not files:
            return
        with self.engine.begin() as db:
            upsert(db, purges_table, [
                {'shared': shared, 'consumer': consumer, 'title': file, 'due': due}
                for file in files for consumer in consumers],
                lambda new: {'due': greatest(db, purges_table.c.due, new.due)})

    def pending_purges(self, *, shared: str, consumer: str) -> dict[str, float]:
        """The files whose pages on *consumer* wait for a purge → when it is due."""
        c = purges_table.c
        with self.engine.begin() as db:
            rows = db.execute(sa.select(c.title, sa.func.max(c.due))
                              .where(c.shared == shared, c.consumer.in_((consumer, '')))
                              .group_by(c.title).order_by(c.title)).all()
        return {title: float(due) for title, due in rows}

    def purged(self, *, shared: str, consumer: str, titles: list[str]) -> None:
        c = purges_table.c
        with self.engine.begin() as db:
            for start in range(0, len(titles), CHUNK):
                db.execute(purges_table.delete().where(
                    c.shared == shared, c.consumer.in_((consumer, '')),
                    c.title.in_(titles[start:start + CHUNK])))

    # --- watermarks -------------------------------------------------------------------------------

    def watermark(self, consumer: str) -> str:
        """The consumer's server time when the last completed incremental run started (and
        other marks the bot keeps under a name of their own)."""
        c = watermarks_table.c
        with self.engine.begin() as db:
            row = db.execute(sa.select(c.timestamp).where(c.consumer == consumer)).first()
        return row[0] if row else ''

    def set_watermark(self, consumer: str, timestamp: str) -> None:
        with self.engine.begin() as db:
            upsert(db, watermarks_table, [{'consumer': consumer, 'timestamp': timestamp}],
                         lambda new: {'timestamp': new.timestamp})

    # --- the daily budget -------------------------------------------------------------------------

    def spent(self, consumer: str, day: str) -> int:
        """Bytes copied for files embedded on *consumer* on *day*
        (:mod:`~commonscache.keeping.budget`)."""
        c = budget_table.c
        with self.engine.begin() as db:
            row = db.execute(sa.select(c.bytes).where(c.consumer == consumer,
                                                      c.day == day)).first()
        return int(row[0]) if row else 0

    def spend(self, consumer: str, day: str, size: int) -> None:
        with self.engine.begin() as db:
            upsert(db, budget_table, [{'consumer': consumer, 'day': day, 'bytes': size}],
                         lambda new: {'bytes': budget_table.c.bytes + new.bytes})

    def defer(self, *, shared: str, consumer: str, title: str, size: int, day: str) -> None:
        """*title*, embedded on *consumer*, waits for a day after *day*: deferred again on a
        later day (that day's budget was spent too), it waits for the day after that, and is
        not examined again in every poll meanwhile."""
        with self.engine.begin() as db:
            upsert(db, deferred_table, [{'shared': shared, 'consumer': consumer,
                                               'title': title, 'size': size, 'day': day}],
                         lambda new: {'size': new.size, 'day': new.day})

    def deferred(self, *, shared: str, consumer: str, before: str) -> list[str]:
        """The files of *consumer* that wait for the budget since a day before *before*."""
        c = deferred_table.c
        with self.engine.begin() as db:
            rows = db.execute(sa.select(c.title).where(
                c.shared == shared, c.consumer == consumer, c.day < before)
                .order_by(c.day, c.title)).all()
        return [title for (title,) in rows]

    def waiting(self, *, shared: str) -> dict[str, tuple[int, int]]:
        """consumer → (files, bytes) waiting for the budget."""
        c = deferred_table.c
        with self.engine.begin() as db:
            rows = db.execute(sa.select(c.consumer, sa.func.count(), sa.func.sum(c.size))
                              .where(c.shared == shared).group_by(c.consumer)
                              .order_by(c.consumer)).all()
        return {consumer: (int(files), int(size)) for consumer, files, size in rows}


def _keep(db: sa.Connection, shared: str, entry: Entry) -> None:
    """One entry into the state, in the caller's transaction (see State.record_all)."""
    title = entry.title
    _close_flags(db, shared, title, entry.closes, how=entry.closing or 'cause gone')
    # A flag kept open keeps its first day; its details are brought up to date.
    upsert(db, flags_table, [
        {'shared': shared, 'title': title, 'reason': reason, 'details': details,
         'since': now()} for reason, details in entry.raised.items()],
        lambda new: {'details': new.details})
    if entry.agreement is not None:
        agreed = entry.agreement
        upsert(db, agreements_table, [{
            'shared': shared, 'title': title, 'decision': agreed.decision,
            'revision': agreed.revision, 'sha1': agreed.sha1, 'by_user': agreed.by,
            'at': agreed.at}], lambda new: {name: getattr(new, name) for name in (
                'decision', 'revision', 'sha1', 'by_user', 'at')})
    if entry.report is not None:
        _record_outcome(db, shared, title, entry.report)
    if entry.ends_deferral:
        t = deferred_table.c
        db.execute(deferred_table.delete().where(t.shared == shared, t.title == title))


def _close_flags(db: sa.Connection, shared: str, title: str, reasons: frozenset[str], *,
                 how: str) -> None:
    """Close the open flags of *title* for *reasons*, keeping when and *how*."""
    if not reasons:
        return
    t = flags_table.c
    where = (t.shared == shared, t.title == title, t.reason.in_(sorted(reasons)))
    rows = db.execute(locking(db, sa.select(t.reason, t.details, t.since)
                              .where(*where))).all()
    if not rows:
        return
    db.execute(flags_table.delete().where(*where))
    stamp = now()
    db.execute(closed_flags_table.insert(), [
        {'shared': shared, 'title': title, 'reason': reason, 'details': details,
         'since': since, 'closed': stamp, 'how': how} for reason, details, since in rows])


def _record_outcome(db: sa.Connection, shared: str, title: str, report: Report) -> None:
    c = files_table.c
    found = db.execute(locking(db, sa.select(
        c.outcome, c.reason, c.details, c.sha1, c.failures, c.size, c.first_seen,
        c.last_seen).where(c.shared == shared, c.title == title))).first()
    row = next_row(FileRow(*found) if found else None, report, stamp=now())
    values = {'shared': shared, 'title': title, **vars(row)}
    upsert(db, files_table, [values],
           lambda new: {name: getattr(new, name) for name in vars(row)})


def agreements(state: State, *, shared: str, titles: Iterable[str]) -> dict[str, Agreement]:
    """title → the reviewer's decision that stands for it, of *titles* (a chunk at a time)."""
    t = agreements_table.c
    rows = state._files([t.title, t.decision, t.revision, t.sha1, t.by_user, t.at], sa.true(),
                        shared, titles, table=agreements_table)
    return {title: Agreement(decision, int(revision), sha1, by, at)
            for title, decision, revision, sha1, by, at in rows}


def kept_word(state: State, page: str) -> tuple[int, str, str] | None:
    """(revision, user, text) of *page* ('SITE TITLE') as a trusted user last left it."""
    c = steered_table.c
    with state.engine.begin() as db:
        row = db.execute(sa.select(c.revision, c.user, c.text).where(c.page == page)).first()
    return (int(row[0]), row[1], row[2]) if row else None


def keep_word(state: State, page: str, revision: int, user: str, text: str) -> None:
    with state.engine.begin() as db:
        upsert(db, steered_table, [{'page': page, 'revision': revision, 'user': user,
                                    'text': text}],
               lambda new: {'revision': new.revision, 'user': new.user, 'text': new.text})


def outcomes_of(state: State, *, shared: str, titles: Iterable[str]
                ) -> dict[str, tuple[str, str, str]]:
    """title → (outcome, reason, details) of those of *titles* the state has."""
    c = files_table.c
    rows = state._files([c.title, c.outcome, c.reason, c.details], sa.true(), shared, titles)
    return {title: (outcome, reason, details) for title, outcome, reason, details in rows}


def closed_flags(state: State, *, shared: str | None, last: int = 0) -> list[ClosedFlag]:
    """The flags that closed on *shared* (None: on any), the most recent first (the *last*
    ones; 0: all)."""
    t = closed_flags_table.c
    query = (sa.select(t.reason, t.title, t.details, t.since, t.closed, t.how)
             .order_by(t.id.desc()))
    if shared:
        query = query.where(t.shared == shared)
    with state.engine.begin() as db:
        rows = db.execute(query.limit(last) if last else query).all()
    return [ClosedFlag(*row) for row in rows]


def _widen_titles(db: sa.Connection) -> None:
    """A database of an earlier version kept titles in 255 characters, too few for the
    longest title MediaWiki allows: its title columns are widened (once; MariaDB keeps the
    rows)."""
    inspector = sa.inspect(db)
    for table in metadata.sorted_tables:
        for column in table.columns:
            if column.type is not TITLE:
                continue
            found = next((c for c in inspector.get_columns(table.name)
                          if c['name'] == column.name), None)
            if found is not None and getattr(found['type'], 'length', 0) < TITLE_LENGTH:
                db.exec_driver_sql(f'ALTER TABLE {table.name} MODIFY {column.name} '
                                   f'VARCHAR({TITLE_LENGTH}) NOT NULL')


def _migrate_sqlite(db: sa.Connection, had: set[str]) -> None:
    """Bring a state file of an earlier version up to date, in the transaction that opens
    it."""
    for table, column, statement in SQLITE_MIGRATIONS:
        if column not in {row[1] for row in db.exec_driver_sql(f'PRAGMA table_info({table})')}:
            db.exec_driver_sql(statement)
    if 'pending_purges' in had:
        for statement in PENDING_PURGES:
            db.exec_driver_sql(statement)
    if 'files' in had and 'flags' not in had:
        for statement in FLAGS_FROM_OUTCOMES:
            db.exec_driver_sql(statement)
