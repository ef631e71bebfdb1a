"""The engine model's own rules (tests/harness/engine.py, cluster.py), each against the behaviour
of the upstream source it cites, so that a model kinder than the real engine fails here."""
from __future__ import annotations

import pytest

from harness.cluster import ApiError, World
from harness.engine import Engine, EngineError, EngineRun, ResourceState, delete_order

KEY = "tls:index/privateKey:PrivateKey"


def state(urn: str, **kw) -> ResourceState:
    base = dict(urn=urn, typ=KEY, name=urn.rsplit("::", 1)[1], custom=True, parent="", provider="", id=urn,
                inputs={"algorithm": "ECDSA"}, outputs={}, protect=False, dependencies=[])
    base.update(kw)
    return ResourceState(**base)


def run_with(*old: ResourceState, preview: bool = False) -> EngineRun:
    return EngineRun(Engine(world=World()), "o/p/s", {r.urn: r for r in old}, preview=preview)


class TestProtect:
    """pulumi/pulumi pkg/resource/deploy/step_generator.go and step.go."""

    def test_replacing_a_protected_resource_is_refused(self):
        run = run_with(state("u::k", protect=True))
        with pytest.raises(EngineError, match="unable to replace resource"):
            run.plan("u::k", KEY, "k", True, {"algorithm": "RSA"}, "", True, None)

    def test_a_preview_reports_the_refusal_and_goes_on(self):
        run = run_with(state("u::k", protect=True), preview=True)
        step = run.plan("u::k", KEY, "k", True, {"algorithm": "RSA"}, "", True, None)
        assert step.op == "replace" and len(run.errors) == 1

    def test_unprotecting_and_replacing_in_one_run_is_allowed(self):
        run = run_with(state("u::k", protect=True))
        assert run.plan("u::k", KEY, "k", True, {"algorithm": "RSA"}, "", False, None).op == "replace"

    def test_a_delete_is_refused_when_the_previous_state_is_protected(self):
        run = run_with(state("u::k", protect=True), preview=True)
        run.finish()
        assert [s.op for s in run.steps] == ["delete"] and "unable to delete resource" in run.errors[0]

    def test_an_unprotected_resource_is_deleted(self):
        run = run_with(state("u::k", protect=False))
        run.finish()
        assert [s.op for s in run.steps] == ["delete"] and run.errors == []


class TestReplacementTrigger:
    """`shouldTriggerReplace`: a changed non-null trigger replaces; null means none."""

    @pytest.mark.parametrize("old, new, op", [(0, 1, "replace"), (1, 1, "same"), (None, 1, "same"), (0, None, "same")])
    def test_trigger(self, old, new, op):
        run = run_with(state("u::k", replacement_trigger=old))
        assert run.plan("u::k", KEY, "k", True, {"algorithm": "ECDSA"}, "", False, new).op == op


class TestDeleteOrder:
    def test_dependents_first_and_a_component_dependency_covers_its_children(self):
        chart = state("u::chart", custom=False)
        child = state("u::chart-obj", parent="u::chart")
        link = state("u::link", dependencies=["u::chart"])
        other = state("u::other")
        old = {r.urn: r for r in (chart, child, link, other)}
        order = delete_order(old, list(old))
        assert order.index("u::link") < order.index("u::chart-obj") < order.index("u::chart")
        assert set(order) == set(old)


class TestStacks:
    def test_a_reference_to_an_unknown_stack_fails_and_a_stack_that_never_ran_has_no_outputs(self):
        engine = Engine(world=World())
        with pytest.raises(EngineError, match='unknown stack "organization/linkerd-multicluster/east"'):
            engine.stack_outputs("organization/linkerd-multicluster/east")
        engine.init("east")
        assert engine.stack_outputs("organization/linkerd-multicluster/east").outputs == {}

    def test_up_needs_the_stack_to_exist(self):
        with pytest.raises(EngineError, match="pulumi stack init dev"):
            Engine(world=World()).up("dev", {"clusters": {}})


class TestClusters:
    SVC = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "n"},
           "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}

    def test_create_fails_on_an_existing_object_and_apply_merges(self):
        world = World()
        world.create("c", self.SVC)
        with pytest.raises(ApiError, match='services "a" already exists'):
            world.create("c", self.SVC)
        merged = world.apply("c", {"apiVersion": "v1", "kind": "Service", "metadata": {
            "name": "a", "namespace": "n", "labels": {"x": "y"}}, "spec": {"ports": [{"port": 4143}]}})
        assert merged["metadata"]["labels"] == {"x": "y"} and [p["port"] for p in merged["spec"]["ports"]] == [80, 4143]

    def test_apply_creates_what_is_missing(self):
        world = World()
        world.apply("c", self.SVC)
        assert world.get("c", "Service", "n/a") is not None

    def test_a_secret_type_cannot_change(self):
        world = World()
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "type": "Opaque"}
        world.create("c", secret)
        with pytest.raises(ApiError, match="field is immutable"):
            world.apply("c", {**secret, "type": "kubernetes.io/tls"})

    def test_deleting_a_namespace_deletes_what_is_in_it(self):
        world = World()
        world.create("c", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}})
        world.create("c", self.SVC)
        world.delete("c", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}})
        assert world.objects == {}

    def test_every_service_has_a_status(self):
        world = World(lb_addresses={"c": [{"ip": "192.0.2.1"}]})
        assert world.create("c", self.SVC)["status"] == {"loadBalancer": {}}
        lb = {**self.SVC, "metadata": {"name": "b", "namespace": "n"}, "spec": {"type": "LoadBalancer"}}
        assert world.create("c", lb)["status"] == {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
