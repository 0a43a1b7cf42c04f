"""The data the stages hand each other, in the order a batch meets them (see
:mod:`commonscache.reading.pipeline`): a reviewer's word (:class:`Decision`, :class:`Agreement`);
what the run was told (:class:`Settings`); where a batch's files come from
(:class:`Group`, :class:`Located`); what each side holds (:class:`SourceFile`,
:class:`SharedFile`, together a :class:`Snapshot`); what to do (:class:`Verdict`); and what
came of it (:class:`Outcome`).

Every stage imports its types from here, never from another stage, so that following a
batch goes down the stages without climbing back. Nothing here reads, writes or decides.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from commonscache.markup.rules import Rules, key
from commonscache.markup.sdc import MediaInfo
from commonscache.wikis import sites

# --- a reviewer's word ----------------------------------------------------------------------

@dataclass(frozen=True)
class Agreement:
    """A decision that stands after it was carried out (keep-copy, delete-copy), against
    the source's *revision* and *sha1* of that moment (0 and '' for a source that was
    gone)."""

    decision: str
    revision: int
    sha1: str
    by: str
    at: str



@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on a flagged file (:mod:`commonscache.deciding.decisions`).

    :ivar word: take-source, keep-copy, detach or delete-copy
    :ivar line: the request page's line as written (its answer rewrites it)
    """

    title: str
    word: str
    user: str
    line: str

    @property
    def how(self) -> str:
        """How the flags it closes were closed, as the record keeps it."""
        return f'{self.word} by {self.user}'


# --- what the run was told, and has learnt ------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """What the run was told, the same for every batch.

    :ivar extensions: the file types the shared repository takes (empty: any)
    :ivar max_upload: its upload limit in bytes (0: none)
    :ivar max_bytes: the operator's limit (-maxsize; 0: none)
    """

    shared: sites.Site
    template: str
    interwiki: str
    rules: Rules
    markers: tuple[str, ...]
    forced: frozenset[str]
    extensions: frozenset[str] = frozenset()
    max_upload: int = 0
    max_bytes: int = 0
    #: the run page, read along with the batch's reads of the shared repository
    run_page: str = ''
    #: -refresh: every file that waits for its source is read again, however recently
    recheck_all: bool = False
    #: title → the reviewer's decision this run carries out (:mod:`commonscache.deciding.decisions`)
    decisions: Mapping[str, Decision] = field(default_factory=dict)
    #: -ondeleted: what a source's deletion for copyright does to the copy (flag, tag, delete)
    on_deleted: str = 'flag'
    #: -copyrightreasons: the deletion comments that say copyright
    copyright_reasons: tuple[str, ...] = ()
    #: -categories: which of the source's categories a copy keeps (existing, all, none)
    categories: str = 'existing'


# --- the two sides ------------------------------------------------------------------------

@dataclass(frozen=True)
class FileVersion:
    """One upload of a file, as imageinfo describes it."""

    timestamp: str
    user: str
    size: int
    width: int
    height: int
    comment: str
    sha1: str
    url: str
    mime: str


@dataclass(frozen=True)
class SourceFile:
    """A file on its source wiki.

    :ivar title: the canonical title on the source (after redirects)
    :ivar versions: the upload history, newest first
    :ivar text: the description page's latest wikitext
    :ivar revision: that revision's id
    """

    title: str
    description_url: str
    versions: tuple[FileVersion, ...]
    text: str
    revision: int
    #: the licence's short name: Commons' own (LicenseShortName), else the one
    #: CommonsMetadata would pick from the description
    licence: str
    author: str
    #: deletion or dispute markers (templates) on the description, as named in the text
    disputes: tuple[str, ...] = ()
    #: every licence the description states (a multi-licensed file has several)
    licences: tuple[str, ...] = ()
    #: no author is stated: the first uploader stands in
    author_is_uploader: bool = False
    #: the structured data (Commons' mediainfo slot), None when the page has none
    entity: MediaInfo | None = None
    #: why the description is past what the bot parses ('' when it is not; see
    #: :mod:`commonscache.markup.wikitext`): then nothing was read from it
    unreadable: str = ''

    @property
    def latest(self) -> FileVersion:
        return self.versions[0]


@dataclass(frozen=True)
class SharedFile:
    """What the shared repository holds under one name.

    :ivar page_exists: the description page exists
    :ivar sha1: the current file version's sha1, '' when there is no file
    :ivar provenance: the provenance template's parameters, empty when it is absent
    """

    title: str
    page_exists: bool = False
    sha1: str = ''
    #: the current file version's bytes
    size: int = 0
    uploader: str = ''
    last_editor: str = ''
    text: str = ''
    revision: int = 0
    provenance: dict[str, str] = field(default_factory=dict)
    redirect_to: str = ''
    #: why the page's text is past what the bot parses ('' when it is not)
    unreadable: str = ''

    @property
    def file_exists(self) -> bool:
        return bool(self.sha1)


# --- a batch, located and read ------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    """Titles to cache from one source, with what is known of them already."""

    source: sites.Site
    titles: list[str]
    shared: dict[str, SharedFile] = field(default_factory=dict)
    sources: dict[str, SourceFile | None] | None = None


@dataclass
class Surveyed:
    """Files that consumers with the same foreign *repositories* (description URLs, in
    lookup order) do not have as their own; *outcomes* for those they do."""

    repositories: tuple[str, ...]
    titles: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    examined: int = 0

    def add(self, other: Surveyed) -> None:
        """Take *other*'s files in (a batch of a consumer with the same repositories)."""
        self.titles += other.titles
        self.outcomes += other.outcomes
        self.examined += other.examined


