"""The dependency graph's critical path (bench/graph.py): the inherent chain, independent of the
number of clusters, and longer as soon as an unneeded dependency creeps in."""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from types import SimpleNamespace

import pytest

from bench.graph import CycleError, build_graph, critical_path
from bench.scale import mesh_config, mesh_world
from harness.program import Run, run_program
from scenarios import CHART, LINK, SECRET, SERVICE_PATCH

KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
LOCALLY_SIGNED = "tls:index/locallySignedCert:LocallySignedCert"

TWO_CLUSTERS = {
    "clusters": {
        "east": {"context": "east", "apiServerAddress": "https://198.51.100.1:6443",
                 "exports": [{"namespace": "test", "service": "foobar"}]},
        "west": {"context": "west", "apiServerAddress": "https://198.51.100.2:6443",
                 "exports": [{"namespace": "test", "service": "frontend"}]},
    },
    "links": [{"source": "west", "target": "east"}, {"source": "east", "target": "west"}],
}

# Anchor -> issuer -> issuer Secret -> control plane -> multicluster -> Link. Every step needs the
# previous one: the issuer is signed by the anchor, the control plane reads the issuer Secret, the
# multicluster chart's policy objects need the control plane's CRDs and webhooks, and the Link's CRD
# and controller come with the multicluster chart. The Link's credentials Secrets are not on it:
# they wait only for the target's access token (namespace -> account -> token -> Secrets: 4 < 6).
INHERENT = [
    (KEY, "trust-anchor-key"),
    (SELF_SIGNED, "trust-anchor-cert"),
    (LOCALLY_SIGNED, "east-issuer-cert"),
    (SECRET, "east-identity-issuer"),
    (CHART, "east-linkerd-control-plane"),
    (CHART, "east-linkerd-multicluster"),
    (LINK, "east-to-west-link"),
]


@lru_cache(maxsize=None)
def two_clusters() -> Run:
    return run_program(TWO_CLUSTERS, stack="mesh")


def chain(registrations) -> list[tuple[str, str]]:
    return [(n.typ, n.name) for n in critical_path(registrations)]


def with_extra_dependency(run: Run, typ: str, name: str, on: tuple[str, str]) -> list:
    """The run's registrations, with one more dependency: (typ, name) waits for `on` as well."""
    added = run.monitor.one(*on).urn
    return [
        dataclasses.replace(r, dependencies=[*r.dependencies, added]) if (r.typ, r.name) == (typ, name) else r
        for r in run.monitor.registrations
    ]


# -- the program's graph -----------------------------------------------------------------------------
def test_two_cluster_mesh_critical_path_is_the_inherent_chain():
    assert chain(two_clusters().monitor.registrations) == INHERENT


@pytest.mark.parametrize("n", [2, 4])
def test_critical_path_does_not_grow_with_the_number_of_clusters(n):
    run = run_program(mesh_config(n, 1), stack="bench", world=mesh_world(n, 1))
    assert [typ for typ, _ in chain(run.monitor.registrations)] == [typ for typ, _ in INHERENT]


def test_an_export_waiting_for_a_link_lengthens_the_critical_path():
    """The regression the critical-path test exists for: exports must wait for nothing."""
    run = two_clusters()
    regs = with_extra_dependency(run, SERVICE_PATCH, "east-exports-test-foobar", on=(LINK, "west-to-east-link"))
    path = chain(regs)
    assert len(path) == len(INHERENT) + 1
    assert path[-2:] == [(LINK, "west-to-east-link"), (SERVICE_PATCH, "east-exports-test-foobar")]


def test_one_clusters_install_waiting_for_anothers_lengthens_the_critical_path():
    run = two_clusters()
    regs = with_extra_dependency(run, CHART, "west-linkerd-control-plane", on=(CHART, "east-linkerd-multicluster"))
    path = chain(regs)
    assert len(path) == len(INHERENT) + 2  # ... east multicluster -> west control plane -> west multicluster -> Link
    assert (CHART, "east-linkerd-multicluster") in path and (CHART, "west-linkerd-control-plane") in path


# -- the algorithm, on synthetic graphs ------------------------------------------------------------
def reg(name: str, *deps: str, typ: str = "test:index:Res", custom: bool = True, remote: bool = False,
        read: bool = False, parent: str = "") -> SimpleNamespace:
    return SimpleNamespace(urn=f"urn:{name}", typ=typ, name=name, custom=custom, remote=remote, read=read,
                           parent=f"urn:{parent}" if parent else "", dependencies=[f"urn:{d}" for d in deps])


def names(registrations) -> list[str]:
    return [n.name for n in critical_path(registrations)]


def test_a_dependency_on_a_local_component_stands_for_every_resource_beneath_it():
    regs = [
        reg("comp", typ="linkerd-multicluster:x:Comp", custom=False),
        reg("inner", typ="linkerd-multicluster:x:Inner", custom=False, parent="comp"),
        reg("a", parent="comp"),
        reg("b0"),
        reg("b", "b0", parent="inner"),
        reg("v", "comp"),
    ]
    graph = build_graph(regs)
    assert set(graph.nodes) == {"urn:a", "urn:b0", "urn:b", "urn:v"}  # components are not nodes
    assert graph.predecessors["urn:v"] == {"urn:a", "urn:b"}
    assert names(regs) == ["b0", "b", "v"]


def test_a_remote_component_is_one_node_and_unknown_dependencies_are_ignored():
    regs = [
        reg("chart", typ="kubernetes:helm.sh/v4:Chart", custom=False, remote=True),
        reg("rendered", parent="chart"),  # would be a child only if the provider registered one here
        reg("link", "chart", "stack-that-was-never-recorded"),
    ]
    assert build_graph(regs).predecessors["urn:link"] == {"urn:chart"}
    assert names(regs) == ["chart", "link"]


def test_reads_are_nodes():
    regs = [reg("svc", read=True, typ="kubernetes:core/v1:Service"), reg("link", "svc")]
    assert [n.describe() for n in critical_path(regs)] == ["kubernetes:core/v1:Service svc (read)", "test:index:Res link"]


def test_ties_prefer_the_widest_bottleneck_then_the_name():
    # a and b both lead to x in one step; a also gates y, so a is the shared bottleneck.
    assert names([reg("b"), reg("a"), reg("x", "a", "b"), reg("y", "a")]) == ["a", "x"]
    # Equally shared: the smaller name, whatever the recording order.
    assert names([reg("n"), reg("m"), reg("z", "n", "m")]) == ["m", "z"]
    assert names([reg("m"), reg("n"), reg("z", "m", "n")]) == ["m", "z"]


def test_the_longest_chain_wins_over_a_wider_one():
    regs = [reg("root"), reg("s1", "root"), reg("s2", "s1"), reg("wide"), *(reg(f"w{i}", "wide") for i in range(5))]
    assert names(regs) == ["root", "s1", "s2"]


def test_a_cycle_is_an_error_and_an_empty_recording_has_no_path():
    with pytest.raises(CycleError, match="a, b"):
        critical_path([reg("a", "b"), reg("b", "a"), reg("c")])
    assert critical_path([]) == []
