"""A soak of weeks, compressed: -watch for 1,000 polls and more while editors embed new files,
Commons changes raise and clear flags, the network between the bot and the wikis injects
faults of every kind, and the watch is killed with SIGKILL and started again, many times.

    python benchmarks/soak.py [--polls 1000] [--faults 1000] [--kills 20] [--seed 1]

It runs the same script of events twice on a farm of its own (port 8940,
/tmp/commonscache-soakfarm), from the same seeded snapshot: once undisturbed, once through
the fault proxy of the reliability tests (tests/faultproxy.py) with the kills. At the end the
shared repository must hold the same pages and file versions as after the undisturbed run
(tests/e2e/test_reliability.py's yardstick), every file there must hash to its sha1, the open
flags must be the same, and the undisturbed watch's memory must have stayed flat. It prints
one line per figure and exits 1 when a check fails; docs/RELIABILITY.md keeps the figures.
Not part of the test suite: it takes about half an hour.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault('COMMONSCACHE_FARM_PORT', '8940')
os.environ.setdefault('COMMONSCACHE_FARM_DIR',
                      os.path.join(tempfile.gettempdir(), 'commonscache-soakfarm'))
sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from commonscache.keeping.state import State  # noqa: E402
from devfarm import farm  # noqa: E402
from devfarm.seed import SeedFile  # noqa: E402
from tests.e2e.support import api, end_state, pages  # noqa: E402
from tests.faultproxy import KINDS, FaultProxy  # noqa: E402
from tests.wikiclient import WikiClient  # noqa: E402

SNAPSHOT = 'snapshot-soak'
#: Generated files on the Commons stand-in that editors embed one after the other.
SOAK_FILES = [f'Soak sample {n:02d}.png' for n in range(1, 31)]
DESCRIPTION = ('{{Information |description={{en|1=%s, a generated sample.}} |date=2026 '
               '|source={{own}} |author=Alice Example}}\n{{Cc-by-4.0}}')
DISPUTED = 'File:Harbour panorama.jpg'
TAKEN = 'File:Town map.png'
REFUSED = 'File:Modern format sample.webp'
#: Pywikibot as an operator sets it up, with short waits: a fault is survived by retrying.
SETTINGS = """
max_retries = 8
retry_wait = 0.2
retry_max = 1
"""


@dataclass(frozen=True)
class Event:
    """Something a person does, at a poll count."""

    poll: int
    what: str
    title: str = ''


def script(polls: int) -> list[Event]:
    """The events of one soak: embeds spread over the first nine tenths of the polls, a
    dispute on Commons raised before its file is embedded and lifted later, a name taken on
    the shared repository, a file type it refuses."""
    embeds = [f'File:{name}' for name in SOAK_FILES]
    step = max(1, int(polls * 0.9) // (len(embeds) + 4))
    # After the dispute is lifted, the disputed file is embedded again beside a new one: the
    # source is read for the new one, and the disputed file with it (README: a file
    # waiting for its source is read when a run reads that source anyway).
    events = [Event(step * (n + 1), 'embed', title + (f'|{DISPUTED}' if n == 13 else ''))
              for n, title in enumerate(embeds)]
    events += [
        Event(step * 3, 'dispute', DISPUTED), Event(step * 4, 'embed', DISPUTED),
        Event(step * 12, 'lift', DISPUTED),
        Event(step * 5, 'take', TAKEN), Event(step * 6, 'embed', TAKEN),
        Event(step * 7, 'embed', REFUSED),
    ]
    return sorted(events, key=lambda e: e.poll)


def polls_made(consumer: farm.Wiki) -> int:
    log = (consumer.root / 'api-requests.log').read_text(errors='replace')
    return sum(1 for line in log.splitlines()
               if '\trecentchanges\t' in line and 'commonscache' in line)


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f'/proc/{pid}/status').read_text().splitlines():
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def act(event: Event, wikis: dict[str, farm.Wiki], folder: Path) -> None:
    """Do what a person does in *event*."""
    commons = WikiClient(wikis['commons'], farm.ADMIN, farm.ADMIN_PASSWORD)
    if event.what == 'embed':
        editor = WikiClient(wikis['consumer'], farm.ADMIN, farm.ADMIN_PASSWORD)
        titles = event.title.split('|')
        editor.edit(f'Soak {titles[0]}', text=' '.join(f'[[{t}|thumb]]' for t in titles))
    elif event.what == 'dispute':
        commons.edit(event.title, prependtext='{{Delete|reason=Out of scope}}\n')
    elif event.what == 'lift':
        commons.edit(event.title, text=commons.text(event.title).replace(
            '{{Delete|reason=Out of scope}}\n', ''))
    elif event.what == 'take':
        other = folder / 'taken.png'
        farm.draw_files(folder, [SeedFile('taken.png', 'png', 'x', '', 50, 40, 99)])
        WikiClient(wikis['shared'], farm.USER, farm.USER_PASSWORD).upload(event.title, other)


def start_watch(pywikibot_dir: Path, proxy: FaultProxy | None) -> subprocess.Popen:
    """A watch, its output appended to watch.log in its Pywikibot directory."""
    env = {**os.environ, 'PYWIKIBOT_DIR': str(pywikibot_dir), 'PYTHONUNBUFFERED': '1',
           **(proxy.environment() if proxy else {})}
    with (pywikibot_dir / 'watch.log').open('a') as log:
        return subprocess.Popen(
            [sys.executable, '-m', 'commonscache', '-shared:devfarm:shared', '-always',
             '-setup', '-byurl:never', '-watch:0.5'], cwd=REPO, env=env,
            stdout=subprocess.DEVNULL, stderr=log)


def prepare(root: Path) -> dict[str, farm.Wiki]:
    """The seeded farm, the soak's files on Commons, the template and run page in place,
    and the watch's starting point: a snapshot both runs begin from."""
    farm.destroy(root)
    wikis = farm.up(root)
    farm.import_files(wikis['commons'], [
        SeedFile(name, 'png', 'Alice Example', DESCRIPTION % name, 80, 60, n)
        for n, name in enumerate(SOAK_FILES, start=200)], overwrite=False)
    farm.write_pywikibot_dir(root, SETTINGS)
    farm.snapshot(root, SNAPSHOT)
    return wikis


