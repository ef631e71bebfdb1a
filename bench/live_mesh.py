"""Time to a live mesh, modelled: `pulumi up` of a full mesh against the Linkerd guide done by hand.

    .venv/bin/python bench/live_mesh.py --clusters 2,5,10,20 [--services 10] [--parallel 8]

This is a MODEL, not a measurement: nothing here talks to a cluster. It replays the dependency
graph the program registers under the test mocks (the same full mesh as bench/scale.py: every
cluster links to every other, `--services` exports each) with an assumed latency per resource, and
prints the modelled wall time next to a modelled manual sequence. The latencies are assumptions
(LATENCIES, each with its reason); the structure (which step waits for which, how many steps,
how many run at once) is the program's own.

The graph. Nodes and edges as bench/graph.py builds them from the recording (custom resources,
reads and remote components; a dependency on a local component stands for everything beneath it),
plus what graph.py leaves out because it cannot lengthen a chain there but does take time here:
- each resource waits for its explicit provider (the engine registers the provider first);
- each `helm.v4.Chart` is expanded into the objects it renders (the test engine's chart model,
  tests/harness/chart_render.py, via `Run.state`): Chart v4 registers every rendered object as a
  child resource of its own, ordered by cli-utils' dependency graph (CRDs before their custom
  resources, a Namespace before what is in it: pulumi-kubernetes
  `provider/pkg/provider/yaml/v2/yaml.go` Register), and the Chart completes when all of them are
  created, awaits included, so what depends on the Chart waits for the slowest object in it;
- the gateway read (`<cluster>-gateway-service`) waits for its cluster's multicluster chart: its id
  is computed from the chart's URN, a dependency the SDK drops for a read's id (see graph.py).

What pulumi-kubernetes awaits (read at pulumi/pulumi-kubernetes 94977969, `provider/pkg/await/`):
`awaiters.go` maps apps/v1 Deployment (Available, new ReplicaSet's pods ready), v1 Service
(`service.go`: endpoints with ready addresses for a Service with a selector, settled 10 s after the
last Endpoints event; an ingress address for type LoadBalancer), batch/v1 Job, Pod, PVC/PV,
Secret (data present, i.e. a service-account token filled in) and ServiceAccount (nothing from
Kubernetes 1.24) to their awaiters; RBAC kinds, ConfigMaps and the rest are created without
waiting. Anything else, custom resources and CRDs included, waits for nothing unless annotated
`pulumi.com/waitFor` (`provider/pkg/metadata/overrides.go` ReadyCondition, unless
PULUMI_K8S_AWAIT_ALL=true); a custom resource created before its CRD is served is retried
(`await.go` Creation). Patches (ServicePatch) run the awaiter of the kind they patch. A
`Resource.get` runs the kind's read check once, without waiting.

Parallelism (read at pulumi/pulumi 1b594989): `pulumi up --parallel` defaults to 4 × GOMAXPROCS,
i.e. 4 × the CPUs, unless PULUMI_PARALLEL is set (`pkg/cmd/pulumi/operations/up.go`
defaultParallel); it is not unbounded for any language. The step executor runs that many workers,
and a worker holds its slot for the whole step, provider await included
(`pkg/resource/deploy/step_executor.go` newStepExecutor/worker). So a slot is held by every
resource step, chart objects included; components (local or the Chart itself) take none. The
default here is 8 (the 2-CPU build machine); `--parallel 0` models unbounded parallelism.

The simulation is event-driven list scheduling: a step becomes ready when every step it waits for
has finished, and starts when a slot is free; ready steps start in URN order, so the output is
deterministic. What it leaves out: the program's own evaluation time (seconds: bench/scale.py),
plugin start-up, API-server rate limits, image pulls beyond the latencies assumed, and failures.

The manual sequence (MANUAL_STEPS) is the Linkerd multicluster guide done by one operator, one
command at a time, waiting where the guide waits (`linkerd check`, `linkerd multicluster check`).
"""
from __future__ import annotations

import argparse
import dataclasses
import heapq
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Optional

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT / "tests", ROOT):  # ROOT ends up first: `components` and `bench` resolve here
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.graph import build_graph  # noqa: E402

CHART = "kubernetes:helm.sh/v4:Chart"
DEFAULT_PARALLEL = 8
"""4 × GOMAXPROCS on the 2-CPU build machine: what `pulumi up` uses there without --parallel."""


