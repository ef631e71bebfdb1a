"""Rules of the real engine and pulumi-kubernetes that the fast tier's model (tests/harness/
engine.py) must follow, each observed here with the real CLI, provider, charts and apiserver, on
the smallest program that shows it. The model's side of each is named in the test's docstring."""
from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest
from pulumi import automation as auto

from components.chart_source import chart_source
from real import Stack, charts_dir, delete_gateway_api_crds, exists, provider, stack_session

CTX = "west"
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
GATEWAY_API_CRD = "httproutes.gateway.networking.k8s.io"
LINKERD_CRD = "servers.policy.linkerd.io"


def unknown_in_preview(unknown: bool) -> pulumi.Output:
    import asyncio

    loop = asyncio.get_event_loop()
    value, known = loop.create_future(), loop.create_future()
    value.set_result("x")
    known.set_result(not (unknown and pulumi.runtime.is_dry_run()))
    return pulumi.Output(set(), value, known)


def crds_chart(values: dict, on: k8s.Provider = None, version: str = "2026.8.3", name: str = "crds") -> k8s.helm.v4.Chart:
    source = chart_source(str(charts_dir()), "linkerd-crds", version)
    return k8s.helm.v4.Chart(name, chart=source.chart, version=source.version, namespace="linkerd",
                             values=values, opts=pulumi.ResourceOptions(provider=on or provider(CTX)))


def test_gateway_api_crds_outlive_destroy_because_of_helm_keep():
    """helm.sh/resource-policy: keep on the Gateway API CRDs becomes retainOnDelete (pulumi-
    kubernetes helm/v4): `destroy` deletes Linkerd's CRDs and leaves the Gateway API ones. Model:
    tests/test_engine_model_rules.py::test_kept_chart_objects_are_retained_on_delete."""
    with stack_session("keep", lambda: crds_chart({"installGatewayAPI": True}), lambda: delete_gateway_api_crds(CTX)) as s:
        s.up()
        assert exists(CTX, "crd", GATEWAY_API_CRD) and exists(CTX, "crd", LINKERD_CRD)
        assert s.preview().changed() == {}
        s.destroy()
        assert exists(CTX, "crd", GATEWAY_API_CRD), "a kept object was deleted"
        assert not exists(CTX, "crd", LINKERD_CRD)


def test_a_chart_whose_values_are_unknown_in_a_preview_plans_its_objects_away():
    """With a value that is unknown in a preview (here the uid of a ConfigMap being replaced), the
    v4 Chart renders nothing and the preview plans every object of the chart as a delete. Model:
    tests/test_engine_model_rules.py::test_unknown_chart_values_plan_deletes_in_a_preview."""
    def program(generation: int):
        def run():
            west = provider(CTX)
            marker = k8s.core.v1.ConfigMap("marker", metadata={"name": f"marker-{generation}", "namespace": "default"},
                                           data={"g": str(generation)}, opts=pulumi.ResourceOptions(provider=west))
            # pulumi-kubernetes previews creates by server-side dry run, so a ConfigMap's outputs are
            # known in a preview; a new pulumi-tls certificate's PEM is not. This value stands for it:
            # unknown in a preview from the second generation on, as an Output the SDK sends unknown.
            crds_chart({"installGatewayAPI": False, "unusedMarker": marker.metadata.name,
                        "unknownMarker": unknown_in_preview(generation > 1)}, west)
        return run

    s = Stack("unknown-values", program(1))
    try:
        s.up()
        plan = Stack("unknown-values", program(2)).preview()
        crd_ops = plan.of_type(CRD)
        assert crd_ops and set(crd_ops.values()) == {"delete"}, crd_ops
        # The update itself renders the chart with the known value: nothing is deleted for real.
        s2 = Stack("unknown-values", program(2))
        s2.up()
        assert exists(CTX, "crd", LINKERD_CRD)
    finally:
        s.destroy()
        s.remove()


def test_a_failed_update_keeps_the_previous_outputs():
    """pulumi/pulumi step_executor.go keeps the old value of every output the failed update did not
    register, and writes those it did. A Python program whose resource fails registers no stack
    outputs at all (the SDK's Stack never completes its outputs): every output keeps its previous
    value, also the one that did resolve (`early`). So a member whose control plane failed cannot
    report the new state (the concern of issue 18). Model: tests/harness/engine.py `_save` keeps the
    outputs of a failed update."""
    def program(generation: int, fail: bool):
        def run():
            namespace = "no-such-namespace" if fail else "default"
            cm = k8s.core.v1.ConfigMap("late", metadata={"name": "late", "namespace": namespace}, data={"g": str(generation)},
                                       opts=pulumi.ResourceOptions(provider=provider(CTX)))
            pulumi.export("early", f"generation-{generation}")
            pulumi.export("late", cm.data["g"])
        return run

    s = Stack("failed-outputs", program(1, fail=False))
    try:
        s.up()
        assert s.outputs() == {"early": "generation-1", "late": "1"}
        with pytest.raises(auto.CommandError):
            Stack("failed-outputs", program(2, fail=True)).up()
        outputs = Stack("failed-outputs", program(2, fail=True)).outputs()
        assert outputs == {"early": "generation-1", "late": "1"}
    finally:
        Stack("failed-outputs", program(1, fail=False)).destroy()
        s.remove()
