"""Runs of the shipped stacks and example configs, shared by several test modules."""
from __future__ import annotations

from functools import lru_cache

from typing import Any, Optional

from harness.engine import Engine
from harness.mocks import StackOutputs
from harness.program import ROOT, Run, config_file, run_program, stack_file_config

EAST_STACK = "organization/linkerd-multicluster/east"
WEST_STACK = "organization/linkerd-multicluster/west"
NEVER_RAN = StackOutputs(outputs={}, secret_names=[])
"""A stack that `pulumi stack init` created and that has not run yet."""

CHART = "kubernetes:helm.sh/v4:Chart"
SECRET = "kubernetes:core/v1:Secret"
NAMESPACE = "kubernetes:core/v1:Namespace"
LINK = "kubernetes:multicluster.linkerd.io/v1alpha3:Link"
SERVICE_PATCH = "kubernetes:core/v1:ServicePatch"


def east(preview: bool = False, config: Optional[dict[str, Any]] = None) -> Run:
    """Stack east's first run; west (one of its trust.members) exists and has not run yet."""
    return run_program(config or stack_file_config("east"), stack="east", preview=preview,
                       stacks={WEST_STACK: NEVER_RAN})


def west(east_config: Optional[dict[str, Any]] = None, preview: bool = False) -> Run:
    """West as it first installs, in the documented order: west publishes its issuer request,
    east signs it, then this run of west (a preview with `preview=True`)."""
    engine = Engine()
    engine.init("east", "west")
    east_config = east_config or stack_file_config("east")
    engine.up("west", stack_file_config("west"), skip_preview=True)
    engine.up("east", east_config, skip_preview=True)
    if preview:
        return engine.preview("west", stack_file_config("west"))
    return engine.up("west", stack_file_config("west"), skip_preview=True)


def single_stack(preview: bool = False) -> Run:
    return run_program(config_file(ROOT / "examples" / "Pulumi.mesh.yaml"), stack="mesh", preview=preview)


@lru_cache(maxsize=None)
def cached(name: str) -> Run:
    """Runs are deterministic, so read-only tests share one run per scenario."""
    if name == "east":
        return east()
    if name == "west":
        return west()
    if name == "mesh":
        return single_stack()
    raise KeyError(name)


def deps(run: Run, reg) -> set[tuple[str, str]]:
    """(type, name) of everything a registration depends on (explicit and implicit)."""
    by_urn = run.monitor.by_urn()
    return {(by_urn[u].typ, by_urn[u].name) for u in reg.dependencies if u in by_urn}
