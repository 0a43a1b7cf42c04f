"""One batch of file titles: where the consumer gets each file, what the source and the
shared repository hold under those names, the verdicts, and acting on them.

A mixin of :class:`commonscache.bot.CacheBot`, which provides the run's state (the shared
repository, the options, the rules, the state file, the counters, the prefetcher) and, from
:class:`commonscache.actions.ActionsMixin`, the writing and recording.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import chain

import pywikibot
import requests
from pywikibot import config

from commonscache import sites
from commonscache.describe import CategoryPolicy, PageSettings, category_names
from commonscache.detect import FileUse, classify, survey
from commonscache.reconcile import (
    CORRUPT_AFTER,
    WRITES,
    Verdict,
    decide,
    decide_alias,
    is_owned,
)
from commonscache.source import SourceFile, deletion_comment, read_sources
from commonscache.target import SharedFile, existing_pages, read_shared


class BatchMixin:
    """Classify a batch, read both sides in one request each, decide, and act."""

    def process(self, consumer: sites.Site, titles: list[str]) -> None:
        """Find where the consumer gets each file of a batch, and cache those it gets from a
        foreign wiki: from the consumer's own survey and direct reads of the shared
        repository and the sources when the consumer's repositories are known wikis with the
        shared repository first (see :mod:`commonscache.detect`), else as the consumer
        classifies them."""
        found = survey(consumer, titles)
        if found is None or not found.repositories or \
                not sites.is_on(self.shared, found.repositories[0]):
            self._process_classified(consumer, titles)
            return
        self.counter['examined'] += len(titles)
        rest = []
        for title in titles:
            if title in found.local:
                self._skip(title, 'local-file', 'the consumer has it as local')
            else:
                rest.append(title)
        shared = read_shared(self.shared, rest, template=self.opt.template)
        on_shared = [t for t in rest if shared[t].file_exists or shared[t].redirect_to]
        remaining = [t for t in rest if t not in on_shared]
        for url in found.repositories[1:]:
            if not remaining:
                break
            try:
                source_site = sites.source_site(url)
            except sites.SourceUnreachable as error:
                for title in remaining:
                    self._fail(title, 'source-unreachable', f'cannot read {url}: {error}')
                break
            if source_site is None:
                for title in remaining:
                    self._skip(title, 'unknown-source', f'no Pywikibot family knows {url}')
                break
            sources = self._read_sources(source_site, remaining, label=url)
            if sources is None:
                break
            here = [title for title in remaining if sources[title]]
            if here:
                self._cache_from(source_site, here, {t: shared[t] for t in here},
                                 sources={t: sources[t] for t in here})
            remaining = [title for title in remaining if not sources[title]]
        else:  # no repository of the consumer has them
            for title in remaining:
                self._skip(title, 'missing-everywhere', 'the consumer has it as missing')
        if on_shared:
            self._check_on_shared(on_shared, {t: shared[t] for t in on_shared})

    def _process_classified(self, consumer: sites.Site, titles: list[str]) -> None:
        """:meth:`process` by the consumer's own classification (``prop=imageinfo``)."""
        foreign: dict[sites.Site | None, list[FileUse]] = defaultdict(list)
        on_shared = []
        for used in classify(consumer, self.shared, titles):
            self.counter['examined'] += 1
            if used.where == 'foreign':
                try:
                    foreign[sites.source_site(used.description_url)].append(used)
                except sites.SourceUnreachable as error:
                    self._fail(used.title, 'source-unreachable', str(error))
            elif used.where == 'shared':
                on_shared.append(used.title)
            else:
                reason = {'local': 'local-file', 'missing': 'missing-everywhere'}[used.where]
                self._skip(used.title, reason, f'the consumer has it as {used.where}')
        for source_site, files in foreign.items():
            if source_site is None:
                for used in files:
                    self._skip(used.title, 'unknown-source',
                               f'no Pywikibot family knows {used.description_url}')
                continue
            self._cache_from(source_site, [used.title for used in files])
        if on_shared:
            self._check_on_shared(on_shared)

    def _check_on_shared(self, titles: list[str],
                         known: dict[str, SharedFile] | None = None) -> None:
        """Files the consumer already finds on the shared repository: the bot's copies are
        up to date as far as a sweep goes (-refresh compares them with their sources); any
        other file there is compared with the source, so that a name taken by a different
        file is flagged."""
        shared = known or read_shared(self.shared, titles, template=self.opt.template)
        others = []
        for title in titles:
            if is_owned(shared[title]) or (shared[title].redirect_to and shared[title].provenance):
                self.counter['up to date'] += 1
                self._record(title, 'nothing', 'up-to-date')
            else:
                others.append(title)
        if not others:
            return
        source_site = sites.interwiki_site(self.shared, self.opt.interwiki)
        if source_site is None:
            for title in others:
                self.counter['up to date'] += 1
                self._record(title, 'nothing', 'shared-only', 'no source wiki to compare with: '
                             f'the interwiki prefix {self.opt.interwiki!r} is unknown')
        else:
            self._cache_from(source_site, others, {title: shared[title] for title in others})

    def refresh(self, titles: list[str]) -> None:
        """Re-check cached copies against their sources, found by the provenance template."""
        shared = read_shared(self.shared, titles, template=self.opt.template)
        by_source: dict[sites.Site | None, list[str]] = defaultdict(list)
        for title in titles:
            self.counter['examined'] += 1
            if shared[title].redirect_to:  # a renamed name: it holds no file of its own
                self.counter['up to date'] += 1
                self._record(title, 'nothing', 'up-to-date',
                             f'redirects to {shared[title].redirect_to}')
                continue
            try:
                by_source[sites.source_site(shared[title].provenance.get('source', ''))].append(
                    title)
            except sites.SourceUnreachable as error:
                self._fail(title, 'source-unreachable', str(error))
        for source_site, group in by_source.items():
            if source_site is None:
                for title in group:
                    self._skip(title, 'unknown-source', 'no Pywikibot family knows the source '
                               f"URL {shared[title].provenance.get('source', '')!r}")
                continue
            self._cache_from(source_site, group, {t: shared[t] for t in group})

    def _cache_from(self, source_site: sites.Site, titles: list[str],
                    known: dict[str, SharedFile] | None = None,
                    sources: dict[str, SourceFile | None] | None = None) -> None:
        if sources is None:
            sources = self._read_sources(source_site, titles, label=str(source_site))
            if sources is None:
                return
        sources = dict(sources)  # renamed files add their canonical names below
        # Names the source has renamed: the file goes under its canonical name.
        renamed = {title: found.title for title, found in sources.items()
                   if found and found.title != title}
        canonicals = [name for name in dict.fromkeys(renamed.values())
                      if name not in sources and name not in self.seen_files]
        for alias, name in renamed.items():
            if name in canonicals:
                sources[name] = sources[alias]
        # Canonical files handled before this batch (in an earlier batch or run) are looked
        # up on the shared repository with the rest: a redirect may point at them now.
        elsewhere = [name for name in dict.fromkeys(renamed.values())
                     if name not in sources and name not in self.available]
        self.seen_files.update(canonicals)
        self.counter['examined'] += len(canonicals)
        unread = [title for title in dict.fromkeys([*titles, *canonicals, *elsewhere])
                  if title not in (known or {})]
        shared = {**(known or {}),
                  **read_shared(self.shared, unread, template=self.opt.template)}
        for alias, name in renamed.items():
            if name in elsewhere and shared[name].sha1 == sources[alias].latest.sha1:
                self.available.add(name)
        order = [*canonicals, *titles]
        was_cached = self.state.was_cached(shared=str(self.shared), titles=order)
        corrupt = self.state.corrupt_sources(shared=str(self.shared), after=CORRUPT_AFTER,
                                             titles=order)
        verdicts = {}
        for title in order:
            if title in renamed:
                continue
            source = sources[title]
            deletion = ''
            if source is None and shared[title].provenance:
                deletion = deletion_comment(source_site, title)
            verdicts[title] = decide(
                source, shared[title], bot=self.shared.user(), was_cached=title in was_cached,
                force=title in self.forced, deletion=deletion,
                blocked=self.rules.blocking(source.text) if source else '',
                # the state's count is for one version: a new one is fetched again
                corrupt=bool(source and corrupt.get(title) == source.latest.sha1))
        writing = [t for t, v in verdicts.items() if v.action in WRITES and sources[t]]
        settings = self._page_settings(source_site, [sources[t] for t in writing])
        downloading: list[str] = []
        if self.opt.always and not config.simulate:
            # Download ahead, the biggest files first: the others arrive, and are uploaded,
            # while a big one is still on its way.
            for title in sorted(writing, key=lambda t: -sources[t].latest.size):
                latest = sources[title].latest
                if verdicts[title].action != 'update-description' and \
                        not self._refusal(title, latest.size):
                    self.prefetch.plan(title, url=latest.url, sha1=latest.sha1,
                                       size=latest.size)
                    downloading.append(title)
        # Files without a download first, then the downloads as they arrive; a renamed
        # name last: it waits for the outcome of its canonical file.
        rest = [title for title in order if title not in downloading and title not in renamed]
        aliases = [title for title in order if title in renamed]
        arriving = self.prefetch.ready(downloading, tick=self._show_progress)
        for title in chain(rest, arriving, aliases):  # lazily: downloads as they arrive
            verdict = verdicts.get(title) or self._alias_verdict(title, renamed[title],
                                                                 shared[title])
            self._act(title, verdict, sources[title], shared[title], source_site, settings)
            self._show_progress()

    def _show_progress(self) -> None:
        self.progress.show(self.counter['examined'], len(self.seen_files),
                           self.bytes_transferred, self.policy.status())

    def _read_sources(self, source_site: sites.Site, titles: list[str], *,
                      label: str) -> dict[str, SourceFile | None] | None:
        """What the source holds under *titles*; None when it did not answer: Pywikibot has
        retried already, so each title is recorded failed (as from *label*) and waits for
        the next run while the others go on."""
        try:
            sites.login_if_configured(source_site)  # a bot account reads 500 titles a request
            self.policy.apply(source_site)  # paced as the source limits clients of its class
            return read_sources(source_site, titles, self.markers)
        except (pywikibot.exceptions.Error, requests.exceptions.RequestException) as error:
            for title in titles:
                self._fail(title, 'source-unreachable', f'cannot read {label}: {error}')
            return None

    def _page_settings(self, source_site: sites.Site, writing: list[SourceFile]) -> PageSettings:
        """What the pages about to be written need from the shared repository, read once
        for the batch and only when something is written."""
        policy = CategoryPolicy(keep=self.opt.categories, mapping=self.rules.category_map)
        if not writing:
            return PageSettings(self.opt.template, self.opt.interwiki, categories=policy)
        if policy.keep == 'existing':
            names = {policy.mapped(name) for source in writing
                     for name in category_names(source.text)}
            existing = existing_pages(self.shared, names) if names else set()
            policy = CategoryPolicy('existing', frozenset(existing), self.rules.category_map)
        prefixes = tuple(entry['prefix'] for entry in self.shared.siteinfo.get('interwikimap', []))
        return PageSettings(self.opt.template, self.opt.interwiki, prefixes, policy, self.rules,
                            source_site.lang, self.opt.tracking)

    def _alias_verdict(self, title: str, canonical: str, shared: SharedFile) -> Verdict:
        if canonical not in self.available:
            return Verdict('skip', 'renamed', f'the source renamed it to {canonical}, which '
                           'is not on the shared repository yet')
        return decide_alias(canonical, shared)
