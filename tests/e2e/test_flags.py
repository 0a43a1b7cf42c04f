"""Flags that stay put, end to end: on a farm with ``sdc-conflict``, ``licence-changed``,
``name-taken`` and ``upload-refused`` flags open, every kind of run after the one that raised
them (plain, plain, -refresh, plain, -since:last) leaves the same review list and writes
nothing on the shared repository: a run that does not look at a flag's cause keeps it, and a
run that looks finds it still there."""
from __future__ import annotations

import json

import pytest

from devfarm import farm
from tests.conftest import run_cli
from tests.e2e.support import (
    DIAGRAM,
    POSTCARD,
    SHARED,
    SUNSET,
    WEBP,
    captions,
    draw,
    real_statements,
    shared_edits,
)
from tests.wikiclient import WikiClient

pytestmark = pytest.mark.e2e


def open_flags() -> list[dict[str, str]]:
    result = run_cli('-review', '-json', SHARED)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_open_flags_stay_through_every_kind_of_run_and_nothing_is_rewritten(farm_wikis,
                                                                            tmp_path):
    commons = WikiClient(farm_wikis['commons'], farm.ADMIN, farm.ADMIN_PASSWORD)
    shared_user = WikiClient(farm_wikis['shared'], farm.USER, farm.USER_PASSWORD)
    # The diagram's description says CC BY 4.0; M51090819's licence statement, CC BY-SA 2.0.
    farm.set_entity(farm_wikis['commons'], DIAGRAM, {
        'labels': captions(en='Three boxes'),
        'statements': real_statements('flickypedia-M51090819-v2.json', without=('P170',))})
    # A person takes the sunset's name with other bytes before the bot comes.
    shared_user.upload(SUNSET, draw(tmp_path, 'other.jpg', seed_value=5))
    assert run_cli(SHARED, '-always', '-setup').returncode == 0
    commons.edit(POSTCARD, text=commons.text(POSTCARD).replace('{{cc-by-4.0}}',
                                                               '{{cc-by-sa-4.0}}'))
    raised = run_cli(SHARED, '-always', '-refresh')
    assert raised.returncode == 0, raised.stderr
    flags = open_flags()
    assert sorted((f['reason'], f['title']) for f in flags) == [
        ('licence-changed', POSTCARD), ('name-taken', SUNSET), ('sdc-conflict', DIAGRAM),
        ('upload-refused', WEBP)]
    edits = shared_edits(farm_wikis['shared'])

    for run in [(), (), ('-refresh',), (), ('-since:last',)]:
        result = run_cli(SHARED, '-always', *run)
        assert result.returncode == 0, result.stderr
        assert open_flags() == flags, run
        assert shared_edits(farm_wikis['shared']) == edits, (run, result.stderr[-2000:])
