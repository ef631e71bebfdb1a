"""`gateway-load-balancer-source-ranges` (policy/linkerd_policies/gateway_load_balancer_source_ranges.py):
the stacks it must flag, and the ones it must pass."""
from __future__ import annotations

from typing import Any, Optional

import pytest

from policy_harness import PolicyPackProcess
from policy_stacks import SOURCE_RANGES, Pki, advisories, mesh_stack, release, with_gateway

ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


@pytest.mark.parametrize("ranges, expected", [
    (None, "has no spec.loadBalancerSourceRanges"),
    ([], "has no spec.loadBalancerSourceRanges"),
    (["203.0.113.0/24", "0.0.0.0/0"], "lists 0.0.0.0/0 in spec.loadBalancerSourceRanges"),
    (["::/0"], "lists ::/0 in spec.loadBalancerSourceRanges"),
    ([" 10.0.0.0/0 "], "lists 10.0.0.0/0 in spec.loadBalancerSourceRanges"),
], ids=["unset", "empty", "ipv4-any", "ipv6-any", "any-with-host-bits"])
def test_an_open_load_balancer_gateway_is_flagged(preview: PolicyPackProcess, pki: Pki,
                                                  ranges: Optional[list[str]], expected: str) -> None:
    s = mesh_stack(pki)
    with_gateway(s, "west", source_ranges=ranges)
    result = preview.run(s.resources)
    [message] = advisories(result, SOURCE_RANGES)
    assert result.of(SOURCE_RANGES)[0].urn.endswith("::west-linkerd-multicluster:linkerd-multicluster/linkerd-gateway")
    assert "the multicluster gateway of cluster 'west'" in message and expected in message
    assert "linkerd-multicluster:clusters.west.extraValues.multicluster.gateway.loadBalancerSourceRanges" in message


def test_the_source_ranges_annotation_counts_where_the_field_is_empty(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    service = with_gateway(s, "west", source_ranges=None)
    service.props["metadata"]["annotations"][ANNOTATION] = "203.0.113.0/24, 198.51.100.0/24"
    assert preview.run(s.resources).diagnostics == []
    service.props["metadata"]["annotations"][ANNOTATION] = "203.0.113.0/24,0.0.0.0/0"
    [message] = advisories(preview.run(s.resources), SOURCE_RANGES)
    assert f"lists 0.0.0.0/0 in annotation {ANNOTATION}" in message


@pytest.mark.parametrize("gateway, flagged", [
    ({}, True),                                                                  # the chart's defaults
    ({"loadBalancerSourceRanges": ["0.0.0.0/0"]}, True),
    ({"loadBalancerSourceRanges": ["203.0.113.0/24"]}, False),
    ({"serviceType": "NodePort"}, False),
    ({"enabled": False}, False),
], ids=["defaults", "any", "restricted", "node-port", "disabled"])
def test_a_multicluster_release_is_judged_by_its_gateway_values(preview: PolicyPackProcess, pki: Pki,
                                                                 gateway: dict[str, Any], flagged: bool) -> None:
    s = mesh_stack(pki)
    s.add(release("east-mc", "linkerd-multicluster", s.providers["east"], values={"gateway": gateway}, hardened=False))
    messages = advisories(preview.run(s.resources), SOURCE_RANGES)
    assert len(messages) == flagged
    assert all("values gateway.loadBalancerSourceRanges" in m for m in messages)


def test_gateways_listing_their_sources_and_other_services_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    with_gateway(s, "east")  # 203.0.113.0/24 and 2001:db8::/32
    node_port = with_gateway(s, "west", source_ranges=None)  # a NodePort gateway: no load balancer to restrict
    node_port.props["spec"]["type"] = "NodePort"
    assert preview.run(s.resources).diagnostics == []
