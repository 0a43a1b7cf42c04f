"""A dev farm of four real MediaWiki wikis (1.39 or 1.43, see :mod:`devfarm.mediawiki`) on
127.0.0.1, for tests and demos.

- ``commons``: a Commons stand-in, the source of the files;
- ``shared``: the farm's shared media repository, where commonscache writes;
- ``consumer``: a content wiki that uses both as ForeignAPIRepo, the shared one first;
- ``consumer2``: a second content wiki like it, for runs over a farm of consumers.

Each wiki is Debian's ``mediawiki`` package selected by ``MW_CONFIG_FILE``, with its own
LocalSettings, SQLite database, upload and cache folders, served by ``php -S`` through
``router.php``. ``up`` is idempotent: it installs what is missing, starts what is stopped and
seeds what is empty.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from devfarm import mariadb, mediawiki, memcache, seed

REPO = Path(__file__).resolve().parent.parent
HERE = REPO / 'devfarm'
MW = mediawiki.MW
WIKIS = ('commons', 'shared', 'consumer', 'consumer2')
#: More consumers, as a farm of many wikis has them (``$COMMONSCACHE_FARM_EXTRA``, or
#: :func:`up`'s *extra*): consumer3, consumer4 …, each a clone of consumer2 (its settings,
#: accounts and pages, on the same code base) with a page of its own; ports base+20 on.
EXTRA_PORT = 20
#: The file each extra consumer's own page embeds, in turn: some are used on several wikis.
EXTRA_FILES = ('Lighthouse at dusk.jpg', 'Town map.png', 'Mona Lisa test.png',
               'Animated spinner.gif', 'Sample document.pdf', 'Example diagram.svg')

ADMIN = 'Admin'
ADMIN_PASSWORD = 'devfarm-admin-password'
BOT = 'CacheBot'
BOT_APP = 'commonscache'
#: BotPasswords: at least 32 characters, only [0-9a-w] (BotPassword::canonicalizeLoginData).
BOT_PASSWORD = 'devfarmbotpassword0123456789abcdef'
#: The grants for uploads, edits and uploads by URL (uploadeditmovefile carries upload_by_url),
#: and protect and delete, which only count where the bot's groups have the right
#: (``granted_rights``).
BOT_GRANTS = ('basic,highvolume,editpage,createeditmovepage,uploadfile,uploadeditmovefile,'
              'protect,delete')
#: A user without special rights, for tests of what ordinary users may not do.
USER = 'Plain User'
USER_PASSWORD = 'devfarm-user-password'

EXTENSIONS = ['png', 'gif', 'jpg', 'jpeg', 'svg', 'pdf', 'webp', 'ogg', 'tif', 'tiff']
#: The shared repository refuses webp, so that a refused file type can be shown.
SHARED_EXTENSIONS = ['png', 'gif', 'jpg', 'jpeg', 'svg', 'pdf', 'ogg']


def farm_dir() -> Path:
    """Where the farm lives: ``$COMMONSCACHE_FARM_DIR`` or ``.devfarm`` in the checkout."""
    return Path(os.environ.get('COMMONSCACHE_FARM_DIR') or REPO / '.devfarm').resolve()


def base_port() -> int:
    """Ports are base+1 (commons), base+2 (shared), base+3 (consumer), base+4 (consumer2);
    the family file agrees."""
    return int(os.environ.get('COMMONSCACHE_FARM_PORT', '8780'))


def database_kind(root: Path | None = None) -> str:
    """Where the farm keeps its wikis: ``sqlite`` (a file each) or ``mariadb`` (one server
    for all, as production farms do): as the farm was set up (farm.json), else
    ``$COMMONSCACHE_FARM_DB``."""
    config = (root or farm_dir()) / 'farm.json'
    if config.exists():
        return json.loads(config.read_text()).get('db', 'sqlite')
    kind = os.environ.get('COMMONSCACHE_FARM_DB', 'sqlite')
    if kind not in ('sqlite', 'mariadb'):
        raise SystemExit(f'devfarm: COMMONSCACHE_FARM_DB={kind} is not sqlite or mariadb')
    return kind


def cache_kind(root: Path | None = None) -> str:
    """The wikis' object cache: ``none`` (each lookup a database query) or ``memcached``
    (one memcached for the farm, as production farms run): as the farm was set up
    (farm.json), else ``$COMMONSCACHE_FARM_CACHE``."""
    config = (root or farm_dir()) / 'farm.json'
    if config.exists():
        return json.loads(config.read_text()).get('cache', 'none')
    kind = os.environ.get('COMMONSCACHE_FARM_CACHE', 'none') or 'none'
    if kind not in ('none', 'memcached'):
        raise SystemExit(f'devfarm: COMMONSCACHE_FARM_CACHE={kind} is not none or memcached')
    return kind


def cache_server(root: Path | None = None) -> memcache.Server:
    """The farm's memcached (a farm with ``cache`` memcached): a socket in the farm."""
    return memcache.Server((root or farm_dir()).resolve() / 'memcached')


