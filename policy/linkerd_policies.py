"""CrossGuard policies for the linkerd-multicluster Pulumi program.

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
need that bit, so ``_install_secret_marking`` below keeps it: every string that arrived inside a
secret reaches the policies as a ``SecretText`` (a ``str``, so every other policy reads it as before).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import yaml
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
import pulumi_policy.policy as _pulumi_policy_analyzer
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

# --- resource types --------------------------------------------------------------------------
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
HELM_CHART_COMPONENTS = ("kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart")
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
# Every served Link version keeps the same string fields (v1alpha1..v1alpha3, storage v1alpha3).
LINK_TYPE = re.compile(r"^kubernetes:multicluster\.linkerd\.io/v1alpha\d+:Link$")

# --- names Linkerd defines (edge-26.8.3) -------------------------------------------------------
CONTROL_PLANE_CHART = "linkerd-control-plane"
MULTICLUSTER_CHART = "linkerd-multicluster"
MULTICLUSTER_NAMESPACE = "linkerd-multicluster"
# charts/linkerd-control-plane/templates/identity.yaml: the bundle, trimmed, read by proxies.
TRUST_ROOTS_CONFIGMAP = "linkerd-identity-trust-roots"
TRUST_ROOTS_KEY = "ca-bundle.crt"
# charts/linkerd-control-plane/templates/config.yaml: the values (keyPEMs removed), read by
# `linkerd check` and `linkerd multicluster check`.
LINKERD_CONFIG_CONFIGMAP = "linkerd-config"
LINK_CRD_NAME = "links.multicluster.linkerd.io"
REMOTE_KUBECONFIG_SECRET_TYPE = "mirror.linkerd.io/remote-kubeconfig"


def credentials_secret_name(link: str) -> str:
    """The only Secret a Link's service-mirror controller may read (its Role's resourceNames)."""
    return f"cluster-credentials-{link}"


def controller_deployment_name(link: str) -> str:
    """The Deployment the multicluster chart renders for `controllers: [{link: {ref: {name}}}]`."""
    return f"controller-{link}"


# --- small helpers ---------------------------------------------------------------------------
def urn_type(urn: str) -> str:
    """The type of the resource a URN names: the last element of its `parent$child` type chain."""
    parts = urn.split("::")
    return parts[2].split("$")[-1] if len(parts) >= 4 else ""


def urn_name(urn: str) -> str:
    """The name part of a URN (it may itself contain `:` but not `::`)."""
    parts = urn.split("::")
    return "::".join(parts[3:]) if len(parts) >= 4 else urn


def get_path(obj: Any, *path: str) -> Any:
    """`obj[p0][p1]...`, or None where a key is missing or a value is not an object.

    An unknown value on the way raises `UnknownValueError` (pulumi-policy's proxies do that).
    """
    for key in path:
        if not has_key(obj, key):
            return None
        obj = obj[key]
    return obj


def has_key(obj: Any, key: str) -> bool:
    """`key in obj` for a mapping, without reading the value (which may be unknown)."""
    return isinstance(obj, Mapping) and any(k == key for k in obj)


def is_dry_run() -> bool:
    """True during `pulumi preview`: the engine starts every policy pack with PULUMI_DRY_RUN set
    (pkg/resource/plugin/analyzer_plugin.go `constructEnv`, and the Python language host's
    RunPlugin for Python packs)."""
    return os.environ.get("PULUMI_DRY_RUN", "").lower() == "true"


def is_chart_child(parent_urn: Optional[str]) -> bool:
    """Whether a resource was rendered by a Helm chart component (its parent is the Chart)."""
    return bool(parent_urn) and urn_type(parent_urn or "") in HELM_CHART_COMPONENTS


def cluster_of(provider: Optional[PolicyProviderResource]) -> str:
    """A readable cluster label: the name of the explicit provider (`east`, `west`)."""
    if provider is None:
        return "<no provider>"
    return provider.name or urn_name(provider.urn)


class CannotVerifyDuringPreview(UnknownValueError):
    """Raised when what a policy must inspect does not exist yet in this preview.

    pulumi-policy turns an `UnknownValueError` into an ADVISORY diagnostic
    "can't run policy '<name>' ... during preview: <message>", which is the honest outcome: neither
    a pass nor a blocking failure. The engine runs the policy again on `pulumi up`.
    """

    def __init__(self, message: str) -> None:
        super().__init__(UNKNOWN_OBJECT_VALUE, [])
        self.message = message


@dataclass
class _Walk:
    """Collects the leaves of a property tree, skipping (and remembering) unknown values."""

    unknown: Optional[UnknownValueError] = None

    def leaves(self, value: Any, path: str) -> Iterator[tuple[str, Optional[str], Any]]:
        """Yield `(path, key, leaf)` for every non-container value under `value`."""
        if isinstance(value, Mapping):
            for key in list(value.keys()):
                try:
                    child = value[key]
                except UnknownValueError as e:
                    self.unknown = self.unknown or e
                    continue
                child_path = f"{path}.{key}" if path else str(key)
                if isinstance(child, (Mapping, list)) or _is_list_proxy(child):
                    yield from self.leaves(child, child_path)
                else:
                    yield child_path, str(key), child
        elif isinstance(value, list) or _is_list_proxy(value):
            for i in range(len(value)):
                try:
                    child = value[i]
                except UnknownValueError as e:
                    self.unknown = self.unknown or e
                    continue
                child_path = f"{path}[{i}]"
                if isinstance(child, (Mapping, list)) or _is_list_proxy(child):
                    yield from self.leaves(child, child_path)
                else:
                    yield child_path, None, child


def _is_list_proxy(value: Any) -> bool:
    # pulumi-policy wraps lists in a Sequence proxy; a str is a Sequence too, so exclude it.
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, float) and value.is_integer():
        return f"a number ({int(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if _is_list_proxy(value):
        return "a list"
    return type(value).__name__


# --- which values are Pulumi secrets ------------------------------------------------------------
class SecretText(str):
    """A string the engine sent as (part of) a Pulumi secret: encrypted in the stack's state."""

    __slots__ = ()


def is_secret(value: Any) -> bool:
    return isinstance(value, SecretText)


def _mark_secrets(value: Any, inside_secret: bool) -> Any:
    """The engine's JSON form of a property map with every string inside a secret made a
    `SecretText`; the secret wrappers themselves stay for pulumi-policy to unwrap."""
    if isinstance(value, dict):
        if value.get(SPECIAL_SIG_KEY) == SPECIAL_SECRET_SIG and "value" in value:
            return {**value, "value": _mark_secrets(value["value"], True)}
        if SPECIAL_SIG_KEY in value:  # an asset or archive
            return value
        return {k: _mark_secrets(v, inside_secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_secrets(v, inside_secret) for v in value]
    if inside_secret and isinstance(value, str):
        return SecretText(value)
    return value


def _install_secret_marking() -> None:
    """Make pulumi-policy's analyzer keep the secret bit of every string it hands to a validation.

    `Analyze`, `AnalyzeStack` and the provider of a request all go through the module-level
    `deserialize_properties` of `pulumi_policy.policy`; it is wrapped here (remediations, which ask
    for pulumi-policy's own secret proxies, are left alone). Without the hook the secret policies
    could not tell a secret from plain text, so a pulumi-policy without that function stops the
    pack from starting instead of letting plain text through.
    """
    original = getattr(_pulumi_policy_analyzer, "deserialize_properties", None)
    if original is None:
        raise ImportError("pulumi_policy.policy.deserialize_properties is gone; the secret policies of "
                          "this pack cannot see which values are secrets with this pulumi-policy")
    if getattr(original, "marks_secrets", False):
        return

    def deserialize_properties(props: dict[str, Any], proxy_secrets: bool = False) -> Any:
        if proxy_secrets:
            return original(props, proxy_secrets)
        return original(_mark_secrets(props, False), proxy_secrets)

    deserialize_properties.marks_secrets = True  # type: ignore[attr-defined]
    _pulumi_policy_analyzer.deserialize_properties = deserialize_properties


_install_secret_marking()

_UNKNOWNS = frozenset({UNKNOWN_ARCHIVE_VALUE, UNKNOWN_ARRAY_VALUE, UNKNOWN_ASSET_VALUE, UNKNOWN_BOOLEAN_VALUE,
                       UNKNOWN_NUMBER_VALUE, UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE})


def _raw(value: Any) -> Any:
    """The contents of a pulumi-policy proxy without its unknown checks (a plain value as is)."""
    if isinstance(value, (str, bytes)) or not (isinstance(value, Mapping) or _is_list_proxy(value)):
        return value
    try:
        return value["__target"]
    except (KeyError, TypeError, IndexError):
        return value


@dataclass(frozen=True)
class Leaf:
    """One scalar of a property tree, unknown ones included (their secret bit is still known)."""

    path: str
    key: Optional[str]
    value: Any
    secret: bool
    unknown: bool


def raw_leaves(value: Any, path: str = "") -> Iterator[Leaf]:
    """Every scalar under `value`, reading through unknowns instead of raising on them."""
    value = _raw(value)
    if isinstance(value, Mapping):
        items: Iterator[tuple[str, Optional[str], Any]] = (
            (f"{path}.{k}" if path else str(k), str(k), v) for k, v in value.items())
    elif _is_list_proxy(value):
        items = ((f"{path}[{i}]", None, v) for i, v in enumerate(value))
    else:
        yield Leaf(path, None, value, is_secret(value), isinstance(value, str) and value in _UNKNOWNS)
        return
    for child_path, key, child in items:
        child = _raw(child)
        if isinstance(child, Mapping) or _is_list_proxy(child):
            yield from raw_leaves(child, child_path)
        else:
            yield Leaf(child_path, key, child, is_secret(child), isinstance(child, str) and child in _UNKNOWNS)


def raw_get(value: Any, *path: str) -> Any:
    """`value[p0][p1]...` through unknowns (an unknown comes back as its sentinel), or None."""
    for key in path:
        value = _raw(value)
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return _raw(value)


# =============================================================================================
# 1. trust anchors identical
# =============================================================================================
_CERT_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.S)


def pem_certificates(text: str) -> list[bytes]:
    """The DER bytes of every `CERTIFICATE` block in a PEM bundle (undecodable blocks skipped)."""
    certs = []
    for body in _CERT_BLOCK.findall(text):
        try:
            certs.append(base64.b64decode("".join(body.split()), validate=True))
        except (binascii.Error, ValueError):
            continue
    return certs


def fingerprint(der: bytes) -> str:
    """SHA-256 fingerprint of a DER certificate, lowercase hex without separators."""
    return hashlib.sha256(der).hexdigest()


def _normalise_fingerprint(value: str) -> str:
    return value.replace(":", "").replace(" ", "").lower()


@dataclass(frozen=True)
class _Bundle:
    cluster: str
    provider_urn: str
    urn: str
    source: str
    fingerprints: tuple[str, ...]  # sorted: `linkerd mc check` compares the sets, not the order


def _bundles(resources: list[PolicyResource]) -> tuple[list[_Bundle], list[str]]:
    """Every trust-anchor bundle the stack shows, and the ones it cannot show yet."""
    bundles: list[_Bundle] = []
    unknown: list[str] = []
    for r in resources:
        if r.provider is None:
            continue
        source: Optional[str] = None
        pem: Any = None
        try:
            if r.resource_type == CONFIG_MAP:
                name = get_path(r.props, "metadata", "name")
                if name == TRUST_ROOTS_CONFIGMAP:
                    source = f"ConfigMap {TRUST_ROOTS_CONFIGMAP} data[{TRUST_ROOTS_KEY!r}]"
                    pem = get_path(r.props, "data", TRUST_ROOTS_KEY)
                elif name == LINKERD_CONFIG_CONFIGMAP:
                    source = f"ConfigMap {LINKERD_CONFIG_CONFIGMAP} values.identityTrustAnchorsPEM"
                    raw = get_path(r.props, "data", "values")
                    values = yaml.safe_load(raw) if isinstance(raw, str) else None
                    pem = values.get("identityTrustAnchorsPEM") if isinstance(values, dict) else None
            elif r.resource_type == HELM_RELEASE:
                chart = get_path(r.props, "chart")
                if isinstance(chart, str) and chart.rstrip("/").endswith(CONTROL_PLANE_CHART):
                    source = "helm.v3.Release values.identityTrustAnchorsPEM"
                    pem = get_path(r.props, "values", "identityTrustAnchorsPEM")
        except UnknownValueError:
            unknown.append(f"{r.urn} ({source or r.resource_type})")
            continue
        except yaml.YAMLError:
            pem = None
        if source is None:
            continue
        certs = pem_certificates(pem) if isinstance(pem, str) else []
        bundles.append(_Bundle(
            cluster=cluster_of(r.provider), provider_urn=r.provider.urn, urn=r.urn, source=source,
            fingerprints=tuple(sorted(fingerprint(c) for c in certs)),
        ))
    return bundles, unknown


def _short(fps: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"sha256:{fp[:16]}…" for fp in fps) + "]" if fps else "[no certificate]"


def validate_trust_anchors(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every cluster of the mesh must trust exactly the same anchor certificates.

    Why: a proxy accepts a peer's identity only if it chains to one of its own trust anchors, so
    cross-cluster mTLS through the gateway fails unless the bundles agree. `linkerd multicluster
    check` ("clusters share trust anchors", multicluster/cmd/check.go `checkRemoteClusterAnchors`)
    decodes `identityTrustAnchorsPEM` from each cluster's `linkerd-config` and requires the same
    number of anchors with each remote anchor equal to a local one: set equality, which is what
    is compared here (by SHA-256 of each certificate).

    Where: the control-plane chart renders the bundle into ConfigMap `linkerd-identity-trust-roots`
    (`ca-bundle.crt`) and ConfigMap `linkerd-config` (`values`), one per cluster provider; a
    `helm.v3.Release` of linkerd-control-plane shows it in its inputs. A stack that installs one
    cluster only (the other in another stack) has nothing to compare within itself; pin the
    expected anchors with the policy config `trustAnchorFingerprints` to check it anyway.
    """
    config = args.get_config() or {}
    pinned = tuple(sorted(_normalise_fingerprint(str(f)) for f in config.get("trustAnchorFingerprints") or []))
    bundles, unknown = _bundles(args.resources)
    violations = 0

    for b in bundles:
        if not b.fingerprints:
            violations += 1
            report_violation(
                f"{b.source} on cluster {b.cluster!r} holds no PEM certificate; Linkerd's identity "
                "controller and proxies would have no trust anchor to verify identities with.",
                b.urn,
            )

    if pinned:
        for b in bundles:
            if b.fingerprints and b.fingerprints != pinned:
                violations += 1
                report_violation(
                    f"{b.source} on cluster {b.cluster!r} trusts {_short(b.fingerprints)}, but the "
                    f"policy config trustAnchorFingerprints pins {_short(pinned)}.",
                    b.urn,
                )
    else:
        sets = Counter(b.fingerprints for b in bundles if b.fingerprints)
        if len(sets) > 1:
            # The most common set is the reference; a tie goes to the alphabetically first cluster.
            def first_cluster(fps: tuple[str, ...]) -> str:
                return min(b.cluster for b in bundles if b.fingerprints == fps)

            reference = min(sets, key=lambda fps: (-sets[fps], first_cluster(fps)))
            ref_clusters = sorted({b.cluster for b in bundles if b.fingerprints == reference})
            for b in bundles:
                if b.fingerprints and b.fingerprints != reference:
                    violations += 1
                    report_violation(
                        f"{b.source} on cluster {b.cluster!r} trusts {_short(b.fingerprints)}, while "
                        f"cluster(s) {', '.join(ref_clusters)} trust {_short(reference)}. "
                        "`linkerd multicluster check` (clusters share trust anchors) fails and "
                        "cross-cluster mTLS is refused: give every cluster the identical bundle.",
                        b.urn,
                    )
    if unknown:
        raise CannotVerifyDuringPreview("trust-anchor bundle(s) not known yet: " + "; ".join(unknown))
    if violations:
        return
    if not bundles:
        args.not_applicable(
            "no trust-anchor bundle is visible in this stack (a chart renders nothing while its "
            "values are unknown)")
    if not pinned and len({b.provider_urn for b in bundles}) < 2:
        args.not_applicable(
            "only one cluster's trust-anchor bundle is visible in this stack; set the policy "
            "config trustAnchorFingerprints to check a single-cluster stack against the others")


# =============================================================================================
# 2. no Kubernetes resource on a default provider
# =============================================================================================
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


# =============================================================================================
# 3. no key material in Helm values
# =============================================================================================
_PRIVATE_KEY_BLOCK = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")


def _key_material(value: Any, path: str, walk: _Walk, check_key_pem: bool) -> list[str]:
    """Paths under `value` that hold a PEM private key (or a non-empty `keyPEM`)."""
    found = []
    for leaf_path, key, leaf in walk.leaves(value, path):
        if isinstance(leaf, str) and _PRIVATE_KEY_BLOCK.search(leaf):
            found.append(leaf_path)
        elif check_key_pem and key == "keyPEM" and isinstance(leaf, str) and leaf.strip():
            found.append(leaf_path)
    return found


def _decode_base64(value: str) -> Optional[str]:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def _base64_key_material(value: Any, path: str, walk: _Walk) -> list[str]:
    """Paths under `value` whose base64 content is a PEM private key."""
    found = []
    for leaf_path, _key, leaf in walk.leaves(value or {}, path):
        text = _decode_base64(leaf) if isinstance(leaf, str) else None
        if text is not None and _PRIVATE_KEY_BLOCK.search(text):
            found.append(leaf_path + " (base64)")
    return found


def _secret_data_key_material(props: Mapping[str, Any], walk: _Walk) -> list[str]:
    """Private keys in a Secret's base64 `data` (the chart renders Secrets that way)."""
    return _base64_key_material(get_path(props, "data"), "data", walk)


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
    walk = _Walk()
    found: list[str] = []
    what = ""
    if args.resource_type == HELM_RELEASE or args.resource_type in HELM_CHART_COMPONENTS:
        if not has_key(args.props, "values"):
            return
        found = _key_material(args.props["values"], "values", walk, check_key_pem=True)
        what = f"the Helm values of {args.resource_type} {args.name!r}"
    elif is_chart_child(args.opts.parent):
        found = _key_material(args.props, "", walk, check_key_pem=False)
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


# =============================================================================================
# 4. Link name, targetClusterName, controller entry and credentials Secret agree
# =============================================================================================
@dataclass
class _ClusterView:
    """What one cluster provider shows of the multicluster setup."""

    secrets: dict[tuple[str, str], tuple[PolicyResource, Any]] = field(default_factory=dict)
    controller_deployments: set[tuple[str, str]] = field(default_factory=set)
    release_controllers: set[str] = field(default_factory=set)
    multicluster_rendered: bool = False


def _controller_names(values: Any) -> set[str]:
    names = set()
    controllers = get_path(values, "controllers")
    if _is_list_proxy(controllers):
        for entry in controllers:
            name = get_path(entry, "link", "ref", "name")
            if isinstance(name, str):
                names.add(name)
    return names


def _cluster_views(resources: list[PolicyResource]) -> dict[Optional[str], _ClusterView]:
    views: dict[Optional[str], _ClusterView] = {}
    for r in resources:
        key = r.provider.urn if r.provider else None
        view = views.setdefault(key, _ClusterView())
        try:
            name = get_path(r.props, "metadata", "name")
            namespace = get_path(r.props, "metadata", "namespace")
            if r.resource_type == SECRET and isinstance(name, str):
                view.secrets[(str(namespace), name)] = (r, get_path(r.props, "type"))
            elif r.resource_type == DEPLOYMENT and isinstance(name, str):
                view.controller_deployments.add((str(namespace), name))
            elif r.resource_type == CRD and name == LINK_CRD_NAME and is_chart_child(r.opts.parent):
                view.multicluster_rendered = True
            elif r.resource_type == HELM_RELEASE:
                chart = get_path(r.props, "chart")
                if isinstance(chart, str) and chart.rstrip("/").endswith(MULTICLUSTER_CHART):
                    view.multicluster_rendered = True
                    view.release_controllers |= _controller_names(get_path(r.props, "values"))
        except UnknownValueError:
            continue  # an object whose name is not known yet cannot be matched by name
    return views


def validate_links(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Each Link's name, `spec.targetClusterName`, controller and credentials Secret must agree.

    Why (multicluster/service-mirror and the chart's controller templates, edge-26.8.3):
    * the chart renders one service-mirror controller per `controllers[].link.ref.name`; the
      controller takes that name as its argument and watches the Link *of that name* in its own
      namespace, so a Link without a matching controller entry mirrors nothing;
    * the controller's Role `controller-read-remote-creds-<name>` allows reading only the Secret
      `cluster-credentials-<name>`, so `spec.clusterCredentialsSecret` must be exactly that, and
      the Secret must exist in the same namespace with type `mirror.linkerd.io/remote-kubeconfig`
      (`linkerd multicluster link-gen` writes it so);
    * `spec.targetClusterName` suffixes every mirrored Service, and `linkerd multicluster check`
      and `gateways` look up the controller and its Lease by it, while the Lease is named after
      the Link: the two must be equal.

    Everything is matched per cluster provider: a Link only sees Secrets and controllers in its own
    cluster. The controller is recognised by the Deployment `controller-<name>` that Chart v4
    renders (or a `helm.v3.Release` of linkerd-multicluster listing the entry in its values).
    """
    config = args.get_config() or {}
    mc_namespace = str(config.get("multiclusterNamespace") or MULTICLUSTER_NAMESPACE)
    views = _cluster_views(args.resources)
    cannot_verify: list[str] = []

    for r in args.resources:
        if not LINK_TYPE.match(r.resource_type):
            continue
        cluster = cluster_of(r.provider)
        view = views.get(r.provider.urn if r.provider else None, _ClusterView())
        try:
            name = get_path(r.props, "metadata", "name")
            namespace = get_path(r.props, "metadata", "namespace")
            target = get_path(r.props, "spec", "targetClusterName")
            creds = get_path(r.props, "spec", "clusterCredentialsSecret")
        except UnknownValueError as e:
            cannot_verify.append(f"Link {r.urn}: {e.message}")
            continue
        if not isinstance(name, str) or not name:
            report_violation(f"Link on cluster {cluster!r} has no metadata.name.", r.urn)
            continue
        where = f"Link {name!r} on cluster {cluster!r}"
        if namespace != mc_namespace:
            report_violation(
                f"{where} is in namespace {namespace!r}; the service-mirror controllers only watch "
                f"Links in {mc_namespace!r}.", r.urn)
        if target != name:
            report_violation(
                f"{where}: spec.targetClusterName is {target!r}; it must equal the Link name, "
                "because mirrored Services, the controller's Lease and `linkerd multicluster "
                "check`/`gateways` use one name for the link.", r.urn)
        expected_secret = credentials_secret_name(name)
        if creds != expected_secret:
            report_violation(
                f"{where}: spec.clusterCredentialsSecret is {creds!r}; the controller's Role "
                f"(controller-read-remote-creds-{name}) may only read {expected_secret!r}.", r.urn)

        secret = view.secrets.get((mc_namespace, expected_secret))
        if secret is None:
            report_violation(
                f"{where}: no Secret {mc_namespace}/{expected_secret} on the same cluster provider; "
                "the controller cannot reach the target cluster without it.", r.urn)
        elif secret[1] != REMOTE_KUBECONFIG_SECRET_TYPE:
            report_violation(
                f"{where}: Secret {mc_namespace}/{expected_secret} has type {secret[1]!r}; it must "
                f"be {REMOTE_KUBECONFIG_SECRET_TYPE!r}.", secret[0].urn)

        has_controller = ((mc_namespace, controller_deployment_name(name)) in view.controller_deployments
                          or name in view.release_controllers)
        if has_controller:
            continue
        if view.multicluster_rendered or not is_dry_run():
            report_violation(
                f"{where}: the linkerd-multicluster chart on this cluster has no controller for it "
                f"(no Deployment {mc_namespace}/{controller_deployment_name(name)}); add "
                f'{{"link": {{"ref": {{"name": "{name}"}}}}}} to the chart\'s `controllers` value.',
                r.urn)
        else:
            cannot_verify.append(
                f"{where}: the linkerd-multicluster chart's objects are not rendered in this "
                "preview, so its controller entry cannot be checked yet")
    if cannot_verify:
        raise CannotVerifyDuringPreview("; ".join(cannot_verify))


# =============================================================================================
# 5. Link ports and probe fields are strings
# =============================================================================================
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
            problems.append(f"{'.'.join(path)} is {_describe(value)}")
    if problems:
        report_violation(
            f"Link {args.name!r}: " + "; ".join(problems)
            + ". The Link CRD declares these fields strings: quote them (e.g. \"4143\", \"3s\").",
            None,
        )


# =============================================================================================
# 6. chart versions pinned
# =============================================================================================
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


# =============================================================================================
# 7. a Link with a gateway names the gateway's identity
# =============================================================================================
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


# =============================================================================================
# 8. no private key in a ConfigMap
# =============================================================================================
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
    walk = _Walk()
    found = _key_material(args.props, "", walk, check_key_pem=False)
    try:
        binary = get_path(args.props, "binaryData")
    except UnknownValueError:
        binary = None  # the walk above remembered it
    found += _base64_key_material(binary, "binaryData", walk)
    if found:
        report_violation(
            f"ConfigMap {args.name!r} holds a private key: {', '.join(found)}. A ConfigMap is not "
            "confidential: whoever may read ConfigMaps in its namespace, and every `kubectl describe`, "
            "sees the key. Put it in a Secret (as a Pulumi secret) and mount that instead.", None)
    elif walk.unknown is not None:
        raise walk.unknown


# =============================================================================================
# 9. key material in Secrets is a Pulumi secret
# =============================================================================================
# Keys whose value is a private key by definition (kubernetes.io/tls, kubernetes.io/ssh-auth).
KEY_DATA_NAMES = frozenset({"tls.key", "ssh-privatekey"})


def _plaintext_key_material(props: Any) -> tuple[list[str], list[str]]:
    """(paths of Secret data that are private keys and not Pulumi secrets, paths that might be but
    are not known yet) under a Secret's `stringData` and base64 `data`."""
    plaintext: list[str] = []
    unknown: list[str] = []
    for field, encoded in (("stringData", False), ("data", True)):
        for leaf in raw_leaves(raw_get(props, field), field):
            if leaf.secret or leaf.value is None:
                continue
            named = leaf.key in KEY_DATA_NAMES
            if leaf.unknown:
                if named:
                    plaintext.append(f"{leaf.path} (not known yet, and not a secret)")
                else:
                    unknown.append(leaf.path)
                continue
            if not isinstance(leaf.value, str) or not leaf.value.strip():
                continue
            text = _decode_base64(leaf.value) if encoded else leaf.value
            if named or (text is not None and _PRIVATE_KEY_BLOCK.search(text)):
                plaintext.append(leaf.path + (" (base64)" if encoded else ""))
    return plaintext, unknown


def validate_keys_are_pulumi_secrets(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A private key in a Secret's `data` or `stringData` must be a Pulumi secret.

    Why: Kubernetes keeps a Secret's data confidential, but Pulumi stores a resource's inputs in
    the stack's state as it received them: a value that is not a Pulumi secret is written there
    unencrypted and shown in previews and diffs, so whoever can read the state (a backend bucket, a
    CI log, an exported stack) has the key. `additional_secret_outputs` alone does not help, the
    engine applies it to outputs and keeps the inputs as given. The typed `core.v1.Secret` of the
    Python SDK wraps `data`/`stringData` as secrets; a Secret from YAML, a `CustomResource` or a
    transformation may not.

    What counts as key material: a PEM `-----BEGIN ... PRIVATE KEY-----` block (decoded first in
    `data`), and any value under `tls.key` or `ssh-privatekey`. Each value is judged on its own,
    because state records secrets per value. Secrets a Helm chart renders are
    `no-key-material-in-helm`'s (no key may be there at all), and `mirror.linkerd.io/remote-kubeconfig`
    Secrets `kubeconfig-credentials-are-pulumi-secrets`' (all their data must be secret).
    """
    if args.resource_type != SECRET or is_chart_child(args.opts.parent):
        return
    if raw_get(args.props, "type") == REMOTE_KUBECONFIG_SECRET_TYPE:
        return
    plaintext, unknown = _plaintext_key_material(args.props)
    if plaintext:
        report_violation(
            f"Secret {args.name!r} holds private key material that is not a Pulumi secret: "
            f"{', '.join(plaintext)}. Pulumi would store it unencrypted in the stack's state and show "
            "it in diffs: pass it as a secret (pulumi.Output.secret(...), a `--secret` config value).",
            None)
    elif unknown:
        raise CannotVerifyDuringPreview(
            f"Secret {args.name!r}: {', '.join(unknown)} not known yet and not Pulumi secrets; "
            "whether they hold a private key shows on `pulumi up`")


# =============================================================================================
# 10. kubeconfig credentials are Pulumi secrets
# =============================================================================================
KUBECONFIG_CREDENTIALS = ("token", "client-key-data", "password")
_USERS_LINE = re.compile(r"(?m)^\s*[\"']?users[\"']?\s*:")
_CREDENTIAL_LINE = re.compile(r"(?m)^[\s-]*[\"']?(token|client-key-data|password)[\"']?\s*:\s*[\"']?[^\s\"']")


def kubeconfig_credentials(text: str) -> list[str]:
    """The credential fields (`token`, `client-key-data`, `password`) with a value of the users of a
    kubeconfig in `text`; [] if `text` is no kubeconfig or holds none."""
    if "users" not in text:
        return []
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        doc = None
    users = doc.get("users") if isinstance(doc, dict) else None
    if isinstance(users, list):
        found = []
        for i, entry in enumerate(users):
            user = entry.get("user") if isinstance(entry, dict) else None
            for name in KUBECONFIG_CREDENTIALS if isinstance(user, dict) else ():
                value = user.get(name)
                if isinstance(value, str) and value.strip():
                    found.append(f"users[{i}].user.{name}")
        return found
    # Not a parseable kubeconfig (a template, a fragment) but reads like one.
    if _USERS_LINE.search(text):
        return sorted({m.group(1) for m in _CREDENTIAL_LINE.finditer(text)})
    return []


def _in_field(path: str, field: str) -> bool:
    return path == field or path.startswith(field + ".")


def validate_kubeconfig_credentials(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A kubeconfig that carries credentials must be a Pulumi secret, wherever it appears.

    Why: a kubeconfig's `token` (or client key, or password) is the cluster access itself; a link's
    kubeconfig holds a service-account token of the *target* cluster. Kubernetes keeps it secret in
    a Secret, but Pulumi stores any input that is not a Pulumi secret unencrypted in the stack's
    state and shows it in previews (see `keys-are-pulumi-secrets`).

    How: every resource's inputs are scanned, providers included (an inline `kubeconfig`), for a
    string (in a Secret's `data`: its base64 content) that is a kubeconfig with a non-empty
    `token`, `client-key-data` or `password`; such a string must be a secret. The data of a Secret
    of type `mirror.linkerd.io/remote-kubeconfig` must be a secret whatever it looks like, even
    while not known yet (the secret bit is known during a preview).
    """
    plaintext: list[str] = []
    is_secret_object = args.resource_type == SECRET
    remote = is_secret_object and raw_get(args.props, "type") == REMOTE_KUBECONFIG_SECRET_TYPE
    for leaf in raw_leaves(args.props):
        if leaf.secret or leaf.value is None:
            continue
        encoded = is_secret_object and _in_field(leaf.path, "data")
        if remote and (encoded or _in_field(leaf.path, "stringData")):
            plaintext.append(f"{leaf.path} (the kubeconfig of a {REMOTE_KUBECONFIG_SECRET_TYPE} Secret)")
            continue
        if leaf.unknown or not isinstance(leaf.value, str):
            continue
        text: Optional[str] = _decode_base64(leaf.value) if encoded else leaf.value
        fields = kubeconfig_credentials(text) if text else []
        if fields:
            plaintext.append(f"{leaf.path} (a kubeconfig with {', '.join(fields)})")
    if plaintext:
        report_violation(
            f"{args.resource_type} {args.name!r} holds cluster credentials that are not a Pulumi "
            f"secret: {'; '.join(plaintext)}. Pulumi would store them unencrypted in the stack's state "
            "and show them in diffs, handing that cluster to whoever reads either: make the value a "
            "secret (pulumi.Output.secret(...)), as the program does for link kubeconfigs.", None)


# =============================================================================================
# 11. every trust anchor comes from a source the stack names
# =============================================================================================
SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
# The program's anchors: a SelfSignedCert under a TrustAnchor component (components/trust.py), not
# the webhook CA, which is a SelfSignedCert too.
TRUST_ANCHOR_COMPONENT = "linkerd-multicluster:trust:TrustAnchor$"


def _known_anchor_pems(resources: list[PolicyResource]) -> tuple[list[str], list[str]]:
    """(PEM texts of the anchors the stack itself shows as sources, resources still unknown): the
    anchors it generates and the `trustAnchorsPem` outputs of the stacks it references."""
    pems, unknown = [], []
    for r in resources:
        try:
            if r.resource_type == SELF_SIGNED_CERT and TRUST_ANCHOR_COMPONENT in r.urn:
                pem = get_path(r.props, "certPem")
            elif r.resource_type == STACK_REFERENCE:
                pem = get_path(r.props, "outputs", "trustAnchorsPem")
            else:
                continue
        except UnknownValueError:
            unknown.append(r.urn)
            continue
        if isinstance(pem, str):
            pems.append(pem)
    return pems, unknown


def validate_anchor_sources(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every anchor a cluster trusts was generated by this stack, published by a stack it
    references (`trust.fromStack`), or pinned in the policy config `trustAnchorFingerprints`.

    Why: whoever holds the key of an anchor in a cluster's bundle can mint any identity there. The
    `trust-anchors-identical` policy compares clusters with each other, so a foreign anchor put into
    every bundle (a stray `existingAnchorsPem`, a copied bundle) passes it; this one asks where each
    anchor comes from. Anchors supplied in the stack config (`trust.anchor`,
    `trust.existingAnchorsPem`) are not resources a policy can see: pin their fingerprints.
    """
    config = args.get_config() or {}
    pinned = {_normalise_fingerprint(str(f)) for f in config.get("trustAnchorFingerprints") or []}
    bundles, unknown = _bundles(args.resources)
    pems, unknown_sources = _known_anchor_pems(args.resources)
    known = pinned | {fingerprint(der) for pem in pems for der in pem_certificates(pem)}
    for b in bundles:
        foreign = tuple(fp for fp in b.fingerprints if fp not in known)
        if foreign:
            report_violation(
                f"{b.source} on cluster {b.cluster!r} trusts {_short(foreign)}, which this stack neither "
                "generates (a TrustAnchor) nor reads from the stack it takes its trust from, and which the "
                "policy config trustAnchorFingerprints does not pin. Whoever holds its key can mint any "
                "identity in the mesh: remove it, or pin its SHA-256 fingerprint if you supplied it.",
                b.urn)
    if unknown or unknown_sources:
        raise CannotVerifyDuringPreview("trust anchors or their sources not known yet: "
                                        + "; ".join(unknown + unknown_sources))
    if not bundles:
        args.not_applicable("no trust-anchor bundle is visible in this stack")


# =============================================================================================
# 12. issuer certificates: a short-lived CA for proxy certificates only
# =============================================================================================
ISSUER_SECRET_NAME = "linkerd-identity-issuer"
DEFAULT_MAX_ISSUER_DAYS = 366


def _issuer_certificate_pem(props: Any) -> Any:
    """The `tls.crt` of a Secret (plain in `stringData`, base64 in `data`); None if it has none."""
    text = get_path(props, "stringData", "tls.crt")
    if text is None:
        encoded = get_path(props, "data", "tls.crt")
        text = _decode_base64(encoded) if isinstance(encoded, str) else None
    return text


def issuer_problems(pem: str, max_days: float) -> list[str]:
    """What is wrong with an issuer certificate for Linkerd's identity controller."""
    from cryptography import x509  # only this policy needs it

    ders = pem_certificates(pem)
    if not ders:
        return ["holds no PEM certificate"]
    try:
        cert = x509.load_der_x509_certificate(ders[0])
        extensions = cert.extensions
    except ValueError as e:
        return [f"is not a readable certificate ({e})"]
    problems = []
    days = (cert.not_valid_after_utc - cert.not_valid_before_utc).total_seconds() / 86400
    if days > max_days:
        problems.append(f"is valid for {days:.0f} days, more than the {max_days:g} the policy config "
                        "maxIssuerValidityDays allows (a leaked issuer key mints identities until it expires)")
    try:
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.key_cert_sign:
            problems.append("has no keyCertSign key usage (it cannot sign proxy certificates)")
    except x509.ExtensionNotFound:
        pass
    try:
        eku = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        problems.append("carries extended key usages (" + ", ".join(o.dotted_string for o in eku)
                        + "); an issuer signs proxy certificates and has none, as `step --profile "
                        "intermediate-ca` makes it")
    except x509.ExtensionNotFound:
        pass
    return problems


def validate_issuer_certificate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The issuer certificate in Secret `linkerd-identity-issuer` is short-lived and has no
    extended key usage.

    Why: the issuer signs every proxy certificate of its cluster, and, since the trust domain is
    one for the whole mesh, a leaked issuer key mints identities that every cluster accepts until
    the issuer expires. A 100-year issuer makes that forever; extended key usages (serverAuth,
    codeSigning, anyExtendedKeyUsage ...) make a CA meant for the mesh usable for other things.
    """
    if args.resource_type != SECRET or get_path(args.props, "metadata", "name") != ISSUER_SECRET_NAME:
        return
    pem = _issuer_certificate_pem(args.props)
    if not isinstance(pem, str):
        return
    max_days = float((args.get_config() or {}).get("maxIssuerValidityDays") or DEFAULT_MAX_ISSUER_DAYS)
    for problem in issuer_problems(pem, max_days):
        report_violation(f"Secret {ISSUER_SECRET_NAME} ({args.name}): the issuer certificate {problem}.", None)


# =============================================================================================
# 13. proxy-init without privileges
# =============================================================================================
def _control_plane_values(args: ResourceValidationArgs) -> Any:
    """The control plane's values: `linkerd-config`'s `values` or a Release's inputs (else None)."""
    if args.resource_type == CONFIG_MAP and get_path(args.props, "metadata", "name") == LINKERD_CONFIG_CONFIGMAP:
        raw = get_path(args.props, "data", "values")
        try:
            return yaml.safe_load(raw) if isinstance(raw, str) else None
        except yaml.YAMLError:
            return None
    chart = get_path(args.props, "chart") if args.resource_type == HELM_RELEASE else None
    if isinstance(chart, str) and chart.rstrip("/").endswith(CONTROL_PLANE_CHART):
        return get_path(args.props, "values")
    return None


def validate_proxy_init(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The proxy-init container injected into every meshed pod runs neither privileged nor as root.

    Why: the injector adds proxy-init to every meshed pod of every namespace; `proxyInit.privileged`
    or `proxyInit.runAsRoot` turns each of them into a privileged or root container next to the
    application, which a compromise of the pod can use against its node. Linkerd's defaults need
    neither (NET_ADMIN/NET_RAW capabilities suffice, or the CNI plugin needs none).
    """
    values = _control_plane_values(args)
    proxy_init = get_path(values, "proxyInit") if isinstance(values, Mapping) else None
    for key in ("privileged", "runAsRoot"):
        if get_path(proxy_init, key) is True:
            report_violation(f"{args.name}: proxyInit.{key} is true: every meshed pod gets a "
                             f"{'privileged' if key == 'privileged' else 'root'} proxy-init container; "
                             "use Linkerd's default (false), or the CNI plugin.", None)


# =============================================================================================
# 14. a Link's gateway identity is the identity the target's gateway runs as
# =============================================================================================
SERVICE = "kubernetes:core/v1:Service"
GATEWAY_IDENTITY_ANNOTATION = "mirror.linkerd.io/gateway-identity"


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


# =============================================================================================
# the pack
# =============================================================================================
def policies() -> list[Policy]:
    """All policies of the pack, in the order of the issues that asked for them."""
    return [
        StackValidationPolicy(
            name="trust-anchors-identical",
            description="Every cluster's Linkerd trust-anchor bundle is the same set of certificates.",
            validate=validate_trust_anchors,
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(properties={
                "trustAnchorFingerprints": {
                    "type": "array",
                    "items": {"type": "string"},
                    "default": [],
                    "description": "SHA-256 fingerprints (hex) of the expected trust anchors; "
                                   "empty: only compare the clusters of this stack.",
                },
            }),
        ),
        ResourceValidationPolicy(
            name="kubernetes-explicit-provider",
            description="No Kubernetes resource may use a default provider or one without a context.",
            validate=validate_explicit_provider,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        ResourceValidationPolicy(
            name="no-key-material-in-helm",
            description="No private key may be passed to or rendered by a Helm chart.",
            validate=validate_no_key_material,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        StackValidationPolicy(
            name="link-consistency",
            description="Each Link's name, targetClusterName, controller and credentials Secret agree.",
            validate=validate_links,
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(properties={
                "multiclusterNamespace": {
                    "type": "string",
                    "default": MULTICLUSTER_NAMESPACE,
                    "description": "Namespace of the linkerd-multicluster release.",
                },
            }),
        ),
        ResourceValidationPolicy(
            name="link-fields-are-strings",
            description="Link gatewayPort and probeSpec fields are strings, as the Link CRD requires.",
            validate=validate_link_string_fields,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        ResourceValidationPolicy(
            name="helm-chart-version-pinned",
            description="Every Helm chart and release pins an exact chart version.",
            validate=validate_chart_versions,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        ResourceValidationPolicy(
            name="link-gateway-identity",
            description="A Link with a gateway address names the gateway's Linkerd identity.",
            validate=validate_link_gateway_identity,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        ResourceValidationPolicy(
            name="no-private-key-in-configmap",
            description="No ConfigMap the program registers holds a private key.",
            validate=validate_no_key_in_config_map,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        ResourceValidationPolicy(
            name="keys-are-pulumi-secrets",
            description="Private keys in a Secret's data are Pulumi secrets, never plain text in state.",
            validate=validate_keys_are_pulumi_secrets,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        StackValidationPolicy(
            name="trust-anchors-from-known-sources",
            description="Every trusted anchor is generated here, read from the trust stack, or pinned.",
            validate=validate_anchor_sources,
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(properties={
                "trustAnchorFingerprints": {
                    "type": "array", "items": {"type": "string"}, "default": [],
                    "description": "SHA-256 fingerprints (hex) of supplied anchors a cluster may trust.",
                },
            }),
        ),
        ResourceValidationPolicy(
            name="issuer-certificate",
            description="The identity issuer is short-lived and carries no extended key usage.",
            validate=validate_issuer_certificate,
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(properties={
                "maxIssuerValidityDays": {
                    "type": "number", "default": DEFAULT_MAX_ISSUER_DAYS,
                    "description": "Longest issuer lifetime allowed, in days.",
                },
            }),
        ),
        ResourceValidationPolicy(
            name="proxy-init-unprivileged",
            description="proxy-init runs neither privileged nor as root.",
            validate=validate_proxy_init,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        StackValidationPolicy(
            name="gateway-identity-matches-target",
            description="A Link's gatewayIdentity is the identity the target's gateway Deployment runs as.",
            validate=validate_gateway_identity_matches,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        ResourceValidationPolicy(
            name="kubeconfig-credentials-are-pulumi-secrets",
            description="A kubeconfig carrying a token, client key or password is a Pulumi secret.",
            validate=validate_kubeconfig_credentials,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
    ]
