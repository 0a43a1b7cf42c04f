"""Description transfer rules in the CommonsHelper2 format, as MediaWiki's FileImporter
extension reads them (https://www.mediawiki.org/wiki/Extension:FileImporter/Data), so that
a farm's admins can reuse the rule pages they know:

    == Categories ==
    === Bad ===
    * Unsourced images               (a file in one of these is not copied)
    === Map ===                      (commonscache's addition: rename categories)
    ; Harbours
    : Ports
    == Templates ==
    === Good ===
    * Information                    (when listed, a file needs one of them)
    === Bad ===
    * Copyvio                        (a file using one is not copied)
    === Remove ===
    * Nowcommons                     (removed with their parameters)
    === Transfer ===
    ; Beschreibung                   (source template)
    : Information|description=Text|+source=Own work|@author=Urheber
    == Information ==
    === Description ===
    * Summary                        (headings replaced by {{int:filedesc}})
    === Licensing ===
    * Licensing                      (headings replaced by {{int:license-header}})

In a transfer, ``tgt=src`` renames parameter *src* to *tgt* (several sources may feed one
target: the first present wins), ``+tgt=value`` adds *tgt* when it is missing, ``@tgt=src``
also wraps the value in the source wiki's language template. Names match case-insensitively,
with ``_`` and space alike. A malformed page is an error naming its line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import mwparserfromhell
from mwparserfromhell.nodes import Heading, Template

FILEDESC = '{{int:filedesc}}'
LICENSE_HEADER = '{{int:license-header}}'

_HEADING = re.compile(r'^(={2,3})\s*(.*?)\s*\1\s*$')
_ITEM = re.compile(r'^\*\s*(\S.*?)\s*$')
_COMMENT = re.compile(r'<!--.*?-->', re.S)

#: The sections a rule page may have, by (level-2 heading, level-3 heading).
SECTIONS = {
    ('categories', 'bad'), ('categories', 'map'),
    ('templates', 'good'), ('templates', 'bad'), ('templates', 'remove'),
    ('templates', 'transfer'),
    ('information', 'description'), ('information', 'licensing'),
}


class RulesError(Exception):
    """A rule page that cannot be read; the message names the page and line."""


def key(name: str) -> str:
    """How rule items compare: case-insensitive, ``_`` as space, no Template: prefix."""
    name = ' '.join(name.replace('_', ' ').split()).lower()
    return name.removeprefix('template:').removeprefix('category:').strip()


@dataclass(frozen=True)
class ParameterRule:
    """How one target parameter of a transferred template gets its value."""

    target: str
    sources: tuple[str, ...] = ()
    default: str | None = None
    language: bool = False


@dataclass(frozen=True)
class Transfer:
    """A template renamed on the way, with its parameter rules."""

    source: str
    target: str
    parameters: tuple[ParameterRule, ...] = ()


@dataclass(frozen=True)
class Rules:
    """The rules of one rule page; the empty rules change nothing."""

    origin: str = ''
    bad_categories: frozenset[str] = frozenset()
    category_map: dict[str, str] = field(default_factory=dict)
    good_templates: frozenset[str] = frozenset()
    bad_templates: frozenset[str] = frozenset()
    remove_templates: frozenset[str] = frozenset()
    transfers: dict[str, Transfer] = field(default_factory=dict)
    headings: dict[str, str] = field(default_factory=dict)

    def blocking(self, text: str) -> str:
        """The rule that forbids copying a description, '' when none does."""
        try:
            code = mwparserfromhell.parse(text)
        except Exception:  # noqa: BLE001 - malformed wikitext must never end a run
            return ''
        used = {key(str(t.name)): str(t.name).strip() for t in code.filter_templates()}
        for name in sorted(used.keys() & self.bad_templates):
            return f'Templates/Bad: {{{{{used[name]}}}}} in {self.origin}'
        if self.good_templates and not used.keys() & self.good_templates:
            return (f'Templates/Good: none of the required templates in {self.origin}')
        for link in code.filter_wikilinks():
            namespace, sep, name = str(link.title).strip().partition(':')
            if sep and namespace.strip().lower() == 'category' and key(name) in self.bad_categories:
                return f'Categories/Bad: [[Category:{name.strip()}]] in {self.origin}'
        return ''

    def apply(self, text: str, *, language: str) -> tuple[str, list[str]]:
        """The description with headings, obsolete and transferred templates handled, and the
        list of what changed."""
        if not (self.remove_templates or self.transfers or self.headings):
            return text, []
        changes: list[str] = []
        try:
            code = mwparserfromhell.parse(text)
            for heading in code.filter_headings():
                self._heading(heading, changes)
            for template in code.filter_templates():
                if key(str(template.name)) in self.remove_templates:
                    if code.contains(template):
                        code.remove(template)
                        changes.append(f'removed obsolete {{{{{str(template.name).strip()}}}}}')
                elif key(str(template.name)) in self.transfers:
                    self._transfer(template, language, changes)
        except Exception as error:  # noqa: BLE001 - malformed wikitext must never end a run
            return text, [f'rules not applied: the description could not be parsed ({error})']
        return re.sub(r'\n{3,}', '\n\n', str(code)), changes

    def _heading(self, heading: Heading, changes: list[str]) -> None:
        raw = str(heading.title)
        title = raw.strip()
        replacement = self.headings.get(key(title))
        if replacement and title != replacement:
            heading.title = raw.replace(title, replacement, 1)  # keeps the spacing
            changes.append(f'heading "{title}" became {replacement}')

    def _transfer(self, template: Template, language: str, changes: list[str]) -> None:
        transfer = self.transfers[key(str(template.name))]
        old = str(template.name).strip()
        template.name = transfer.target + ('\n' if str(template.name).endswith('\n') else '')
        for rule in transfer.parameters:
            for source in rule.sources:
                if template.has(source) and not template.has(rule.target):
                    parameter = template.get(source)
                    value = str(parameter.value)
                    if rule.language and language:
                        stripped = value.strip()
                        value = value.replace(stripped, f'{{{{{language}|1={stripped}}}}}', 1)
                    parameter.name = rule.target
                    parameter.showkey = True
                    parameter.value = value
                    break
            if rule.default is not None and not template.has(rule.target):
                template.add(rule.target, rule.default)
        changes.append(f'{{{{{old}}}}} became {{{{{transfer.target}}}}}')


def parse_rules(text: str, origin: str) -> Rules:
    """Read a rule page.

    :param origin: where it came from (page title or file), for messages
    :raises RulesError: naming the line that cannot be read
    """
    lists: dict[tuple[str, str], list[str]] = {section: [] for section in SECTIONS}
    pairs: dict[tuple[str, str], list[tuple[str, str, int]]] = {
        ('categories', 'map'): [], ('templates', 'transfer'): []}
    top, section = '', None
    pending: tuple[str, int] | None = None
    lines = _COMMENT.sub(lambda m: '\n' * m.group().count('\n'), text).splitlines()
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        where = f'{origin}, line {number}'
        heading = _HEADING.match(stripped)
        if pending and not stripped.startswith(':'):
            raise RulesError(f'{origin}, line {pending[1]}: "; {pending[0]}" needs a '
                             '": Target" line right after it')
        if heading:
            name = heading.group(2).strip().lower()
            if len(heading.group(1)) == 2:
                top, section = name, None
            elif (top, name) in SECTIONS:
                section = (top, name)
            else:
                raise RulesError(f'{where}: unknown section "{heading.group(2)}" under '
                                 f'"{top or "(none)"}"')
            continue
        if not stripped or stripped.startswith('**'):
            continue
        if section is None:
            if stripped.startswith(('*', ';', ':')):
                raise RulesError(f'{where}: a rule outside any known section')
            continue
        if stripped.startswith('*'):
            item = _ITEM.match(stripped)
            if section in pairs or not item:
                raise RulesError(f'{where}: "{stripped}" is not a rule of {"/".join(section)}')
            lists[section].append(item.group(1))
        elif stripped.startswith(';'):
            if section not in pairs:
                raise RulesError(f'{where}: "; ..." rules belong under Transfer or Map')
            pending = (stripped[1:].strip(), number)
        elif stripped.startswith(':'):
            if not pending:
                raise RulesError(f'{where}: ": {stripped[1:].strip()}" without a "; Source" '
                                 'line before it')
            pairs[section].append((pending[0], stripped[1:].strip(), number))
            pending = None
    if pending:
        raise RulesError(f'{origin}, line {pending[1]}: "; {pending[0]}" needs a ": Target" '
                         'line right after it')
    return Rules(
        origin=origin,
        bad_categories=frozenset(map(key, lists[('categories', 'bad')])),
        category_map={key(src): tgt.strip() for src, tgt, _ in pairs[('categories', 'map')]},
        good_templates=frozenset(map(key, lists[('templates', 'good')])),
        bad_templates=frozenset(map(key, lists[('templates', 'bad')])),
        remove_templates=frozenset(map(key, lists[('templates', 'remove')])),
        transfers={key(src): _transfer_rule(src, target, f'{origin}, line {number}')
                   for src, target, number in pairs[('templates', 'transfer')]},
        headings={**{key(h): FILEDESC for h in lists[('information', 'description')]},
                  **{key(h): LICENSE_HEADER for h in lists[('information', 'licensing')]}},
    )


def _transfer_rule(source: str, spec: str, where: str) -> Transfer:
    target, *rules = [part.strip() for part in spec.split('|')]
    if not target or '=' in target:
        raise RulesError(f'{where}: ": {spec}" must start with the target template\'s name')
    by_target: dict[str, ParameterRule] = {}
    for rule in filter(None, rules):
        name, sep, value = rule.partition('=')
        if not sep or not name.strip():
            raise RulesError(f'{where}: parameter rule "{rule}" is not of the form '
                             'target=source, +target=value or @target=source')
        name, value = name.strip(), value.strip()
        add, language = name.startswith('+'), name.startswith('@')
        name = name.lstrip('+@').strip()
        current = by_target.get(name, ParameterRule(name))
        if add:
            current = ParameterRule(name, current.sources, value, current.language)
        elif '%' not in value:  # CommonsHelper placeholders (%AUTHOR%) carry no value here
            current = ParameterRule(name, (*current.sources, value), current.default,
                                    current.language or language)
        by_target[name] = current
    return Transfer(source.strip(), target, tuple(by_target.values()))
