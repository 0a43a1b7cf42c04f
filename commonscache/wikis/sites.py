"""The wikis a run talks to: the consumer, the shared repository and the source wikis.

Also the User-Agent: Wikimedia blocks clients without a descriptive one, see
https://meta.wikimedia.org/wiki/User-Agent_policy
"""
from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pywikibot
import requests
from pywikibot import config
from pywikibot.exceptions import APIError, Error, NoUsernameError, SiteDefinitionError

from commonscache import __version__
from commonscache.errors import UsageError
from commonscache.wikis.pywikibot_compat import ConsumerSite

#: Tool name and version first, then contact details from user_agent_description, then
#: Pywikibot's own products, as the policy asks.
USER_AGENT_FORMAT = (f'commonscache/{__version__} ({{script_comments}}) {{pwb}} '
                     '({revision}) {python} {http_backend}')

Site = pywikibot.site.APISite


def configure_user_agent() -> None:
    """Make every request, file downloads included, name the tool and its operator."""
    config.user_agent_format = USER_AGENT_FORMAT


def api_url_of(family: str, code: str, what: str) -> str:
    """The API URL of *family*:*code*, from its family file, without asking the wiki.

    :raises UsageError: for an unknown family or code (*what*: the wiki's role)
    """
    try:
        found = pywikibot.family.Family.load(family)
        return found.base_url(code, found.apipath(code))
    except SiteDefinitionError as error:
        raise UsageError(f'unknown {what} {family}:{code}: {error}') from None


def site_from_spec(spec: str, what: str = 'shared repository') -> Site:
    """The site for ``FAMILY:CODE``.

    :raises UsageError: when the spec is malformed, unknown or the wiki cannot be reached
    """
    family, sep, code = spec.partition(':')
    if not sep or not family or not code:
        raise UsageError(f'-shared:{spec} is not of the form FAMILY:CODE, '
                         'e.g. -shared:myfarm:media')
    base = api_url_of(family, code, what)
    reason = unreachable(base)
    if reason:  # one line, where Pywikibot would retry for minutes
        raise UsageError(f'cannot reach the {what} {spec} at {base} ({reason})')
    try:
        return pywikibot.Site(code, family)
    except SiteDefinitionError as error:
        raise UsageError(f'unknown {what} {spec}: {error}') from None
    except (Error, requests.exceptions.RequestException) as error:
        raise UsageError(f'cannot reach the {what} {spec}: {error}') from None


def consumer_site(family: str, code: str) -> Site:
    """The consumer wiki *family*:*code*, made without a request (:class:`ConsumerSite`)."""
    return pywikibot.Site(code, family, interface=ConsumerSite)


def unreachable(url: str, answers: dict[tuple[str, int], str] | None = None) -> str:
    """Why the server of *url* does not take connections ('' when it does): a TCP
    connection, not a request, so that the check costs the wiki nothing. Pywikibot would
    retry a dead wiki for minutes, printing a traceback for every attempt. *answers*: the
    caller's memory of servers checked (host, port → answer), so that a farm's wikis, which
    mostly share their servers, cost one connection each; nothing here keeps an answer."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    key = (parts.hostname or '', port)
    if answers is not None and key in answers:
        return answers[key]
    timeout = config.socket_timeout
    try:
        with socket.create_connection(
                key, timeout=timeout[0] if isinstance(timeout, tuple) else timeout):
            reason = ''
    except OSError as error:
        reason = f'{type(error).__name__}: {error.strerror or error}'
    if answers is not None:
        answers[key] = reason
    return reason


def api_url(site: Site) -> str:
    """*site*'s API URL, from its family file."""
    return site.base_url(site.apipath())


