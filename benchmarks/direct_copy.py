"""The physical limit: the shared repository copies the source's files by URL itself, one
after the other (or N at once), driven by the shortest script there is (no checks, no
descriptions). The seconds its uploads take give the rate the farm's own copy reaches.

    python benchmarks/direct_copy.py [--at-once=N] FAMILY:SOURCE FAMILY:SHARED TITLE...
"""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pywikibot


def main(*args: str) -> int:
    at_once = 1
    if args and args[0].startswith('--at-once='):
        at_once, args = int(args[0].partition('=')[2]), args[1:]
    source_spec, shared_spec, *titles = args
    source = pywikibot.Site(*reversed(source_spec.split(':')))
    shared = pywikibot.Site(*reversed(shared_spec.split(':')))
    shared.login()
    urls = {title: pywikibot.FilePage(source, title).latest_file_info for title in titles}

    def copy(title: str) -> int:
        info = urls[title]
        done = shared.upload(pywikibot.FilePage(shared, title), source_url=info.url,
                             comment='Direct copy', text='Direct copy', ignore_warnings=True,
                             report_success=False)
        return info.size if done else 0

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        moved = sum(pool.map(copy, titles))
    seconds = time.monotonic() - began
    pywikibot.info(f'direct copy: {moved} bytes in {seconds:.3f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main(*pywikibot.handle_args(sys.argv[1:])))
