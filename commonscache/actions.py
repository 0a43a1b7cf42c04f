"""Acting on verdicts: writing to the shared repository (uploads, descriptions, redirects,
the review page), and recording every file's outcome in the counters, the log and the state.

A mixin of :class:`commonscache.bot.CacheBot`, which provides the run's state: the shared
repository, the options, the state file, the run page and the counters.
"""
from __future__ import annotations

from urllib.parse import urlencode

import pywikibot
from pywikibot import config

from commonscache import sites
from commonscache.describe import PageSettings, describe, escape_value
from commonscache.reconcile import WRITES, Verdict
from commonscache.review import as_wikitable
from commonscache.source import SourceFile
from commonscache.state import now
from commonscache.target import SharedFile
from commonscache.transfer import ChecksumMismatch, DownloadError, upload


class ActionsMixin:
    """Write what a verdict says, and record what came of it."""


    def _act(self, title: str, verdict: Verdict, source: SourceFile | None,
             shared: SharedFile, source_site: sites.Site, settings: PageSettings) -> None:
        if verdict.action == 'nothing':
            self.counter['up to date'] += 1
            self._record(title, 'nothing', verdict.reason, verdict.details)
        elif verdict.action == 'skip':
            self._skip(title, verdict.reason, verdict.details)
        elif verdict.action == 'flag':
            self._flag(title, verdict.reason, verdict.details,
                       sha1=source.latest.sha1 if source else '')
        elif verdict.action == 'redirect':
            self._redirect(title, verdict.details)
        elif verdict.action in WRITES:
            assert source is not None
            self._write(title, verdict, source, source_site, shared.revision, settings)

    def _write(self, title: str, verdict: Verdict, source: SourceFile, source_site: sites.Site,
               revision: int, settings: PageSettings) -> None:
        """Create the cached copy, or bring the bot's own copy up to date."""
        interwiki = self.opt.interwiki
        history = source_site.base_url(
            source_site.path() + '?' + urlencode({'title': source.title, 'action': 'history'}))
        page = describe(source, settings, history_url=history, retrieved=now())
        latest = source.latest
        verb = {'create': 'cache', 'update-file': 'update the file of',
                'update-description': 'update the description of'}[verdict.action]
        if verdict.action != 'update-description':
            refusal = self._refusal(title, latest.size)
            if refusal:
                self._flag(title, 'upload-refused', refusal)
                return
        if not self._may_write(
                title, f'{verb} {title} ({latest.size:,} bytes, sha1 {latest.sha1}) from '
                f'{source.description_url}', f'{verb.capitalize()} {title} from {source_site}?'):
            return
        self._purge_later(title)
        for change in page.changes:
            pywikibot.log(f'{title}: {change}')
        summary = f'Cached copy of [[{interwiki}:{source.title}]] (sha1 {latest.sha1})'
        if verdict.action != 'update-description':
            if not self._transfer(title, source, page.text, summary,
                                  replace=verdict.action == 'update-file'):
                return
        if verdict.action != 'create' and not self._save_description(title, page.text, summary,
                                                                     revision):
            return
        counter = 'cached' if verdict.action == 'create' else 'updated'
        self.counter[counter] += 1
        self._record(title, counter, sha1=latest.sha1,
                     details=f'{len(page.changes)} changes to the description')
        pywikibot.info(f'{counter} {title} ({len(page.changes)} description changes)')

    def _transfer(self, title: str, source: SourceFile, text: str, summary: str, *,
                  replace: bool) -> bool:
        """Download the source's latest version and upload it; False when it did not land."""
        latest = source.latest
        try:
            path = self.prefetch.take(title, url=latest.url, sha1=latest.sha1, size=latest.size)
        except ChecksumMismatch as error:
            # Counted per source version: the same version failing in CORRUPT_AFTER runs
            # is flagged instead of being fetched again and again.
            self._fail(title, 'source-sha1-mismatch', str(error), sha1=latest.sha1)
            return False
        except DownloadError as error:
            self._fail(title, 'download-failed', str(error))
            return False
        try:
            outcome = upload(self.shared, title, path, text=text, summary=summary,
                             chunk_size=self.chunk_bytes, replace=replace)
        finally:
            path.unlink(missing_ok=True)
        if outcome.status == 'uploaded' and outcome.sha1 == latest.sha1:
            self.bytes_transferred += latest.size
            return True
        if outcome.status == 'uploaded':
            self._fail(title, 'sha1-mismatch',
                       f'the shared repository stored sha1 {outcome.sha1}, not {latest.sha1}')
        elif outcome.status == 'no-change':
            return True  # the very same file is there already
        elif outcome.status == 'refused':
            self._flag(title, 'upload-refused', outcome.details)
        else:
            reason = warning_reason(outcome.warnings)
            if reason == 'duplicate':
                self._flag(title, 'duplicate', f'identical to {", ".join(outcome.duplicates)} '
                           f'on the shared repository; {title} was not uploaded')
            elif reason:
                self._flag(title, reason, outcome.details)
            else:
                self._skip(title, outcome.warnings[0] if outcome.warnings else 'upload-warning',
                           outcome.details)
        return False

    def _save_description(self, title: str, text: str, summary: str, revision: int) -> bool:
        """Rewrite the description page, unless someone edited it since *revision* was read
        (the bot's own upload of a new version a moment ago does not count)."""
        page = pywikibot.FilePage(self.shared, title)
        if page.latest_revision_id != revision and page.latest_revision.user != self.shared.user():
            self._skip(title, 'edit-race', 'someone edited the page during the run; '
                       'the next run decides again')
            return False
        page.text = text
        try:
            page.save(summary=summary, bot=True, minor=False, quiet=True)
        except pywikibot.exceptions.EditConflictError:
            self._skip(title, 'edit-race', 'edit conflict; the next run decides again')
            return False
        return True

    def _write_review_page(self) -> None:
        """Rewrite the review page with the open flags, only when its content changed."""
        page = self.control.review  # as read at the start of the run
        if page is None or config.simulate or not self.state:
            return
        text = as_wikitable(self.state.flags(shared=str(self.shared)),
                            interwiki=self.opt.interwiki)
        if page.exists() and page.text.strip() == text.strip():
            return
        self.run_page.check()
        page.text = text
        page.save(summary='commonscache: files left for review', bot=True, quiet=True)

    def _may_write(self, title: str, action: str, question: str) -> bool:
        """Whether to go on with a write: not under -simulate (which only says what it would
        do), not when the operator declines, and only while the run page allows it."""
        if config.simulate:
            pywikibot.info(f'would {action}')
            self.counter['would cache'] += 1
            return False
        if not self.user_confirm(question):
            self._skip(title, 'declined', 'the operator said no')
            return False
        self.run_page.check()
        return True

    def _redirect(self, title: str, canonical: str) -> None:
        """Make *title* a redirect to the cached *canonical* file, as on the source."""
        if not self._may_write(title, f'redirect {title} to {canonical}',
                               f'Redirect {title} to {canonical}?'):
            return
        self._purge_later(title)
        page = pywikibot.Page(self.shared, title)
        page.text = (f'#REDIRECT [[{canonical}]]\n'
                     f'{{{{{self.opt.template}|redirect={escape_value(canonical)}}}}}\n')
        page.save(summary=f'Renamed on the source to [[{canonical}]] (commonscache)', bot=True)
        self.counter['cached'] += 1
        self._record(title, 'cached', details=f'redirect to {canonical}')
        pywikibot.info(f'cached {title} as a redirect to {canonical}')

    def _refusal(self, title: str, size: int) -> str:
        """Why the shared repository would refuse the file, known without downloading it."""
        extension = title.rpartition('.')[2].lower()
        allowed = {entry['ext'].lower() for entry in self.shared.siteinfo.get('fileextensions', [])}
        if allowed and extension not in allowed:
            return (f'the file type .{extension} is not allowed on {self.shared} '
                    f'(allowed: {", ".join(sorted(allowed))})')
        limit = self.shared.siteinfo.get('maxuploadsize', 0)
        if limit and size > limit:
            return f'{size:,} bytes is above the upload limit of {self.shared} ({limit:,})'
        if self.max_bytes and size > self.max_bytes:
            return (f'{size:,} bytes is above the configured maximum of {self.max_bytes:,} '
                    'bytes (-maxsize); not downloaded')
        if size == 0:
            return 'the source announces an empty file; MediaWiki refuses those'
        return ''

    def _purge_later(self, title: str) -> None:
        """Before a write: the consumers' pages using *title* are to be purged at the end of
        the run, or of the next one if this one is killed after the write."""
        self.newly_cached.add(title)
        if self.state:
            self.state.purge_later(shared=str(self.shared), title=title,
                                   consumers=[str(consumer) for consumer in self.consumers])

    def _record(self, title: str, outcome: str, reason: str = '', details: str = '',
                sha1: str = '') -> None:
        if outcome in ('cached', 'updated', 'nothing'):
            self.available.add(title)
        if self.state and not config.simulate:
            self.state.record(shared=str(self.shared), title=title, outcome=outcome,
                              reason=reason, details=details, sha1=sha1)

    def _skip(self, title: str, reason: str, details: str) -> None:
        self.counter['skipped'] += 1
        self._record(title, 'skipped', reason, details)
        pywikibot.info(f'skipped {title}: {reason} ({details})')

    def _flag(self, title: str, reason: str, details: str, *, sha1: str = '') -> None:
        self.counter['flagged'] += 1
        self._record(title, 'flagged', reason, details, sha1=sha1)
        pywikibot.warning(f'flagged {title} for review: {reason} ({details})')

    def _fail(self, title: str, reason: str, details: str, *, sha1: str = '') -> None:
        self.counter['failed'] += 1
        self._record(title, 'failed', reason, details, sha1=sha1)
        pywikibot.error(f'failed {title}: {reason} ({details})')


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
