"""The house keeps its shape (issue 25): no class grows past 250 lines, the bot class holds
a handful of things, and the data the stages hand each other comes from one module of types,
never from another stage (so that following a batch goes down the stages)."""
from __future__ import annotations

import ast
from pathlib import Path

from commonscache import datatypes

PACKAGE = Path(__file__).resolve().parents[2] / 'commonscache'
MODULES = sorted(PACKAGE.rglob('*.py'))
#: the names datatypes.py defines: classes, aliases and constructors
TYPES = {name for name, value in vars(datatypes).items()
         if getattr(value, '__module__', None) == datatypes.__name__
         or name in ('Action', 'Kind')}


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding='utf-8'), str(path))


def test_no_class_over_250_lines():
    long = [f'{path.name}: {node.name} ({node.end_lineno - node.lineno + 1} lines)'
            for path in MODULES for node in tree(path).body
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno >= 250]
    assert long == []


def test_the_stages_take_their_types_from_datatypes():
    assert {'Settings', 'SourceFile', 'SharedFile', 'Snapshot', 'Verdict', 'Outcome'} <= TYPES
    elsewhere = [f'{path.name} imports {alias.name} from {node.module}'
                 for path in MODULES for node in ast.walk(tree(path))
                 if isinstance(node, ast.ImportFrom) and node.module != 'commonscache.datatypes'
                 and (node.module or '').startswith('commonscache')
                 for alias in node.names if alias.name in TYPES]
    assert elsewhere == []


def test_the_bot_keeps_a_handful_of_things():
    bot = next(node for node in tree(PACKAGE / 'running' / 'bot.py').body
               if isinstance(node, ast.ClassDef) and node.name == 'CacheBot')
    kept = {target.attr for node in ast.walk(bot)
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
            and target.value.id == 'self'}
    # the services (wiring, sweep, publisher), what the run was told (run_options,
    # settings, requests, generator_args), and the run's own record
    assert len(kept) <= 12, sorted(kept)


def test_readmes_map_names_every_module_in_its_folder():
    """README's *Where things are* follows the tree: each folder with the modules in it."""
    readme = (PACKAGE.parent / 'README.md').read_text(encoding='utf-8')
    section = readme.split('## Where things are', 1)[1].split('\n## ', 1)[0]
    folder, listed = '', set()
    for row in section.splitlines():
        cells = [[name.strip(' `') for name in cell.split(',') if name.strip(' `')]
                 for cell in row.strip().strip('|').split('|')]
        if not row.startswith('|') or len(cells) < 3 or cells[0] in (['---'], ['folder']):
            continue
        if cells[0]:
            folder = cells[0][0] if cells[0][0].endswith('/') else ''
            listed.update(name for name in cells[0] if name.endswith('.py'))
        listed.update(f'{folder}{name}' for name in cells[1])
    present = {str(path.relative_to(PACKAGE)) for path in MODULES
               if path.name not in ('__init__.py', '__main__.py')}
    assert present == listed
