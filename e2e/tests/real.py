"""What a user types, for the real-tier tests: kubectl against the tier's clusters, and Pulumi
programs run by the real CLI through the Automation API (inline programs: the Python language
host is not served by the module proxy here, see e2e/REFUSED.md; an inline program runs in this
process and the CLI talks to it, with the same engine, providers and state)."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import pulumi_kubernetes as k8s
from pulumi import automation as auto

PROJECT = "lmc-real-tier"
REPLACEMENT_STEPS = {"create-replacement", "replace", "delete-replaced"}


def kubectl(context: str, *args: str, check: bool = True, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", "--context", context, *args], input=stdin, capture_output=True, text=True,
                          check=check, timeout=120)


def kubectl_json(context: str, *args: str) -> Any:
    return json.loads(kubectl(context, *args, "-o", "json").stdout)


def exists(context: str, *args: str) -> bool:
    return kubectl(context, "get", *args, check=False).returncode == 0


def delete_gateway_api_crds(context: str) -> None:
    """The Gateway API CRDs outlive a destroy (helm.sh/resource-policy: keep); tests that install
    them remove them afterwards so that the next test starts from a cluster without them."""
    names = [n for n in kubectl(context, "get", "crd", "-o", "name").stdout.split() if n.endswith(".gateway.networking.k8s.io")]
    if not names:
        return
    # Not `kubectl delete --wait`: the apiserver's CRD finalizer (apiextensions-apiserver
    # pkg/controller/finalizer/crd_finalizer.go) removes instances first and can take longer than
    # one kubectl call's timeout on a loaded machine; a CRD still there after the wait below is
    # reported with its finalizers, conditions and the apiserver's log lines about it.
    kubectl(context, "delete", *names, "--wait=false")
    wait_for(f"the Gateway API CRDs of {context} to be deleted",
             lambda: not any(exists(context, n) for n in names), seconds=300, every=2.0,
             explain=lambda: crds_still_there(context, names))


def crds_still_there(context: str, names: list[str]) -> str:
    """Why CRDs that were deleted are still there: what the apiserver says about each."""
    lines = []
    for name in names:
        got = kubectl(context, "get", name, "-o", "json", check=False)
        if got.returncode != 0:
            continue
        crd = json.loads(got.stdout)
        meta, status = crd["metadata"], crd.get("status", {})
        conditions = [f"{c['type']}={c['status']} ({c.get('reason')}: {c.get('message')})" for c in status.get("conditions", [])]
        instances = kubectl(context, "get", crd["spec"]["names"]["plural"] + "." + crd["spec"]["group"], "-A", "-o", "name",
                            check=False).stdout.split()
        lines.append(f"{name}: deletionTimestamp {meta.get('deletionTimestamp')}, finalizers {meta.get('finalizers')}, "
                     f"{len(instances)} instances, conditions {conditions}")
    log = Path(os.environ.get("LMC_E2E_WORK", "/nonexistent")) / context / "apiserver.log"
    if log.exists():
        plurals = [n.split("/")[-1].split(".")[0] for n in names]
        related = [line for line in log.read_text(errors="replace").splitlines() if any(p in line for p in plurals)]
        lines.append("apiserver log lines naming them (last 20):")
        lines += related[-20:]
    return "\n".join(lines)


def wait_for(what: str, predicate: Callable[[], bool], seconds: float = 120, every: float = 1.0,
             explain: Optional[Callable[[], str]] = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    detail = f"\n{explain()}" if explain else ""
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}{detail}")


def charts_dir() -> Path:
    value = os.environ.get("LINKERD_CHARTS")
    if not value:
        raise AssertionError("LINKERD_CHARTS is not set: scripts/e2e run sets it to ../shared/charts/linkerd-edge when that "
                             "folder exists; point it at a directory of packaged Linkerd charts")
    return Path(value)


def provider(context: str, name: Optional[str] = None) -> k8s.Provider:
    """The explicit provider the program gives each cluster (components/providers.py): the
    kube context, server-side apply, ConfigMaps and Secrets mutable."""
    return k8s.Provider(name or f"{context}-provider", context=context, kubeconfig=os.environ["KUBECONFIG"],
                        enable_config_map_mutable=True, enable_secret_mutable=True)


@dataclass
class Plan:
    """The engine's plan of one preview or update: op per resource (`same`, `create`, `update`,
    `replace`, `create-replacement`, `delete`, `read`, ...), keyed by (type, name)."""

    ops: dict[tuple[str, str], str] = field(default_factory=dict)

    def on_event(self, event: auto.EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre is not None:
            urn = pre.metadata.urn
            typ, name = urn.split("::")[-2].split("$")[-1], urn.split("::")[-1]
            op = str(pre.metadata.op.value if hasattr(pre.metadata.op, "value") else pre.metadata.op)
            # A replacement shows as several steps (create-replacement, replace, delete-replaced).
            op = "replace" if op in REPLACEMENT_STEPS else op
            if self.ops.get((typ, name)) in (None, "same"):
                self.ops[(typ, name)] = op

    def changed(self) -> dict[tuple[str, str], str]:
        return {k: v for k, v in self.ops.items() if v not in ("same", "read")}

    def of_type(self, typ: str) -> dict[str, str]:
        return {n: op for (t, n), op in self.ops.items() if t == typ}


@contextlib.contextmanager
def stack_session(name: str, program: Callable[[], None], *cleanups: Callable[[], None]):
    """A stack for the length of a test: destroyed and removed afterwards, then `cleanups` run
    (for what outlives a destroy on purpose), whatever the test did."""
    stack = Stack(name, program)
    try:
        yield stack
    finally:
        try:
            stack.destroy()
            stack.remove()
        finally:
            for cleanup in cleanups:
                cleanup()


class Stack:
    """One stack of an inline program in the tier's file backend."""

    def __init__(self, name: str, program: Callable[[], None]):
        # The workspace's folder (Pulumi.yaml, Pulumi.<stack>.yaml) in the tier's work folder, which
        # the tier removes: left to the Automation API, each stack would leave a folder in /tmp.
        work_dir = Path(os.environ["LMC_E2E_WORK"]) / "workspaces" / name
        work_dir.mkdir(parents=True, exist_ok=True)
        self.stack = auto.create_or_select_stack(stack_name=name, project_name=PROJECT, program=program,
                                                 opts=auto.LocalWorkspaceOptions(work_dir=str(work_dir)))
        self.log: list[str] = []

    def set_program(self, program: Callable[[], None]) -> None:
        self.stack.workspace.program = program

    def preview(self, **kw) -> Plan:
        plan = Plan()
        self.stack.preview(on_event=plan.on_event, on_output=self.log.append, **kw)
        return plan

    def up(self, **kw) -> Plan:
        plan = Plan()
        self.stack.up(on_event=plan.on_event, on_output=self.log.append, **kw)
        return plan

    def destroy(self) -> None:
        self.stack.destroy(on_output=self.log.append)

    def outputs(self) -> dict[str, Any]:
        return {k: v.value for k, v in self.stack.outputs().items()}

    def remove(self) -> None:
        self.stack.workspace.remove_stack(self.stack.name, force=True)


CLUSTER_SCOPED = {"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration", "IngressClass",
                  "ValidatingWebhookConfiguration", "Namespace", "APIService", "PriorityClass"}


@dataclass(frozen=True)
class Managed:
    """A Kubernetes object a stack's state holds (a `…Patch` as the object it patches)."""
    kind: str
    group: str
    namespace: str
    name: str

    def kubectl_get(self) -> list[str]:
        what = self.kind.lower() if self.group == "core" else f"{self.kind.lower()}.{self.group}"
        return ["get", what, self.name] + (["-n", self.namespace] if self.namespace else [])


def managed_objects(stack: Stack) -> list[Managed]:
    found = []
    for resource in stack.stack.export_stack().deployment["resources"]:
        typ, meta = resource["type"], (resource.get("outputs") or {}).get("metadata") or {}
        if typ.startswith("kubernetes:") and "helm.sh" not in typ and meta.get("name"):
            group_version, kind = typ.split(":")[1], typ.rsplit(":", 1)[1].removesuffix("Patch")
            found.append(Managed(kind, group_version.rsplit("/", 1)[0], meta.get("namespace") or "", meta["name"]))
    return found
