"""-watch's list of files to try again (offline; end to end in test_watch.py)."""
from __future__ import annotations

from commonscache.watch import MAX_RETRY_WAIT, Retries


def test_a_failing_file_waits_twice_as_long_after_each_failure_up_to_an_hour():
    retries = Retries(interval=2)
    waits = [retries.failed('File:A.png', now=100.0) for _ in range(12)]
    assert waits[:4] == [5, 10, 20, 40]  # the poll interval, at least 5 s, doubled
    assert max(waits) == MAX_RETRY_WAIT == waits[-1]


def test_a_file_is_due_once_its_wait_is_over_and_leaves_when_done():
    retries = Retries(interval=30)
    retries.failed('File:A.png', now=0.0)
    retries.failed('File:B.png', now=10.0)
    assert retries.due(29.0) == []
    assert retries.due(30.0) == ['File:A.png']
    assert retries.due(45.0) == ['File:A.png', 'File:B.png']
    retries.done('File:A.png')
    retries.done('File:C.png')  # never failed: nothing to forget
    assert retries.due(1000.0) == ['File:B.png']
