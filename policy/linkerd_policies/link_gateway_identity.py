"""`link-gateway-identity`: a Link with a gateway names the gateway's identity.

Its failing and passing cases: tests/policy/test_link_gateway_identity.py.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from pulumi_policy.proxy import UnknownValueError
from .common import LINK_TYPE, get_path, has_key


# `<service account>.<namespace>.serviceaccount.identity.<linkerd namespace>.<trust domain>`: the
# identity Linkerd's identity controller issues to a meshed workload (the gateway's proxy).
GATEWAY_IDENTITY = re.compile(
    r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.[a-z0-9]([-a-z0-9]*[a-z0-9])?\.serviceaccount\.identity\."
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\.[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


def validate_link_gateway_identity(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A Link with a `spec.gatewayAddress` must name the gateway's `spec.gatewayIdentity`.

    Why: the service-mirror controller copies `gatewayIdentity` onto every mirrored Endpoints object
    (annotation `mirror.linkerd.io/remote-gateway-identity`), and the destination controller hands
    it to the source cluster's proxies as the TLS identity to expect from the gateway. Without it
    (the controller then writes no annotation) the endpoints carry no identity: the proxies connect
    to the remote gateway without mTLS, so cross-cluster traffic leaves the cluster without
    encryption and without any check that the far end is the target's gateway. A Link without a
    gateway address (remote discovery or federated services only) needs no identity. The value must
    have the form of a Linkerd workload identity, or no certificate can ever match it.
    """
    if not LINK_TYPE.match(args.resource_type):
        return
    spec = get_path(args.props, "spec")  # an unknown spec: an advisory during preview
    if not isinstance(spec, Mapping) or not has_key(spec, "gatewayAddress"):
        return
    try:
        address = spec["gatewayAddress"]
    except UnknownValueError:
        address = "<computed>"  # not known yet, but set: the Link will have a gateway
    if address is None or (isinstance(address, str) and not address.strip()):
        return
    identity = spec["gatewayIdentity"] if has_key(spec, "gatewayIdentity") else None
    where = f"Link {args.name!r}"
    if not isinstance(identity, str) or not identity.strip():
        report_violation(
            f"{where} has a spec.gatewayAddress but no spec.gatewayIdentity: the source's proxies "
            "would reach the target's gateway without mTLS (nothing to verify it against), so "
            "cross-cluster traffic would be neither encrypted nor authenticated. Set it to the "
            "gateway's identity, e.g. linkerd-gateway.linkerd-multicluster.serviceaccount.identity."
            "linkerd.cluster.local (what `linkerd multicluster link-gen` writes).", None)
    elif not GATEWAY_IDENTITY.match(identity.strip()):
        report_violation(
            f"{where}: spec.gatewayIdentity {identity!r} is not a Linkerd workload identity "
            "(<service account>.<namespace>.serviceaccount.identity.<linkerd namespace>.<trust "
            "domain>); no gateway certificate can match it.", None)


POLICY = ResourceValidationPolicy(
    name="link-gateway-identity",
    description="A Link with a gateway address names the gateway's Linkerd identity.",
    validate=validate_link_gateway_identity,
    enforcement_level=EnforcementLevel.MANDATORY,
)
