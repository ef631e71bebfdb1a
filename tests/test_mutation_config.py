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


def test_while_mutmut_collects_each_test_starts_with_no_cached_program_run():
    """What harness/once.py forget_cached_runs (called by tests/conftest.py while mutmut collects)
    clears: a functools cache of a test module (scenarios.cached) and a once_per_process cache;
    otherwise a test reading them would never meet a mutant."""
    import scenarios
    from harness.once import forget_cached_runs, once_per_process

    builds = []
    build = once_per_process(lambda n: builds.append(n) or n)
    build(1), build(1)
    scenarios.cached("east")
    assert builds == [1] and scenarios.cached.cache_info().currsize >= 1
    forget_cached_runs()
    assert scenarios.cached.cache_info().currsize == 0
    build(1)
    assert builds == [1, 1]
