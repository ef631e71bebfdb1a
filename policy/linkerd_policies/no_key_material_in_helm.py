"""`no-key-material-in-helm`: no key material in Helm values.

Its failing and passing cases: tests/policy/test_no_key_material_in_helm.py.
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

from .common import (
    HELM_CHART_COMPONENTS,
    HELM_RELEASE,
    SECRET,
    Walk,
    get_path,
    has_key,
    is_chart_child,
    urn_name,
)
from .pem import base64_key_material, key_material


def _secret_data_key_material(props: Mapping[str, Any], walk: Walk) -> list[str]:
    """Private keys in a Secret's base64 `data` (the chart renders Secrets that way)."""
    return base64_key_material(get_path(props, "data"), "data", walk)


def validate_no_key_material(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """No private key may pass through a Helm chart.

    Why: Helm values are not secret-aware. Linkerd's chart would copy an issuer `keyPEM` into an
    Opaque Secret it renders (charts/linkerd-control-plane/templates/identity.yaml with
    `identity.issuer.scheme: linkerd.io/tls`), a Release stores values in the cluster in plain
    text, and a key in values is easy to leak through a preview diff. The program keeps every key
    in Secrets it creates itself (issuer with `scheme: kubernetes.io/tls`, webhooks with
    `externalSecret: true`).

    How: `helm.v3.Release` inputs are visible, so its `values` are scanned for a PEM
    `-----BEGIN ... PRIVATE KEY-----` block anywhere and for a non-empty `keyPEM`. A Chart v4's
    values never reach an analyzer (see the module docstring), so instead every object a chart
    renders is scanned, including the base64 `data` of rendered Secrets: a private key there came
    either from the values or from the chart generating one (Linkerd's `genSelfSignedCert`
    fallback for webhooks without `externalSecret`, which also changes on every render). Chart
    component inputs are scanned too if an engine ever shows them.
    """
    walk = Walk()
    found: list[str] = []
    what = ""
    if args.resource_type == HELM_RELEASE or args.resource_type in HELM_CHART_COMPONENTS:
        if not has_key(args.props, "values"):
            return
        found = key_material(args.props["values"], "values", walk, check_key_pem=True)
        what = f"the Helm values of {args.resource_type} {args.name!r}"
    elif is_chart_child(args.opts.parent):
        found = key_material(args.props, "", walk, check_key_pem=False)
        if args.resource_type == SECRET:
            found += _secret_data_key_material(args.props, walk)
        chart = urn_name(args.opts.parent or "")
        what = f"{args.resource_type} {args.name!r} rendered by Helm chart {chart!r}"
    else:
        return
    if found:
        report_violation(
            f"private key material in {what}: {', '.join(found)}. Keep keys in Secrets the "
            "program creates (identity.issuer.scheme: kubernetes.io/tls, <webhook>.externalSecret: "
            "true) and pass only certificates to the chart.",
            None,
        )
    elif walk.unknown is not None:
        raise walk.unknown


POLICY = ResourceValidationPolicy(
    name="no-key-material-in-helm",
    description="No private key may be passed to or rendered by a Helm chart.",
    validate=validate_no_key_material,
    enforcement_level=EnforcementLevel.MANDATORY,
)
