"""`link-fields-are-strings`: Link ports and probe fields are strings.

Its failing and passing cases: tests/policy/test_link_fields_are_strings.py.
"""
from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import LINK_TYPE, describe, get_path


LINK_STRING_FIELDS = (
    ("spec", "gatewayPort"),
    ("spec", "probeSpec", "port"),
    ("spec", "probeSpec", "period"),
    ("spec", "probeSpec", "timeout"),
    ("spec", "probeSpec", "failureThreshold"),
)


def validate_link_string_fields(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """`spec.gatewayPort` and `spec.probeSpec.{port,period,timeout,failureThreshold}` are strings.

    Why: the Link CRD declares every one of them `type: string` (link-crd.yaml, all served
    versions; `linkerd multicluster link-gen` writes `gatewayPort: "4143"`, `port: "4191"`,
    `period: 3s`). An API server rejects a number there, but only at `pulumi up`, after other
    objects were already changed. Numbers reach a policy as floats through protobuf, so anything
    that is not a `str` is reported.
    """
    if not LINK_TYPE.match(args.resource_type):
        return
    problems = []
    for path in LINK_STRING_FIELDS:
        value = get_path(args.props, *path)
        if value is not None and not isinstance(value, str):
            problems.append(f"{'.'.join(path)} is {describe(value)}")
    if problems:
        report_violation(
            f"Link {args.name!r}: " + "; ".join(problems)
            + ". The Link CRD declares these fields strings: quote them (e.g. \"4143\", \"3s\").",
            None,
        )


POLICY = ResourceValidationPolicy(
    name="link-fields-are-strings",
    description="Link gatewayPort and probeSpec fields are strings, as the Link CRD requires.",
    validate=validate_link_string_fields,
    enforcement_level=EnforcementLevel.MANDATORY,
)
