"""`inbound-policy-not-all-unauthenticated`: no cluster, namespace or workload admits unauthenticated
clients from anywhere by default.

Its failing and passing cases: tests/policy/test_inbound_policy_not_all_unauthenticated.py.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import DEFAULT_INBOUND_POLICY_ANNOTATION, cluster_of, control_plane_values, get_path, raw_get

OPEN_POLICY = "all-unauthenticated"
# linkerd-control-plane's values.yaml (edge-26.8.3) `proxy.defaultInboundPolicy`, and the policy
# controller's own `--default-policy` default: what a cluster gets when nothing sets it.
CHART_DEFAULT = OPEN_POLICY
# Where a pod template's annotations are, per workload kind (Pods and Namespaces carry their own).
TEMPLATE_ANNOTATIONS = (("spec", "template", "metadata", "annotations"),
                        ("spec", "jobTemplate", "spec", "template", "metadata", "annotations"))


def _annotation_places(props: Any) -> list[str]:
    """Where `props` (a Namespace, a Pod or a workload) sets the annotation to all-unauthenticated."""
    places = []
    for path in (("metadata", "annotations"), *TEMPLATE_ANNOTATIONS):
        annotations = raw_get(props, *path)
        if isinstance(annotations, Mapping) and annotations.get(DEFAULT_INBOUND_POLICY_ANNOTATION) == OPEN_POLICY:
            places.append(".".join(path))
    return places


def validate_inbound_policy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """No cluster's proxies, and no namespace or workload, default to `all-unauthenticated`.

    Why: the default inbound policy decides what a meshed pod accepts on every port no `Server`
    covers. `all-unauthenticated` (Linkerd's default) accepts plain-text connections from any client
    that can reach the pod: unmeshed pods, anything on the node network, and, in a multicluster mesh
    with a flat network (remote discovery), the pods of every other cluster, without an identity
    to authorize or audit. `all-authenticated` admits only meshed clients: links keep working
    (traffic through a gateway reaches the target's pods from the gateway's meshed proxy; the
    gateway's chart already runs it with `all-authenticated` and a policy of its own);
    `cluster-authenticated`, `cluster-unauthenticated`, `deny` and `audit` are stricter or explicit
    choices.

    Where: the control plane's values (`proxy.defaultInboundPolicy` in ConfigMap `linkerd-config`,
    or a `helm.v3.Release` of linkerd-control-plane; unset there means the chart's default,
    `all-unauthenticated`), and the annotation `config.linkerd.io/default-inbound-policy` on a
    Namespace, a Pod or a workload's pod template.

    Advisory by default: it flags Linkerd's (and this program's) default, which every stack that
    has not chosen a policy yet runs, and which the program accepts; raise it to mandatory in the
    policy config once a fleet has chosen.
    """
    values = control_plane_values(args)
    if values is not None:
        policy = get_path(values, "proxy", "defaultInboundPolicy") if isinstance(values, Mapping) else None
        if policy is None or policy == OPEN_POLICY:
            cluster = cluster_of(args.provider)
            how = "is all-unauthenticated" if policy else f"is not set (the chart's default, {CHART_DEFAULT})"
            report_violation(
                f"{args.name} on cluster {cluster!r}: proxy.defaultInboundPolicy {how}: every meshed pod "
                "without a Server of its own accepts plain-text connections from any client that reaches it, "
                "meshed or not. Set linkerd-multicluster:linkerd.extraValues.controlPlane.proxy."
                f"defaultInboundPolicy (or clusters.{cluster}.extraValues.controlPlane.proxy."
                "defaultInboundPolicy) to all-authenticated, or to a cluster-/deny policy with Servers "
                "and AuthorizationPolicies for what must stay open.", None)
        return
    if not args.resource_type.startswith("kubernetes:"):
        return
    for place in _annotation_places(args.props):
        report_violation(
            f"{args.resource_type} {args.name!r}: {place} sets {DEFAULT_INBOUND_POLICY_ANNOTATION}: "
            f"{OPEN_POLICY}, so its pods accept plain-text connections from any client that reaches them, "
            "whatever the cluster's default; use all-authenticated, or remove the annotation.", None)


POLICY = ResourceValidationPolicy(
    name="inbound-policy-not-all-unauthenticated",
    description="No cluster, namespace or workload defaults to the all-unauthenticated inbound policy.",
    validate=validate_inbound_policy,
    enforcement_level=EnforcementLevel.ADVISORY,
)
