"""Harness, issue 20. A program run that fails leaves nothing behind (harness/program.py `run_loop`): no task still
pending for the next run to execute, no exception nobody retrieved, no coroutine never awaited, so a
passing test run prints no asyncio tracebacks and no warnings. And the harness's faster stack trace
(harness/program.py `stack_trace`) is the SDK's."""
from __future__ import annotations

import asyncio
import gc
import logging
import sys

import pytest
from pulumi.runtime import settings

from components.config.schema import ConfigError
from harness.engine import Engine, EngineError
from harness.program import SDK_STACK_TRACE, run_program, stack_trace
from test_topology import STACKS, per_cluster_config

BASE = {
    "clusters": {"east": {"context": "east"}, "west": {"context": "west"}},
    "links": [{"source": "west", "target": "east"}],
}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(record.getMessage())


def _missing_stack_reference() -> None:
    """c1 reads c2's and c3's outputs, and neither stack exists: the StackReference fails while
    hundreds of registrations and outputs of the run are still in flight."""
    engine = Engine(organization="org")
    engine.init(STACKS["c1"])
    with pytest.raises(EngineError, match="unknown stack"):
        engine.up(STACKS["c1"], per_cluster_config("c1"))


def _bad_config() -> None:
    with pytest.raises(ConfigError):
        run_program({**BASE, "nonsense": True})


@pytest.mark.parametrize("fail", [_missing_stack_reference, _bad_config], ids=["stack-reference", "config"])
def test_a_failed_run_leaves_nothing_behind(fail, monkeypatch):
    logged = _Records()
    asyncio_logger = logging.getLogger("asyncio")
    asyncio_logger.addHandler(logged)
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(f"{u.exc_value!r} in {u.object!r}"))
    try:
        fail()
        loop = asyncio.get_event_loop()
        assert not asyncio.all_tasks(loop), "tasks of the failed run are still pending"
        assert not settings.SETTINGS.outputs and not settings.SETTINGS.rpc_manager.rpcs
        gc.collect()  # what a later collection would report, now
    finally:
        asyncio_logger.removeHandler(logged)
    assert logged.messages == [], logged.messages[:3]
    assert unraisable == [], unraisable[:3]


def test_a_run_after_a_failed_one_runs_alone():
    """Nothing of a failed run reaches the next: it registers exactly what a run on its own does
    (in an order of the SDK's thread pool's making, so compared as a sorted list)."""
    alone = run_program(BASE)
    _missing_stack_reference()
    after = run_program(BASE)
    assert sorted((r.typ, r.name) for r in after.monitor.registrations) == sorted(
        (r.typ, r.name) for r in alone.monitor.registrations)


class _Resource:
    def __init__(self) -> None:
        self.traces = (SDK_STACK_TRACE(), stack_trace())


class _Custom(_Resource):
    def __init__(self) -> None:
        super().__init__()


class _Concrete(_Custom):
    def __init__(self) -> None:
        super().__init__()


def test_the_stack_trace_is_the_sdks():
    sdk, fast = _Concrete().traces  # Resource < CustomResource < a concrete resource, as the SDK expects
    assert len(sdk.frames) > 3 and sdk.frames[0].pc.uri.endswith("/tests/test_harness_quiet.py")
    assert fast == sdk
    sdk, fast = _Custom().traces  # no third __init__ inside the call: empty, or the same frames
    assert fast == sdk
