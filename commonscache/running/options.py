"""The run's options, checked and turned into the numbers and sets the run uses: every
problem is a :class:`~commonscache.errors.UsageError` naming the option to fix, before any
wiki is asked anything. The options themselves (names, defaults, scripts.ini) are
:class:`commonscache.running.bot.CacheBot`'s, as Pywikibot merges them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from commonscache.control.operations import Signals
from commonscache.deciding.decisions import ON_DELETED
from commonscache.errors import UsageError
from commonscache.wikis import limits

BYURL_MODES = ('auto', 'always', 'never')
CATEGORY_MODES = ('existing', 'all', 'none')


@dataclass(frozen=True)
class RunContext:
    """What lives for the run beside its options, made by :func:`commonscache.running.cli.main`
    before anything else and handed to the bot: nothing of it is kept in a module.

    :ivar throttled: the run's 429 answers, counted by the session's hook (``wait_out_429s``)
    :ivar signals: the stop signals the run's handlers set (SIGTERM, Ctrl-C)
    """

    throttled: limits.Throttled = field(default_factory=limits.Throttled)
    signals: Signals = field(default_factory=Signals)


@dataclass(frozen=True)
class RunOptions:
    """:ivar poll: -watch's seconds between polls (0: not watching)
    :ivar groups: the user groups trusted to steer the bot (-groups)"""

    chunk_bytes: int
    max_bytes: int
    uploads: int
    budget_bytes: int
    farm_budget_bytes: int
    purge_delay: float
    poll: float
    policy: limits.Policy
    groups: frozenset[str]
    markers: tuple[str, ...]
    #: -ondeleted: what a source's deletion for copyright does to the copy
    on_deleted: str = 'flag'
    #: -copyrightreasons: the deletion comments that say copyright
    copyright_reasons: tuple[str, ...] = ()


def parse(opt: object, *, generator_args: list[str]) -> RunOptions:
    """*opt* (Pywikibot's merged options) checked; *generator_args*: the page generator's."""
    if str(opt.byurl) not in BYURL_MODES:
        raise UsageError(f'-byurl:{opt.byurl} is not one of {", ".join(BYURL_MODES)}')
    if opt.categories not in CATEGORY_MODES:
        raise UsageError(f'-categories:{opt.categories} is not one of '
                         f'{", ".join(CATEGORY_MODES)}')
    if opt.ondeleted not in ON_DELETED:
        raise UsageError(f'-ondeleted:{opt.ondeleted} is not one of {", ".join(ON_DELETED)}')
    if opt.since not in ('', 'last'):
        raise UsageError(f'-since:{opt.since} is not understood; use -since:last')
    uploads = _number(opt.uploads, int, 0)
    if uploads < 1:
        raise UsageError(f'-uploads:{opt.uploads} is not a number of uploads at once '
                         '(1 or more)')
    budget_bytes = int(_number(opt.budget, float, -1) * 1024 * 1024)
    if budget_bytes < 0:
        raise UsageError(f'-budget:{opt.budget} is not a number of MB a day (0: none)')
    farm_budget_bytes = int(_number(opt.farmbudget, float, -1) * 1024 * 1024)
    if farm_budget_bytes < 0:
        raise UsageError(f'-farmbudget:{opt.farmbudget} is not a number of MB a day '
                         '(0: none)')
    purge_delay = _number(opt.purgedelay, float, -1.0)
    if not 0 <= purge_delay < float('inf'):
        raise UsageError(f'-purgedelay:{opt.purgedelay} is not a number of seconds '
                         '(0 or more)')
    return RunOptions(
        chunk_bytes=_megabytes(opt.chunk, '-chunk'), max_bytes=_megabytes(opt.maxsize,
                                                                           '-maxsize'),
        uploads=uploads, budget_bytes=budget_bytes, farm_budget_bytes=farm_budget_bytes,
        purge_delay=purge_delay,
        poll=poll_interval(opt.watch, generator_args),
        policy=limits.Policy.from_options(apirate=opt.apirate, maxrate=opt.maxrate),
        groups=frozenset(split_titles(str(opt.groups).replace(',', '|'))),
        markers=tuple(split_titles(opt.disputes)), on_deleted=opt.ondeleted,
        copyright_reasons=tuple(split_titles(opt.copyrightreasons)))


def poll_interval(value: object, generator_args: list[str]) -> float:
    """-watch's seconds between polls (0: not watching)."""
    if value in ('', False, None):
        return 0.0
    seconds = _number(value, float, -1.0)
    if seconds <= 0:
        raise UsageError(f'-watch:{value} is not a number of seconds between polls')
    if generator_args:
        raise UsageError("-watch follows the consumers' recent changes; it takes no page "
                         'generator (run a sweep on its own)')
    return seconds


def split_titles(value: object) -> list[str]:
    """Titles given as a list (command line) or '|'-separated (scripts.ini)."""
    items = value if isinstance(value, list) else str(value or '').split('|')
    return [item.strip() for item in items if item.strip()]


def _megabytes(value: object, name: str) -> int:
    try:
        return int(float(value) * 1024 * 1024)
    except ValueError:
        raise UsageError(f'{name}:{value} is not a number of MB') from None


def _number(value: object, kind: type, otherwise: float) -> float:
    try:
        return kind(str(value))
    except ValueError:
        return otherwise
