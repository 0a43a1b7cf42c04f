"""The dev farm is what it claims: the consumer resolves files from the shared repository
first and from the Commons stand-in second."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from devfarm import daemons, farm, memcache, seed

pytestmark = pytest.mark.e2e

SEEDED = 'File:Sunset over the harbour.jpg'


def repository_of(api: str, title: str) -> str:
    reply = requests.get(api, params={
        'action': 'query', 'titles': title, 'prop': 'imageinfo', 'iiprop': 'url',
        'format': 'json', 'formatversion': 2}, timeout=30).json()
    return reply['query']['pages'][0]['imagerepository']


def test_consumer_resolves_from_shared_once_the_file_is_there(farm_wikis, tmp_path: Path):
    import pywikibot

    consumer_api = farm_wikis['consumer'].api
    assert repository_of(consumer_api, SEEDED) == 'devfarm-commons'
    assert repository_of(consumer_api, 'File:This file exists nowhere.png') == ''

    shared = pywikibot.Site('shared', 'devfarm')
    shared.login()
    farm.draw_files(tmp_path, [seed.SeedFile('local.jpg', 'jpg', 'Admin', '', 50, 40, 99)])
    page = pywikibot.FilePage(shared, SEEDED)
    assert shared.upload(page, source_filename=str(tmp_path / 'local.jpg'), summary='farm test',
                         text='farm test', ignore_warnings=True)

    deadline = time.monotonic() + 15  # the consumer caches foreign metadata for 1 s
    while repository_of(consumer_api, SEEDED) != 'devfarm-shared':
        assert time.monotonic() < deadline, 'the consumer never asked the shared repository'
        time.sleep(0.5)


@pytest.mark.skipif(farm.cache_kind() != 'memcached', reason='the farm runs no memcached')
def test_the_wikis_keep_their_file_lookups_in_the_farms_memcached(farm_wikis):
    """A farm with memcached (the MariaDB run of the tests, as production farms run): the
    consumer's lookups of a file come from memory once made, and the test above shows that
    an upload to the shared repository still reaches it at once (hasSharedCache)."""
    cache = farm.cache_server()
    consumer_api = farm_wikis['consumer'].api
    assert repository_of(consumer_api, SEEDED) == 'devfarm-commons'
    before = cache.stats()
    for _ in range(3):
        repository_of(consumer_api, SEEDED)
    after = cache.stats()
    assert after['get_hits'] - before['get_hits'] >= 3, (before, after)


def test_a_consumer_can_read_the_shared_repository_from_its_database(farm_wikis,
                                                                      tmp_path: Path):
    """The farm's ``db_repos`` setting (what the benchmark uses): ForeignDBRepo on SQLite."""
    consumer, shared = farm_wikis['consumer'], farm_wikis['shared']
    farm.import_files(shared, [seed.SeedFile('Only on shared.png', 'png', farm.ADMIN,
                                             'Uploaded on the shared wiki', 40, 30, 98)],
                      overwrite=False)
    with farm.configured('consumer', db_repos=['shared']):
        reply = requests.get(consumer.api, params={
            'action': 'query', 'titles': 'File:Only on shared.png|' + SEEDED,
            'prop': 'imageinfo', 'iiprop': 'url', 'format': 'json', 'formatversion': 2},
            timeout=30).json()
        found = {page['title']: page for page in reply['query']['pages']}
        on_shared = found['File:Only on shared.png']
        assert on_shared['imagerepository'] == 'devfarm-shared'  # no metadata cache to wait on
        assert on_shared['imageinfo'][0]['url'].startswith(shared.server + '/w/images/')
        assert found[SEEDED]['imagerepository'] == 'devfarm-commons'  # still through the API


def test_consumer_pages_embed_the_seeded_files_in_the_usual_ways(farm_wikis):
    reply = requests.get(farm_wikis['consumer'].api, params={
        'action': 'query', 'list': 'allfileusages', 'afunique': 1, 'aflimit': 'max',
        'format': 'json',
        'formatversion': 2}, timeout=30).json()
    used = {item['title'] for item in reply['query']['allfileusages']}
    assert used == {
        'File:Animated spinner.gif', 'File:Example diagram.svg', 'File:Harbour panorama.jpg',
        'File:Modern format sample.webp', 'File:Mona Lisa test.png',
        'File:Sample document.pdf', 'File:Sunset over the harbour.jpg',
        'File:Lighthouse at dusk.jpg', 'File:Old lighthouse name.jpg', 'File:Town map.png',
        'File:Old postcard.jpg',
        'File:This file exists nowhere.png',
    }


