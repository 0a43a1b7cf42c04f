"""Pywikibot family for the commonscache dev farm (devfarm/farm.py).

Four wikis on 127.0.0.1, one code each: ``commons`` (the Commons stand-in), ``shared`` (the
shared media repository), ``consumer`` and ``consumer2``; and the extra consumers the farm
was set up with (``consumer3`` …, named in its farm.json). Ports follow
``$COMMONSCACHE_FARM_PORT`` (base, default 8780): base+1 to base+4, extras from base+20.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from pywikibot import family

_BASE = int(os.environ.get('COMMONSCACHE_FARM_PORT', '8780'))
_FARM = Path(os.environ.get('COMMONSCACHE_FARM_DIR')
             or Path(__file__).resolve().parent.parent / '.devfarm')


def _extra() -> list[str]:
    try:
        return json.loads((_FARM / 'farm.json').read_text()).get('extra', [])
    except (OSError, ValueError):
        return []


class Family(family.Family):  # noqa: D101

    name = 'devfarm'
    langs = {
        'commons': f'127.0.0.1:{_BASE + 1}',
        'shared': f'127.0.0.1:{_BASE + 2}',
        'consumer': f'127.0.0.1:{_BASE + 3}',
        'consumer2': f'127.0.0.1:{_BASE + 4}',
        **{name: f'127.0.0.1:{_BASE + 20 + i}' for i, name in enumerate(_extra())},
    }

    def scriptpath(self, code: str) -> str:
        return '/w'

    def protocol(self, code: str) -> str:
        # Pywikibot assumes https; the farm's php -S speaks plain http.
        return 'http'
