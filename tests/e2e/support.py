"""What the end-to-end tests share: the farm's API read as a test reads it, the bot run
as a process, waits, and the files and names several tests use."""
from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from commonscache.keeping.state import State
from devfarm import farm, seed
from tests.conftest import PYWIKIBOT_DIR, REPO, run_cli
from tests.faultproxy import FaultProxy
from tests.realcommons import real_json

#: Namespaces the bot writes on the shared repository: User (run page), Project (review,
#: requests), File, Template (provenance).
NAMESPACES = (2, 4, 6, 10)


#: What differs between two runs on the pages the bot writes: when it copied a file, since
#: when a file is flagged.
RETRIEVED = re.compile(r'^\|retrieved=.*$', re.MULTILINE)


SINCE = re.compile(r'\|\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ(?= \|\||$)', re.MULTILINE)


def report(name: str, figures: dict) -> None:
    path = os.environ.get('COMMONSCACHE_RELIABILITY_REPORT')
    if path:
        with open(path, 'a', encoding='utf-8') as out:
            out.write(json.dumps({'test': name, **figures}) + '\n')


def bot(pywikibot_dir: Path, *args: str, proxy: FaultProxy | None = None) -> subprocess.Popen:
    env = {**os.environ, 'PYWIKIBOT_DIR': str(pywikibot_dir), 'PYTHONUNBUFFERED': '1',
           **(proxy.environment() if proxy else {})}
    return subprocess.Popen([sys.executable, '-m', 'commonscache', *args], cwd=REPO, env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen, timeout: float = 600) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def pages(wiki: farm.Wiki) -> dict[str, str]:
    """Every page the bot may write on *wiki*, title → latest text (copy time left out)."""
    texts = {}
    for namespace in NAMESPACES:
        params = {'action': 'query', 'generator': 'allpages', 'gapnamespace': namespace,
                  'gaplimit': 50, 'prop': 'revisions', 'rvprop': 'content', 'rvslots': 'main'}
        while True:
            data = api(wiki, **params)
            for page in data.get('query', {}).get('pages', []):
                if page['title'].endswith('/Status'):
                    continue  # a report of the runs themselves, not something they copied
                text = page['revisions'][0]['slots']['main']['content']
                texts[page['title']] = SINCE.sub('|| (since)', RETRIEVED.sub('|retrieved=', text))
            if 'continue' not in data:
                break
            params.update(data['continue'])
    return texts


def file_versions(wiki: farm.Wiki) -> dict[str, list[str]]:
    """Every file on *wiki*, title → the sha1 of each of its versions, newest first."""
    versions = {}
    for title in pages(wiki):
        if not title.startswith('File:'):
            continue
        data = api(wiki, action='query', titles=title, prop='imageinfo', iiprop='sha1',
                   iilimit='max')
        versions[title] = [info['sha1'] for info in
                           data['query']['pages'][0].get('imageinfo', [])]
    return versions


def end_state(wikis: dict[str, farm.Wiki]) -> dict:
    shared = wikis['shared']
    return {'pages': pages(shared), 'files': file_versions(shared)}


def real_statements(name: str, *, without: tuple[str, ...] = ()) -> dict:
    """The statements of a real entity (Flickypedia's recorded Commons replies)."""
    (entity,) = real_json(f'sdc/{name}')['entities'].values()
    return {prop: found for prop, found in copy.deepcopy(entity['statements']).items()
            if prop not in without}


def captions(**by_language: str) -> dict:
    return {lang: {'language': lang, 'value': text} for lang, text in by_language.items()}


def text_of(wiki: farm.Wiki, title: str) -> str:
    page = api(wiki, action='query', prop='revisions', titles=title, rvprop='content',
               rvslots='main')['query']['pages'][0]
    return page['revisions'][0]['slots']['main']['content']


SHARED = '-shared:devfarm:shared'


#: Every file type the farm's wikis know, for a shared repository that refuses none.
EXTENSIONS_ALL = farm.EXTENSIONS


#: The seeded files the consumer uses from the Commons stand-in, and can be cached.
CACHEABLE = {
    'File:Animated spinner.gif', 'File:Example diagram.svg', 'File:Harbour panorama.jpg',
    'File:Mona Lisa test.png', 'File:Sample document.pdf', 'File:Sunset over the harbour.jpg',
    'File:Lighthouse at dusk.jpg', 'File:Town map.png', 'File:Old postcard.jpg',
}


def api(wiki: farm.Wiki, **params: object) -> dict:
    reply = requests.get(wiki.api, params={'format': 'json', 'formatversion': 2, **params},
                         timeout=60)
    reply.raise_for_status()
    return reply.json()


def copies_listed(shared: farm.Wiki) -> None:
    """Wait until every file whose latest version the bot uploaded embeds the provenance
    template as -refresh lists them (``list=embeddedin``). MediaWiki records a page's links
    after answering the upload or edit, or in a job when that update fails under load; the
    farm runs no jobs by itself, where a farm's job runner would."""
    farm.maintenance(shared, 'runJobs.php', '--quiet')

    def listed() -> bool:
        uploaded = {image['title'] for image in api(
            shared, action='query', list='allimages', aiprop='user', ailimit='max')[
            'query']['allimages'] if image.get('user') == farm.BOT}
        embedding = {page['title'] for page in api(
            shared, action='query', list='embeddedin', einamespace=6, eilimit='max',
            eititle='Template:Cached Commons Media')['query']['embeddedin']}
        return uploaded <= embedding

    wait_until(listed, 30)


