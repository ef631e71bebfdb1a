"""Upstream facts of Emissary-ingress v4.1.0 (charts 4.1.0) for using it as the Linkerd multicluster
gateway, in this project's own format.

Source: github.com/emissary-ingress/emissary, tag `v4.1.0` (commit 5497a669, 2026-05-01; the
newest tag in the repository, whose `main` was 53 commits past it on 2026-08-19 with no change to
`charts/` or `pkg/api/getambassador.io/v3alpha1/` besides YAML formatting of values.yaml).
Paths below are in that repository at that tag unless stated otherwise:

* CRD Go types: `pkg/api/getambassador.io/v3alpha1/crd_{listener,host,mapping,module}.go`
* CRD YAML the CRD chart installs: `charts/emissary-crds/templates/{listeners,hosts,mappings,modules}.yaml`
  (`pkg/api/getambassador.io/crds.yaml` is an older generated copy: its Listener lacks
  `http2MaxConcurrentStreams` and its webhook points at namespace `emissary-system`.)
* Charts: `charts/emissary-ingress/`, `charts/emissary-crds/`, `build-aux/charts.mk`,
  `tools/src/build-chart`
* Run-time behaviour (what Emissary's config compiler accepts): `python/ambassador/src/ambassador/ir/*.py`

Nothing here is drift-checked: `../shared/reference` holds no Emissary copy. The schemas are
written from the CRD YAML; where they are stricter (Emissary rejects at run time what the API
server stores, or this project refuses what is silently ignored) `SCHEMA_DIVERGENCES` says so.
"""
from __future__ import annotations

from typing import Any, Final

# ---------------------------------------------------------------------------------------------
# Release, charts, images
# ---------------------------------------------------------------------------------------------

EMISSARY_REPO: Final = "github.com/emissary-ingress/emissary"
EMISSARY_TAG: Final = "v4.1.0"
EMISSARY_TAG_COMMIT: Final = "5497a66908186400d16de0a4fba3e467f4b55e46"
EMISSARY_RELEASE_DATE: Final = "2026-05-01"  # CHANGELOG.md "## [4.1.0] 1 May 2026"

# CHANGELOG.md 4.0.1: "The Helm chart and Emissary itself now have aligned version numbers".
# build-aux/charts.mk: CHART_VERSION = VERSION without the leading "v"; tools/src/build-chart runs
# `helm package --app-version=$version --version=$version`. (v4.0.0 was never published.)
EMISSARY_VERSION: Final = "4.1.0"
CHART_VERSION: Final = EMISSARY_VERSION
APP_VERSION: Final = EMISSARY_VERSION  # also the default image tag (.Chart.AppVersion)

# CHANGELOG.md 4.0.1: charts are published only to GHCR (OCI); charts/emissary-crds/doc.yaml
# (repository oci://ghcr.io/emissary-ingress), charts/emissary-ingress/readme.tpl
# (`helm install ... oci://ghcr.io/emissary-ingress/emissary-ingress --version=...`).
EMISSARY_CHART: Final = "oci://ghcr.io/emissary-ingress/emissary-ingress"
EMISSARY_CRDS_CHART: Final = "oci://ghcr.io/emissary-ingress/emissary-crds-chart"
CHART_NAMES: Final = {EMISSARY_CHART: "emissary-ingress", EMISSARY_CRDS_CHART: "emissary-crds-chart"}
# Chart.yaml of both charts
CHART_KUBE_VERSION: Final = ">=1.25.0-0"

# values.yaml `defaultImageRepository` of each chart; tag defaults to .Chart.AppVersion
EMISSARY_IMAGE: Final = f"ghcr.io/emissary-ingress/emissary:{APP_VERSION}"
APIEXT_IMAGE: Final = f"ghcr.io/emissary-ingress/apiext:{APP_VERSION}"

API_VERSION: Final = "getambassador.io/v3alpha1"

# ---------------------------------------------------------------------------------------------
# emissary-crds-chart (charts/emissary-crds/values.yaml, templates/_helpers.yaml, templates/*.yaml)
# ---------------------------------------------------------------------------------------------

CRDS_CHART_VALUES: Final[dict[str, tuple[str, Any]]] = {
    # path: (type, default)
    "defaultImageRepository": ("str", "ghcr.io/emissary-ingress/apiext"),
    # true: v2 CRD versions (v2 becomes storage) + conversion webhook + the emissary-apiext objects
    "enableLegacyVersions": ("bool", False),
    # true together with enableLegacyVersions: v1 too. "no way to support only v1 CRDs"
    "enableV1": ("bool", False),
    # Used only as the label `emissary-ingress.dev/control-plane-ns` on the apiext objects
    "emissary.namespace": ("str", "emissary"),
    "apiext.repository": ("str", ""),
    "apiext.tag": ("str", ""),
    "apiext.pullPolicy": ("str", "IfNotPresent"),
}

