"""A memcached of the farm's own, shared by its wikis, as production farms run one: Debian's
``memcached``, installed when missing, started on a Unix socket in the farm's folder (never
the system's service). The farm's wikis all run on this one machine, and a memcached on the
same machine is best reached through a socket: on the 2-core test machine a lookup took
42 µs against 58 µs over TCP on 127.0.0.1, and a page makes three for each foreign file it
shows (MediaWiki asks the wiki's own repository for the file and for a redirect before it
asks the shared repository).

The wikis keep MediaWiki's object cache there through the PHP ``memcached`` extension
(``MemcachedPeclBagOStuff``, the client Wikimedia and Miraheze run), and a wiki that reads
the shared repository from its database does so with ``hasSharedCache``: file lookups are
answered from memory, and an upload to the shared repository clears them for every wiki at
once.

    cache = memcache.up(root / 'memcached')
    cache.flush()    # after the farm's databases are put back (devfarm.farm.restore)
    memcache.down(root / 'memcached')
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from devfarm import daemons


def log(message: str) -> None:
    print(f'devfarm: {message}', file=__import__('sys').stderr, flush=True)


#: The longest path a Unix socket may have (sun_path is 108 bytes with its final NUL).
SOCKET_PATH_MAX = 107


@dataclass(frozen=True)
class Server:
    root: Path

    @property
    def address(self) -> str:
        """The socket's path: what MediaWiki's ``servers`` and ``memcached -s`` take."""
        return str(self.root / 'memcached.sock')

    def command(self, line: str) -> str:
        """Send one line of memcached's text protocol; its answer up to END or OK."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(5)
            conn.connect(self.address)
            conn.sendall(line.encode() + b'\r\n')
            answer = b''
            while not answer.endswith((b'END\r\n', b'OK\r\n', b'ERROR\r\n')):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                answer += chunk
        return answer.decode(errors='replace')

    def flush(self) -> None:
        """Forget everything: the databases were put back, so what the wikis cached is
        not true any more."""
        self.command('flush_all')

    def stats(self) -> dict[str, int]:
        """memcached's counters (``get_hits``, ``get_misses``, ``curr_items`` ...)."""
        found = {}
        for line in self.command('stats').splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == 'STAT' and parts[2].isdigit():
                found[parts[1]] = int(parts[2])
        return found


def ensure_installed() -> None:
    """Debian's memcached, installed when missing (as root); the system's service stays
    stopped."""
    if shutil.which('memcached'):
        return
    if os.geteuid() != 0:
        raise SystemExit('devfarm: memcached is missing; as root: apt-get install memcached')
    log('installing memcached')
    env = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    subprocess.run(['apt-get', 'update', '-qq'], check=True, env=env)
    subprocess.run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'memcached'],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(['service', 'memcached', 'stop'], check=False, capture_output=True)


def up(root: Path) -> Server:
    """Start the farm's memcached (64 MB, on a Unix socket only the farm's user may use)
    unless it runs already."""
    ensure_installed()
    server = Server(root.resolve())
    if len(server.address) > SOCKET_PATH_MAX:
        raise SystemExit(f'devfarm: the memcached socket {server.address} is longer than '
                         f'{SOCKET_PATH_MAX} characters; set COMMONSCACHE_FARM_DIR to a shorter '
                         'path')
    root.mkdir(parents=True, exist_ok=True)
    if daemons.alive(daemons.pid_in(root / 'memcached.pid')):
        if Path(server.address).exists():
            return server
        # Started by a farm from before the socket, on TCP: its wikis now look for the socket.
        log('restarting memcached on a socket')
        daemons.stop(root / 'memcached.pid', seconds=5)
    Path(server.address).unlink(missing_ok=True)
    user = ['-u', 'root'] if os.geteuid() == 0 else []
    subprocess.run(['memcached', '-d', '-s', server.address, '-a', '0600',
                    '-m', '64', '-P', str(root / 'memcached.pid'), *user], check=True)
    for _ in range(100):
        try:
            server.stats()
            log(f'memcached on {server.address}')
            return server
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f'devfarm: memcached did not start on {server.address}')


def down(root: Path) -> None:
    daemons.stop(root / 'memcached.pid', seconds=5)
    (root / 'memcached.pid').unlink(missing_ok=True)
    Path(Server(root.resolve()).address).unlink(missing_ok=True)
