"""Upstream facts of Linkerd edge-26.8.3 (charts 2026.8.3) that the tests check the program against.

Two kinds of content:

* Generated data, loaded from `edge_26_8_3.values.json` (see `extract.py`): the key paths and
  types of each chart's values.yaml (`VALUES_KEYS`) and the leaves of each values-ha.yaml
  (`HA_VALUES`).
* Hand-written facts, each citing the upstream file (paths in github.com/linkerd/linkerd2 at
  tag edge-26.8.3) it comes from: keys the templates read that values.yaml lacks, the Link
  v1alpha3 JSON schema, what link-gen emits, the gateway Service shape, certificate rules.

`tests/test_upstream_drift.py` re-derives everything it can from `../shared/reference` (when
present) and fails on any difference. Facts that need upstream Go code or templates, which the
reference folder does not hold, are marked "not drift-checked".
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

LINKERD_TAG: Final = "edge-26.8.3"
CHART_VERSION: Final = "2026.8.3"
CHARTS: Final = ("linkerd-crds", "linkerd-control-plane", "linkerd-multicluster")

# All three Chart.yaml files say `kubeVersion: ">=1.31.0-0"`; Helm refuses older clusters.
CHART_KUBE_VERSION: Final = ">=1.31.0-0"

_DATA = json.loads((Path(__file__).with_name("edge_26_8_3.values.json")).read_text())

# ---------------------------------------------------------------------------------------------
# Helm values
# ---------------------------------------------------------------------------------------------

VALUES_KEYS: Final[dict[str, dict[str, str]]] = _DATA["values_keys"]
"""chart -> {dotted key path: type}, for every mapping and leaf of the chart's values.yaml.

