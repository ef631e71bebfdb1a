"""Run the real `__main__.py` in-process under mocks, the way `pulumi up`/`preview` would.

`run_program` sets the stack config as the Pulumi CLI passes it (`cli_config`), executes the
program, waits for every output, and returns the recording plus the resolved stack outputs and
which of them are secret or unknown.
"""
from __future__ import annotations

import asyncio
import functools
import pathlib
import sys
import concurrent.futures
import contextlib
import copy
import dataclasses
import gc
import inspect
import json
import logging
import runpy
import threading
import types
from pathlib import Path
from typing import Any, Optional

import pulumi
import yaml
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import settings
from pulumi.runtime.proto import source_pb2

from .cluster import World
from .mocks import MeshMocks, StackOutputs
from .recording import RecordingMonitor


ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "__main__.py"
PROJECT = "linkerd-multicluster"


@dataclasses.dataclass
class Run:
    monitor: RecordingMonitor
    mocks: MeshMocks
    outputs: dict[str, Any]
    """Resolved stack outputs (None where unknown)."""
    secret: set[str]
    unknown: set[str]
    warnings: list[str] = dataclasses.field(default_factory=list)
    """What the program logged with `pulumi.log.warn` (shown by the CLI as warnings)."""
    steps: list = dataclasses.field(default_factory=list)
    """The engine model's plan, in the order the steps ran (engine.Step)."""
    commands: list[str] = dataclasses.field(default_factory=list)
    """Commands pulumi-command ran (creates, and deletes from state)."""
    state: dict = dataclasses.field(default_factory=dict)
    """The stack's state after the run (engine.ResourceState by URN)."""

    def plan(self, *ops: str) -> dict[str, list[str]]:
        """Resource names by step (`same` left out unless asked for), e.g. {"update": [...]}."""
        wanted = ops or ("create", "update", "replace", "delete")
        out: dict[str, list[str]] = {}
        for step in self.steps:
            if step.op in wanted:
                out.setdefault(step.op, []).append(step.name)
        return out

    def step(self, name: str):
        """The step of the resource called `name` (exactly one)."""
        found = [s for s in self.steps if s.name == name and s.op != "read"]
        assert len(found) == 1, f"expected one step for {name!r}, found {found}"
        return found[0]

    def as_stack_reference(self) -> StackOutputs:
        """This run's outputs as another stack's StackReference would see them."""
        return StackOutputs(outputs=self.outputs, secret_names=sorted(self.secret), world=self.mocks.world)


@dataclasses.dataclass(frozen=True)
class Secure:
    """A value set with `pulumi config set --secret` (the plaintext the CLI decrypts it to)."""

    plaintext: str


