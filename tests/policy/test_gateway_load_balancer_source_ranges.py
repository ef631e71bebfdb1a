"""`gateway-load-balancer-source-ranges` (policy/linkerd_policies/gateway_load_balancer_source_ranges.py):
the stacks it must flag, and the ones it must pass."""
from __future__ import annotations

import copy
from typing import Any, Optional

import pytest

from components.config.schema import ConfigError
from harness.program import run_program
from policy_harness import UNKNOWN, PolicyPackProcess, Resource
from policy_stacks import SOURCE_CIDRS, SOURCE_RANGES, Pki, advisories, mesh_stack, release, with_gateway
from scenarios import CHART

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
    # A LoadBalancer Service whose annotations are not known yet is not known as a gateway either.
    s.add(Resource("kubernetes:core/v1:Service", "east-app", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "app", "namespace": "apps", "annotations": UNKNOWN},
        "spec": {"type": "LoadBalancer", "selector": {"app": "app"}, "ports": [{"port": 80}]}},
        parent=s.root, provider=s.providers["east"]))
    assert preview.run(s.resources).diagnostics == []


# --- the program's own checks: what it can tell from the stack config, before any resource ----------
BASE = {"clusters": {"east": {"context": "east"}, "west": {"context": "west"}},
        "links": [{"source": "west", "target": "east"}]}
RANGES_KEY = "extraValues.multicluster.gateway.loadBalancerSourceRanges"


def with_ranges(ranges: Any, *, cluster: Optional[str] = "east", gateway: Optional[dict[str, Any]] = None) -> dict:
    """BASE with `ranges` as the source ranges of `cluster` (None: mesh-wide), `gateway` its gateway."""
    config = copy.deepcopy(BASE)
    extra = {"multicluster": {"gateway": {"loadBalancerSourceRanges": ranges}}}
    if cluster is None:
        config["linkerd"] = {"extraValues": extra}
    else:
        config["clusters"][cluster]["extraValues"] = extra
    if gateway is not None:
        config["clusters"]["east"]["gateway"] = gateway
    return config


def config_error(config: dict) -> str:
    with pytest.raises(ConfigError) as err:
        run_program(config)
    return str(err.value)


def test_a_source_range_that_is_no_cidr_is_a_config_error_naming_its_key() -> None:
    message = config_error(with_ranges(["203.0.113.0/24", "203.0.113.7", "not-a-range"]))
    for i, entry in ((1, "203.0.113.7"), (2, "not-a-range")):
        assert (f"linkerd-multicluster:clusters.east.{RANGES_KEY}[{i}]: the text {entry!r} is not an IP range in "
                "CIDR notation") in message
    assert "[0]" not in message


@pytest.mark.parametrize("cluster, gateway, expected", [
    (None, {"serviceType": "NodePort", "addresses": ["192.0.2.11"]},
     f"linkerd-multicluster:linkerd.{RANGES_KEY}: cluster 'east' has a NodePort gateway"),
    ("east", {"type": "none"}, f"linkerd-multicluster:clusters.east.{RANGES_KEY}: cluster 'east' has no Linkerd gateway"),
], ids=["node-port", "no-gateway"])
def test_source_ranges_the_gateway_cannot_take_are_a_config_error(
        cluster: Optional[str], gateway: dict[str, Any], expected: str) -> None:
    config = with_ranges(["203.0.113.0/24"], cluster=cluster, gateway=gateway)
    if gateway.get("type") == "none":
        config["links"] = []  # nothing to link through
    assert expected in config_error(config)


def test_a_source_range_admitting_every_address_is_a_warning_naming_its_key() -> None:
    run = run_program(with_ranges(["203.0.113.0/24", "::/0"]))
    [warning] = [w for w in run.warnings if "loadBalancerSourceRanges" in w]
    assert warning.startswith(f"linkerd-multicluster:clusters.east.{RANGES_KEY}[1]: ::/0 admits every address")


def test_listed_source_ranges_reach_the_gateway_without_a_word() -> None:
    config = with_ranges(SOURCE_CIDRS, cluster=None)
    # A NodePort cluster opts out of the mesh-wide ranges with an empty list of its own.
    config["clusters"]["west"]["gateway"] = {"serviceType": "NodePort", "addresses": ["192.0.2.21"]}
    config["clusters"]["west"]["extraValues"] = {"multicluster": {"gateway": {"loadBalancerSourceRanges": []}}}
    run = run_program(config)
    assert not [w for w in run.warnings if "loadBalancerSourceRanges" in w]
    east = run.monitor.one(CHART, "east-linkerd-multicluster").inputs["values"]["gateway"]
    west = run.monitor.one(CHART, "west-linkerd-multicluster").inputs["values"]["gateway"]
    assert (east["loadBalancerSourceRanges"], west["loadBalancerSourceRanges"]) == (SOURCE_CIDRS, [])


@pytest.mark.parametrize("ranges", [SOURCE_CIDRS, None], ids=["listed", "unset"])
def test_the_gateway_service_the_program_makes_is_what_the_pack_judges(
        preview: PolicyPackProcess, pki: Pki, ranges: Optional[list[str]]) -> None:
    """From config to verdict: the gateway Service the multicluster chart renders from the program's
    values (the emulated cluster's object), shown to the pack as the chart's child."""
    config = with_ranges(ranges) if ranges else copy.deepcopy(BASE)
    service = run_program(config).mocks.world.get("east", "Service", "linkerd-multicluster/linkerd-gateway")
    assert service["spec"].get("loadBalancerSourceRanges") == ranges
    s = mesh_stack(pki)
    with_gateway(s, "east").props = service
    messages = advisories(preview.run(s.resources), SOURCE_RANGES)
    assert len(messages) == (0 if ranges else 1)