Types: bool, int, float, str, list, dict, null. Paths: see `extract.join_path`. A `str` whose
default is "" or a block scalar (`crtPEM: |`) is still `str`; a key with no value
(`proxy.cores:`) is `null`.
"""

HA_VALUES: Final[dict[str, dict[str, Any]]] = _DATA["ha_values"]
"""chart -> {dotted key path: value}: the leaves of values-ha.yaml (anchors resolved).
Only linkerd-control-plane and linkerd-multicluster ship one."""

COMMENTED_KEYS: Final[dict[str, dict[str, str]]] = {
    # Keys that values.yaml documents only in comments (so they are absent from the parsed
    # file) but that the templates read. Type = what the template expects.
    "linkerd-crds": {
        # charts/linkerd-crds/values.yaml: "If unspecified, the value of installGatewayAPI is used"
        "enableHttpRoutes": "bool",
        "enableTlsRoutes": "bool",
        "enableTcpRoutes": "bool",
    },
    "linkerd-control-plane": {
        # charts/linkerd-control-plane/templates/heartbeat.yaml (`schedule:`; upstream's
        # comment example is "0 0 * * *"; unset, the CLI/chart picks one from the install time)
        "heartbeatSchedule": "str",
        # Per-component resources, read by the component templates (see `proxy.resources`)
        "destinationResources": "dict",
        "destinationProxyResources": "dict",
        "identityResources": "dict",
        "identityProxyResources": "dict",
        "proxyInjectorResources": "dict",
        "proxyInjectorProxyResources": "dict",
        "spValidatorResources": "dict",
        "tolerations": "list",  # charts/partials/templates/_tolerations.tpl
        "nodeAffinity": "dict",  # charts/partials/templates/_affinity.tpl
        "imagePullSecrets[].name": "str",
        "configReaders[].name": "str",
        "configReaders[].namespace": "str",
    },
    "linkerd-multicluster": {
        # multicluster/charts/linkerd-multicluster/templates/gateway.yaml, only rendered when
        # gateway.serviceType is NodePort or LoadBalancer
        "gateway.nodePort": "int",
        "gateway.healthCheckNodePort": "int",
        "gateway.probe.nodePort": "int",
        "nodeAffinity": "dict",  # charts/partials/templates/_affinity.tpl
        "imagePullSecrets[].name": "str",
    },
}

TEMPLATE_ONLY_KEYS: Final[dict[str, dict[str, str]]] = {
    # Keys the templates read that values.yaml neither sets nor mentions, and that a user may
    # set. Found by grepping `.Values.*` in the templates at edge-26.8.3 (not drift-checked
    # beyond "still absent from values.yaml"). Not exhaustive for proxy tuning knobs.
    "linkerd-crds": {},
    "linkerd-control-plane": {
        "policyController.additionalArgs": "list",  # templates/destination.yaml
        "policyController.experimentalArgs": "list",
        "heartbeatResources": "dict",  # templates/heartbeat.yaml; values-ha.yaml sets it
        "heartbeat.additionalEnv": "list",  # templates/heartbeat.yaml
        "heartbeat.experimentalEnv": "list",
        "proxy.additionalEnv": "list",  # charts/partials/templates/_proxy.tpl
        "proxy.experimentalEnv": "list",
        "proxy.accessLog": "str",
        "networkValidator.enableSecurityContext": "bool",  # _network-validator.tpl
    },
    "linkerd-multicluster": {
        "serviceMirrorAdditionalEnv": "list",  # templates/controller/deployment.yaml
        "serviceMirrorExperimentalEnv": "list",
        "localServiceMirror.additionalEnv": "list",  # templates/local-service-mirror.yaml
        "localServiceMirror.experimentalEnv": "list",
        "nodeSelector": "dict",  # local-service-mirror.yaml (top level, not gateway.*)
        "tolerations": "list",
        # templates/namespace.yaml: PSA level of the Namespace; that template renders only
        # when `.Release.Service == "CLI"`, so with Helm/Pulumi this key has no effect.
        "cniEnabled": "bool",
    },
}

INTERNAL_KEYS: Final[dict[str, tuple[str, ...]]] = {
    # Read by the shared partials but set by the templates themselves (`set $tree.Values.proxy
    # ...` in destination.yaml, identity.yaml, proxy-injector.yaml) or by the CLI. The program
    # must not set them.
    "linkerd-control-plane": (
        "proxy.component", "proxy.workloadKind", "proxy.podInboundPorts",
        "proxy.loadTrustBundleFromConfigMap", "proxy.requireTLSOnInboundPorts",
        "proxy.capabilities", "proxy.isGateway", "proxy.isIngress", "cliVersion",
    ),
    "linkerd-multicluster": ("cliVersion",),
}

HA_ONLY_KEYS: Final[dict[str, dict[str, str]]] = {
    # Keys of values-ha.yaml that values.yaml lacks and no template reads:
    # `controllerResources` only carries the YAML anchor `&controller_resources`;
    # `highAvailability` ends up in ConfigMap linkerd-config, where `linkerd check` reads it
    # (pkg/charts/linkerd2/values.go, pkg/healthcheck/healthcheck.go).
    "linkerd-control-plane": {"controllerResources": "dict", "highAvailability": "bool"},
    "linkerd-multicluster": {},
}

# multicluster/charts/linkerd-multicluster/templates/controller/*.yaml: one controller per
# `controllers[]` entry. `link.ref.name` is required; every other key overrides the
# `controllerDefaults` key of the same path through Sprig `dig` (so a misspelt key is silently
# ignored, which is why tests compare against this set).
CONTROLLER_ENTRY_REQUIRED: Final = "link.ref.name"
CONTROLLER_ENTRY_OVERRIDES: Final[dict[str, str]] = {
    "replicas": "int",
    "image.name": "str",
    "image.version": "str",
    "gateway.enabled": "bool",  # also decides whether Service probe-<name> is rendered
    "gateway.probe.port": "int",
    "logLevel": "str",
    "logFormat": "str",
    "enableHeadlessServices": "bool",
    "enablePprof": "bool",
    "UID": "int",
    "GID": "int",
    "retryLimit": "int",
    "resources": "dict",
    "nodeSelector": "dict",
    "tolerations": "list",  # controllerDefaults.tolerations defaults to {} (a map!) upstream
    "enablePodAntiAffinity": "bool",
    "nodeAffinity": "dict",
}
# controllerDefaults.image.pullPolicy exists in values.yaml but no template reads it, per
# entry or at all: controller pods get Kubernetes' default pull policy.
CONTROLLER_DEFAULTS_UNREAD: Final = ("image.pullPolicy",)

# Objects rendered per controllers[] entry with link name L (controller/*.yaml).
CONTROLLER_OBJECT_NAMES: Final[dict[str, str]] = {
    "Deployment": "controller-{name}",
    "ServiceAccount": "controller-{name}",
    "ClusterRoleBinding": "linkerd-multicluster-controller-access-local-resources-{name}",
    "Role": "controller-read-remote-creds-{name}",
    "RoleBinding": "controller-read-remote-creds-{name}",
    "Service": "probe-{name}",  # only if the entry's gateway.enabled
}
# The Role may read only this Secret: so the credentials Secret's suffix must equal the Link name.
CONTROLLER_READABLE_SECRET: Final = "cluster-credentials-{name}"

# charts/linkerd-control-plane/templates/identity.yaml renders Secret linkerd-identity-issuer
# (keys crt.pem/key.pem) only when scheme == "linkerd.io/tls"; controller/cmd/identity/main.go
# reads crt.pem/key.pem for that scheme and tls.crt/tls.key for any other value.
IDENTITY_ISSUER_SCHEMES: Final[dict[str, dict[str, Any]]] = {
    "linkerd.io/tls": {"chart_creates_secret": True, "keys": ("crt.pem", "key.pem")},
    "kubernetes.io/tls": {"chart_creates_secret": False, "keys": ("tls.crt", "tls.key", "ca.crt")},
}
IDENTITY_ISSUER_SECRET: Final = "linkerd-identity-issuer"

# ---------------------------------------------------------------------------------------------
# Link custom resource (multicluster.linkerd.io)
# ---------------------------------------------------------------------------------------------

# multicluster/charts/linkerd-multicluster/templates/link-crd.yaml. The CRD ships in the
# linkerd-multicluster chart (not linkerd-crds); no conversion webhook, schemas only add fields.
LINK_CRD: Final[dict[str, Any]] = {
    "name": "links.multicluster.linkerd.io",
    "group": "multicluster.linkerd.io",
    "kind": "Link",
    "plural": "links",
    "scope": "Namespaced",
    "versions": {  # name -> (served, storage, has status subresource)
        "v1alpha1": (True, False, False),
        "v1alpha2": (True, False, True),
        "v1alpha3": (True, True, True),
    },
    # Top-level spec fields per version (drift-checked against the CRD).
    "spec_fields": {
        "v1alpha1": (
            "clusterCredentialsSecret", "gatewayAddress", "gatewayIdentity", "gatewayPort",
            "probeSpec", "remoteDiscoverySelector", "selector", "targetClusterDomain",
            "targetClusterLinkerdNamespace", "targetClusterName",
        ),
        "v1alpha2": (
            "clusterCredentialsSecret", "federatedServiceSelector", "gatewayAddress",
            "gatewayIdentity", "gatewayPort", "probeSpec", "remoteDiscoverySelector", "selector",
            "targetClusterDomain", "targetClusterLinkerdNamespace", "targetClusterName",
        ),
        "v1alpha3": (
            "clusterCredentialsSecret", "excludedAnnotations", "excludedLabels",
            "federatedServiceSelector", "gatewayAddress", "gatewayIdentity", "gatewayPort",
            "probeSpec", "remoteDiscoverySelector", "selector", "targetClusterDomain",
            "targetClusterLinkerdNamespace", "targetClusterName",
        ),
    },
}

_STRING: Final = {"type": "string"}
_STRINGS: Final = {"type": "array", "items": {"type": "string"}}
_STRING_MAP: Final = {"type": "object", "additionalProperties": {"type": "string"}}

SELECTOR_OPERATORS: Final = ("In", "NotIn", "Exists", "DoesNotExist")

# A metav1.LabelSelector as the CRD spells it (matchLabels + matchExpressions only).
_LABEL_SELECTOR: Final = {
    "type": "object",
    "properties": {
        # The CRD says `type: object` + x-kubernetes-preserve-unknown-fields, so the API server
        # would store `{"a": 1}`; the Go type is map[string]string, so the controller could not
        # decode it. We require strings (see LINK_SCHEMA_DIVERGENCES).
        "matchLabels": _STRING_MAP,
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "operator"],
                "properties": {
                    "key": _STRING,
                    "operator": {"type": "string", "enum": list(SELECTOR_OPERATORS)},
                    "values": _STRINGS,
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

# The user-settable part of ObjectMeta (the API server validates metadata as ObjectMeta and
# rejects unknown fields under strict field validation; the CRD itself says nothing about it).
_OBJECT_META: Final = {
    "type": "object",
    "properties": {
        "name": _STRING,
        "generateName": _STRING,
        "namespace": _STRING,
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "finalizers": _STRINGS,
        "ownerReferences": {"type": "array", "items": {"type": "object"}},
        # Server-populated, but legal in a manifest (e.g. link-gen prints creationTimestamp: null)
        "uid": _STRING,
        "resourceVersion": _STRING,
        "generation": {"type": "integer"},
        "creationTimestamp": {"type": ["string", "null"]},
        "deletionTimestamp": {"type": ["string", "null"]},
        "deletionGracePeriodSeconds": {"type": "integer"},
        "managedFields": {"type": "array", "items": {"type": "object"}},
        "selfLink": _STRING,
    },
    "additionalProperties": False,
}

LINK_V1ALPHA3: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Link multicluster.linkerd.io/v1alpha3, as this project may create it",
    "description": (
        "Written from link-crd.yaml (v1alpha3, storage version) at edge-26.8.3 with "
        "structural-schema semantics: unknown fields are rejected, every scalar is a string. "
        "`status` is deliberately absent, so it is rejected: the program must not set it "
        "(the service-mirror controller owns it through the status subresource)."
    ),
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "multicluster.linkerd.io/v1alpha3"},
        "kind": {"const": "Link"},
        "metadata": _OBJECT_META,
        "spec": {
            "type": "object",
            # The CRD requires none of these; link-gen's choice of which to set is in LINK_GEN.
            "properties": {
                "targetClusterName": _STRING,
                "targetClusterDomain": _STRING,
                "targetClusterLinkerdNamespace": _STRING,
                "clusterCredentialsSecret": _STRING,
                "gatewayAddress": _STRING,  # comma-separated IPs/hostnames
                "gatewayPort": _STRING,  # "4143", not 4143
                "gatewayIdentity": _STRING,
                "probeSpec": {
                    "type": "object",
                    "properties": {
                        "failureThreshold": {"type": "string", "default": "3"},
                        "path": _STRING,
                        "period": {"type": "string", "format": "duration"},
                        "port": _STRING,
                        "timeout": {"type": "string", "format": "duration", "default": "30s"},
                    },
                    "additionalProperties": False,
                },
                "selector": _LABEL_SELECTOR,
                "remoteDiscoverySelector": _LABEL_SELECTOR,
                "federatedServiceSelector": _LABEL_SELECTOR,
                "excludedAnnotations": _STRINGS,  # "prefix/*" wildcards allowed
                "excludedLabels": _STRINGS,
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

# Where LINK_V1ALPHA3 is deliberately stricter than a schema derived from the CRD. The drift
# test asserts that these, and only these, are the differences.
LINK_SCHEMA_DIVERGENCES: Final[dict[str, str]] = {
    "matchLabels-values": "matchLabels values must be strings (CRD: preserve-unknown-fields object)",
    "status": "status is rejected (CRD: allowed; the controller owns it)",
    "spec-required": "spec is required (CRD: optional; a Link without spec links nothing)",
    "metadata-fields": "metadata fields are typed and unknown ones rejected (CRD: any object)",
}

# Defaults the API server fills in (CRD `default:`), so a Link may omit these two.
PROBE_SPEC_DEFAULTS: Final = {"failureThreshold": "3", "timeout": "30s"}

# How the service-mirror controller parses the string fields at run time; a value the API
# server accepts can still break the link (multicluster/service-mirror/probe_worker.go,
# cluster_watcher.go). Not drift-checked.
LINK_RUNTIME_PARSING: Final[dict[str, str]] = {
    "gatewayPort": "strconv.ParseInt(s, 10, 32)",
    "probeSpec.port": "strconv.ParseInt(s, 10, 32)",
    "probeSpec.period": "time.ParseDuration (Go syntax, e.g. 3s; a bare 3 fails)",
    "probeSpec.timeout": "time.ParseDuration",
    "probeSpec.failureThreshold": "strconv.ParseUint(s, 10, 32)",
    "gatewayAddress": "strings.Split(s, ','), each resolved with DNS",
}

# multicluster/cmd/link-gen.go (getLink, newLinkGenOptionsWithDefault, extractProbeSpec,
# extractGatewayPort), pkg/k8s/labels.go. Not drift-checked.
LINK_GEN: Final[dict[str, Any]] = {
    "namespace": "linkerd-multicluster",
    "created_by_annotation": "linkerd.io/created-by",
    "name": "{cluster_name}",  # metadata.name == spec.targetClusterName == --cluster-name
    "clusterCredentialsSecret": "cluster-credentials-{cluster_name}",
    "targetClusterLinkerdNamespace": "linkerd",
    "selector": {"matchLabels": {"mirror.linkerd.io/exported": "true"}},
    "remoteDiscoverySelector": {"matchLabels": {"mirror.linkerd.io/exported": "remote-discovery"}},
    "federatedServiceSelector": {"matchLabels": {"mirror.linkerd.io/federated": "member"}},
    # Set only when --gateway=true (the default). `selector` too: without a gateway, link-gen
    # leaves it out, and an absent selector exports nothing.
    "gateway_fields": ("gatewayAddress", "gatewayPort", "gatewayIdentity", "probeSpec", "selector"),
    # probeSpec gets only these; failureThreshold/timeout come from the CRD defaults.
    "probe_spec_fields": ("path", "port", "period"),
    # The integer probe-period annotation "3" becomes the Go duration "3s".
    "probe_period_from_seconds": "{seconds}s",
    # excludedAnnotations/excludedLabels default to [] but are `omitempty` in the Go type, so
    # link-gen's YAML omits them when empty.
    "omitted_when_empty": ("excludedAnnotations", "excludedLabels"),
}

# ---------------------------------------------------------------------------------------------
# The gateway Service the linkerd-multicluster chart renders (templates/gateway.yaml).
# Values named here are drift-checked against values.yaml defaults; the shape is not.
# ---------------------------------------------------------------------------------------------

GATEWAY_SERVICE: Final[dict[str, Any]] = {
    "name_value": "gateway.name",  # default linkerd-gateway
    "type_value": "gateway.serviceType",  # default LoadBalancer
    "ports": {  # port name -> values key of its port; protocol TCP
        "mc-gateway": "gateway.port",  # link-gen: spec.gatewayPort (nodePort if NodePort)
        "mc-probe": "gateway.probe.port",  # link-gen: spec.probeSpec.port
    },
    "node_port_values": {"mc-gateway": "gateway.nodePort", "mc-probe": "gateway.probe.nodePort"},
    "node_ports_rendered_for": ("NodePort", "LoadBalancer"),
    "selector": {"app": "{gateway_name}"},
    "labels": {"linkerd.io/extension": "multicluster"},
    "annotations": {
        "mirror.linkerd.io/gateway-identity": (
            "{gateway_name}.{namespace}.serviceaccount.identity.{linkerd_namespace}.{trust_domain}"
        ),
        "mirror.linkerd.io/probe-period": "{probe_seconds}",  # quoted: a string of seconds
        "mirror.linkerd.io/probe-path": "{probe_path}",
        "mirror.linkerd.io/multicluster-gateway": "true",
        "component": "gateway",
    },
}
GATEWAY_IDENTITY_ANNOTATION: Final = "mirror.linkerd.io/gateway-identity"
PROBE_PATH_ANNOTATION: Final = "mirror.linkerd.io/probe-path"
PROBE_PERIOD_ANNOTATION: Final = "mirror.linkerd.io/probe-period"
GATEWAY_PORT_NAME: Final = "mc-gateway"
PROBE_PORT_NAME: Final = "mc-probe"

# Defaults in linkerd-multicluster values.yaml that the Link must agree with (drift-checked).
GATEWAY_DEFAULTS: Final[dict[str, Any]] = {
    "gateway.name": "linkerd-gateway",
    "gateway.port": 4143,
    "gateway.serviceType": "LoadBalancer",
    "gateway.probe.path": "/ready",
    "gateway.probe.port": 4191,
    "gateway.probe.seconds": 3,
    "linkerdNamespace": "linkerd",
    "identityTrustDomain": "cluster.local",
    "remoteMirrorServiceAccountName": "linkerd-service-mirror-remote-access-default",
}


def gateway_identity(
    gateway_name: str = "linkerd-gateway",
    namespace: str = "linkerd-multicluster",
    linkerd_namespace: str = "linkerd",
    trust_domain: str = "cluster.local",
) -> str:
    """The gateway Service's `mirror.linkerd.io/gateway-identity` annotation, which link-gen
    copies into `spec.gatewayIdentity`."""
    return GATEWAY_SERVICE["annotations"][GATEWAY_IDENTITY_ANNOTATION].format(
        gateway_name=gateway_name, namespace=namespace,
        linkerd_namespace=linkerd_namespace, trust_domain=trust_domain,
    )


# ---------------------------------------------------------------------------------------------
# Identity certificates (pkg/issuercerts/issuercerts.go, pkg/identity/service.go,
# pkg/tls/codec.go). Not drift-checked.
# ---------------------------------------------------------------------------------------------

CERT_RULES: Final[dict[str, Any]] = {
    # CheckIssuerCertAlgoRequirements: ECDSA on P-256 only.
    "issuer_public_key": ("ecdsa", "secp256r1"),
    # checkECDSACertRequirements: the signature on an ECDSA cert (issuer or anchor).
    "ecdsa_cert_signatures": ("ecdsa-with-SHA256", "sha256WithRSAEncryption"),
    # CheckTrustAnchorAlgoRequirements / checkRSACertRequirements.
    "anchor_rsa_bits": (2048, 4096),
    "rsa_cert_signatures": ("sha256WithRSAEncryption",),
    # pkg/tls/codec.go DecodePEMKey
    "issuer_key_pem_labels": ("EC PRIVATE KEY", "RSA PRIVATE KEY", "PRIVATE KEY"),
    # loadCredentials: issuer.Verify(pool of ALL bundle certs, no DNS name) and IsCA.
    # Go's Verify with no KeyUsages asks for serverAuth, so an issuer/anchor EKU extension
    # without serverAuth (or anyExtendedKeyUsage) fails there.
    "go_verify_eku": "serverAuth",
    # `linkerd check` warns when an anchor or the issuer expires within 60 days.
    "check_warn_days": 60,
    "proxy_identity": "{sa}.{ns}.serviceaccount.identity.{linkerd_namespace}.{trust_domain}",
}


def known_value_paths(chart: str) -> dict[str, str]:
    """Every key path the chart accepts with its type: values.yaml keys, commented keys,
    template-only keys and the HA-only keys (controllers[] entries are checked separately)."""
    return {
        **VALUES_KEYS[chart], **COMMENTED_KEYS[chart], **TEMPLATE_ONLY_KEYS[chart],
        **HA_ONLY_KEYS.get(chart, {}),
    }