# Which getambassador.io versions the CRD chart serves, per value combination; (served, storage).
# Listener exists only as v3alpha1 and never gets a conversion webhook (templates/listeners.yaml).
CRD_VERSIONS: Final[dict[str, dict[str, dict[str, tuple[bool, bool]]]]] = {
    "default": {  # enableLegacyVersions: false
        "Listener": {"v3alpha1": (True, True)},
        "Host": {"v3alpha1": (True, True)},
        "Mapping": {"v3alpha1": (True, True)},
        "Module": {"v3alpha1": (True, True)},
    },
    "enableLegacyVersions": {
        "Listener": {"v3alpha1": (True, True)},
        "Host": {"v2": (True, True), "v3alpha1": (True, False)},
        "Mapping": {"v2": (True, True), "v3alpha1": (True, False)},
        "Module": {"v2": (True, True), "v3alpha1": (True, False)},
    },
    "enableLegacyVersions+enableV1": {
        "Listener": {"v3alpha1": (True, True)},
        "Host": {"v2": (True, True), "v3alpha1": (True, False)},  # Host has no v1
        "Mapping": {"v1": (True, False), "v2": (True, True), "v3alpha1": (True, False)},
        "Module": {"v1": (True, False), "v2": (True, True), "v3alpha1": (True, False)},
    },
}

CRDS: Final[dict[str, dict[str, Any]]] = {
    # All Namespaced, group getambassador.io, category ambassador-crds, `preserveUnknownFields: false`.
    "Listener": {"name": "listeners.getambassador.io", "plural": "listeners", "status_subresource": False},
    "Host": {"name": "hosts.getambassador.io", "plural": "hosts", "status_subresource": True},
    "Mapping": {"name": "mappings.getambassador.io", "plural": "mappings", "status_subresource": True},
    "Module": {"name": "modules.getambassador.io", "plural": "modules", "status_subresource": False},
}

# Where the v3alpha1 schemas keep unknown fields (`x-kubernetes-preserve-unknown-fields: true`).
# Everywhere else the schemas are structural and closed: the API server prunes unknown fields
# (and rejects them under strict field validation, e.g. kubectl's default --validate=strict).
PRESERVE_UNKNOWN_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "Listener": (),
    "Host": (),
    "Mapping": ("spec.envoy_override", "spec.modules[]"),
    "Module": ("spec.config",),
}

# templates/apiext.yaml is wrapped in `if .Values.enableLegacyVersions`: with the defaults the CRD
# chart renders **no** Deployment, only the 14 CRDs. With it, these objects, all named
# `emissary-apiext`, in the CRD chart's *release namespace* (not `emissary.namespace`):
APIEXT_OBJECTS: Final[dict[str, str]] = {
    "ServiceAccount": "namespaced",
    "ClusterRole": "cluster",  # update on the 14 getambassador.io CRDs (to inject caBundle)
    "ClusterRoleBinding": "cluster",
    "Role": "namespaced",
    "RoleBinding": "namespaced",
    "Service": "namespaced",
    "Deployment": "namespaced",
}
APIEXT_NAME: Final = "emissary-apiext"
# templates/_helpers.yaml partials.conversion: `strategy: Webhook`, clientConfig.service =
# {name: emissary-apiext, namespace: <CRD chart release namespace>} (no path, no port in the
# chart), conversionReviewVersions [v1]. Only when enableLegacyVersions.

# ---------------------------------------------------------------------------------------------
# emissary-ingress chart values (charts/emissary-ingress/values.yaml; templates/*.yaml)
# ---------------------------------------------------------------------------------------------

