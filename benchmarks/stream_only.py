"""The yardstick for memory: a Pywikibot process that only streams the source's files to
disk, one after the other (nothing uploaded), as little as a copy through a bot can hold.

    python benchmarks/stream_only.py FAMILY:SOURCE TITLE...
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pywikibot
from pywikibot.comms import http


def main(source_spec: str, *titles: str) -> int:
    source = pywikibot.Site(*reversed(source_spec.split(':')))
    streamed = 0
    with tempfile.TemporaryDirectory() as folder:
        for title in titles:
            url = pywikibot.FilePage(source, title).latest_file_info.url
            response = http.fetch(url, stream=True)
            with (Path(folder) / 'file').open('wb') as out:
                for piece in response.iter_content(1 << 20):
                    out.write(piece)
                    streamed += len(piece)
    pywikibot.info(f'streamed {streamed} bytes')
    return 0


if __name__ == '__main__':
    sys.exit(main(*pywikibot.handle_args(sys.argv[1:])))
