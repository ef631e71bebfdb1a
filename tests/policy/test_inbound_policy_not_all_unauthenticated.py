"""`inbound-policy-not-all-unauthenticated` (policy/linkerd_policies/inbound_policy_not_all_unauthenticated.py):
the stacks it must flag, and the ones it must pass."""
from __future__ import annotations

import copy
from typing import Optional

import pytest
import yaml

from harness.program import run_program
from policy_harness import PolicyPackProcess, Resource
from policy_stacks import INBOUND, Pki, advisories, mesh_stack, object_meta, release

NAMESPACE = "kubernetes:core/v1:Namespace"


@pytest.mark.parametrize("policy, how", [(None, "is not set (the chart's default, all-unauthenticated)"),
                                         ("all-unauthenticated", "is all-unauthenticated")],
                         ids=["chart-default", "explicit"])
def test_a_cluster_defaulting_to_all_unauthenticated_is_flagged(
        preview: PolicyPackProcess, pki: Pki, policy: Optional[str], how: str) -> None:
    s = mesh_stack(pki)
    config = s["west-linkerd-control-plane:linkerd/linkerd-config"]
    values = yaml.safe_load(config.props["data"]["values"])
    values.pop("proxy")
    if policy:
        values["proxy"] = {"defaultInboundPolicy": policy}
    config.props["data"]["values"] = yaml.safe_dump(values)
    result = preview.run(s.resources)
    [message] = advisories(result, INBOUND)
    assert result.of(INBOUND)[0].urn.endswith("::west-linkerd-control-plane:linkerd/linkerd-config")
    assert f"on cluster 'west': proxy.defaultInboundPolicy {how}" in message
    assert "clusters.west.extraValues.controlPlane.proxy.defaultInboundPolicy" in message


def test_a_control_plane_release_without_the_value_is_flagged(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, clusters=("east",), links=())
    s.add(release("west-cp", "linkerd-control-plane", s.add(Resource("pulumi:providers:kubernetes", "west",
                                                                         {"context": "kind-west"})),
                  values={"identityTrustAnchorsPEM": pki.anchor_a}, hardened=False))
    [message] = advisories(preview.run(s.resources), INBOUND)
    assert "west-cp on cluster 'west'" in message and "is not set" in message


def test_a_namespace_or_workload_annotated_all_unauthenticated_is_flagged(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    annotation = {"config.linkerd.io/default-inbound-policy": "all-unauthenticated"}
    s.add(Resource(NAMESPACE, "east-payments", {"apiVersion": "v1", "kind": "Namespace",
                                                "metadata": object_meta("payments", annotations=annotation)},
                   parent=s.root, provider=s.providers["east"]))
    s.add(Resource("kubernetes:apps/v1:Deployment", "east-api", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": object_meta("api", "payments"),
        "spec": {"selector": {"matchLabels": {"app": "api"}},
                 "template": {"metadata": {"labels": {"app": "api"}, "annotations": annotation},
                              "spec": {"containers": [{"name": "api", "image": "example/api"}]}}}},
        parent=s.root, provider=s.providers["east"]))
    result = preview.run(s.resources)
    messages = advisories(result, INBOUND)
    assert sorted(d.urn.rsplit("::", 1)[-1] for d in result.of(INBOUND)) == ["east-api", "east-payments"]
    assert any("'east-payments': metadata.annotations sets" in m for m in messages)
    assert any("'east-api': spec.template.metadata.annotations sets" in m for m in messages)


def test_the_policy_can_be_made_mandatory(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, inbound_policy=None)
    result = preview.run(s.resources, {INBOUND: {"enforcementLevel": "mandatory"}})
    assert len(result.of(INBOUND, "MANDATORY")) == 2 and result.of(INBOUND, "ADVISORY") == []


@pytest.mark.parametrize("policy", ["all-authenticated", "cluster-authenticated", "cluster-unauthenticated",
                                    "deny", "audit"])
def test_any_other_default_inbound_policy_passes(preview: PolicyPackProcess, pki: Pki, policy: str) -> None:
    s = mesh_stack(pki, inbound_policy=policy)
    # The gateway's own pods run all-authenticated (the chart's annotation): not a finding either.
    s.add(Resource(NAMESPACE, "east-apps", {"apiVersion": "v1", "kind": "Namespace", "metadata": object_meta(
        "apps", annotations={"config.linkerd.io/default-inbound-policy": "all-authenticated"})},
        parent=s.root, provider=s.providers["east"]))
    assert preview.run(s.resources).diagnostics == []


# --- the program's own check: a cluster that reopens what the mesh-wide setting closed --------------
BASE = {"clusters": {"east": {"context": "east"}, "west": {"context": "west"}},
        "links": [{"source": "west", "target": "east"}]}


def with_policies(mesh: Optional[str], **clusters: str) -> dict:
    config = copy.deepcopy(BASE)
    if mesh is not None:
        config["linkerd"] = {"extraValues": {"controlPlane": {"proxy": {"defaultInboundPolicy": mesh}}}}
    for name, policy in clusters.items():
        config["clusters"][name]["extraValues"] = {"controlPlane": {"proxy": {"defaultInboundPolicy": policy}}}
    return config


def inbound_warnings(config: dict) -> list[str]:
    return [w for w in run_program(config).warnings if "defaultInboundPolicy" in w]


def test_a_cluster_overriding_a_stricter_mesh_policy_with_all_unauthenticated_is_a_warning() -> None:
    [warning] = inbound_warnings(with_policies("all-authenticated", east="all-unauthenticated"))
    assert warning.startswith("linkerd-multicluster:clusters.east.extraValues.controlPlane.proxy.defaultInboundPolicy: "
                              "all-unauthenticated overrides linkerd.extraValues.controlPlane.proxy.defaultInboundPolicy "
                              "(all-authenticated) for cluster 'east'")


@pytest.mark.parametrize("mesh, clusters", [
    ("all-authenticated", {}),
    ("all-authenticated", {"east": "cluster-authenticated"}),
    (None, {}),                                   # Linkerd's default: the pack's advisory, not a warning
    ("all-unauthenticated", {"east": "all-unauthenticated"}),
], ids=["hardened", "stricter-override", "default", "explicit-everywhere"])
def test_no_warning_where_no_cluster_reopens_the_mesh_policy(mesh: Optional[str], clusters: dict[str, str]) -> None:
    assert inbound_warnings(with_policies(mesh, **clusters)) == []
