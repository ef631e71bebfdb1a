"""CrossGuard policies for the linkerd-multicluster Pulumi program: one module per policy.

Each policy lives in the module of its name (`trust-anchors-identical` in
`trust_anchors_identical.py`), with the rule, why it exists and its `POLICY`; its failing and
passing cases are in `tests/policy/test_<module>.py`. What several policies read with is in
`common.py` (resource types, Linkerd names, property paths, unknowns, the secret bit) and
`pem.py` (certificates, trust-anchor bundles, private keys).

What a policy can see
---------------------
A policy pack only sees what the Pulumi engine sends it, and that is not the program's source:

* ``Analyze`` gets one resource's *inputs* as the engine registered them, with the resource's
  provider (URN, name and inputs) when it has one. Only custom resources have a provider; a
  component has none.
* ``AnalyzeStack`` gets every resource of the stack with its *outputs* (during a preview, the
  provider's prediction of them), its provider, parent and dependencies.

``kubernetes:helm.sh/v4:Chart`` is a remote component: the SDK does not register it with the engine
itself, it asks the Kubernetes provider to ``Construct`` it, and the provider registers the component
*without any inputs* (``ctx.RegisterComponentResource(typ, name, comp, options)`` in
pulumi-kubernetes ``provider/pkg/provider/helm/v4/chart.go``), renders the chart and registers each
rendered object as a child custom resource. Remote registrations bypass the step generator
(``source_eval.go``: "Remote components don't go through the step generator"), so no analyzer
ever sees a Chart v4's ``chart``, ``version`` or ``values``: ``Analyze`` gets ``{}`` with no provider,
``AnalyzeStack`` gets only its ``resources`` output. ``helm.v3.Chart`` (an SDK-side component)
registers ``{}`` as well. ``helm.v3.Release`` is a custom resource and is fully visible.

So the chart-related policies judge what the engine does show: the objects a chart renders (a
ConfigMap ``linkerd-identity-trust-roots``, a Deployment ``controller-<link>``, Secrets ...) on the
cluster provider they inherit from the chart, plus ``helm.v3.Release`` inputs. Chart v4 renders
nothing while any of its values is unknown (its ``Construct`` returns early with "Preview is
incomplete"), which happens on the first preview of a stack whose trust anchor is still to be
created; a policy that needs such output and cannot find it during a preview says so with an
advisory diagnostic instead of passing or failing, and the check runs again on ``pulumi up``.

Numbers reach a policy as floats (``google.protobuf.Struct`` has one number type), so type checks
here never ask for ``int``.

Which values are Pulumi secrets is part of what the engine sends (it marshals properties with
``KeepSecrets``: a secret arrives wrapped in ``{<sig>: <secret-sig>, value: ...}``), but
pulumi-policy unwraps the wrappers before a validation sees the properties. The policies that judge
what is stored in plain text (``keys-are-pulumi-secrets``, ``kubeconfig-credentials-are-pulumi-secrets``)
need that bit, so ``common.install_secret_marking`` keeps it: every string that arrived inside a
secret reaches the policies as a ``SecretText`` (a ``str``, so every other policy reads it as before).
"""
from __future__ import annotations

from pulumi_policy import Policy

from . import (
    gateway_identity_matches_target,
    gateway_load_balancer_source_ranges,
    helm_chart_version_pinned,
    inbound_policy_not_all_unauthenticated,
    issuer_certificate,
    keys_are_pulumi_secrets,
    kubeconfig_credentials_are_pulumi_secrets,
    kubernetes_explicit_provider,
    link_consistency,
    link_fields_are_strings,
    link_gateway_identity,
    no_key_material_in_helm,
    no_private_key_in_configmap,
    proxy_init_unprivileged,
    trust_anchors_from_known_sources,
    trust_anchors_identical,
)

# The pack's policies, in the order of the issues that asked for them.
POLICY_MODULES = (
    trust_anchors_identical,
    kubernetes_explicit_provider,
    no_key_material_in_helm,
    link_consistency,
    link_fields_are_strings,
    helm_chart_version_pinned,
    link_gateway_identity,
    no_private_key_in_configmap,
    keys_are_pulumi_secrets,
    trust_anchors_from_known_sources,
    issuer_certificate,
    proxy_init_unprivileged,
    gateway_identity_matches_target,
    kubeconfig_credentials_are_pulumi_secrets,
    inbound_policy_not_all_unauthenticated,
    gateway_load_balancer_source_ranges,
)


def policies() -> list[Policy]:
    """All policies of the pack, in the order of the issues that asked for them."""
    return [module.POLICY for module in POLICY_MODULES]
