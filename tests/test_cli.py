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


def test_readmes_option_table_names_every_option_and_no_other():
    """README's option table and the command line know the same options (issue 35)."""
    import re

    from commonscache.running import cli

    text = (REPO / 'README.md').read_text(encoding='utf-8')
    table = text[text.index('## Options'):text.index('\n## ', text.index('## Options') + 5)]
    documented = {name for line in table.splitlines() if line.startswith('| `-')
                  for name in re.findall(r'(?<![\w-])(-[a-z][a-z-]*)', line.split('|')[1])}
    known = {*cli.VALUE_OPTIONS, *cli.LIST_OPTIONS, *cli.SWITCH_OPTIONS, *cli.NEGATED_OPTIONS,
             '-watch', '-review', '-closed'}
    pywikibots = {'-simulate'}  # Pywikibot's global option, listed for the reader
    assert documented - pywikibots == known


def test_review_reads_scripts_ini_as_every_other_mode(tmp_path, monkeypatch, capsys):
    """With ``state = …`` in scripts.ini, as README's Toolforge section tells operators,
    -review reads that state, not the default file (issue 35)."""
    import pywikibot

    from commonscache.keeping.state import State
    from commonscache.running.cli import show_review

    state = State(tmp_path / 'elsewhere.sqlite')
    state.record(shared='devfarm:shared', title='File:A.jpg', outcome='flagged',
                 reason='name-taken', details='taken')
    state.close()
    (tmp_path / 'scripts.ini').write_text(
        f'[commonscache]\nshared = devfarm:shared\nstate = {tmp_path / "elsewhere.sqlite"}\n')
    monkeypatch.setattr(pywikibot.config, 'base_dir', str(tmp_path))
    assert show_review(['-review']) == 0
    assert capsys.readouterr().out == 'name-taken\tFile:A.jpg\ttaken\n'
