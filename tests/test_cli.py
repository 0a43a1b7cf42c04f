"""The command line: help, and usage errors as one line with exit status 2."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PYWIKIBOT_DIR, REPO, run_cli


def test_help_prints_the_module_docstring_with_generator_options():
    result = run_cli('-help')
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert '-shared:FAMILY:CODE' in out
    assert '-catr' in out  # from Pywikibot's page generator help
    assert '&params;' not in out


def test_pwb_runs_the_same_main():
    env = {**os.environ, 'PYWIKIBOT_DIR': str(PYWIKIBOT_DIR)}
    # `pwb` is the command that pip installs for pwb.py.
    pwb = Path(sys.executable).with_name('pwb')
    result = subprocess.run([str(pwb), 'commonscache', '-help'], cwd=REPO, env=env, text=True,
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert '-shared:FAMILY:CODE' in result.stdout + result.stderr


@pytest.mark.e2e
def test_an_unknown_option_is_one_line_and_exit_2(farm_session):
    result = run_cli('-shared:devfarm:shared', '-frobnicate')
    assert result.returncode == 2
    assert 'unknown option -frobnicate' in result.stderr
    assert 'Traceback' not in result.stderr
