"""Copy the Wikimedia Commons files that a wiki embeds into the farm's shared media repository.

The consumer wiki is Pywikibot's default site (-family/-lang or -site). For every file that
the chosen pages embed from Commons (or from any wiki with a Pywikibot family), the original
file and its description page are copied into the shared media repository under the same
name, with a provenance template, the attribution the licence requires, and links back to the
source. Once a file exists there, the consumer's readers are served from the shared copy.

Files already cached are recognised on the shared repository itself, so a rerun writes
nothing and downloads nothing. The bot never overwrites what it did not write: when the data
conflict, it does nothing and flags the file for review (name-taken, local-changed,
source-deleted, source-disputed, licence-changed, duplicate, was-deleted, upload-refused,
rules-blocked, description-unreadable, write-refused, source-corrupt for a source version
whose bytes never matched its sha1 in 3 runs, and sha1-mismatch for a copy whose bytes are
not those its provenance records).
A file whose structured data (captions, statements) contradicts its own description is
copied all the same, with its structured data, and flagged sdc-conflict.
Setting sync=no on a copy's provenance template detaches it from syncing.

Usage:

    python -m commonscache [global options] [options] [page generators]
    pwb.py commonscache [global options] [options] [page generators]

Options:

-shared:FAMILY:CODE  The shared media repository to write to. May instead be set in
                     scripts.ini, section [commonscache], option "shared = FAMILY:CODE".

-template:NAME       The provenance template (default: Cached Commons Media).

-interwiki:PREFIX    The shared repository's interwiki prefix for the source wiki, used for
                     links back to it (default: commons).

-byurl:MODE          How a file reaches the shared repository: auto (default) has the shared
                     repository fetch it from the source itself (MediaWiki's copy uploads)
                     when it allows the bot to, and streams it through the bot otherwise;
                     always only by URL; never only through the bot. What a fetch by URL
                     brings is checked against the source's sha1 before it is published.
                     In auto mode, files from a host held to a rate (-maxrate) go through
                     the bot, which keeps the rate.

-uploads:N           Files uploaded to the shared repository at once (default: 2).
                     Downloads from a source stay within its limits whatever N is.

-chunk:MB            Upload files larger than this many MB in chunks of this size (default:
                     32; 0: never). Every request streams from disk, so memory does not grow
                     with it; it must stay below the shared repository's PHP limits
                     (upload_max_filesize, post_max_size).

-maxsize:MB          Do not copy files larger than this many MB: they are flagged
                     upload-refused without being downloaded (default: the shared
                     repository's own upload limit).

-budget:MB           A day's budget (UTC) per consumer wiki for the files that edits newly
                     embed, as -since:last and -watch find them (default: 1024; 0: none).
                     Past it, files wait in the state file for a later day's first such
                     run, or for any sweep (page generators, requests, a plain run), which
                     no budget holds; the status page counts them.

-farmbudget:MB       The same, for the files that edits on all the consumer wikis together
                     newly embed (default: 10240; 0: none): one editor on each of many
                     wikis cannot fill the shared repository either. Kept per state (the
                     shards that share a database share it).

-state:WHERE         Where the state lives: a SQLite file (default: commonscache.sqlite
                     in the Pywikibot directory; each shard keeps its own beside it), or,
                     when one machine is not enough, a MariaDB/MySQL database that the
                     shards share: toolsdb:NAME (Toolforge's ToolsDB, database
                     USER__NAME) or mysql://HOST[:PORT]/DATABASE. The database is created
                     when missing.

-statecnf:PATH       The my.cnf file with the database's [client] user= and password=
                     (default: ~/replica.my.cnf, which Toolforge gives every tool);
                     credentials are never taken from the command line.

-setup               Create the provenance template page on the shared repository when it
                     is missing, and the review page; protect the control pages
                     (provenance template, rule, request and review pages: edit and move
                     sysop, create for a missing one) where the bot may; then go on with
                     the run.

-refresh             Re-check every cached copy (pages carrying the provenance template on
                     the shared repository) against its source, and update the bot's own
                     copies that the source changed. Alone, only that; with page
                     generators, a sweep as well.

-force:TITLE         Take the source version of this file anyway: overwrites a local change
                     and re-uploads a copy deleted on the shared repository. May be repeated.
                     Never overwrites a file the bot did not upload.

-disputes:T1|T2      The source templates that mark a file for deletion or dispute (default:
                     Delete|Speedydelete|Copyvio|No permission since|No license since|
                     No source since). Such files are flagged, not copied or updated.

-reviewpage:TITLE    The page on the shared repository that lists the open flags as a table
                     (default: Project:Cached Commons media/Review; empty: none).

-statuspage:TITLE    The page on the shared repository that shows what the copies save:
                     per consumer wiki, the files it gets from the shared repository and
                     the source lookups a view of its pages no longer makes; the copies'
                     files and bytes; flags by reason; the last runs (default:
                     Project:Cached Commons media/Status; empty: none). Rewritten at the
                     end of a run, and every 5 minutes in -watch, when it changed.

-status              Print the same figures (-json: as JSON) from the state file and the
                     wikis, and exit. Writes nothing.

-review              Print the open flags, one per line: REASON<TAB>File:Title<TAB>details.
                     With -json, a JSON array of {reason, title, details, since}. With
                     -closed, the flags that closed, the latest first: REASON<TAB>File:Title
                     <TAB>opened<TAB>closed<TAB>how<TAB>details (how: cause gone, a
                     reviewer's decision and who, -force). Reads only the state file
                     (-state, -shared to choose); writes nothing.

-deletetemplate:NAME The shared repository's deletion template, which a reviewer's
                     delete-copy puts on the copy where the bot may not delete (default:
                     Delete).

-ondeleted:WHAT      What the deletion of a source for copyright (its deletion comment names
                     one of -copyrightreasons) does to the copy: flag (default: the review
                     page lists it first, and each run warns), tag (the deletion template on
                     the copy at once), delete (the copy deleted at once where the bot has
                     the right, else tagged).

-copyrightreasons:R1|R2  Parts of a deletion comment that say copyright, without case
                     (default: Commons' copyright reasons: copyright violation, copyvio,
                     COM:CSD#F1 ... F6, No permission, No license, No source, Derivative
                     work, Non-free, License laundering, Fair use, COM:L, COM:DW, COM:FOP).

-rules:TITLE         The page on the shared repository with the description transfer rules,
                     in the CommonsHelper2 format that FileImporter reads (default:
                     Project:Cached Commons media/Rules; a missing page means no rules).

-rulesfile:PATH      Read the transfer rules from a local file instead.

-categories:MODE     Which source categories a copy keeps: existing (those that exist on the
                     shared repository; default), all, or none. The rules' Categories/Map
                     renames them first.

-tracking:NAME       The category every copy is put in (default: Cached Commons media;
                     empty: none).

-missing-templates   Print the templates and modules that cached pages use but the shared
                     repository lacks, with how many pages use each, most used first.
                     Reads only.

-since:last          Examine only the consumer pages created or edited since the last
                     completed -since:last run (recent changes; a watermark per consumer in
                     the state file). The first run examines the whole wiki; a run that does
                     not complete leaves the watermark where it was.

-watch[:SECONDS]     Run until stopped, following the consumers' recent changes: every
                     SECONDS (default: 30) one request per consumer asks what changed since
                     the last poll, and the files newly embedded are cached at once, their
                     pages purged. The watermark is kept in the state file as for
                     -since:last (the first poll ever examines the whole wiki). A wiki quiet
                     for 10 polls is polled half as often, then less, down to every 8th
                     interval and at least every 5 minutes; a change brings it back to
                     every interval. A wiki that
                     does not answer is waited out, longer after each failure (up to 10
                     minutes), and its changes are examined when it is back. SIGTERM ends
                     the run after the files in flight, with exit status 0. The review page
                     is rewritten at most every 5 minutes; reviewers' decisions are carried
                     out at the next poll. With -refresh, every cached copy
                     is re-checked at the start and then once a day.

-wikis:LIST          The consumer wikis: FAMILY:CODE items separated by commas, or FAMILY for
                     every code of a family. Files used on several are copied once. Page
                     generators apply to each. A wiki whose server takes no connections is
                     left out of the run with a warning.

-shard:K/N           Take only the consumer wikis of shard K of N (1 <= K <= N): dealt in
                     turn in the order of a hash of their names (FAMILY:CODE), so shards
                     differ by one wiki at most, the same on every run. Each
                     shard has its own state file and lock (NAME-shardKofN.sqlite beside
                     -state) and its own review page (the review page's subpage
                     "Shard K of N"), so N jobs run side by side; a file used in two shards
                     is copied once.

-nopurge             Do not purge the consumer pages that use newly cached files (by default
                     their parser cache is invalidated, so that their next view shows the
                     copy; nothing is parsed at purge time).

-purgedelay:SECONDS  Purge those pages no sooner than SECONDS after the last write of a
                     file they use (default: 2). MediaWiki compares a parse's time with the
                     page's purge in whole seconds, so a purge in the same second as the
                     write can keep a parse that still shows Commons' file. Give more than
                     a replica's lag, or than the consumers' ForeignAPIRepo
                     apiMetadataExpiry when they reach the shared repository by API; purges
                     due after more than a minute are left to a later run or poll.

-requests:TITLE      The page on the shared repository where admins request sweeps, one
                     line each ("* Category:Places" or "* Page title"; default:
                     Project:Cached Commons media/Requests; empty: none). Only lines added by
                     users in -groups count; the bot answers each on the page.

-groups:G1,G2        The user groups trusted to steer the bot (default: sysop): their
                     request lines and rule page revisions count, and only they may set
                     the run page back to "true".

-runpage:TITLE       The emergency-stop page (default: User:<bot>/Run). Unless it says
                     "true", the bot stops before its next write and exits 0; anyone may
                     stop it, but a "true" saved by someone outside -groups is ignored.
                     A run page that does not exist yet is created with "true" by the
                     first run that may write (not -simulate); one that was deleted stops
                     the bot.

-apirate:N           At most N API requests a minute to a source wiki where the bot is not
                     exempt from Wikimedia's limits (default: 200, Wikimedia's limit; 0: no
                     pacing). Logged in with the bot flag, or on Toolforge, it is exempt.

-maxrate:MBIT        Download originals at most this fast, per source host (default: 25 on
                     Wikimedia's hosts outside Wikimedia Cloud Services, as Wikimedia
                     requires, else unlimited; 0: unlimited). At most 2 downloads run at
                     once per host, each with a Referer.

-check               Verify the set-up and print what to fix, one line each; exit 0 when all
                     is well, 2 otherwise. Also tells the class of client the bot is in on
                     each source wiki, and what lifts its limits.

-always              Never ask for confirmation.

Pywikibot's global option -simulate writes nothing and prints what would be done.

Without a page generator, every file used anywhere on the consumer is examined. With one,
the files embedded on its pages are examined (galleries, templates and Media: links count),
and a File: page counts as its own file.

Exit status: 0 when the run completed (files flagged or skipped are not errors), when the
run page stopped it, or when another run holds the lock; 2 for a usage or configuration
error, with one line saying what to fix; 1 for a fatal error or an interruption.

Every option but -review, -status, -check and -missing-templates may also be set in
scripts.ini (section [commonscache]) under its name without the dash, e.g. "template =
Cached Commons Media", and -nopurge as "purge = false".

&params;
"""
from __future__ import annotations

