"""The run configurations for Toolforge, cron and systemd are valid for their tools."""
from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / 'deploy'
CRON_FIELD = re.compile(r'^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$')
#: The fields Toolforge's jobs framework reads from a jobs file (toolforge jobs load).
TOOLFORGE_FIELDS = {'name', 'command', 'image', 'schedule', 'continuous', 'emails',
                    'filelog', 'filelog-stdout', 'filelog-stderr', 'mem', 'cpu', 'retry',
                    'mount', 'timeout'}


@pytest.mark.parametrize('name', ['jobs.yaml', 'jobs-sharded.yaml'])
def test_the_toolforge_jobs_file_has_the_fields_toolforge_expects(name):
    jobs = yaml.safe_load((DEPLOY / 'toolforge' / name).read_text())
    assert isinstance(jobs, list) and jobs
    names = [job['name'] for job in jobs]
    assert len(set(names)) == len(names)
    for job in jobs:
        assert set(job) <= TOOLFORGE_FIELDS, set(job) - TOOLFORGE_FIELDS
        assert {'name', 'command', 'image'} <= set(job)
        assert re.fullmatch(r'[a-z0-9][a-z0-9-]{0,51}', job['name'])
        assert job['image'].startswith('python3')
        assert job['emails'] in {'none', 'all', 'onfinish', 'onfailure'}
        # a job is either scheduled or continuous (toolforge jobs run --continuous)
        if job.get('continuous'):
            assert 'schedule' not in job and '-watch' in job['command']
        else:
            assert all(CRON_FIELD.match(field) for field in job['schedule'].split())
            assert len(job['schedule'].split()) == 5
        assert 'pwb commonscache' in job['command'] and '-always' in job['command']
    assert any(job.get('continuous') for job in jobs)


def test_the_sharded_jobs_take_every_shard_once():
    jobs = yaml.safe_load((DEPLOY / 'toolforge' / 'jobs-sharded.yaml').read_text())
    shards = [re.search(r'-shard:(\d+)/(\d+)', job['command']).groups() for job in jobs]
    count = len(jobs)
    assert sorted(shards) == [(str(k), str(count)) for k in range(1, count + 1)]
    assert len({re.sub(r'-shard:\S+', '', job['command']) for job in jobs}) == 1


def test_the_cron_file_is_a_cron_d_line_every_ten_minutes():
    lines = [line for line in (DEPLOY / 'cron' / 'commonscache').read_text().splitlines()
             if line.strip() and not line.startswith('#') and '=' not in line.split()[0]]
    assert len(lines) == 1
    minute, hour, day, month, weekday, user, *command = lines[0].split()
    assert all(CRON_FIELD.match(field) for field in (minute, hour, day, month, weekday))
    assert minute == '*/10' and user == 'commonscache'
    assert 'pwb commonscache -always -since:last' in ' '.join(command)


def read_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / 'systemd' / name)
    return unit


def test_the_systemd_units_name_each_other_and_run_the_bot():
    service, timer = read_unit('commonscache.service'), read_unit('commonscache.timer')
    assert service['Service']['Type'] == 'oneshot'
    assert 'pwb commonscache -always -since:last' in service['Service']['ExecStart']
    assert timer['Timer']['Unit'] == 'commonscache.service'
    assert timer['Timer']['OnCalendar'] == '*:0/10'
    assert timer['Install']['WantedBy'] == 'timers.target'


def test_the_watch_service_runs_all_the_time_and_stops_with_sigterm():
    service = read_unit('commonscache-watch.service')
    assert service['Service']['Type'] == 'simple'
    assert 'pwb commonscache -always -watch:' in service['Service']['ExecStart']
    assert service['Service']['KillSignal'] == 'SIGTERM'
    assert service['Service']['Restart'] == 'on-failure'
    assert service['Install']['WantedBy'] == 'multi-user.target'


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path):
    assert shutil.which('systemd-analyze'), 'tests/run.sh installs systemd for this test'
    # verify also checks that ExecStart exists and the user is known: point both at ones
    # this machine has, leaving everything else as shipped.
    units = ('commonscache.service', 'commonscache.timer', 'commonscache-watch.service')
    for name in units:
        text = (DEPLOY / 'systemd' / name).read_text()
        text = text.replace('/srv/commonscache/venv/bin/pwb', shutil.which('true') or '/bin/true')
        text = re.sub(r'^(User|Group)=.*$', r'\1=root', text, flags=re.M)
        (tmp_path / name).write_text(text)
    result = subprocess.run(['systemd-analyze', 'verify',
                             *(str(tmp_path / name) for name in units)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def procfile() -> dict[str, str]:
    """The Procfile's process types → their commands."""
    lines = (DEPLOY.parent / 'Procfile').read_text().splitlines()
    return dict(line.split(': ', 1) for line in lines if line.strip())


@pytest.mark.parametrize('name', ['jobs-buildservice.yaml', 'jobs-buildservice-sharded.yaml'])
def test_the_build_service_jobs_run_the_procfiles_processes_with_the_tools_home(name):
    jobs = yaml.safe_load((DEPLOY / 'toolforge' / name).read_text())
    processes = procfile()
    for job in jobs:
        assert set(job) <= TOOLFORGE_FIELDS, set(job) - TOOLFORGE_FIELDS
        assert re.fullmatch(r'tool-([a-z0-9-]+)/tool-\1:latest', job['image']), job['image']
        assert job['command'] in processes, job['command']
        assert job['mount'] == 'all' and job.get('continuous') is True
    if 'sharded' in name:
        assert sorted(job['command'] for job in jobs) == [f'shard{k}' for k in range(1, 5)]


def test_the_procfile_processes_keep_pywikibot_in_the_tools_home():
    for process, command in procfile().items():
        assert command.startswith('PYWIKIBOT_DIR=$TOOL_DATA_DIR/.pywikibot commonscache '), \
            process
        # The state: scripts.ini says where (ToolsDB), else the Pywikibot directory.
        assert '-state' not in command and '-always' in command, process
    shards = [re.search(r'-shard:(\d)/4', c).group(1) for p, c in procfile().items()
              if p.startswith('shard')]
    assert sorted(shards) == ['1', '2', '3', '4']


