"""`no-private-key-in-configmap`: no private key in a ConfigMap.

Its failing and passing cases: tests/policy/test_no_private_key_in_configmap.py.
"""
from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from pulumi_policy.proxy import UnknownValueError
from .common import CONFIG_MAP, Walk, get_path, is_chart_child
from .pem import base64_key_material, key_material


def validate_no_key_in_config_map(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """No ConfigMap the program registers itself may hold a PEM private key.

    Why: ConfigMaps are Kubernetes' store for non-confidential data. Every role that may read
    ConfigMaps in the namespace (many controllers and most "view" roles may, while Secrets are
    usually guarded), `kubectl describe` and every tool that dumps configuration show it in full.
    A key belongs in a Secret, as a Pulumi secret (see `keys-are-pulumi-secrets`). ConfigMaps a Helm
    chart renders are `no-key-material-in-helm`'s; this policy covers the ones a program registers
    directly (`core.v1.ConfigMap`, `yaml.v2.ConfigGroup` ...). `data` and the base64 `binaryData`
    are scanned, and the metadata too; whether the value is a Pulumi secret does not matter, the
    cluster stores it in the clear either way.
    """
    if args.resource_type != CONFIG_MAP or is_chart_child(args.opts.parent):
        return
    walk = Walk()
    found = key_material(args.props, "", walk, check_key_pem=False)
    try:
        binary = get_path(args.props, "binaryData")
    except UnknownValueError:
        binary = None  # the walk above remembered it
    found += base64_key_material(binary, "binaryData", walk)
    if found:
        report_violation(
            f"ConfigMap {args.name!r} holds a private key: {', '.join(found)}. A ConfigMap is not "
            "confidential: whoever may read ConfigMaps in its namespace, and every `kubectl describe`, "
            "sees the key. Put it in a Secret (as a Pulumi secret) and mount that instead.", None)
    elif walk.unknown is not None:
        raise walk.unknown


POLICY = ResourceValidationPolicy(
    name="no-private-key-in-configmap",
    description="No ConfigMap the program registers holds a private key.",
    validate=validate_no_key_in_config_map,
    enforcement_level=EnforcementLevel.MANDATORY,
)
