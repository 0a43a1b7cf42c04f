"""Pywikibot family for the commonscache dev farm (devfarm/farm.py).

Four wikis on 127.0.0.1, one code each: ``commons`` (the Commons stand-in), ``shared`` (the
shared media repository), ``consumer`` and ``consumer2``. Ports follow
``$COMMONSCACHE_FARM_PORT`` (base, default 8780): base+1 to base+4.
"""
from __future__ import annotations

import os

from pywikibot import family

_BASE = int(os.environ.get('COMMONSCACHE_FARM_PORT', '8780'))


class Family(family.Family):  # noqa: D101

    name = 'devfarm'
    langs = {
        'commons': f'127.0.0.1:{_BASE + 1}',
        'shared': f'127.0.0.1:{_BASE + 2}',
        'consumer': f'127.0.0.1:{_BASE + 3}',
        'consumer2': f'127.0.0.1:{_BASE + 4}',
    }

    def scriptpath(self, code: str) -> str:
        return '/w'

    def protocol(self, code: str) -> str:
        # Pywikibot assumes https; the farm's php -S speaks plain http.
        return 'http'

    def interface(self, code: str) -> str:
        return 'APISite'
