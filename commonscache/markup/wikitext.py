"""Wikitext from strangers, parsed within bounds.

Every description, copy and control page the bot reads can be edited by anyone, and
mwparserfromhell's cost grows far faster than the text on some markup: each construct left
open is tried again against everything after it (``{{a|`` 2,000 times: 3 s; 500 times
before 4,500 closed templates: 12 s, measured with mwparserfromhell 0.7). MediaWiki saves
and renders such a page at once. So before a text is parsed, one linear scan counts its
openings (templates, links, tables, tags) and those left open; a text past
:data:`MAX_BYTES`, :data:`MAX_OPENINGS` or :data:`MAX_COST` is not parsed at all
(:class:`UnreadableText`), and its file is flagged ``description-unreadable`` with the
reason. Within the bounds, a parse takes about a second at most on the dev farm's machine.

Each text is parsed once a run: a run (:func:`parsed_once`) keeps the trees of the texts it
parsed last, and hands each later reader a copy of its own (unpickled: a reader may change
its tree), which costs a fraction of a parse on the texts where parsing is slowest.
"""
from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import mwparserfromhell
from mwparserfromhell.nodes import Wikilink
from mwparserfromhell.wikicode import Wikicode

#: The largest text parsed (bytes): MediaWiki's own limit is 2 MiB by default
#: (``$wgMaxArticleSize``), and farms raise it at most a little.
MAX_BYTES = 4 * 1024 * 1024
#: The most constructs a text may open (templates, links, tables, tags, in all).
MAX_OPENINGS = 5_000
#: The bound on openings × (1 + constructs left open): what a parse costs at worst.
MAX_COST = 100_000

#: Each construct's opening and closings.
PAIRS = (('{{', ('}}',)), ('[[', (']]',)), ('{|', ('|}',)))


#: The texts a run keeps parsed: the last this many, each of this many bytes at most.
MEMO_TEXTS = 32
MEMO_BYTES = 1024 * 1024

#: The run's parsed texts (text → pickled tree), the most recently used last; set for the
#: length of a run by :func:`parsed_once`, and None outside one (then each call parses).
_PARSED: ContextVar[OrderedDict[str, bytes] | None] = ContextVar('parsed', default=None)


@contextmanager
def parsed_once() -> Iterator[None]:
    """For the length of a run: each text is parsed once (see the module's docstring)."""
    token = _PARSED.set(OrderedDict())
    try:
        yield
    finally:
        _PARSED.reset(token)


class UnreadableText(ValueError):
    """A text past what the bot parses; its message says which bound and by how much."""


def unreadable(text: str) -> str:
    """Why *text* is past what the bot parses, '' when it is not: one pass per count, each
    linear in the text, whatever it holds."""
    size = len(text.encode('utf-8', 'surrogatepass'))
    if size > MAX_BYTES:
        return f'{size:,} bytes of wikitext, above the {MAX_BYTES:,} the bot parses'
    tags = text.count('<') - text.count('</')
    openings = tags + sum(text.count(opening) for opening, _ in PAIRS)
    if openings > MAX_OPENINGS:
        return (f'{openings:,} templates, links, tables and tags, above the '
                f'{MAX_OPENINGS:,} the bot parses')
    left_open = sum(max(0, text.count(opening) - sum(text.count(c) for c in closings))
                    for opening, closings in PAIRS)
    if openings * (1 + left_open) > MAX_COST:
        return (f'{left_open:,} templates, links or tables left open among {openings:,}; '
                'the parser would take minutes')
    return ''


def parse(text: str) -> Wikicode:
    """*text* parsed, within the bounds.

    :raises UnreadableText: when *text* is past them (see :func:`unreadable`)
    """
    memo = _PARSED.get()
    if memo is not None and text in memo:
        memo.move_to_end(text)
        return pickle.loads(memo[text])  # a tree of the reader's own
    reason = unreadable(text)
    if reason:
        raise UnreadableText(reason)
    tree = mwparserfromhell.parse(text)
    if memo is not None and len(text) <= MEMO_BYTES:
        memo[text] = pickle.dumps(tree)
        while len(memo) > MEMO_TEXTS:
            memo.popitem(last=False)
    return tree


#: The namespace names a category link may start with (lower case).
CATEGORY_NAMESPACES = frozenset({'category'})


def category_names(text: str) -> set[str]:
    """Categories the wikitext puts its page in, as ``Category:Name``."""
    names = set()
    for link in _links(text):
        target = str(link.title).strip()
        namespace, sep, rest = target.partition(':')
        if sep and namespace.strip().lower() in CATEGORY_NAMESPACES and rest.strip():
            names.add('Category:' + rest.strip().replace('_', ' '))
    return names


def _links(text: str) -> list[Wikilink]:
    try:
        return parse(text).filter_wikilinks(recursive=True)
    except Exception:  # noqa: BLE001 - malformed wikitext must never end a run
        return []