CHART_VALUES_KEYS: Final[dict[str, tuple[str, Any]]] = {
    # path: (type, default). Types: bool, int, str, list, dict, null (a key with no value).
    # Names
    "nameOverride": ("str", ""),  # ignored when the release name contains emissary/ambassador
    "fullnameOverride": ("str", ""),
    "namespaceOverride": ("str", ""),  # namespace of every namespaced object; default release ns
    # Workload
    "replicaCount": ("int", 3),  # ignored if autoscaling.enabled or daemonSet
    "daemonSet": ("bool", False),
    "podAnnotations": ("dict", {}),  # pod template annotations (toYaml, values not re-quoted)
    "podLabels": ("dict", {}),  # added to the pod template labels (not to the selector)
    "deploymentAnnotations": ("dict", {}),  # on the Deployment object itself
    "deploymentLabels": ("dict", {}),
    "env": ("dict", {}),  # name (upper-cased) -> value (quoted); env.AMBASSADOR_ID is special
    "resources": ("dict", {"limits": {"memory": "600Mi"}, "requests": {"cpu": "200m", "memory": "300Mi"}}),
    "security.podSecurityContext": ("dict", {"runAsUser": 8888}),
    "security.containerSecurityContext": ("dict", {"allowPrivilegeEscalation": False}),
    "livenessProbe": ("dict", {"initialDelaySeconds": 30, "periodSeconds": 3, "failureThreshold": 3}),
    "readinessProbe": ("dict", {"initialDelaySeconds": 30, "periodSeconds": 3, "failureThreshold": 3}),
    "canary.enabled": ("bool", False),
    "canary.mixPods": ("bool", False),  # false (default) adds `profile: main` to the selectors
    # Service (templates/service.yaml)
    "service.type": ("str", "LoadBalancer"),
    "service.ports": ("list", [
        {"name": "http", "port": 80, "targetPort": 8080},
        {"name": "https", "port": 443, "targetPort": 8443},
    ]),
    "service.portsRaw": ("str", ""),  # raw YAML appended to Service ports ("For test purposes")
    "service.annotations": ("dict", {}),  # each value rendered with `quote`
    "service.externalTrafficPolicy": ("null", None),
    "service.loadBalancerSourceRanges": ("null", None),
    "service.externalIPs": ("list", []),
    "service.ipFamilies": ("list", []),
    "service.sessionAffinity": ("null", None),
    "service.sessionAffinityConfig": ("null", None),
    "service.nameOverride": ("null", None),  # Service name, taken verbatim (not truncated)
    "adminService.create": ("bool", True),
    "adminService.type": ("str", "ClusterIP"),
    "adminService.port": ("int", 8877),  # also the container port named `admin`
    "adminService.snapshotPort": ("int", 8005),
    "adminService.nodePort": ("null", None),
    "adminService.annotations": ("dict", {}),
    # ServiceAccount / RBAC
    "serviceAccount.create": ("bool", True),
    "serviceAccount.name": ("null", None),
    "serviceAccount.extra": ("str", ""),
    "rbac.create": ("bool", True),
    "rbac.nameOverride": ("null", None),  # ClusterRole/ClusterRoleBinding name; default fullname
    "scope.singleNamespace": ("bool", False),
    # Emissary config objects the chart can create
    "createDefaultListeners": ("bool", False),
    "module": ("dict", {"enabled": True, "diagnostics": {"enabled": False, "allow_non_local": True}}),
    "module.enabled": ("bool", True),
    "ingressClassResource.enabled": ("bool", True),  # cluster-scoped IngressClass
    "ingressClassResource.name": ("str", "ambassador"),
    "ingressClassResource.default": ("bool", False),
    "ingressClassResource.controllerValue": ("str", "getambassador.io/ingress-controller"),
    # Conversion webhook wait (v4: off by default; v3.10 had `enabled: true`)
    "waitForApiext.enabled": ("bool", False),
    "waitForApiext.deploymentName": ("str", "emissary-apiext"),
    "waitForApiext.deploymentNamespace": ("str", "emissary-system"),
    "waitForApiext.createRoles": ("bool", True),
    # Misc
    "createNamespace": ("bool", False),
    "deploymentTool": ("str", ""),  # overrides app.kubernetes.io/managed-by (default Release.Service)
    "image.repository": ("str", ""),
    "image.tag": ("str", ""),
    "image.pullPolicy": ("str", "IfNotPresent"),
    "imagePullSecrets": ("list", []),
    "nodeSelector": ("dict", {}),
    "tolerations": ("list", []),
    "affinity": ("dict", {}),
}

# One `service.ports[]` item (templates/service.yaml and templates/deployment.yaml).
SERVICE_PORT_ITEM_KEYS: Final[dict[str, str]] = {
    "name": "str",  # Service port name AND container port name (must be unique in the pod)
    "port": "int",  # rendered with `int`
    # Rendered with `int` twice: Service targetPort (omitted if unset) and **containerPort of the
    # emissary container** (`int .targetPort`, so unset or a port *name* becomes 0, which the API
    # server rejects). Every item therefore needs a numeric targetPort.
    "targetPort": "int",
    "nodePort": "int",  # Service only, omitted if unset
    "protocol": "str",  # both, omitted if unset (Kubernetes default TCP)
    "hostPort": "int",  # container only
}
# Consequences worth a test in the program (templates/deployment.yaml `range .Values.service.ports`):
# * `service.ports` replaces the default list (Helm merges maps, not lists): to keep ingress on
#   80/443, repeat the http/https items.
# * Two items with the same targetPort (e.g. http 80->8080 and mc-probe 8080->8080) give the
#   container two ports with containerPort 8080/TCP. The API server only warns, but server-side
#   apply (Pulumi's default) fails: "duplicate entries for key [containerPort=8080,protocol="TCP"]"
#   (kubernetes/kubernetes#113482). `service.portsRaw` adds Service ports without container ports.
# * mc-gateway 4143->4143 / mc-probe 4191->4191 declare 4143/4191 on the emissary container as
#   well as on linkerd-proxy (different containers: allowed, and different port names).

