"""The act stage: from a batch's verdicts to its outcomes, writing to the shared repository
(uploads, descriptions, redirects).

Uploads run in a small pool (``-uploads``, default 2): the main thread asks, checks the run
page and queues each write; a worker moves the file's bytes (by URL, or downloaded ahead
by :class:`commonscache.wikis.transfer.Prefetcher` and streamed from disk) and the main thread
finishes each as it lands, in the order they land. Downloads stay within the source's
limits whatever the pool's size: the prefetcher holds them to its slots and rate.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pywikibot
import requests
from pywikibot import config

from commonscache.control.operations import RunPage
from commonscache.datatypes import (
    Ahead,
    Decision,
    Outcome,
    Settings,
    SharedFile,
    Snapshot,
    SourceFile,
    Verdict,
    failed,
    flagged,
    skipped,
)
from commonscache.deciding.decisions import DELETE_COPY, agreement_for
from commonscache.deciding.reconcile import decide_alias
from commonscache.keeping.state import now
from commonscache.messages import msg
from commonscache.reading.target import detached_text
from commonscache.wikis import sites
from commonscache.wikis.transfer import ChecksumMismatch, DownloadError, Prefetcher
from commonscache.writing.describe import PageSettings, describe, escape_value
from commonscache.writing.pages import create_unless_taken, save_unless_edited
from commonscache.writing.upload import (
    FILE_REFUSED,
    CopyUploads,
    UploadApi,
    UploadOutcome,
    revert,
    upload_by_url,
    upload_file,
)


@dataclass
class Writer:
    """How the act stage writes: the run's options and the tools it writes with.

    :ivar confirm: asks the operator (Pywikibot's ``user_confirm``; True under -always)
    :ivar purge_later: called before each write with its title (see the bot's purge)
    :ivar tick: refreshes the progress line
    """

    settings: Settings
    run_page: RunPage
    confirm: Callable[[str], bool]
    purge_later: Callable[[str], None]
    prefetch: Prefetcher
    copy_uploads: CopyUploads
    uploads: int = 2
    chunk_bytes: int = 0
    tracking: str = ''
    tick: Callable[[], None] = lambda: None
    #: the shared repository's deletion template, for copies the bot may not delete
    delete_template: str = 'Delete'
    api: UploadApi | None = None
    pool: ThreadPoolExecutor | None = None
    said: set[str] = field(default_factory=set)

    def upload_api(self) -> UploadApi:
        if self.api is None:  # its token costs a request: not asked for in a run that writes none
            self.api = UploadApi(self.settings.shared)
        return self.api

    def workers(self) -> ThreadPoolExecutor:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=max(1, self.uploads),
                                           thread_name_prefix='upload')
        return self.pool

    def close(self) -> None:
        """Let the uploads in flight end, drop those queued, and the prefetcher's files."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.prefetch.close()


@dataclass(frozen=True)
class Job:
    """One file to copy: the worker's whole input."""

    title: str
    source: SourceFile
    text: str
    summary: str
    replace: bool
    by_url: bool
    #: how many changes commonscache made to the source's description
    changes: int = 0


@dataclass(frozen=True)
class Landed:
    """What a worker brings back: the upload's outcome, or the outcome that ended it."""

    job: Job
    upload: UploadOutcome | None = None
    ended: Outcome | None = None
    moved: int = 0
    note: str = ''


def act(snapshot: Snapshot, verdicts: dict[str, Verdict], ahead: Ahead, writer: Writer,
        available: set[str]) -> Iterator[Outcome]:
    """Carry out the verdicts, with what :func:`commonscache.reading.target.read_ahead`
    read for them (*ahead*): this stage writes and reads nothing of its own, but for the
    checks that go with a write (the run page, a page edited since the batch read it).
    Yield each title's outcome as it is known. Renamed names come last: their verdict
    waits for their canonical file's outcome, which the caller has recorded in *available*
    by then."""
    files = [t for t, v in verdicts.items()
             if v.action in ('create', 'update-file') and snapshot.sources[t]]
    page_settings = _page_settings(writer.settings, snapshot.source, ahead,
                                   tracking=writer.tracking)
    queued: dict[Future[Landed], tuple[Verdict, int]] = {}
    try:
        # Files first, the biggest first: the others land while a big one is on its way.
        for title in sorted(files, key=lambda t: -snapshot.sources[t].latest.size):
            source = snapshot.sources[title]
            job = _prepare(writer, title, verdicts[title], source, snapshot, page_settings)
            if isinstance(job, Outcome):
                yield job
                continue
            if not job.by_url:
                latest = source.latest
                writer.prefetch.plan(title, url=latest.url, sha1=latest.sha1, size=latest.size)
            writer.upload_api()  # its token, asked for here rather than in each worker
            queued[writer.workers().submit(_transfer, job, writer)] = (
                verdicts[title], snapshot.shared[title].revision)
        # Everything else while the workers move the bytes.
        for title in snapshot.order:
            if title in snapshot.renamed or title in files:
                continue
            verdict, source = verdicts[title], snapshot.sources[title]
            if verdict.action == 'update-description' and source:
                job = _prepare(writer, title, verdict, source, snapshot, page_settings)
                yield job if isinstance(job, Outcome) else guarded(
                    title, _finish, writer, None, job, verdict, snapshot.shared[title].revision)
            else:
                yield guarded(title, _without_writing, writer, title, verdict, source,
                              snapshot.shared[title], ahead)
            writer.tick()
        # The files as they land.
        while queued:
            done, _ = wait(queued, timeout=1, return_when=FIRST_COMPLETED)
            writer.tick()
            for future in done:
                verdict, revision = queued.pop(future)
                landed = future.result()
                yield guarded(landed.job.title, _finish, writer, landed, landed.job, verdict,
                              revision)
                writer.tick()
    finally:
        for future in queued:  # stopped early: the files not started wait for the next run
            future.cancel()
        wait(queued)
    for alias in (title for title in snapshot.order if title in snapshot.renamed):
        canonical = snapshot.renamed[alias]
        if canonical not in available:
            verdict = Verdict('skip', 'renamed', f'the source renamed it to {canonical}, which '
                              'is not on the shared repository yet')
        else:
            verdict = decide_alias(canonical, snapshot.shared[alias])
        yield guarded(alias, _without_writing, writer, alias, verdict, snapshot.sources[alias],
                      snapshot.shared[alias], ahead)


#: What a wiki raises when it did not answer, or answered with a server error: the write
#: is tried again (a retry, never a verdict).
UNANSWERED = (pywikibot.exceptions.ServerError, pywikibot.exceptions.ApiTimeoutError,
              pywikibot.exceptions.ClientError, requests.exceptions.RequestException)
#: The flag of a write the shared repository refused for one page (protection, spam
#: blacklist, AbuseFilter, title blacklist, size ...).
WRITE_REFUSED = 'write-refused'


def edited_since(title: str) -> Outcome:
    """The outcome of a save that did not happen: someone edited the page since the batch
    read it, and their edit stands."""
    return skipped(title, 'edit-race', 'someone edited the page during the run; the next '
                   'run decides again')


def guarded(title: str, step: Callable[..., Outcome], *args: object) -> Outcome:
    """``step(*args)``, the outcome for *title*; what the shared repository answers instead becomes
    that file's outcome, and the run goes on with the others: a refusal of this one page
    is flagged with the wiki's message, a wiki that did not answer is a failure tried
    again, and an edit conflict leaves the file to the next run."""
    try:
        return step(*args)
    except pywikibot.exceptions.EditConflictError:
        return edited_since(title)
    except UNANSWERED as error:
        return failed(title, 'upload-failed', f'{type(error).__name__}: {error}')
    except pywikibot.exceptions.Error as error:
        return flagged(title, WRITE_REFUSED, f'the shared repository refused the write: '
                       f'{type(error).__name__}: {error}')


def _without_writing(writer: Writer, title: str, verdict: Verdict, source: SourceFile | None,
                     shared: SharedFile, ahead: Ahead) -> Outcome:
    """A verdict that copies no file: what it says to do with the page, if anything."""
    if verdict.action in ('agree', 'detach', 'delete'):
        return _decided(writer, title, verdict, source, shared, ahead)
    if verdict.action == 'nothing':
        size = source.latest.size if source and verdict.reason == 'up-to-date' else 0
        return Outcome(title, 'nothing', verdict.reason, verdict.details, size=size)
    if verdict.action == 'flag':
        return flagged(title, verdict.reason, verdict.details,
                       sha1=source.latest.sha1 if source else '')
    if verdict.action == 'redirect':
        return _redirect(writer, title, verdict.details, shared)
    return skipped(title, verdict.reason, verdict.details)


def _prepare(writer: Writer, title: str, verdict: Verdict, source: SourceFile,
             snapshot: Snapshot, page_settings: PageSettings) -> Job | Outcome:
    """The page to write and the question to the operator; a job for the writing, or the
    outcome when there is none (simulated, declined)."""
    settings = writer.settings
    history = snapshot.source.base_url(
        snapshot.source.path() + '?' + urlencode({'title': source.title,
                                                  'action': 'history'}))
    page = describe(source, page_settings, history_url=history, retrieved=now())
    latest = source.latest
    verb = {'create': 'cache', 'update-file': 'update the file of',
            'update-description': 'update the description of'}[verdict.action]
    declined = _may_write(writer, title, f'{verb} {title} ({latest.size:,} bytes, sha1 '
                          f'{latest.sha1}) from {source.description_url}',
                          f'{verb.capitalize()} {title} from {snapshot.source}?')
    if declined:
        return declined
    if verdict.action != 'update-description':
        # A new description alone changes no consumer page: they show the file, and
        # its description page on the consumer is read from the shared repository.
        writer.purge_later(title)
    for change in page.changes:
        pywikibot.log(f'{title}: {change}')
    summary = msg(settings.shared, 'summary-copy', {
        'source': f'{settings.interwiki}:{source.title}', 'sha1': latest.sha1})
    return Job(title, source, page.text, summary, replace=verdict.action == 'update-file',
               by_url=verdict.action != 'update-description' and _by_url(writer, latest.url),
               changes=len(page.changes))


def _by_url(writer: Writer, url: str) -> bool:
    """Whether the shared repository is to fetch *url* itself; why not is logged once."""
    host = urlsplit(url).netloc
    policy = writer.prefetch.policy
    why_not = writer.copy_uploads.reason_not(
        host, paced=policy is not None and policy.host(url).pacer is not None)
    if why_not and why_not not in writer.said:
        writer.said.add(why_not)
        pywikibot.log(f'uploads by URL: not for files from {host}: {why_not}')
    return not why_not


def _transfer(job: Job, writer: Writer) -> Landed:
    """In a worker: :func:`_move`, with what Pywikibot and requests raise once their own
    retries are spent recorded as the file's failure; the run goes on with the others."""
    try:
        return _move(job, writer)
    except (pywikibot.exceptions.Error, requests.exceptions.RequestException) as error:
        return Landed(job, ended=failed(job.title, 'upload-failed',
                                        f'{type(error).__name__}: {error}'))


def _move(job: Job, writer: Writer) -> Landed:
    """In a worker: move the file's bytes to the shared repository, by URL when the shared
    repository may fetch them, else downloaded (checked against the sha1) and streamed.

    A version fetched by URL whose bytes are not the source's is never kept as the bot's
    copy: a new version of a copy is reverted to the one before; then the bot streams the
    file itself, over a new file's bad version. When the bot's own download does not match
    either, a new file is flagged ``sha1-mismatch`` for an admin to delete."""
    latest = job.source.latest
    api = writer.upload_api()
    note, bad = '', ''
    # A refusal may have come to light since the job was queued: then it is not tried.
    if job.by_url and _by_url(writer, latest.url):
        if writer.copy_uploads.mode == 'always' and writer.prefetch.policy:
            limit = writer.prefetch.policy.host(latest.url)
            if limit.pacer:  # the fetch is not ours to pace: its bytes count all the same
                limit.pacer.take(latest.size)
        outcome = upload_by_url(api, job.title, latest.url, sha1=latest.sha1, size=latest.size,
                                text=job.text, summary=job.summary, replace=job.replace)
        if outcome.status == 'url-refused' and outcome.code in FILE_REFUSED:
            return Landed(job, UploadOutcome('refused', details=outcome.details))
        if outcome.status == 'url-refused':
            note = writer.copy_uploads.refused(urlsplit(latest.url).netloc, outcome)
            if writer.copy_uploads.mode == 'always':
                return Landed(job, UploadOutcome('refused', details=outcome.details), note=note)
        elif outcome.status == 'uploaded' and outcome.sha1 != latest.sha1:
            bad = outcome.sha1
            reverted = job.replace and revert(api, job.title, bad_sha1=bad, summary=msg(
                writer.settings.shared, 'summary-revert', {'bad': bad, 'sha1': latest.sha1}))
            note = (f'{job.title}: the shared repository fetched bytes with sha1 {bad}, not '
                    f'the announced {latest.sha1}; ' + ('reverted, and ' if reverted else '')
                    + 'streamed by the bot instead')
        else:
            return Landed(job, outcome)
    try:
        path = writer.prefetch.take(job.title, url=latest.url, sha1=latest.sha1,
                                    size=latest.size)
    except ChecksumMismatch as error:
        if bad and not job.replace:
            return Landed(job, ended=flagged(
                job.title, 'sha1-mismatch', f'uploaded by URL with sha1 {bad}, not the '
                f"announced {latest.sha1}, and the bot's download did not match either: "
                "not the bot's copy; delete it", sha1=latest.sha1), note=note)
        # Counted per source version: the same version failing in CORRUPT_AFTER runs is
        # flagged instead of being fetched again and again.
        return Landed(job, ended=failed(job.title, 'source-sha1-mismatch', str(error),
                                        sha1=latest.sha1), note=note)
    except DownloadError as error:
        return Landed(job, ended=failed(job.title, 'download-failed', str(error)), note=note)
    try:
        outcome = upload_file(api, job.title, path, text=job.text, summary=job.summary,
                              chunk_size=writer.chunk_bytes, replace=job.replace or bool(bad))
    finally:
        path.unlink(missing_ok=True)
    return Landed(job, outcome, moved=latest.size, note=note)


def _finish(writer: Writer, landed: Landed | None, job: Job, verdict: Verdict,
            revision: int) -> Outcome:
    """On the main thread: what came of a job; the description page when the file needs
    one written after it."""
    title, latest = job.title, job.source.latest
    if landed is not None:
        if landed.note:
            pywikibot.warning(landed.note)
        if landed.ended:
            return landed.ended
        upload = landed.upload
        if upload.status == 'uploaded' and upload.sha1 != latest.sha1:
            return failed(title, 'sha1-mismatch', f'the shared repository stored sha1 '
                          f'{upload.sha1}, not {latest.sha1}')
        if upload.status not in ('uploaded', 'no-change'):
            return _not_uploaded(title, upload)
        if upload.status == 'no-change' and verdict.action == 'create':
            # Uploaded meanwhile by another job (a shard) or a person: the next run
            # decides about its page, as for any file found there.
            return Outcome(title, 'nothing', 'same-file', 'the same bytes were uploaded under '
                           'this name during the run')
    if verdict.action != 'create' and not save_unless_edited(
            writer.settings.shared, title, job.text, since=revision, summary=job.summary):
        return edited_since(title)
    kind = 'cached' if verdict.action == 'create' else 'updated'
    copied = latest.size if landed and landed.upload.status == 'uploaded' else 0
    changes = f"{job.changes} change{'' if job.changes == 1 else 's'} to the description"
    return Outcome(title, kind, details=changes,
                   sha1=latest.sha1, copied=copied, moved=landed.moved if landed else 0,
                   size=latest.size)


def _not_uploaded(title: str, outcome: UploadOutcome) -> Outcome:
    if outcome.status == 'refused':
        return flagged(title, 'upload-refused', outcome.details)
    reason = warning_reason(outcome.warnings)
    if reason == 'duplicate':
        return flagged(title, 'duplicate', f'identical to {", ".join(outcome.duplicates)} on '
                       f'the shared repository; {title} was not uploaded')
    if reason:
        return flagged(title, reason, outcome.details)
    return skipped(title, outcome.warnings[0] if outcome.warnings else 'upload-warning',
                   outcome.details)


def _may_write(writer: Writer, title: str, action: str, question: str) -> Outcome | None:
    """None to go on with a write; else the outcome: simulated (-simulate only says what it
    would do) or declined by the operator. Only while the run page allows it."""
    if config.simulate:
        pywikibot.info(f'would {action}')
        return Outcome(title, 'would cache')
    if not writer.confirm(question):
        return skipped(title, 'declined', 'the operator said no')
    writer.run_page.check()
    return None


def _decided(writer: Writer, title: str, verdict: Verdict, source: SourceFile | None,
             shared: SharedFile, ahead: Ahead) -> Outcome:
    """A reviewer's decision carried out (:mod:`commonscache.deciding.decisions`): the copy kept as
    agreed, detached (``sync=no``), or deleted (tagged with -deletetemplate where the bot
    may not delete); also -ondeleted's tag or deletion of a copy whose source was deleted
    for copyright."""
    settings = writer.settings
    # Without a reviewer's decision: -ondeleted's, for a source deleted for copyright.
    decision = settings.decisions.get(title) or Decision(
        title, DELETE_COPY, f'-ondeleted:{settings.on_deleted}', '')
    agreement = agreement_for(decision.word, source, by=decision.user, at=now())
    if verdict.action == 'agree':
        return Outcome(title, 'nothing', 'agreed', f'{decision.how}: the copy stays as it is '
                       f'until the source changes', agreement=agreement)
    site = settings.shared
    verb = 'detach' if verdict.action == 'detach' else 'delete'
    declined = _may_write(writer, title, f'{verb} {title}, as {decision.user} decided',
                          f'{verb.capitalize()} {title}?')
    if declined:
        return declined
    if verdict.action == 'detach':
        if not save_unless_edited(site, title, detached_text(shared.text, settings.template),
                                  since=shared.revision,
                                  summary=msg(site, 'summary-detach', {'user': decision.user})):
            return edited_since(title)
        return Outcome(title, 'nothing', 'detached', f'{decision.how}: sync=no')
    reason = (msg(site, 'summary-delete-copyright', {'details': verdict.details})
              if verdict.reason == 'copyright-deleted'
              else msg(site, 'summary-delete', {'user': decision.user}))
    writer.purge_later(title)  # the consumers fall back to the source, or show none
    if ahead.may_delete and not (verdict.reason == 'copyright-deleted'
                                 and settings.on_deleted == 'tag'):
        pywikibot.Page(site, title).delete(reason=reason, prompt=False)
        return Outcome(title, 'nothing', 'deleted-on-review', f'{decision.how}: deleted',
                       agreement=agreement)
    tagged = f'{{{{{writer.delete_template}|{escape_value(reason)}}}}}\n{shared.text}'
    if not save_unless_edited(site, title, tagged, since=shared.revision, summary=reason):
        return edited_since(title)
    return Outcome(title, 'nothing', 'tagged-for-deletion',
                   f'{decision.how}: tagged with {{{{{writer.delete_template}}}}}, the bot '
                   'may not delete', agreement=agreement)


def _redirect(writer: Writer, title: str, canonical: str, shared: SharedFile) -> Outcome:
    """Make *title* a redirect to the cached *canonical* file, as on the source: a page
    that stands under the name is replaced only while nobody but the bot edited it since
    the batch read it, and one that did not is created only while nobody else has."""
    declined = _may_write(writer, title, f'redirect {title} to {canonical}',
                          f'Redirect {title} to {canonical}?')
    if declined:
        return declined
    writer.purge_later(title)
    site = writer.settings.shared
    text = (f'#REDIRECT [[{canonical}]]\n'
            f'{{{{{writer.settings.template}|redirect={escape_value(canonical)}}}}}\n')
    summary = msg(site, 'summary-redirect', {'target': canonical})
    written = (save_unless_edited(site, title, text, since=shared.revision, summary=summary)
               if shared.page_exists else
               create_unless_taken(site, title, text, summary=summary))
    if not written:
        return edited_since(title)
    return Outcome(title, 'cached', details=f'redirect to {canonical}')


def _page_settings(settings: Settings, source_site: sites.Site, ahead: Ahead, *,
                   tracking: str) -> PageSettings:
    """What the pages about to be written take from the run and from the shared
    repository (read ahead)."""
    return PageSettings(settings.template, settings.interwiki, ahead.known_prefixes,
                        ahead.categories, settings.rules, source_site.lang, tracking,
                        wiki_language=settings.shared.lang)


#: Upload warnings that leave a file for a person, by the flag they raise.
WARNING_FLAGS = {'duplicate': 'duplicate', 'was-deleted': 'was-deleted',
                 'duplicate-archive': 'was-deleted', 'exists': 'name-taken',
                 'page-exists': 'name-taken', 'exists-normalized': 'name-taken'}


def warning_reason(warnings: tuple[str, ...]) -> str:
    """The flag that upload warnings raise ('' when none of them calls for a person)."""
    for code in warnings:
        if code in WARNING_FLAGS:
            return WARNING_FLAGS[code]
    return ''
