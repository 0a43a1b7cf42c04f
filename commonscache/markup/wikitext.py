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
"""
from __future__ import annotations

import mwparserfromhell
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
    reason = unreadable(text)
    if reason:
        raise UnreadableText(reason)
    return mwparserfromhell.parse(text)
