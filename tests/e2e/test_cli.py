"""Cli, end to end (the unit tests: tests/unit/test_cli.py)."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli


@pytest.mark.e2e
def test_an_unknown_option_is_one_line_and_exit_2(farm_session):
    result = run_cli('-shared:devfarm:shared', '-frobnicate')
    assert result.returncode == 2
    assert 'unknown option -frobnicate' in result.stderr
    assert 'Traceback' not in result.stderr
