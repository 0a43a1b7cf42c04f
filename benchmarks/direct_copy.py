"""The physical limit: the shared repository copies the source's files by URL itself, one
after the other, driven by the shortest script there is (no checks, no descriptions). The
seconds its uploads take give the rate the farm's own copy reaches.

    python benchmarks/direct_copy.py FAMILY:SOURCE FAMILY:SHARED TITLE...
"""
from __future__ import annotations

import sys
import time

import pywikibot


def main(source_spec: str, shared_spec: str, *titles: str) -> int:
    source = pywikibot.Site(*reversed(source_spec.split(':')))
    shared = pywikibot.Site(*reversed(shared_spec.split(':')))
    shared.login()
    urls = {title: pywikibot.FilePage(source, title).latest_file_info for title in titles}
    began = time.monotonic()
    moved = 0
    for title, info in urls.items():
        if shared.upload(pywikibot.FilePage(shared, title), source_url=info.url,
                         comment='Direct copy', text='Direct copy', ignore_warnings=True,
                         report_success=False):
            moved += info.size
    seconds = time.monotonic() - began
    pywikibot.info(f'direct copy: {moved} bytes in {seconds:.3f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main(*pywikibot.handle_args(sys.argv[1:])))
