"""The critical path of a recorded Pulumi resource graph.

The engine creates a resource only once everything it depends on exists, so with unlimited
parallelism a deployment takes at least as many steps as its longest dependency chain. That
chain is the *critical path*; its length (in resources) must be a property of the design (anchor →
issuer → control plane → multicluster → Link), not of the number of clusters, and a dependency
nobody needs (say, exports waiting for links) makes it longer, which is how tests catch one.

The graph, built from `RecordingMonitor.registrations` (tests/harness/recording.py):
- nodes: custom resources (reads included) and *remote* components such as
  `kubernetes:helm.sh/v4:Chart`, whose children the provider creates as one step of ours;
- local components (`linkerd-multicluster:*`, neither custom nor remote) are transparent: a
  dependency on one stands for every node below it (that is what `depends_on=component` means to
  the engine);
- an edge u → v when v's recorded `dependencies` (explicit `depends_on` and implicit Output
  dependencies) contain u. Dependencies on unrecorded URNs (the root Stack) are ignored.
  Providers are nodes but not predecessors: the SDK does not list them in `dependencies`, and the
  program's providers depend on nothing, so they could not lengthen a chain anyway.

Caveat: the SDK deliberately drops the dependencies of a read's *id* (`Resource.get`), so a read
whose id is computed from another resource's outputs appears as a root here, although at run time
it is issued only after that resource exists.

Ties between equally long chains are broken deterministically: prefer the predecessor that gates
the most resources (the most widely shared bottleneck, e.g. the trust anchor over one issuer's key),
then the smaller resource name, then the smaller URN. The same rule picks the chain's last node.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Protocol


class Registration(Protocol):
    """What this module reads of a `harness.recording.Registered` (duck-typed, for synthetic tests)."""

    urn: str
    typ: str
    name: str
    custom: bool
    remote: bool
    read: bool
    parent: str
    dependencies: list[str]


@dataclasses.dataclass(frozen=True)
class Node:
    urn: str
    typ: str
    name: str
    read: bool

    def describe(self) -> str:
        """`<type> <name>`, with `(read)` for a `Resource.get`: how chains are printed."""
        return f"{self.typ} {self.name}" + (" (read)" if self.read else "")


@dataclasses.dataclass(frozen=True)
class Graph:
    nodes: dict[str, Node]
    """URN -> node, in registration order."""
    predecessors: dict[str, frozenset[str]]
    """URN -> URNs of the nodes it waits for."""

    def successors(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {urn: set() for urn in self.nodes}
        for v, preds in self.predecessors.items():
            for u in preds:
                out[u].add(v)
        return out


class CycleError(ValueError):
    """The recorded dependencies form a cycle (the engine would refuse such a program)."""


def is_node(reg: Registration) -> bool:
    """Custom resources (and reads) and remote components are steps of a deployment; local
    components only group them."""
    return bool(reg.custom or reg.remote or reg.read)


def build_graph(registrations: Iterable[Registration]) -> Graph:
    """The dependency graph over nodes (see the module docstring), local components expanded."""
    regs = list(registrations)
    by_urn = {r.urn: r for r in regs}
    children: dict[str, list[str]] = {}
    for r in regs:
        children.setdefault(r.parent, []).append(r.urn)

    expanded: dict[str, frozenset[str]] = {}

    def expand(urn: str) -> frozenset[str]:
        """The nodes a dependency on `urn` stands for: itself, or a local component's nodes."""
        if urn in expanded:
            return expanded[urn]
        reg = by_urn.get(urn)
        if reg is None:
            result: frozenset[str] = frozenset()  # the Stack, or something never registered
        elif is_node(reg):
            result = frozenset({urn})
        else:
            # Iterative walk: component trees are shallow, but a recursion limit is no reason to fail.
            found: set[str] = set()
            stack = list(children.get(urn, []))
            while stack:
                child = stack.pop()
                if is_node(by_urn[child]):
                    found.add(child)
                else:
                    stack.extend(children.get(child, []))
            result = frozenset(found)
        expanded[urn] = result
        return result

    nodes = {r.urn: Node(r.urn, r.typ, r.name, bool(r.read)) for r in regs if is_node(r)}
    predecessors: dict[str, frozenset[str]] = {}
    for urn in nodes:
        preds: set[str] = set()
        for dep in by_urn[urn].dependencies:
            preds |= expand(dep)
        preds.discard(urn)
        predecessors[urn] = frozenset(preds)
    return Graph(nodes=nodes, predecessors=predecessors)


def topological_order(graph: Graph) -> list[str]:
    """Kahn's algorithm, taking ready nodes by URN so the order does not depend on recording order
    (registrations arrive from the SDK's thread pool, not in program order)."""
    import heapq

    successors = graph.successors()
    waiting = {urn: len(preds) for urn, preds in graph.predecessors.items()}
    ready = [urn for urn, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        urn = heapq.heappop(ready)
        order.append(urn)
        for v in successors[urn]:
            waiting[v] -= 1
            if waiting[v] == 0:
                heapq.heappush(ready, v)
    if len(order) != len(graph.nodes):
        stuck = sorted(graph.nodes[u].name for u, n in waiting.items() if n > 0)
        raise CycleError(f"dependency cycle among: {', '.join(stuck[:10])}")
    return order


def descendant_counts(graph: Graph, order: Sequence[str]) -> dict[str, int]:
    """How many nodes wait, directly or not, for each node (bit sets: linear in the edges)."""
    index = {urn: i for i, urn in enumerate(order)}
    successors = graph.successors()
    below: dict[str, int] = {}
    for urn in reversed(order):
        bits = 0
        for v in successors[urn]:
            bits |= below[v] | (1 << index[v])
        below[urn] = bits
    return {urn: bits.bit_count() for urn, bits in below.items()}


def critical_path(registrations: Iterable[Registration]) -> list[Node]:
    """The longest dependency chain, first resource first (empty for an empty recording)."""
    graph = build_graph(registrations)
    if not graph.nodes:
        return []
    order = topological_order(graph)
    gates = descendant_counts(graph, order)

    def preference(urn: str) -> tuple:
        # min() of this key = the longest chain, then the widest bottleneck, then by name.
        return (-length[urn], -gates[urn], graph.nodes[urn].name, urn)

    length: dict[str, int] = {}
    best_pred: dict[str, str] = {}
    for urn in order:
        preds = graph.predecessors[urn]
        if preds:
            best = min(preds, key=preference)
            best_pred[urn] = best
            length[urn] = length[best] + 1
        else:
            length[urn] = 1

    chain = [min(graph.nodes, key=preference)]
    while chain[-1] in best_pred:
        chain.append(best_pred[chain[-1]])
    return [graph.nodes[urn] for urn in reversed(chain)]
