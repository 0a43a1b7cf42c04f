"""What one editor can make the farm store: a daily byte budget per consumer wiki, and one
for the whole farm (every consumer's new copies together, in the shared repository).

Files newly embedded by an edit (what ``-since:last`` and ``-watch`` find in the recent
changes) are copied while the consumer's budget for the day (UTC) lasts. The others wait:
they are kept in the state file, and copied by the first such run of a later day, or by any
sweep an admin runs (a page generator, a request, a plain run), which no budget holds.
Updates of copies the bot already holds never count: they store nothing new under a name.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from commonscache.datatypes import Verdict
from commonscache.deciding.flags import OVER_BUDGET

#: The default budget in MB a day per consumer (see README: a day of heavy editing on a
#: large wiki fits; a gallery of videos pasted in by one editor does not).
DEFAULT_MB = 1024
#: The default budget in MB a day for the farm: ten consumers' worth (0: none).
DEFAULT_FARM_MB = 10 * DEFAULT_MB


def farm_key(shared: str) -> str:
    """Under what name the state keeps the farm's bytes of a day (beside each consumer's)."""
    return f'farm {shared}'


def tightest(budgets: list[tuple[int, int, str, str]]) -> tuple[int, int, str, str]:
    """Of the day's budgets that hold (bytes left, the budget, whose, its option), the one
    with the least left (never below 0)."""
    left, limit, whose, option = min(budgets)
    return max(0, left), limit, whose, option


def today() -> str:
    """The budget's day: UTC, as ``YYYY-MM-DD``."""
    return datetime.now(UTC).strftime('%Y-%m-%d')


def within(verdicts: Mapping[str, Verdict], sizes: Mapping[str, int], *, left: int,
           limit: int, consumer: str, option: str = '-budget') -> dict[str, Verdict]:
    """*verdicts* with the new copies (``create``) that do not fit in the *left* bytes of
    the day's budget (*consumer*'s, or the farm's, set by *option*) turned into ``skip``
    (:data:`OVER_BUDGET`), in order; a copy that fits uses its bytes up. Everything else
    stays as it was."""
    whose = f'embedded on {consumer}' if option == '-budget' else f'of {consumer}'
    kept = {}
    for title, verdict in verdicts.items():
        size = sizes.get(title, 0)
        if verdict.action != 'create':
            kept[title] = verdict
        elif size <= left:
            kept[title] = verdict
            left -= size
        else:
            kept[title] = Verdict('skip', OVER_BUDGET, (
                f'{size:,} bytes would pass the daily budget of {limit:,} bytes for files '
                f'{whose} ({option}); copied on a later day, or by a sweep'))
    return kept