import sys

import pywikibot
import requests
from pywikibot import pagegenerators
from pywikibot.bot import init_handlers, show_help

from commonscache.errors import UsageError
from commonscache.markup.wikitext import parsed_once
from commonscache.running import option_table
from commonscache.running.options import RunContext
from commonscache.running.sweep import note_interrupts
from commonscache.running.watch import DEFAULT_POLL, stop_on_sigterm
from commonscache.wikis.limits import wait_out_429s
from commonscache.wikis.pywikibot_compat import (
    configured_site_made_lazily,
    login_lines_to_log_files,
    renew_tokens_on_relogin,
    shorten_retry_tracebacks,
)
from commonscache.wikis.sites import configure_user_agent

docuReplacements = {'&params;': pagegenerators.parameterHelp}  # noqa: N816

def parse_options(args: list[str], factory: pagegenerators.GeneratorFactory
                  ) -> tuple[dict[str, str | bool | list[str]], list[str]]:
    """Split the script's own arguments into bot options and page generator arguments
    (checked by *factory*; the bot applies them to each consumer wiki).

    :raises UsageError: for an unknown option or a missing value
    """
    options: dict[str, str | bool | list[str]] = {}
    generator_args: list[str] = []
    unknown = []
    table = option_table.by_flag()
    for arg in args:
        name, sep, value = arg.partition(':')
        option = table.get(name)
        kind = option.kind if option else ''
        if kind == 'list':
            if not value:
                raise UsageError(f'{name} needs a value, e.g. {name}:File:Example.jpg')
            options.setdefault(option.key, []).append(value)
        elif kind == 'value':
            if not value and not option.empty:
                raise UsageError(f'{name} needs a value, e.g. {name}:VALUE')
            options[option.key] = value
        elif kind == 'optional':  # -watch: a switch with an optional value
            options[option.key] = value or f'{DEFAULT_POLL:g}'
        elif kind in ('switch', 'mode', 'pywikibot') and not sep:
            options[option.key] = True
        elif kind == 'negated' and not sep:
            options[option.key] = False
        elif name in option_table.STATUS_TAKES and not sep:
            options[name[1:]] = True
        elif factory.handle_arg(arg):
            generator_args.append(arg)
        else:
            unknown.append(arg)
    if unknown:
        raise UsageError(f'unknown option {" ".join(unknown)}; see -help for the options')
    return options, generator_args


