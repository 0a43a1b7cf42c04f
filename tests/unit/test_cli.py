"""The command line: help, and usage errors as one line with exit status 2."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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




def test_readmes_option_table_is_the_option_tables():
    """README's option table is the one :mod:`~commonscache.running.option_table` gives
    (issue 35): a new option, default or line changed in one place shows here."""
    from commonscache.running import option_table

    assert option_table.readme_table() in (REPO / 'README.md').read_text(encoding='utf-8')


def test_help_describes_every_option_of_the_table_and_no_other():
    """``-help`` (``cli.py``'s docstring) has a paragraph for each option of the table."""
    import re

    from commonscache.running import cli, option_table

    options = cli.__doc__[cli.__doc__.index('\nOptions:\n'):]
    described = {found[1] for found in re.finditer(r'^(-[a-z-]+)', options, re.M)}
    assert described == {option.flag for option in option_table.TABLE}


def test_every_setting_of_the_table_is_a_bot_option_scripts_ini_sets():
    """What scripts.ini's ``[commonscache]`` may set is the table's settings, by key."""
    from commonscache.running import option_table
    from commonscache.running.bot import CacheBot

    settings = {option.key for option in option_table.TABLE if option.in_scripts_ini}
    assert settings <= set(CacheBot.update_options) | {'always'}
    assert set(CacheBot.update_options) == set(option_table.bot_options())
    assert 'purge' in settings and 'nopurge' not in settings  # -nopurge: purge = false


def test_the_command_line_reads_each_kind_of_option_from_the_table():
    from commonscache.running.cli import parse_options

    class NoGenerators:
        def handle_arg(self, arg: str) -> bool:
            return arg.startswith('-cat:')

    options, generators = parse_options(
        ['-shared:devfarm:shared', '-force:File:A.jpg', '-force:File:B.jpg', '-nopurge',
         '-watch', '-reviewpage:', '-always', '-cat:Places', '-status', '-json'],
        NoGenerators())
    assert options == {'shared': 'devfarm:shared', 'force': ['File:A.jpg', 'File:B.jpg'],
                       'purge': False, 'watch': '30', 'reviewpage': '', 'always': True,
                       'status': True, 'json': True}
    assert generators == ['-cat:Places']


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
