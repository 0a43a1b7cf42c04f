"""The farm's own servers (MariaDB, memcached) by their pid files: whether one runs, and
stopping it."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def pid_in(pidfile: Path) -> int:
    """The pid the file holds (0 when there is none)."""
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return 0


def alive(pid: int) -> bool:
    if not pid:
        return False
    try:
        # A server this process started is its child: once it has ended it stays a zombie,
        # which signal 0 still reaches, until it is reaped.
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def stop(pidfile: Path, *, seconds: float) -> None:
    """SIGTERM to the server the file names; wait up to *seconds* for it to end."""
    pid = pid_in(pidfile)
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + seconds
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
