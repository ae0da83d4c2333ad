"""Imports run downhill: a module may import its own layer and the layers beneath it, never
one above. docs/ARCHITECTURE.md draws the same floors; this test keeps the shape.

Lazy imports inside functions count too: they are dependencies all the same.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A module belongs to the longest prefix that names it.
LAYERS: list[tuple[str, ...]] = [
    ("models.foundation",),
    ("models.reference",),
    ("models.infrastructure",),
    ("models.tables", "models.migrations"),
    ("models.identity",),
    ("models.policy",),
    ("models.operation", "models.events"),
    ("models.rules",),
    ("workers",),
    ("schema",),
    ("api",),
]


def layer_of(module: str) -> int | None:
    """The floor of a project module, or None for the standard library and third parties."""
    matches = [
        (len(prefix), floor)
        for floor, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1] if matches else None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every (line, module) an import statement names, `from x import y` as x.y too, so that
    `from models import tables` counts as an import of models.tables."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def climbing_imports() -> list[str]:
    found = []
    for top in ("models", "workers", "schema", "api"):
        for path in sorted((ROOT / top).rglob("*.py")):
            importer = module_name(path)
            if importer == "models":
                continue  # the package's docstring only
            own = layer_of(importer)
            if own is None:
                found.append(f"{importer}: in no layer of LAYERS")
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for line, imported in imported_modules(tree):
                floor = layer_of(imported)
                if floor is not None and floor > own:
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return found


def test_no_import_climbs_from_a_lower_layer_to_a_higher_one() -> None:
    assert climbing_imports() == []


@pytest.mark.parametrize(
    ("module", "floor"),
    [
        ("models.foundation.settings", 0),
        ("models.migrations.0001_initial", 3),
        ("models.policy.customer_access", 5),
        ("models.rules.grants", 7),
        ("schema.customers.types", 9),
        ("json", None),
    ],
)
def test_a_module_is_on_the_floor_of_its_longest_prefix(module: str, floor: int | None) -> None:
    assert layer_of(module) == floor


def test_the_checker_reads_the_modules_a_from_import_names() -> None:
    # given a module that imports a rule module through its package
    tree = ast.parse("from models.rules import grants\n")
    # when its imports are read
    names = [module for _, module in imported_modules(tree)]
    # then the rule module itself is among them, on the rules' floor
    assert "models.rules.grants" in names
    assert layer_of("models.rules.grants") == 7
