"""Which MediaWiki the dev farm runs, chosen by ``COMMONSCACHE_MW``:

- ``host`` (the default): Debian's ``mediawiki`` package of this machine (1.39 on Debian 12,
  1.43 on Debian 13), installed when missing;
- ``1.39`` or ``1.43``: that release. Where the host's package is that release, it is used;
  otherwise Debian's package of the release that ships it (bookworm for 1.39, trixie for
  1.43) goes into a minimal tree that ``debootstrap`` builds once from the Debian mirror
  and keeps in ``$COMMONSCACHE_MW_CACHE`` (default ``/var/cache/commonscache``). Every
  ``php`` of the farm (install.php, maintenance scripts, ``php -S``) then runs through
  ``chroot``, with the checkout, the farm's folder and ``/tmp`` bind-mounted at the same
  paths inside, so that every path means the same on both sides.

Building a tree takes about a minute and 750 MB; it is reused by every later ``up``.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MW = Path('/usr/share/mediawiki')
PACKAGES = ['mediawiki', 'php-cli', 'php-sqlite3', 'php-mysql', 'php-curl', 'php-gd',
            'php-memcached']
#: The PHP modules those packages give, by the names ``php -m`` prints.
MODULES = ('pdo_sqlite', 'mysqli', 'curl', 'gd', 'memcached')
#: The Debian release whose mediawiki package is each MediaWiki release.
SUITES = {'1.39': 'bookworm', '1.43': 'trixie'}
RELEASES = {suite: release for release, suite in SUITES.items()}
MIRROR = 'http://deb.debian.org/debian'


def log(message: str) -> None:
    print(f'devfarm: {message}', file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Runtime:
    """Where the farm's MediaWiki and PHP are.

    :ivar release: the MediaWiki release, e.g. ``1.43``
    :ivar root: the tree they run in through chroot, or None for the host itself
    """

    release: str
    root: Path | None = None

    def command(self, cmd: list[str]) -> list[str]:
        """*cmd* as it runs here: through chroot when the farm's PHP is in a tree."""
        return ['chroot', str(self.root), *cmd] if self.root else cmd

    def path(self, inside: Path) -> Path:
        """Where a path of the runtime (``/usr/share/mediawiki``) is seen from the host."""
        return self.root / inside.relative_to('/') if self.root else inside


def wanted() -> str:
    value = os.environ.get('COMMONSCACHE_MW', 'host').strip() or 'host'
    if value != 'host' and value not in SUITES:
        raise SystemExit(f'devfarm: COMMONSCACHE_MW={value} is not one of host, '
                         f'{", ".join(SUITES)}')
    return value


def host_suite() -> str:
    for line in Path('/etc/os-release').read_text().splitlines():
        if line.startswith('VERSION_CODENAME='):
            return line.split('=', 1)[1].strip().strip('"')
    return ''


def installed_release(root: Path | None = None) -> str:
    """The MediaWiki release of the ``mediawiki`` package installed at *root* ('' if none)."""
    cmd = ['dpkg-query', '-W', '-f', '${Version}', 'mediawiki']
    if root:
        cmd = ['chroot', str(root), *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True)
    version = result.stdout.split(':', 1)[-1] if result.returncode == 0 else ''
    return '.'.join(version.split('.')[:2])


@functools.cache
def runtime() -> Runtime:
    """The farm's runtime, installed or built as needed."""
    want = wanted()
    host_release = installed_release() or RELEASES.get(host_suite(), '')
    if want in ('host', host_release):
        ensure_host_packages()
        return Runtime(installed_release() or host_release)
    root = Path(os.environ.get('COMMONSCACHE_MW_CACHE') or '/var/cache/commonscache') / \
        f'mediawiki-{want}-{SUITES[want]}'
    ensure_tree(root, SUITES[want])
    return Runtime(installed_release(root), root)


