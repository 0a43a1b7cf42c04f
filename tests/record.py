"""Re-record the API replies that unit tests replay: ``python -m tests.record [NAME ...]``.

Brings the test farm up fresh (its own ports, see conftest.py), runs each scenario against
it and writes tests/recorded/NAME.json.
"""
from __future__ import annotations

import sys
from collections.abc import Callable

from tests import conftest  # noqa: F401  (sets PYWIKIBOT_DIR and the farm's ports)
from tests.replay import recording

SCENARIOS: dict[str, Callable[[], None]] = {}


def scenario(function: Callable[[], None]) -> Callable[[], None]:
    SCENARIOS[function.__name__] = function
    return function


@scenario
def sites() -> None:
    """Site objects for the consumer (anonymous) and the shared repository (logged in)."""
    import pywikibot

    consumer = pywikibot.Site('consumer', 'devfarm')
    consumer.siteinfo['general']
    shared = pywikibot.Site('shared', 'devfarm')
    shared.login()
    shared.has_right('upload')


def main(names: list[str]) -> int:
    from devfarm import farm

    farm.destroy(conftest.FARM_DIR)
    farm.up(conftest.FARM_DIR)
    farm.write_pywikibot_dir(conftest.FARM_DIR, conftest.PYWIKIBOT_TEST_SETTINGS)
    import pywikibot

    for name in names or list(SCENARIOS):
        pywikibot._sites.clear()
        with recording(name):
            SCENARIOS[name]()
        print(f'recorded {name}')
    farm.down(conftest.FARM_DIR)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
