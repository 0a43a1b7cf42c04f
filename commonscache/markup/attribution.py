"""Licence and author of a file as plain text, and licences as identities to compare.

Commons serves them as ``extmetadata`` (LicenseShortName, Artist; HTML) through the
CommonsMetadata extension, which reads the machine-readable markup of the licence and
information templates (https://commons.wikimedia.org/wiki/Commons:Machine-readable_data).
A source wiki without that extension gets them from the description's wikitext: the author
parameter of the description template ({{Information}}, {{Artwork}}, {{Photograph}},
{{Flickr}}, {{BArch-image}}, infobox-style ones), with the templates real pages put there
rendered as Commons renders them ({{Creator:X}}, {{Original uploader|X|...}}, {{Author
assumed|X}}, {{Unknown|author}} ...); and the licence templates, of which the one
CommonsMetadata would report is picked (its LicenseParser's priority: public domain, then
CC0, CC BY, CC BY-SA, other licences, GFDL last; a higher version first).

Licence names change format over the years on Commons ("CC-BY-SA-3.0" in old records, "CC
BY-SA 3.0" now), so they are compared as identities (:func:`licence_identity`), and a
multi-licensed file as the set of its licences.
"""
from __future__ import annotations

import html
import re

from mwparserfromhell.nodes import Template
from mwparserfromhell.wikicode import Wikicode

from commonscache.markup import wikitext

_TAG = re.compile(r'<[^>]*>')
_SPACE = re.compile(r'\s+')
_CC = re.compile(
    r'^cc-(?P<kind>by(?:-sa|-nd|-nc|-nc-sa|-nc-nd)?|zero|0)'
    r'(?:-(?P<version>all|\d(?:\.\d)?)(?:,[\d.,]+)?)?(?:-(?P<port>[a-z]{2,3}))?(?:-.*)?$', re.I)
#: What {{cc-by-sa-all}} stands for at its highest: 3.0 when most pages using it were
#: written (Template:Cc-by-sa-all listed 3.0, 2.5, 2.0, 1.0; 4.0 was added later).
ALL_VERSIONS = '3.0'
#: Templates whose unnamed parameters name licence templates, like {{self|cc-by-sa-4.0|GFDL}}.
LICENCE_WRAPPERS = {'self', 'self2', 'multi-license', 'multilicense', 'dual-license',
                    'dual license', 'multi license'}
#: Licence templates known by their whole name, with the short name Commons gives them.
NAMED_LICENCES = {'attribution': 'Attribution', 'fal': 'FAL', 'free art license': 'FAL',
                  'copyrighted free use': 'Copyrighted free use', 'cc0': 'CC0'}
#: The author's parameter in the description templates real pages use, by template.
AUTHOR_PARAMETERS = {
    'information': ('author', 'Author'),
    'artwork': ('artist', 'Artist', 'author', 'Author'),
    'photograph': ('photographer', 'Photographer', 'author'),
    'art photo': ('photographer', 'artist'),
    'book': ('author', 'Author'),
    'map': ('cartographer', 'author'),
    'flickr': ('photographer', 'author'),
    'barch-image': ('photographer', 'author'),
    'infobox aircraft image': ('imageauthor', 'author'),
}
#: Templates that render a name given as their first parameter.
NAME_TEMPLATES = {'original uploader', 'author assumed', 'user', 'u', 'creator', 'w',
                  'flickr user', 'au'}
#: Templates that render a fixed credit, by the first parameter they take.
UNKNOWN = {'author': 'Unknown author', 'photographer': 'Unknown photographer',
           'artist': 'Unknown artist', '': 'Unknown'}
_AUTHOR_LINE = re.compile(
    r'^\s*\|\s*(' + '|'.join(sorted({name for names in AUTHOR_PARAMETERS.values()
                                     for name in names})) + r')\s*=\s*(.+?)\s*$', re.M)
#: Language templates ({{en|...}}) and the like render their text.
_LANGUAGE = re.compile(r'^[a-z]{2,3}(?:-[a-z]+)?$')


def plain_text(value: str) -> str:
    """HTML or wikitext-ish markup reduced to one line of text."""
    text = _TAG.sub('', value)
    return _SPACE.sub(' ', html.unescape(text)).strip()


def _template_name(template: Template) -> str:
    return str(template.name).strip().replace('_', ' ').lower()


# --- licences ---------------------------------------------------------------------------------

def licence_name(template: str) -> str:
    """The short licence name a licence template stands for ('' if it is not one):
    ``cc-by-sa-3.0-de`` is "CC BY-SA 3.0 de", ``PD-old-100`` "Public domain"."""
    name = template.strip().replace('_', ' ').replace(' ', '-')
    lower = name.lower()
    if lower.replace('-', ' ') in NAMED_LICENCES:
        return NAMED_LICENCES[lower.replace('-', ' ')]
    match = _CC.match(name)
    if match:
        kind, version, port = match.group('kind', 'version', 'port')
        if kind.lower() in ('zero', '0'):
            return 'CC0'
        if version and version.lower() == 'all':
            version = ALL_VERSIONS
        return ' '.join(filter(None, ['CC', kind.upper(), version, port and port.lower()]))
    if lower.startswith('pd-') or lower == 'pd':
        return 'Public domain'
    if lower.startswith('gfdl'):
        return 'GFDL'
    return ''


