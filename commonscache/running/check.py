"""``-check``: verify a set-up and say what to fix, one line each (exit 0 when all is well,
2 otherwise). Reads only.
"""
from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pywikibot
from pywikibot import config

from commonscache.control.operations import run_page_allows, was_deleted
from commonscache.control.steering import control_titles, protections
from commonscache.errors import UsageError
from commonscache.reading.detect import (
    Listings,
    classify,
    files_used_everywhere,
    repository_urls,
)
from commonscache.wikis import limits, sites
from commonscache.wikis.query import query_titles

_CONTACT = re.compile(r'@|https?://|mailto:|User:', re.I)


@dataclass(frozen=True)
class Finding:
    """One checked item: fine, or what to fix."""

    ok: bool
    text: str

    def line(self) -> str:
        return f"{'ok ' if self.ok else 'FIX'}  {self.text}"


def run_check(opt: object) -> int:
    """Print the findings; the exit status."""
    findings = list(check_setup(opt))
    for finding in findings:
        sys.stdout.write(finding.line() + '\n')
    return 0 if all(f.ok for f in findings) else 2


def check_setup(opt: object) -> Iterator[Finding]:
    contact = config.user_agent_description or ''
    yield Finding(bool(_CONTACT.search(contact)),
                  'the User-Agent carries contact information' if _CONTACT.search(contact)
                  else "set user_agent_description in user-config.py to an e-mail address or "
                       "URL where the operator can be reached (Wikimedia's User-Agent policy)")
    if not opt.shared:
        yield Finding(False, 'name the shared repository: -shared:FAMILY:CODE or "shared = '
                             'FAMILY:CODE" in scripts.ini, section [commonscache]')
        return
    try:
        consumers = sites.consumer_sites(str(opt.wikis))
        shared = sites.connect_shared(str(opt.shared), consumers)
    except UsageError as error:
        yield Finding(False, str(error))
        return
    yield Finding(True, f'logged in to {shared} as {shared.user()}, who may upload there')
    for right in ('edit', 'reupload'):
        yield Finding(shared.has_right(right), f'{shared.user()} may {right} on {shared}'
                      if shared.has_right(right) else
                      f'give {shared.user()} the {right} right on {shared} (BotPassword grants)')
    try:
        source = sites.interwiki_site(shared, opt.interwiki, sites.Reach())
    except sites.SourceUnreachable as error:
        yield Finding(False, f'the source wiki of the interwiki prefix {opt.interwiki} does '
                             f'not answer: {error}')
        return
    yield Finding(source is not None,
                  f'interwiki prefix {opt.interwiki}: on {shared} leads to {source}'
                  if source else f'add the interwiki prefix {opt.interwiki!r} for the source '
                                 f'wiki to {shared} (Special:Interwiki)')
    template = pywikibot.Page(shared, opt.template, ns=10)
    yield Finding(template.exists(), f'{template.title()} exists on {shared}'
                  if template.exists() else
                  f'create {template.title()} on {shared}: run once with -setup')
    for found in protections(shared, list(control_titles(opt, opt.reviewpage))):
        yield Finding(found.enough, f'{found.title} is protected ({found.describe()})'
                      if found.enough else
                      f'protect {found.title} on {shared} ({found.describe()}), so that only '
                      'admins steer the bot: Special:Protect, or run once with -setup as a '
                      'bot with the protect and editprotected rights')
    run_page = pywikibot.Page(shared, opt.runpage or f'User:{shared.user()}/Run')
    if not run_page.exists() and not was_deleted(run_page):
        yield Finding(True, f'the run page {run_page.title()} does not exist yet: the first '
                            'run creates it with "true"')
    else:
        allowed, why = run_page_allows(run_page)
        if not run_page.exists():
            why = f'the run page {run_page.title()} was deleted; create it again with "true"'
        yield Finding(allowed, f'the run page {run_page.title()} says true' if allowed else why)
    policy = limits.Policy.from_options(apirate=opt.apirate, maxrate=opt.maxrate)
    for site in dict.fromkeys(filter(None, [source, *repository_sources(consumers, shared)])):
        sites.login_if_configured(site)
        yield Finding(True, policy.client_class(site).describe())
    for consumer in consumers:
        sites.login_if_configured(consumer)
        yield from check_repository_order(consumer, shared, source)
        yield from check_file_types(consumer, shared)


