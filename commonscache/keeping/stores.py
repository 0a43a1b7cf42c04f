"""Where the state lives (``-state``), and the run lock that goes with it.

- a SQLite file (the default, ``commonscache.sqlite`` in the Pywikibot directory, or
  ``-state:PATH``): each shard keeps a file of its own beside it, locked with ``flock``;
- a MariaDB/MySQL database when one machine is not enough: ``-state:toolsdb:NAME`` (Toolforge's
  ToolsDB, database ``<user>__NAME``) or ``-state:mysql://HOST[:PORT]/DB``, with the user and
  password read from ``-statecnf`` (a ``my.cnf`` file; default ``~/replica.my.cnf``, which
  Toolforge gives every tool), never from the command line. The database is created when
  missing and the tables on first use. Shards share it: one review page and one status page
  for the farm, flags every shard sees, and one run lock per shard held with ``GET_LOCK``,
  which the server frees when a killed job's connection drops.
"""
from __future__ import annotations

import configparser
import fcntl
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

import sqlalchemy as sa

from commonscache.errors import UsageError
from commonscache.keeping.shards import Shard

#: ToolsDB, Toolforge's MariaDB for tools (https://wikitech.wikimedia.org/wiki/Help:Toolforge/ToolsDB).
TOOLSDB_HOST = 'tools.db.svc.wikimedia.cloud'
DEFAULT_CNF = '~/replica.my.cnf'
_MYSQL = re.compile(r'^mysql://(?P<host>[^:/]+)(?::(?P<port>\d+))?/(?P<db>[A-Za-z0-9_$]+)$')
_NAME = re.compile(r'^[A-Za-z0-9_$]+$')


class RunLock:
    """An exclusive lock beside the state file: two runs on one state never overlap.

    ``flock`` locks die with the process that holds them, so the lock of a killed run is
    taken over at once; the file keeps the holder's pid for the message.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open('a+')
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f'{os.getpid()}\n')
        handle.flush()
        self.handle = handle
        return True

    def holder(self) -> str:
        """Who holds the lock, as messages name it (``pid N``)."""
        try:
            pid = self.path.read_text().strip()
        except OSError:
            pid = ''
        return f'pid {pid}' if pid else 'pid unknown'

    def release(self) -> None:
        if self.handle:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


class Lock(Protocol):
    def acquire(self) -> bool: ...
    def holder(self) -> str: ...
    def release(self) -> None: ...


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str


def read_cnf(path: Path) -> Credentials:
    """The ``[client]`` user and password of a ``my.cnf`` file.

    :raises UsageError: the file cannot be read or names no user
    """
    parser = configparser.ConfigParser(allow_no_value=True, interpolation=None,
                                       strict=False)
    try:
        with path.open(encoding='utf-8') as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as error:
        raise UsageError(f'cannot read the database credentials in {path}: {error}; give '
                         '-statecnf:PATH (a my.cnf file with [client] user= and '
                         'password=)') from None
    client = parser['client'] if parser.has_section('client') else {}
    user = (client.get('user') or '').strip().strip('\'"')
    if not user:
        raise UsageError(f'{path} has no [client] user=; give -statecnf:PATH (a my.cnf file '
                         'with [client] user= and password=)')
    return Credentials(user, (client.get('password') or '').strip().strip('\'"'))


@dataclass(frozen=True)
class Store:
    """Where one run keeps its state.

    :ivar path: the SQLite file (None for a database)
    :ivar host, port, database: the database server and database (for a database)
    """

    path: Path | None = None
    host: str = ''
    port: int = 3306
    database: str = ''
    credentials: Credentials | None = None
    shard: Shard = Shard()

    @property
    def shared_by_shards(self) -> bool:
        """The shards of a farm share this state (a database), rather than keeping one
        each (a file)."""
        return self.path is None

    def describe(self) -> str:
        if self.path is not None:
            return f'the state file {self.path}'
        return f'the state database {self.database} on {self.host}:{self.port}'

    def engine(self) -> sa.Engine:
        """An engine for the database, which is created when missing (SQLite files are
        opened by :class:`~commonscache.keeping.state.State` itself)."""
        assert self.credentials is not None
        url = sa.URL.create('mysql+pymysql', username=self.credentials.user,
                            password=self.credentials.password, host=self.host,
                            port=self.port, query={'charset': 'utf8mb4'})
        server = sa.create_engine(url, pool_pre_ping=True)
        try:
            with server.begin() as db:
                db.exec_driver_sql(f'CREATE DATABASE IF NOT EXISTS `{self.database}` '
                                   'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin')
        finally:
            server.dispose()
        # Pings before use: a -watch holds its connections for weeks, past wait_timeout.
        return sa.create_engine(url.set(database=self.database), pool_pre_ping=True,
                                pool_recycle=3600)

    def lock(self) -> Lock:
        """The run lock of this shard."""
        if self.path is not None:
            return RunLock(self.path.with_suffix('.lock'))
        return DatabaseLock(self, f'commonscache:{self.database}:'
                                  f'{self.shard.index}/{self.shard.count}')


def parse(value: str, *, cnf: str, base_dir: Path, shard: Shard) -> Store:
    """The store that ``-state:VALUE`` names (empty: the default file).

    :raises UsageError: an address that cannot be a database, or credentials missing
    """
    if value.startswith('toolsdb:'):
        name = value.removeprefix('toolsdb:')
        if not _NAME.match(name):
            raise UsageError(f'-state:{value}: the database name may hold letters, digits and '
                             '_ only, e.g. -state:toolsdb:commonscache')
        credentials = read_cnf(Path(os.path.expanduser(cnf or DEFAULT_CNF)))
        return Store(host=TOOLSDB_HOST, database=f'{credentials.user}__{name}',
                     credentials=credentials, shard=shard)
    if value.startswith('mysql:'):
        found = _MYSQL.match(value)
        if not found:
            raise UsageError(f'-state:{value} is not mysql://HOST[:PORT]/DATABASE')
        credentials = read_cnf(Path(os.path.expanduser(cnf or DEFAULT_CNF)))
        return Store(host=found['host'], port=int(found['port'] or 3306),
                     database=found['db'], credentials=credentials, shard=shard)
    path = Path(value) if value else base_dir / 'commonscache.sqlite'
    return Store(path=shard.path(path), shard=shard)


class DatabaseLock:
    """A run lock on the state's database server: ``GET_LOCK`` on a connection of its own,
    held for the run. The server frees it when the connection ends, so a killed job's lock
    is free as soon as the server notices the connection is gone."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name
        self.path = f'{name} on {store.host}'  # what messages name
        self.engine: sa.Engine | None = None
        self.connection: sa.Connection | None = None

    def acquire(self) -> bool:
        self.engine = self.store.engine()
        self.connection = self.engine.connect()
        got = self.connection.execute(sa.text('SELECT GET_LOCK(:name, 0)'),
                                      {'name': self.name}).scalar()
        if got != 1:
            self.release()
            return False
        return True

    def holder(self) -> str:
        engine = self.store.engine()
        try:
            with engine.connect() as db:
                found = db.execute(sa.text('SELECT IS_USED_LOCK(:name)'),
                                   {'name': self.name}).scalar()
        finally:
            engine.dispose()
        return f'connection {found}' if found else 'unknown'

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(sa.text('SELECT RELEASE_LOCK(:name)'),
                                        {'name': self.name})
            finally:
                self.connection.close()
                self.connection = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
