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
also wraps the value in the source wiki's language template; the one-line form
``; Source: Target|tgt=src`` that FileImporter documents works as well as the two-line one.
Names match case-insensitively, with ``_`` and space alike. Entries FileImporter would skip
are skipped with a warning naming their line; nothing stops a run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from mwparserfromhell.nodes import Heading, Template

from commonscache.markup import wikitext

FILEDESC = '{{int:filedesc}}'
LICENSE_HEADER = '{{int:license-header}}'

_HEADING = re.compile(r'^(={2,3})\s*(.*?)\s*\1\s*$')
_SECOND_LEVEL = ('**', '*#', '*:', '*;')
_MAGIC_WORD = re.compile(r'%[^%]*%')
_COMMENT = re.compile(r'<!--.*?-->', re.S)

#: The sections a rule page may have, by (level-2 heading, level-3 heading).
SECTIONS = {
    ('categories', 'bad'), ('categories', 'map'),
    ('templates', 'good'), ('templates', 'bad'), ('templates', 'remove'),
    ('templates', 'transfer'),
    ('information', 'description'), ('information', 'licensing'),
}
#: The sections of "; Source: Target" pairs; the others are lists of "* Name" items.
PAIRED = {('categories', 'map'), ('templates', 'transfer')}


class RulesError(Exception):
    """A rule file that cannot be read."""


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
    #: entries that were skipped, each naming its line
    warnings: tuple[str, ...] = ()

    def blocking(self, text: str) -> str:
        """The rule that forbids copying a description, '' when none does."""
        try:
            code = wikitext.parse(text)
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
            code = wikitext.parse(text)
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
    """Read a rule page as FileImporter's CommonsHelperConfigParser reads it: what it
    accepts is accepted, and an entry it skips (an empty item, a transfer without a target,
    a malformed parameter rule, a section it does not know) is skipped here too, with a
    warning in :attr:`Rules.warnings` that names the line. Sections may be missing: a page
    with only the rules a farm needs is a rule page.

    :param origin: where it came from (page title or file), for messages
    """
    lists: dict[tuple[str, str], list[str]] = {section: [] for section in SECTIONS}
    pairs: dict[tuple[str, str], list[tuple[str, str, int]]] = {section: [] for section in PAIRED}
    warnings: list[str] = []
    top, section, ignoring = '', None, False
    lines = _COMMENT.sub(lambda m: '\n' * m.group().count('\n'), text).splitlines()
    skip = set()  # a ": Target" line already read as the second line of a pair
    for index, line in enumerate(lines):
        number, stripped = index + 1, line.strip()
        where = f'{origin}, line {number}'
        heading = _HEADING.match(stripped)
        if heading:
            name = heading.group(2).strip().lower()
            ignoring = False
            if len(heading.group(1)) == 2:
                top, section = name, None
            elif (top, name) in SECTIONS:
                section = (top, name)
            else:
                section, ignoring = None, True
                warnings.append(f'{where}: unknown section "{heading.group(2)}" under '
                                f'"{top or "(none)"}"; its lines are ignored')
            continue
        if index in skip or not stripped.startswith(('*', ';', ':')):
            continue  # prose, templates, blank lines: not rules
        if stripped.startswith(_SECOND_LEVEL):
            continue  # "**", "*#", "*:", "*;": notes under an item
        if section is None:
            if not ignoring:  # an unknown section's lines were warned about with it
                warnings.append(f'{where}: "{stripped}" is outside any known section; ignored')
            continue
        if stripped.startswith('*'):
            item = stripped[1:].strip()
            if section in PAIRED:
                warnings.append(f'{where}: "{stripped}" is not a rule of {"/".join(section)} '
                                '(it takes "; Source: Target" lines); ignored')
            elif not item:
                warnings.append(f'{where}: an empty item; skipped')
            else:
                lists[section].append(item)
        elif stripped.startswith(';'):
            if section not in PAIRED:
                warnings.append(f'{where}: "; ..." rules belong under Transfer or Map; ignored')
                continue
            source, sep, target = stripped[1:].partition(':')
            if not sep and index + 1 < len(lines) and lines[index + 1].strip().startswith(':'):
                # The two-line form: the target on the very next line.
                target, sep = lines[index + 1].strip()[1:], ':'
                skip.add(index + 1)
            source, target = source.strip(), target.strip()
            if not source or '|' in source:
                warnings.append(f'{where}: "{stripped}" names no source template; skipped')
            elif not sep or not target:
                warnings.append(f'{where}: "; {source}" has no target (": Target" on the same '
                                'line or the next); skipped')
            else:
                pairs[section].append((source, target, number))
        else:
            warnings.append(f'{where}: "{stripped}" without a "; Source" line before it; '
                            'skipped')
    transfers = {}
    for source, spec, number in pairs[('templates', 'transfer')]:
        transfer = _transfer_rule(source, spec, f'{origin}, line {number}', warnings)
        if transfer:
            transfers[key(source)] = transfer
    return Rules(
        origin=origin,
        bad_categories=frozenset(map(key, lists[('categories', 'bad')])),
        category_map={key(src): tgt.split('|')[0].strip()
                      for src, tgt, _ in pairs[('categories', 'map')]},
        good_templates=frozenset(map(key, lists[('templates', 'good')])),
        bad_templates=frozenset(map(key, lists[('templates', 'bad')])),
        remove_templates=frozenset(map(key, lists[('templates', 'remove')])),
        transfers=transfers,
        headings={**{key(h): FILEDESC for h in lists[('information', 'description')]},
                  **{key(h): LICENSE_HEADER for h in lists[('information', 'licensing')]}},
        warnings=tuple(warnings),
    )


def _transfer_rule(source: str, spec: str, where: str, warnings: list[str]) -> Transfer | None:
    """One transfer's target and parameter rules, read as FileImporter reads them: ``tgt=src``
    (several for one target: aliases, the first present wins), ``+tgt=value`` (added when
    missing), ``@tgt=src`` (wrapped in the language template); only the first ``+`` or ``@``
    is a modifier; a source of the form ``%MAGIC_WORD%`` (CommonsHelper's placeholders) and a
    part without ``=`` are skipped."""
    target, *rules = [part.strip() for part in spec.split('|')]
    if not target or '=' in target:
        warnings.append(f'{where}: ": {spec}" does not start with the target template\'s name; '
                        'skipped')
        return None
    by_target: dict[str, ParameterRule] = {}
    for rule in filter(None, rules):
        name, sep, value = rule.partition('=')
        name, value = name.strip(), value.strip()
        if not sep or not name.lstrip('+@'):
            warnings.append(f'{where}: parameter rule "{rule}" is not of the form '
                            'target=source, +target=value or @target=source; skipped')
            continue
        add, language = name.startswith('+'), name.startswith('@')
        if add or language:
            name = name[1:].strip()
        current = by_target.get(name, ParameterRule(name))
        if add:
            by_target[name] = ParameterRule(name, current.sources, value, current.language)
        elif not _MAGIC_WORD.fullmatch(value):
            by_target[name] = ParameterRule(name, (*current.sources, value), current.default,
                                            current.language or language)
    return Transfer(source, target, tuple(by_target.values()))