def repository_sources(consumers: list[sites.Site], shared: sites.Site) -> list[sites.Site]:
    """The wikis the consumers take files from, other than the shared repository."""
    found = []
    reach = sites.Reach()
    for consumer in consumers:
        for url in repository_urls(consumer, Listings()):
            try:
                site = sites.source_site(url, reach) if url else None
            except sites.SourceUnreachable:
                continue  # its line says so: the check of the repository order
            if site is not None and site != shared:
                found.append(site)
    return found


def repository_on(repo: dict, site: sites.Site | None) -> bool:
    """Whether a ``meta=filerepoinfo`` entry is *site*'s files: by its API URL (a
    ForeignAPIRepo), or, for a repository read from its database (ForeignDBRepo,
    ForeignDBViaLBRepo, which report no API URL), by its script directory or description
    pages' URL. Schemes are ignored."""
    if site is None:
        return False

    def bare(url: str) -> str:
        return url.split('//', 1)[-1].rstrip('/')

    if repo.get('apiurl'):
        return bare(repo['apiurl']) == bare(site.base_url(site.apipath()))
    script = site.siteinfo['general'].get('scriptpath', '')
    server = site.siteinfo['general']['server']
    return (bool(repo.get('scriptDirUrl'))
            and bare(repo['scriptDirUrl']) == bare(server + script)) or \
        (bool(repo.get('descBaseUrl')) and sites.is_on(site, repo['descBaseUrl']))


def check_repository_order(consumer: sites.Site, shared: sites.Site,
                           source: sites.Site | None) -> Iterator[Finding]:
    """The consumer must ask the shared repository before the source; says whether it reads
    the shared repository through its API or from its database."""
    request = pywikibot.data.api.Request(site=consumer, parameters={
        'action': 'query', 'meta': 'filerepoinfo', 'formatversion': 2})
    repos = [repo for repo in request.submit()['query']['repos'] if not repo.get('local')]

    def position(site: sites.Site | None) -> int:
        return next((i for i, repo in enumerate(repos) if repository_on(repo, site)), -1)

    at_shared, at_source = position(shared), position(source)
    if at_shared < 0:
        yield Finding(False, f'add {shared} to $wgForeignFileRepos of {consumer}, before '
                             'the source wiki')
    elif 0 <= at_source < at_shared:
        yield Finding(False, f'$wgForeignFileRepos of {consumer} lists {source} before '
                             f'{shared}: list the shared repository first')
    else:
        repo = repos[at_shared]
        how = 'through its API' if repo.get('apiurl') else 'from its database'
        yield Finding(True, f'{consumer} reads {shared} {how} (repository '
                            f'{repo.get("name", "")}), before {source or "the source"}')


def check_file_types(consumer: sites.Site, shared: sites.Site) -> Iterator[Finding]:
    """The foreign files the consumer uses must fit the shared repository's file types and
    upload limit."""
    foreign = [used.title for used in classify(consumer, shared,
                                               files_used_everywhere(consumer, Listings()))
               if used.where == 'foreign']
    allowed = {entry['ext'].lower() for entry in shared.siteinfo.get('fileextensions', [])}
    limit = shared.siteinfo.get('maxuploadsize', 0)
    refused: dict[str, list[str]] = defaultdict(list)
    too_big = []
    info = query_titles(consumer, foreign, prop='imageinfo', iiprop='size')
    for title in foreign:
        extension = title.rpartition('.')[2].lower()
        if allowed and extension not in allowed:
            refused[extension].append(title)
        size = ((info.page(title) or {}).get('imageinfo') or [{}])[0].get('size', 0)
        if limit and size > limit:
            too_big.append(title)
    for extension, titles in sorted(refused.items()):
        yield Finding(False, f'{consumer} uses {len(titles)} .{extension} files (e.g. '
                             f'{titles[0]}) that {shared} does not allow: add {extension!r} to '
                             '$wgFileExtensions there')
    if too_big:
        yield Finding(False, f'{consumer} uses {len(too_big)} files larger than the upload '
                             f'limit of {shared} ({limit:,} bytes), e.g. {too_big[0]}: raise '
                             '$wgMaxUploadSize and PHP upload_max_filesize there')
    if not refused and not too_big:
        yield Finding(True, f"the {len(foreign)} foreign files {consumer} uses fit {shared}'s "
                            'file types and upload limit')