def imageinfo(wiki: farm.Wiki, titles: set[str]) -> dict[str, dict]:
    data = api(wiki, action='query', titles='|'.join(sorted(titles)), prop='imageinfo',
               iiprop='sha1|url|user|size')
    return {page['title']: page for page in data['query']['pages']}


def repositories(consumer: farm.Wiki, titles: set[str]) -> dict[str, str]:
    """Where the consumer finds each file, once its 1-second metadata cache has expired."""
    time.sleep(1.2)
    return {title: page.get('imagerepository', '')
            for title, page in imageinfo(consumer, titles).items()}


def shared_uploads(shared: farm.Wiki) -> list[str]:
    data = api(shared, action='query', list='logevents', letype='upload', lelimit='max')
    return sorted(event['title'] for event in data['query']['logevents'])


def shared_edits(shared: farm.Wiki) -> int:
    data = api(shared, action='query', list='recentchanges', rclimit='max', rcprop='ids')
    return len(data['query']['recentchanges'])


def api_log(wiki: farm.Wiki) -> list[dict[str, str]]:
    """Every API request *wiki* has answered, with the client's User-Agent (FarmSettings.php)."""
    lines = (wiki.root / 'api-requests.log').read_text(errors='replace').splitlines()
    fields = ('time', 'agent', 'method', 'action', 'prop', 'list', 'ntitles', 'meta')
    return [dict(zip(fields, line.split('\t'), strict=True)) for line in lines]


def summary_of(output: str) -> dict[str, int]:
    last = output.strip().splitlines()[-1]
    counts = {}
    for part in last.split(', '):
        name, _, value = part.rpartition(' ')
        counts[name] = int(value)
    return counts


SUNSET = 'File:Sunset over the harbour.jpg'


POSTCARD = 'File:Old postcard.jpg'


DIAGRAM = 'File:Example diagram.svg'


WEBP = 'File:Modern format sample.webp'


def draw(folder: Path, name: str, kind: str = 'jpg', seed_value: int = 77) -> Path:
    farm.draw_files(folder, [seed.SeedFile(name, kind, 'x', '', 90, 60, seed_value)])
    return folder / name


def review(*args: str) -> list[tuple[str, str]]:
    result = run_cli('-review', *args)
    assert result.returncode == 0, result.stderr
    return sorted(tuple(line.split('\t')[:2]) for line in result.stdout.splitlines())


def served_from_shared(consumer: farm.Wiki, shared: farm.Wiki, page: str) -> bool:
    """A view of *page* on the consumer shows the copy on the shared repository."""
    html = requests.get(f'{consumer.server}/wiki/{page}', timeout=60).text
    return f'{shared.server}/w/images/' in html


def on_shared(shared: farm.Wiki, title: str) -> bool:
    """The shared repository holds a copy of *title*. (The first test checks the consumer's
    view; here a view in the same second as the bot's purge could keep its parse, as
    MediaWiki compares the two in whole seconds.)"""
    return imageinfo(shared, {title})[title].get('imagerepository') == 'local'


def wait_until(condition, seconds: float) -> float:
    """Seconds until *condition* held (polled every half second); fails after *seconds*."""
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < seconds, f'not within {seconds} s'
        time.sleep(0.5)
    return time.monotonic() - began


def log_mark(wiki: farm.Wiki) -> int:
    """Where *wiki*'s API log stands now: the line the next request will be."""
    return len(api_log(wiki))


def bot_requests(wiki: farm.Wiki, since: int, **fields: str) -> list[dict[str, str]]:
    """The bot's API requests *wiki* answered after its log's line *since*, of those whose
    logged fields (action, prop, list, meta ...) are *fields*."""
    return [line for line in api_log(wiki)[since:] if line['agent'].startswith('commonscache/')
            and all(line[name] == value for name, value in fields.items())]


def wait_for_requests(wiki: farm.Wiki, count: int, *, since: int, seconds: float = 60,
                      **fields: str) -> float:
    """Until the bot has sent *wiki* *count* such requests after line *since* of its log:
    an event the farm records, where a sleep would hope that it happened in time."""
    return wait_until(lambda: len(bot_requests(wiki, since, **fields)) >= count, seconds)


def wait_for_polls(consumer: farm.Wiki, count: int, *, since: int,
                   seconds: float = 60) -> float:
    """Until a watch has polled *consumer*'s recent changes *count* times after line
    *since* of its log. Polls follow each other: the work of one ended before the next."""
    return wait_for_requests(consumer, count, since=since, seconds=seconds,
                             list='recentchanges')


def earlier_run(consumer: farm.Wiki) -> str:
    """An earlier run's watermark at the consumer's clock now, so that the watch starts
    from there, not from a sweep; the watermark."""
    stamp = api(consumer, action='query', meta='siteinfo',
                siprop='general')['query']['general']['time']
    state = State(PYWIKIBOT_DIR / 'commonscache.sqlite')
    state.set_watermark('devfarm:consumer', stamp)
    state.close()
    return stamp


def stop(watcher) -> tuple[int, str]:
    """SIGTERM, as Toolforge or systemd stop the watch: its exit status and its log (printed,
    to be shown when the test fails)."""
    watcher.send_signal(signal.SIGTERM)
    status, err = finish(watcher, timeout=120)
    print(err[-6000:])
    return status, err
