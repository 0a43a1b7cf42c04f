"""The dev farm's own helpers, where a race would fail a whole test run."""
from __future__ import annotations

import os

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