def _is_secure(value: Any) -> bool:
    if isinstance(value, Secure):
        return True
    if isinstance(value, dict):
        return any(_is_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_secure(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    if isinstance(value, Secure):
        return value.plaintext
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def cli_config(config: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Stack config (top-level key -> YAML value) as the Pulumi CLI hands it to the program.

    pulumi/pulumi `sdk/go/common/resource/config/object.go`, `object.MarshalString`: a plain string
    (or a top-level secure string, decrypted) is passed *raw*; a bool or number as its JSON text;
    a map or list as JSON text (Go's encoding/json: compact, map keys sorted), with nested secure
    values decrypted in place. `Map.SecureKeys` / `object.Secure()` report a top-level key as
    secret (PULUMI_CONFIG_SECRET_KEYS) when any value inside it is secure, which is what
    `pulumi config set --secret --path 'a.b.c'` produces.
    """
    values: dict[str, str] = {}
    secret: list[str] = []
    for key, value in config.items():
        full = f"{PROJECT}:{key}"
        plain = _plain(value)
        values[full] = plain if isinstance(plain, str) else json.dumps(plain, separators=(",", ":"), sort_keys=True)
        if _is_secure(value):
            secret.append(full)
    return values, secret


def stack_file_config(stack: str) -> dict[str, Any]:
    """The `linkerd-multicluster:` keys of a committed `Pulumi.<stack>.yaml`, as plain objects."""
    return config_file(ROOT / f"Pulumi.{stack}.yaml")


def config_file(path: Path) -> dict[str, Any]:
    """The `linkerd-multicluster:` keys of a stack settings file (nested YAML, as the CLI reads it).

    A `secure:` value cannot be decrypted here: committed example stacks must not hold any."""
    doc = yaml.safe_load(Path(path).read_text()) or {}
    prefix = f"{PROJECT}:"
    found = {k[len(prefix):]: v for k, v in (doc.get("config") or {}).items() if k.startswith(prefix)}

    def no_ciphertext(value: Any, where: str) -> None:
        if isinstance(value, dict):
            if set(value) == {"secure"}:
                raise ValueError(f"{path}: {where} is a secure value; tests cannot decrypt it")
            for k, v in value.items():
                no_ciphertext(v, f"{where}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                no_ciphertext(v, f"{where}[{i}]")

    for key, value in found.items():
        no_ciphertext(value, key)
    return found


def run_program(config: dict[str, Any], *, stack: str = "dev", preview: bool = False,
                stacks: Optional[dict[str, StackOutputs]] = None, world: Optional[World] = None,
                raw_config: Optional[dict[str, str]] = None) -> Run:
    """One `pulumi up` (or `preview`) of a new stack: `config` (top-level key -> YAML value,
    `Secure` for secret values) as stack config on an engine model with empty state; `stacks`
    are other stacks' outputs its StackReferences read; `raw_config` adds config strings exactly
    as given (malformed input)."""
    from .engine import Engine, StackRecord

    if world is None:
        # The clusters as the other stack's run left them (a copy: runs are shared between tests),
        # so that what it exported is labelled for this stack's Links to mirror.
        known = [s.world for s in (stacks or {}).values() if s.world is not None]
        world = copy.deepcopy(known[0]) if known else default_world()
    engine = Engine(world=world)
    for name, found in (stacks or {}).items():
        engine.stacks[name] = StackRecord(state={}, outputs=found.outputs, secret_names=list(found.secret_names))
    engine.init(stack)
    if preview:
        return engine.preview(stack, config, raw_config=raw_config)
    return engine.up(stack, config, raw_config=raw_config, skip_preview=True)


def execute_program(config: dict[str, Any], *, stack: str, preview: bool, engine=None, engine_run=None,
                    raw_config: Optional[dict[str, str]] = None, after=None) -> Run:
    """Run `__main__.py` under the mocks, with the config as the CLI passes it (`cli_config`), on an
    event loop of its own (`run_loop`)."""
    with run_loop(failed=lambda: bool(engine_run is not None and engine_run.errors)):
        return _execute_program(config, stack=stack, preview=preview, engine=engine, engine_run=engine_run,
                                raw_config=raw_config, after=after)


def _execute_program(config: dict[str, Any], *, stack: str, preview: bool, engine, engine_run,
                     raw_config: Optional[dict[str, str]], after) -> Run:
    settings.ROOT.set(None)  # a fresh root Stack: no exports left over from an earlier run
    world = engine.world if engine is not None else default_world()
    mocks = MeshMocks(preview=preview, world=world, stack=stack, engine_run=engine_run)
    if engine_run is not None:
        from .engine import EngineMonitor

        engine_run.mocks = mocks
        monitor: RecordingMonitor = EngineMonitor(mocks, engine_run)
    else:
        monitor = RecordingMonitor(mocks)
    logger, warnings = _capturing_logger()
    organization = engine.organization if engine is not None else "organization"
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor, logger=logger,
                             organization=organization)
    values, secret_keys = cli_config(config)
    values.update(raw_config or {})
    pulumi.runtime.set_all_config(values, secret_keys)

    resolved: dict[str, Any] = {}
    secret: set[str] = set()
    unknown: set[str] = set()

    @pulumi.runtime.test
    async def execute():
        runpy.run_path(str(MAIN), run_name="__main__")
        for name, out in settings.get_root_resource().outputs.items():
            out = pulumi.Output.from_input(out)
            if not await out.is_known():
                unknown.add(name)
            if await out.is_secret():
                secret.add(name)
            resolved[name] = await out.future()

    execute()
    run = Run(monitor=monitor, mocks=mocks, outputs=resolved, secret=secret, unknown=unknown, warnings=warnings)
    if engine_run is not None:
        run.steps = engine_run.steps
        run.commands = engine_run.commands
        run.state = engine_run.new
        if after is not None:
            after(run)
    return run


class _RunExecutor(concurrent.futures.ThreadPoolExecutor):
    """A run's default executor (the SDK sends every registration and read through it). Its calls go
    to one pool shared by all runs, so the worker threads, and the event loop each of them keeps
    for the mocks' `_sync_await`, live as long as the process; it remembers its own calls, so that
    closing the run waits for those still running and no call of a finished run lands in the next."""

    _pool: Optional[concurrent.futures.ThreadPoolExecutor] = None
    _pool_lock = threading.Lock()

    def __init__(self) -> None:
        super().__init__(max_workers=1)  # starts no thread: submit goes to the shared pool
        self.calls: list[concurrent.futures.Future] = []

    @classmethod
    def shared_pool(cls) -> concurrent.futures.ThreadPoolExecutor:
        with cls._pool_lock:
            if cls._pool is None:
                cls._pool = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="pulumi-mocks")
            return cls._pool

    def submit(self, fn, /, *args, **kwargs):
        call = self.shared_pool().submit(fn, *args, **kwargs)
        self.calls.append(call)
        return call

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if wait:
            concurrent.futures.wait(self.calls)


@contextlib.contextmanager
def run_loop(failed=lambda: False):
    """One program run on an event loop of its own, closed when the run is over.

    The SDK runs the program on the thread's current event loop (`pulumi.runtime.test` ->
    `_sync_await` -> `get_event_loop`). When a run fails (a config error, a refused step, a
    StackReference to a missing stack), `run_pulumi_func` re-raises at once and leaves the rest of
    the program behind on that loop: hundreds of tasks still pending (registrations, applies,
    `Output.is_known` coroutines) and futures holding the error. On a shared loop the next run
    would run those leftovers (against its own mocks and clusters), and at garbage collection
    asyncio reports "Future exception was never retrieved" / "Task was destroyed but it is pending"
    / "coroutine ... was never awaited". Here the leftovers of the run are cancelled and awaited
    (each error retrieved: the run's own error is what the caller sees), its registrations still
    in the executor are waited for, and its loop is closed.
    A run failed when it raised or when `failed()` says so (the engine model recorded an error of
    a step while the program itself went on)."""
    policy = asyncio.get_event_loop_policy()
    try:
        previous = policy.get_event_loop()
    except RuntimeError:  # none set for this thread
        previous = None
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_RunExecutor())
    # Every task of the run is kept until the run is closed: a task that ended with the run's error
    # and that nothing refers to any more (the SDK drops an errored output's task once it has
    # raised it) would otherwise be collected, and reported, in the middle of the run.
    tasks: list[asyncio.Task] = []

    def keeping(loop, coro, context=None):
        task = asyncio.Task(coro, loop=loop, context=context)
        tasks.append(task)
        return task

    loop.set_task_factory(keeping)
    policy.set_event_loop(loop)
    raised = False
    try:
        yield loop
    except BaseException:
        raised = True
        raise
    finally:
        try:
            _finish_leftovers(loop)
        finally:
            policy.set_event_loop(previous)
            settings.SETTINGS.outputs.clear()
            settings.SETTINGS.rpc_manager.clear()
            if raised or failed():
                _settle_failed_run(loop)
            tasks.clear()


def _finish_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    while True:
        leftovers = asyncio.all_tasks(loop)
        if not leftovers:
            break
        for task in leftovers:
            task.cancel()
        # return_exceptions: each task's exception (or cancellation) is retrieved here.
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


_SDK = str(Path(pulumi.__file__).parent)


def _settle_failed_run(loop: asyncio.AbstractEventLoop) -> None:
    """After a failed run, with its loop closed: what it left that would be reported when collected.

    - Futures and tasks of the run that ended with an error nobody awaited: the failure itself
      (an EngineError, a ConfigError) as seen from every place still waiting on it when the run
      stopped, e.g. each StackReference's `__is_secret_name` task. The run's own error is what
      the caller gets; these are retrieved, so asyncio does not log "… exception was never
      retrieved" for them.
    - SDK coroutines never started: `Output.__init__` (pulumi/output.py) takes its value, known
      and secret parts as awaitables and awaits them one after the other in a task;
      `StackReference.get_output`/`require_output` pass `value.future()` and `value.is_known()`
      coroutines. When that task ends early (the StackReference failed, or the run was
      cancelled), those are never started, and Python reports "coroutine 'Output.future' was
      never awaited" when they are collected. Nothing can await them any more: they are closed.
    """
    for obj in gc.get_objects():
        if isinstance(obj, asyncio.Future):
            if obj.get_loop() is loop and obj.done() and not obj.cancelled():
                obj.exception()
        elif (isinstance(obj, types.CoroutineType) and inspect.getcoroutinestate(obj) == inspect.CORO_CREATED
              and obj.cr_code.co_filename.startswith(_SDK)):
            obj.close()


def _capturing_logger() -> tuple[logging.Logger, list[str]]:
    warnings: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    logger = logging.getLogger(f"pulumi-mocks-{id(warnings)}")
    logger.propagate = False
    logger.addHandler(Capture())
    return logger, warnings


def default_world() -> World:
    """Clusters whose clouds give every LoadBalancer an address (east: IP, west: hostname, as EKS),
    with the application Services the example configs export, and an Emissary already running
    in east's `ambassador` namespace."""
    from .chart_emulation import existing_emissary_deployment, existing_emissary_service

    world = World(
        lb_addresses={
            "east": [{"ip": "203.0.113.10"}],
            "west": [{"hostname": "west-gw.elb.example.com"}],
            "north": [{"ip": "203.0.113.30"}],
        },
        application_services={
            "east": {"test/foobar", "test/frontend"},
            "west": {"test/foobar", "test/frontend"},
            "north": {"test/foobar"},
            **{f"c{i}": {f"app/svc{i}"} for i in range(1, 21)},
        },
    )
    ambassador = existing_emissary_service()
    ambassador["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.50"}]}}
    world.services[("east", "ambassador/ambassador")] = ambassador
    world.create("east", existing_emissary_deployment())
    return world


# -- the SDK's per-registration stack trace ---------------------------------------------------------

SDK_STACK_TRACE = sdk_resource._get_stack_trace


@functools.lru_cache(maxsize=None)
def _uri(filename: str) -> Optional[str]:
    try:
        return pathlib.Path(filename).as_uri()
    except BaseException:  # noqa: BLE001 as the SDK: a frame without a usable file has no position
        return None


def stack_trace(_depth: int = 1) -> source_pb2.StackTrace:
    """`_get_stack_trace()` of the caller (`_depth` frames up from here).

    The SDK's per-registration stack trace, computed without reading source files.

    For every resource it registers, the Python SDK sends the monitor the stack of the code that made
    it (`pulumi/runtime/resource.py` `_get_stack_trace`): `traceback.extract_stack()`, which also loads
    the source line of every frame (a `stat` of each file, through linecache), then one `file://` URI
    per frame through `pathlib`. Under pytest the stack is some 70 frames deep, and the suite runs
    the program a few thousand times, for a field no mock reads.

    This builds the same `StackTrace` message (frames, top first, up to the frame before the
    third `__init__` from the top; file URIs and line numbers) from the frames themselves, with each
    file's URI made once; it takes the SDK's place (below). tests/test_harness_quiet.py checks
    that both give the same message.
    """
    frames = []
    frame = sys._getframe(_depth)
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    # frames[0] is the innermost, as `reversed(traceback.extract_stack())`.
    seen = 0
    cut = None
    for index, f in enumerate(frames):
        if f.f_code.co_name == "__init__":
            seen += 1
            if seen == 3:
                cut = index
                break
    # The SDK's loop variable `i` ends at 0 when no third `__init__` is found, and it also returns an
    # empty trace when the third one is the outermost frame (`i < 1`).
    if cut is None or cut == len(frames) - 1:
        return source_pb2.StackTrace()
    out = []
    for f in frames[cut + 1:]:
        lineno = f.f_lineno
        uri = _uri(f.f_code.co_filename) if f.f_code.co_filename != "" and lineno is not None else None
        out.append(source_pb2.StackFrame(pc=source_pb2.SourcePosition(uri=uri, line=lineno)) if uri is not None
                   else source_pb2.StackFrame(pc=None))
    return source_pb2.StackTrace(frames=out)


def _installed() -> source_pb2.StackTrace:
    return stack_trace(2)


sdk_resource._get_stack_trace = _installed
