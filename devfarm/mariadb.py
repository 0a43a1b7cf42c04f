"""A MariaDB server of the farm's own: Debian's ``mariadb-server``, installed when missing,
started on 127.0.0.1 with its own data directory, socket and port (never the system's
server), as a farm runs one server for all its databases.

    server = mariadb.up(root / 'mariadb', port=3406)
    server.cnf      # a my.cnf with [client] user= and password= for the bot
    mariadb.down(root / 'mariadb')
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from devfarm import daemons

USER = 'commonscache'
PASSWORD = 'devfarm-mariadb-password'


@dataclass(frozen=True)
class Server:
    root: Path
    port: int
    host: str = '127.0.0.1'

    @property
    def socket(self) -> Path:
        return self.root / 'mariadb.sock'

    @property
    def cnf(self) -> Path:
        """A my.cnf with the bot's credentials, as ~/replica.my.cnf is on Toolforge."""
        return self.root / 'client.my.cnf'

    def url(self, database: str) -> str:
        """The -state value for *database* on this server."""
        return f'mysql://{self.host}:{self.port}/{database}'

    def sql(self, statement: str) -> str:
        """Run *statement* as the server's root (over its socket); its output."""
        return subprocess.run(
            ['mariadb', '--no-defaults', f'--socket={self.socket}', '-uroot', '-N', '-B',
             '-e', statement], check=True, capture_output=True, text=True).stdout


def log(message: str) -> None:
    print(f'devfarm: {message}', file=__import__('sys').stderr, flush=True)


def ensure_installed() -> None:
    """Debian's MariaDB server and client, installed when missing (as root)."""
    if shutil.which('mariadbd') and shutil.which('mariadb-install-db'):
        return
    if os.geteuid() != 0:
        raise SystemExit('devfarm: MariaDB is missing; as root: apt-get install mariadb-server')
    log('installing mariadb-server')
    env = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    subprocess.run(['apt-get', 'update', '-qq'], check=True, env=env)
    subprocess.run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends',
                    'mariadb-server', 'mariadb-client'], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    # Debian starts the system's own server on installation; the farm runs its own.
    subprocess.run(['service', 'mariadb', 'stop'], check=False, capture_output=True)


def up(root: Path, *, port: int) -> Server:
    """The farm's server, started (idempotent), with the bot's user and its my.cnf."""
    ensure_installed()
    server = Server(root.resolve(), port)
    data = server.root / 'data'
    if not (data / 'mysql').is_dir():
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run(['mariadb-install-db', '--no-defaults', f'--datadir={data}',
                        '--user=root', '--auth-root-authentication-method=socket',
                        '--skip-test-db'], check=True, capture_output=True)
    if not daemons.alive(daemons.pid_in(server.root / 'mariadb.pid')):
        log(f'starting MariaDB on {server.host}:{port}')
        subprocess.Popen(
            ['mariadbd', '--no-defaults', f'--datadir={data}', f'--socket={server.socket}',
             f'--port={port}', f'--bind-address={server.host}', '--user=root',
             f'--pid-file={server.root / "mariadb.pid"}',
             f'--log-error={server.root / "mariadb.err"}', '--skip-name-resolve',
             '--innodb-buffer-pool-size=64M', '--innodb-flush-log-at-trx-commit=2'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        began = time.monotonic()
        while True:
            try:
                server.sql('SELECT 1')
                break
            except subprocess.CalledProcessError:
                if time.monotonic() - began > 60:
                    error = (server.root / 'mariadb.err').read_text(errors='replace')[-2000:]
                    raise SystemExit(f'devfarm: MariaDB did not start:\n{error}') from None
                time.sleep(0.3)
    server.sql(f"CREATE USER IF NOT EXISTS '{USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'; "
               f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'127.0.0.1';")
    server.cnf.write_text(f'[client]\nuser = {USER}\npassword = "{PASSWORD}"\n')
    server.cnf.chmod(0o600)
    return server


def down(root: Path) -> None:
    """Stop the farm's server (its data stays)."""
    daemons.stop(root / 'mariadb.pid', seconds=20)