def run(wikis: dict[str, farm.Wiki], root: Path, name: str, events: list[Event], *,
        polls: int, faults: int = 0, kills: int = 0, seed: int = 0) -> dict:
    """One soak from the snapshot; its end state and figures."""
    farm.restore(root, SNAPSHOT)
    subprocess.run(['rm', '-rf', str(root / name)], check=True)
    (root / name).mkdir()
    pywikibot_dir = farm.write_pywikibot_dir(root / name, SETTINGS)
    consumer = wikis['consumer']
    # An earlier run's watermark: the watch follows the changes from now on.
    stamp = api(consumer, action='query', meta='siteinfo')['query']['general']['time']
    state = State(pywikibot_dir / 'commonscache.sqlite')
    state.set_watermark('devfarm:consumer', stamp)
    state.close()
    chooser = random.Random(seed)
    last_event = events[-1].poll
    kill_at = sorted(chooser.sample(range(20, last_event), kills)) if kills else []
    proxy = FaultProxy(rate=0.5, seed=seed) if faults else None
    began = polls_made(consumer)
    folder = Path(tempfile.mkdtemp())
    pending = list(events)
    rss: list[int] = []
    killed = 0
    watcher = start_watch(pywikibot_dir, proxy)
    started = time.monotonic()
    try:
        while True:
            done = polls_made(consumer) - began
            while pending and pending[0].poll <= done:
                act(pending.pop(0), wikis, folder)
            if kill_at and done >= kill_at[0]:
                kill_at.pop(0)
                watcher.send_signal(signal.SIGKILL)
                watcher.wait()
                killed += 1
                watcher = start_watch(pywikibot_dir, proxy)
            if watcher.poll() is not None:
                log = (pywikibot_dir / 'watch.log').read_text(errors='replace')[-3000:]
                raise SystemExit(f'{name}: the watch ended with {watcher.returncode}:\n{log}')
            if done >= 50 and not rss:
                rss.append(rss_kib(watcher.pid))
            enough_faults = not proxy or sum(proxy.injected.values()) >= faults
            if not pending and not kill_at and done >= polls and enough_faults:
                break
            time.sleep(0.2)
        rss.append(rss_kib(watcher.pid))
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(timeout=300)
        if proxy:
            proxy.close()
    review = subprocess.run(
        [sys.executable, '-m', 'commonscache', '-shared:devfarm:shared', '-review', '-json'],
        cwd=REPO, env={**os.environ, 'PYWIKIBOT_DIR': str(pywikibot_dir)},
        capture_output=True, text=True, check=True)
    return {
        'state': end_state(wikis),
        'flags': sorted((f['reason'], f['title']) for f in json.loads(review.stdout)),
        'polls': polls_made(consumer) - began, 'seconds': time.monotonic() - started,
        'rss': rss, 'killed': killed, 'exit': watcher.returncode,
        'injected': dict(sorted(proxy.injected.items())) if proxy else {},
        'requests': proxy.requests if proxy else 0,
    }


