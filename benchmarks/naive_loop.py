"""The straightforward per-file Pywikibot loop an operator would write, for comparison:
for each file the consumer uses, read its imageinfo on the source, download it, fetch the
description and upload both to the shared repository.

    python benchmarks/naive_loop.py FAMILY:CONSUMER FAMILY:SOURCE FAMILY:SHARED
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pywikibot
from pywikibot.data import api


def main(consumer_spec: str, source_spec: str, shared_spec: str) -> int:
    consumer = pywikibot.Site(*reversed(consumer_spec.split(':')))
    source = pywikibot.Site(*reversed(source_spec.split(':')))
    shared = pywikibot.Site(*reversed(shared_spec.split(':')))
    shared.login()
    request = api.ListGenerator('allfileusages', site=consumer, afunique=True)
    titles = [item['title'] for item in request]
    copied = 0
    with tempfile.TemporaryDirectory() as folder:
        for title in titles:
            page = pywikibot.FilePage(source, title)
            if not page.exists():
                continue
            info = page.latest_file_info  # imageinfo
            path = Path(folder) / title.split(':', 1)[1]
            if not page.download(str(path)):
                continue
            text = page.text
            try:
                target = pywikibot.FilePage(shared, title)
                shared.upload(target, source_filename=str(path), text=text,
                              summary=f'Copy of {title}', ignore_warnings=False,
                              chunk_size=20 * 1024 * 1024 if info.size > 20 * 1024 * 1024 else 0)
                copied += 1
            except (pywikibot.exceptions.Error, ValueError) as error:
                pywikibot.warning(f'{title}: {error}')
            path.unlink(missing_ok=True)
    pywikibot.info(f'copied {copied} of {len(titles)} files')
    return 0


if __name__ == '__main__':
    sys.exit(main(*pywikibot.handle_args(sys.argv[1:])))
