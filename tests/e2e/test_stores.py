"""Stores, end to end (the unit tests: tests/unit/test_stores.py)."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cnf(tmp_path: Path) -> Path:
    """A Toolforge replica.my.cnf, as Toolforge writes it."""
    path = tmp_path / 'replica.my.cnf'
    path.write_text("[client]\nuser = s54321\npassword = 'secret with spaces'\n")
    return path


@pytest.mark.e2e
def test_a_state_database_that_does_not_answer_exits_2_with_one_line(farm_wikis, cnf):
    from tests.conftest import run_cli

    result = run_cli('-shared:devfarm:shared', '-always', '-state:mysql://127.0.0.1:9/state',
                     f'-statecnf:{cnf}')
    assert result.returncode == 2, result.stderr[-3000:]
    assert 'cannot reach the state database state on 127.0.0.1:9' in result.stderr
    assert 'Traceback' not in result.stderr
