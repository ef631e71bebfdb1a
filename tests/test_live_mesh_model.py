"""bench/live_mesh.py: the simulator on synthetic graphs, and the model of the program's own graph.

No wall times are asserted: everything here is modelled time, a pure function of the graph and
the assumed latencies.
"""
from __future__ import annotations

from functools import lru_cache

import pytest

from bench import live_mesh
from bench.live_mesh import CHART, LATENCIES, Latency, ModelError, Task, latency_class, simulate, tasks_from_run

INHERENT_TYPES = [  # the install chain of tests/test_critical_path.py, by type
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
    "tls:index/locallySignedCert:LocallySignedCert",
    "kubernetes:core/v1:Secret",
    CHART,  # control plane
    CHART,  # multicluster
    "kubernetes:multicluster.linkerd.io/v1alpha3:Link",
]


def task(tid: str, seconds: float, *after: str, slot: bool = True) -> Task:
    return Task(tid, "test", seconds, frozenset(after), slot=slot)


@lru_cache(maxsize=None)
def mesh(n: int):
    return live_mesh.mesh_run(n, 1)


@lru_cache(maxsize=None)
def mesh_tasks(n: int) -> tuple[Task, ...]:
    return tuple(tasks_from_run(mesh(n)))


# -- the simulator ------------------------------------------------------------------------------
def test_a_chain_of_dependents_sums_its_latencies():
    schedule = simulate([task("a", 2), task("b", 3, "a"), task("c", 5, "b")], parallel=8)
    assert schedule.start == {"a": 0, "b": 2, "c": 5}
    assert schedule.makespan == 10


def test_independent_steps_overlap():
    assert simulate([task(f"t{i}", 4) for i in range(3)], parallel=None).makespan == 4
    assert simulate([task(f"t{i}", 4) for i in range(3)], parallel=3).makespan == 4


def test_the_parallelism_limit_serialises():
    tasks = [task(f"t{i}", 4) for i in range(3)]
    assert simulate(tasks, parallel=1).makespan == 12
    assert simulate(tasks, parallel=2).makespan == 8
    # A freed slot goes to the next ready step at once, in id order.
    schedule = simulate([task("a", 1), task("b", 5), task("c", 2)], parallel=2)
    assert schedule.start == {"a": 0, "b": 0, "c": 1}
    assert schedule.makespan == 5


def test_a_component_join_takes_no_slot():
    # The join finishes with its last child, and does not keep `after` waiting for a slot.
    tasks = [task("x", 3), task("y", 3), task("join", 0, "x", "y", slot=False), task("after", 1, "join")]
    assert simulate(tasks, parallel=2).makespan == 4


def test_a_step_waits_for_its_slowest_predecessor_not_the_first():
    schedule = simulate([task("fast", 1), task("slow", 7), task("z", 1, "fast", "slow")], parallel=None)
    assert schedule.start["z"] == 7


def test_cycles_and_unknown_predecessors_are_errors():
    with pytest.raises(ModelError, match="cycle"):
        simulate([task("a", 1, "b"), task("b", 1, "a"), task("c", 1)])
    with pytest.raises(ModelError, match="unknown"):
        simulate([task("a", 1, "nowhere")])


def test_service_latency_classes_follow_what_the_awaiter_waits_for():
    svc = "kubernetes:core/v1:Service"
    assert latency_class(svc, {"spec": {"type": "LoadBalancer", "selector": {"a": "b"}}}) == f"{svc} (LoadBalancer)"
    assert latency_class(svc, {"spec": {"selector": {"a": "b"}}}) == f"{svc} (selector)"
    assert latency_class(svc, {"spec": {"selector": {"a": "b"}, "clusterIP": "None"}}) == svc
    assert latency_class(svc, {"spec": {}}) == svc
    assert latency_class(svc, None, read=True) == f"{svc} (read)"


def test_manual_sequence_counts_each_step_per_mesh_cluster_pair_and_export():
    steps = (live_mesh.ManualStep("a", "mesh", 1, ""), live_mesh.ManualStep("b", "cluster", 10, ""),
             live_mesh.ManualStep("c", "link", 100, ""), live_mesh.ManualStep("d", "export", 1000, ""))
    # 3 clusters: 1 mesh step, 3 cluster steps, 6 ordered pairs, 3 × 2 exports.
    assert live_mesh.manual_seconds(3, 2, steps) == 1 + 30 + 600 + 6000