# -- assumptions ----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Latency:
    seconds: float
    reason: str


# Keyed by latency class (see latency_class): the Pulumi type token, qualified where one type is
# awaited differently by its content (Services, Secrets). Every class the program registers must be
# here: a resource without one is an error, not a silent zero (tests/test_live_mesh_model.py).
LATENCIES: dict[str, Latency] = {
    "pulumi:providers:kubernetes": Latency(1.0, "Configure: client and API discovery against the cluster"),
    "tls:index/privateKey:PrivateKey": Latency(0.0, "local ECDSA key generation, no API call"),
    "tls:index/selfSignedCert:SelfSignedCert": Latency(0.0, "local signing"),
    "tls:index/certRequest:CertRequest": Latency(0.0, "local CSR"),
    "tls:index/locallySignedCert:LocallySignedCert": Latency(0.0, "local signing"),
    "command:local:Command": Latency(0.1, "spawns `echo` (the mirror clean-up only acts on delete)"),
    "kubernetes:core/v1:Namespace": Latency(1.0, "one API create, no awaiter"),
    "kubernetes:core/v1:Secret": Latency(1.0, "one API create; data given, so the Secret awaiter returns at once"),
    "kubernetes:core/v1:Secret (service-account-token)": Latency(2.0, "Secret awaiter waits for the token controller to fill in the token"),
    "kubernetes:core/v1:ServiceAccount": Latency(1.0, "API create; the awaiter waits for nothing from Kubernetes 1.24"),
    "kubernetes:core/v1:ConfigMap": Latency(1.0, "one API create, no awaiter"),
    "kubernetes:core/v1:Service": Latency(1.0, "headless or selector-less: the Service awaiter has no pods to wait for"),
    "kubernetes:core/v1:Service (selector)": Latency(70.0, "awaits ready endpoints: its Deployment's pods (~60 s) + 10 s settle"),
    "kubernetes:core/v1:Service (LoadBalancer)": Latency(90.0, "awaits pods and a cloud load balancer's ingress address (30-90 s), + settle"),
    "kubernetes:core/v1:Service (read)": Latency(1.0, "Resource.get: one GET and a one-shot read check"),
    "kubernetes:core/v1:ServicePatch": Latency(11.0, "SSA patch, then the Service awaiter: app pods already ready, endpoints settle 10 s"),
    "kubernetes:apps/v1:Deployment": Latency(60.0, "Deployment awaiter: image pull, proxy injection, readiness probes"),
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition": Latency(2.0, "create, no awaiter; ~2 s until Established (CRs meanwhile retried)"),
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch": Latency(2.0, "SSA patch of a Gateway API CRD, as a create: ~2 s until Established"),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": Latency(1.0, "one API create, no awaiter"),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": Latency(1.0, "one API create, no awaiter"),
    "kubernetes:rbac.authorization.k8s.io/v1:Role": Latency(1.0, "one API create, no awaiter"),
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": Latency(1.0, "one API create, no awaiter"),
    "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration": Latency(1.0, "one API create, no awaiter"),
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration": Latency(1.0, "one API create, no awaiter"),
    "kubernetes:policy.linkerd.io/v1alpha1:AuthorizationPolicy": Latency(1.0, "custom resource: no await without pulumi.com/waitFor"),
    "kubernetes:policy.linkerd.io/v1alpha1:MeshTLSAuthentication": Latency(1.0, "custom resource: no await without pulumi.com/waitFor"),
    "kubernetes:policy.linkerd.io/v1alpha1:NetworkAuthentication": Latency(1.0, "custom resource: no await without pulumi.com/waitFor"),
    "kubernetes:policy.linkerd.io/v1beta3:Server": Latency(1.0, "custom resource: no await without pulumi.com/waitFor"),
    "kubernetes:multicluster.linkerd.io/v1alpha3:Link": Latency(15.0, "pulumi.com/waitFor on its exports: the controller (already running) reads the credentials, watches the target and writes Mirrored conditions"),
    CHART: Latency(0.0, "a component: done when its objects are (they are steps of their own)"),
}


@dataclasses.dataclass(frozen=True)
class ManualStep:
    command: str
    per: Literal["mesh", "cluster", "link", "export"]
    seconds: float
    reason: str