def consumer_sites(spec: str, keep: Callable[[list[str]], list[str]] = list, *,
                   waits: bool = False) -> list[Site]:
    """The consumer wikis: the configured site (-family/-lang, -site), or those ``-wikis``
    names (``FAMILY:CODE`` items, comma-separated, or ``FAMILY`` for every code of a
    family); of those, the ones *keep* picks from the names (a shard's), decided before any
    is contacted. Of several, one whose server takes no connections is left out with a
    warning, so that a wiki that is down does not stop the farm's run; a watch (*waits*)
    keeps it, and its polls wait it out as they do any outage.

    :raises UsageError: for a malformed or unknown wiki, a single one that does not answer,
        or when none answers
    """
    names = _consumer_names(spec) if spec else [f'{config.family}:{config.mylang}']
    consumers: list[Site] = []
    down: list[str] = []
    answers: dict[tuple[str, int], str] = {}
    for name in keep(names):
        family, _, code = name.partition(':')
        url = api_url_of(family, code, 'consumer wiki')
        reason = unreachable(url, answers)
        if reason:
            down.append(f'cannot reach the consumer wiki {name} at {url} ({reason})')
            if not waits:
                continue
        try:
            site = consumer_site(family, code)
        except SiteDefinitionError as error:
            raise UsageError(f'unknown consumer wiki {name}: {error}') from None
        if site not in consumers:
            consumers.append(site)
    if down and len(down) == len(consumers if waits else [*consumers, *down]):
        raise UsageError(down[0] if len(down) == 1 else
                         f'none of the {len(down)} consumer wikis answers; the first: '
                         f'{down[0]}')
    for line in down:
        pywikibot.warning(f'{line}; ' + ('its polls wait for it' if waits
                                         else 'left out of this run'))
    return consumers


def _consumer_names(spec: str) -> list[str]:
    """``FAMILY:CODE`` of each wiki that -wikis names, in order, each once."""
    names: list[str] = []
    for item in filter(None, (part.strip() for part in spec.split(','))):
        family, sep, code = item.partition(':')
        if sep:
            codes = [code]
        else:
            try:
                codes = sorted(pywikibot.family.Family.load(family).codes)
            except SiteDefinitionError as error:
                raise UsageError(f'-wikis: unknown family {family}: {error}') from None
        names += [f'{family}:{name}' for name in codes if f'{family}:{name}' not in names]
    return names


def connect_shared(spec: str, consumers: list[Site]) -> Site:
    """Log in to the shared repository and check that the bot may upload there.

    :raises UsageError: naming what to fix
    """
    shared = site_from_spec(spec)
    if len(consumers) > 1 and shared in consumers:
        consumers.remove(shared)  # -wikis:FAMILY names the shared repository too
    if shared in consumers:
        raise UsageError(f'the consumer wiki {shared} is the shared repository itself; '
                         'choose the consumer with -site or -family/-lang')
    try:
        shared.login()
    except NoUsernameError as error:
        raise UsageError(f'cannot log in to the shared repository {shared}: {error}; set '
                         f"usernames['{shared.family.name}']['{shared.code}'] and the "
                         'BotPassword in password_file') from None
    except (Error, requests.exceptions.RequestException) as error:
        raise UsageError(f'cannot reach the shared repository {shared}: {error}') from None
    if shared.is_uploaddisabled():
        raise UsageError(f'uploads are disabled on the shared repository {shared}; '
                         'set $wgEnableUploads = true there')
    if not shared.has_right('upload'):
        raise UsageError(f'{shared.user()} lacks the upload right on {shared}; give the '
                         'BotPassword the "Upload new files" and "Upload, replace, and move '
                         'files" grants')
    return shared


def login_if_configured(site: Site) -> None:
    """Log in where a user name is configured: bots may read 500 titles a request, not 50."""
    if site.username() and not site.logged_in():
        try:
            site.login()
        except (Error, requests.exceptions.RequestException) as error:
            pywikibot.warning(f'reading {site} anonymously: {error}')


def article_prefix(site: Site) -> str:
    """The URL of the site's articles up to the title, without the scheme."""
    general = site.siteinfo['general']
    url = general['server'] + general['articlepath'].replace('$1', '')
    return url.split('//', 1)[-1]


def referer(site: Site) -> str:
    """The Referer for downloads made for *site*: its canonical server, as MediaWiki's own
    ForeignAPIRepo names the wiki it fetches for."""
    server = site.siteinfo['general']['server']
    if server.startswith('//'):
        server = f'{site.protocol()}:{server}'
    return server.rstrip('/') + '/'


def is_on(site: Site, url: str) -> bool:
    """Whether *url* is an article URL of *site*, or its ``index.php?title=`` (scheme
    ignored)."""
    where = url.split('//', 1)[-1]
    general = site.siteinfo['general']
    script = general['server'].split('//', 1)[-1] + general.get('script', '') + '?title='
    return where.startswith(article_prefix(site)) or where.startswith(script)


@dataclass
class Reach:
    """The source wikis as a run found them, kept in the run's memory and never here.

    :ivar down: hosts that did not answer, and why: not asked again while this lasts (a
        run, or one poll of a watch: :meth:`forget_outages`), and never longer
    :ivar known: host → the wiki it is (None: no Pywikibot family knows it), looked up
        once a run: finding the family walks every family file, and Pywikibot may log in
    """

    down: dict[str, str] = field(default_factory=dict)
    known: dict[str, Site | None] = field(default_factory=dict)

    def forget_outages(self) -> None:
        self.down.clear()