def _apt_install(prefix: list[str]) -> None:
    """apt-get install PACKAGES (through *prefix*), without letting apache2 start."""
    root = Path(prefix[1]) if prefix else Path('/')
    policy = root / 'usr/sbin/policy-rc.d'
    created = not policy.exists()
    if created:
        policy.write_text('#!/bin/sh\nexit 101\n')
        policy.chmod(0o755)
    env = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    try:
        subprocess.run([*prefix, 'apt-get', 'update', '-qq'], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([*prefix, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends',
                        *PACKAGES], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*prefix, 'apt-get', 'clean'], env=env, check=True)
    finally:
        if created:
            policy.unlink()


def ensure_host_packages() -> None:
    """Install Debian's MediaWiki and PHP on the host when missing."""
    if (MW / 'api.php').exists() and shutil.which('php'):
        modules = subprocess.run(['php', '-m'], capture_output=True, text=True).stdout.lower()
        if all(m in modules.split() for m in MODULES):
            return
    if os.geteuid() != 0:
        raise SystemExit('devfarm: run as root once to install ' + ' '.join(PACKAGES))
    log('installing ' + ' '.join(PACKAGES))
    _apt_install([])


def ensure_tree(root: Path, suite: str) -> None:
    """A minimal Debian *suite* tree at *root* with MediaWiki and PHP, built once."""
    done = root / '.commonscache-ready'
    if not done.exists():
        if os.geteuid() != 0:
            raise SystemExit(f'devfarm: run as root once to build the {suite} tree at {root}')
        if not shutil.which('debootstrap'):
            log('installing debootstrap')
            subprocess.run(['apt-get', 'update', '-qq'], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends',
                            'debootstrap'], check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'})
        log(f'building a Debian {suite} tree for MediaWiki at {root} (once; about a minute)')
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        subprocess.run(['debootstrap', '--variant=minbase', suite, str(root), MIRROR],
                       check=True, stdout=subprocess.DEVNULL)
        mount_system(root)
        _apt_install(['chroot', str(root)])
        done.touch()
    mount_system(root)
    modules = subprocess.run(['chroot', str(root), 'php', '-m'], capture_output=True,
                             text=True).stdout.lower()
    missing = [m for m in MODULES if m not in modules.split()]
    if missing:  # a tree built before the farm ran on MariaDB, or with memcached
        log(f'adding PHP modules to the {suite} tree: {", ".join(missing)}')
        _apt_install(['chroot', str(root)])


def _mounted(path: Path) -> bool:
    target = str(path.resolve())
    with open('/proc/mounts') as mounts:
        return any(line.split()[1] == target for line in mounts)


def _same_folder(one: Path, other: Path) -> bool:
    try:
        a, b = one.stat(), other.stat()
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _bind(source: Path, root: Path) -> None:
    target = root / source.resolve().relative_to('/')
    if _mounted(target):
        if _same_folder(source, target):
            return
        # Bound to a folder since removed and made again at the same path (a checkout
        # cloned afresh): the old mount shows the deleted folder, so PHP would find nothing.
        subprocess.run(['umount', '--lazy', str(target)], check=True)
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(['mount', '--bind', str(source), str(target)], check=True)


def mount_system(root: Path) -> None:
    """/proc and /dev inside the tree, as PHP and apt expect; the host's resolver."""
    for system in (Path('/proc'), Path('/dev')):
        _bind(system, root)
    shutil.copy('/etc/resolv.conf', root / 'etc' / 'resolv.conf')


def share(runtime_: Runtime, *paths: Path) -> None:
    """Make host folders visible at the same paths inside the runtime's tree."""
    if runtime_.root is None:
        return
    resolved = sorted({path.resolve() for path in paths}, key=lambda p: len(p.parts))
    shared: list[Path] = []
    for path in resolved:
        if any(path.is_relative_to(outer) for outer in shared):
            continue  # seen inside already, through its parent
        path.mkdir(parents=True, exist_ok=True)
        _bind(path, runtime_.root)
        shared.append(path)
