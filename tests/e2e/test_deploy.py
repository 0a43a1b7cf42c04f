"""Deploy, end to end (the unit tests: tests/unit/test_deploy.py)."""
from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO


def procfile() -> dict[str, str]:
    """The Procfile's process types → their commands."""
    lines = (REPO / 'Procfile').read_text().splitlines()
    return dict(line.split(': ', 1) for line in lines if line.strip())


@pytest.mark.e2e
def test_every_procfile_process_runs(farm_wikis, tmp_path):
    """Each process type as the build service's image runs it (bash, with $TOOL_DATA_DIR the
    tool's home): the one-off runs end with 0, the watches poll until SIGTERM ends them
    with 0. The farm's options come from scripts.ini, as on Toolforge."""
    import os
    import signal
    import time

    from tests.conftest import PYWIKIBOT_DIR

    def polled(state: Path) -> bool:
        if not state.exists():
            return False
        with sqlite3.connect(state) as db:
            try:
                return db.execute('SELECT 1 FROM watermarks').fetchone() is not None
            except sqlite3.OperationalError:  # its tables not made yet
                return False

    home = tmp_path / 'tool'
    shutil.copytree(PYWIKIBOT_DIR, home / '.pywikibot')
    (home / '.pywikibot' / 'scripts.ini').write_text(
        '[commonscache]\nshared = devfarm:shared\nwikis = devfarm:consumer\n')
    env = {**os.environ, 'TOOL_DATA_DIR': str(home)}
    for process, command in procfile().items():
        started = time.time()
        run = subprocess.Popen(['bash', '-c', command], env=env, cwd=tmp_path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if '-watch' in command:  # until its first poll is done: the watermark is set
            shard = re.search(r'-shard:(\d)/(\d)', command)
            state = home / '.pywikibot' / (
                f'commonscache-shard{shard[1]}of{shard[2]}.sqlite' if shard
                else 'commonscache.sqlite')
            while run.poll() is None and not polled(state) and time.time() - started < 120:
                time.sleep(0.5)
            if run.poll() is None:
                run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, (process, err[-3000:])
        assert 'Traceback' not in err, (process, err[-3000:])
    assert (home / '.pywikibot' / 'commonscache.sqlite').exists()
