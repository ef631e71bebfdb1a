"""Shared test set-up: the project root on sys.path (as the Pulumi CLI runs __main__.py), and an
environment that cannot leak the developer's own kubeconfig or PULUMI_K8S_* settings into the
recorded provider inputs."""
import gc
import logging
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

KUBECONFIG = ROOT / "tests" / "fixtures" / "kubeconfig.yaml"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    for key in list(os.environ):
        if key.startswith("PULUMI_K8S_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("KUBECONFIG", str(KUBECONFIG))


# -- mutation testing: every test runs what it checks ---------------------------------------------
# mutmut (scripts/mutation.py) first runs the tests once to learn which test reaches which function
# (MUTANT_UNDER_TEST is "stats" then) and later runs, for each mutant, only the tests credited with
# its function. A test that reads a program run another test cached reaches nothing itself, so it
# would never be run against a mutant. While mutmut collects, each test starts with the program-run
# caches empty (functools caches of the test modules, harness/once.py); fixtures scoped wider than
# a test are not rebuilt, so the first test that uses one is credited with it.

@pytest.fixture(autouse=True)
def _credit_every_test_while_mutmut_collects():
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        from harness.once import forget_cached_runs

        forget_cached_runs()


# -- no leftovers of a program run --------------------------------------------------------------
# A program run that fails (on purpose, in many tests) must leave nothing behind on asyncio: a
# future or task whose exception nobody retrieved, or a task destroyed while pending, is logged by
# asyncio ("Future exception was never retrieved", ...) whenever it is collected, in whatever test
# or at exit (harness/program.py `run_loop` closes each run). Such a log fails the test during
# which it appeared, and one that appears only at the final collection fails the session.

class _AsyncioErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_ASYNCIO_ERRORS = _AsyncioErrors()
logging.getLogger("asyncio").addHandler(_ASYNCIO_ERRORS)


def _described(records: list[logging.LogRecord]) -> str:
    return "\n".join(f"- {r.getMessage()}" for r in records[:5]) + (
        f"\n… and {len(records) - 5} more" if len(records) > 5 else "")


@pytest.fixture(autouse=True)
def _no_asyncio_leftovers():
    before = len(_ASYNCIO_ERRORS.records)
    yield
    new = _ASYNCIO_ERRORS.records[before:]
    assert not new, f"asyncio reported {len(new)} leftover(s) of a program run:\n{_described(new)}"


def pytest_sessionfinish(session, exitstatus):
    before = len(_ASYNCIO_ERRORS.records)
    gc.collect()
    new = _ASYNCIO_ERRORS.records[before:]
    if new and session.exitstatus == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"conftest: asyncio reported {len(new)} leftover(s) of a program run at the end "
                                f"of the session:\n{_described(new)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
