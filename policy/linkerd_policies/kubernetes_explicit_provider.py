"""`kubernetes-explicit-provider`: no Kubernetes resource on a default provider.

Its failing and passing cases: tests/policy/test_kubernetes_explicit_provider.py.
"""
from __future__ import annotations

import re

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import get_path, urn_name


# The engine names a default provider `default` or `default_<major>_<minor>_<patch>[...]`
# (pkg/resource/deploy/providers/provider.go `DefaultName`).
_DEFAULT_PROVIDER_NAME = re.compile(r"^default(_.+)?$")


def validate_explicit_provider(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Every Kubernetes resource must be created through its cluster's explicit provider.

    Why: the default Kubernetes provider talks to whatever cluster the ambient kubeconfig's current
    context names. In a multi-cluster program that silently puts an object (a Link, a credentials
    Secret, a whole chart) into the wrong cluster. The program creates one
    `pulumi:providers:kubernetes` per cluster and passes it everywhere; this catches a forgotten
    `provider=` (also on a chart, whose rendered children then inherit the default provider).
    Components (`helm.v4.Chart`, `yaml.v2.ConfigGroup`) have no provider of their own; their
    children are checked instead.

    An explicit provider without a `context` is the same trap under another name: pulumi-kubernetes
    then uses the current context of whatever kubeconfig it loads (its `kubeconfig` input, else
    $KUBECONFIG or ~/.kube/config of the machine running `pulumi`), so the cluster depends on who
    runs the update. Every Kubernetes resource's provider must therefore name a non-empty
    `context` (the program's `clusters.<name>.context` is required for that reason).
    """
    if not args.resource_type.startswith("kubernetes:"):
        return
    if args.provider is None:
        args.not_applicable("component resource: it has no provider; its children are checked")
        return
    name = args.provider.name or urn_name(args.provider.urn)
    if _DEFAULT_PROVIDER_NAME.match(name):
        report_violation(
            f"{args.resource_type} {args.name!r} uses the default Kubernetes provider "
            f"({args.provider.urn}), i.e. whichever cluster the ambient kubeconfig points at. "
            "Pass the cluster's explicit provider (opts=ResourceOptions(provider=...)), and set "
            "`pulumi:disable-default-providers: [kubernetes]` in the stack config.",
            None,
        )
        return
    context = get_path(args.provider.props, "context")  # unknown: an advisory during preview
    if not isinstance(context, str) or not context.strip():
        report_violation(
            f"{args.resource_type} {args.name!r} uses provider {args.provider.urn}, whose `context` "
            f"is {'empty' if isinstance(context, str) else 'not set'}: the provider then talks to the "
            "current context of whichever kubeconfig it loads, i.e. whatever cluster the machine "
            "running `pulumi` points at. Give the provider the cluster's context "
            "(k8s.Provider(..., context=...); clusters.<name>.context in this program).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name="kubernetes-explicit-provider",
    description="No Kubernetes resource may use a default provider or one without a context.",
    validate=validate_explicit_provider,
    enforcement_level=EnforcementLevel.MANDATORY,
)