@dataclass
class Located:
    """Where a batch's files are to come from; *outcomes* for those that go no further."""

    examined: int = 0
    groups: list[Group] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    #: the run page as the batch's read of the shared repository found it (None: not read)
    run_page: SharedFile | None = None


@dataclass(frozen=True)
class Snapshot:
    """Both sides of a group's files, and what the state file says of them.

    :ivar order: the titles to decide, canonical names of renamed files first
    :ivar renamed: alias → the canonical name the source moved the file to
    :ivar canonicals: canonical names this batch examines for the first time
    :ivar also_available: canonical names found on the shared repository as the same file
    :ivar deletions: the source's deletion comments of cached files it no longer has
    """

    source: sites.Site
    order: list[str]
    sources: dict[str, SourceFile | None]
    shared: dict[str, SharedFile]
    renamed: dict[str, str]
    canonicals: list[str]
    also_available: frozenset[str]
    was_cached: frozenset[str]
    corrupt: dict[str, str]
    deletions: dict[str, str]
    #: the run page, when it was read along with the shared repository (None: not read)
    run_page: SharedFile | None = None
    #: the reviewers' decisions that stand for these files (:mod:`commonscache.deciding.decisions`)
    agreements: dict[str, Agreement] = field(default_factory=dict)


@dataclass(frozen=True)
class CategoryPolicy:
    """Which of the source's categories a copy keeps, and under which names.

    :ivar keep: 'existing' keeps those that exist on the shared repository, 'all' keeps
        every one, 'none' drops them all
    :ivar existing: the categories that exist there, as ``Category:Name``
    :ivar mapping: renames from the rule page's Categories/Map, by :func:`rules.key`
    """

    keep: Literal['existing', 'all', 'none'] = 'all'
    existing: frozenset[str] = frozenset()
    mapping: Mapping[str, str] = field(default_factory=dict)

    def mapped(self, name: str) -> str:
        """``Category:Name`` after the map."""
        bare = name.split(':', 1)[1].strip()
        return 'Category:' + self.mapping.get(key(bare), bare).replace('_', ' ')

    def verdict(self, name: str) -> tuple[str | None, str]:
        """The name to keep *name* under (None: drop it), and why."""
        new = self.mapped(name)
        if self.keep == 'none':
            return None, 'categories are not copied (-categories:none)'
        if self.keep == 'existing' and new not in self.existing:
            return None, 'no such category on the shared repository'
        return new, 'mapped by the rules' if new != name else ''


@dataclass(frozen=True)
class Ahead:
    """What a batch's writes need from the shared repository, read after the decisions and
    before any write (:func:`commonscache.reading.target.read_ahead`): the act stage reads
    nothing itself.

    :ivar categories: which of the sources' categories the copies keep, and under which names
    :ivar known_prefixes: the interwiki prefixes the shared repository knows
    :ivar may_delete: whether the bot may delete pages there (else it tags them)
    """

    categories: CategoryPolicy = CategoryPolicy()
    known_prefixes: tuple[str, ...] = ()
    may_delete: bool = False


# --- what to do, and what came of it ------------------------------------------------------

Action = Literal['create', 'update-file', 'update-description', 'redirect', 'nothing', 'skip',
                 'flag', 'agree', 'detach', 'delete']

@dataclass(frozen=True)
class Verdict:
    """What to do with a file, and why.

    ``create`` uploads it; ``update-file`` uploads the source's new version and rewrites the
    description; ``update-description`` rewrites the description; ``redirect`` makes the name
    a redirect to the file's canonical name (the source renamed it); ``nothing`` leaves it
    (the reason says why that is right); ``skip`` leaves it for a reason that needs no
    person; ``flag`` leaves it for a person to review. A reviewer's decision
    (:mod:`commonscache.deciding.decisions`) adds ``agree`` (the copy stays as it is, agreed),
    ``detach`` (``sync=no`` on the copy) and ``delete`` (the copy deleted, or tagged).
    """

    action: Action
    reason: str = ''
    details: str = ''


Kind = Literal['cached', 'updated', 'nothing', 'skipped', 'flagged', 'failed', 'would cache']


@dataclass(frozen=True)
class Outcome:
    """What came of one title.

    :ivar copied: bytes that reached the shared repository
    :ivar moved: of those, bytes that passed through the bot (0 for an upload by URL)
    """

    title: str
    kind: Kind
    reason: str = ''
    details: str = ''
    sha1: str = ''
    copied: int = 0
    moved: int = 0
    #: the copy's size in bytes, where the outcome leaves one on the shared repository
    size: int = 0
    #: the flag causes this outcome looked at: open flags for other causes stay open
    #: (:mod:`commonscache.deciding.flags`)
    examined: frozenset[str] = frozenset()
    #: a reviewer's decision this outcome carried out, to stand from now on
    agreement: Agreement | None = None


def skipped(title: str, reason: str, details: str) -> Outcome:
    return Outcome(title, 'skipped', reason, details)


def failed(title: str, reason: str, details: str, sha1: str = '') -> Outcome:
    return Outcome(title, 'failed', reason, details, sha1)


def flagged(title: str, reason: str, details: str, sha1: str = '') -> Outcome:
    return Outcome(title, 'flagged', reason, details, sha1)
