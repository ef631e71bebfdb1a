"""Upstream facts of Linkerd edge-26.8.3 about inbound policy, for recreating the multicluster
gateway's policy around another gateway's pods (e.g. Emissary).

Source: github.com/linkerd/linkerd2 at tag edge-26.8.3 (commit 19a0d90d). Paths:

* `multicluster/charts/linkerd-multicluster/templates/gateway-policy.yaml` (what the chart renders)
* `multicluster/charts/linkerd-multicluster/templates/gateway.yaml` (gateway pod annotations)
* `charts/linkerd-crds/templates/policy/{server,authorization-policy,meshtls-authentication,network-authentication}.yaml` (CRDs)
* `policy-controller/runtime/src/admission.rs`, `policy-controller/runtime/src/validation.rs`,
  `policy-controller/k8s/index/src/defaults.rs`, `policy-controller/k8s/index/src/inbound/authorization_policy.rs`,
  `policy-controller/k8s/api/src/policy/*.rs` (what the policy validating webhook admits)
* `pkg/k8s/labels.go`, `pkg/inject/inject.go`, `charts/partials/templates/_proxy.tpl` (annotations)

Not drift-checked (the reference copy holds no templates). The schemas are written from the CRDs;
`SCHEMA_DIVERGENCES` lists where they follow the webhook instead (stricter than the CRD).
"""
from __future__ import annotations

from typing import Any, Final

LINKERD_TAG: Final = "edge-26.8.3"
POLICY_GROUP: Final = "policy.linkerd.io"

# ---------------------------------------------------------------------------------------------
# Annotations (pkg/k8s/labels.go) and what the gateway pod template carries (gateway.yaml)
# ---------------------------------------------------------------------------------------------

INJECT_ANNOTATION: Final = "linkerd.io/inject"  # value "enabled" (or "ingress", "disabled")
ENABLE_GATEWAY_ANNOTATION: Final = "config.linkerd.io/enable-gateway"
# -> proxy env LINKERD2_PROXY_INBOUND_GATEWAY_SUFFIXES=svc.<clusterDomain>. (_proxy.tpl, inject.go)
REQUIRE_IDENTITY_PORTS_ANNOTATION: Final = "config.linkerd.io/proxy-require-identity-inbound-ports"
# -> LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY
DEFAULT_INBOUND_POLICY_ANNOTATION: Final = "config.linkerd.io/default-inbound-policy"

# defaults.rs DefaultPolicy::from_str; labels.go constants. Also the valid Server.spec.accessPolicy.
DEFAULT_POLICIES: Final = (
    "all-unauthenticated", "all-authenticated", "cluster-unauthenticated", "cluster-authenticated",
    "deny", "audit",
)

# Pod template annotations of the linkerd-gateway Deployment with default values (gateway.port
# 4143), besides `linkerd.io/created-by` and whatever `gateway.deploymentAnnotations` adds: that
# value goes to the POD template, despite its name.
GATEWAY_POD_ANNOTATIONS: Final[dict[str, str]] = {
    INJECT_ANNOTATION: "enabled",
    REQUIRE_IDENTITY_PORTS_ANNOTATION: "4143",  # "{{.Values.gateway.port}}"
    ENABLE_GATEWAY_ANNOTATION: "true",
    DEFAULT_INBOUND_POLICY_ANNOTATION: "all-authenticated",
    "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
}
# Pod labels: app: <gateway.name>, linkerd.io/extension: multicluster (+ podLabels).
# Caution for a pod that is ALSO a public ingress (inference): the pod-level default
# `all-authenticated` would refuse unauthenticated client traffic on every port without a Server,
# e.g. Emissary's 8080/8443 behind a load balancer. The gateway's own traffic is covered by the
# Server on `linkerd-proxy` below, not by the pod default.

# Proxy port names (labels.go ProxyPortName / ProxyAdminPortName; _proxy.tpl container ports)
PROXY_PORT_NAME: Final = "linkerd-proxy"  # containerPort = proxy.ports.inbound, 4143
PROXY_ADMIN_PORT_NAME: Final = "linkerd-admin"  # 4191

# ---------------------------------------------------------------------------------------------
# What gateway-policy.yaml renders (if gateway.enabled)
# ---------------------------------------------------------------------------------------------