# The Linkerd multicluster guide by hand, one operator, each command run and waited for in turn.
MANUAL_STEPS: tuple[ManualStep, ...] = (
    ManualStep("step certificate create root.linkerd.cluster.local ...", "mesh", 30.0,
               "trust anchor: one command, typed once"),
    ManualStep("step certificate create identity.linkerd.cluster.local ...", "cluster", 30.0,
               "issuer per cluster, signed by the anchor"),
    ManualStep("linkerd install --crds | kubectl apply -f -", "cluster", 10.0,
               "render + apply + CRDs established"),
    ManualStep("linkerd install ... | kubectl apply -f -", "cluster", 10.0,
               "render + apply with the certificate files"),
    ManualStep("linkerd check", "cluster", 90.0,
               "waits for the control plane to be ready (~60 s), then runs its checks"),
    ManualStep("linkerd multicluster install | kubectl apply -f -", "cluster", 10.0,
               "render + apply"),
    ManualStep("linkerd multicluster check", "cluster", 90.0,
               "waits for the gateway and its load balancer address, then runs its checks"),
    ManualStep("linkerd multicluster link-gen --context <target> | kubectl --context <source> apply -f -", "link", 20.0,
               "one ordered pair: two contexts to get right, render + apply"),
    ManualStep("kubectl label svc <svc> mirror.linkerd.io/exported=true", "export", 5.0,
               "one label per exported Service"),
)


def manual_seconds(clusters: int, exports_per_cluster: int, steps: Sequence[ManualStep] = MANUAL_STEPS) -> float:
    """The manual sequence's total: everything in turn, nothing overlapping (one operator)."""
    count = {"mesh": 1, "cluster": clusters, "link": clusters * (clusters - 1),
             "export": clusters * exports_per_cluster}
    return sum(step.seconds * count[step.per] for step in steps)


# -- the simulator --------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Task:
    id: str
    latency_class: str
    seconds: float
    after: frozenset[str]
    slot: bool = True
    """Takes a `--parallel` slot while it runs (resource steps do; components do not)."""
    chart: str = ""
    """For an object a Chart renders: the Chart's id."""


@dataclasses.dataclass(frozen=True)
class Schedule:
    start: dict[str, float]
    finish: dict[str, float]

    @property
    def makespan(self) -> float:
        return max(self.finish.values(), default=0.0)


class ModelError(ValueError):
    """The task graph cannot be simulated (a cycle, an unknown predecessor)."""