def show_review(args: tuple[str, ...]) -> int:
    """``-review [-json] [-shared:FAMILY:CODE] [-state:PATH]``: print the open flags from the
    state file. Reads nothing from any wiki and writes nothing."""
    from pathlib import Path

    from commonscache.keeping import stores
    from commonscache.keeping.state import State, closed_flags
    from commonscache.publishing.review import as_json, as_lines, closed_as_json, closed_as_lines

    init_handlers()
    from commonscache.keeping.shards import Shard

    # scripts.ini first, as every other mode reads it (ConfigParserBot): the command line
    # then overrides it.
    ini = scripts_ini()
    state_path, state_cnf, shared = ini.get('state', ''), ini.get('statecnf', ''), \
        ini.get('shared', '')
    as_json_output, closed, shard = False, False, Shard.parse(ini.get('shard', ''))
    for arg in args:
        name, _, value = arg.partition(':')
        if name == '-state':
            state_path = value
        elif name == '-statecnf':
            state_cnf = value
        elif name == '-shard':
            shard = Shard.parse(value)
        elif name == '-shared':
            shared = value
        elif arg == '-json':
            as_json_output = True
        elif arg == '-closed':
            closed = True
        elif arg != '-review' and not arg.startswith(('-dir', '-config', '-site', '-family',
                                                      '-lang', '-code', '-user')):
            raise UsageError(f"-review takes only {', '.join(option_table.REVIEW_TAKES[:-1])} "
                             f'and {option_table.REVIEW_TAKES[-1]}, not {arg}')
    store = stores.parse(state_path, cnf=state_cnf, base_dir=Path(pywikibot.config.base_dir),
                         shard=shard)
    if store.path and not store.path.exists():
        raise UsageError(f'no state file at {store.path}; give -state:PATH')
    state = State(store.path or store.engine())
    # The state file names sites as Pywikibot prints them: FAMILY:CODE.
    if closed:
        ended = closed_flags(state, shared=shared or None)
        state.close()
        sys.stdout.write(closed_as_json(ended) + '\n' if as_json_output
                         else closed_as_lines(ended))
        return 0
    flags = state.flags(shared=shared or None)
    state.close()
    sys.stdout.write(as_json(flags) + '\n' if as_json_output else as_lines(flags))
    return 0