def licence_identity(name: str) -> str:
    """A licence name as the thing it names, whatever its spelling: ``CC-BY-SA-3.0``,
    ``CC BY-SA 3.0`` and ``cc_by_sa_3.0`` are ``cc-by-sa-3.0``; the public-domain marks are
    ``pd``, CC0's names ``cc0``; version and port are kept (``cc-by-2.5-pl``)."""
    text = plain_text(name).strip().lower()
    if not text:
        return ''
    flat = re.sub(r'[\s_]+', '-', text)
    if flat in ('public-domain', 'pd', 'public-domain-mark') or flat.startswith('pd-'):
        return 'pd'
    if flat in ('cc0', 'cc-zero', 'cc0-1.0', 'cc-0') or flat.startswith('cc0-'):
        return 'cc0'
    if flat.startswith('gfdl'):
        return 'gfdl'
    named = licence_name(flat)
    if named and named.startswith('CC '):
        return named.lower().replace(' ', '-')
    return flat


def licence_set(value: str) -> frozenset[str]:
    """The identities in a recorded licence value: one name, or several joined with " / "
    (how copies record a multi-licensed file)."""
    return frozenset(filter(None, (licence_identity(part) for part in value.split(' / '))))


def _licence_templates(code: Wikicode) -> list[str]:
    """Every licence a description's templates state, in page order, once each."""
    found: list[str] = []
    for template in code.filter_templates():
        name = _template_name(template)
        candidates = [str(p.value) for p in template.params if not p.showkey] \
            if name in LICENCE_WRAPPERS else [name]
        for candidate in candidates:
            licence = licence_name(candidate)
            if licence and licence not in found:
                found.append(licence)
    return found


def _priority(licence: str) -> tuple[int, float, int]:
    """CommonsMetadata's order: public domain, CC0, CC BY, CC BY-SA, other CC, other
    licences, GFDL; a higher version first, an unported one before a port."""
    identity = licence_identity(licence)
    rank = {'pd': 0, 'cc0': 1, 'gfdl': 9}.get(identity)
    version, port = 0.0, 0
    if rank is None:
        match = re.match(r'^cc-(by(?:-sa)?|[a-z-]+?)(?:-(\d(?:\.\d)?))?(-[a-z]+)?$', identity)
        if match:
            rank = {'by': 2, 'by-sa': 3}.get(match.group(1), 4)
            version = float(match.group(2) or 0)
            port = 1 if match.group(3) else 0
        else:
            rank = 5
    return rank, -version, port


def licences_from_wikitext(text: str) -> list[str]:
    """Every licence the description states, by short name, in page order."""
    try:
        return _licence_templates(wikitext.parse(text))
    except Exception:  # noqa: BLE001 - malformed wikitext must never end a run
        return []


def reported_licence(licences: list[str] | tuple[str, ...]) -> str:
    """Of a description's licences, the one CommonsMetadata would report ('' for none)."""
    return min(licences, key=_priority) if licences else ''


def licence_from_wikitext(text: str) -> str:
    """The one licence CommonsMetadata would report for the description ('' for none)."""
    return reported_licence(licences_from_wikitext(text))


# --- authors ----------------------------------------------------------------------------------

def _rendered(template: Template) -> str:
    """A template in an author field as Commons renders it, as far as the wikitext tells;
    one that cannot be read is its readable text (its name and values), never nothing."""
    name = _template_name(template)
    unnamed = [str(p.value).strip() for p in template.params if not p.showkey]
    if name.startswith('creator:'):
        return str(template.name).strip().split(':', 1)[1].strip()
    if name in NAME_TEMPLATES and unnamed:
        return readable(unnamed[0])
    if name == 'unknown':
        return UNKNOWN.get(unnamed[0].lower() if unnamed else '', 'Unknown')
    if name in ('anonymous', 'anon'):
        return 'Anonymous'
    if _LANGUAGE.match(name) and unnamed:
        return readable(unnamed[0])
    if name in ('label', 'q', 'wikidata label') and unnamed:
        return unnamed[0]  # the item's label lives on Wikidata: its id is what is readable
    values = [readable(str(p.value)) for p in template.params]
    if not any(values) and not name.startswith(('user:', 'template:')):
        # A user's credit template named after them ({{Yuriy Kvach}}).
        return str(template.name).strip()
    return ' '.join(filter(None, values)) or str(template.name).strip()


def readable(value: str) -> str:
    """Wikitext reduced to the text a reader sees: links to their labels, templates to
    their rendering (:func:`_rendered`), markup and comments dropped."""
    code = wikitext.parse(value)
    for template in code.filter_templates(recursive=False):
        try:
            code.replace(template, _rendered(template))
        except ValueError:
            continue
    for link in code.filter_wikilinks(recursive=False):
        if link.text is None:  # [[:uk:user:X]] reads "uk:user:X"
            code.replace(link, str(link.title).strip().lstrip(':'))
    return plain_text(code.strip_code(normalize=True, collapse=True))


def author_from_wikitext(text: str) -> str:
    """The author the description states, as plain text ('' when it states none)."""
    try:
        code = wikitext.parse(text)
    except Exception:  # noqa: BLE001 - malformed wikitext must never end a run
        return ''
    described = False
    for template in code.filter_templates():
        parameters = AUTHOR_PARAMETERS.get(_template_name(template), ())
        described = described or bool(parameters)
        for parameter in parameters:
            if template.has(parameter):
                found = readable(str(template.get(parameter).value))
                if found:
                    return found
    if described:
        return ''
    # A description template that does not parse (a stray "''" or "}" is enough): its
    # author line read on its own, as MediaWiki still shows it.
    for match in _AUTHOR_LINE.finditer(text):
        found = readable(match.group(2))
        if found:
            return found
    return ''
