"""The benchmark: commonscache side by side with what an operator would otherwise use, on the
same dev farm, in the same run, with the same settings (put_throttle 0 for all).

    python benchmarks/run.py                      # 200 files of ~200 KB and 3 of 50 MB
    python benchmarks/run.py --files 50 --big 0   # a quick look
    python benchmarks/run.py --scale 50,200,800   # how cost grows with the number of files
    python benchmarks/run.py --strict --files 100 --big 1 --big-mb 25   # outside Toolforge
    python benchmarks/run.py --mw 1.43            # on MediaWiki 1.43 (default: the host's)
    python benchmarks/run.py --small --files 13 --big 1 --big-mb 57   # a first try, no latency
    python benchmarks/run.py --db mariadb         # the farm's wikis in MariaDB, as in production
    python benchmarks/run.py --wikis 50           # a farm of 50 consumer wikis: cost per wiki

API requests and downloads are counted from the wikis' side: every wiki of the farm logs each
API request and each file it serves with the client's User-Agent (devfarm/FarmSettings.php,
devfarm/router.php); MediaWiki's own requests between wikis are left out. Timings are wall
clock on this machine; the targets are printed with PASS or FAIL.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault('COMMONSCACHE_FARM_PORT', '8980')
os.environ.setdefault('COMMONSCACHE_FARM_DIR',
                      os.path.join(tempfile.gettempdir(), 'commonscache-benchfarm'))
sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from devfarm import farm  # noqa: E402

FILES_PER_PAGE = 20
#: Bytes per pixel of a noise JPEG at quality 95, measured on the farm's GD.
NOISE_BYTES_PER_PIXEL = 2.43
SHARED = '-shared:devfarm:shared'
DESCRIPTION = """=={{int:filedesc}}==
{{Information
|description={{en|1=Benchmark file %(n)s, generated.}}
|date=2026-11-23
|source={{own}}
|author=Benchmark Bot
}}
=={{int:license-header}}==
{{self|cc-by-4.0}}
[[Category:Benchmark files]]
"""


# --- the farm ---------------------------------------------------------------------------------

def small_name(n: int) -> str:
    return f'Bench file {n:04d}.jpg'


def big_name(n: int) -> str:
    return f'Bench big {n}.pdf'


def write_big(path: Path, megabytes: int, seed_value: int) -> None:
    """A PDF with a random stream: MediaWiki takes it, and it does not compress."""
    rng = random.Random(seed_value)
    with path.open('wb') as out:
        out.write(b'%PDF-1.4\n1 0 obj << /Length 0 >> stream\n')
        for _ in range(megabytes):
            out.write(rng.randbytes(1 << 20))
        out.write(b'\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')


def disputed_name(n: int) -> str:
    return f'Bench disputed {n}.jpg'


def seed_bench(wikis: dict[str, farm.Wiki], *, files: int, size_kb: int, big: int,
               big_mb: int, render: int, disputed: int = 0) -> list[str]:
    """Upload the generated files to the Commons stand-in and embed them on consumer pages;
    return the file titles."""
    side = int(math.sqrt(size_kb * 1024 / NOISE_BYTES_PER_PIXEL))
    titles = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        specs = [f'{small_name(n)}:noise:{side}:{side}:{n}' for n in range(1, files + 1)]
        for start in range(0, len(specs), 100):
            farm.run(['php', str(farm.HERE / 'make_media.php'), str(folder),
                      *specs[start:start + 100]])
        specs = [f'{disputed_name(n)}:noise:{side}:{side}:{1000 + n}'
                 for n in range(1, disputed + 1)]
        if specs:
            farm.run(['php', str(farm.HERE / 'make_media.php'), str(folder), *specs])
        for n in range(1, big + 1):
            write_big(folder / big_name(n), big_mb, n)
        for path in folder.iterdir():
            # A file nominated for deletion on the source: flagged, never copied.
            flag = '{{Delete|reason=Benchmark}}\n' if 'disputed' in path.name else ''
            (folder / f'{path.name}.txt').write_text(flag + DESCRIPTION % {'n': path.stem})
            titles.append('File:' + path.name)
        farm.maintenance(wikis['commons'], 'importImages.php', str(folder), '--comment-ext=txt',
                         '--user=Alice Example', '--summary=Benchmark upload')
    smalls = [small_name(n) for n in range(1, files + 1)]
    pages = {f'Bench page {i // FILES_PER_PAGE + 1}': '\n'.join(
        f'[[File:{name}|thumb]]' for name in smalls[i:i + FILES_PER_PAGE])
        for i in range(0, len(smalls), FILES_PER_PAGE)}
    if big:
        pages['Big files'] = '\n'.join(f'[[Media:{big_name(n)}]]' for n in range(1, big + 1))
    if disputed:
        pages['Disputed files'] = '\n'.join(f'[[File:{disputed_name(n)}]]'
                                             for n in range(1, disputed + 1))
    pages['Render test'] = render_page(smalls[:render])
    farm.import_pages(wikis['consumer'], pages)
    farm.maintenance(wikis['consumer'], 'refreshLinks.php')
    return sorted(titles)


def render_page(names: list[str]) -> str:
    return '\n'.join(f'[[File:{name}|80px]]' for name in names)


def fresh_farm(**seeding: int) -> tuple[dict[str, farm.Wiki], list[str]]:
    root = farm.farm_dir()
    farm.destroy(root)
    wikis = farm.up(root, samples=False)
    # The consumer reads the shared repository from its database, as the wikis of a farm
    # do (Wikimedia's: ForeignDBViaLBRepo); Commons stays a ForeignAPIRepo far away.
    config = json.loads((root / 'farm.json').read_text())
    config['wikis']['consumer']['db_repos'] = ['shared']
    (root / 'farm.json').write_text(json.dumps(config, indent=1))
    farm.write_pywikibot_dir(root)
    titles = seed_bench(wikis, **seeding)
    farm.snapshot(root)
    return wikis, titles


def reset(wikis: dict[str, farm.Wiki], *, cold: bool = False) -> None:
    """The seeded state again and no state file: every client starts from the same place.
    *cold*: Pywikibot as on a new install too (no API cache, no login cookie), whichever
    client ran before; otherwise as a scheduled run finds it (see :func:`warm_up`)."""
    farm.restore(farm.farm_dir())
    folder = farm.farm_dir() / 'pywikibot'
    for leftover in folder.glob('commonscache.*'):
        leftover.unlink()
    if cold:
        for cookie in folder.glob('*.lwp'):
            cookie.unlink()
        shutil.rmtree(folder / 'apicache', ignore_errors=True)


def warm_up(wikis: dict[str, farm.Wiki]) -> None:
    """The farm as a scheduled run finds it: set up once (-setup), Pywikibot's API cache and
    login cookie there, each client once with -simulate (reads everything, writes nothing)."""
    run_client(wikis, commonscache('-setup', '-simulate', '-nopurge'))
    run_client(wikis, [sys.executable, 'benchmarks/naive_loop.py', 'devfarm:consumer',
                       'devfarm:commons', 'devfarm:shared', '-simulate'])
    # The operator's first step (README, "Running unattended"): -setup once, here on a page
    # with no files. The sweeps below still pass -setup, which then finds all in place.
    run_client(wikis, commonscache('-setup', '-nopurge', '-page:Main Page'))
    # The wikis keep their sessions in their databases: kept with them, or every restore
    # would log each client out again, and a scheduled run finds itself logged in.
    farm.snapshot(farm.farm_dir())
    reset(wikis)


# --- counting from the wikis' side ------------------------------------------------------------

@dataclass
class Traffic:
    """What the wikis served to clients (not to each other) between two marks."""

    api: list[list[str]] = field(default_factory=list)
    downloads: int = 0

    @property
    def requests(self) -> int:
        return len(self.api)

    def count(self, wiki: str, prop: str = '', list_: str = '', exact: bool = False) -> int:
        """Requests to *wiki* whose prop holds *prop* (is *prop*, with *exact*) and whose
        list holds *list_*."""
        # a line: wiki, agent, method, action, prop, list, number of titles
        return sum(1 for line in self.api if line[0] == wiki and list_ in line[5]
                   and (line[4] == prop if exact else prop in line[4]))


def _logs(wikis: dict[str, farm.Wiki]) -> dict[str, tuple[Path, Path]]:
    return {name: (w.root / 'api-requests.log', w.root / 'downloads.log')
            for name, w in wikis.items()}


def mark(wikis: dict[str, farm.Wiki]) -> dict[str, tuple[int, int]]:
    return {name: tuple(p.stat().st_size if p.exists() else 0 for p in paths)
            for name, paths in _logs(wikis).items()}


def is_client(agent: str) -> bool:
    """The bot under test, not MediaWiki fetching from another wiki, nor this harness."""
    return not agent.startswith(('MediaWiki/', 'python-requests', 'Python-urllib'))


def traffic_since(wikis: dict[str, farm.Wiki], start: dict[str, tuple[int, int]]) -> Traffic:
    traffic = Traffic()
    for name, (api_log, downloads_log) in _logs(wikis).items():
        for path, offset, is_api in ((api_log, start[name][0], True),
                                     (downloads_log, start[name][1], False)):
            if not path.exists():
                continue
            with path.open() as log:
                log.seek(offset)
                for line in log:
                    fields = line.rstrip('\n').split('\t')
                    if len(fields) < 3 or not is_client(fields[1]):
                        continue
                    if is_api:
                        traffic.api.append([name, *fields[1:]] + [''] * 8)
                    else:
                        traffic.downloads += 1
    return traffic


# --- running clients --------------------------------------------------------------------------

@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    traffic: Traffic
    output: str


def run_client(wikis: dict[str, farm.Wiki], command: list[str],
               extra_env: dict[str, str] | None = None) -> Run:
    env = {**os.environ, 'PYWIKIBOT_DIR': str(farm.farm_dir() / 'pywikibot'),
           **(extra_env or {})}
    start = mark(wikis)
    began = time.monotonic()
    with tempfile.TemporaryFile('w+') as output:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - began
        output.seek(0)
        text = output.read()
    if process.returncode:
        raise SystemExit(f'{" ".join(command)} failed ({process.returncode}):\n{text[-3000:]}')
    # ru_maxrss is in KiB on Linux
    return Run(seconds, usage.ru_maxrss / 1024, traffic_since(wikis, start), text)


def commonscache(*args: str) -> list[str]:
    return [sys.executable, '-m', 'commonscache', SHARED, '-always', *args]


def pwb(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name('pwb')), *args]


# --- what readers feel --------------------------------------------------------------------

def render_seconds(wikis: list[farm.Wiki], page: str, repeats: int = 25) -> list[float]:
    """Median time each of *wikis* takes to render *page* with its parser cache purged, every
    sample a new parse; the wikis take turns, the first of one round the last of the next,
    so a slower moment of the machine hits both alike.

    MediaWiki keeps a parser-cache entry unless it is older than the page's touched time, and
    both are in whole seconds: a purge in the same second as the previous render leaves that
    render in the cache, and the next view is a cache hit. So each round of purges waits for
    the next second, and each view must show a parse time ("Cached time") no earlier sample
    of that wiki showed.
    """
    times: dict[str, list[float]] = {wiki.name: [] for wiki in wikis}
    parsed_at: dict[str, set[str]] = {wiki.name: set() for wiki in wikis}
    for round_ in range(repeats):
        time.sleep(1.1)
        for wiki in wikis if round_ % 2 == 0 else wikis[::-1]:
            requests.post(wiki.api, data={'action': 'purge', 'titles': page, 'format': 'json'},
                          timeout=600).raise_for_status()
            began = time.monotonic()
            reply = requests.get(f'{wiki.server}/wiki/{page.replace(" ", "_")}', timeout=600)
            reply.raise_for_status()
            times[wiki.name].append(time.monotonic() - began)
            found = re.search(r'Cached time: (\d{14})', reply.text)
            if found is None or found.group(1) in parsed_at[wiki.name]:
                raise SystemExit(f'{wiki.name}: {page} came from the parser cache, not a new '
                                 'parse')
            parsed_at[wiki.name].add(found.group(1))
    return [statistics.median(times[wiki.name]) for wiki in wikis]


# --- the benchmark ------------------------------------------------------------------------

def benchmark(args: argparse.Namespace) -> list[str]:
    seeding = dict(files=args.files, size_kb=args.size_kb, big=args.big, big_mb=args.big_mb,
                   render=min(args.render, args.files))
    wikis, titles = fresh_farm(**seeding)
    count = len(titles)
    megabytes = sum(f.stat().st_size for f in (wikis['commons'].root / 'images').rglob('*')
                    if f.is_file() and 'archive' not in f.parts) / 1e6
    rows: list[tuple[str, str]] = []
    targets: list[tuple[str, bool, str]] = []

    # Readers, before: the consumer fetches every file's metadata from a far-away Commons.
    with farm.configured('commons', farm.farm_dir(), latency_ms=args.latency_ms):
        # One sample: each costs the remote latency for every file (about two minutes).
        [before] = render_seconds([wikis['consumer']], 'Render test', repeats=1)

    warm_up(wikis)
    with source_far_away(args):
        sweep = run_client(wikis, commonscache('-setup', '-nopurge'))
    # What the bot asks the consumer about the files: its own files and repositories
    # (list=allimages), or where it finds each (prop=imageinfo) when that cannot be used;
    # not the status page's savings at the end (prop=imageinfo|fileusage).
    classify = (sweep.traffic.count('consumer', list_='allimages')
                + sweep.traffic.count('consumer', prop='imageinfo', exact=True))
    rows += [('initial sweep: wall time', f'{sweep.seconds:.1f} s'),
             ('initial sweep: files/s', f'{count / sweep.seconds:.1f}'),
             ('initial sweep: MB/s', f'{megabytes / sweep.seconds:.1f}'),
             ('initial sweep: API requests per file',
              f'{sweep.traffic.requests / count:.2f} ({sweep.traffic.requests} in all)'),
             ('initial sweep: classification requests', f'{classify} for {count} titles')]
    targets.append(('initial sweep: at most 1.2 API requests per file',
                    sweep.traffic.requests <= 1.2 * count,
                    f'{sweep.traffic.requests / count:.2f}'))
    targets.append(('classification: at most 1 request per 500 titles (bot account)',
                    classify <= math.ceil(count / 500), f'{classify} for {count} titles'))

    noop = run_client(wikis, commonscache('-nopurge'))
    rows += [('no-op rerun: wall time', f'{noop.seconds:.1f} s'),
             ('no-op rerun: API requests', str(noop.traffic.requests)),
             ('no-op rerun: downloads', str(noop.traffic.downloads))]
    targets.append((f'no-op rerun of {count} files: at most 10 API requests and 0 downloads',
                    noop.traffic.requests <= 10 and noop.traffic.downloads == 0,
                    f'{noop.traffic.requests} requests, {noop.traffic.downloads} downloads'))

    refresh = run_client(wikis, commonscache('-refresh', '-nopurge'))
    reads = (refresh.traffic.count('shared', list_='embeddedin')
             + refresh.traffic.count('shared', prop='imageinfo')
             + refresh.traffic.count('commons', prop='imageinfo'))
    rows += [('-refresh of unchanged copies: API requests',
              f"{refresh.traffic.requests} ({reads} for the copies, the rest Pywikibot's "
              'start-up and the control pages)'),
             ('-refresh of unchanged copies: downloads', str(refresh.traffic.downloads))]
    targets.append((f'-refresh of {count} unchanged copies: at most 4 requests for the '
                    'comparison', reads <= 4, f'{reads} for the comparison, '
                                               f'{refresh.traffic.requests} in all'))

    # Readers, after: the files come from the shared repository, next door.
    with farm.configured('commons', farm.farm_dir(), latency_ms=args.latency_ms):
        time.sleep(1.5)  # the consumer's foreign-file metadata cache
        names = [small_name(n) for n in range(1, seeding['render'] + 1)]
        farm.import_pages(wikis['shared'], {'Render test': render_page(names)})
        after, local = render_seconds([wikis['consumer'], wikis['shared']], 'Render test')
    rows += [(f'render of a page with {seeding["render"]} files, Commons {args.latency_ms} ms '
              'away: before the sweep', f'{before:.2f} s'),
             ('… after the sweep', f'{after:.3f} s'),
             ('… all files local (the same page on the shared repository)', f'{local:.3f} s')]
    # A consumer that reads the shared repository from its database asks nothing over HTTP
    # for a copy: on MariaDB, as farms run it, its page must be as fast as a local one.
    bound = 1.1 if args.db == 'mariadb' else 1.3
    targets.append((f'after the sweep the page renders within {bound}x of the all-local page '
                    '(the consumer reads the shared repository from its database)',
                    after <= bound * local, f'{after / local:.2f}x'))

    if args.big:
        reset(wikis)
        baseline = run_client(wikis, commonscache('-nopurge', '-page:Bench page 1',
                                                  '-limit:1'))
        reset(wikis)
        heavy = run_client(wikis, commonscache('-nopurge', '-page:Big files'))
        growth = heavy.peak_rss_mb - baseline.peak_rss_mb
        rows.append((f'peak RSS caching {args.big} files of {args.big_mb} MB',
                     f'{heavy.peak_rss_mb:.0f} MB ({growth:+.0f} MB over a run caching '
                     f'small files: {baseline.peak_rss_mb:.0f} MB)'))
        targets.append((f'peak RSS growth while caching a {args.big_mb} MB file below 30 MB',
                        growth < 30, f'{growth:+.1f} MB'))

    if not args.skip_alternatives:
        reset(wikis)
        with source_far_away(args):
            loop = run_client(wikis, [sys.executable, 'benchmarks/naive_loop.py',
                                      'devfarm:consumer', 'devfarm:commons', 'devfarm:shared'])
        rows += [('per-file Pywikibot loop: wall time', f'{loop.seconds:.1f} s'),
                 ('per-file Pywikibot loop: API requests per file',
                  f'{loop.traffic.requests / count:.2f}'),
                 ('commonscache vs the loop: time, requests',
                  f'{loop.seconds / sweep.seconds:.2f}x faster, '
                  f'{loop.traffic.requests / max(sweep.traffic.requests, 1):.2f}x fewer')]
        targets.append(('initial sweep at least 3x faster than the per-file loop',
                        loop.seconds >= 3 * sweep.seconds,
                        f'{loop.seconds / sweep.seconds:.2f}x'))
        # Whether the shared repository itself gains from copies at once: on SQLite every
        # write request holds the database's write lock from its first query to its end,
        # the fetch of a copy upload included, so they take turns; on MariaDB they need not.
        for at_once in UPLOADS_AT_ONCE:
            rows_, target = uploads_side_by_side(args, wikis, titles, at_once)
            rows += rows_
            targets.append(target)
        rows.append(('3x faster than the per-file loop would be', f'{loop.seconds / 3:.1f} s'))
        with source_far_away(args):
            rows += imagetransfer_rows(wikis, titles, sweep)
    return format_results(args, rows, targets, count, megabytes)


def small_set(args: argparse.Namespace) -> list[str]:
    """The set of a new user's first try: about 15 files, one of them big, no added latency
    (the wikis next door): commonscache by URL and streamed, beside the per-file loop, a
    Pywikibot process that only streams the files, and the farm's own direct copy."""
    wikis, titles = fresh_farm(files=args.files, size_kb=args.size_kb, big=args.big,
                               big_mb=args.big_mb, render=0, disputed=1)
    copyable = [t for t in titles if 'disputed' not in t]
    count = len(titles)
    megabytes = sum(f.stat().st_size for f in (wikis['commons'].root / 'images').rglob('*')
                    if f.is_file() and 'archive' not in f.parts) / 1e6
    rows: list[tuple[str, str]] = []
    targets: list[tuple[str, bool, str]] = []

    # Short runs are noisy on a small machine: each client runs --rounds times, in turns,
    # and its median run counts (requests and memory: the same every round).
    clients = {
        'loop': ([sys.executable, 'benchmarks/naive_loop.py', 'devfarm:consumer',
                  'devfarm:commons', 'devfarm:shared'], None),
        'by URL': (commonscache('-setup'), None),
        'streamed': (commonscache('-setup', '-byurl:never'), None),
        # As on Toolforge: Wikimedia Cloud Services are exempt from the API pacing a source
        # gets until the bot's class there is known (TOOL_DATA_DIR is how the bot tells).
        'on cloud': (commonscache('-setup'), {'TOOL_DATA_DIR': tempfile.gettempdir()}),
    }
    runs: dict[str, list[Run]] = {name: [] for name in clients}
    noop = None
    for _ in range(args.rounds):
        for name, (command, extra_env) in clients.items():
            reset(wikis, cold=True)  # a first try: Pywikibot as on a new install
            runs[name].append(run_client(wikis, command, extra_env))
            if name == 'by URL' and noop is None:
                noop = run_client(wikis, commonscache())
    loop, by_url, streamed, on_cloud = (
        sorted(runs[name], key=lambda run: run.seconds)[len(runs[name]) // 2]
        for name in clients)
    reset(wikis)
    baseline = run_client(wikis, [sys.executable, 'benchmarks/stream_only.py',
                                  'devfarm:commons', *copyable])
    reset(wikis)
    limit_row = physical_limit(wikis, copyable)

    def through_bot(run: Run) -> int:
        return int(re.findall(r'bytes through the bot (\d+)', run.output)[-1])

    def purge_time(run: Run) -> str:
        found = re.findall(r'purged \d+ pages on \S+ in ([\d.]+) s', run.output)
        return f'{sum(map(float, found)):.2f} s' if found else 'no purge'

    for name, run in (('per-file Pywikibot loop', loop), ('commonscache, by URL', by_url),
                      ('commonscache, streamed (-byurl:never)', streamed),
                      ('commonscache, by URL, as on Toolforge (no API pacing)', on_cloud)):
        rows.append((f'{name}: wall time (median of {args.rounds}), API requests, peak RSS',
                     f'{run.seconds:.1f} s, {run.traffic.requests}, {run.peak_rss_mb:.0f} MB'))
    rows += [('commonscache: the purge of the consumer pages (in the wall time)',
              f'{purge_time(by_url)} by URL, {purge_time(streamed)} streamed'),
             ('bytes through the bot', f'{through_bot(by_url):,} by URL, '
              f'{through_bot(streamed):,} streamed'),
             ('no-op rerun: API requests to the three wikis (1 file flagged)',
              str(noop.traffic.requests)),
             ('Pywikibot only streaming the same files: peak RSS',
              f'{baseline.peak_rss_mb:.0f} MB'),
             limit_row]
    targets += [
        ("first sweep by URL: at most 0.6 x the loop's wall time",
         by_url.seconds <= 0.6 * loop.seconds, f'{by_url.seconds / loop.seconds:.2f}x'),
        ('… the same target as on Toolforge (no API pacing of the source)',
         on_cloud.seconds <= 0.6 * loop.seconds, f'{on_cloud.seconds / loop.seconds:.2f}x'),
        ("first sweep streamed: at most 0.9 x the loop's wall time",
         streamed.seconds <= 0.9 * loop.seconds, f'{streamed.seconds / loop.seconds:.2f}x'),
        ('first sweep: no more API requests than the loop, by URL and streamed',
         max(by_url.traffic.requests, streamed.traffic.requests) <= loop.traffic.requests,
         f'{by_url.traffic.requests} and {streamed.traffic.requests} against '
         f'{loop.traffic.requests}'),
        ('peak RSS within 30 MB of Pywikibot only streaming the files, by URL and streamed',
         max(by_url.peak_rss_mb, streamed.peak_rss_mb) <= baseline.peak_rss_mb + 30,
         f'{by_url.peak_rss_mb - baseline.peak_rss_mb:+.0f} MB and '
         f'{streamed.peak_rss_mb - baseline.peak_rss_mb:+.0f} MB'),
        ('bytes through the bot by URL: 0', through_bot(by_url) == 0,
         f'{through_bot(by_url):,}'),
        ('no-op rerun with a flagged file: at most 10 API requests to the three wikis',
         noop.traffic.requests <= 10, str(noop.traffic.requests)),
    ]
    args.source_latency_ms = 0
    return format_results(args, rows, targets, count, megabytes)


#: The uploads at once compared with the farm's own direct copy (``-uploads:N``).
UPLOADS_AT_ONCE = (1, 2, 4)


def uploads_side_by_side(args: argparse.Namespace, wikis: dict[str, farm.Wiki],
                         titles: list[str], at_once: int
                         ) -> tuple[list[tuple[str, str]], tuple[str, bool, str]]:
    """The first sweep with ``-uploads:at_once`` beside the farm's own direct copy of the same
    files by URL, *at_once* at a time: how near the bot comes to what the farm can do. The
    target's yardstick copies each file with its description page, as the bot does (the
    shared repository parses every page it creates); the copy of the files alone is shown
    beside it.

    Each of the three runs ``--rounds`` times, in turns whose order swaps every round (so a
    slower moment of the machine falls on all of them alike), and each shows its median
    run: on a 2-core machine one run of 10 s varies by a second from the next.
    """
    sweeps: list[float] = []
    limits: dict[bool, list[tuple[str, str, float]]] = {True: [], False: []}
    for round_ in range(args.rounds):
        clients: list[bool | None] = [None, True, False]  # None: the sweep
        for client in clients if round_ % 2 == 0 else clients[::-1]:
            reset(wikis)
            with source_far_away(args):
                if client is None:
                    sweeps.append(run_client(wikis, commonscache(
                        '-setup', '-nopurge', f'-uploads:{at_once}')).seconds)
                else:
                    limits[client].append(physical_limit_seconds(
                        wikis, titles, at_once, descriptions=client))
    sweep = statistics.median_low(sweeps)
    (name, value, seconds), (bare_name, bare_value, bare) = (
        median_run(limits[True]), median_run(limits[False]))
    rounds = f' (median of {args.rounds})' if args.rounds > 1 else ''
    rows = [(name + rounds, value), (bare_name + rounds, bare_value),
            (f'first sweep with -uploads:{at_once}: wall time{rounds}', f'{sweep:.1f} s')]
    return rows, (f'first sweep with -uploads:{at_once} within 1.25x of the direct copy '
                  f'with descriptions {at_once} at once (both in all)',
                  sweep <= 1.25 * seconds,
                  f'{sweep / seconds:.2f}x ({sweep:.1f} s against '
                  f'{seconds:.1f} s; {sweep / bare:.2f}x the files alone)')


def median_run(runs: list[tuple[str, str, float]]) -> tuple[str, str, float]:
    """The run whose wall time (last) is the median one (the lower of two middle ones)."""
    return sorted(runs, key=lambda run: run[2])[(len(runs) - 1) // 2]


def physical_limit(wikis: dict[str, farm.Wiki], titles: list[str],
                   at_once: int = 1) -> tuple[str, str]:
    """The farm's own direct copy by URL of *titles*, one after the other (or *at_once* at
    a time): the rate the shared repository reaches by itself (benchmarks/direct_copy.py)."""
    name, value, _ = physical_limit_seconds(wikis, titles, at_once)
    return name, value


def physical_limit_seconds(wikis: dict[str, farm.Wiki], titles: list[str],
                           at_once: int = 1, *, descriptions: bool = False
                           ) -> tuple[str, str, float]:
    """:func:`physical_limit`'s row and the process's wall time, start-up, login and reads
    included, as a sweep's is; with *descriptions*, each file's description page copied
    with it."""
    direct = run_client(wikis, [sys.executable, 'benchmarks/direct_copy.py',
                                f'--at-once={at_once}',
                                *(['--descriptions'] if descriptions else []),
                                'devfarm:commons', 'devfarm:shared', *titles])
    moved, seconds = re.findall(r'direct copy: (\d+) bytes in ([\d.]+) s', direct.output)[-1]
    how = 'one after the other' if at_once == 1 else f'{at_once} at once'
    what = 'with their descriptions' if descriptions else 'the files alone'
    return (f"physical limit: the farm's own direct copy by URL, {what}, {how}",
            f'{float(seconds):.1f} s of uploads for {int(moved) / 1e6:.0f} MB '
            f'({int(moved) / 1e6 / float(seconds):.0f} MB/s), {direct.seconds:.1f} s in all',
            direct.seconds)


def strict(args: argparse.Namespace) -> list[str]:
    """Outside Toolforge: the Commons stand-in as strict as Commons (devfarm/Strict.php, at
    --strict-mbit and --strict-apirate), commonscache and the per-file loop side by side, and
    the same sweep of commonscache without limits as the yardstick."""
    wikis, titles = fresh_farm(files=args.files, size_kb=args.size_kb, big=args.big,
                               big_mb=args.big_mb, render=0)
    count = len(titles)
    limits = {'media_mbit': args.strict_mbit, 'api_per_minute': args.strict_apirate}
    rows: list[tuple[str, str]] = []
    targets: list[tuple[str, bool, str]] = []

    reset(wikis)
    # Streamed, as the sweep within the limits is (its host is held to a rate).
    free = run_client(wikis, commonscache('-setup', '-nopurge', '-byurl:never'))
    reset(wikis)
    with farm.configured('commons', farm.farm_dir(), strict=limits):
        held = run_client(wikis, commonscache('-setup', '-nopurge',
                                              f'-maxrate:{args.strict_mbit}',
                                              f'-apirate:{args.strict_apirate}'))
    bot_429s = refusals_of(wikis['commons'], 'commonscache/')
    moved = int(re.findall(r'bytes transferred (\d+)', held.output)[-1])
    cached = int(re.findall(r'cached (\d+)', held.output)[-1])
    allowed = moved * 8 / (args.strict_mbit * 1e6)
    reset(wikis)
    with farm.configured('commons', farm.farm_dir(), strict=limits):
        loop = run_client(wikis, [sys.executable, 'benchmarks/naive_loop.py',
                                  'devfarm:consumer', 'devfarm:commons', 'devfarm:shared'])
    loop_429s = refusals_of(wikis['commons'], 'Pywikibot/')
    loop_copied = re.findall(r'copied (\d+) of', loop.output)
    rows += [('limits of the stand-in', f'{args.strict_mbit:g} Mbit/s averaged over 10 s, 2 '
              f'downloads at once, Referer required, {args.strict_apirate} API requests/min '
              'when not logged in with the bot right'),
             ('commonscache without limits: wall time', f'{free.seconds:.1f} s'),
             ('commonscache within the limits: wall time',
              f'{held.seconds:.1f} s ({cached} of {count} cached, {moved / 1e6:.1f} MB)'),
             ('… the bytes at the allowed rate', f'{allowed:.1f} s'),
             ('commonscache: HTTP 429 answers', f'{sum(bot_429s.values())}'),
             ('per-file Pywikibot loop within the same limits: wall time',
              f'{loop.seconds:.1f} s ({loop_copied[-1] if loop_copied else 0} of {count} '
              'copied)'),
             ('per-file Pywikibot loop: HTTP 429 answers',
              ', '.join(f'{rule} {n}' for rule, n in sorted(loop_429s.items())) or '0')]
    targets += [('commonscache within the limits receives no 429', not bot_429s,
                 f'{sum(bot_429s.values())}'),
                ('… caches every file', cached == free_cached(free), f'{cached}'),
                ('… in at most 1.15 x (bytes / allowed rate + the unlimited sweep)',
                 held.seconds <= 1.15 * (allowed + free.seconds),
                 f'{held.seconds:.1f} s against {1.15 * (allowed + free.seconds):.1f} s')]
    args.source_latency_ms = 0  # no added latency in this mode: the limits are the point
    return format_results(args, rows, targets, count, moved / 1e6)


def free_cached(run: Run) -> int:
    return int(re.findall(r'cached (\d+)', run.output)[-1])


def refusals_of(wiki: farm.Wiki, agent: str) -> dict[str, int]:
    """The strict stand-in's 429s to clients whose User-Agent contains *agent*, by rule."""
    found: dict[str, int] = {}
    for refusal in farm.refusals(wiki):
        if agent in refusal['client']:
            found[refusal['rule']] = found.get(refusal['rule'], 0) + 1
    return found


def source_far_away(args: argparse.Namespace) -> contextlib.AbstractContextManager:
    """The Commons stand-in as far away as Commons is from a wiki farm, for the sweeps."""
    return farm.configured('commons', farm.farm_dir(), latency_ms=args.source_latency_ms)


def imagetransfer_rows(wikis: dict[str, farm.Wiki], titles: list[str],
                       sweep: Run) -> list[tuple[str, str]]:
    """Pywikibot's scripts/imagetransfer.py, driven without prompts: a File: page generator
    (no image list to choose from) and -keepname (no description to confirm).

    UploadRobot asks whether uploads are enabled before it logs in, and Pywikibot requires
    the "edit" right for that question; the farm's wikis, like most closed wikis, do not
    give it to anonymous users. So the operator logs in first (`pwb login`), and the cookie
    is what imagetransfer.py starts with; the login is counted in its time and requests.
    """
    try:
        subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet',
                        'pywikibot-scripts'], check=True, capture_output=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        return [('imagetransfer.py', f'not run: pywikibot-scripts did not install ({error})')]
    reset(wikis)
    with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as listing:
        listing.write('\n'.join(f'[[{title}]]' for title in titles))
    try:
        login = run_client(wikis, pwb('login', '-family:devfarm', '-lang:shared'))
        run = run_client(wikis, pwb('imagetransfer', '-family:devfarm', '-lang:commons',
                                    '-tosite:devfarm:shared', '-keepname',
                                    f'-file:{listing.name}'))
    except SystemExit as failure:
        reason = next((line for line in reversed(str(failure).splitlines())
                       if 'Exiting due to' in line), str(failure).splitlines()[0])
        return [('imagetransfer.py', f'cannot be driven to the end: {reason.strip()}')]
    finally:
        os.unlink(listing.name)
    seconds = login.seconds + run.seconds
    requests_made = login.traffic.requests + run.traffic.requests
    uploaded = len(re.findall(r'^Upload of .* successful\.$', run.output, re.MULTILINE))
    return [('imagetransfer.py (after `pwb login`): wall time',
             f'{seconds:.1f} s ({uploaded} of {len(titles)} files uploaded, no sha1 check)'),
            ('imagetransfer.py: API requests per file', f'{requests_made / len(titles):.2f}'),
            ('commonscache vs imagetransfer.py: time, requests',
             f'{seconds / sweep.seconds:.2f}x faster, '
             f'{requests_made / max(sweep.traffic.requests, 1):.2f}x fewer')]


# --- a farm of many wikis ---------------------------------------------------------------------

def own_name(wiki: str, n: int) -> str:
    return f'Bench {wiki} {n:02d}.jpg'


def seed_many(wikis: dict[str, farm.Wiki], consumers: list[str], per_wiki: int,
              size_kb: int) -> None:
    """*per_wiki* generated files of each consumer's own on Commons, embedded on a page of
    that consumer (beside the sample files the farm's consumers share)."""
    side = int(math.sqrt(size_kb * 1024 / NOISE_BYTES_PER_PIXEL))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        specs = [f'{own_name(name, n)}:noise:{side}:{side}:{i * 100 + n}'
                 for i, name in enumerate(consumers) for n in range(1, per_wiki + 1)]
        for start in range(0, len(specs), 100):
            farm.run(['php', str(farm.HERE / 'make_media.php'), str(folder),
                      *specs[start:start + 100]])
        for path in list(folder.iterdir()):
            (folder / f'{path.name}.txt').write_text(DESCRIPTION % {'n': path.stem})
        farm.maintenance(wikis['commons'], 'importImages.php', str(folder), '--comment-ext=txt',
                         '--user=Alice Example', '--summary=Benchmark upload')
    for name in consumers:
        farm.import_pages(wikis[name], {'Own files': '\n'.join(
            f'[[File:{own_name(name, n)}|thumb]]' for n in range(1, per_wiki + 1))})
        farm.maintenance(wikis[name], 'refreshLinks.php')


def api_requests_by_wiki(traffic: Traffic) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in traffic.api:
        found[line[0]] = found.get(line[0], 0) + 1
    return found


def many_wikis(args: argparse.Namespace) -> list[str]:
    """A farm of *args.wikis* consumers on one database server (consumer, consumer2 and
    clones of consumer2, devfarm/farm.py): what a run costs per wiki in each mode."""
    from commonscache.keeping.shards import Shard

    root = farm.farm_dir()
    farm.destroy(root)
    wikis = farm.up(root, extra=args.wikis - 2)
    consumers = [name for name in wikis if name.startswith('consumer')]
    seed_many(wikis, consumers, args.files_per_wiki, args.size_kb)
    farm.snapshot(root)
    names = ','.join(f'devfarm:{name}' for name in consumers)
    rows: list[tuple[str, str]] = []
    targets: list[tuple[str, bool, str]] = []
    count = len(consumers)
    # On MariaDB the state is a database of the farm's server, as a farm's shards share it
    # (README, Toolforge): the shards' runs below find the watermarks the first run left.
    state = ((f'-state:{farm.db_server(root).url("commonscache_bench")}',
              f'-statecnf:{farm.db_server(root).cnf}') if args.db == 'mariadb' else ())
    warm_up_many(wikis, names)

    sweep = run_client(wikis, commonscache('-setup', '-nopurge', '-since:last',
                                           f'-wikis:{names}', *state))
    cached = int(re.findall(r'cached (\d+)', sweep.output)[-1])
    examined = int(re.findall(r'examined (\d+)', sweep.output)[-1])
    used = sum(1 for _ in used_titles(wikis, consumers))
    rows += [('first -wikis sweep: wall time', f'{sweep.seconds:.1f} s'),
             ('first -wikis sweep: files used on the farm, examined, cached',
              f"{used} distinct ({args.files_per_wiki} of its own on each wiki, the farm's "
              f'samples shared), {examined} examined, {cached} cached'),
             ('first -wikis sweep: API requests', f'{sweep.traffic.requests} in all, '
              f'{sweep.traffic.requests / max(examined, 1):.2f} per file examined')]
    targets.append(('first -wikis sweep: each file examined once (no more examined than '
                    'the farm uses)', examined <= used, f'{examined} examined, {used} used'))
    targets.append(('first -wikis sweep: at most 1.2 requests per file, set-up included',
                    sweep.traffic.requests <= 1.2 * examined,
                    f'{sweep.traffic.requests / max(examined, 1):.2f}'))

    quiet = run_client(wikis, commonscache('-nopurge', '-since:last', f'-wikis:{names}',
                                           *state))
    per_wiki = api_requests_by_wiki(quiet.traffic)
    on_consumers = sum(per_wiki.get(name, 0) for name in consumers)
    rows += [('quiet -since:last: wall time', f'{quiet.seconds:.1f} s'),
             ('quiet -since:last: API requests',
              f'{quiet.traffic.requests} in all: {on_consumers} to the {count} consumers, '
              f'{per_wiki.get("shared", 0)} to the shared repository, '
              f'{per_wiki.get("commons", 0)} to Commons')]
    targets.append(('quiet -since:last: at most 2 requests per consumer, set-up included',
                    quiet.traffic.requests <= 2 * count,
                    f'{quiet.traffic.requests / count:.2f}'))

    shards = [Shard.parse(f'{k}/4') for k in range(1, 5)]
    spread = [len(shard.select([f'devfarm:{name}' for name in consumers]))
              for shard in shards]
    sharded = 0
    for k in range(1, 5):
        sharded += run_client(wikis, commonscache('-nopurge', '-since:last', f'-wikis:{names}',
                                                  f'-shard:{k}/4', *state)).traffic.requests
    rows += [(f'-shard:K/4 over {count} wikis: wikis per shard', ', '.join(map(str, spread))),
             ('quiet -since:last, 4 shards: API requests', f'{sharded} in all')]
    targets.append(("4 shards: quiet runs within 1.1x of one unsharded run's requests",
                    sharded <= 1.1 * quiet.traffic.requests,
                    f'{sharded / max(quiet.traffic.requests, 1):.2f}x'))

    rows += watch_rows(wikis, consumers, names, args, targets, state)
    hour = 3600
    rows.append((f'a farm of {count} quiet wikis per hour',
                 f'-since:last hourly: {quiet.traffic.requests} requests; -watch:30: at most '
                 f'{count * hour // 30} polls, {count * hour // 240} once all are quiet'))
    return tables(f'Farm of {count} consumer wikis ({args.db}, object cache {args.cache}) on '
                  f'{machine()}', rows, targets)


def warm_up_many(wikis: dict[str, farm.Wiki], names: str) -> None:
    """Pywikibot's API cache and login cookie as a scheduled run finds them."""
    run_client(wikis, commonscache('-setup', '-simulate', '-nopurge', f'-wikis:{names}'))
    reset(wikis)


def used_titles(wikis: dict[str, farm.Wiki], consumers: list[str]) -> set[str]:
    """The distinct file titles the consumers embed, wherever the files are (or none is):
    what a sweep examines, each once."""
    found: set[str] = set()
    for name in consumers:
        reply = requests.get(wikis[name].api, params={
            'action': 'query', 'list': 'allfileusages', 'afunique': 1, 'aflimit': 'max',
            'format': 'json'}, timeout=60).json()
        found.update(item['title'] for item in reply['query']['allfileusages'])
    return found


def watch_rows(wikis: dict[str, farm.Wiki], consumers: list[str], names: str,
               args: argparse.Namespace, targets: list[tuple[str, bool, str]],
               state: tuple[str, ...]) -> list[tuple[str, str]]:
    """-watch over every consumer, all quiet: requests per consumer and poll, how many polls
    the quiet wikis were spared, and memory over *args.polls* polls of the interval."""
    env = {**os.environ, 'PYWIKIBOT_DIR': str(farm.farm_dir() / 'pywikibot'),
           'PYTHONUNBUFFERED': '1'}
    start = mark(wikis)
    watcher = subprocess.Popen(commonscache('-nopurge', f'-watch:{args.watch_interval}',
                                            f'-wikis:{names}', *state),
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    began = time.monotonic()
    samples: list[tuple[float, int]] = []
    try:
        while time.monotonic() - began < args.polls * args.watch_interval:
            if watcher.poll() is not None:
                raise SystemExit(f'the watch ended: {watcher.stderr.read()[-2000:]}')
            elapsed = time.monotonic() - began
            if elapsed > 50 * args.watch_interval and not samples:
                samples.append((elapsed, rss_kib(watcher.pid)))
            time.sleep(0.5)
        samples.append((time.monotonic() - began, rss_kib(watcher.pid)))
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.communicate(timeout=300)
    seconds = time.monotonic() - began
    traffic = traffic_since(wikis, start)
    polls = sum(1 for line in traffic.api if line[5] == 'recentchanges')
    other = sum(1 for line in traffic.api if line[0] in consumers and line[5] != 'recentchanges')
    ticks = seconds / args.watch_interval
    (first_at, first), (last_at, last) = samples[0], samples[-1]
    targets.append(('-watch: at most 1 request per consumer and poll (quiet farm)',
                    polls <= ticks * len(consumers),
                    f'{polls} recent-changes requests in {ticks:.0f} intervals of '
                    f'{len(consumers)} consumers, {other} other requests to them'))
    targets.append(('-watch: memory flat over the polls (within 5 MB)',
                    abs(last - first) / 1024 < 5,
                    f'{first / 1024:.1f} MB at {first_at:.0f} s, {last / 1024:.1f} MB at '
                    f'{last_at:.0f} s'))
    return [(f'-watch:{args.watch_interval:g} over {len(consumers)} quiet wikis for '
             f'{seconds:.0f} s ({ticks:.0f} intervals)',
             f'{polls} polls ({polls / len(consumers):.0f} per wiki; every interval would be '
             f'{ticks * len(consumers):.0f}), {other} other requests to the consumers')]


def rss_kib(pid: int) -> int:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    return 0


def format_results(args: argparse.Namespace, rows: list[tuple[str, str]],
                   targets: list[tuple[str, bool, str]], count: int,
                   megabytes: float) -> list[str]:
    return tables(f'Benchmark: {count} files ({args.files} of ~{args.size_kb} KB, {args.big} '
                  f'of {args.big_mb} MB; {megabytes:.0f} MB in all; wikis in {args.db}, '
                  f'object cache {args.cache}) on {machine()}; the Commons stand-in '
                  f'{args.source_latency_ms} ms away during the compared sweeps', rows, targets)


def tables(heading: str, rows: list[tuple[str, str]],
           targets: list[tuple[str, bool, str]]) -> list[str]:
    """The run's heading, its measures, and its targets with PASS or FAIL."""
    lines = [heading, '', '| measure | result |', '| --- | --- |']
    lines += [f'| {name} | {value} |' for name, value in rows]
    lines += ['', '| target | result | |', '| --- | --- | --- |']
    lines += [f'| {name} | {value} | {"PASS" if ok else "FAIL"} |'
              for name, ok, value in targets]
    return lines


def scaling(sizes: list[int], size_kb: int) -> list[str]:
    """Initial sweep and no-op rerun at several sizes: how cost grows per file."""
    lines = ['| files | sweep time | time per file | requests | requests per file | '
             'no-op requests |', '| --- | --- | --- | --- | --- | --- |']
    for size in sizes:
        wikis, titles = fresh_farm(files=size, size_kb=size_kb, big=0, big_mb=0,
                                   render=min(85, size))
        reset(wikis)
        sweep = run_client(wikis, commonscache('-setup', '-nopurge'))
        noop = run_client(wikis, commonscache('-nopurge'))
        lines.append(f'| {len(titles)} | {sweep.seconds:.1f} s | '
                     f'{1000 * sweep.seconds / len(titles):.0f} ms | {sweep.traffic.requests} | '
                     f'{sweep.traffic.requests / len(titles):.2f} | {noop.traffic.requests} |')
    return [f'Scaling ({size_kb} KB files) on {machine()}', '', *lines]


def machine() -> str:
    cpus = os.cpu_count()
    memory = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    return (f'{platform.system()} {platform.machine()}, {cpus} cores, {memory:.0f} GiB, '
            f'Python {platform.python_version()}, {mediawiki_version()}')


def mediawiki_version() -> str:
    try:
        reply = requests.get(farm.wikis()['commons'].api, params={
            'action': 'query', 'meta': 'siteinfo', 'format': 'json'}, timeout=10).json()
        return reply['query']['general']['generator']
    except (requests.RequestException, KeyError, ValueError):
        return 'MediaWiki'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--files', type=int, default=200, help='small files (default 200)')
    parser.add_argument('--size-kb', type=int, default=200, help='their size (default 200)')
    parser.add_argument('--big', type=int, default=3, help='big files (default 3)')
    parser.add_argument('--big-mb', type=int, default=50, help='their size (default 50)')
    parser.add_argument('--render', type=int, default=85, help='files on the render page')
    parser.add_argument('--latency-ms', type=int, default=300,
                        help="the Commons stand-in's added latency for the render test")
    parser.add_argument('--source-latency-ms', type=int, default=30,
                        help="the Commons stand-in's added latency during the sweeps that are "
                             'compared (default 30: Commons is not next door)')
    parser.add_argument('--skip-alternatives', action='store_true',
                        help='no per-file loop, no imagetransfer.py')
    parser.add_argument('--scale', default='',
                        help='comma-separated file counts for the scaling table instead')
    parser.add_argument('--keep', action='store_true', help='leave the farm running')
    parser.add_argument('--rounds', type=int, default=3,
                        help='runs of each client, in turns (default 3; the median): '
                             "--small's clients, and the default run's sweeps with "
                             '-uploads:N beside the direct copy')
    parser.add_argument('--small', action='store_true',
                        help="a new user's first try: use with --files 13 --big 1 --big-mb 57 "
                             '(one more file is nominated for deletion on the source)')
    parser.add_argument('--strict', action='store_true',
                        help="outside Toolforge: the stand-in enforces Commons' limits")
    parser.add_argument('--strict-mbit', type=float, default=25,
                        help="the media rate of --strict (default 25, Wikimedia's)")
    parser.add_argument('--strict-apirate', type=int, default=200,
                        help="API requests a minute of --strict (default 200, Wikimedia's)")
    parser.add_argument('--db', choices=('sqlite', 'mariadb'),
                        default=os.environ.get('COMMONSCACHE_FARM_DB', 'sqlite'),
                        help='where the farm keeps its wikis: sqlite (default) or mariadb (one '
                             'server for the farm, the consumer reading the shared repository '
                             'from its database)')
    parser.add_argument('--cache', choices=('none', 'memcached'), default='',
                        help="the wikis' object cache: memcached (one for the farm, the "
                             "default with --db mariadb, as production farms run) or none "
                             '(the default with sqlite)')
    parser.add_argument('--wikis', type=int, default=0,
                        help='a farm of this many consumer wikis instead (e.g. 50): what a run '
                             'costs per wiki in each mode')
    parser.add_argument('--files-per-wiki', type=int, default=10,
                        help='--wikis: files of its own each consumer embeds (default 10)')
    parser.add_argument('--watch-interval', type=float, default=0.2,
                        help="--wikis: the watch's interval (default 0.2 s)")
    parser.add_argument('--polls', type=int, default=1000,
                        help='--wikis: intervals the watch runs (default 1000)')
    parser.add_argument('--mw', default=os.environ.get('COMMONSCACHE_MW', 'host'),
                        help='the MediaWiki release of the farm: host (default), 1.39, 1.43')
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error('--rounds must be 1 or more')
    # Read by devfarm.mediawiki when the farm first runs PHP.
    os.environ['COMMONSCACHE_MW'] = args.mw
    os.environ['COMMONSCACHE_FARM_DB'] = args.db
    args.cache = args.cache or ('memcached' if args.db == 'mariadb' else 'none')
    os.environ['COMMONSCACHE_FARM_CACHE'] = args.cache
    farm.ensure_packages()
    try:
        if args.wikis:
            lines = many_wikis(args)
        elif args.scale:
            lines = scaling([int(n) for n in args.scale.split(',')], args.size_kb)
        elif args.strict:
            lines = strict(args)
        elif args.small:
            lines = small_set(args)
        else:
            lines = benchmark(args)
    finally:
        if not args.keep:
            farm.down(farm.farm_dir())
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    sys.exit(main())