def scripts_ini() -> dict[str, str]:
    """The options of section ``[commonscache]`` of scripts.ini in the Pywikibot directory,
    as Pywikibot's ConfigParserBot reads them for a run ({} when there are none)."""
    import configparser
    from pathlib import Path

    parser = configparser.ConfigParser()
    parser.read(Path(pywikibot.config.base_dir, 'scripts.ini'), encoding='utf-8')
    return dict(parser['commonscache']) if parser.has_section('commonscache') else {}


def report_status(options: dict, *, as_json_output: bool) -> int:
    """``-status [-json]``: print what the status page shows, from the state file and the
    wikis (read only; the run lock is not taken)."""
    from commonscache.publishing import status
    from commonscache.running.bot import CacheBot

    bot = CacheBot(**options)
    bot.connect_for_reading()
    found = bot.read_status()
    bot.close()
    sys.stdout.write(status.as_json(found) + '\n' if as_json_output else status.as_lines(found))
    return 0


def report_missing_templates(options: dict) -> int:
    """``-missing-templates``: print what cached pages use that the shared repository
    lacks. Reads only."""
    from commonscache.publishing.report import as_lines, missing_templates
    from commonscache.running.bot import CacheBot
    from commonscache.wikis.sites import login_if_configured, site_from_spec

    settings = CacheBot(**options).opt  # scripts.ini and the command line, merged
    if not settings.shared:
        raise UsageError('no shared repository: give -shared:FAMILY:CODE, or set '
                         '"shared = FAMILY:CODE" in scripts.ini, section [commonscache]')
    shared = site_from_spec(str(settings.shared))
    login_if_configured(shared)
    sys.stdout.write(as_lines(missing_templates(shared, settings.template)))
    return 0


