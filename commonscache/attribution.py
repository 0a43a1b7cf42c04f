"""Licence and author of a file as plain text.

Commons serves them as ``extmetadata`` (LicenseShortName, Artist; HTML) through the
CommonsMetadata extension, which reads the machine-readable markup of the licence and
information templates (https://commons.wikimedia.org/wiki/Commons:Machine-readable_data).
A source wiki without that extension gets them from the description's wikitext: the
``author``/``artist`` parameter of {{Information}}/{{Artwork}}, and licence templates known
by their names ({{cc-by-sa-4.0}}, {{self|cc-by-4.0}}, {{PD-old-100}} ...).
"""
from __future__ import annotations

import html
import re

import mwparserfromhell

_TAG = re.compile(r'<[^>]*>')
_SPACE = re.compile(r'\s+')
_CC = re.compile(r'^cc-(by(?:-sa|-nd|-nc|-nc-sa|-nc-nd)?|zero)(?:-(\d(?:\.\d)?))?', re.I)
#: Templates whose parameters name licence templates, like {{self|cc-by-sa-4.0|GFDL}}.
LICENCE_WRAPPERS = {'self', 'multi-license', 'dual-license'}
AUTHOR_PARAMETERS = {'information': ('author', 'Author'), 'artwork': ('artist', 'Artist'),
                     'photograph': ('photographer', 'Photographer')}


def plain_text(value: str) -> str:
    """HTML or wikitext-ish markup reduced to one line of text."""
    text = _TAG.sub('', value)
    return _SPACE.sub(' ', html.unescape(text)).strip()


def licence_name(template: str) -> str:
    """The short licence name a licence template stands for, or '' if it is not one."""
    name = template.strip().replace('_', ' ').replace(' ', '-')
    match = _CC.match(name)
    if match:
        kind, version = match.groups()
        if kind.lower() == 'zero':
            return 'CC0'
        return ' '.join(filter(None, ['CC', kind.upper(), version]))
    lower = name.lower()
    if lower.startswith('pd-') or lower == 'pd':
        return 'Public domain'
    if lower.startswith('gfdl'):
        return 'GFDL'
    return ''


def _template_name(template: mwparserfromhell.nodes.Template) -> str:
    return str(template.name).strip().replace('_', ' ').lower()


def licence_from_wikitext(text: str) -> str:
    """The licences that the description's templates state, joined with ' / '."""
    found: list[str] = []
    for template in mwparserfromhell.parse(text).filter_templates():
        name = _template_name(template)
        candidates = [str(p.value) for p in template.params if not p.showkey] \
            if name in LICENCE_WRAPPERS else [name]
        for candidate in candidates:
            licence = licence_name(candidate)
            if licence and licence not in found:
                found.append(licence)
    return ' / '.join(found)


def author_from_wikitext(text: str) -> str:
    """The author stated in {{Information}}, {{Artwork}} or {{Photograph}}, as plain text."""
    for template in mwparserfromhell.parse(text).filter_templates():
        for parameter in AUTHOR_PARAMETERS.get(_template_name(template), ()):
            if template.has(parameter):
                value = mwparserfromhell.parse(str(template.get(parameter).value))
                text_value = plain_text(value.strip_code(normalize=True, collapse=True))
                if text_value:
                    return text_value
    return ''
