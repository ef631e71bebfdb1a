"""What every policy of the pack reads with: the resource types and names Linkerd defines, paths
through the engine's property trees (unknown values included), the secret bit of each value, and
the control plane's values.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import yaml
import pulumi_policy.policy as _pulumi_policy_analyzer
from pulumi_policy import PolicyProviderResource, ResourceValidationArgs
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
SERVICE = "kubernetes:core/v1:Service"
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
# Overrides the proxy's default inbound policy for a namespace's or a workload's pods.
DEFAULT_INBOUND_POLICY_ANNOTATION = "config.linkerd.io/default-inbound-policy"
# Announces a Service as a multicluster gateway (the chart's gateway.yaml, Emissary set up as one).
GATEWAY_IDENTITY_ANNOTATION = "mirror.linkerd.io/gateway-identity"


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
class Walk:
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
                if isinstance(child, (Mapping, list)) or is_list_proxy(child):
                    yield from self.leaves(child, child_path)
                else:
                    yield child_path, str(key), child
        elif isinstance(value, list) or is_list_proxy(value):
            for i in range(len(value)):
                try:
                    child = value[i]
                except UnknownValueError as e:
                    self.unknown = self.unknown or e
                    continue
                child_path = f"{path}[{i}]"
                if isinstance(child, (Mapping, list)) or is_list_proxy(child):
                    yield from self.leaves(child, child_path)
                else:
                    yield child_path, None, child


def is_list_proxy(value: Any) -> bool:
    # pulumi-policy wraps lists in a Sequence proxy; a str is a Sequence too, so exclude it.
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def describe(value: Any) -> str:
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
    if is_list_proxy(value):
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


def install_secret_marking() -> None:
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


install_secret_marking()

_UNKNOWNS = frozenset({UNKNOWN_ARCHIVE_VALUE, UNKNOWN_ARRAY_VALUE, UNKNOWN_ASSET_VALUE, UNKNOWN_BOOLEAN_VALUE,
                       UNKNOWN_NUMBER_VALUE, UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE})


def _raw(value: Any) -> Any:
    """The contents of a pulumi-policy proxy without its unknown checks (a plain value as is)."""
    if isinstance(value, (str, bytes)) or not (isinstance(value, Mapping) or is_list_proxy(value)):
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
    elif is_list_proxy(value):
        items = ((f"{path}[{i}]", None, v) for i, v in enumerate(value))
    else:
        yield Leaf(path, None, value, is_secret(value), isinstance(value, str) and value in _UNKNOWNS)
        return
    for child_path, key, child in items:
        child = _raw(child)
        if isinstance(child, Mapping) or is_list_proxy(child):
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


# --- what the control plane is configured with ------------------------------------------------
def control_plane_values(args: ResourceValidationArgs) -> Any:
    """The control plane's values: `linkerd-config`'s `values` or a Release's inputs ({} for a
    Release that sets none: the chart's defaults), None for any other resource."""
    if args.resource_type == CONFIG_MAP and get_path(args.props, "metadata", "name") == LINKERD_CONFIG_CONFIGMAP:
        raw = get_path(args.props, "data", "values")
        try:
            return yaml.safe_load(raw) if isinstance(raw, str) else None
        except yaml.YAMLError:
            return None
    chart = get_path(args.props, "chart") if args.resource_type == HELM_RELEASE else None
    if isinstance(chart, str) and chart.rstrip("/").endswith(CONTROL_PLANE_CHART):
        values = get_path(args.props, "values")
        return {} if values is None else values
    return None

