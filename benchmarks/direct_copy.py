"""The physical limit: the shared repository copies the source's files by URL itself, one
after the other (or N at once), driven by the shortest script there is (no checks; the URLs
read 50 titles a request, as any client should). With ``--descriptions`` each file's
description page is copied too, its text as the source has it, read in the same requests:
a copy of what commonscache copies, without its checks, provenance and attribution.
Without, each page says "Direct copy". The seconds its uploads take give the rate the
farm's own copy reaches; the process's wall time is what the farm's own copy costs as a
job, start-up and login included.

    python benchmarks/direct_copy.py [--at-once=N] [--descriptions] FAMILY:SOURCE
        FAMILY:SHARED TITLE...
"""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pywikibot
from pywikibot.data import api


def main(*args: str) -> int:
    at_once, descriptions = 1, False
    while args and args[0].startswith('--'):
        if args[0].startswith('--at-once='):
            at_once = int(args[0].partition('=')[2])
        elif args[0] == '--descriptions':
            descriptions = True
        args = args[1:]
    source_spec, shared_spec, *titles = args
    source = pywikibot.Site(*reversed(source_spec.split(':')))
    shared = pywikibot.Site(*reversed(shared_spec.split(':')))
    shared.login()
    files: dict[str, tuple[str, int, str]] = {}
    extra = {'prop': 'imageinfo|revisions', 'rvprop': 'content', 'rvslots': 'main'} \
        if descriptions else {'prop': 'imageinfo'}
    for start in range(0, len(titles), 50):
        reply = api.Request(site=source, parameters={
            'action': 'query', 'iiprop': 'url|size', 'titles': titles[start:start + 50],
            'formatversion': 2, **extra}).submit()
        for page in reply['query']['pages']:
            info = page['imageinfo'][0]
            text = page['revisions'][0]['slots']['main']['content'] if descriptions \
                else 'Direct copy'
            files[page['title']] = (info['url'], info['size'], text)

    def copy(title: str) -> int:
        url, size, text = files[title]
        for attempt in range(3):
            try:
                done = shared.upload(pywikibot.FilePage(shared, title), source_url=url,
                                     comment='Direct copy', text=text,
                                     ignore_warnings=True, report_success=False)
                return size if done else 0
            except pywikibot.exceptions.APIError as error:
                # Uploads at once on a wiki with its file locks on disk can trip over each
                # other's lock files (MediaWiki's FSLockManager): tried again, as the bot does;
                # the upload may have landed all the same.
                if attempt and error.code == 'fileexists-no-change':
                    return size
                if not error.code.startswith('lockmanager-fail-') or attempt == 2:
                    raise
                time.sleep(1)
        return 0

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        moved = sum(pool.map(copy, titles))
    seconds = time.monotonic() - began
    pywikibot.info(f'direct copy: {moved} bytes in {seconds:.3f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main(*pywikibot.handle_args(sys.argv[1:])))
