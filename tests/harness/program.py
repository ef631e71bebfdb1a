"""Run the real `__main__.py` in-process under mocks, the way `pulumi up`/`preview` would.

`run_program` sets the stack config exactly as the CLI passes it (JSON text per top-level key),
executes the program, waits for every output, and returns the recording plus the resolved stack
outputs and which of them are secret or unknown.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import runpy
from pathlib import Path
from typing import Any, Optional

import pulumi
import yaml
from pulumi.runtime import settings

from .mocks import MeshMocks, StackOutputs, World
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

    def as_stack_reference(self) -> StackOutputs:
        """This run's outputs as another stack's StackReference would see them."""
        return StackOutputs(outputs=self.outputs, secret_names=sorted(self.secret))


def stack_file_config(stack: str) -> dict[str, Any]:
    """The `linkerd-multicluster:` keys of a committed `Pulumi.<stack>.yaml`, as plain objects."""
    return config_file(ROOT / f"Pulumi.{stack}.yaml")


def config_file(path: Path) -> dict[str, Any]:
    """The `linkerd-multicluster:` keys of a stack settings file (nested YAML, as the CLI reads it)."""
    doc = yaml.safe_load(Path(path).read_text()) or {}
    prefix = f"{PROJECT}:"
    return {k[len(prefix):]: v for k, v in (doc.get("config") or {}).items() if k.startswith(prefix)}


def run_program(config: dict[str, Any], *, stack: str = "dev", preview: bool = False,
                stacks: Optional[dict[str, StackOutputs]] = None, world: Optional[World] = None,
                raw_config: Optional[dict[str, str]] = None, secret_keys: tuple[str, ...] = ()) -> Run:
    """Run `__main__.py` with `config` (top-level key -> object) as stack config."""
    settings.ROOT.set(None)  # a fresh root Stack: no exports left over from an earlier run
    mocks = MeshMocks(preview=preview, stacks=stacks, world=world or default_world(), stack=stack)
    monitor = RecordingMonitor(mocks)
    logger, warnings = _capturing_logger()
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor, logger=logger)
    values = {f"{PROJECT}:{k}": json.dumps(v) for k, v in config.items()}
    values.update(raw_config or {})
    # Keys set with `pulumi config set --secret` (top-level key names, as the CLI reports them).
    pulumi.runtime.set_all_config(values, [f"{PROJECT}:{k}" for k in secret_keys])

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
    return Run(monitor=monitor, mocks=mocks, outputs=resolved, secret=secret, unknown=unknown, warnings=warnings)


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
    from .chart_emulation import existing_emissary_service

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
    return world
