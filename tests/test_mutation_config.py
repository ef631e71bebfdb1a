"""scripts/mutation's module table names what exists: a mutated module that was moved or a test
that was renamed would make mutmut's first (unmutated) run fail and every mutant come out "not
checked", with no score at all (seen when a test of the trust exchange was renamed)."""
from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _mutation_script():
    spec = importlib.util.spec_from_file_location("mutation_script", ROOT / "scripts" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _test_ids(path: Path) -> set[str]:
    """What may follow `file::`: a test function, a test class, or `Class::method`."""
    ids = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            ids.add(node.name)
        if isinstance(node, ast.ClassDef):
            ids |= {f"{node.name}::{m.name}" for m in node.body if isinstance(m, ast.FunctionDef)}
    return ids


def test_every_mutated_module_and_every_test_it_names_exists():
    missing = []
    for module, tests in _mutation_script().MODULES.items():
        if not (ROOT / "components" / f"{module}.py").is_file():
            missing.append(f"components/{module}.py")
        for test in tests:
            file, _, function = test.partition("::")
            if not (ROOT / file).is_file():
                missing.append(file)
            elif function and function.split("[")[0] not in _test_ids(ROOT / file):
                missing.append(test)
    assert missing == []
