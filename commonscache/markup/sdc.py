"""Structured data on Commons: the MediaInfo entity of a file page, read from its
``mediainfo`` slot, as typed values; what of it a copy carries; and where it contradicts the
page's own description.

Commons keeps a file's structured data (WikibaseMediaInfo) in a second slot of the file
page, beside the wikitext. ``prop=revisions&rvslots=*`` returns both in the request that
reads the description anyway (https://www.mediawiki.org/wiki/API:Revisions); a wiki without
the slot simply returns the main slot. The slot's content is the entity's JSON: ``labels``
(the captions, by language) and ``statements`` (by property; each a main snak, qualifiers
and a rank), as https://www.mediawiki.org/wiki/Wikibase/DataModel/JSON describes it.
``wbgetentities`` replies (which the real entities of the tests come from) carry the same
entity with its ``lastrevid``.

An entity's revision is the file page's revision: the description and the structured data
are two slots of the same page, so one revision id covers both.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from commonscache.markup import wikitext
from commonscache.markup.attribution import licence_identity


class Props:
    """The Wikidata properties read (https://www.wikidata.org/wiki/Property:P275 ...)."""

    LICENCE = 'P275'
    CREATOR = 'P170'
    SOURCE_OF_FILE = 'P7482'
    INCEPTION = 'P571'
    DEPICTS = 'P180'
    VIEWPOINT = 'P1259'      # coordinates of the point of view
    LOCATION = 'P625'        # coordinate location
    FLICKR_PHOTO = 'P12120'
    # qualifiers
    AUTHOR_NAME = 'P2093'    # author name string
    USERNAME = 'P4174'       # Wikimedia username
    URL = 'P2699'
    DESCRIBED_AT = 'P973'    # described at URL
    OPERATOR = 'P137'
    FLICKR_USER = 'P3267'


#: Licence items of Wikidata that Commons' P275 statements name, and the licence each is
#: (https://www.wikidata.org/wiki/Q18199165 ...): the Creative Commons licences Commons
#: accepts in their unported versions, CC0, and the public-domain statuses.
LICENCE_ITEMS = {
    'Q6938433': 'CC0',
    'Q30942811': 'CC BY 1.0',
    'Q19125117': 'CC BY 2.0',
    'Q18810333': 'CC BY 2.5',
    'Q14947546': 'CC BY 3.0',
    'Q20007257': 'CC BY 4.0',
    'Q47001652': 'CC BY-SA 1.0',
    'Q19068220': 'CC BY-SA 2.0',
    'Q19113751': 'CC BY-SA 2.5',
    'Q14946043': 'CC BY-SA 3.0',
    'Q42716613': 'CC BY-SA 3.0 DE',
    'Q18199165': 'CC BY-SA 4.0',
    'Q19652': 'Public domain',
    'Q7257361': 'Public Domain Mark',
}
#: Other items Commons' statements name often, with their English labels: the shown label
#: of an item that the source does not label itself.
KNOWN_ITEMS = {
    **LICENCE_ITEMS,
    'Q66458942': 'original creation by uploader',
    'Q74228490': 'file available on the internet',
    'Q103204': 'Flickr',
    'Q50423863': 'copyrighted',
    'Q88088423': 'dedicated to the public domain by copyright owner',
    'Q60671452': 'work of the federal government of the United States',
}

ValueKind = Literal['item', 'string', 'time', 'coordinates', 'text', 'quantity', 'somevalue',
                    'novalue', 'other']


@dataclass(frozen=True)
class Value:
    """One snak's value.

    :ivar kind: ``somevalue`` and ``novalue`` are Wikibase's "unknown value" and "no value"
    :ivar text: the value as text: an item id, a string or URL, a time (``2016-08-10``, as
        precise as the statement), coordinates (``52.9913,6.5702``), a quantity's amount
    :ivar language: a monolingual text's language
    """

    kind: ValueKind
    text: str = ''
    language: str = ''

    def shown(self, labels: Mapping[str, str] = KNOWN_ITEMS) -> str:
        """The value as a reader sees it: an item with its label where one is known."""
        if self.kind == 'item' and self.text in labels:
            return f'{self.text} ({labels[self.text]})'
        if self.kind in ('somevalue', 'novalue'):
            return {'somevalue': 'unknown value', 'novalue': 'no value'}[self.kind]
        return self.text


@dataclass(frozen=True)
class Statement:
    """One statement: its main value, qualifiers by property, and rank."""

    property: str
    value: Value
    qualifiers: Mapping[str, tuple[Value, ...]] = field(default_factory=dict)
    rank: str = 'normal'

    def qualifier(self, prop: str) -> tuple[Value, ...]:
        return self.qualifiers.get(prop, ())


@dataclass(frozen=True)
class MediaInfo:
    """A file's structured data.

    :ivar id: the entity id, ``M`` and the page id
    :ivar revision: the file page's revision it was read from
    :ivar captions: language → caption
    :ivar statements: property → its statements, in page order
    """

    id: str
    revision: int
    captions: Mapping[str, str] = field(default_factory=dict)
    statements: Mapping[str, tuple[Statement, ...]] = field(default_factory=dict)

    def best(self, prop: str) -> tuple[Statement, ...]:
        """The statements of *prop* that count (Wikibase's "best statements"): the preferred
        ones when there are any, else the normal ones; deprecated ones never."""
        found = self.statements.get(prop, ())
        preferred = tuple(s for s in found if s.rank == 'preferred')
        return preferred or tuple(s for s in found if s.rank == 'normal')

    def values(self, prop: str) -> tuple[Value, ...]:
        return tuple(s.value for s in self.best(prop))

    def kept(self, prop: str) -> tuple[Statement, ...]:
        """Every statement of *prop* but the deprecated ones, in page order: what a copy
        carries (comparisons use :meth:`best`)."""
        return tuple(s for s in self.statements.get(prop, ()) if s.rank != 'deprecated')


# --- reading ---------------------------------------------------------------------------------

def _time(value: Mapping) -> str:
    """A Wikibase time as ISO text, as precise as it is: day (11), month (10), year (9)."""
    stamp = str(value.get('time', '')).lstrip('+')
    date = stamp.split('T', 1)[0]
    precision = int(value.get('precision', 11))
    year, _, rest = date.partition('-')
    month, _, day = rest.partition('-')
    if precision >= 11 and day not in ('', '00'):
        return f'{year}-{month}-{day}'
    if precision >= 10 and month not in ('', '00'):
        return f'{year}-{month}'
    return year


def _number(value: object) -> str:
    return f'{float(value):.6f}'.rstrip('0').rstrip('.') if value is not None else ''


def parse_snak(snak: Mapping) -> Value:
    """A snak's value, typed by its data value's type."""
    kind = snak.get('snaktype', 'value')
    if kind in ('somevalue', 'novalue'):
        return Value(kind)
    datavalue = snak.get('datavalue') or {}
    value = datavalue.get('value')
    match datavalue.get('type'):
        case 'wikibase-entityid':
            ident = value.get('id') or f"Q{value.get('numeric-id', '')}"
            return Value('item', ident)
        case 'string':
            return Value('string', str(value))
        case 'time':
            return Value('time', _time(value))
        case 'globecoordinate':
            return Value('coordinates',
                         f"{_number(value.get('latitude'))},{_number(value.get('longitude'))}")
        case 'monolingualtext':
            return Value('text', str(value.get('text', '')), str(value.get('language', '')))
        case 'quantity':
            return Value('quantity', str(value.get('amount', '')).lstrip('+'))
    return Value('other', json.dumps(value, sort_keys=True) if value is not None else '')


def parse_statement(data: Mapping) -> Statement:
    """A statement in the JSON of Wikibase's data model."""
    snak = data.get('mainsnak') or {}
    qualifiers = data.get('qualifiers') or {}
    if isinstance(qualifiers, list):  # PHP's empty array
        qualifiers = {}
    return Statement(
        property=str(snak.get('property', '')), value=parse_snak(snak),
        qualifiers={prop: tuple(parse_snak(s) for s in snaks)
                    for prop, snaks in qualifiers.items()},
        rank=str(data.get('rank', 'normal')))


def parse_entity(data: Mapping, *, revision: int | None = None) -> MediaInfo:
    """A MediaInfo entity from its JSON (a slot's content or a ``wbgetentities`` entity).
    Empty maps come as ``[]`` from PHP, and old entities name statements ``claims``."""
    labels = data.get('labels') or {}
    statements = data.get('statements', data.get('claims')) or {}
    if isinstance(labels, list):
        labels = {}
    if isinstance(statements, list):
        statements = {}
    return MediaInfo(
        id=str(data.get('id', '')),
        revision=int(data.get('lastrevid', 0) if revision is None else revision),
        captions={lang: str(label.get('value', '')) for lang, label in sorted(labels.items())
                  if label.get('value')},
        statements={prop: tuple(parse_statement(s) for s in found)
                    for prop, found in statements.items()})


def from_slot(slot: Mapping | None, *, revision: int) -> MediaInfo | None:
    """The entity in a revision's ``mediainfo`` slot (as ``rvslots`` returns it), or None
    when the page has no such slot or it cannot be read."""
    if not slot or slot.get('texthidden') or 'content' not in slot:
        return None
    try:
        data = json.loads(slot['content'])
    except (TypeError, ValueError):
        return None
    return parse_entity(data, revision=revision) if isinstance(data, dict) else None


def from_wbgetentities(reply: Mapping) -> dict[str, MediaInfo]:
    """The entities of a ``wbgetentities`` reply, by id (missing ones left out)."""
    return {ident: parse_entity(entity)
            for ident, entity in (reply.get('entities') or {}).items()
            if 'missing' not in entity}


# --- what a copy carries -----------------------------------------------------------------------

def _joined(values: Iterable[str]) -> str:
    return ' / '.join(dict.fromkeys(v for v in values if v))


def creator_names(entity: MediaInfo, labels: Mapping[str, str] = KNOWN_ITEMS, *,
                  every: bool = False) -> tuple[str, ...]:
    """The names the creator statements give: author name strings, Wikimedia usernames,
    and the labels of creator items where they are known; of the best statements, or with
    *every*, of all that are not deprecated."""
    names: list[str] = []
    for statement in (entity.kept if every else entity.best)(Props.CREATOR):
        names += [v.text for v in statement.qualifier(Props.AUTHOR_NAME) if v.text]
        names += [v.text for v in statement.qualifier(Props.USERNAME) if v.text]
        if statement.value.kind == 'item' and statement.value.text in labels:
            names.append(labels[statement.value.text])
    return tuple(dict.fromkeys(names))


def licence_names(entity: MediaInfo) -> tuple[str, ...]:
    """The licences the licence statements name, for the items :data:`LICENCE_ITEMS` knows."""
    return tuple(dict.fromkeys(LICENCE_ITEMS[v.text] for v in entity.values(Props.LICENCE)
                               if v.kind == 'item' and v.text in LICENCE_ITEMS))


#: How a copy marks a preferred statement beside normal ones of the same property.
PREFERRED_MARK = ' (preferred)'


def carried(entity: MediaInfo) -> dict[str, str]:
    """The provenance template's structured-data parameters: plain text a wiki without
    Wikibase shows and a bot reads back (several values joined with " / "). Every statement
    that is not deprecated is carried; where a property has preferred statements beside
    normal ones, the preferred are marked (:data:`PREFERRED_MARK`)."""
    def shown(prop: str) -> str:
        kept = entity.kept(prop)
        mixed = len({s.rank for s in kept}) > 1
        return _joined(s.value.shown() + (PREFERRED_MARK if mixed and s.rank == 'preferred'
                                          else '') for s in kept)

    def qualified(prop: str, qualifier: str) -> str:
        return _joined(q.text for s in entity.kept(prop) for q in s.qualifier(qualifier))

    values = {'sdc-entity': entity.id, 'sdc-revision': str(entity.revision)}
    values |= {f'sdc-caption-{lang}': text for lang, text in entity.captions.items()}
    values |= {
        'sdc-licence': shown(Props.LICENCE),
        'sdc-creator': shown(Props.CREATOR),
        'sdc-creator-name': _joined(creator_names(entity, every=True)),
        'sdc-creator-url': qualified(Props.CREATOR, Props.URL),
        'sdc-source': shown(Props.SOURCE_OF_FILE),
        'sdc-source-url': qualified(Props.SOURCE_OF_FILE, Props.DESCRIBED_AT),
        'sdc-inception': shown(Props.INCEPTION),
        'sdc-depicts': shown(Props.DEPICTS),
        'sdc-coordinates': shown(Props.LOCATION),
        'sdc-viewpoint': shown(Props.VIEWPOINT),
        'sdc-flickr-id': shown(Props.FLICKR_PHOTO),
    }
    return {key: value for key, value in values.items() if value}


_LANGUAGE = re.compile(r'^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$')
#: Templates that hold a description in several languages as named parameters.
MULTILINGUAL = {'langswitch', 'multilingual description', 'mld'}


def description_languages(text: str) -> frozenset[str]:
    """The languages the description of {{Information}} (or the page, without one) is
    written in: language templates (``{{en|1=...}}``) and multilingual ones' parameters."""
    try:
        code = wikitext.parse(text)
    except Exception:  # noqa: BLE001 - malformed wikitext must never end a run
        return frozenset()
    for template in code.filter_templates():
        if str(template.name).strip().lower() == 'information' and \
                template.has('description'):
            code = template.get('description').value
            break
    found = set()
    for template in code.filter_templates():
        name = str(template.name).strip().lower()
        if _LANGUAGE.match(name):
            found.add(name)
        elif name in MULTILINGUAL:
            found |= {str(p.name).strip().lower() for p in template.params
                      if _LANGUAGE.match(str(p.name).strip().lower())}
    return frozenset(found)


def captions_to_show(entity: MediaInfo, description: str) -> dict[str, str]:
    """The captions in languages that the description has no text in."""
    written = description_languages(description)
    return {lang: text for lang, text in entity.captions.items() if lang not in written}


# --- where the source contradicts itself ------------------------------------------------------

def _name_key(name: str) -> str:
    name = unicodedata.normalize('NFKC', name).casefold().replace('_', ' ')
    name = re.sub(r'\buser:', ' ', name)
    return ' '.join(re.sub(r'[^\w\s]', ' ', name).split())


def same_person(one: str, other: str) -> bool:
    """Whether two author names name the same person: equal once case, punctuation,
    ``User:`` and spacing are set aside, or one is a whole-word part of the other
    (``Rafael B. de Moura`` in ``Rafael B. de Moura from Rio de Janeiro, Brasil``)."""
    a, b = _name_key(one), _name_key(other)
    if not a or not b:
        return False
    return a == b or f' {a} ' in f' {b} ' or f' {b} ' in f' {a} '


@dataclass(frozen=True)
class Contradiction:
    """One thing the description and the structured data of a file say differently."""

    what: Literal['licence', 'creator']
    description: str
    structured: str


def contradictions(entity: MediaInfo | None, *, licences: Iterable[str], author: str,
                   author_stated: bool = True) -> tuple[Contradiction, ...]:
    """Where the structured data contradicts the description: a licence statement naming a
    licence the description does not state, or creator statements naming no one the
    description's author names. Only what can be compared counts: licence items
    :data:`LICENCE_ITEMS` does not know, and creators without a name, are left out."""
    if entity is None:
        return ()
    found = []
    described = {licence_identity(name): name for name in licences if licence_identity(name)}
    stated = licence_names(entity)
    if described and stated and any(licence_identity(n) not in described for n in stated):
        found.append(Contradiction('licence', _joined(described.values()), _joined(stated)))
    names = creator_names(entity)
    if author_stated and author and names and \
            not any(same_person(name, author) for name in names):
        found.append(Contradiction('creator', author, _joined(names)))
    return tuple(found)


_DETAIL = re.compile(r'(licence|creator): the description says «(.*?)», the structured data '
                     r'says «(.*?)»(?:; |$)')


def conflict_details(found: Iterable[Contradiction], *, entity: MediaInfo) -> str:
    """The flag's details: both values of each contradiction, and the revision both were
    read from (see :func:`parse_conflict_details`)."""
    parts = [f'{c.what}: the description says «{c.description}», the structured data says '
             f'«{c.structured}»' for c in found]
    return '; '.join(parts) + f' (description and {entity.id} of revision {entity.revision})'


def parse_conflict_details(details: str) -> list[Contradiction]:
    """The contradictions in a flag's details, for the review page's side-by-side table."""
    body = details.rsplit(' (description and ', 1)[0]
    return [Contradiction(what, description, structured)  # type: ignore[arg-type]
            for what, description, structured in _DETAIL.findall(body)]
