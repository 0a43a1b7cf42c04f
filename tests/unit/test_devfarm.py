"""The dev farm's own helpers, where a race would fail a whole test run."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from devfarm import farm


def test_a_process_that_ends_while_the_group_is_looked_for_is_skipped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Between listing /proc and reading an entry, that process may end: the kernel then
    answers ESRCH (ProcessLookupError), which must count as 'not there', not end the test."""
    real_stat = os.stat
    vanished = f'/proc/{os.getppid()}/stat'

    def stat_of_a_vanishing_process(path: os.PathLike[str] | str, *args: object,
                                    **kwargs: object) -> os.stat_result:
        if os.fspath(path) == vanished:
            raise ProcessLookupError(3, 'No such process', vanished)
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, 'stat', stat_of_a_vanishing_process)
    assert farm.group_alive(os.getpgrp())
    assert not farm.group_alive(2 ** 22 + 1)  # above pid_max: no such group


def test_a_server_that_ends_between_the_look_and_the_signal_counts_as_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ended = subprocess.Popen(['true'], start_new_session=True)
    ended.wait()  # exited and reaped: its group is gone
    wiki = farm.Wiki(name='commons', port=1, root=tmp_path)
    wiki.pidfile.write_text(str(ended.pid))
    monkeypatch.setattr(farm, 'server_pid', lambda _wiki: ended.pid)  # seen alive a moment ago
    farm.stop(wiki)
    assert not wiki.pidfile.exists()
