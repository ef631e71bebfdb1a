"""No import circle in components/: every module can be read (and loaded) after the ones it uses.

The graph is built from the source with `ast`, function-level imports included (a lazy import
inside a function is still a dependency, only a hidden one), and with Python's own rule that
importing `a.b.c` first runs `a/__init__.py` and `a/b/__init__.py`.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "components"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module named by a `from … import` (`from .x import y` in `a.b` is `a.x`)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, module: str, modules: set[str]) -> set[str]:
    """The modules of `modules` that `path` imports anywhere in its body (and their packages)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, is_package)
            names = [target]
            # `from pkg import mod` imports the module pkg.mod when there is one
            names += [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
        for name in names:
            parts = name.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {m for m in found if m in modules and m != module}


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    paths = {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    modules = set(paths)
    graph = {}
    for module, path in paths.items():
        edges = imports_of(path, module, modules)
        # Importing a.b.c runs the packages a and a.b first.
        parts = module.split(".")
        edges.update(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in modules)
        edges.discard(module)
        graph[module] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> Optional[list[str]]:
    """One import circle (`[a, b, …, a]`), or None; iterative depth-first search."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def test_components_have_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle in components/: " + " -> ".join(cycle)


def test_the_config_schema_imports_nothing_of_the_program():
    """The models are the bottom layer: the loader and the checks import them, never the reverse."""
    graph = import_graph()
    allowed = {"components", "components.config", "components.constants"}
    assert graph["components.config.schema"] <= allowed, graph["components.config.schema"]
    assert graph["components.constants"] <= {"components"}, graph["components.constants"]


def test_the_graph_sees_lazy_and_relative_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..c import x\n")
    (pkg / "c.py").write_text("import pkg.sub.b\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg", "pkg.sub", "pkg.sub.b"}
    assert graph["pkg.sub.b"] == {"pkg", "pkg.sub", "pkg.c"}
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"pkg.c", "pkg.sub.b"}
    (pkg / "c.py").write_text("x = 1\n")
    assert find_cycle(import_graph(tmp_path, "pkg")) is None


def test_the_mesh_builds_from_the_trusts_answer_and_decides_nothing_about_trust():
    """Where a stack's bundle and issuers come from is decided in one place (trust_exchange.StackTrust);
    mesh.py names none of the pieces that decide it."""
    source = (ROOT / PACKAGE / "mesh.py").read_text()
    names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    names |= {a.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom) for a in n.names}
    deciders = {"mesh_trust", "gate_on_members", "choose_issuer", "running_issuer", "matching_key",
                "sign_member_requests", "supplied_issuer", "IdentityIssuer", "checked_issuer", "checked_bundle"}
    assert not names & deciders, sorted(names & deciders)
