"""`gateway-identity-matches-target`: a Link's gateway identity is the one the target's gateway runs as.

Its failing and passing cases: tests/policy/test_gateway_identity_matches_target.py.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .common import (
    CONFIG_MAP,
    DEPLOYMENT,
    GATEWAY_IDENTITY_ANNOTATION,
    LINKERD_CONFIG_CONFIGMAP,
    LINK_TYPE,
    SERVICE,
    cluster_of,
    raw_get,
    urn_name,
)


def _labels_match(selector: Any, labels: Any) -> bool:
    return (isinstance(selector, Mapping) and bool(selector) and isinstance(labels, Mapping)
            and all(labels.get(k) == v for k, v in selector.items()))


def _gateway_identities(resources: list[PolicyResource]) -> dict[str, set[str]]:
    """Cluster (provider name) -> the identities its gateways run as: for each Service announcing a
    gateway (annotation `mirror.linkerd.io/gateway-identity`), the service account of the
    Deployment its selector picks, in the trust domain of that cluster's `linkerd-config`."""
    by_cluster: dict[str, list[PolicyResource]] = {}
    for r in resources:
        if r.provider is not None:
            by_cluster.setdefault(cluster_of(r.provider), []).append(r)
    found: dict[str, set[str]] = {}
    for cluster, objects in by_cluster.items():
        config = next((r for r in objects if r.resource_type == CONFIG_MAP
                       and raw_get(r.props, "metadata", "name") == LINKERD_CONFIG_CONFIGMAP), None)
        try:
            values = yaml.safe_load(raw_get(config.props, "data", "values") or "{}") if config is not None else None
        except yaml.YAMLError:
            continue
        domain = values.get("identityTrustDomain") if isinstance(values, dict) else None
        linkerd_ns = raw_get(config.props, "metadata", "namespace") if config is not None else None
        if not isinstance(domain, str) or not isinstance(linkerd_ns, str):
            continue
        for service in objects:
            annotations = raw_get(service.props, "metadata", "annotations")
            if service.resource_type != SERVICE or not isinstance(annotations, Mapping) \
                    or GATEWAY_IDENTITY_ANNOTATION not in annotations:
                continue
            namespace = raw_get(service.props, "metadata", "namespace")
            for deployment in objects:
                if (deployment.resource_type == DEPLOYMENT
                        and raw_get(deployment.props, "metadata", "namespace") == namespace
                        and _labels_match(raw_get(service.props, "spec", "selector"),
                                          raw_get(deployment.props, "spec", "template", "metadata", "labels"))):
                    account = raw_get(deployment.props, "spec", "template", "spec", "serviceAccountName") or "default"
                    found.setdefault(cluster, set()).add(
                        f"{account}.{namespace}.serviceaccount.identity.{linkerd_ns}.{domain}")
    return found


def validate_gateway_identity_matches(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """A Link's `spec.gatewayIdentity` is the identity the target cluster's gateway really has,
    where this stack installs the target.

    Why: the source's proxies accept the gateway only if its certificate names exactly that
    identity. Naming another service account either breaks the link or, worse, makes the source
    trust whatever workload runs under the named account as the gateway of the target cluster.
    The identity is the gateway Deployment's service account in the target's trust domain
    (`<sa>.<ns>.serviceaccount.identity.<linkerd ns>.<trust domain>`). Links to clusters of other
    stacks are not checked here (their gateway is not in this stack).
    """
    gateways = _gateway_identities(args.resources)
    for r in args.resources:
        if not LINK_TYPE.match(r.resource_type):
            continue
        target = raw_get(r.props, "spec", "targetClusterName")
        named = raw_get(r.props, "spec", "gatewayIdentity")
        if not isinstance(target, str) or not isinstance(named, str) or target not in gateways:
            continue
        if named not in gateways[target]:
            report_violation(
                f"Link {urn_name(r.urn)!r} expects gateway identity {named!r}, but the gateway of cluster "
                f"{target!r} runs as {', '.join(sorted(gateways[target]))}: the source would refuse the real "
                "gateway, or accept a workload of the named service account as the gateway.", r.urn)


POLICY = StackValidationPolicy(
    name="gateway-identity-matches-target",
    description="A Link's gatewayIdentity is the identity the target's gateway Deployment runs as.",
    validate=validate_gateway_identity_matches,
    enforcement_level=EnforcementLevel.MANDATORY,
)