def test_the_router_refuses_what_a_web_server_would(farm_wikis):
    server = farm_wikis['shared'].server
    for path in ('/w/maintenance/update.php', '/w/mw-config/index.php',
                 '/w/images/deleted/', '/w/images/temp/'):
        assert requests.get(server + path, timeout=30).status_code == 403, path
    assert requests.get(server + '/wiki/Main_Page', timeout=30).status_code == 200


def test_the_farms_own_php_raises_no_warnings_on_this_mediawiki(farm_wikis):
    """FarmSettings.php, router.php, Strict.php, DevFarmSqliteRepo and DevFarmMediaInfo
    (with its maintenance script) work on the MediaWiki under test (1.39 or 1.43) without a
    PHP warning or a MediaWiki deprecation notice."""
    from tests.conftest import run_cli
    from tests.e2e.support import SHARED

    logs = [wiki.root / name for wiki in farm_wikis.values()
            for name in ('php-errors.log', 'server.log')]
    start = {log: log.stat().st_size if log.exists() else 0 for log in logs}
    farm.set_entity(farm_wikis['commons'], SEEDED, {'labels': {'en': {
        'language': 'en', 'value': 'A caption'}}, 'statements': {}})
    requests.get(f"{farm_wikis['commons'].server}/wiki/{SEEDED}", timeout=60)
    with farm.configured('consumer', farm.farm_dir(), db_repos=['shared']), \
            farm.configured('commons', farm.farm_dir(), strict=farm.STRICT_FOR_TESTS):
        result = run_cli(SHARED, '-always', f'-maxrate:{farm.STRICT_FOR_TESTS["media_mbit"]}')
        assert result.returncode == 0, result.stderr
        for title in ('Harbour', 'Gallery', 'Special:Version'):
            requests.get(f'{farm_wikis["consumer"].server}/wiki/{title}', timeout=60)
        assert repository_of(farm_wikis['consumer'].api, SEEDED) == 'devfarm-shared'
    found = []
    for log in logs:
        if log.exists():
            with log.open(errors='replace') as text:
                text.seek(start[log])
                found += [f'{log.parent.name}/{log.name}: {line.strip()}' for line in text
                          if re.search(r'deprecat|PHP (Warning|Notice|Fatal)|Warning:', line,
                                       re.I)]
    assert found == []


@pytest.mark.skipif(os.geteuid() != 0, reason='bind mounts need root')
def test_a_folder_made_again_at_a_shared_path_is_shared_again(tmp_path: Path):
    """A checkout cloned afresh where one was shared with the tree before: the old bind
    mount shows the deleted folder, so the tree's PHP found no router.php (CI, stop 20)."""
    from devfarm import mediawiki

    tree, checkout = tmp_path / 'tree', tmp_path / 'checkout'
    tree.mkdir()
    checkout.mkdir()
    inside = tree / checkout.relative_to('/')
    try:
        mediawiki._bind(checkout, tree)
        shutil.rmtree(checkout)
        checkout.mkdir()
        (checkout / 'router.php').write_text('<?php\n')
        mediawiki._bind(checkout, tree)
        assert (inside / 'router.php').exists()
    finally:
        while mediawiki._mounted(inside):
            subprocess.run(['umount', '--lazy', str(inside)], check=True)


def test_a_memcached_left_on_tcp_by_an_older_farm_gives_way_to_one_on_the_socket(
        tmp_path: Path):
    """The wikis look for the farm's memcached on its socket: one that a farm from before the
    socket started on TCP, still running, is stopped and a new one started on the socket."""
    memcache.ensure_installed()
    root = tmp_path / 'memcached'
    root.mkdir()
    with socket.socket() as probe:  # a free port for the old one
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    user = ['-u', 'root'] if os.geteuid() == 0 else []
    subprocess.run(['memcached', '-d', '-l', '127.0.0.1', '-p', str(port), '-m', '8',
                    '-P', str(root / 'memcached.pid'), *user], check=True)
    deadline = time.monotonic() + 10
    while not daemons.pid_in(root / 'memcached.pid') and time.monotonic() < deadline:
        time.sleep(0.05)
    old = daemons.pid_in(root / 'memcached.pid')
    assert daemons.alive(old)
    try:
        server = memcache.up(root)
        assert not daemons.alive(old)
        assert 'curr_connections' in server.stats()
        assert memcache.up(root) == server  # running on its socket: left as it is
        assert daemons.pid_in(root / 'memcached.pid') != old
    finally:
        memcache.down(root)
        daemons.stop(root / 'memcached.pid', seconds=5)
        if daemons.alive(old):
            os.kill(old, 15)
    assert not Path(server.address).exists()