def gateway_policy(
    namespace: str = "linkerd-multicluster",
    gateway_name: str = "linkerd-gateway",
    pod_selector: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The four objects of gateway-policy.yaml for a release namespace and `gateway.name`, without
    the chart's `linkerd.io/created-by` annotation and `commonLabels`. The object names are fixed
    in the template (`linkerd-gateway`, `any-meshed`, `source-cluster`); only the Server's
    podSelector and the `app` label follow gateway.name. `pod_selector` replaces the podSelector
    matchLabels, e.g. for Emissary's pods (not something the chart can do)."""
    labels = {"linkerd.io/extension": "multicluster", "app": gateway_name}

    def meta(name: str) -> dict[str, Any]:
        return {"name": name, "namespace": namespace, "labels": dict(labels)}

    return [
        {
            "apiVersion": f"{POLICY_GROUP}/v1beta3",
            "kind": "Server",
            "metadata": meta("linkerd-gateway"),
            "spec": {
                "podSelector": {"matchLabels": dict(pod_selector or {"app": gateway_name})},
                "port": PROXY_PORT_NAME,
            },
        },
        {
            "apiVersion": f"{POLICY_GROUP}/v1alpha1",
            "kind": "AuthorizationPolicy",
            "metadata": meta("linkerd-gateway"),
            "spec": {
                "targetRef": {"group": POLICY_GROUP, "kind": "Server", "name": "linkerd-gateway"},
                "requiredAuthenticationRefs": [
                    {"group": POLICY_GROUP, "kind": "MeshTLSAuthentication", "name": "any-meshed", "namespace": namespace},
                    {"group": POLICY_GROUP, "kind": "NetworkAuthentication", "name": "source-cluster", "namespace": namespace},
                ],
            },
        },
        {
            "apiVersion": f"{POLICY_GROUP}/v1alpha1",
            "kind": "MeshTLSAuthentication",
            "metadata": meta("any-meshed"),
            "spec": {"identities": ["*"]},
        },
        {
            "apiVersion": f"{POLICY_GROUP}/v1alpha1",
            "kind": "NetworkAuthentication",
            "metadata": meta("source-cluster"),
            # Upstream comment: change to the source clusters' CIDRs; on some providers (GKE) the
            # source IP is the local node's.
            "spec": {"networks": [{"cidr": "0.0.0.0/0"}, {"cidr": "::/0"}]},
        },
    ]


GATEWAY_POLICY: Final[list[dict[str, Any]]] = gateway_policy()
"""What the chart renders with default values (release namespace linkerd-multicluster)."""

# ---------------------------------------------------------------------------------------------
# CRDs (charts/linkerd-crds/templates/policy/*.yaml)
# ---------------------------------------------------------------------------------------------

# kind -> {version: (served, storage)}
CRD_VERSIONS: Final[dict[str, dict[str, tuple[bool, bool]]]] = {
    # v1alpha1 and v1beta1 are `deprecated: true` with a deprecationWarning
    "Server": {"v1alpha1": (True, False), "v1beta1": (True, False), "v1beta2": (True, False), "v1beta3": (True, True)},
    "AuthorizationPolicy": {"v1alpha1": (True, True)},
    "MeshTLSAuthentication": {"v1alpha1": (True, True)},
    "NetworkAuthentication": {"v1alpha1": (True, True)},
}
SHORT_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "Server": ("srv",),
    "AuthorizationPolicy": ("authzpolicy",),
    "MeshTLSAuthentication": ("meshtlsauthn",),
    "NetworkAuthentication": ("netauthn", "networkauthn"),
}
# Server v1beta3 field defaults (CRD `default:`)
SERVER_DEFAULTS: Final = {"accessPolicy": "deny", "proxyProtocol": "unknown"}
# server.rs ProxyProtocol (serde names); the CRD says only `type: string`
PROXY_PROTOCOLS: Final = ("unknown", "HTTP/1", "HTTP/2", "gRPC", "opaque", "TLS")
SELECTOR_OPERATORS: Final = ("In", "NotIn", "Exists", "DoesNotExist")

# What the webhook accepts as kinds (authorization_policy.rs target()/authentication_ref(),
# admission.rs). Group "" or absent means core; kinds compare case-insensitively upstream.
AUTHORIZATION_TARGET_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "Server": (POLICY_GROUP,),
    "Namespace": ("", "core"),  # name must equal the policy's namespace
    "HTTPRoute": (POLICY_GROUP, "gateway.networking.k8s.io"),
    "GRPCRoute": ("gateway.networking.k8s.io",),
}
AUTHENTICATION_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "MeshTLSAuthentication": (POLICY_GROUP,),  # at most one
    "NetworkAuthentication": (POLICY_GROUP,),  # at most one
    "ServiceAccount": ("", "core"),  # at most one, and not together with a MeshTLSAuthentication
}

