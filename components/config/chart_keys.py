"""Pass-through Helm values for advanced users (`extraValues`), checked against the charts' real keys.

Helm silently ignores a misspelt values key, so `extraValues` are checked against the key paths of
the pinned charts' values.yaml (components/data/values_keys.json, generated from upstream by
tools/extract_values_keys.py). Keys the program itself manages are refused with the config key to
use instead: overriding them would break the mesh (trust bundle, issuer scheme, controllers) or
put key material into Helm values.

A check of the config: it imports the schema, the schema never imports it. The loader passes
`mesh_problems` to `MeshConfig.model_validate` (`schema.MESH_CHECKS`), so its problems come out
with the schema's cross-field rules, in the same error.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path as Path_
from typing import TYPE_CHECKING, Any

from .schema import is_cidr, key_path, yaml_kind

if TYPE_CHECKING:
    from .schema import MeshConfig

CHART_OF_SECTION = {"crds": "linkerd-crds", "controlPlane": "linkerd-control-plane", "multicluster": "linkerd-multicluster"}

_WEBHOOK_KEYS = {
    f"{hook}.{k}": "the program supplies webhook certificates through Secrets"
    for hook in ("proxyInjector", "profileValidator", "policyValidator")
    for k in ("externalSecret", "caBundle", "crtPEM", "keyPEM", "injectCaFrom", "injectCaFromSecret")
}

# value key path -> what to use instead
MANAGED = {
    "linkerd-crds": {"installGatewayAPI": "linkerd.installGatewayApi"},
    "linkerd-control-plane": {
        "identityTrustAnchorsPEM": "the `trust` keys (every cluster must get the same bundle)",
        "identityTrustDomain": "linkerd.trustDomain",
        "clusterDomain": "linkerd.clusterDomain",
        "identity.issuer.issuanceLifetime": "trust.proxyCertificateHours",
        "identity.issuer": "the `trust` keys (the issuer comes from a Secret, never from values)",
        "identity.externalCA": "the `trust` keys",
        "disableHeartBeat": "nothing: the heartbeat's render-time schedule would diff on every preview",
        **_WEBHOOK_KEYS,
    },
    "linkerd-multicluster": {
        "linkerdNamespace": "nothing: the program installs Linkerd in `linkerd`",
        "identityTrustDomain": "linkerd.trustDomain",
        "createNamespaceMetadataJob": "nothing: Chart v4 skips Helm hooks; the program labels the namespace",
        "remoteMirrorServiceAccount": "`links` (one access account per source cluster)",
        "remoteMirrorServiceAccountName": "`links` (one access account per source cluster)",
        "gateway.enabled": "clusters.<name>.gateway.type",
        "gateway.serviceType": "clusters.<name>.gateway.serviceType",
        "gateway.port": "clusters.<name>.gateway.port",
        "gateway.probe.port": "clusters.<name>.gateway.probePort",
        "gateway.probe.seconds": "clusters.<name>.gateway.probeSeconds",
        "controllers": "`links` (one controller per outbound link)",
    },
}


Path = tuple[str, ...]
# Maps whose keys are the user's (labels, annotations, selectors), even where values.yaml shows an
# example entry (`nodeSelector: {kubernetes.io/os: linux}`).
_USER_MAP_SUFFIXES = ("Annotations", "annotations", "Labels", "labels", "nodeSelector", "Selector")


@lru_cache(maxsize=1)
def _known() -> tuple[str, dict[str, dict[Path, str]]]:
    doc = json.loads((Path_(__file__).parents[1] / "data" / "values_keys.json").read_text())
    charts = {chart: {tuple(k["path"]): k["type"] for k in keys} for chart, keys in doc["charts"].items()}
    return doc["chartVersion"], charts


# Values the program itself reads, whatever the chart version: they must have a usable shape.
DEFAULT_INBOUND_POLICIES = (
    "all-unauthenticated", "all-authenticated", "cluster-unauthenticated", "cluster-authenticated", "deny", "audit",
)
_TYPE_NAMES = {"dict": "a map", "list": "a list"}


def _leaves(values: dict[str, Any], prefix: Path = ()):
    for key, value in values.items():
        path = prefix + (str(key),)
        if isinstance(value, dict) and value:
            yield from _leaves(value, path)
        else:
            yield path, value


def _has_private_key(value: Any) -> bool:
    if isinstance(value, str):
        return "PRIVATE KEY-----" in value
    if isinstance(value, dict):
        return any(_has_private_key(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_private_key(v) for v in value)
    return False


def _has_unusable_number(value: Any) -> bool:
    """A number the values cannot carry: Pulumi passes them as float64, exact only to 2**53."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > 2**53
    if isinstance(value, float):
        return value != value or value in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return any(_has_unusable_number(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unusable_number(v) for v in value)
    return False


def _type_problem(value: Any, expected: str, chart: str) -> str | None:
    """How `value` does not fit the chart's type for its key (None: it fits, or null: unset)."""
    if value is None or expected == "null":
        return None
    if expected in _TYPE_NAMES:
        wanted = dict if expected == "dict" else list
        if not isinstance(value, wanted):
            return f"{chart} expects {_TYPE_NAMES[expected]} here, not {yaml_kind(value)}; see its values.yaml"
    elif isinstance(value, (dict, list)):
        return f"{chart} expects a single value ({expected}) here, not {yaml_kind(value)}; see its values.yaml"
    return None


def _program_read_problems(section: str, values: dict[str, Any], where: str) -> dict[str, str]:
    """{key: problem} for the values the program itself reads, whatever the chart version:
    `controlPlane.proxy.defaultInboundPolicy` decides which policies the program creates."""
    proxy = values.get("proxy") if section == "controlPlane" else None
    if proxy is None:
        return {}
    if not isinstance(proxy, dict):
        return {f"{where}.proxy": f"must be a map of proxy settings, not {yaml_kind(proxy)}"}
    policy = proxy.get("defaultInboundPolicy")
    if policy is not None and policy not in DEFAULT_INBOUND_POLICIES:
        return {f"{where}.proxy.defaultInboundPolicy": f"{yaml_kind(policy)} is not a Linkerd default inbound "
                f"policy; use one of {', '.join(DEFAULT_INBOUND_POLICIES)}"}
    return {}


def _hardening_problems(section: str, values: dict[str, Any], where: str) -> dict[str, str]:
    """{key: problem} for values that would weaken every meshed pod (the policy pack's
    `proxy-init-unprivileged` refuses them too, after the chart rendered them)."""
    proxy_init = values.get("proxyInit") if section == "controlPlane" else None
    if not isinstance(proxy_init, dict):
        return {}
    return {f"{where}.proxyInit.{key}": f"true makes the injector add a {what} proxy-init container to every "
            "meshed pod; leave it false (Linkerd needs only NET_ADMIN/NET_RAW), or use the Linkerd CNI plugin"
            for key, what in (("privileged", "privileged"), ("runAsRoot", "root")) if proxy_init.get(key) is True}


def _source_range_problems(section: str, values: dict[str, Any], where: str) -> dict[str, str]:
    """{key: problem} for `gateway.loadBalancerSourceRanges` entries the API server would refuse, with
    the whole gateway Service, after the other objects of the update were applied
    (`ValidateService`: "must be a list of IP ranges")."""
    gateway = values.get("gateway") if section == "multicluster" else None
    ranges = gateway.get("loadBalancerSourceRanges") if isinstance(gateway, dict) else None
    if not isinstance(ranges, list):
        return {}  # absent, or not a list: the chart-type check says so
    return {f"{where}.gateway.loadBalancerSourceRanges[{i}]": f"{yaml_kind(entry)} is not an IP range in CIDR "
            "notation (e.g. 203.0.113.0/24, 2001:db8::/32); the API server would refuse the gateway Service"
            for i, entry in enumerate(ranges) if not is_cidr(entry)}


def _free_form_parent(path: Path, keys: dict[Path, str]) -> bool:
    """True when a prefix of `path` is a map that belongs to the user: a label/annotation/selector
    map, or one whose entries values.yaml does not enumerate (`resources: {}`, `podAnnotations`)."""
    for i in range(len(path) - 1, 0, -1):
        prefix = path[:i]
        if keys.get(prefix) not in ("dict", "null"):
            continue
        if prefix[-1].endswith(_USER_MAP_SUFFIXES) or not any(k[:i] == prefix and len(k) > i for k in keys):
            return True
    return False


def problems(section: str, values: dict[str, Any], chart_version: str, where: str) -> list[str]:
    """Problems with one `extraValues.<section>` map; `where` is its config key for messages."""
    chart = CHART_OF_SECTION[section]
    known_version, known = _known()

    reported = {**_program_read_problems(section, values, where), **_hardening_problems(section, values, where),
                **_source_range_problems(section, values, where)}
    found = [f"{key}: {problem}" for key, problem in reported.items()]

    for path, value in _leaves(values):
        dotted = ".".join(path)
        key = key_path(path, where)
        managed = next((m for m in MANAGED[chart] if dotted == m or dotted.startswith(m + ".")), None)
        if managed is not None:
            found.append(f"{key}: set by the program; use {MANAGED[chart][managed]} instead")
            continue
        if _has_private_key(value):
            found.append(f"{key}: private keys must not go into Helm values (they would show in diffs)")
            continue
        if _has_unusable_number(value):
            found.append(f"{key}: a number beyond ±2^53 (or not finite) cannot be passed on exactly; "
                         "quote it if the chart takes text")
            continue
        if any(key == r or key.startswith(r + ".") for r in reported):
            continue  # already explained
        if known_version != chart_version:
            continue  # no key list for this version; cannot judge (docs/configuration.md says so)
        keys = known[chart]
        if path in keys:
            problem = _type_problem(value, keys[path], f"{chart} {known_version}")
            if problem:
                found.append(f"{key}: {problem}")
        elif not _free_form_parent(path, keys):
            found.append(f"{key}: {chart} {known_version} has no value {dotted!r}")
    return found


def mesh_problems(mesh: "MeshConfig") -> list[str]:
    """Problems with every `extraValues` map of the stack (mesh-wide, then per cluster)."""
    version = mesh.linkerd.version
    found = []
    scopes = [("linkerd.extraValues", mesh.linkerd.extra_values)]
    scopes += [(f"clusters.{n}.extraValues", c.extra_values) for n, c in mesh.clusters.items()]
    for where, extra in scopes:
        for section, values in extra.sections().items():
            found += problems(section, values, version, f"{where}.{section}")
    return found