def simulate(tasks: Iterable[Task], parallel: Optional[int] = DEFAULT_PARALLEL) -> Schedule:
    """Event-driven list scheduling of `tasks` on `parallel` slots (None or 0: unbounded).

    A task becomes ready when all of `after` have finished; ready slot-taking tasks start, in id
    order, whenever a slot is free; slot-free tasks start as soon as they are ready.
    """
    by_id = {t.id: t for t in tasks}
    limit = parallel if parallel and parallel > 0 else None
    dependents: dict[str, list[str]] = {tid: [] for tid in by_id}
    waiting: dict[str, int] = {}
    for t in by_id.values():
        unknown = t.after - by_id.keys()
        if unknown:
            raise ModelError(f"{t.id} waits for unknown tasks: {sorted(unknown)[:3]}")
        waiting[t.id] = len(t.after)
        for dep in t.after:
            dependents[dep].append(t.id)

    ready = [tid for tid, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    running: list[tuple[float, str]] = []  # (finish time, id)
    busy = 0
    now = 0.0
    start: dict[str, float] = {}
    finish: dict[str, float] = {}

    while ready or running:
        # Start everything that may start now: slot-free tasks always, others while slots last.
        deferred = []
        while ready:
            tid = heapq.heappop(ready)
            task = by_id[tid]
            if task.slot and limit is not None and busy >= limit:
                deferred.append(tid)
                continue
            start[tid] = now
            busy += task.slot
            heapq.heappush(running, (now + task.seconds, tid))
        for tid in deferred:
            heapq.heappush(ready, tid)
        if not running:
            break
        # Advance to the next completion; finish everything that ends then.
        now = running[0][0]
        while running and running[0][0] == now:
            _, tid = heapq.heappop(running)
            finish[tid] = now
            busy -= by_id[tid].slot
            for v in dependents[tid]:
                waiting[v] -= 1
                if waiting[v] == 0:
                    heapq.heappush(ready, v)
    if len(finish) != len(by_id):
        stuck = sorted(tid for tid in by_id if tid not in finish)
        raise ModelError(f"dependency cycle among: {', '.join(stuck[:5])}")
    return Schedule(start=start, finish=finish)


# -- the program's graph as tasks -----------------------------------------------------------------
def latency_class(typ: str, obj: Optional[Mapping[str, Any]] = None, read: bool = False) -> str:
    """The LATENCIES key of a resource: its type, qualified by what changes its await."""
    if typ == "kubernetes:core/v1:Service":
        if read:
            return f"{typ} (read)"
        spec = (obj or {}).get("spec") or {}
        if spec.get("type") == "LoadBalancer":
            return f"{typ} (LoadBalancer)"
        if spec.get("selector") and spec.get("clusterIP") != "None" and spec.get("type") != "ExternalName":
            return f"{typ} (selector)"
        return typ
    if typ == "kubernetes:core/v1:Secret" and (obj or {}).get("type") == "kubernetes.io/service-account-token":
        return f"{typ} (service-account-token)"
    return typ


def latency(cls: str, table: Mapping[str, Latency] = LATENCIES) -> float:
    try:
        return table[cls].seconds
    except KeyError:
        raise ModelError(f"no latency assumed for {cls!r}: add it to bench/live_mesh.py LATENCIES") from None


def _chart_objects(state: Mapping[str, Any], chart_urn: str) -> list[Any]:
    return sorted((s for s in state.values() if getattr(s, "chart_object", False) and s.parent == chart_urn),
                  key=lambda s: s.urn)


def _within_chart(objects: Sequence[Any]) -> dict[str, set[str]]:
    """The ordering Chart v4 gives a chart's own objects (cli-utils' graph, the part that applies
    to these charts): a custom resource after the chart's CRD of its group and kind, a namespaced
    object after the chart's Namespace of that name."""
    crds: dict[tuple[str, str], str] = {}
    namespaces: dict[str, str] = {}
    for s in objects:
        obj = s.inputs
        if obj.get("kind") == "CustomResourceDefinition":
            spec = obj.get("spec") or {}
            crds[(spec.get("group", ""), (spec.get("names") or {}).get("kind", ""))] = s.urn
        elif obj.get("kind") == "Namespace":
            namespaces[obj["metadata"]["name"]] = s.urn
    after: dict[str, set[str]] = {s.urn: set() for s in objects}
    for s in objects:
        obj = s.inputs
        group = obj.get("apiVersion", "").rpartition("/")[0]
        if (group, obj.get("kind", "")) in crds:
            after[s.urn].add(crds[(group, obj["kind"])])
        ns = (obj.get("metadata") or {}).get("namespace")
        if ns in namespaces:
            after[s.urn].add(namespaces[ns])
    return after


def tasks_from_run(run, table: Mapping[str, Latency] = LATENCIES) -> list[Task]:
    """The program's steps as tasks (see the module docstring for what is added to graph.py's graph)."""
    regs = run.monitor.registrations
    by_urn = {r.urn: r for r in regs}
    graph = build_graph(regs)
    preds = {urn: set(p) for urn, p in graph.predecessors.items()}

    for urn in graph.nodes:
        reg = by_urn[urn]
        provider = reg.provider.rpartition("::")[0] if reg.provider else ""
        if provider in graph.nodes:
            preds[urn].add(provider)

    # The gateway read's id comes from its multicluster chart's URN (components/install.py).
    charts = {(r.parent, r.name): r.urn for r in regs if r.typ == CHART}
    for urn, node in graph.nodes.items():
        if node.read and node.name.endswith("-gateway-service"):
            cluster = node.name[: -len("-gateway-service")]
            chart = charts.get((by_urn[urn].parent, f"{cluster}-linkerd-multicluster"))
            if chart is None:
                raise ModelError(f"no multicluster chart found for the gateway read {node.name}")
            preds[urn].add(chart)

    tasks: list[Task] = []
    for urn, node in graph.nodes.items():
        reg = by_urn[urn]
        if node.typ == CHART:
            objects = _chart_objects(run.state, urn)
            inner = _within_chart(objects)
            for s in objects:
                cls = latency_class(s.typ, s.inputs)
                tasks.append(Task(s.urn, cls, latency(cls, table), frozenset(preds[urn] | inner[s.urn]), chart=urn))
            # The Chart itself: a slot-free join, done when its objects are.
            tasks.append(Task(urn, CHART, latency(CHART, table), frozenset(s.urn for s in objects) | preds[urn], slot=False))
            continue
        cls = latency_class(node.typ, reg.inputs if not node.read else None, read=node.read)
        tasks.append(Task(urn, cls, latency(cls, table), frozenset(preds[urn])))
    return tasks


def mesh_run(n: int, services: int):
    from harness.program import run_program

    from bench.scale import mesh_config, mesh_world

    return run_program(mesh_config(n, services), stack="bench", world=mesh_world(n, services))


@dataclasses.dataclass(frozen=True)
class Result:
    n: int
    resources: int
    steps: int
    seconds: float
    unbounded_seconds: float
    manual_seconds: float


def model(n: int, services: int, parallel: Optional[int]) -> Result:
    run = mesh_run(n, services)
    tasks = tasks_from_run(run)
    return Result(
        n=n,
        resources=len(run.monitor.registrations),
        steps=sum(t.slot for t in tasks),
        seconds=simulate(tasks, parallel).makespan,
        unbounded_seconds=simulate(tasks, None).makespan,
        manual_seconds=manual_seconds(n, services),
    )


# -- output ---------------------------------------------------------------------------------------
def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def report(results: Sequence[Result], services: int, parallel: Optional[int]) -> list[str]:
    slots = f"--parallel {parallel}" if parallel else "unbounded"
    head = ["N", "resources", "steps", f"pulumi up ({slots})", "pulumi up (unbounded)", "by hand", "by hand ÷ pulumi"]
    widths = [4, 9, 6, len(head[3]), len(head[4]), 9, len(head[6])]
    lines = ["MODEL, not a measurement: modelled wall time to a live mesh (assumed latencies below).", "",
             "  ".join(h.rjust(w) for h, w in zip(head, widths)),
             "  ".join("-" * w for w in widths)]
    for r in results:
        row = [str(r.n), str(r.resources), str(r.steps), _minutes(r.seconds), _minutes(r.unbounded_seconds),
               _minutes(r.manual_seconds), f"{r.manual_seconds / r.seconds:.1f}×" if r.seconds else "-"]
        lines.append("  ".join(v.rjust(w) for v, w in zip(row, widths)))
    lines += [
        "",
        f"workload: N clusters in one stack, full mesh (N·(N-1) links), {services} exported Services each.",
        "resources: registered by the program; steps: resource steps the engine runs, chart objects included.",
        "pulumi up: event-driven replay of the program's dependency graph; a step starts when all it",
        "  waits for are done and one of the --parallel slots is free (default 4 × CPUs; 8 on 2 CPUs).",
        "by hand: the Linkerd multicluster guide, one operator, every command in turn.",
        "",
        "assumed latencies per step (what pulumi-kubernetes awaits, provider/pkg/await/):",
    ]
    width = max(len(k) for k in LATENCIES)
    lines += [f"  {cls.ljust(width)}  {lat.seconds:>5.1f} s  {lat.reason}" for cls, lat in LATENCIES.items()]
    lines += ["", "manual sequence (per mesh / cluster / ordered pair / export):"]
    lines += [f"  {s.per:>7}  {s.seconds:>5.1f} s  {s.command}  ({s.reason})" for s in MANUAL_STEPS]
    return lines


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", default="2,5,10,20", help="comma-separated cluster counts (default 2,5,10,20)")
    parser.add_argument("--services", type=int, default=10, help="exported services per cluster (default 10)")
    parser.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL,
                        help=f"engine step slots (default {DEFAULT_PARALLEL}: 4 × 2 CPUs; 0 for unbounded)")
    args = parser.parse_args(argv)
    from bench.scale import cluster_counts

    counts = cluster_counts(parser, args.clusters)
    if args.services < 0 or args.parallel < 0:
        parser.error("--services and --parallel must not be negative")

    results = [model(n, args.services, args.parallel) for n in counts]
    print("\n".join(report(results, args.services, args.parallel)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
