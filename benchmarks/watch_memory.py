"""Does -watch keep its memory flat? A watch with a short poll interval against the dev farm,
its resident memory read after the first polls and again after many more.

    python benchmarks/watch_memory.py [--polls 1000] [--interval 0.02]

It uses a farm of its own (port 8960, /tmp/commonscache-watchfarm), starts the watch from
the consumer's clock (a watermark in a fresh state file), and counts polls from the
consumer's API log (one recent-changes request each). Every 100 polls a consumer page is
edited to embed a file from Commons, so that polls do work too, not only wait.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault('COMMONSCACHE_FARM_PORT', '8960')
os.environ.setdefault('COMMONSCACHE_FARM_DIR',
                      os.path.join(tempfile.gettempdir(), 'commonscache-watchfarm'))
sys.path.insert(0, str(REPO))

from commonscache.keeping.state import State  # noqa: E402
from devfarm import farm  # noqa: E402
from tests.wikiclient import WikiClient  # noqa: E402

#: Files of the Commons stand-in that the farm's consumer pages do not embed already.
FILES = ['File:Lighthouse at dusk.jpg', 'File:Harbour panorama.jpg', 'File:Town map.png',
         'File:Old postcard.jpg', 'File:Sample document.pdf']


def rss_kib(pid: int) -> int:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    return 0


def polls(consumer: farm.Wiki) -> int:
    log = (consumer.root / 'api-requests.log').read_text(errors='replace')
    return sum(1 for line in log.splitlines()
               if '\trecentchanges\t' in line and 'commonscache' in line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--polls', type=int, default=1000)
    parser.add_argument('--interval', type=float, default=0.02)
    args = parser.parse_args()
    root = farm.farm_dir()
    farm.destroy(root)
    wikis = farm.up(root)
    consumer = wikis['consumer']
    pywikibot_dir = farm.write_pywikibot_dir(root)
    state_path = pywikibot_dir / 'commonscache.sqlite'
    reply = WikiClient(consumer, farm.ADMIN, farm.ADMIN_PASSWORD)
    stamp = reply.query(meta='siteinfo', siprop='general')['general']['time']
    state = State(state_path)
    state.set_watermark('devfarm:consumer', stamp)
    state.close()
    env = {**os.environ, 'PYWIKIBOT_DIR': str(pywikibot_dir), 'PYTHONUNBUFFERED': '1'}
    watcher = subprocess.Popen(
        [sys.executable, '-m', 'commonscache', '-shared:devfarm:shared', '-always', '-setup',
         f'-watch:{args.interval}'], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    samples: list[tuple[int, int]] = []
    began, edits = time.monotonic(), 0
    try:
        while (done := polls(consumer)) < args.polls + 50:
            if watcher.poll() is not None:
                raise SystemExit(f'the watch ended: {watcher.stderr.read()[-2000:]}')
            if done >= 50 and not samples:
                samples.append((done, rss_kib(watcher.pid)))
            if done // 100 > edits and edits < len(FILES):
                reply.edit(f'Watched {edits}', text=f'[[{FILES[edits]}]]')
                edits += 1
            time.sleep(0.2)
        samples.append((done, rss_kib(watcher.pid)))
    finally:
        watcher.send_signal(signal.SIGTERM)
        _, err = watcher.communicate(timeout=300)
        farm.down(root)
    seconds = time.monotonic() - began
    (first_polls, first), (last_polls, last) = samples[0], samples[-1]
    print(f'-watch:{args.interval}: {last_polls} polls in {seconds:.0f} s, {edits} edits '
          f'embedding a new file; RSS {first / 1024:.1f} MB after {first_polls} polls, '
          f'{last / 1024:.1f} MB after {last_polls} ({(last - first) / 1024:+.1f} MB); '
          f'exit {watcher.returncode}; {err.strip().splitlines()[-1]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
