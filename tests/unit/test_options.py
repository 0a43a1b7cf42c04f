"""The options checked before any wiki is asked anything (commonscache/running/options.py): each bad
value is one UsageError naming the option; good values become the numbers a run uses."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from commonscache.errors import UsageError
from commonscache.running import options
from commonscache.wikis import limits

DEFAULTS = dict(byurl='auto', categories='existing', since='', uploads=2, budget=1024,
                farmbudget=10240, purgedelay=2.0, chunk=32, maxsize=0, watch='',
                apirate=limits.API_PER_MINUTE, maxrate='', groups='sysop',
                disputes='Delete|Copyvio', ondeleted='flag', copyrightreasons='Copyvio|F1')


def parsed(generator_args: list[str] | None = None, **changes: object) -> options.RunOptions:
    return options.parse(SimpleNamespace(**{**DEFAULTS, **changes}),
                         generator_args=generator_args or [])


def test_the_defaults_become_numbers():
    run = parsed()
    assert (run.uploads, run.chunk_bytes, run.max_bytes) == (2, 32 << 20, 0)
    assert (run.budget_bytes, run.purge_delay, run.poll) == (1024 << 20, 2.0, 0.0)
    assert run.farm_budget_bytes == 10240 << 20
    assert run.groups == frozenset({'sysop'})
    assert run.markers == ('Delete', 'Copyvio')
    assert (run.on_deleted, run.copyright_reasons) == ('flag', ('Copyvio', 'F1'))


def test_groups_by_comma_or_bar_and_watch_seconds():
    run = parsed(groups='sysop, bureaucrat|interface-admin', watch='30')
    assert run.groups == frozenset({'sysop', 'bureaucrat', 'interface-admin'})
    assert run.poll == 30.0


@pytest.mark.parametrize(('changes', 'message'), [
    ({'byurl': 'sometimes'}, '-byurl:sometimes is not one of auto, always, never'),
    ({'categories': 'some'}, '-categories:some is not one of existing, all, none'),
    ({'since': 'yesterday'}, '-since:yesterday is not understood; use -since:last'),
    ({'ondeleted': 'burn'}, '-ondeleted:burn is not one of flag, tag, delete'),
    ({'uploads': 'many'}, '-uploads:many is not a number of uploads at once'),
    ({'uploads': 0}, '-uploads:0 is not a number of uploads at once'),
    ({'budget': 'lots'}, '-budget:lots is not a number of MB a day'),
    ({'budget': -5}, '-budget:-5 is not a number of MB a day'),
    ({'farmbudget': 'lots'}, '-farmbudget:lots is not a number of MB a day'),
    ({'purgedelay': 'inf'}, '-purgedelay:inf is not a number of seconds'),
    ({'chunk': 'big'}, '-chunk:big is not a number of MB'),
    ({'maxsize': 'huge'}, '-maxsize:huge is not a number of MB'),
    ({'watch': '0'}, '-watch:0 is not a number of seconds between polls'),
    ({'watch': 'often'}, '-watch:often is not a number of seconds between polls'),
])
def test_each_bad_value_names_its_option(changes, message):
    with pytest.raises(UsageError, match='^' + message.replace('(', r'\(')):
        parsed(**changes)


def test_watch_takes_no_page_generator():
    with pytest.raises(UsageError, match='-watch follows the consumers'):
        parsed(['-cat:Foo'], watch='30')


@pytest.mark.parametrize(('value', 'titles'), [
    (['A', ' B ', ''], ['A', 'B']),
    ('A|B||C ', ['A', 'B', 'C']),
    ('', []),
    (None, []),
])
def test_split_titles(value, titles):
    assert options.split_titles(value) == titles