def db_server(root: Path | None = None) -> mariadb.Server:
    """The farm's MariaDB server (a farm on MariaDB): port base+5, data in the farm."""
    return mariadb.Server((root or farm_dir()).resolve() / 'mariadb', base_port() + 5)


@dataclass(frozen=True)
class Wiki:
    """One wiki of the farm and where its parts live."""

    name: str
    port: int
    root: Path

    @property
    def server(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    @property
    def api(self) -> str:
        return f'{self.server}/w/api.php'

    @property
    def settings(self) -> Path:
        return self.root / 'LocalSettings.php'

    @property
    def database(self) -> Path:
        return self.root / 'data' / 'wikidb.sqlite'

    @property
    def dbname(self) -> str:
        """Its database on the farm's MariaDB server (a farm on MariaDB)."""
        return f'devfarm_{self.name}'

    @property
    def pidfile(self) -> Path:
        return self.root / 'server.pid'

    def env(self) -> dict[str, str]:
        return {**os.environ, 'MW_CONFIG_FILE': str(self.settings), 'MW_INSTALL_PATH': str(MW)}


def wikis(root: Path | None = None) -> dict[str, Wiki]:
    """The farm's wikis: the four, then the extra consumers farm.json names."""
    root = root or farm_dir()
    found = {name: Wiki(name, base_port() + i + 1, root / name) for i, name in enumerate(WIKIS)}
    config = root / 'farm.json'
    extra = json.loads(config.read_text()).get('extra', []) if config.exists() else []
    found.update((name, Wiki(name, base_port() + EXTRA_PORT + i, root / name))
                 for i, name in enumerate(extra))
    return found


def extra_names(count: int) -> list[str]:
    return [f'consumer{n}' for n in range(3, 3 + count)]


def extra_count() -> int:
    """The extra consumers a new farm gets (``$COMMONSCACHE_FARM_EXTRA``, default none)."""
    return int(os.environ.get('COMMONSCACHE_FARM_EXTRA', '0') or 0)


def log(message: str) -> None:
    print(f'devfarm: {message}', file=sys.stderr, flush=True)


def php(*args: str) -> list[str]:
    """A php command line of the farm's runtime (through chroot where it is a tree)."""
    return mediawiki.runtime().command(['php', *args])


def run(cmd: list[str], wiki: Wiki | None = None, **kwargs) -> subprocess.CompletedProcess:
    if cmd[:1] == ['php']:
        cmd = php(*cmd[1:])
    result = subprocess.run(cmd, env=wiki.env() if wiki else None, text=True,
                            capture_output=True, **kwargs)
    if result.returncode:
        raise SystemExit(f'devfarm: {" ".join(cmd)} failed:\n{result.stdout}{result.stderr}')
    return result


def maintenance(wiki: Wiki, script: str, *args: str) -> str:
    return run(['php', str(MW / 'maintenance' / script), *args], wiki).stdout


def set_entity(wiki: Wiki, title: str, entity: dict | None, *, summary: str = '') -> int:
    """Write the structured data (a MediaInfo entity: labels, statements) of a file page of
    *wiki* into its mediainfo slot, or remove it (None); the new revision's id."""
    spec = wiki.root / 'tmp' / 'entity.json'
    spec.write_text(json.dumps(entity) if entity is not None else '')
    out = run(['php', str(HERE / 'extensions' / 'DevFarmMediaInfo' / 'setEntity.php'),
               '--title', title, '--file', str(spec), '--summary', summary or 'structured data'],
              wiki).stdout
    return int(out.strip().splitlines()[-1])


# --- packages -------------------------------------------------------------------------------

def ensure_packages() -> mediawiki.Runtime:
    """Debian's MediaWiki and PHP of the release asked for (``COMMONSCACHE_MW``), installed
    on the host or in a tree of their own (see :mod:`devfarm.mediawiki`)."""
    return mediawiki.runtime()


# --- install ----------------------------------------------------------------------------------

def farm_config(root: Path, db: str = 'sqlite', extra: list[str] | None = None,
                cache: str = 'none') -> dict:
    all_wikis = wikis(root)
    server = db_server(root)
    extra = extra or []
    return {
        'dir': str(root),
        'db': db,
        'extra': extra,
        'cache': cache,
        'memcached': cache_server(root).address,
        'db_server': f'{server.host}:{server.port}',
        'db_user': mariadb.USER,
        'db_password': mariadb.PASSWORD,
        'wikis': {
            'commons': {'server': all_wikis['commons'].server, 'uploads': True,
                        'copy_uploads': False, 'file_extensions': EXTENSIONS,
                        'foreign_repos': [], 'mediainfo': True},
            'shared': {'server': all_wikis['shared'].server, 'uploads': True,
                       'copy_uploads': True, 'file_extensions': SHARED_EXTENSIONS,
                       'foreign_repos': []},
            # On MariaDB, the consumer reads the shared repository from its database (as
            # a farm's wikis do) and consumer2 through its API, so both kinds are run.
            'consumer': {'server': all_wikis['consumer'].server, 'uploads': False,
                         'copy_uploads': False, 'file_extensions': EXTENSIONS,
                         'foreign_repos': ['shared', 'commons'],
                         'db_repos': ['shared'] if db == 'mariadb' else []},
            'consumer2': {'server': all_wikis['consumer2'].server, 'uploads': False,
                          'copy_uploads': False, 'file_extensions': EXTENSIONS,
                          'foreign_repos': ['shared', 'commons']},
            # Extra consumers read the shared repository as consumer2 does, through its API.
            **{name: {'server': f'http://127.0.0.1:{base_port() + EXTRA_PORT + i}',
                      'uploads': False, 'copy_uploads': False, 'file_extensions': EXTENSIONS,
                      'foreign_repos': ['shared', 'commons']}
               for i, name in enumerate(extra)},
        },
    }


@contextmanager
def configured(wiki: str, root: Path | None = None, **changes: object) -> Iterator[None]:
    """Change one wiki's farm settings (see FarmSettings.php) for the duration of a block;
    every request reads them afresh, so no restart is needed."""
    path = (root or farm_dir()) / 'farm.json'
    original = path.read_text()
    config = json.loads(original)
    config['wikis'][wiki].update(changes)
    path.write_text(json.dumps(config, indent=1))
    try:
        yield
    finally:
        path.write_text(original)


def install(wiki: Wiki) -> None:
    """Run install.php once, then make the wiki's LocalSettings load the farm's settings."""
    marker = wiki.root / '.installed'
    for sub in ('data', 'images', 'cache', 'tmp', 'docroot'):
        (wiki.root / sub).mkdir(parents=True, exist_ok=True)
    # FSLockManager makes its folder on the first upload, and two first uploads at once
    # race for it (MediaWiki 1.39-1.43: the loser fails with lockmanager-fail-openlock). A
    # wiki whose uploads run side by side (MariaDB) needs it from the start, as an
    # installed wiki that has taken an upload has it.
    (wiki.root / 'images' / 'lockdir').mkdir(exist_ok=True)
    if not marker.exists():
        log(f'installing {wiki.name}')
        for stale in (wiki.settings, wiki.database):
            stale.unlink(missing_ok=True)
        if database_kind(wiki.root.parent) == 'mariadb':
            server = db_server(wiki.root.parent)
            server.sql(f'DROP DATABASE IF EXISTS {wiki.dbname}')
            database = ['--dbtype', 'mysql', '--dbserver', f'{server.host}:{server.port}',
                        '--dbname', wiki.dbname, '--dbuser', mariadb.USER,
                        '--dbpass', mariadb.PASSWORD, '--installdbuser', mariadb.USER,
                        '--installdbpass', mariadb.PASSWORD]
        else:
            database = ['--dbtype', 'sqlite', '--dbpath', str(wiki.root / 'data'),
                        '--dbname', 'wikidb']
        # install.php must run without MW_CONFIG_FILE, with --confpath.
        run(['php', str(MW / 'maintenance' / 'install.php'), *database,
             '--server', wiki.server, '--scriptpath', '/w', '--lang', 'en',
             '--pass', ADMIN_PASSWORD, '--confpath', str(wiki.root),
             '--skins', 'Vector', f'devfarm {wiki.name}', ADMIN])
        if database_kind(wiki.root.parent) == 'sqlite':
            with sqlite3.connect(wiki.database) as db:
                # Write-ahead logging lets the server's workers read while one writes.
                db.execute('PRAGMA journal_mode=WAL')
        with wiki.settings.open('a') as settings:
            settings.write(
                '\n# dev farm\n'
                f"$devFarmWiki = '{wiki.name}';\n"
                f"$devFarmConfig = '{wiki.root.parent / 'farm.json'}';\n"
                f"require '{HERE / 'FarmSettings.php'}';\n")
        marker.touch()
    link_docroot(wiki)


def link_docroot(wiki: Wiki) -> None:
    """The wiki's document root: MediaWiki's one code base, linked, and its own images."""
    docroot = wiki.root / 'docroot' / 'w'
    docroot.mkdir(exist_ok=True)
    for entry in mediawiki.runtime().path(MW).iterdir():
        if entry.name in {'images', 'LocalSettings.php', 'config', 'mw-config', 'maintenance'}:
            continue
        link = docroot / entry.name
        if not link.is_symlink():
            link.symlink_to(MW / entry.name)  # the path as PHP sees it
    images = docroot / 'images'
    if not images.is_symlink():
        images.symlink_to(wiki.root / 'images')


# --- servers ----------------------------------------------------------------------------------

def group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs. PID 1 here does not reap orphans, so
    zombies linger; they do not count."""
    # os.listdir, not Path.glob: glob stats each entry, and a process that ends between the
    # listing and that stat raises ProcessLookupError, which glob does not swallow.
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            fields = Path('/proc', entry, 'stat').read_text().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile, or unreadable
        if int(fields[2]) == pgid and fields[0] != 'Z':
            return True
    return False


def server_pid(wiki: Wiki) -> int | None:
    try:
        pid = int(wiki.pidfile.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return pid if group_alive(pid) else None


def api_answers(wiki: Wiki) -> bool:
    try:
        with urllib.request.urlopen(
                f'{wiki.api}?action=query&meta=siteinfo&format=json', timeout=5) as reply:
            return b'"general"' in reply.read()
    except OSError:
        return False


def last_error(wiki: Wiki) -> str:
    """The last error line PHP's server logged, or 'no error logged'."""
    try:
        lines = (wiki.root / 'server.log').read_text(errors='replace').splitlines()
    except OSError:
        return 'no server.log'
    errors = [line for line in lines if 'Fatal error' in line or 'Failed' in line]
    return errors[-1].split('] ', 2)[-1] if errors else 'no error logged'


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(('127.0.0.1', port))
        except OSError:
            return False
    return True


def start(wiki: Wiki) -> None:
    if server_pid(wiki) and api_answers(wiki):
        return
    stop(wiki)
    if not port_free(wiki.port):
        raise SystemExit(f'devfarm: port {wiki.port} for {wiki.name} is taken by another '
                         'process (a farm left running? stop it, or set COMMONSCACHE_FARM_PORT)')
    log(f'starting {wiki.name} on {wiki.server}')
    # An extra consumer serves one client at a time, as a small wiki of a farm would.
    workers = '2' if wiki.name not in WIKIS else '6'
    env = {**wiki.env(), 'PHP_CLI_SERVER_WORKERS': workers}
    with (wiki.root / 'server.log').open('ab') as out:
        # A process group of its own, so that stop() reaches every worker.
        process = subprocess.Popen(
            php('-d', 'upload_max_filesize=1G', '-d', 'post_max_size=1G',
                '-d', 'memory_limit=512M', '-d', 'max_execution_time=0',
                '-S', f'127.0.0.1:{wiki.port}', '-t', str(wiki.root / 'docroot'),
                str(HERE / 'router.php')),
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    wiki.pidfile.write_text(str(process.pid))
    deadline = time.monotonic() + 30
    # Its own server must answer: another one on the port (a farm left running elsewhere)
    # would answer for it while this one has exited.
    while process.poll() is not None or not api_answers(wiki):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f'devfarm: {wiki.name} did not start ({last_error(wiki)}); '
                             f'see {wiki.root}/server.log')
        time.sleep(0.1)


def stop(wiki: Wiki) -> None:
    pid = server_pid(wiki)
    if pid:
        # The group may end on its own between each look and each signal: then it is stopped.
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        for _ in range(50):
            try:
                os.waitpid(pid, os.WNOHANG)  # reap it if it is our own child
            except ChildProcessError:
                pass
            if not group_alive(pid):
                break
            time.sleep(0.05)
        else:
            with suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    wiki.pidfile.unlink(missing_ok=True)


# --- seeding ----------------------------------------------------------------------------------

def xml_dump(pages: dict[str, str]) -> str:
    """A minimal export document that importDump.php accepts."""
    out = ['<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">']
    for title, text in pages.items():
        out.append(
            f'<page><title>{escape(title)}</title><revision>'
            '<contributor><username>Admin</username></contributor>'
            '<model>wikitext</model><format>text/x-wiki</format>'
            f'<text xml:space="preserve">{escape(text)}</text></revision></page>')
    out.append('</mediawiki>')
    return '\n'.join(out)


def import_pages(wiki: Wiki, pages: dict[str, str]) -> None:
    with tempfile.NamedTemporaryFile('w', suffix='.xml', encoding='utf-8') as dump:
        dump.write(xml_dump(pages))
        dump.flush()
        maintenance(wiki, 'importDump.php', '--no-updates', dump.name)


def draw_files(out: Path, files: list[seed.SeedFile]) -> None:
    specs = []
    for item in files:
        if item.kind == 'text':
            text = seed.SVG_TEXT if item.name.endswith('.svg') else seed.PDF_TEXT
            (out / item.name).write_text(text)
        else:
            specs.append(f'{item.name}:{item.kind}:{item.width}:{item.height}:{item.seed}')
    if specs:
        run(['php', str(HERE / 'make_media.php'), str(out), *specs])


def import_files(wiki: Wiki, files: list[seed.SeedFile], *, overwrite: bool) -> None:
    """Upload files with importImages.php, one batch per uploader, descriptions from .txt files."""
    by_user: dict[str, list[seed.SeedFile]] = {}
    for item in files:
        by_user.setdefault(item.uploader, []).append(item)
    for user, batch in by_user.items():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            draw_files(folder, batch)
            for item in batch:
                (folder / f'{item.name}.txt').write_text(item.description or 'New version')
            args = [str(folder), f'--user={user}', '--comment-ext=txt',
                    '--summary=' + ('Better crop' if overwrite else 'Uploaded own work')]
            if overwrite:
                args.append('--overwrite')
            maintenance(wiki, 'importImages.php', *args)


def point_interwiki(wiki: Wiki, prefix: str, target: Wiki) -> None:
    """Make an interwiki prefix point at another wiki of the farm (install.php adds Wikimedia's)."""
    sql(wiki, 'DELETE FROM interwiki WHERE iw_prefix = ?', (prefix,))
    sql(wiki, 'INSERT INTO interwiki (iw_prefix, iw_url, iw_api, iw_wikiid, iw_local, '
        'iw_trans) VALUES (?, ?, ?, ?, 1, 0)', (prefix, f'{target.server}/wiki/$1', target.api,
                                                 ''))


def sql(wiki: Wiki, statement: str, params: tuple = (), *, cache: bool = False,
        many: list[tuple] | None = None) -> list[tuple]:
    """Run *statement* (``?`` placeholders) on *wiki*'s database, or with *cache* on the
    database of its object cache (sessions ...), whichever kind the farm uses; its rows.
    With *many*, once for each of those parameters."""
    if database_kind(wiki.root.parent) == 'sqlite':
        path = wiki.root / 'data' / 'wikicache.sqlite' if cache else wiki.database
        with sqlite3.connect(path, timeout=30) as db:
            if many is not None:
                db.executemany(statement, many)
                return []
            return db.execute(statement, params).fetchall()
    import pymysql

    server = db_server(wiki.root.parent)
    connection = pymysql.connect(host=server.host, port=server.port, user=mariadb.USER,
                                 password=mariadb.PASSWORD, database=wiki.dbname,
                                 autocommit=True)
    try:
        with connection.cursor() as cursor:
            if many is not None:
                cursor.executemany(statement.replace('?', '%s'), many)
                return []
            cursor.execute(statement.replace('?', '%s'), params or None)
            return list(cursor.fetchall())
    finally:
        connection.close()


def columns(wiki: Wiki, table: str) -> list[str]:
    """The columns of one of *wiki*'s tables, in order."""
    if database_kind(wiki.root.parent) == 'sqlite':
        return [row[1] for row in sql(wiki, f'PRAGMA table_info({table})')]
    return [row[0] for row in sql(wiki, f'SHOW COLUMNS FROM {table}')]


def create_accounts(wiki: Wiki) -> None:
    maintenance(wiki, 'createAndPromote.php', '--force', '--bot', BOT, BOT_PASSWORD + '-main')
    maintenance(wiki, 'createAndPromote.php', '--force', USER, USER_PASSWORD)
    if not sql(wiki, 'SELECT 1 FROM bot_passwords WHERE bp_app_id = ?', (BOT_APP,)):
        maintenance(wiki, 'createBotPassword.php', f'--appid={BOT_APP}', f'--grants={BOT_GRANTS}',
                    BOT, BOT_PASSWORD)


def seed_wiki(wiki: Wiki, all_wikis: dict[str, Wiki], *, samples: bool = True) -> None:
    """Accounts, interwiki, templates and the run page; and, with *samples*, the sample files
    and the consumer pages that use them (benchmarks bring their own)."""
    marker = wiki.root / '.seeded'
    if marker.exists():
        return
    log(f'seeding {wiki.name}')
    # The bot has an account everywhere: on Commons too, for 500 titles a request.
    create_accounts(wiki)
    if wiki.name != 'commons':
        point_interwiki(wiki, 'commons', all_wikis['commons'])
    # No run page for the bot (User:CacheBot/Run): a new farm has none; the bot's first run
    # creates it.
    if wiki.name == 'commons':
        for uploader in sorted({f.uploader for f in seed.COMMONS_FILES + seed.COMMONS_REUPLOADS}):
            maintenance(wiki, 'createAndPromote.php', '--force', uploader, USER_PASSWORD)
        import_pages(wiki, seed.COMMONS_TEMPLATES)
    if wiki.name == 'commons' and samples:
        import_files(wiki, seed.COMMONS_FILES, overwrite=False)
        import_files(wiki, seed.COMMONS_REUPLOADS, overwrite=True)
        import_pages(wiki, seed.COMMONS_REDIRECTS)
    elif wiki.name == 'consumer' and samples:
        import_pages(wiki, seed.CONSUMER_PAGES)
    elif wiki.name == 'consumer2' and samples:
        import_pages(wiki, seed.CONSUMER2_PAGES)
    maintenance(wiki, 'refreshLinks.php')
    maintenance(wiki, 'runJobs.php', '--quiet')
    marker.touch()


def clone_consumer(wiki: Wiki, template: Wiki, own_file: str) -> None:
    """An extra consumer: *template*'s database, settings and accounts under *wiki*'s name
    (a copy of the database, not a new install: seconds, not a minute), and a page of its
    own that embeds *own_file* from Commons."""
    if (wiki.root / '.seeded').exists():
        return
    log(f'cloning {template.name} as {wiki.name}')
    shutil.rmtree(wiki.root, ignore_errors=True)
    for sub in ('data/locks', 'cache', 'tmp', 'docroot', 'images/lockdir'):
        (wiki.root / sub).mkdir(parents=True, exist_ok=True)
    if database_kind(wiki.root.parent) == 'mariadb':
        _copy_database(db_server(wiki.root.parent), template.dbname, wiki.dbname, create=True)
    else:  # the wiki's database and those of its caches and job queue, each as it stands
        for database in (template.root / 'data').glob('*.sqlite'):
            with sqlite3.connect(database) as source, \
                    sqlite3.connect(wiki.root / 'data' / database.name) as target:
                source.backup(target)
                target.execute('PRAGMA journal_mode=WAL')
    settings = template.settings.read_text()
    for old, new in ((str(template.root), str(wiki.root)), (template.dbname, wiki.dbname),
                     (f"$devFarmWiki = '{template.name}'", f"$devFarmWiki = '{wiki.name}'"),
                     (f'devfarm {template.name}', f'devfarm {wiki.name}'),
                     (template.server, wiki.server)):
        settings = settings.replace(old, new)
    wiki.settings.write_text(settings)
    link_docroot(wiki)
    (wiki.root / '.installed').touch()
    start(wiki)
    import_pages(wiki, {'Local sights': f'[[File:{own_file}|thumb|Seen from {wiki.name}]]'})
    maintenance(wiki, 'refreshLinks.php')
    (wiki.root / '.seeded').touch()


# --- pywikibot --------------------------------------------------------------------------------

def write_pywikibot_dir(root: Path, extra: str = '') -> Path:
    """A ready PYWIKIBOT_DIR: user-config.py, the BotPassword file, scripts and families."""
    pwb = root / 'pywikibot'
    pwb.mkdir(exist_ok=True)
    extra_users = ''.join(f"usernames['devfarm'][{name!r}] = {BOT!r}\n"
                          for name in wikis(root) if name not in WIKIS)
    (pwb / 'user-config.py').write_text(f"""# Written by devfarm; rewritten on every `up`.
family = 'devfarm'
mylang = 'consumer'
usernames['devfarm']['shared'] = {BOT!r}
usernames['devfarm']['commons'] = {BOT!r}
usernames['devfarm']['consumer'] = {BOT!r}
usernames['devfarm']['consumer2'] = {BOT!r}
{extra_users}password_file = {str(pwb / 'user-password.py')!r}
user_script_paths = ['scripts']
user_families_paths = [{str(REPO / 'families')!r}]
user_agent_description = 'commonscache dev farm; mailto:devfarm@example.org'
put_throttle = 0
minthrottle = 0
maxthrottle = 1
max_retries = 2
retry_wait = 1
retry_max = 2
console_encoding = 'utf-8'
""" + extra)
    password = pwb / 'user-password.py'
    password.write_text(f'({BOT!r}, BotPassword({BOT_APP!r}, {BOT_PASSWORD!r}))\n')
    password.chmod(0o600)
    scripts = pwb / 'scripts'
    # Re-pointed every time: the folder may come from another checkout of the repository.
    if scripts.is_symlink() and scripts.readlink() != REPO / 'scripts':
        scripts.unlink()
    if not scripts.is_symlink():
        scripts.symlink_to(REPO / 'scripts')
    (pwb / 'scripts.ini').touch()
    return pwb


def environment(root: Path | None = None) -> dict[str, str]:
    root = root or farm_dir()
    all_wikis = wikis(root)
    values = {
        'COMMONSCACHE_FARM_DIR': str(root),
        'COMMONSCACHE_FARM_PORT': str(base_port()),
        'PYWIKIBOT_DIR': str(root / 'pywikibot'),
        'DEVFARM_ADMIN': ADMIN,
        'DEVFARM_ADMIN_PASSWORD': ADMIN_PASSWORD,
        'DEVFARM_BOT': BOT,
        'DEVFARM_BOT_PASSWORD': f'{BOT}@{BOT_APP}:{BOT_PASSWORD}',
        'DEVFARM_USER': USER,
        'DEVFARM_USER_PASSWORD': USER_PASSWORD,
    }
    for name, wiki in all_wikis.items():
        values[f'DEVFARM_{name.upper()}_URL'] = f'{wiki.server}/wiki/'
        values[f'DEVFARM_{name.upper()}_API'] = wiki.api
    return values


# --- commands ---------------------------------------------------------------------------------

def up(root: Path | None = None, *, samples: bool = True,
       extra: int | None = None) -> dict[str, Wiki]:
    """Install what is missing, start the wikis and seed them; *extra* consumers beyond
    the first two (default ``$COMMONSCACHE_FARM_EXTRA``)."""
    root = root or farm_dir()
    extra = extra_count() if extra is None else extra
    runtime = ensure_packages()
    root.mkdir(parents=True, exist_ok=True)
    # In a tree of its own, PHP sees the farm, the checkout and /tmp at the same paths.
    mediawiki.share(runtime, REPO, root, Path(tempfile.gettempdir()))
    log(f'MediaWiki {runtime.release}' + (f' from {runtime.root}' if runtime.root else ''))
    db = database_kind(root)
    if db == 'mariadb':
        mariadb.up(db_server(root).root, port=db_server(root).port)
        log('the wikis keep their databases in MariaDB')
    cache = cache_kind(root)
    if cache == 'memcached':
        memcache.up(cache_server(root).root)
        log('the wikis keep their object cache in memcached')
    names = extra_names(extra)
    (root / 'farm.json').write_text(json.dumps(farm_config(root, db, names, cache), indent=1))
    all_wikis = wikis(root)
    core = [all_wikis[name] for name in WIKIS]
    for wiki in core:
        install(wiki)
    for wiki in core:
        start(wiki)
    # Commons first: the consumer's link tables are built by asking it for its files.
    for wiki in core:
        seed_wiki(wiki, all_wikis, samples=samples)
    for n, name in enumerate(names):
        clone_consumer(all_wikis[name], all_wikis['consumer2'], EXTRA_FILES[n % len(EXTRA_FILES)])
    write_pywikibot_dir(root)
    log('up: ' + ', '.join(f'{w.name} {w.server}' for w in all_wikis.values()))
    return all_wikis


def down(root: Path | None = None) -> None:
    for wiki in wikis(root).values():
        stop(wiki)
    mariadb.down(db_server(root).root)
    memcache.down(cache_server(root).root)
    log('down')


def snapshot(root: Path | None = None, name: str = 'snapshot') -> None:
    """Keep a copy of every wiki's database and files, for :func:`restore`."""
    root = root or farm_dir()
    all_wikis = wikis(root)
    for wiki in all_wikis.values():
        stop(wiki)
    for wiki in all_wikis.values():
        saved = root / name / wiki.name
        shutil.rmtree(saved, ignore_errors=True)
        for sub in ('data', 'images'):
            shutil.copytree(wiki.root / sub, saved / sub, symlinks=True)
        if database_kind(root) == 'mariadb':
            _copy_database(db_server(root), wiki.dbname, _saved(name, wiki), create=True)
    for wiki in all_wikis.values():
        start(wiki)


def _saved(name: str, wiki: Wiki) -> str:
    return f'{name.replace("-", "_")}_{wiki.name}'


def _copy_database(server: mariadb.Server, source: str, target: str, *,
                   create: bool = False) -> None:
    """Every table of *source* into *target* (made anew with *create*, else emptied first):
    a snapshot of a wiki's database, or its restore, in one session of the client."""
    tables = server.sql(f"SELECT table_name FROM information_schema.tables WHERE "
                        f"table_schema = '{source}' AND table_type = 'BASE TABLE'").split()
    statements = ['SET foreign_key_checks = 0']
    if create:
        statements += [f'DROP DATABASE IF EXISTS {target}', f'CREATE DATABASE {target}']
    for table in tables:
        if create:
            statements.append(f'CREATE TABLE {target}.{table} LIKE {source}.{table}')
        else:
            statements.append(f'DELETE FROM {target}.{table}')
        statements.append(f'INSERT INTO {target}.{table} SELECT * FROM {source}.{table}')
    server.sql('; '.join(statements))


#: Wikimedia's limits scaled down so that tests of the strict mode stay short (see
#: devfarm/Strict.php for every setting and Wikimedia's values).
STRICT_FOR_TESTS = {'api_per_minute': 60, 'api_unidentified_per_minute': 10,
                    'media_in_flight': 2, 'media_mbit': 8, 'media_window': 10}


def refusals(wiki: Wiki) -> list[dict[str, str]]:
    """The 429s a wiki's strict mode gave: time, rule, client (User-Agent), path."""
    path = wiki.root / 'strict.log'
    if not path.exists():
        return []
    keys = ('time', 'rule', 'client', 'path')
    return [dict(zip(keys, line.split('\t'), strict=True))
            for line in path.read_text().splitlines() if line]


def forget_clients(wiki: Wiki) -> None:
    """Start the strict mode's budgets and log afresh."""
    for name in ('strict-state.json', 'strict.log'):
        (wiki.root / name).unlink(missing_ok=True)


def restore(root: Path | None = None, name: str = 'snapshot') -> dict[str, Wiki]:
    """Put every wiki back as it was at the last :func:`snapshot` of that *name* (a second
    or two)."""
    root = root or farm_dir()
    all_wikis = wikis(root)
    for wiki in all_wikis.values():
        stop(wiki)
    for wiki in all_wikis.values():
        forget_clients(wiki)
        for sub in ('data', 'images'):
            shutil.rmtree(wiki.root / sub, ignore_errors=True)
            shutil.copytree(root / name / wiki.name / sub, wiki.root / sub, symlinks=True)
        if database_kind(root) == 'mariadb':
            _copy_database(db_server(root), _saved(name, wiki), wiki.dbname)
    if cache_kind(root) == 'memcached':
        cache_server(root).flush()
    for wiki in all_wikis.values():
        start(wiki)
    return all_wikis


def destroy(root: Path | None = None) -> None:
    root = root or farm_dir()
    down(root)
    shutil.rmtree(root, ignore_errors=True)
    log(f'removed {root}')


USAGE = """usage: python -m devfarm COMMAND

  up       install what is missing, start the three wikis, seed them (idempotent)
  down     stop the wikis (their data stays)
  env      print the environment: URLs, credentials, PYWIKIBOT_DIR (shell syntax)
  destroy  stop the wikis and remove the farm directory

The farm lives in $COMMONSCACHE_FARM_DIR (default: .devfarm in the checkout) and listens on
127.0.0.1, ports $COMMONSCACHE_FARM_PORT+1..+3 (default base 8780)."""


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in {'up', 'down', 'env', 'destroy'}:
        print(USAGE, file=sys.stderr)
        return 2
    command = argv[0]
    if command == 'up':
        up()
    elif command == 'down':
        down()
    elif command == 'destroy':
        destroy()
    if command in {'up', 'env'}:
        for key, value in environment().items():
            print(f"export {key}='{value}'")
    return 0
