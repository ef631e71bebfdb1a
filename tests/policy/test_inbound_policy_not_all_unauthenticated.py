"""`inbound-policy-not-all-unauthenticated` (policy/linkerd_policies/inbound_policy_not_all_unauthenticated.py):
the stacks it must flag, and the ones it must pass."""
from __future__ import annotations

from typing import Optional

import pytest
import yaml

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