def config_site() -> str:
    return f'{pywikibot.config.family}:{pywikibot.config.mylang}'


def main(*args: str) -> int:
    """Run commonscache with command line *args*; return the exit status.

    :param args: command line arguments (default: sys.argv)
    """
    with parsed_once():  # each text the run reads is parsed once
        return _main(*args)


def _main(*args: str) -> int:
    configure_user_agent()
    requested = args or tuple(pywikibot.argvu[1:])
    if '-review' in requested:
        return show_review(requested)
    if '-help' in requested or '-help:global' in requested:
        # Before handle_args, which would connect to the default site first.
        init_handlers()
        show_help('commonscache.running.cli', show_global='-help:global' in requested)
        return 0
    shorten_retry_tracebacks()
    login_lines_to_log_files()
    renew_tokens_on_relogin()
    context = RunContext(throttled=wait_out_429s())
    try:
        with configured_site_made_lazily():
            local_args = pywikibot.handle_args(args)
    except (pywikibot.exceptions.Error, requests.exceptions.RequestException) as error:
        raise UsageError(f'cannot reach the consumer wiki {config_site()}: {error}') from None

    from commonscache.control.operations import EmergencyStop
    from commonscache.errors import AlreadyRunning, NothingToDo
    from commonscache.running.bot import CacheBot  # Site objects only after handle_args.

    try:
        options, generator_args = parse_options(local_args, pagegenerators.GeneratorFactory())
        if options.pop('missing_templates', False):
            return report_missing_templates(options)
        if options.pop('status', False):
            return report_status(options, as_json_output=bool(options.pop('json', False)))
        if options.pop('json', False):
            raise UsageError('-json goes with -review or -status')
        if options.pop('check', False):
            from commonscache.running.check import run_check

            return run_check(CacheBot(**options).opt)
        bot = CacheBot(generator_args=generator_args, context=context, **options)
        bot.prepare()
        if bot.poll:
            stop_on_sigterm(context.signals)
    except UsageError as error:
        pywikibot.error(str(error))
        return 2
    except (AlreadyRunning, EmergencyStop) as reason:
        pywikibot.info(str(reason))
        return 0
    except NothingToDo as reason:
        pywikibot.warning(str(reason))
        return 0
    note_interrupts(context.signals)  # a Ctrl-C from here on: no batch starts after it
    try:
        bot.run()
    except EmergencyStop as reason:
        pywikibot.info(str(reason))
        bot.completed = True  # stopped as asked: not a failure
    finally:
        bot.close()
    pywikibot.info(bot.summary())
    # Pywikibot ends an interrupted run quietly; cron and systemd should see it failed.
    return 0 if bot.completed else 1


def run() -> None:
    """Console entry point: exit with :func:`main`'s status, one-line errors for users."""
    try:
        status = main(*sys.argv[1:])
    except UsageError as error:
        pywikibot.error(str(error))
        status = 2
    except KeyboardInterrupt:
        pywikibot.error('interrupted')
        status = 1
    except Exception as error:  # noqa: BLE001 - a fatal error: logged in full, one line shown
        pywikibot.log('fatal error', exc_info=True)
        pywikibot.error(f'fatal: {type(error).__name__}: {error}')
        status = 1
    sys.exit(status)
