"""Deploy once per test process, hand each test its own copy.

A program run under the mocks costs about 0.3 CPU-s, and a fleet converging three or five stacks
takes tens of runs. The runs are deterministic (the same keys, certificates and objects each time,
see harness/minting.py), so tests that start from the same deployment share one: `once_per_process`
builds it the first time it is asked for, with those arguments, in this process (each pytest-xdist
worker builds its own), and returns a deep copy every time, the first included, so that whatever a
test changes (a config, a stack's state, the clusters) no other test sees.
"""
from __future__ import annotations

import copy
import functools
import sys
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


_BUILT: list[dict] = []  # every once_per_process cache, for forget_all()


def forget_all() -> None:
    """Empty every once_per_process cache (the next ask builds again)."""
    for built in _BUILT:
        built.clear()


def forget_cached_runs() -> None:
    """Empty every program-run cache of this process: the once_per_process caches and the
    functools caches of the test modules (tests/conftest.py, while mutmut collects its statistics)."""
    forget_all()
    tests = str(Path(__file__).resolve().parents[1])
    for module in list(sys.modules.values()):
        if not (getattr(module, "__file__", None) or "").startswith(tests):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()


def once_per_process(build: Callable[..., T]) -> Callable[..., T]:
    built: dict[tuple, T] = {}
    _BUILT.append(built)

    @functools.wraps(build)
    def copy_of(*args) -> T:
        if args not in built:
            built[args] = build(*args)
        return copy.deepcopy(built[args])

    return copy_of
