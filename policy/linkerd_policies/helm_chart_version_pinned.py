"""`helm-chart-version-pinned`: every chart and release pins an exact chart version.

Its failing and passing cases: tests/policy/test_helm_chart_version_pinned.py.
"""
from __future__ import annotations

import re

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import HELM_CHART_COMPONENTS, HELM_RELEASE, has_key


# An exact SemVer 2 version (Helm's version constraints treat it as `=`). Anything else, such as
# `^1.0`, `~1.2`, `>=1`, `1.x`, `*`, `1.2` or a range with spaces, lets Helm pick a newer chart.
EXACT_VERSION = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)


def validate_chart_versions(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Every Helm chart or release must name an exact chart `version`.

    Why: an unpinned or ranged version lets `helm template`/`install` pick whatever the repository
    serves today, so the same commit deploys different Linkerd releases over time and clusters of
    one mesh drift apart (Linkerd supports multicluster between matching versions). Edge charts
    are published as `YYYY.M.N` (bin/compute-edge-version), e.g. `2026.8.3`.

    How: `helm.v3.Release` shows its `version` input. A Chart v4 (or v3 Chart) component shows no
    inputs to analyzers (see the module docstring) and its rendered objects only reveal the
    version Helm resolved, never the one requested, so for those the policy reports itself not
    applicable; the program's own config validation rejects any chart version that is not
    `YYYY.M.N` before a chart is declared. Component inputs are checked if an engine shows them.
    """
    if args.resource_type == HELM_RELEASE:
        pass
    elif args.resource_type in HELM_CHART_COMPONENTS:
        if not has_key(args.props, "chart") and not has_key(args.props, "version"):
            args.not_applicable(
                "the engine passes no inputs of a Helm chart component to analyzers; the "
                "requested version is not observable here")
            return
    else:
        return
    version = args.props.get("version")
    chart = args.props.get("chart")
    if not isinstance(version, str) or not version.strip():
        report_violation(
            f"{args.resource_type} {args.name!r} (chart {chart!r}) has no `version`; pin the exact "
            "chart version, e.g. version=\"2026.8.3\".", None)
    elif not EXACT_VERSION.match(version.strip()):
        report_violation(
            f"{args.resource_type} {args.name!r} (chart {chart!r}) has version {version!r}, which "
            "is a range or wildcard; pin one exact version, e.g. \"2026.8.3\".", None)


POLICY = ResourceValidationPolicy(
    name="helm-chart-version-pinned",
    description="Every Helm chart and release pins an exact chart version.",
    validate=validate_chart_versions,
    enforcement_level=EnforcementLevel.MANDATORY,
)