# -- the program's graph -------------------------------------------------------------------------
def test_the_latency_table_covers_every_step_the_program_registers():
    classes = {t.latency_class for t in mesh_tasks(2)}
    assert classes - LATENCIES.keys() == set()
    # Chart objects are steps of their own: the charts' Deployments and CRDs are among them.
    assert {"kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service (LoadBalancer)",
            "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"} <= classes


def test_a_type_without_a_latency_is_an_error_not_a_zero():
    table = {k: v for k, v in LATENCIES.items() if k != "kubernetes:core/v1:ServicePatch"}
    with pytest.raises(ModelError, match="ServicePatch"):
        tasks_from_run(mesh(2), table)


def test_a_chart_is_done_only_when_its_slowest_object_is():
    tasks = {t.id: t for t in mesh_tasks(2)}
    schedule = simulate(tasks.values())
    charts = [t for t in tasks.values() if t.latency_class == CHART]
    assert len(charts) == 6  # crds, control plane, multicluster per cluster
    for chart in charts:
        assert chart.after, chart.id
        objects = [t for t in tasks.values() if t.chart == chart.id]
        assert objects, f"{chart.id} has no rendered objects"
        assert schedule.finish[chart.id] == max(schedule.finish[o.id] for o in objects)


def test_the_gateway_read_waits_for_its_multicluster_chart():
    tasks = {t.id: t for t in mesh_tasks(2)}
    schedule = simulate(tasks.values())
    reads = [u for u in tasks if u.endswith("-gateway-service")]
    assert len(reads) == 2
    for read in reads:
        cluster = read.rsplit("::", 1)[1][: -len("-gateway-service")]
        chart = next(u for u in tasks if u.endswith(f"::{cluster}-linkerd-multicluster"))
        assert schedule.start[read] >= schedule.finish[chart]


def test_two_clusters_take_at_least_the_inherent_install_chain():
    run, tasks = mesh(2), mesh_tasks(2)
    by_id = {t.id: t for t in tasks}
    names = {"trust-anchor-key", "trust-anchor-cert", "c01-issuer-cert", "c01-identity-issuer",
             "c01-linkerd-control-plane", "c01-linkerd-multicluster", "c01-to-c02-link"}
    chain = {r.name: r for r in run.monitor.registrations if r.name in names}
    assert sorted(r.typ for r in chain.values()) == sorted(INHERENT_TYPES)

    def seconds(name: str) -> float:
        reg = chain[name]
        if reg.typ == CHART:  # a chart takes as long as its slowest object, at least
            return max(t.seconds for t in tasks if t.chart == reg.urn)
        return by_id[reg.urn].seconds

    floor = LATENCIES["pulumi:providers:kubernetes"].seconds + sum(seconds(n) for n in names)
    assert floor >= 150  # control-plane readiness and the gateway's address dominate
    for parallel in (None, live_mesh.DEFAULT_PARALLEL):
        assert simulate(tasks, parallel).makespan >= floor


def test_more_clusters_add_less_time_than_by_hand():
    two, three = live_mesh.model(2, 1, live_mesh.DEFAULT_PARALLEL), live_mesh.model(3, 1, live_mesh.DEFAULT_PARALLEL)
    assert two.seconds < two.manual_seconds and three.seconds < three.manual_seconds
    assert three.seconds - two.seconds < three.manual_seconds - two.manual_seconds
    # With unbounded parallelism the time is the critical path's, which does not depend on N.
    assert two.unbounded_seconds == three.unbounded_seconds < two.seconds


def test_the_script_prints_a_labelled_deterministic_model(capsys):
    assert live_mesh.main(["--clusters", "2", "--services", "1"]) == 0
    first = capsys.readouterr().out
    assert live_mesh.main(["--clusters", "2", "--services", "1"]) == 0
    assert capsys.readouterr().out == first
    assert first.startswith("MODEL, not a measurement")
    assert "by hand" in first and "assumed latencies" in first
    for cls in LATENCIES:
        assert cls in first


def test_every_latency_is_a_reasoned_non_negative_number():
    for cls, lat in LATENCIES.items():
        assert isinstance(lat, Latency) and lat.seconds >= 0 and lat.reason.strip(), cls