def corrupt_files(shared: farm.Wiki) -> list[str]:
    """Files on the shared repository whose bytes do not hash to their recorded sha1."""
    bad = []
    for title in (t for t in pages(shared) if t.startswith('File:')):
        info = api(shared, action='query', titles=title, prop='imageinfo',
                   iiprop='url|sha1')['query']['pages'][0].get('imageinfo')
        if not info:
            continue
        content = requests.get(info[0]['url'], timeout=60).content
        if hashlib.sha1(content).hexdigest() != info[0]['sha1']:
            bad.append(title)
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--polls', type=int, default=1000)
    parser.add_argument('--faults', type=int, default=1000)
    parser.add_argument('--kills', type=int, default=20)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()
    root = farm.farm_dir()
    wikis = prepare(root)
    events = script(args.polls)
    try:
        calm = run(wikis, root, 'undisturbed', events, polls=args.polls)
        rough = run(wikis, root, 'disturbed', events, polls=args.polls, faults=args.faults,
                    kills=args.kills, seed=args.seed)
        corrupt = corrupt_files(wikis['shared'])
    finally:
        farm.down(root)
    same_pages = rough['state'] == calm['state']
    checks = {
        'same pages and file versions as the undisturbed run': same_pages,
        'no file lost or corrupted': not corrupt and same_pages,
        'same open flags': rough['flags'] == calm['flags'],
        f'at least {args.faults} faults of every kind':
            sum(rough['injected'].values()) >= args.faults and set(rough['injected']) ==
            set(KINDS),
        f'at least {args.kills} SIGKILLs': rough['killed'] >= args.kills,
        'memory flat (undisturbed watch: +5 MB at most)':
            calm['rss'][-1] - calm['rss'][0] <= 5 * 1024,
    }
    print(f'events: {len(events)} ({sum(e.what == "embed" for e in events)} embeds)')
    for label, figures in (('undisturbed', calm), ('disturbed', rough)):
        print(f'{label}: {figures["polls"]} polls in {figures["seconds"]:.0f} s, '
              f'{figures["requests"]} requests through the proxy, faults '
              f'{figures["injected"]}, {figures["killed"]} SIGKILLs, RSS '
              f'{[round(kib / 1024, 1) for kib in figures["rss"]]} MB, exit {figures["exit"]}')
    print(f'open flags: {rough["flags"]}')
    print(f'files on the shared repository: {len(calm["state"]["files"])}; corrupt: {corrupt}')
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(checks.values()) else 1


if __name__ == '__main__':
    sys.exit(main())