# Keys the templates read that values.yaml neither sets nor mentions (grep of `.Values.*`).
TEMPLATE_ONLY_VALUES_KEYS: Final[dict[str, str]] = {
    "service.selector": "dict",  # replaces the Service/Deployment selector AND is added to pod labels
    "service.loadBalancerIP": "str",
    "service.loadBalancerClass": "str",  # only in a values.yaml comment
    "deploymentNameOverride": "str",  # Deployment/DaemonSet name; default fullname
    "containerNameOverride": "str",  # default container name "emissary-ingress"
    "image.fullImageOverride": "str",
    "volumesRaw": "str",
    "volumeMountsRaw": "str",
    "securityContext": "dict",  # deprecated pod securityContext, wins over security.podSecurityContext
    "docker.useImagePullSecret": "bool",
    "docker.imagePullSecretName": "str",
}

# Keys of the v3.x chart (charts/emissary-ingress/values.yaml.in @v3.10.0) that v4 no longer has:
# no template reads them, so setting them does nothing.
REMOVED_VALUES_KEYS: Final[dict[str, str]] = {
    "agent": "Ambassador Cloud agent: removed with the Edge-Stack code in 4.0",
    "agent.enabled": "idem",
}

# ---------------------------------------------------------------------------------------------
# Object names (charts/emissary-ingress/templates/_helpers.tpl)
# ---------------------------------------------------------------------------------------------

DEFAULT_NAME: Final = "emissary-ingress"  # hard-coded in the helpers (not .Chart.Name)


def _trunc63(s: str) -> str:
    # `trunc 63 | trimSuffix "-"`: Sprig trunc, then strings.TrimSuffix (removes ONE "-")
    s = s[:63]
    return s[:-1] if s.endswith("-") else s


def chart_name(release_name: str, name_override: str | None = None) -> str:
    """`ambassador.name`: the `app.kubernetes.io/name` label (pods, selectors, Services).
    A release name containing "emissary" or "ambassador" wins over nameOverride."""
    if "emissary" in release_name or "ambassador" in release_name:
        return _trunc63(release_name)
    return _trunc63(name_override or DEFAULT_NAME)


def fullname(release_name: str, fullname_override: str | None = None, name_override: str | None = None) -> str:
    """`ambassador.fullname`: name of the Deployment, Service, ServiceAccount, ClusterRole(Binding)."""
    if fullname_override:
        return _trunc63(fullname_override)
    name = name_override or DEFAULT_NAME
    if name in release_name or "ambassador" in release_name or "emissary" in release_name:
        return _trunc63(release_name)
    return _trunc63(f"{release_name}-{name}")


def service_name(
    release_name: str,
    fullname_override: str | None = None,
    *,
    name_override: str | None = None,
    service_name_override: str | None = None,
) -> str:
    """templates/service.yaml: `service.nameOverride` verbatim, else fullname."""
    if service_name_override:
        return service_name_override
    return fullname(release_name, fullname_override, name_override)


def deployment_name(
    release_name: str,
    fullname_override: str | None = None,
    *,
    name_override: str | None = None,
    deployment_name_override: str | None = None,
) -> str:
    """templates/deployment.yaml: `deploymentNameOverride` verbatim, else fullname."""
    return deployment_name_override or fullname(release_name, fullname_override, name_override)


def service_account_name(
    release_name: str,
    fullname_override: str | None = None,
    *,
    create: bool = True,
    name: str | None = None,
    name_override: str | None = None,
) -> str:
    """`ambassador.serviceAccountName` (also the SA of the Linkerd proxy identity)."""
    if create:
        return name or fullname(release_name, fullname_override, name_override)
    return name or "default"


def admin_service_name(release_name: str, fullname_override: str | None = None, name_override: str | None = None) -> str:
    """templates/admin-service.yaml (if adminService.create)."""
    return f"{fullname(release_name, fullname_override, name_override)}-admin"


def default_listener_names(release_name: str, fullname_override: str | None = None) -> tuple[str, str]:
    """templates/listener.yaml (if createDefaultListeners): HTTPS 8443 and HTTP 8080 Listeners."""
    f = fullname(release_name, fullname_override)
    return (f"{f}-https-listener", f"{f}-http-listener")


# templates/module.yaml: `Module` named `ambassador` (fixed) in the release namespace when
# module.enabled; `spec.config` is the WHOLE `module` value via toYaml, so `enabled: true` ends up
# inside spec.config too. Only one `ambassador` Module per namespace.
MODULE_NAME: Final = "ambassador"