from .schema_parts import DRAFT as _DRAFT, METADATA as _METADATA, STR as _STR, STR_MAP as _STR_MAP
_GROUP: Final = {
    "type": "string", "maxLength": 253,
    "pattern": r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
}
_KIND: Final = {"type": "string", "minLength": 1, "maxLength": 63, "pattern": r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$"}
_NAME: Final = {"type": "string", "minLength": 1, "maxLength": 253}

_LABEL_SELECTOR: Final = {
    "type": "object",
    "properties": {
        "matchLabels": _STR_MAP,  # CRD: object + preserve-unknown-fields; we require strings
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "operator"],
                "properties": {"key": _STR, "operator": {"enum": list(SELECTOR_OPERATORS)}, "values": {"type": "array", "items": _STR}},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


def _kind_group_rule(kinds: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """if kind == K then group must be one of K's groups (absent allowed for the core group)."""
    rules = []
    for kind, groups in kinds.items():
        then: dict[str, Any] = {"properties": {"group": {"enum": list(groups)}}}
        if POLICY_GROUP in groups or "gateway.networking.k8s.io" in groups:
            then["required"] = ["group"]
        rules.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": then})
    return rules


def _document(api_version: str, kind: str, spec: dict[str, Any], title: str) -> dict[str, Any]:
    return {
        "$schema": _DRAFT,
        "title": title,
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": _METADATA,
            "spec": spec,
        },
        "additionalProperties": False,  # these kinds have no status
    }


SERVER_V1BETA3: Final[dict[str, Any]] = _document(f"{POLICY_GROUP}/v1beta3", "Server", {
    "type": "object",
    "required": ["port"],
    "oneOf": [{"required": ["podSelector"]}, {"required": ["externalWorkloadSelector"]}],
    "properties": {
        "podSelector": _LABEL_SELECTOR,  # same namespace; {} selects all pods
        "externalWorkloadSelector": _LABEL_SELECTOR,
        # x-kubernetes-int-or-string. server.rs Port: NonZeroU16 or a (container port) name.
        "port": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 65535}, {"type": "string", "minLength": 1}]},
        "proxyProtocol": {"enum": list(PROXY_PROTOCOLS)},
        "accessPolicy": {"enum": list(DEFAULT_POLICIES)},
    },
    "additionalProperties": False,
}, "Server policy.linkerd.io/v1beta3 (charts/linkerd-crds/templates/policy/server.yaml @edge-26.8.3)")


def _at_most_one(kind: str) -> dict[str, Any]:
    return {"contains": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "minContains": 0, "maxContains": 1}


AUTHORIZATION_POLICY_V1ALPHA1: Final[dict[str, Any]] = _document(f"{POLICY_GROUP}/v1alpha1", "AuthorizationPolicy", {
    "type": "object",
    "required": ["targetRef", "requiredAuthenticationRefs"],
    "properties": {
        "targetRef": {
            "type": "object",
            "required": ["kind", "name"],
            "properties": {"group": _GROUP, "kind": {**_KIND, "enum": list(AUTHORIZATION_TARGET_KINDS)}, "name": _NAME},
            "allOf": _kind_group_rule(AUTHORIZATION_TARGET_KINDS),
            "additionalProperties": False,
        },
        # ALL must be satisfied; [] is allowed (no authentication required). A reference to an
        # object that does not exist makes the policy ignored (CRD description).
        "requiredAuthenticationRefs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind", "name"],
                "properties": {
                    "group": _GROUP,
                    "kind": {**_KIND, "enum": list(AUTHENTICATION_KINDS)},
                    "name": _NAME,
                    "namespace": {"type": "string", "maxLength": 253},  # default: the policy's
                },
                "allOf": _kind_group_rule(AUTHENTICATION_KINDS),
                "additionalProperties": False,
            },
            "allOf": [
                _at_most_one("MeshTLSAuthentication"),
                _at_most_one("NetworkAuthentication"),
                _at_most_one("ServiceAccount"),
                {"not": {"allOf": [
                    {"contains": {"properties": {"kind": {"const": "MeshTLSAuthentication"}}, "required": ["kind"]}},
                    {"contains": {"properties": {"kind": {"const": "ServiceAccount"}}, "required": ["kind"]}},
                ]}},
            ],
        },
    },
    "additionalProperties": False,
}, "AuthorizationPolicy policy.linkerd.io/v1alpha1 (charts/linkerd-crds/templates/policy/authorization-policy.yaml @edge-26.8.3)")

