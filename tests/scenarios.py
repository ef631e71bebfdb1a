"""Runs of the shipped stacks and example configs, shared by several test modules."""
from __future__ import annotations

from functools import lru_cache

from harness.program import ROOT, Run, config_file, run_program, stack_file_config

EAST_STACK = "organization/linkerd-multicluster/east"

CHART = "kubernetes:helm.sh/v4:Chart"
SECRET = "kubernetes:core/v1:Secret"
NAMESPACE = "kubernetes:core/v1:Namespace"
LINK = "kubernetes:multicluster.linkerd.io/v1alpha3:Link"
SERVICE_PATCH = "kubernetes:core/v1:ServicePatch"


def east(preview: bool = False) -> Run:
    return run_program(stack_file_config("east"), stack="east", preview=preview)


def west(east_run: Run, preview: bool = False) -> Run:
    return run_program(
        stack_file_config("west"), stack="west", preview=preview,
        stacks={EAST_STACK: east_run.as_stack_reference()},
    )


def single_stack(preview: bool = False) -> Run:
    return run_program(config_file(ROOT / "examples" / "Pulumi.mesh.yaml"), stack="mesh", preview=preview)


@lru_cache(maxsize=None)
def cached(name: str) -> Run:
    """Runs are deterministic, so read-only tests share one run per scenario."""
    if name == "east":
        return east()
    if name == "west":
        return west(cached("east"))
    if name == "mesh":
        return single_stack()
    raise KeyError(name)


def deps(run: Run, reg) -> set[tuple[str, str]]:
    """(type, name) of everything a registration depends on (explicit and implicit)."""
    by_urn = run.monitor.by_urn()
    return {(by_urn[u].typ, by_urn[u].name) for u in reg.dependencies if u in by_urn}