def chart_module_spec(module_value: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Module spec the chart renders for a `module` value (defaults if None); no AMBASSADOR_ID."""
    value = CHART_VALUES_KEYS["module"][1] if module_value is None else module_value
    return {"config": value}


# ---------------------------------------------------------------------------------------------
# Labels and ports (templates/deployment.yaml, service.yaml, _helpers.tpl ambassador.labels)
# ---------------------------------------------------------------------------------------------

# Pod template labels, as templates with {name} = chart_name(), {release} = release name,
# {managed_by} = deploymentTool or .Release.Service. `helm.sh/chart` only when managed_by == "Helm".
POD_LABELS: Final[dict[str, str]] = {
    "app.kubernetes.io/name": "{name}",
    "app.kubernetes.io/instance": "{release}",
    "app.kubernetes.io/part-of": "{release}",
    "app.kubernetes.io/managed-by": "{managed_by}",
    "helm.sh/chart": "emissary-ingress-{chart_version}",
    "product": "aes",
    "profile": "main",  # always on the pods
}
# Deployment spec.selector.matchLabels (immutable): just these two (unless service.selector is set).
# These are the labels to use in a Linkerd Server podSelector for the Emissary pods.
SELECTOR_LABELS: Final[dict[str, str]] = {
    "app.kubernetes.io/name": "{name}",
    "app.kubernetes.io/instance": "{release}",
}


def selector_labels(release_name: str, name_override: str | None = None) -> dict[str, str]:
    return {"app.kubernetes.io/name": chart_name(release_name, name_override), "app.kubernetes.io/instance": release_name}


def service_selector(release_name: str, name_override: str | None = None, *, canary_mix_pods: bool = False) -> dict[str, str]:
    """Selector of the main and admin Services: SELECTOR_LABELS + `profile: main` unless
    canary.mixPods (the condition is on `.Values.canary`, a non-empty map by default)."""
    sel = selector_labels(release_name, name_override)
    if not canary_mix_pods:
        sel["profile"] = "main"
    return sel


def pod_labels(
    release_name: str,
    name_override: str | None = None,
    *,
    managed_by: str = "Helm",
    chart_version: str = CHART_VERSION,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The pod template labels for the given release (`extra` = the podLabels value)."""
    out = {
        k: v.format(name=chart_name(release_name, name_override), release=release_name,
                    managed_by=managed_by, chart_version=chart_version)
        for k, v in POD_LABELS.items()
    }
    if managed_by != "Helm":
        del out["helm.sh/chart"]
    out.update(extra or {})
    return out


CONTAINER_NAME: Final = "emissary-ingress"  # unless containerNameOverride
# Container ports with default values: one per service.ports item (name, containerPort=targetPort)
# plus `admin` = adminService.port.
CONTAINER_PORTS: Final[dict[str, int]] = {"http": 8080, "https": 8443, "admin": 8877}
# python/ambassador/src/ambassador/constants.py
ENVOY_HTTP_PORT: Final = 8080  # SERVICE_PORT_HTTP (the chart's http targetPort; needs a Listener)
ENVOY_HTTPS_PORT: Final = 8443  # SERVICE_PORT_HTTPS
ENVOY_ADMIN_PORT: Final = 8001  # Envoy admin, loopback
DIAG_PORT: Final = 8877  # diagd: /ambassador/v0/check_ready, check_alive
SNAPSHOT_PORT: Final = 8005
ADMIN_SERVICE_PORTS: Final[dict[str, tuple[int, int | str]]] = {
    "ambassador-admin": (8877, "admin"),  # (port, targetPort)
    "ambassador-snapshot": (8005, 8005),
}
# Kubelet probes hit diagd directly on the `admin` port, not Envoy:
LIVENESS_PATH: Final = "/ambassador/v0/check_alive"
READINESS_PATH: Final = "/ambassador/v0/check_ready"

# ---------------------------------------------------------------------------------------------
# Run-time behaviour (python/ambassador/src/ambassador/ir/*.py, cmd/entrypoint/*.go)
# ---------------------------------------------------------------------------------------------

RUNTIME: Final[dict[str, str]] = {
    "no_default_listeners": (
        "Envoy listens on 8080/8443 only if a Listener says so. ListenerFactory only synthesizes "
        "Listeners for TCPMappings (irlistener.py finalize); with no Listener diagd logs 'No active "
        "listeners at all' and Envoy serves nothing. The chart creates two only when "
        "createDefaultListeners (default false). Only one Listener may use a given port."
    ),
    "default_host": (
        "If no Host exists at all, HostFactory synthesizes `default-host`: hostname '*', cleartext "
        "with insecure.action Route, or TLS with the Secret fallback-self-signed-cert (if that Secret "
        "exists in Emissary's namespace) and then the default action Redirect (irhost.py)."
    ),
    "host_defaults": "Host.hostname defaults to '*'; requestPolicy.insecure.action defaults to Redirect.",
    "mapping_host_association": (
        "A Mapping joins a Host if the Host has no mappingSelector and the Mapping's hostname glob "
        "matches; if the Host has a mappingSelector, its matchLabels must ALL match the Mapping's "
        "labels (and the hostname too, if the Mapping has one). A Mapping with neither "
        "hostname/host nor a matching selector never matches (irhost.py matches_httpgroup). Only "
        "matchLabels are read (irutils.py selector_matches)."
    ),
    "mapping_rewrite_default": "Mapping.rewrite defaults to '/' (irhttpmapping.py).",
    "builtin_probe_routes": (
        "The ambassador Module's readiness_probe/liveness_probe (enabled by default) add internal "
        "Mappings /ambassador/v0/check_ready and /ambassador/v0/check_alive -> 127.0.0.1:8877 that "
        "match every Host (irambassador.py, irhost.py); they still need a Listener."
    ),
    "add_linkerd_headers": (
        "Module config.add_linkerd_headers / Mapping add_linkerd_headers adds l5d-dst-override "
        "to requests Envoy routes (envoy/v3/v3httpfilter.py); irrelevant for gateway traffic."
    ),
    "acme": "Host.acmeProvider is inert in Emissary (no ACME client; only privateKeySecret is watched).",
    "watched_versions": (
        "Emissary watches only the v3alpha1 kinds (cmd/entrypoint/interesting_types.go), so with "
        "the CRD chart defaults (v3alpha1 only, no webhook) no emissary-apiext is needed; "
        "waitForApiext.enabled defaults to false in v4 and AMBASSADOR_APIEXT_WAIT is unset."
    ),
}

# Listener rules Emissary enforces when compiling (irlistener.py); a violating Listener is
# dropped with an error in diagd, although the API server accepted it.
LISTENER_RUNTIME_RULES: Final[tuple[str, ...]] = (
    "exactly one of protocol and protocolStack",
    "protocol UDP is rejected ('protocol UDP is not valid'): the UDP shorthand is commented out",
    "the last protocolStack element must be TCP or UDP; UDP only together with HTTP (QUIC)",
    "hostBinding needs namespace or selector",
    "hostBinding.namespace.from is required; SELECTOR is 'not yet supported'",
    "hostBinding.selector must have matchLabels (matchExpressions unsupported)",
)

# ---------------------------------------------------------------------------------------------
# Minimal JSON Schemas (draft 2020-12) of the v3alpha1 objects this project may create
# ---------------------------------------------------------------------------------------------

from .schema_parts import DRAFT as _DRAFT, METADATA as _METADATA, STR as _STR, STR_MAP as _STR_MAP
_BOOL: Final = {"type": "boolean"}
_INT: Final = {"type": "integer"}
_STRS: Final = {"type": "array", "items": {"type": "string"}}
_OBJ: Final = {"type": "object"}  # a nested object this fixture does not describe
_OBJS: Final = {"type": "array", "items": {"type": "object"}}

# A metav1.LabelSelector as Emissary reads it: matchLabels only (see SCHEMA_DIVERGENCES).
_MATCH_LABELS_SELECTOR: Final = {
    "type": "object",
    "required": ["matchLabels"],
    "properties": {"matchLabels": _STR_MAP},
    "additionalProperties": False,
}

# ProtocolType / ProtocolStackElement / SecurityModelType / NamespaceFromType (crd_listener.go)
LISTENER_PROTOCOLS_CRD: Final = ("HTTP", "HTTPS", "HTTPPROXY", "HTTPSPROXY", "TCP", "TLS", "UDP")
LISTENER_PROTOCOLS: Final = ("HTTP", "HTTPS", "HTTPPROXY", "HTTPSPROXY", "TCP", "TLS")  # run time
PROTOCOL_STACK_ELEMENTS: Final = ("HTTP", "PROXY", "TLS", "TCP", "UDP")
SECURITY_MODELS: Final = ("XFP", "SECURE", "INSECURE")
NAMESPACE_FROM_CRD: Final = ("SELF", "ALL", "SELECTOR")
NAMESPACE_FROM: Final = ("SELF", "ALL")  # run time
INSECURE_ACTIONS: Final = ("Redirect", "Reject", "Route")  # crd_host.go InsecureRequestPolicy
REDIRECT_RESPONSE_CODES: Final = (301, 302, 303, 307, 308)  # crd_mapping.go

LISTENER_REQUIRED: Final = ("port", "securityModel", "hostBinding")  # CRD `required`
MAPPING_REQUIRED: Final = ("prefix", "service")  # CRD `required` (+kubebuilder:validation:Required)
MODULE_REQUIRED: Final = ("config",)  # CRD `required`, although the Go field is omitempty
HOST_REQUIRED: Final = ()


def _document(kind: str, spec: dict[str, Any], *, metadata: dict[str, Any] | None = None, title: str) -> dict[str, Any]:
    return {
        "$schema": _DRAFT,
        "title": title,
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "kind": {"const": kind},
            "metadata": metadata or _METADATA,
            "spec": spec,
        },
        "additionalProperties": False,  # no `status`: Emissary owns it (Host, Mapping)
    }


