"""The shape of the package: imports run one way, from text to page, and the README maps every module.

Layers, lowest first: the base (errors, values, memo), reading/ (text → calls), dialects/ (the
catalogue), report/ (the walk over layers, the table model), writers/ (HTML, SVG, text...) and
frontends/ (the Markdown extension, the MkDocs plugin, the CLI). A module may import its own layer
and those below, anywhere in it: an import inside a function is an import all the same.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "mkdocs_paramcalc"
README = Path(__file__).parent.parent / "README.md"
LAYERS = ("", "reading", "dialects", "code", "report", "writers", "frontends")  # "": the package's top level
# Libraries that only the front ends may use: the core knows nothing of Markdown or MkDocs.
FRONTEND_LIBRARIES = ("markdown", "mkdocs", "pymdownx", "yaml", "sphinx", "docutils", "myst_parser")
# The entry points at the top of the package, which name a front end: the Markdown extension's
# (the package), the command's, and the Sphinx extension's (`extensions = ["mkdocs_paramcalc.sphinx"]`).
ENTRY_POINTS = ("mkdocs_paramcalc.__init__", "mkdocs_paramcalc.__main__", "mkdocs_paramcalc.sphinx")


def _modules() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts): path
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else _relative(path, node)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _relative(path: Path, node: ast.ImportFrom) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)[: -node.level]
    return ".".join([*parts, node.module or ""])


def _layer(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "mkdocs_paramcalc" or len(parts) < 3 or parts[1] not in LAYERS:
        return 0 if module.startswith("mkdocs_paramcalc") else -1
    return LAYERS.index(parts[1])


def _internal(modules: dict[str, Path], name: str) -> str | None:
    """The package's module an import names (`a.b.C` → `a.b` if `C` is a name in it)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_run_one_way(module: str) -> None:
    modules = _modules()
    if module in ENTRY_POINTS:
        return
    own = _layer(module)
    for name in _imports(modules[module]):
        target = _internal(modules, name)
        if target is None or target.endswith("__init__"):
            continue
        assert _layer(target) <= own, f"{module} imports {target}, a layer above it"


def test_there_is_no_import_cycle() -> None:
    modules = _modules()
    graph = {
        module: {t for name in _imports(path) if (t := _internal(modules, name)) and t != module}
        for module, path in modules.items()
    }
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        seen[module] = 1
        for target in sorted(graph.get(module, ())):
            if seen.get(target) == 1:
                raise AssertionError("import cycle: " + " → ".join([*path, module, target]))
            if target not in seen:
                visit(target, [*path, module])
        seen[module] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [])


@pytest.mark.parametrize("module", sorted(m for m in _modules() if 0 < _layer(m) < LAYERS.index("frontends")))
def test_the_core_knows_nothing_of_markdown_or_mkdocs(module: str) -> None:
    for name in _imports(_modules()[module]):
        assert name.split(".")[0] not in FRONTEND_LIBRARIES, f"{module} imports {name}"


def test_the_readme_maps_every_module() -> None:
    listed = set(re.findall(r"`(mkdocs_paramcalc/[\w/]+\.py)`", README.read_text()))
    present = {
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    }
    assert present - listed == set(), "modules the README's Layout table does not list"
    assert listed - present == set(), "modules the README lists that do not exist"