class SourceUnreachable(Exception):
    """A source wiki did not answer (Pywikibot has retried already); its files wait."""


def host_of(url: str) -> str:
    return urlsplit(url).netloc


def source_site(description_url: str, reach: Reach) -> Site | None:
    """The wiki a file description URL belongs to, if a Pywikibot family knows it.

    Looked up once per host and run (*reach*). A host that did not answer goes into
    ``reach.down`` (host → why), and is not asked again while that lasts; nothing here
    remembers an outage past it.

    :raises SourceUnreachable: the wiki did not answer
    """
    host = host_of(description_url)
    if not host:
        return None
    if host in reach.down:
        raise SourceUnreachable(reach.down[host])
    if host not in reach.known:
        try:
            found = pywikibot.Site(url=description_url)
        except (SiteDefinitionError, ValueError, RuntimeError):
            found = None
        except (pywikibot.exceptions.Error, requests.exceptions.RequestException) as error:
            reach.down[host] = f'cannot reach {host}: {error}'
            raise SourceUnreachable(reach.down[host]) from None
        reach.known[host] = found
    return reach.known[host]


def interwiki_site(site: Site, prefix: str, reach: Reach) -> Site | None:
    """The wiki that *prefix* links to in *site*'s interwiki map, if a family knows it
    (*reach*: see :func:`source_site`)."""
    for entry in site.siteinfo.get('interwikimap', []):
        if entry.get('prefix') == prefix and '$1' in entry.get('url', ''):
            return source_site(entry['url'].replace('$1', 'File:Example.jpg'), reach)
    return None


def check_password_file() -> None:
    """Refuse to run when the BotPassword file can be read by others: Pywikibot would only
    warn and change its mode, after the secret had been exposed for who knows how long.

    :raises UsageError: naming the file and the command that fixes it
    """
    name = config.password_file
    if not name:
        return
    path = Path(config.base_dir, name) if not Path(name).is_absolute() else Path(name)
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # Pywikibot reports a missing file when it logs in
    if mode & 0o077:
        raise UsageError(f'the password file {path} can be read by others '
                         f'(mode {mode & 0o777:o}); run: chmod 600 {path}')


def save_own_page(page: pywikibot.Page, text: str, summary: str) -> None:
    """Write one of the bot's own pages (its run page, provenance template, review page) in
    one request. Pywikibot's ``Page.save`` asks four questions first (the page's templates
    and text for {{bots}}, its latest revision, its page id): a bot's own page has no
    {{bots}} to honour, and *page* was read already (preloaded), so its revision stands in
    for an edit conflict check. Afterwards *page* forgets what it read: its text, revision
    and existence are read again if asked (setting ``page.text`` would ask the {{bots}}
    questions there and then, two requests a page at the end of every run).

    :raises pywikibot.exceptions.APIError: for the wiki's refusal (``editconflict``, ...)
    """
    site = page.site
    params: dict[str, object] = {'title': page.title(), 'text': text, 'summary': summary}
    if page.exists():
        params['baserevid'] = page.latest_revision_id
    else:
        params['createonly'] = True
    try:
        submit_edit(site, **params)
    except APIError as error:
        if error.code == 'articleexists' and _written_meanwhile(page, text):
            return  # another job of the farm (a shard) wrote the same page first
        raise
    page.clear_cache()


def submit_edit(site: Site, **params: object) -> dict:
    """One ``action=edit`` request as the bot (``assert=user``: never as an anonymous user
    whose session was lost), flagged as a bot's edit; the wiki's answer.

    :raises pywikibot.exceptions.APIError: for the wiki's refusal (``editconflict``, ...)
    """
    params = {'action': 'edit', 'bot': True, 'assert': 'user', **params}
    try:
        return site.simple_request(**params, token=site.tokens['csrf']).submit()
    except APIError as error:
        if error.code != 'badtoken':
            raise
        # The session was lost and Pywikibot logged in again, retrying with the old token.
        site.tokens.clear()
        return site.simple_request(**params, token=site.tokens['csrf']).submit()


def _written_meanwhile(page: pywikibot.Page, text: str) -> bool:
    """Whether *page*, which did not exist when it was read, now holds *text*."""
    fresh = pywikibot.Page(page.site, page.title())
    if fresh.exists() and fresh.text.strip() == text.strip():
        page.clear_cache()
        return True
    return False