LISTENER_V3ALPHA1: Final[dict[str, Any]] = _document("Listener", {
    "type": "object",
    "required": list(LISTENER_REQUIRED),
    "properties": {
        "ambassador_id": _STRS,
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},  # int32, not a string
        "protocol": {"enum": list(LISTENER_PROTOCOLS)},
        "protocolStack": {"type": "array", "minItems": 1, "items": {"enum": list(PROTOCOL_STACK_ELEMENTS)}},
        "securityModel": {"enum": list(SECURITY_MODELS)},
        "statsPrefix": _STR,  # default ingress_http / ingress_https / ingress_tls_<port> / ingress_<l4>_<port>
        "l7Depth": _INT,  # int32
        "http2MaxConcurrentStreams": {"type": "integer", "minimum": 1},
        "hostBinding": {
            "type": "object",
            "properties": {
                "namespace": {
                    "type": "object",
                    "required": ["from"],
                    "properties": {"from": {"enum": list(NAMESPACE_FROM)}},
                    "additionalProperties": False,
                },
                "selector": _MATCH_LABELS_SELECTOR,
            },
            "anyOf": [{"required": ["namespace"]}, {"required": ["selector"]}],
            "additionalProperties": False,
        },
    },
    "oneOf": [{"required": ["protocol"]}, {"required": ["protocolStack"]}],
    "additionalProperties": False,
}, title="Listener getambassador.io/v3alpha1 (charts/emissary-crds/templates/listeners.yaml @v4.1.0)")

