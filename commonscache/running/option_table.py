"""Every option of commonscache once: how it is written, what it sets, its default, whether
scripts.ini may set it, and README's line for it. The bot's options (and so scripts.ini's
section ``[commonscache]``), the command line's parsing, ``-review``'s and README's option
table all come from :data:`TABLE`; tests hold ``-help`` (``cli.py``'s docstring) and README
to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from commonscache.deciding.decisions import COPYRIGHT_REASONS
from commonscache.keeping import budget, purges
from commonscache.reading.source import DISPUTE_TEMPLATES
from commonscache.wikis import limits
from commonscache.writing.provenance import TRACKING_CATEGORY

#: value: ``-name:VALUE``; list: repeatable, collected; switch: ``-name``; negated:
#: ``-noname`` turns a default-on setting off; optional: ``-name`` or ``-name:VALUE``;
#: mode: what the command does instead of a run (not a setting: not in scripts.ini);
#: pywikibot: Pywikibot's own bot option, listed for the reader.
Kind = Literal['value', 'list', 'switch', 'negated', 'optional', 'mode', 'pywikibot']


@dataclass(frozen=True)
class Option:
    """:ivar usage: as README and ``-help`` write it (``-shared:FAMILY:CODE``)
    :ivar default: the bot option's default (None for a mode)
    :ivar line: README's line
    :ivar empty: an empty value is allowed (it means "none")"""

    usage: str
    kind: Kind
    default: object
    line: str
    empty: bool = False

    @property
    def flag(self) -> str:
        """As typed: ``-shared``."""
        return re.match(r'-[a-z-]+', self.usage)[0]

    @property
    def key(self) -> str:
        """The bot option it sets, and scripts.ini's key for it: ``shared``; ``purge`` for
        ``-nopurge``."""
        name = self.flag[1:]
        return (name[2:] if self.kind == 'negated' else name).replace('-', '_')

    @property
    def in_scripts_ini(self) -> bool:
        return self.kind not in ('mode',)


TABLE: tuple[Option, ...] = (
    Option('-shared:FAMILY:CODE', 'value', '',
           'the shared media repository (or `shared` in scripts.ini); required'),
    Option('-template:NAME', 'value', 'Cached Commons Media',
           'the provenance template (default `Cached Commons Media`)'),
    Option('-interwiki:PREFIX', 'value', 'commons',
           "the shared repository's interwiki prefix for the source (default `commons`)"),
    Option('-byurl:MODE', 'value', 'auto',
           '`auto` (default): the shared repository fetches each file from the source itself '
           "(MediaWiki's copy uploads) where it lets the bot, else the bot streams it; `always`:"
           ' only by URL; `never`: only through the bot'),
    Option('-uploads:N', 'value', 2,
           'files uploaded to the shared repository at once (default 2); downloads stay within '
           "the source's limits whatever N is"),
    Option('-chunk:MB', 'value', 32,
           'upload files larger than this in chunks of this size (default 32; 0 never); every '
           'request is streamed from disk, so memory does not grow with it; keep it below the '
           "shared wiki's PHP `upload_max_filesize` and `post_max_size`"),
    Option('-maxsize:MB', 'value', 0,
           'do not copy files larger than this: flagged `upload-refused`, not downloaded '
           "(default: the shared repository's own upload limit)"),
    Option('-budget:MB', 'value', budget.DEFAULT_MB,
           "a day's budget (UTC) per consumer for the files edits newly embed, as `-since:last` "
           'and `-watch` find them (default 1024; 0: none); past it files wait for a later day '
           'or a sweep'),
    Option('-farmbudget:MB', 'value', budget.DEFAULT_FARM_MB,
           'the same for all the consumers together (default 10240; 0: none), beside each '
           "consumer's; kept per state, so shards that share a database share it"),
    Option('-state:WHERE', 'value', '',
           'the SQLite state file (default `commonscache.sqlite` in the Pywikibot directory), or'
           " a MariaDB/MySQL database the shards share: `toolsdb:NAME` (Toolforge's ToolsDB, "
           'database `USER__NAME`) or `mysql://HOST[:PORT]/DB`; created when missing'),
    Option('-statecnf:PATH', 'value', '',
           "the `my.cnf` with the database's `[client]` `user=` and `password=` (default "
           '`~/replica.my.cnf`); credentials are never taken from the command line'),
    Option('-setup', 'switch', False,
           'create the provenance template on the shared repository when it is missing, and '
           'protect the control pages (provenance template, rule page, request page, review '
           'page: edit and move `sysop`; create for one that is missing) where the bot may'),
    Option('-refresh', 'switch', False,
           're-check every cached copy against its source; alone, only that; with generators, a '
           'sweep too'),
    Option('-force:TITLE', 'list', '',
           'take the source version of this file anyway (repeatable); never for a file the bot '
           'did not upload'),
    Option('-disputes:T1|T2', 'value', '|'.join(DISPUTE_TEMPLATES),
           'source templates that flag a file instead of copying it (default '
           '`Delete|Speedydelete|Copyvio|No permission since|No license since|No source since`)'),
    Option('-reviewpage:TITLE', 'value', 'Project:Cached Commons media/Review',
           'the review page on the shared repository (default `Project:Cached Commons '
           'media/Review`; empty: none)',
           empty=True),
    Option('-review [-json] [-closed]', 'mode', None,
           'print the open flags from the state file (`-closed`: the flags that closed, when and'
           ' how); reads no wiki, writes nothing'),
    Option('-ondeleted:flag|tag|delete', 'value', 'flag',
           "what the source's deletion for copyright does to the copy: `flag` (default), `tag` "
           'it with `-deletetemplate` at once, or `delete` it at once where the bot has the '
           'right (else tag); see *Settling a flag on the wiki*'),
    Option('-copyrightreasons:R1|R2', 'value', '|'.join(COPYRIGHT_REASONS),
           "the parts of a deletion comment that say copyright, without case (default: Commons' "
           'copyright reasons and speedy criteria F1 to F6)'),
    Option('-deletetemplate:NAME', 'value', 'Delete',
           "the deletion template a reviewer's `delete-copy` puts on a copy where the bot may "
           'not delete (default `Delete`)'),
    Option('-statuspage:TITLE', 'value', 'Project:Cached Commons media/Status',
           'the status page on the shared repository: what the copies save each consumer, the '
           'copies, flags by reason, the files that wait, the last runs (default `Project:Cached'
           ' Commons media/Status`; empty: none)',
           empty=True),
    Option('-status [-json]', 'mode', None,
           "print the status page's figures (as JSON with `-json`) from the state and the wikis,"
           ' and exit; writes nothing'),
    Option('-rules:TITLE', 'value', 'Project:Cached Commons media/Rules',
           'the transfer rule page on the shared repository (default `Project:Cached Commons '
           'media/Rules`; missing: no rules)',
           empty=True),
    Option('-rulesfile:PATH', 'value', '',
           'read the transfer rules from a local file instead'),
    Option('-categories:MODE', 'value', 'existing',
           "keep the source's categories that `existing` on the shared repository (default), "
           '`all`, or `none`'),
    Option('-tracking:NAME', 'value', TRACKING_CATEGORY,
           'the category every copy goes in (default `Cached Commons media`; empty: none)',
           empty=True),
    Option('-since:last', 'value', '',
           'only the consumer pages changed since the last completed `-since:last` run (first '
           'run: the whole wiki)'),
    Option('-wikis:LIST', 'value', '',
           'consumer wikis, `FAMILY:CODE,FAMILY:CODE` or `FAMILY` (every code); files used on '
           'several are copied once'),
    Option('-shard:K/N', 'value', '',
           "this job's share of the consumer wikis, one of N jobs (see *Sharding a large farm*)"),
    Option('-watch[:SECONDS]', 'optional', '',
           "keep running and follow the consumers' recent changes, polling every SECONDS "
           '(default 30); SIGTERM ends it (see *Watch mode*)'),
    Option('-nopurge', 'negated', True,
           'do not purge the consumer pages that use newly cached files (a purge invalidates '
           'their parser cache; nothing is parsed at purge time)'),
    Option('-purgedelay:SECONDS', 'value', purges.PURGE_DELAY,
           'purge those pages no sooner than this after the last write of a file they use '
           "(default 2: a later second than the write; more for a replica's lag or the "
           "consumers' `apiMetadataExpiry`)"),
    Option('-requests:TITLE', 'value', 'Project:Cached Commons media/Requests',
           "the request page on the shared repository: sweeps and reviewers' decisions (default "
           '`Project:Cached Commons media/Requests`)',
           empty=True),
    Option('-groups:G1,G2', 'value', 'sysop',
           'the groups whose request lines and decisions count (default `sysop`)'),
    Option('-runpage:TITLE', 'value', '',
           'the emergency-stop page (default `User:<bot>/Run`); anything but `true` stops the '
           'bot, whoever writes it; only a member of `-groups` (or the bot) may set it back to '
           '`true`; the first run creates it'),
    Option('-apirate:N', 'value', limits.API_PER_MINUTE,
           'at most N API requests a minute to a source where the bot is not exempt (default '
           "200, Wikimedia's limit; 0: no pacing)"),
    Option('-maxrate:MBIT', 'value', '',
           "download originals at most this fast per source host (default 25 on Wikimedia's "
           'hosts outside Wikimedia Cloud Services, else unlimited; 0: unlimited)'),
    Option('-check', 'mode', None,
           'verify the set-up, one line per item (`ok` / `FIX`), exit 0 or 2; among them whether'
           ' the control pages are protected'),
    Option('-missing-templates', 'mode', None,
           'list the templates and modules cached pages use that the shared repository lacks, '
           'most used first'),
    Option('-always', 'pywikibot', None,
           'never ask'),
)
#: What ``-review`` takes beside itself (the state to read, and how to print).
REVIEW_TAKES = ('-json', '-closed', '-shared', '-shard', '-state', '-statecnf')
#: What ``-status`` takes beside the run's options.
STATUS_TAKES = ('-json',)
#: README's rows that are not options of commonscache.
README_EXTRA = (
    "| `-simulate` | Pywikibot's global option: write nothing, print what would be done |",
    '| page generators | `-cat`, `-catr`, `-page`, `-ns`, `-start`, `-recentchanges`, `-file`, '
    '`-search`, `-transcludes`, `-limit` … |',
)


def by_flag() -> dict[str, Option]:
    return {option.flag: option for option in TABLE}


def bot_options() -> dict[str, object]:
    """The bot's options and their defaults: what scripts.ini's ``[commonscache]`` may set
    (Pywikibot's ConfigParserBot reads each by its key)."""
    return {option.key: option.default for option in TABLE
            if option.kind not in ('mode', 'pywikibot')}


def readme_table() -> str:
    """README's option table, as it must read."""
    rows = ['| option | meaning |', '| --- | --- |']
    rows += [f"| `{option.usage.replace('|', chr(92) + '|')}` | "
             f"{option.line.replace('|', chr(92) + '|')} |" for option in TABLE]
    return '\n'.join([*rows, *README_EXTRA]) + '\n'
