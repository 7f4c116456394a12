"""The layers of docs/architecture.md, enforced: a module imports only from layers above its own."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "frontdesk"

# Top to bottom, as in docs/architecture.md; modules in one layer may import each other.
LAYERS = [
    {"errors"},
    {"redact"},
    {"text"},
    {"tools"},
    {"envs"},
    {"trajectory"},
    {"transcript"},
    {"llm"},
    {"agents", "simulators"},
    {"eval"},
    {"interop"},
    {"api", "gym", "play", "seats"},
    {"cli"},
    {"__init__", "__main__"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def component(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "frontdesk":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def imports() -> list[tuple[str, str, str]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        source = component(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                target = component(name)
                if target and target != source:
                    found.append((str(path.relative_to(PACKAGE.parent)), source, target))
    return found


def test_every_component_has_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert (packages | modules) - set(LAYER_OF) == set()


def test_imports_point_up_the_layers():
    wrong = [
        f"{where}: {source} imports {target}"
        for where, source, target in imports()
        if LAYER_OF[target] > LAYER_OF[source]
    ]
    assert wrong == []