_TLS_CONFIG: Final = {  # HostSpec.tls (crd_host.go TLSConfig)
    "type": "object",
    "properties": {
        "alpn_protocols": _STR, "ca_secret": _STR, "cacert_chain_file": _STR, "cert_chain_file": _STR,
        "cert_required": _BOOL, "cipher_suites": _STRS, "crl_secret": _STR, "ecdh_curves": _STRS,
        "max_tls_version": _STR, "min_tls_version": _STR, "private_key_file": _STR,
        "redirect_cleartext_from": _INT, "sni": _STR,
    },
    "additionalProperties": False,
}

HOST_V3ALPHA1: Final[dict[str, Any]] = _document("Host", {
    "type": "object",
    "properties": {
        "ambassador_id": _STRS,
        "hostname": _STR,  # a DNS glob; default "*"
        "mappingSelector": _MATCH_LABELS_SELECTOR,
        "selector": _MATCH_LABELS_SELECTOR,  # DEPRECATED synonym of mappingSelector
        "acmeProvider": {
            "type": "object",
            "properties": {
                "authority": _STR,  # e.g. "none"
                "email": _STR,
                "privateKeySecret": {"type": "object", "properties": {"name": _STR}, "additionalProperties": False},
                "registration": _STR,
            },
            "additionalProperties": False,
        },
        # corev1.SecretReference: an OBJECT {name, namespace}, not a string
        "tlsSecret": {"type": "object", "properties": {"name": _STR, "namespace": _STR}, "additionalProperties": False},
        "requestPolicy": {
            "type": "object",
            "properties": {
                "insecure": {
                    "type": "object",
                    "properties": {"action": {"enum": list(INSECURE_ACTIONS)}, "additionalPort": _INT},
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
        "previewUrl": {
            "type": "object",
            "properties": {"enabled": _BOOL, "type": {"enum": ["Path"]}},
            "additionalProperties": False,
        },
        "tlsContext": {"type": "object", "properties": {"name": _STR}, "additionalProperties": False},
        "tls": _TLS_CONFIG,
    },
    "not": {"required": ["tls", "tlsContext"]},  # "It is not valid to specify both"
    "additionalProperties": False,
}, title="Host getambassador.io/v3alpha1 (charts/emissary-crds/templates/hosts.yaml @v4.1.0)")

# Every v3alpha1 MappingSpec field with its JSON type (crd_mapping.go / mappings.yaml). Nested
# objects are not described further except where named.
_MAPPING_FIELD_TYPES: Final[dict[str, dict[str, Any]]] = {
    **{k: _BOOL for k in (
        "add_linkerd_headers", "auto_host_rewrite", "bypass_auth", "bypass_error_response_overrides",
        "case_sensitive", "enable_ipv4", "enable_ipv6", "grpc", "host_redirect", "host_regex",
        "method_regex", "prefix_exact", "prefix_regex", "respect_dns_ttl", "shadow", "use_websocket",
    )},
    **{k: _STR for k in (
        "cluster_tag", "dns_type", "host", "host_rewrite", "hostname", "method", "outlier_detection",
        "path_redirect", "prefix", "prefix_redirect", "priority", "resolver", "rewrite", "service",
        "stats_name", "tls",
    )},
    **{k: _INT for k in (
        "cluster_idle_timeout_ms", "cluster_max_connection_lifetime_ms", "connect_timeout_ms",
        "idle_timeout_ms", "precedence", "timeout_ms", "weight",
    )},
    **{k: _STRS for k in (
        "allow_upgrade", "ambassador_id", "remove_request_headers", "remove_response_headers",
        "v2BoolHeaders", "v2BoolQueryParameters",
    )},
    **{k: _STR_MAP for k in (
        "auth_context_extensions", "headers", "query_parameters", "regex_headers", "regex_query_parameters",
    )},
    **{k: _OBJ for k in (
        "add_request_headers", "add_response_headers", "cors", "docs", "keepalive", "labels",
        "load_balancer", "regex_redirect", "regex_rewrite", "retry_policy", "v2ExplicitTLS",
    )},
    "circuit_breakers": _OBJS,
    "error_response_overrides": {"type": "array", "minItems": 1, "items": {"type": "object"}},
    "health_checks": {"type": "array", "minItems": 1, "items": {"type": "object"}},
    "redirect_response_code": {"enum": list(REDIRECT_RESPONSE_CODES)},
    "envoy_override": _OBJ,  # x-kubernetes-preserve-unknown-fields
    "modules": _OBJS,  # items x-kubernetes-preserve-unknown-fields
}
MAPPING_FIELDS: Final = tuple(sorted(_MAPPING_FIELD_TYPES))

MAPPING_V3ALPHA1: Final[dict[str, Any]] = _document("Mapping", {
    "type": "object",
    "required": list(MAPPING_REQUIRED),
    "properties": _MAPPING_FIELD_TYPES,
    "additionalProperties": False,
}, title="Mapping getambassador.io/v3alpha1 (charts/emissary-crds/templates/mappings.yaml @v4.1.0)")

# Module: ModuleSpec {ambassador_id, config (UntypedDict)}. The kind of module is its NAME:
# "ambassador" or "tls" (CRD description).
MODULE_NAMES: Final = ("ambassador", "tls")

MODULE_V3ALPHA1: Final[dict[str, Any]] = _document("Module", {
    "type": "object",
    "required": list(MODULE_REQUIRED),
    "properties": {"ambassador_id": _STRS, "config": {"type": "object"}},  # config: anything
    "additionalProperties": False,
}, metadata={**_METADATA, "properties": {**_METADATA["properties"], "name": {"enum": list(MODULE_NAMES)}}},
    title="Module getambassador.io/v3alpha1 (charts/emissary-crds/templates/modules.yaml @v4.1.0)")

SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "Listener": LISTENER_V3ALPHA1,
    "Host": HOST_V3ALPHA1,
    "Mapping": MAPPING_V3ALPHA1,
    "Module": MODULE_V3ALPHA1,
}

# Where the schemas above differ from the CRD YAML (the API server would store these objects;
# Emissary then rejects, ignores or silently drops them).
SCHEMA_DIVERGENCES: Final[dict[str, str]] = {
    "unknown-fields": (
        "additionalProperties: false on typed objects. The CRDs are structural "
        "(preserveUnknownFields: false): unknown fields are pruned, or rejected under strict field "
        "validation. Open, as in the CRD: Module.spec.config, Mapping.spec.envoy_override, "
        "Mapping.spec.modules[]; also left open here: Mapping nested objects this fixture does not "
        "describe (cors, docs, load_balancer, ...)."
    ),
    "status": "status is rejected (CRD: allowed on Host and Mapping; Emissary owns it)",
    "spec-required": "spec is required (CRD: optional)",
    "listener-protocol-xor": "exactly one of protocol/protocolStack (CRD: neither required; run-time error)",
    "listener-udp": "protocol UDP rejected (CRD enum has it; run-time 'protocol UDP is not valid')",
    "listener-from": "namespace.from required and SELECTOR rejected (CRD: optional, SELECTOR allowed; run-time error)",
    "listener-hostBinding": "hostBinding needs namespace or selector (CRD: {} accepted; run-time error)",
    "selectors-matchLabels": (
        "Host mappingSelector/selector and Listener hostBinding.selector: matchLabels only and "
        "required (CRD: full LabelSelector; Emissary reads matchLabels only, so matchExpressions "
        "would be silently ignored)"
    ),
    "host-tls-xor": "Host tls and tlsContext not both (CRD: allowed; 'not valid' per its description)",
    "module-name": "Module metadata.name must be ambassador or tls (CRD: any name)",
    "metadata": "metadata.name required; labels/annotations typed (CRD: `type: object`)",
}
