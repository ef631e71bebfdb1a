"""`gateway-load-balancer-source-ranges`: a LoadBalancer multicluster gateway admits only the source
ranges it lists, and does not list all addresses.

Its failing and passing cases: tests/policy/test_gateway_load_balancer_source_ranges.py.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import (
    GATEWAY_IDENTITY_ANNOTATION,
    HELM_RELEASE,
    MULTICLUSTER_CHART,
    SERVICE,
    cluster_of,
    get_path,
    is_list_proxy,
    raw_get,
)

# The annotation Kubernetes reads when `spec.loadBalancerSourceRanges` is empty (comma-separated
# CIDRs; pkg/api/service/util.go `GetLoadBalancerSourceRanges`).
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
# linkerd-multicluster's values.yaml (edge-26.8.3): the gateway is on, a LoadBalancer, open to all.
CHART_DEFAULTS = {"enabled": True, "serviceType": "LoadBalancer"}


def open_ranges(ranges: list[Any]) -> list[str]:
    """The entries of a source-range list that admit every address (`0.0.0.0/0`, `::/0`, any /0)."""
    found = []
    for entry in ranges:
        try:
            if isinstance(entry, str) and ipaddress.ip_network(entry.strip(), strict=False).prefixlen == 0:
                found.append(entry.strip())
        except ValueError:
            continue  # not a CIDR: the API server refuses the Service; not this policy's concern
    return found


def _problem(ranges: list[Any], where: str) -> str | None:
    if not ranges:
        return f"has no {where}: the cloud load balancer accepts connections from every address"
    wide = open_ranges(ranges)
    if wide:
        return f"lists {', '.join(wide)} in {where}: the cloud load balancer accepts connections from every address"
    return None


def _service_ranges(props: Any) -> tuple[list[Any], str]:
    ranges = get_path(props, "spec", "loadBalancerSourceRanges")
    if is_list_proxy(ranges) and len(ranges):
        return list(ranges), "spec.loadBalancerSourceRanges"
    annotation = get_path(props, "metadata", "annotations", SOURCE_RANGES_ANNOTATION)
    if isinstance(annotation, str) and annotation.strip():
        return [r for r in annotation.split(",") if r.strip()], f"annotation {SOURCE_RANGES_ANNOTATION}"
    return [], "spec.loadBalancerSourceRanges"


def validate_gateway_source_ranges(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A multicluster gateway of type LoadBalancer lists the source ranges it admits, none of them /0.

    Why: the gateway is the one door of a cluster that a link opens to the outside. Its gateway port
    requires a Linkerd identity and its probe port answers only `/ready`, but a load balancer open to
    every address still lets the whole internet reach the gateway's proxy (scanning, connection
    floods, any flaw of the proxy's TLS or protocol detection), where the source clusters' egress
    addresses are known and few. `loadBalancerSourceRanges` makes the cloud load balancer (or
    kube-proxy) drop everything else; an entry `0.0.0.0/0` or `::/0` undoes that.

    Where: a Service announcing a gateway (annotation `mirror.linkerd.io/gateway-identity`: the
    multicluster chart's `linkerd-gateway`, or an Emissary set up as the gateway) of type
    LoadBalancer, with its `spec.loadBalancerSourceRanges` or, where that is empty, the annotation
    `service.beta.kubernetes.io/load-balancer-source-ranges`; and a `helm.v3.Release` of
    linkerd-multicluster, whose `gateway.*` values decide that Service (unset: the chart's defaults,
    an open LoadBalancer). NodePort gateways have no load balancer to restrict.

    Advisory by default: an open LoadBalancer is the chart's (and this program's) default, and a
    gateway that must be reachable from changing addresses has no fixed list to give; raise it to
    mandatory in the policy config once the sources are known.
    """
    if args.resource_type == SERVICE:
        annotations = raw_get(args.props, "metadata", "annotations")  # unknown: not known as a gateway
        if not isinstance(annotations, Mapping) or GATEWAY_IDENTITY_ANNOTATION not in annotations:
            return
        if get_path(args.props, "spec", "type") != "LoadBalancer":
            return
        ranges, where = _service_ranges(args.props)
    elif args.resource_type == HELM_RELEASE:
        chart = get_path(args.props, "chart")
        if not isinstance(chart, str) or not chart.rstrip("/").endswith(MULTICLUSTER_CHART):
            return
        gateway = get_path(args.props, "values", "gateway")
        gateway = {**CHART_DEFAULTS, **(dict(gateway) if isinstance(gateway, Mapping) else {})}
        if gateway["enabled"] is False or gateway["serviceType"] != "LoadBalancer":
            return
        listed = gateway.get("loadBalancerSourceRanges")
        ranges, where = (list(listed) if is_list_proxy(listed) else []), "values gateway.loadBalancerSourceRanges"
    else:
        return
    problem = _problem(ranges, where)
    if problem:
        cluster = cluster_of(args.provider)
        report_violation(
            f"{args.resource_type} {args.name!r}, the multicluster gateway of cluster {cluster!r}, {problem}. "
            "List the source clusters' egress CIDRs: for the Linkerd gateway "
            f"linkerd-multicluster:clusters.{cluster}.extraValues.multicluster.gateway.loadBalancerSourceRanges "
            "(or linkerd.extraValues.multicluster.gateway.loadBalancerSourceRanges for every cluster).", None)


POLICY = ResourceValidationPolicy(
    name="gateway-load-balancer-source-ranges",
    description="A LoadBalancer multicluster gateway lists its source ranges, none of them 0.0.0.0/0 or ::/0.",
    validate=validate_gateway_source_ranges,
    enforcement_level=EnforcementLevel.ADVISORY,
)