# validation.rs: an identity is a SPIFFE id or matches this DNS-like pattern ("*" = everyone,
# "*.ns.serviceaccount.identity.linkerd.cluster.local" = a namespace).
IDENTITY_DNS_PATTERN: Final = r"^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_IDENTITY_SPIFFE_PATTERN: Final = r"^spiffe://[a-z0-9._-]+(/[A-Za-z0-9._-]+)*$"  # approximation

MESH_TLS_AUTHENTICATION_V1ALPHA1: Final[dict[str, Any]] = _document(f"{POLICY_GROUP}/v1alpha1", "MeshTLSAuthentication", {
    "type": "object",
    "oneOf": [{"required": ["identities"]}, {"required": ["identityRefs"]}],
    "properties": {
        "identities": {
            "type": "array", "minItems": 1,
            "items": {"type": "string", "anyOf": [{"pattern": IDENTITY_DNS_PATTERN}, {"pattern": _IDENTITY_SPIFFE_PATTERN}]},
        },
        "identityRefs": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["kind"],
                # admission.rs validate_identity_ref: ServiceAccount, or Namespace (no namespace field)
                "properties": {
                    "group": _GROUP, "kind": {**_KIND, "enum": ["ServiceAccount", "Namespace"]},
                    "name": _NAME, "namespace": {"type": "string", "maxLength": 253},
                },
                "if": {"properties": {"kind": {"const": "Namespace"}}},
                "then": {"not": {"required": ["namespace"]}},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}, "MeshTLSAuthentication policy.linkerd.io/v1alpha1 (charts/linkerd-crds/templates/policy/meshtls-authentication.yaml @edge-26.8.3)")

NETWORK_AUTHENTICATION_V1ALPHA1: Final[dict[str, Any]] = _document(f"{POLICY_GROUP}/v1alpha1", "NetworkAuthentication", {
    "type": "object",
    "required": ["networks"],
    "properties": {
        "networks": {
            "type": "array",
            "minItems": 1,  # webhook: "at least one network must be specified"
            "items": {
                "type": "object",
                "required": ["cidr"],
                # network.rs Cidr: a CIDR or a bare IP; each `except` must lie inside `cidr` and not
                # cover it (admission.rs validate_networks) - not expressible here.
                "properties": {"cidr": _STR, "except": {"type": "array", "items": _STR}},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}, "NetworkAuthentication policy.linkerd.io/v1alpha1 (charts/linkerd-crds/templates/policy/network-authentication.yaml @edge-26.8.3)")

SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "Server": SERVER_V1BETA3,
    "AuthorizationPolicy": AUTHORIZATION_POLICY_V1ALPHA1,
    "MeshTLSAuthentication": MESH_TLS_AUTHENTICATION_V1ALPHA1,
    "NetworkAuthentication": NETWORK_AUTHENTICATION_V1ALPHA1,
}

SCHEMA_DIVERGENCES: Final[dict[str, str]] = {
    "unknown-fields": (
        "additionalProperties: false everywhere. The CRDs are structural: unknown fields are "
        "pruned (rejected under strict field validation); the webhook's serde types ignore them."
    ),
    "matchLabels-values": "strings only (CRD: object with preserve-unknown-fields)",
    "server-port": "integer 1..65535 or a non-empty name (CRD: int-or-string; 0 fails the webhook's parse)",
    "server-enums": "proxyProtocol and accessPolicy enumerated (CRD: any string; webhook rejects others)",
    "authz-kinds": "targetRef/authentication kinds, groups and counts as the webhook checks (CRD: any kind)",
    "meshtls-identities": "identity strings checked as the webhook does (SPIFFE pattern approximated)",
    "network-min": "networks needs at least one item (CRD: [] allowed; webhook rejects)",
    "metadata": "metadata.name required; labels/annotations typed (CRDs say nothing about metadata)",
    "spec-required": "as the CRDs (`required: [spec]`)",
}


def schema_for(obj: dict[str, Any]) -> dict[str, Any]:
    """The schema for a policy.linkerd.io object, by kind (only the versions above)."""
    return SCHEMAS[obj["kind"]]
