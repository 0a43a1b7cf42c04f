"""One batch's path, stage by stage, each a function of what the stage before returned:

    titles ─ locate ─> Located (groups of titles by source, and outcomes of those left)
           ─ read_group ─> Snapshot (both sides, and what the state file says)
           ─ judge ─> verdicts (pure: :func:`commonscache.deciding.reconcile.decide`)
           ─ read_ahead ─> Ahead (what the writes need: :mod:`commonscache.reading.target`)
           ─ act ─> outcomes (:mod:`commonscache.writing.writes`: writes only)
           ─ judged ─> outcomes marked with the flag causes they looked at

The stages named locate and read read the wikis and the state, in batches; judge and
judged read nothing; act writes. The sweep (:class:`commonscache.running.sweep.Sweep`)
runs the stages and records each outcome; nothing here records, counts or keeps state
between batches. What a stage needs arrives as arguments: :class:`Settings` (what the
run was told) and the run's memory of earlier batches (:class:`Memory`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import pywikibot
import requests

from commonscache.datatypes import (
    Group,
    Located,
    Outcome,
    Settings,
    SharedFile,
    Snapshot,
    SourceFile,
    Surveyed,
    Verdict,
    failed,
    flagged,
    skipped,
)
from commonscache.deciding import flags
from commonscache.deciding.decisions import KEEP_COPY, for_copyright, kept_as_it_stands
from commonscache.deciding.reconcile import CORRUPT_AFTER, decide, is_owned
from commonscache.keeping.state import State, ago, agreements, now
from commonscache.markup.sdc import conflict_details, contradictions
from commonscache.reading.detect import FileUse, Listings, classify, repository_urls, survey
from commonscache.reading.source import deletion_comment, read_sources
from commonscache.reading.target import read_shared
from commonscache.wikis import limits, sites


@dataclass
class Memory:
    """What the run has learnt in earlier batches.

    :ivar seen: titles examined already (a file used on several consumers is examined once)
    :ivar available: titles the shared repository holds as the bot's, or an identical, copy
    :ivar reach: the source wikis as found: which wiki each host is, and the hosts that
        did not answer (forgotten after each poll of a watch, and never kept longer)
    :ivar listings: what the consumers' listings told (:class:`~.detect.Listings`)
    """

    state: State | None
    seen: set[str] = field(default_factory=set)
    available: set[str] = field(default_factory=set)
    reach: sites.Reach = field(default_factory=sites.Reach)
    listings: Listings = field(default_factory=Listings)
    #: how the run paces each source (Wikimedia's limits by the client's class): shared by
    #: every thread of the run, so not part of the run's settings
    policy: limits.Policy | None = None

    def forget_poll(self) -> None:
        """What one poll of a watch learnt, forgotten before the next: a file embedded
        again is examined again, and a wiki that was down is asked again."""
        self.seen.clear()
        self.reach.forget_outages()


def refused_type(settings: Settings, title: str) -> str:
    """Why the shared repository refuses *title* for its type ('' when it does not)."""
    extension = title.rpartition('.')[2].lower()
    if settings.extensions and extension not in settings.extensions:
        return (f'the file type .{extension} is not allowed on {settings.shared} '
                f'(allowed: {", ".join(sorted(settings.extensions))})')
    return ''


def refusal(settings: Settings, title: str, size: int) -> str:
    """Why the shared repository would refuse the file, known without moving it."""
    by_type = refused_type(settings, title)
    if by_type:
        return by_type
    if settings.max_upload and size > settings.max_upload:
        return (f'{size:,} bytes is above the upload limit of {settings.shared} '
                f'({settings.max_upload:,})')
    if settings.max_bytes and size > settings.max_bytes:
        return (f'{size:,} bytes is above the configured maximum of {settings.max_bytes:,} '
                'bytes (-maxsize); not downloaded')
    if size == 0:
        return 'the source announces an empty file; MediaWiki refuses those'
    return ''


#: Outcomes whose cause only the source can take away: a file that had one waits, and is
#: read again when the run reads its source for other files anyway, when its last reading
#: is :data:`RECHECK_AFTER` old (:func:`due_again`), and at every -refresh.
UPSTREAM = ('missing-everywhere', 'source-missing', 'source-disputed')
#: Outcomes of a wiki that did not answer: never a verdict, read again at every run.
UNANSWERED = ('source-unreachable',)
#: Failures that come from a wiki not answering: a watch tries the file again in a later
#: poll (:class:`commonscache.running.watch.Retries`), a run at its next start.
RETRYABLE = frozenset({*UNANSWERED, 'upload-failed'})
#: Every outcome a file waits in for something outside the bot (the budget's own waits
#: are kept apart: :mod:`commonscache.keeping.budget`).
WAITING = (*UPSTREAM, *UNANSWERED)
#: A file that waits for its source is read again at least this often (seconds).
RECHECK_AFTER = 86400.0
#: Outcomes that keep a file from being read again within :data:`RECHECK_AFTER`, when
#: nothing else needs its source: the waits, and a refusal by the shared repository (a file
#: too large for it), so that an editor who embeds such files again and again costs a read
#: a day, not one at every edit.
HELD = (*UPSTREAM, 'upload-refused')


def due_again(reason: str, last_read: str, *, day_ago: str) -> bool:
    """Whether a file that waits with *reason*, last read at *last_read*, is read again now
    (*day_ago*: the time :data:`RECHECK_AFTER` ago; times as the state writes them, which
    compare as text): an unanswered read always, a verdict of the source's once it is that
    old."""
    return reason in UNANSWERED or last_read <= day_ago


def waits_due(state: State, settings: Settings, seen: set[str]) -> list[str]:
    """The files that wait for their source (:data:`WAITING`) and are due to be read again
    (:func:`due_again`; every one of them with -refresh), but those examined already
    (*seen*)."""
    waiting = state.waiting_upstream(shared=str(settings.shared), reasons=WAITING)
    day_ago = ago(RECHECK_AFTER)
    return [title for title, (_, reason, _, _, last) in waiting.items()
            if title not in seen
            and (settings.recheck_all or due_again(reason, last, day_ago=day_ago))]


# --- locate: titles → groups by source --------------------------------------------------------

def locate(consumer: sites.Site, titles: list[str], settings: Settings,
           memory: Memory) -> Located:
    """Where the consumer gets each file: from its own survey and direct reads of the shared
    repository and the sources when its repositories are known wikis with the shared
    repository first (see :mod:`commonscache.reading.detect`), else as the consumer classifies
    them."""
    surveyed = survey_batch(consumer, titles, settings, memory)
    if surveyed is None:
        return locate_classified(consumer, titles, settings, memory)
    return locate_surveyed(surveyed, settings, memory)


def survey_batch(consumer: sites.Site, titles: list[str], settings: Settings,
                 memory: Memory) -> Surveyed | None:
    """The consumer's own files among *titles* set aside; None when the consumer must
    classify them itself (its repositories are not known wikis with the shared repository
    first). Surveyed batches of consumers with the same repositories can be located as one
    (:meth:`Surveyed.add`): a farm of small wikis then costs the shared repository and the
    sources what one large wiki does."""
    found = survey(consumer, titles, memory.listings)
    if found is None or not found.repositories or \
            not sites.is_on(settings.shared, found.repositories[0]):
        return None
    surveyed = Surveyed(found.repositories, examined=len(titles))
    for title in titles:
        if title in found.local:
            surveyed.outcomes.append(skipped(title, 'local-file', 'the consumer has it as local'))
        else:
            surveyed.titles.append(title)
    return surveyed


def locate_surveyed(surveyed: Surveyed, settings: Settings, memory: Memory) -> Located:
    """Where the surveyed files are: on the shared repository, on a source (in the
    consumers' lookup order), or nowhere."""
    located = Located(examined=surveyed.examined, outcomes=list(surveyed.outcomes))
    rest = surveyed.titles
    shared = read_shared(settings.shared, rest, template=settings.template,
                         ride=settings.run_page)
    located.run_page = shared.pop(settings.run_page, None)
    on_shared = [t for t in rest if shared[t].file_exists or shared[t].redirect_to]
    remaining = [t for t in rest if t not in on_shared and not refused_type(settings, t)]
    # Its type tells: no need to read the source (a reviewer may have agreed to that).
    located.outcomes += _refused_by_type(
        [t for t in rest if t not in on_shared and t not in remaining], shared, settings,
        memory)
    remaining, waiting = _not_waiting(remaining, settings, memory)
    if remaining:  # the source is read anyway: the waiting files are read with the others
        remaining += [outcome.title for outcome in waiting]
    else:
        located.outcomes += waiting
    sources = [url for url in surveyed.repositories if not sites.is_on(settings.shared, url)]
    _find_on_sources(sources, remaining, shared, settings, memory, located)
    if on_shared:
        _locate_on_shared(on_shared, {t: shared[t] for t in on_shared}, settings, memory,
                          located)
    return located


def _find_on_sources(repositories: list[str], titles: list[str],
                     shared: dict[str, SharedFile], settings: Settings, memory: Memory,
                     located: Located) -> None:
    """Read *titles* from each of *repositories* in turn (the consumer's lookup order), each
    one batched read: those found go into a group of their source, with what the shared
    repository holds under their names (*shared*). A title none of them has is
    ``missing-everywhere`` only when each answered; a repository that did not answer leaves
    the titles it was to be asked about ``source-unreachable``, to be read again."""
    remaining = titles
    for url in repositories:
        if not remaining:
            break
        try:
            source_site = sites.source_site(url, memory.reach)
        except sites.SourceUnreachable as error:
            located.outcomes += [failed(t, 'source-unreachable', f'cannot read {url}: {error}')
                                 for t in remaining]
            return
        if source_site is None:
            located.outcomes += [skipped(t, 'unknown-source', f'no Pywikibot family knows {url}')
                                 for t in remaining]
            return
        sources = read_source_files(source_site, remaining, settings, memory)
        if isinstance(sources, str):
            located.outcomes += [failed(t, 'source-unreachable', f'cannot read {url}: {sources}')
                                 for t in remaining]
            return
        here = [title for title in remaining if sources[title]]
        if here:
            located.groups.append(Group(source_site, here, {t: shared[t] for t in here},
                                        {t: sources[t] for t in here}))
        remaining = [title for title in remaining if not sources[title]]
    # No repository of the consumer has them, by their own answers.
    located.outcomes += [skipped(t, 'missing-everywhere',
                                 'not on the shared repository nor on any source the consumer '
                                 'uses, each asked directly') for t in remaining]


def _refused_by_type(titles: list[str], shared: dict[str, SharedFile], settings: Settings,
                     memory: Memory) -> list[Outcome]:
    """The outcomes of files whose type the shared repository refuses: flagged, but where
    a reviewer's keep-copy stands (:func:`commonscache.deciding.reconcile.decide`)."""
    agreed = agreements(memory.state, shared=str(settings.shared), titles=titles) \
        if memory.state and titles else {}
    outcomes = []
    for title in titles:
        verdict = decide(None, shared[title], bot='', agreed=agreed[title]) \
            if title in agreed else None
        if verdict is not None and verdict.action == 'nothing':
            outcomes.append(Outcome(title, 'nothing', verdict.reason, verdict.details,
                                    examined=flags.judged('nothing', conflict=False)))
        else:
            outcomes.append(flagged(title, 'upload-refused', refused_type(settings, title)))
    return outcomes


def _not_waiting(titles: list[str], settings: Settings, memory: Memory
                 ) -> tuple[list[str], list[Outcome]]:
    """*titles* but those that wait for their source and were read within the last
    :data:`RECHECK_AFTER` (see :data:`UPSTREAM`; none with -refresh), and the outcomes
    those keep meanwhile."""
    if not memory.state or not titles or settings.recheck_all:
        return titles, []
    waiting = memory.state.waiting_upstream(shared=str(settings.shared), reasons=HELD,
                                            titles=titles)
    day_ago = ago(RECHECK_AFTER)
    kept = [Outcome(title, outcome, reason, details)
            for title, (outcome, reason, details, _, last_read) in waiting.items()
            if not due_again(reason, last_read, day_ago=day_ago)]
    held = {outcome.title for outcome in kept}
    return [title for title in titles if title not in held], kept


def locate_classified(consumer: sites.Site, titles: list[str], settings: Settings,
                      memory: Memory) -> Located:
    """:func:`locate` by the consumer's own classification (``prop=imageinfo``).

    What the consumer calls missing is not taken on its word: while a repository of its
    was down, it calls that repository's files missing. Those files are looked for as
    surveyed files are, on the shared repository and on each source the consumer lists
    (:func:`locate_surveyed`), so that a source that does not answer leaves them
    ``source-unreachable``, to be read again, never ``missing-everywhere``."""
    located = Located()
    foreign: dict[sites.Site | None, list[FileUse]] = defaultdict(list)
    on_shared, missing = [], []
    for used in classify(consumer, settings.shared, titles):
        located.examined += 1
        if used.where == 'foreign':
            try:
                foreign[sites.source_site(used.description_url, memory.reach)].append(used)
            except sites.SourceUnreachable as error:
                located.outcomes.append(failed(used.title, 'source-unreachable', str(error)))
        elif used.where == 'shared':
            on_shared.append(used.title)
        elif used.where == 'missing':
            missing.append(used.title)
        else:
            located.outcomes.append(skipped(used.title, 'local-file',
                                            'the consumer has it as local'))
    for source_site, files in foreign.items():
        if source_site is None:
            located.outcomes += [skipped(used.title, 'unknown-source',
                                         f'no Pywikibot family knows {used.description_url}')
                                 for used in files]
        else:
            located.groups.append(Group(source_site, [used.title for used in files]))
    if on_shared:
        shared = read_shared(settings.shared, on_shared, template=settings.template,
                             ride=settings.run_page)
        located.run_page = shared.pop(settings.run_page, None)
        _locate_on_shared(on_shared, shared, settings, memory, located)
    if missing:
        _locate_missing(consumer, missing, settings, memory, located)
    return located


def _locate_missing(consumer: sites.Site, titles: list[str], settings: Settings,
                    memory: Memory, located: Located) -> None:
    """The files the consumer calls missing, looked for directly (see
    :func:`locate_classified`); on the consumer's word alone only when it names no
    repository the bot can read."""
    repositories = [url for url in repository_urls(consumer, memory.listings) if url]
    if not repositories:
        located.outcomes += [skipped(t, 'missing-everywhere', 'the consumer has it as missing, '
                                     'and names no repository to ask directly')
                             for t in titles]
        return
    found = locate_surveyed(Surveyed(tuple(repositories), titles=titles), settings, memory)
    located.groups += found.groups
    located.outcomes += found.outcomes
    located.run_page = located.run_page or found.run_page


def _locate_on_shared(titles: list[str], shared: dict[str, SharedFile], settings: Settings,
                      memory: Memory, located: Located) -> None:
    """Files the consumer already finds on the shared repository: the bot's copies are up to
    date as far as a sweep goes (-refresh compares them with their sources); any other file
    there is compared with the source, so that a name taken by a different file is flagged."""
    others = []
    for title in titles:
        if is_owned(shared[title]) or (shared[title].redirect_to and shared[title].provenance):
            # The source is not read: flags about it stay as they are.
            located.outcomes.append(Outcome(title, 'nothing', 'up-to-date',
                                            size=shared[title].size,
                                            examined=flags.ON_SHARED))
        else:
            others.append(title)
    if not others:
        return
    try:
        source_site = sites.interwiki_site(settings.shared, settings.interwiki, memory.reach)
    except sites.SourceUnreachable as error:
        located.outcomes += [failed(t, 'source-unreachable', str(error)) for t in others]
        return
    if source_site is None:
        located.outcomes += [Outcome(t, 'nothing', 'shared-only', 'no source wiki to compare '
                                     f'with: the interwiki prefix {settings.interwiki!r} is '
                                     'unknown') for t in others]
    else:
        located.groups.append(Group(source_site, others, {t: shared[t] for t in others}))


def locate_copies(titles: list[str], settings: Settings, memory: Memory) -> Located:
    """-refresh: the cached copies by the source their provenance template names."""
    shared = read_shared(settings.shared, titles, template=settings.template,
                         ride=settings.run_page)
    located = Located(examined=len(titles), run_page=shared.pop(settings.run_page, None))
    by_source: dict[sites.Site | None, list[str]] = defaultdict(list)
    for title in titles:
        decided = settings.decisions.get(title)
        if decided and decided.word == KEEP_COPY and not shared[title].provenance:
            # No copy of the bot's, so no source to read: the page as it stands is agreed.
            located.outcomes.append(kept_as_it_stands(decided, shared[title], at=now()))
            continue
        if shared[title].redirect_to:  # a renamed name: it holds no file of its own
            located.outcomes.append(Outcome(title, 'nothing', 'up-to-date',
                                            f'redirects to {shared[title].redirect_to}',
                                            examined=flags.ON_SHARED))
            continue
        try:
            by_source[sites.source_site(shared[title].provenance.get('source', ''),
                                        memory.reach)].append(title)
        except sites.SourceUnreachable as error:
            located.outcomes.append(failed(title, 'source-unreachable', str(error)))
    for source_site, group in by_source.items():
        if source_site is None:
            located.outcomes += [skipped(t, 'unknown-source', 'no Pywikibot family knows the '
                                         f"source URL {shared[t].provenance.get('source', '')!r}")
                                 for t in group]
        else:
            located.groups.append(Group(source_site, group, {t: shared[t] for t in group}))
    return located


def read_source_files(source_site: sites.Site, titles: list[str], settings: Settings,
                      memory: Memory) -> dict[str, SourceFile | None] | str:
    """What the source holds under *titles*, or why it did not answer (Pywikibot has retried
    already; the titles wait to be read again). A source that did not answer is not asked
    again while the run's (or the poll's) memory lasts: each try costs Pywikibot's retries."""
    host = sites.host_of(sites.api_url(source_site))
    if host in memory.reach.down:
        return memory.reach.down[host]
    try:
        sites.login_if_configured(source_site)  # a bot account reads 500 titles a request
        if memory.policy:  # paced as the source limits clients of its class
            memory.policy.apply(source_site)
        return read_sources(source_site, titles, settings.markers)
    except (pywikibot.exceptions.Error, requests.exceptions.RequestException) as error:
        memory.reach.down[host] = str(error)
        return str(error)


# --- read: a group → both sides --------------------------------------------------------------

def read_group(group: Group, settings: Settings, memory: Memory) -> Snapshot | list[Outcome]:
    """Read what the group still lacks: the sources (one request per batch), the shared
    repository under every name involved, the state file; outcomes instead when the source
    did not answer."""
    sources = group.sources
    if sources is None:
        sources = read_source_files(group.source, group.titles, settings, memory)
        if isinstance(sources, str):
            return [failed(t, 'source-unreachable', f'cannot read {group.source}: {sources}')
                    for t in group.titles]
    sources = dict(sources)  # renamed files add their canonical names below
    # Names the source has renamed: the file goes under its canonical name.
    renamed = {title: found.title for title, found in sources.items()
               if found and found.title != title}
    canonicals = [name for name in dict.fromkeys(renamed.values())
                  if name not in sources and name not in memory.seen]
    for alias, name in renamed.items():
        if name in canonicals:
            sources[name] = sources[alias]
    # Canonical files handled before this batch (in an earlier batch or run) are looked up
    # on the shared repository with the rest: a redirect may point at them now.
    elsewhere = [name for name in dict.fromkeys(renamed.values())
                 if name not in sources and name not in memory.available]
    unread = [title for title in dict.fromkeys([*group.titles, *canonicals, *elsewhere])
              if title not in group.shared]
    read = read_shared(settings.shared, unread, template=settings.template,
                       ride=settings.run_page)
    run_page = read.pop(settings.run_page, None)
    shared = {**group.shared, **read}
    also = frozenset(name for alias, name in renamed.items()
                     if name in elsewhere and shared[name].sha1 == sources[alias].latest.sha1)
    order = [*canonicals, *group.titles]
    key = str(settings.shared)
    state = memory.state
    was_cached = state.was_cached(shared=key, titles=order) if state else set()
    corrupt = state.corrupt_sources(shared=key, after=CORRUPT_AFTER, titles=order) \
        if state else {}
    deletions = {title: deletion_comment(group.source, title) for title in order
                 if title not in renamed and sources[title] is None
                 and shared[title].provenance}
    agreed = agreements(state, shared=key, titles=order) if state else {}
    return Snapshot(group.source, order, sources, shared, renamed, canonicals, also,
                    frozenset(was_cached), corrupt, deletions, run_page, agreed)


# --- judge: both sides → verdicts (pure) -----------------------------------------------------

def source_conflicts(snapshot: Snapshot) -> dict[str, str]:
    """title → the ``sdc-conflict`` details of each source whose structured data contradicts
    its description (see :func:`commonscache.markup.sdc.contradictions`)."""
    found = {}
    for title in snapshot.order:
        source = snapshot.sources[title]
        if title in snapshot.renamed or not source or not source.entity:
            continue
        contradicted = contradictions(source.entity, licences=(*source.licences, source.licence),
                                      author=source.author,
                                      author_stated=not source.author_is_uploader)
        if contradicted:
            found[title] = conflict_details(contradicted, entity=source.entity)
    return found


def judged(outcome: Outcome, conflicts: dict[str, str]) -> list[Outcome]:
    """A judged file's outcome, marked with the flag causes it looked at
    (:func:`commonscache.deciding.flags.judged`), and the ``sdc-conflict`` flag that follows it when
    its source contradicts itself and the copy is the bot's: the file is still copied (the
    description is what Commons shows), and the flag stays, beside the outcome, until a run
    that reads the source finds it agreeing."""
    details = conflicts.get(outcome.title, '')
    carried = outcome.kind in ('cached', 'updated', 'would cache') or (
        outcome.kind == 'nothing' and outcome.reason == 'up-to-date')
    conflict = bool(details) and carried
    marked = replace(outcome, examined=flags.judged(outcome.kind, conflict=conflict))
    if not conflict:
        return [marked]
    return [marked, flagged(outcome.title, flags.SDC_CONFLICT, details, outcome.sha1)]


def judge(snapshot: Snapshot, settings: Settings, *, bot: str) -> dict[str, Verdict]:
    """The verdict for every title but the renamed names (those wait for their canonical
    file's outcome, see :func:`commonscache.writing.writes.act`)."""
    verdicts = {}
    for title in snapshot.order:
        if title in snapshot.renamed:
            continue
        source = snapshot.sources[title]
        verdict = decide(
            source, snapshot.shared[title], bot=bot, was_cached=title in snapshot.was_cached,
            force=title in settings.forced, deletion=snapshot.deletions.get(title, ''),
            blocked=settings.rules.blocking(source.text) if source else '',
            # the state's count is for one version: a new one is fetched again
            corrupt=bool(source and snapshot.corrupt.get(title) == source.latest.sha1),
            decision=decided.word if (decided := settings.decisions.get(title)) else '',
            agreed=snapshot.agreements.get(title), on_deleted=settings.on_deleted,
            copyright=for_copyright(snapshot.deletions.get(title, ''),
                                    settings.copyright_reasons))
        refused = refusal(settings, title, source.latest.size) \
            if source and verdict.action in ('create', 'update-file') else ''
        verdicts[title] = Verdict('flag', 'upload-refused', refused) if refused else verdict
    return verdicts
