"""What `helm.v4.Chart` would register for the charts this program installs, from the values it passed.

pulumi-kubernetes' Chart v4 runs `helm template` in the provider (hooks disabled, CRDs included),
normalises the objects (a namespaced object without a namespace gets the release namespace) and
registers each one as a child resource named `<chart resource name>:<namespace>/<name>`, or
`<chart resource name>:<name>` for a cluster-scoped object (pulumi-kubernetes
`provider/pkg/provider/helm/v4/chart.go` Construct: `cmd.DisableHooks = true`, `ResourcePrefix`
defaults to the Chart's resource name; `provider/pkg/provider/yaml/v2/yaml.go` Normalize and
register). The engine model (engine.py) diffs these objects between runs, so a value change shows
up as the object updates, replacements, creations and deletions a real `pulumi up` would do.

This is a model, not Helm: each chart's templates are re-expressed in Python, object by object,
with the template file named beside it. What is modelled:
- every object the template renders for the values given, with the template's names, labels and
  annotations, and the fields that carry values (replicas, images, args, pod annotations, ports,
  selectors, webhook CA bundles, RBAC rules, the `linkerd-config` values dump ...);
- Helm's value handling: chart defaults (values.yaml, kept below as data) coalesced with the
  given values (maps merge, lists and scalars replace, `null` deletes a default);
- the templates' `required`/`fail` checks, raised as ValueError with the chart's message.
Abridged, and said so where it happens: CRD schemas (only names, versions and subresources),
the Linkerd proxy sidecar and proxy-init containers (name, image, resources only), probes and
volume details of the control-plane containers. Features the program never uses and this model
does not render raise NotImplementedError rather than rendering something wrong.

Private keys never appear: the charts would copy `keyPEM` values into Secrets; here those fields
hold a placeholder naming the value and its sha256 (so a change still shows), and what the charts
generate at render time (`genSelfSignedCert`, the heartbeat schedule from `now`) is a fixed
placeholder, so the output is deterministic.

Sources (upstream files at the tags named; read with `git show <tag>:<path>`):
- linkerd/linkerd2 @ edge-26.8.3: `charts/linkerd-crds/templates/**`,
  `charts/linkerd-control-plane/templates/*.yaml`, `charts/partials/templates/*.tpl`,
  `multicluster/charts/linkerd-multicluster/templates/**`, the charts' `values.yaml`, `bin/helm-build`
  (the `linkerdVersionValue` placeholder becomes the tag, e.g. `edge-26.8.3`);
- emissary-ingress/emissary @ v4.1.0: `charts/emissary-crds/templates/*.yaml`,
  `charts/emissary-ingress/templates/*.yaml` and `_helpers.tpl`, `charts/emissary-ingress/values.yaml`
  (defaults also in tests/upstream/emissary.py);
- helm/helm `pkg/releaseutil/kind_sorter.go` InstallOrder (the order of the rendered manifest).
"""
from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
import re
from typing import Any, Callable, Optional

import yaml

from upstream import emissary as emissary_upstream

from . import chart_emulation

# libyaml when present: the defaults are parsed once, but linkerd-config dumps every render.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# ---------------------------------------------------------------------------------------------
# Public interface
# ---------------------------------------------------------------------------------------------


def render(chart: str, version: str, namespace: str, values: dict, release_name: str) -> list[dict]:
    """Kubernetes objects (plain dicts: apiVersion, kind, metadata{name, namespace (for namespaced
    kinds), labels, annotations?}, and data/spec/type...) the chart renders, in Helm's install order.

    `chart` is what the program passes to `helm.v4.Chart(chart=...)` (a repository chart name, an
    `oci://` reference or a local archive's path); `version` the chart version; `namespace` the
    release namespace.
    """
    basename = chart_basename(chart, str(version))
    renderer = _RENDERERS.get(basename)
    if renderer is None:
        raise NotImplementedError(f"chart_render: no model of chart {chart!r}")
    ctx = _Release(chart=basename, version=str(version), namespace=namespace, release_name=release_name,
                   given=copy.deepcopy(values or {}))
    objects = renderer(ctx)
    return sorted((copy.deepcopy(o) for o in objects), key=_install_order)


def chart_basename(chart: str, version: str) -> str:
    """The chart's name in any of the forms the program passes: `linkerd-crds`,
    `oci://ghcr.io/emissary-ingress/emissary-ingress`, `/charts/linkerd-crds-2026.8.3.tgz`."""
    basename = chart.rstrip("/").rsplit("/", 1)[-1]
    return basename.removesuffix(f"-{version}.tgz")


def resource_type(obj: dict) -> str:
    """The Pulumi type token pulumi-kubernetes registers the object under: `kubernetes:<group>/<version>:<Kind>`,
    the core group spelt `core` (`kubernetes:core/v1:ConfigMap`, `kubernetes:apps/v1:Deployment`,
    `kubernetes:policy.linkerd.io/v1beta3:Server`)."""
    api_version = obj["apiVersion"]
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return f"kubernetes:{group_version}:{obj['kind']}"


def resource_name(chart_resource_name: str, obj: dict) -> str:
    """`<prefix>:<namespace>/<name>`, or `<prefix>:<name>` for a cluster-scoped object
    (pulumi-kubernetes `provider/pkg/provider/yaml/v2/yaml.go` register)."""
    meta = obj["metadata"]
    name = f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]
    return f"{chart_resource_name}:{name}" if chart_resource_name else name


# Kinds without a namespace (the rest get the release namespace, as Chart v4's Normalize does).
CLUSTER_SCOPED_KINDS = frozenset({
    "Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "IngressClass",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "PodSecurityPolicy", "PriorityClass",
})

# helm/helm pkg/releaseutil/kind_sorter.go InstallOrder; other kinds come after, by kind.
HELM_INSTALL_ORDER = (
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
    "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
)


def _install_order(obj: dict) -> tuple:
    kind = obj["kind"]
    index = HELM_INSTALL_ORDER.index(kind) if kind in HELM_INSTALL_ORDER else len(HELM_INSTALL_ORDER)
    meta = obj["metadata"]
    return index, kind, meta.get("namespace") or "", meta["name"]


# ---------------------------------------------------------------------------------------------
# Helm semantics
# ---------------------------------------------------------------------------------------------


class _Release:
    """One `helm template` run: the chart's defaults coalesced with the given values."""

    def __init__(self, chart: str, version: str, namespace: str, release_name: str, given: dict):
        self.chart, self.version, self.namespace, self.release_name = chart, version, namespace, release_name
        self.given = given
        self.values = coalesce(_defaults(chart, version), given)

    @property
    def chart_label(self) -> str:
        """`{{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}` (the `helm.sh/chart` label)."""
        return f"{self.chart}-{self.version.replace('+', '_')}"


def coalesce(defaults: Any, given: Any) -> Any:
    """Helm's values coalescing (`chartutil.CoalesceValues`): given maps merge into the defaults,
    anything else replaces them, and a given `null` removes the default key."""
    if not isinstance(defaults, dict) or not isinstance(given, dict):
        return copy.deepcopy(given)
    out = copy.deepcopy(defaults)
    for key, value in given.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = coalesce(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _empty(value: Any) -> bool:
    """Go template / Sprig `empty`: nil, false, 0, "" and empty collections."""
    if value is None or value is False:
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value == 0
    return isinstance(value, (str, list, dict, tuple)) and len(value) == 0


def _default(value: Any, fallback: Any) -> Any:
    """Sprig `default`."""
    return fallback if _empty(value) else value


def _get(tree: Any, *path: str, default: Any = None) -> Any:
    """`.Values.a.b.c` (with Helm's `missingkey=zero`: a missing key is nil)."""
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return default
        tree = tree[key]
    return tree


def _dig(entry: Any, *path_and_default: Any) -> Any:
    """Sprig `dig "a" "b" default dict`: the value at a.b if every key exists, else the default."""
    *path, fallback = path_and_default
    tree = entry
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return fallback
        tree = tree[key]
    return tree


def _go(value: Any) -> str:
    """A value printed by `{{ ... }}` in a template (Go's fmt: true/false, nil -> "")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _trim(value: Any) -> str:
    return _go(value).strip()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _checksum(objects: list[dict]) -> str:
    """Stands for `include (print $.Template.BasePath "/x.yaml") . | sha256sum`: a digest of what that
    template renders (here of the modelled objects, so it changes when they do, not Helm's bytes)."""
    return _sha256(json.dumps(objects, sort_keys=True, default=str))


def _withheld(what: str, value: Any) -> str:
    """What stands in for private key material the chart would copy from values."""
    return f"<withheld {what}: sha256 {_sha256(_trim(value))}>"


GENERATED_AT_RENDER = "<genSelfSignedCert: generated anew on every render, not modelled>"


def _meta(name: str, namespace: Optional[str], labels: Optional[dict] = None,
          annotations: Optional[dict] = None) -> dict:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = {k: _go(v) for k, v in (labels or {}).items()}
    if annotations:
        meta["annotations"] = {k: _go(v) for k, v in annotations.items()}
    return meta


def _obj(api_version: str, kind: str, name: str, namespace: Optional[str], labels: Optional[dict] = None,
         annotations: Optional[dict] = None, **body: Any) -> dict:
    if kind in CLUSTER_SCOPED_KINDS:
        namespace = None
    return {"apiVersion": api_version, "kind": kind, "metadata": _meta(name, namespace, labels, annotations), **body}


def _resources(spec: Any) -> Optional[dict]:
    """charts/partials/templates/_resources.tpl: {cpu: {limit, request}, memory: ..., ephemeral-storage: ...}
    -> Kubernetes `resources` (limits/requests; empty strings dropped)."""
    if not isinstance(spec, dict):
        return None
    out: dict[str, dict[str, str]] = {}
    for kind in ("limit", "request"):
        section = {res: _go(_get(spec, res, kind)) for res in ("cpu", "memory", "ephemeral-storage")
                   if not _empty(_get(spec, res, kind))}
        if section:
            out[kind + "s"] = section
    return out or None


def _pod_anti_affinity(label: str, component: str) -> dict:
    """charts/partials/templates/_affinity.tpl `linkerd.pod-affinity`."""
    expressions = [{"key": label, "operator": "In", "values": [component]}]
    return {
        "preferredDuringSchedulingIgnoredDuringExecution": [{
            "podAffinityTerm": {"labelSelector": {"matchExpressions": copy.deepcopy(expressions)},
                                "topologyKey": "topology.kubernetes.io/zone"},
            "weight": 100,
        }],
        "requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchExpressions": copy.deepcopy(expressions)},
            "topologyKey": "kubernetes.io/hostname",
        }],
    }


def _affinity(anti_affinity: Any, node_affinity: Any, component: str,
              label: str = "linkerd.io/control-plane-component") -> Optional[dict]:
    """`linkerd.affinity`: pod anti-affinity if enablePodAntiAffinity, node affinity if nodeAffinity."""
    out: dict[str, Any] = {}
    if not _empty(anti_affinity):
        out["podAntiAffinity"] = _pod_anti_affinity(label, component)
    if not _empty(node_affinity):
        out["nodeAffinity"] = copy.deepcopy(node_affinity)
    return out or None


def _put(target: dict, key: str, value: Any) -> None:
    """Sets `key` unless the template's `with`/`if` would skip it (an empty value)."""
    if not _empty(value):
        target[key] = copy.deepcopy(value)


# ---------------------------------------------------------------------------------------------
# Chart defaults (values.yaml, comments and blank lines removed; `linkerdVersionValue` is the
# placeholder bin/helm-build replaces with the edge tag when it packages the chart)
# ---------------------------------------------------------------------------------------------

LINKERD_VERSION_PLACEHOLDER = "linkerdVersionValue"
_EDGE_CHART_VERSION = re.compile(r"^(\d{2})(\d{2})\.(\d+)\.(\d+)$")


def linkerd_version(chart_version: str) -> str:
    """The edge tag a Linkerd chart version was packaged from: `2026.8.3` -> `edge-26.8.3`
    (bin/compute-edge-version writes YYYY.M.N from edge-YY.M.N; bin/helm-build sets linkerdVersion
    to the tag)."""
    m = _EDGE_CHART_VERSION.match(chart_version)
    if not m:
        raise NotImplementedError(f"chart_render: {chart_version!r} is not an edge chart version (YYYY.M.N)")
    return f"edge-{m.group(2)}.{m.group(3)}.{m.group(4)}"


# charts/linkerd-crds/values.yaml @ edge-26.8.3 (enable*Routes are documented only in comments).
LINKERD_CRDS_DEFAULTS: dict[str, Any] = {"installGatewayAPI": False}

# charts/linkerd-control-plane/values.yaml @ edge-26.8.3.
LINKERD_CONTROL_PLANE_DEFAULTS_YAML = """\
clusterDomain: cluster.local
clusterNetworks: "10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8"
imagePullPolicy: IfNotPresent
revisionHistoryLimit: 10
controllerLogLevel: info
controllerLogFormat: plain
linkerdVersion: linkerdVersionValue
deploymentStrategy:
  rollingUpdate:
    maxUnavailable: 25%
    maxSurge: 25%
enableEndpointSlices: true
enablePodAntiAffinity: false
enablePprof: false
enablePodDisruptionBudget: false
disableIPv6: true
controller:
  podDisruptionBudget:
    maxUnavailable: 1
  tracing:
    enabled: false
    collector:
      endpoint: ""
cniEnabled: false
identityTrustAnchorsPEM: |
identityTrustDomain: ""
kubeAPI: &kubeapi
  clientQPS: 100
  clientBurst: 200
podAnnotations: {}
podLabels: {}
commonLabels: {}
priorityClassName: ""
runtimeClassName: ""
policyController:
  logLevel: info
  probeNetworks:
    - 0.0.0.0/0
    - "::/0"
  resources:
    cpu:
      limit: ""
      request: ""
    memory:
      limit: ""
      request: ""
    ephemeral-storage:
      limit: ""
      request: ""
  livenessProbe:
    timeoutSeconds: 1
  readinessProbe:
    timeoutSeconds: 1
proxy:
  enableExternalProfiles: false
  outboundConnectTimeout: 1000ms
  inboundConnectTimeout: 100ms
  outboundDiscoveryCacheUnusedTimeout: "5s"
  inboundDiscoveryCacheUnusedTimeout: "90s"
  disableOutboundProtocolDetectTimeout: false
  disableInboundProtocolDetectTimeout: false
  image:
    name: cr.l5d.io/linkerd/proxy
    pullPolicy: ""
    version: ""
  enableShutdownEndpoint: false
  logLevel: warn,linkerd=info,hickory=error
  logFormat: plain
  logHTTPHeaders: "off"
  ports:
    admin: 4191
    control: 4190
    inbound: 4143
    outbound: 4140
  cores:
  runtime:
    workers:
      maximumCPURatio:
      minimum: 1
  resources:
    cpu:
      limit: ""
      request: ""
    memory:
      limit: ""
      request: ""
    ephemeral-storage:
      limit: ""
      request: ""
  uid: 2102
  gid: -1
  securityContext: {}
  waitBeforeExitSeconds: 0
  await: true
  requireIdentityOnInboundPorts: ""
  opaquePorts: "25,587,3306,4444,5432,6379,9300,11211"
  shutdownGracePeriod: ""
  defaultInboundPolicy: "all-unauthenticated"
  outboundTransportMode: transport-header
  nativeSidecar: true
  livenessProbe:
    initialDelaySeconds: 10
    timeoutSeconds: 1
  readinessProbe:
    initialDelaySeconds: 2
    timeoutSeconds: 1
  startupProbe:
    initialDelaySeconds: 0
    periodSeconds: 1
    failureThreshold: 120
  control:
    streams:
      initialTimeout: "3s"
      idleTimeout: "5m"
      lifetime: "1h"
  metrics:
      hostnameLabels: false
  tracing:
    enabled: false
    traceServiceName: linkerd-proxy
    labels:
      k8s.pod.ip: "$(_pod_ip)"
      k8s.pod.uid: "$(_pod_uid)"
      k8s.container.name: "$(_pod_containerName)"
    collector:
      endpoint: ""
      meshIdentity:
        serviceAccountName: ""
        namespace: ""
  inbound:
    server:
      http2:
        keepAliveInterval: "10s"
        keepAliveTimeout: "3s"
  outbound:
    server:
      http2:
        keepAliveInterval: "10s"
        keepAliveTimeout: "3s"
proxyInit:
  iptablesMode: "nft"
  ignoreInboundPorts: "4567,4568"
  ignoreOutboundPorts: "4567,4568"
  kubeAPIServerPorts: "443,6443"
  skipSubnets: ""
  logLevel: ""
  logFormat: ""
  closeWaitTimeoutSecs: 0
  privileged: false
  runAsRoot: false
  runAsUser: 65534
  runAsGroup: 65534
  xtMountPath:
    mountPath: /run
    name: linkerd-proxy-init-xtables-lock
networkValidator:
  logLevel: debug
  logFormat: plain
  connectAddr: ""
  listenAddr: ""
  timeout: "10s"
  securityContext:
    allowPrivilegeEscalation: false
    capabilities:
      drop:
      - ALL
    readOnlyRootFilesystem: true
    runAsGroup: 65534
    runAsNonRoot: true
    runAsUser: 65534
    seccompProfile:
      type: RuntimeDefault
imagePullSecrets: []
enableH2Upgrade: true
enablePSP: false
webhookFailurePolicy: Ignore
controllerImage: cr.l5d.io/linkerd/controller
controllerImageVersion: ""
controllerReplicas: 1
controllerUID: 2103
controllerGID: -1
destinationController:
  meshedHttp2ClientProtobuf:
    keep_alive:
      interval:
        seconds: 10
      timeout:
        seconds: 3
      while_idle: true
  podAnnotations: {}
  livenessProbe:
    timeoutSeconds: 1
  readinessProbe:
    timeoutSeconds: 1
debugContainer:
  image:
    name: cr.l5d.io/linkerd/debug
    pullPolicy: ""
    version: ""
identity:
  externalCA: false
  serviceAccountTokenProjection: true
  issuer:
    scheme: linkerd.io/tls
    clockSkewAllowance: 20s
    issuanceLifetime: 24h0m0s
    tls:
      crtPEM: |
      keyPEM: |
  kubeAPI: *kubeapi
  podAnnotations: {}
  livenessProbe:
    timeoutSeconds: 1
  readinessProbe:
    timeoutSeconds: 1
disableHeartBeat: false
proxyInjector:
  timeoutSeconds: 10
  externalSecret: false
  namespaceSelector:
    matchExpressions:
    - key: config.linkerd.io/admission-webhooks
      operator: NotIn
      values:
      - disabled
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values:
      - kube-system
      - cert-manager
  objectSelector:
    matchExpressions:
    - key: linkerd.io/control-plane-component
      operator: DoesNotExist
    - key: linkerd.io/cni-resource
      operator: DoesNotExist
  crtPEM: |
  keyPEM: |
  caBundle: |
  injectCaFrom: ""
  injectCaFromSecret: ""
  podAnnotations: {}
  livenessProbe:
    timeoutSeconds: 1
  readinessProbe:
    timeoutSeconds: 1
profileValidator:
  externalSecret: false
  namespaceSelector:
    matchExpressions:
    - key: config.linkerd.io/admission-webhooks
      operator: NotIn
      values:
      - disabled
  crtPEM: |
  keyPEM: |
  caBundle: |
  injectCaFrom: ""
  injectCaFromSecret: ""
policyValidator:
  externalSecret: false
  namespaceSelector:
    matchExpressions:
    - key: config.linkerd.io/admission-webhooks
      operator: NotIn
      values:
      - disabled
  crtPEM: |
  keyPEM: |
  caBundle: |
  injectCaFrom: ""
  injectCaFromSecret: ""
nodeSelector:
  kubernetes.io/os: linux
spValidator:
  livenessProbe:
    timeoutSeconds: 1
  readinessProbe:
    timeoutSeconds: 1
prometheusUrl: ""
podMonitor:
  enabled: false
  scrapeInterval: 10s
  scrapeTimeout: 10s
  labels: {}
  controller:
    enabled: true
    namespaceSelector: |
      matchNames:
        - {{ .Release.Namespace }}
        - linkerd-viz
    honorTimestamps: false
  serviceMirror:
    enabled: true
    honorTimestamps: false
  proxy:
    enabled: true
    honorTimestamps: false
egress:
  globalEgressNetworkNamespace: linkerd-egress
configReaders:
"""

# multicluster/charts/linkerd-multicluster/values.yaml @ edge-26.8.3.
LINKERD_MULTICLUSTER_DEFAULTS_YAML = """\
gateway:
  enabled: true
  replicas: 1
  name: linkerd-gateway
  port: 4143
  serviceType: LoadBalancer
  probe:
    path: /ready
    port: 4191
    seconds: 3
  serviceAnnotations: {}
  serviceExternalTrafficPolicy: ""
  deploymentAnnotations: {}
  loadBalancerClass: ""
  loadBalancerIP: ""
  loadBalancerSourceRanges: []
  terminationGracePeriodSeconds: ""
  nodeSelector: {}
  tolerations: []
  pauseImage: "registry.k8s.io/pause:3.2"
  UID: 2103
  GID: 2103
linkerdVersion: linkerdVersionValue
podAnnotations: {}
podLabels: {}
commonLabels: {}
imagePullPolicy: IfNotPresent
imagePullSecrets: []
proxyOutboundPort: 4140
remoteMirrorServiceAccount: true
remoteMirrorServiceAccountName: linkerd-service-mirror-remote-access-default
linkerdNamespace: linkerd
identityTrustDomain: cluster.local
namespaceMetadata:
  image:
    registry: cr.l5d.io/linkerd
    name: extension-init
    tag: v0.1.12
    pullPolicy: ""
  nodeSelector: {}
  tolerations: []
enablePSP: false
enableNamespaceCreation: false
enablePodAntiAffinity: false
createNamespaceMetadataJob: true
revisionHistoryLimit: 10
localServiceMirror:
  serviceMirrorRetryLimit: 3
  federatedServiceSelector: "mirror.linkerd.io/federated=member"
  excludedLabels: ""
  excludedAnnotations: ""
  replicas: 1
  image:
    name: cr.l5d.io/linkerd/controller
    pullPolicy: ""
    version: linkerdVersionValue
  logLevel: info
  logFormat: plain
  enablePprof: false
  UID: 2103
  GID: 2103
  resources: {}
controllers: []
controllerDefaults:
  replicas: 1
  image:
    name: cr.l5d.io/linkerd/controller
    pullPolicy: ""
    version: linkerdVersionValue
  gateway:
    enabled: true
    probe:
      port: 4191
  logLevel: info
  logFormat: plain
  enableHeadlessServices: false
  enablePprof: false
  UID: 2103
  GID: 2103
  retryLimit: 3
  resources: {}
  nodeSelector: {}
  tolerations: {}
  enablePodAntiAffinity: false
  nodeAffinity: {}
"""


def _emissary_defaults() -> dict[str, Any]:
    """charts/emissary-ingress/values.yaml @ v4.1.0: the keys of tests/upstream/emissary.py, plus the
    few more the modelled templates read."""
    out: dict[str, Any] = {}
    for path, (_, default) in emissary_upstream.CHART_VALUES_KEYS.items():
        *parents, leaf = path.split(".")
        node = out
        for key in parents:
            node = node.setdefault(key, {})
        if not (leaf in node and isinstance(node[leaf], dict) and isinstance(default, dict)):
            node[leaf] = copy.deepcopy(default)
    return coalesce(out, {
        "barePod": False,
        "autoscaling": {"enabled": False},
        "podDisruptionBudget": {},
        "namespace": {"name": None},
        "env": {},
        "dnsPolicy": "ClusterFirst",
        "hostNetwork": False,
        "deploymentStrategy": {"type": "RollingUpdate"},
        "progressDeadlines": {"ambassador": 600},
        "startupProbe": {},
        "metrics": {"serviceMonitor": {"enabled": False}},
        "resolvers": {"endpoint": {"create": False, "name": "endpoint"},
                      "consul": {"create": False, "name": "consul-dc1", "spec": {}}},
        "prometheusExporter": {"enabled": False},
        "ambassadorConfig": "",
        "security": {"podSecurityPolicy": {}},
        "rbac": {"podSecurityPolicies": []},
    })


# charts/emissary-crds/values.yaml @ v4.1.0.
EMISSARY_CRDS_DEFAULTS: dict[str, Any] = {
    name: default for name, (_, default) in emissary_upstream.CRDS_CHART_VALUES.items() if "." not in name
}


# The oldest packaged chart version the tests upgrade from (../shared/charts/linkerd-edge), and what
# its charts render differently from edge-26.8.3's (the two packaged charts' diff, checked against
# `helm template` on the real tier, e2e/tests/test_chart_emulation.py):
# - linkerd-control-plane values.yaml: `proxy.nativeSidecar: false` (true from then on), no
#   `podMonitor.*.honorTimestamps`;
# - linkerd-multicluster values.yaml: `gateway.pauseImage: gcr.io/google_containers/pause:3.2`,
#   `namespaceMetadata.image.tag: v0.1.7`;
# - linkerd-multicluster service-mirror-policy.yaml: only the `service-mirror` Server and its
#   AuthorizationPolicy, the Server selecting `component in (linkerd-service-mirror, controller)`
#   (edge-26.8.3 adds `linkerd-admin`, `controller` and `local-service-mirror` pairs and selects by
#   labels).
# Chart versions after it and before 2026.8.2 were not compared with this model, so they are refused.
EDGE_26_1_1 = (2026, 1, 1)
EDGE_26_8_2 = (2026, 8, 2)
EDGE_26_1_1_DEFAULTS: dict[str, dict[str, Any]] = {
    "linkerd-control-plane": {"proxy": {"nativeSidecar": False},
                              # no `honorTimestamps` yet (None removes a default, as in Helm)
                              "podMonitor": {part: {"honorTimestamps": None} for part in ("controller", "serviceMirror", "proxy")}},
    "linkerd-multicluster": {"gateway": {"pauseImage": "gcr.io/google_containers/pause:3.2"},
                             "namespaceMetadata": {"image": {"tag": "v0.1.7"}}},
}


def edge_shape(chart_version: str) -> tuple[int, int, int]:
    """Which modelled edge release's templates a Linkerd chart version renders as: EDGE_26_1_1 for
    2026.1.1, EDGE_26_8_2 (the templates of edge-26.8.2 and edge-26.8.3 are the same) from 2026.8.2
    on; NotImplementedError for any other version."""
    linkerd_version(chart_version)  # refuses what is not YYYY.M.N
    parsed = tuple(int(p) for p in chart_version.split("."))
    if parsed == EDGE_26_1_1:
        return EDGE_26_1_1
    if parsed >= EDGE_26_8_2:
        return EDGE_26_8_2
    raise NotImplementedError(f"chart_render: Linkerd chart {chart_version} is not modelled (only 2026.1.1, and "
                              "2026.8.2 onwards as edge-26.8.3 renders)")


def _defaults(chart: str, version: str) -> dict[str, Any]:
    if chart == "linkerd-crds":
        edge_shape(version)
        return copy.deepcopy(LINKERD_CRDS_DEFAULTS)
    if chart in ("linkerd-control-plane", "linkerd-multicluster"):
        defaults = _with_version(_parsed_linkerd_defaults(chart), linkerd_version(version))
        if edge_shape(version) == EDGE_26_1_1:
            defaults = coalesce(defaults, copy.deepcopy(EDGE_26_1_1_DEFAULTS[chart]))
        return defaults
    if chart == "emissary-ingress":
        return _emissary_defaults()
    if chart == "emissary-crds-chart":
        return copy.deepcopy(EMISSARY_CRDS_DEFAULTS)
    return {}


@functools.lru_cache(maxsize=None)
def _parsed_linkerd_defaults(chart: str) -> dict[str, Any]:
    text = LINKERD_CONTROL_PLANE_DEFAULTS_YAML if chart == "linkerd-control-plane" else LINKERD_MULTICLUSTER_DEFAULTS_YAML
    return yaml.load(text, Loader=_YAML_LOADER)


def _with_version(tree: Any, tag: str) -> Any:
    """A copy of the defaults with bin/helm-build's `linkerdVersionValue` substitution applied."""
    if isinstance(tree, dict):
        return {k: _with_version(v, tag) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_with_version(v, tag) for v in tree]
    if isinstance(tree, str):
        return tree.replace(LINKERD_VERSION_PLACEHOLDER, tag)
    return tree


def chart_defaults(chart: str, version: str) -> dict[str, Any]:
    """The modelled chart's default values (chart basename, e.g. `linkerd-control-plane`)."""
    return _defaults(chart, version)


# ---------------------------------------------------------------------------------------------
# Linkerd: shared partials
# ---------------------------------------------------------------------------------------------


def _created_by(v: dict) -> dict[str, str]:
    """charts/partials/templates/_metadata.tpl `partials.annotations.created-by`:
    `linkerd.io/created-by: {{ .Values.cliVersion | default (printf "linkerd/helm %s" ((.Values.image).version
    | default .Values.linkerdVersion)) }}`. linkerd-crds has no `linkerdVersion` value, so there Go's
    printf prints its nil as `%!s(<nil>)` (inference from text/template + fmt, not observed)."""
    version = _default(_get(v, "image", "version"), _get(v, "linkerdVersion"))
    fallback = "linkerd/helm %!s(<nil>)" if version is None else f"linkerd/helm {_go(version)}"
    return {"linkerd.io/created-by": _default(_get(v, "cliVersion"), fallback)}


def _common(v: dict) -> dict:
    return dict(_get(v, "commonLabels") or {})


# ---------------------------------------------------------------------------------------------
# linkerd-crds (charts/linkerd-crds/templates/**)
# ---------------------------------------------------------------------------------------------

# (template, plural, group, kind, singular, shortNames, versions as (name, served, storage, status subresource))
_LINKERD_POLICY_CRDS: tuple = (
    ("policy/authorization-policy.yaml", "authorizationpolicies", "policy.linkerd.io", "AuthorizationPolicy",
     "authorizationpolicy", ["authzpolicy"], (("v1alpha1", True, True, False),)),
    ("policy/egress-network.yaml", "egressnetworks", "policy.linkerd.io", "EgressNetwork",
     "egressnetwork", [], (("v1alpha1", True, True, True),)),
    ("policy/http-local-ratelimit-policy.yaml", "httplocalratelimitpolicies", "policy.linkerd.io",
     "HTTPLocalRateLimitPolicy", "httplocalratelimitpolicy", [], (("v1alpha1", True, True, True),)),
    ("policy/httproute.yaml", "httproutes", "policy.linkerd.io", "HTTPRoute", "httproute", [],
     (("v1alpha1", True, False, True), ("v1beta1", True, False, True), ("v1beta2", True, False, True),
      ("v1beta3", True, True, True))),
    ("policy/meshtls-authentication.yaml", "meshtlsauthentications", "policy.linkerd.io",
     "MeshTLSAuthentication", "meshtlsauthentication", ["meshtlsauthn"], (("v1alpha1", True, True, False),)),
    ("policy/network-authentication.yaml", "networkauthentications", "policy.linkerd.io",
     "NetworkAuthentication", "networkauthentication", ["netauthn", "networkauthn"],
     (("v1alpha1", True, True, False),)),
    ("policy/server-authorization.yaml", "serverauthorizations", "policy.linkerd.io", "ServerAuthorization",
     "serverauthorization", ["saz", "serverauthz", "srvauthz"],
     (("v1alpha1", True, False, False), ("v1beta1", True, True, False))),
    ("policy/server.yaml", "servers", "policy.linkerd.io", "Server", "server", ["srv"],
     (("v1alpha1", True, False, False), ("v1beta1", True, False, False), ("v1beta2", True, False, False),
      ("v1beta3", True, True, False))),
    ("serviceprofile.yaml", "serviceprofiles", "linkerd.io", "ServiceProfile", "serviceprofile", ["sp"],
     (("v1alpha1", True, False, False), ("v1alpha2", True, True, False))),
    ("workload/external-workload.yaml", "externalworkloads", "workload.linkerd.io", "ExternalWorkload",
     "externalworkload", [], (("v1alpha1", True, False, False), ("v1beta1", True, True, True))),
)

# Gateway API CRDs bundled at v1.1.1 (experimental channel), each behind a values switch that
# defaults to `installGatewayAPI`: (template, plural, kind, versions, switch).
_GATEWAY_API_CRDS: tuple = (
    ("gateway.networking.k8s.io_grpcroutes.yaml", "grpcroutes", "GRPCRoute",
     (("v1", True, True, True), ("v1alpha2", True, False, True)), "enableHttpRoutes"),
    ("gateway.networking.k8s.io_httproutes.yaml", "httproutes", "HTTPRoute",
     (("v1", True, True, True), ("v1beta1", True, False, True)), "enableHttpRoutes"),
    ("gateway.networking.k8s.io_tcproutes.yaml", "tcproutes", "TCPRoute",
     (("v1alpha2", True, True, True),), "enableTcpRoutes"),
    ("gateway.networking.k8s.io_tlsroutes.yaml", "tlsroutes", "TLSRoute",
     (("v1alpha2", True, True, True),), "enableTlsRoutes"),
)


def _crd_versions(versions: tuple) -> list[dict]:
    """CRD `spec.versions` without the schemas (abridged)."""
    out = []
    for name, served, storage, status in versions:
        version: dict[str, Any] = {"name": name, "served": served, "storage": storage}
        if status:
            version["subresources"] = {"status": {}}
        out.append(version)
    return out


def _render_linkerd_crds(r: _Release) -> list[dict]:
    v = r.values
    labels = {"helm.sh/chart": r.chart_label, "linkerd.io/control-plane-ns": r.namespace}
    objects = []
    for _, plural, group, kind, singular, short_names, versions in _LINKERD_POLICY_CRDS:
        names: dict[str, Any] = {"kind": kind, "plural": plural, "singular": singular}
        if short_names:
            names["shortNames"] = list(short_names)
        objects.append(_obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", f"{plural}.{group}", None,
                            labels, _created_by(v),
                            spec={"group": group, "names": names, "scope": "Namespaced",
                                  "versions": _crd_versions(versions)}))
    for _, plural, kind, versions, switch in _GATEWAY_API_CRDS:
        # `ternary .Values.<switch> .Values.installGatewayAPI (hasKey .Values "<switch>")`
        if _empty(v.get(switch) if switch in v else v.get("installGatewayAPI")):
            continue
        group = "gateway.networking.k8s.io"
        annotations = {
            "api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/gateway-api/pull/2997",
            "gateway.networking.k8s.io/bundle-version": "v1.1.1",
            "gateway.networking.k8s.io/channel": "experimental",
            **_created_by(v),
            # Chart v4 turns this into RetainOnDelete (chart.go preregister).
            "helm.sh/resource-policy": "keep",
        }
        objects.append(_obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", f"{plural}.{group}", None,
                            labels, annotations,
                            spec={"group": group,
                                  "names": {"categories": ["gateway-api"], "kind": kind, "listKind": f"{kind}List",
                                            "plural": plural, "singular": kind.lower()},
                                  "scope": "Namespaced", "versions": _crd_versions(versions)}))
    return objects


# ---------------------------------------------------------------------------------------------
# linkerd-control-plane (charts/linkerd-control-plane/templates/*.yaml)
# ---------------------------------------------------------------------------------------------

_WEBHOOK_VALUES = ("proxyInjector", "profileValidator", "policyValidator")


def _validate_webhook(section: str, w: dict) -> None:
    """charts/partials/templates/_validate.tpl `linkerd.webhook.validation`."""
    ca_from, ca_from_secret = _get(w, "injectCaFrom"), _get(w, "injectCaFromSecret")
    if not _empty(ca_from) and not _empty(ca_from_secret):
        raise ValueError(f"{section}: injectCaFrom and injectCaFromSecret cannot both be set")
    if (not _empty(ca_from) or not _empty(ca_from_secret)) and not _empty(_get(w, "caBundle")):
        raise ValueError(f"{section}: injectCaFrom or injectCaFromSecret cannot be set if providing a caBundle")
    if not _empty(_get(w, "externalSecret")) and _empty(_get(w, "caBundle")) and _empty(ca_from) \
            and _empty(ca_from_secret):
        raise ValueError(f"{section}: if externalSecret is set, then caBundle, injectCaFrom, or "
                         "injectCaFromSecret must be set")
    if (not _empty(ca_from) or not _empty(ca_from_secret)) and _empty(_get(w, "externalSecret")):
        raise ValueError(f"{section}: if injectCaFrom or injectCaFromSecret is set, then externalSecret must be set")


def _webhook_tls_secret(r: _Release, section: str, name: str, component: str) -> Optional[dict]:
    """`<webhook>-k8s-tls` Secret, rendered unless `<section>.externalSecret`. Its crt/key are the
    values' crtPEM/keyPEM, or a self-signed pair the chart generates on every render."""
    v, w = r.values, r.values.get(section) or {}
    if not _empty(_get(w, "externalSecret")):
        return None
    crt = GENERATED_AT_RENDER if _empty(_get(w, "crtPEM")) else _trim(w["crtPEM"])
    key = GENERATED_AT_RENDER if _empty(_get(w, "keyPEM")) else _withheld(f"{section}.keyPEM", w["keyPEM"])
    return _obj("v1", "Secret", name, r.namespace,
                {"linkerd.io/control-plane-component": component, "linkerd.io/control-plane-ns": r.namespace,
                 **_common(v)}, _created_by(v),
                type="kubernetes.io/tls", data={"tls.crt": _b64(crt), "tls.key": _b64(key)})


def _webhook_client_config(r: _Release, section: str, service: str) -> dict:
    w = r.values.get(section) or {}
    config: dict[str, Any] = {"service": {"name": service, "namespace": r.namespace, "path": "/"}}
    if _empty(_get(w, "injectCaFrom")) and _empty(_get(w, "injectCaFromSecret")):
        if _get(w, "caBundle") is None:
            # `ternary (b64enc (trim $ca.Cert)) (b64enc (trim .Values.<section>.caBundle)) (empty …)`:
            # Go templates evaluate both branches, and `trim` of a nil value fails the render
            # (`helm template` on the real tier); an empty string is what renders the generated CA.
            raise ValueError(f"{section}.caBundle: wrong type for value; expected string; got interface {{}}")
        ca = GENERATED_AT_RENDER if _empty(_get(w, "caBundle")) else _trim(w["caBundle"])
        config["caBundle"] = _b64(ca)
    return config


def _webhook_ca_annotations(w: dict) -> dict:
    out = {}
    if not _empty(_get(w, "injectCaFrom")):
        out["cert-manager.io/inject-ca-from"] = w["injectCaFrom"]
    if not _empty(_get(w, "injectCaFromSecret")):
        out["cert-manager.io/inject-ca-from-secret"] = w["injectCaFromSecret"]
    return out


def _cp_labels(r: _Release, component: str) -> dict:
    return {"linkerd.io/control-plane-component": component, "linkerd.io/control-plane-ns": r.namespace,
            **_common(r.values)}


def _cp_service(r: _Release, name: str, component: str, port_name: str, port: int, target: Any,
                headless: bool = False, extra_annotations: Optional[dict] = None) -> dict:
    spec: dict[str, Any] = {"clusterIP": "None"} if headless else {"type": "ClusterIP"}
    spec["selector"] = {"linkerd.io/control-plane-component": component}
    spec["ports"] = [{"name": port_name, "port": port, "targetPort": target}]
    return _obj("v1", "Service", name, r.namespace, _cp_labels(r, component),
                {**_created_by(r.values), **(extra_annotations or {})}, spec=spec)


def _cp_pdb(r: _Release, name: str, component: str) -> dict:
    v = r.values
    return _obj("policy/v1", "PodDisruptionBudget", name, r.namespace, _cp_labels(r, component), _created_by(v),
                spec={"maxUnavailable": _get(v, "controller", "podDisruptionBudget", "maxUnavailable"),
                      "selector": {"matchLabels": {"linkerd.io/control-plane-component": component}}})


def _controller_image(v: dict) -> str:
    return f"{_go(v.get('controllerImage'))}:{_go(_default(v.get('controllerImageVersion'), v.get('linkerdVersion')))}"


def _proxy_log(v: dict) -> str:
    """partials/_proxy.tpl `LINKERD2_PROXY_LOG`: the log level, with HTTP headers and requests
    filtered out unless `proxy.logHTTPHeaders` is `insecure` (found by `helm template` on the real
    tier); the template fails on any other value than insecure, off or empty."""
    headers = _get(v, "proxy", "logHTTPHeaders")
    if headers not in ("insecure", "off", "", None):
        raise ValueError("logHTTPHeaders must be one of: insecure | off")
    suffix = "" if headers == "insecure" else ",[{headers}]=off,[{request}]=off"
    return f"{_go(_get(v, 'proxy', 'logLevel'))}{suffix}"


def _proxy_container(v: dict, proxy_resources: Any, native_sidecar: bool) -> dict:
    """The injected `linkerd-proxy` container (charts/partials/templates/_proxy.tpl), ABRIDGED to its
    name, image, pull policy, log level and resources."""
    image = f"{_go(_get(v, 'proxy', 'image', 'name'))}:" \
            f"{_go(_default(_get(v, 'proxy', 'image', 'version'), v.get('linkerdVersion')))}"
    container: dict[str, Any] = {
        "name": "linkerd-proxy",
        "image": image,
        "imagePullPolicy": _go(_default(_get(v, "proxy", "image", "pullPolicy"), v.get("imagePullPolicy"))),
        "env": [{"name": "LINKERD2_PROXY_LOG", "value": _proxy_log(v)}],
    }
    _put(container, "resources", _resources(proxy_resources))
    if native_sidecar:
        container["restartPolicy"] = "Always"
    return container


def _proxy_resources(v: dict, override_key: str) -> Any:
    """`<component>ProxyResources` merged over `proxy.resources` (identity.yaml, destination.yaml, ...)."""
    override = v.get(override_key)
    if _empty(override):
        return _get(v, "proxy", "resources")
    return coalesce(_get(v, "proxy", "resources") or {}, override)


def _cp_deployment(r: _Release, *, name: str, component: str, app_name: str, proxy_component: str,
                   selector_has_proxy_label: bool, component_pod_annotations: Any, extra_pod_annotations: dict,
                   containers: list[dict], native_sidecar: bool, proxy_resources_key: str,
                   service_account: str, volumes: list[dict], proxy_last: bool = False) -> dict:
    """The control-plane Deployments (identity.yaml, destination.yaml, proxy-injector.yaml)."""
    v, ns = r.values, r.namespace
    proxy_label = {"linkerd.io/proxy-deployment": proxy_component}  # partials.proxy.labels
    selector = {"linkerd.io/control-plane-component": component}
    if selector_has_proxy_label:
        selector.update({"linkerd.io/control-plane-ns": ns, **proxy_label})
    # partials.proxy.annotations, then the pod annotations merged with the component's.
    annotations = {
        **{k: val for k, val in extra_pod_annotations.items() if k == "checksum/config"},
        **_created_by(v),
        "linkerd.io/proxy-version": _default(_get(v, "proxy", "image", "version"), v.get("linkerdVersion")),
        "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
        "linkerd.io/trust-root-sha256": _sha256(_go(v.get("identityTrustAnchorsPEM"))),
        **coalesce(dict(v.get("podAnnotations") or {}), dict(component_pod_annotations or {})),
        **{k: val for k, val in extra_pod_annotations.items() if k != "checksum/config"},
    }
    pod_labels = {"linkerd.io/control-plane-component": component, "linkerd.io/control-plane-ns": ns,
                  "linkerd.io/workload-ns": ns, **proxy_label, **dict(v.get("podLabels") or {})}
    proxy = _proxy_container(v, _proxy_resources(v, proxy_resources_key), native_sidecar)
    pod_spec: dict[str, Any] = {}
    _put(pod_spec, "runtimeClassName", v.get("runtimeClassName"))
    _put(pod_spec, "tolerations", v.get("tolerations"))
    pod_spec["nodeSelector"] = copy.deepcopy(v.get("nodeSelector"))
    _put(pod_spec, "affinity", _affinity(v.get("enablePodAntiAffinity"), v.get("nodeAffinity"), app_name))
    pod_spec["automountServiceAccountToken"] = False
    # identity.yaml lists its proxy after its own container, destination.yaml and proxy-injector.yaml before.
    sidecar = [] if native_sidecar else [proxy]
    pod_spec["containers"] = containers + sidecar if proxy_last else sidecar + containers
    pod_spec["initContainers"] = [proxy] if native_sidecar else []  # proxy-init/network-validator: not modelled
    _put(pod_spec, "priorityClassName", v.get("priorityClassName"))
    pod_spec["securityContext"] = {"seccompProfile": {"type": "RuntimeDefault"}}
    pod_spec["serviceAccountName"] = service_account
    pod_spec["volumes"] = volumes
    spec: dict[str, Any] = {
        "replicas": v.get("controllerReplicas"),
        "revisionHistoryLimit": v.get("revisionHistoryLimit"),
        "selector": {"matchLabels": selector},
    }
    _put(spec, "strategy", v.get("deploymentStrategy"))
    spec["template"] = {"metadata": {"annotations": {k: _go(val) for k, val in annotations.items()},
                                     "labels": {k: _go(val) for k, val in pod_labels.items()}},
                        "spec": pod_spec}
    labels = {"app.kubernetes.io/name": app_name, "app.kubernetes.io/part-of": "Linkerd",
              "app.kubernetes.io/version": v.get("linkerdVersion"), **_cp_labels(r, component)}
    return _obj("apps/v1", "Deployment", name, ns, labels, _created_by(v), spec=spec)


def _controller_container(v: dict, name: str, args: list[str], ports: list[tuple[str, int]],
                          resources: Any) -> dict:
    """A control-plane controller container, ABRIDGED (no probes, env or volume mounts)."""
    security: dict[str, Any] = {"capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": True,
                                "runAsNonRoot": True, "runAsUser": v.get("controllerUID")}
    if _go_int(v.get("controllerGID")) >= 0:  # `if ge (int .Values.controllerGID) 0`
        security["runAsGroup"] = v.get("controllerGID")
    security.update({"allowPrivilegeEscalation": False, "seccompProfile": {"type": "RuntimeDefault"}})
    container: dict[str, Any] = {
        "args": args,
        "image": _controller_image(v),
        "imagePullPolicy": _go(v.get("imagePullPolicy")),
        "name": name,
        "ports": [{"containerPort": port, "name": port_name} for port_name, port in ports],
    }
    _put(container, "resources", _resources(resources))
    container["securityContext"] = security
    return container


def _policy_container(v: dict, ns: str) -> dict:
    """destination.yaml's `policy` container (command /linkerd-policy-controller)."""
    host = "0.0.0.0" if not _empty(v.get("disableIPv6")) else "[::]"
    args = [
        f"--admin-addr={host}:9990", f"--control-plane-namespace={ns}", f"--grpc-addr={host}:8090",
        f"--server-addr={host}:9443", "--server-tls-key=/var/run/linkerd/tls/tls.key",
        "--server-tls-certs=/var/run/linkerd/tls/tls.crt",
        f"--cluster-networks={_go(v.get('clusterNetworks'))}",
        f"--identity-domain={_trust_domain(v)}",
        f"--cluster-domain={_go(v.get('clusterDomain'))}",
        f"--default-policy={_go(_get(v, 'proxy', 'defaultInboundPolicy'))}",
        f"--log-level={_go(_default(_get(v, 'policyController', 'logLevel'), 'linkerd=info,warn'))}",
        f"--log-format={_go(v.get('controllerLogFormat'))}",
        f"--default-opaque-ports={_go(_get(v, 'proxy', 'opaquePorts'))}",
        f"--global-egress-network-namespace={_go(_get(v, 'egress', 'globalEgressNetworkNamespace'))}",
    ]
    probe_networks = _get(v, "policyController", "probeNetworks")
    if not _empty(probe_networks):
        args.append(f"--probe-networks={','.join(_go(n) for n in probe_networks)}")
    args += [_go(a) for a in _get(v, "policyController", "additionalArgs") or []]
    args += [_go(a) for a in _get(v, "policyController", "experimentalArgs") or []]
    container = _controller_container(v, "policy", args,
                                      [("policy-grpc", 8090), ("policy-admin", 9990), ("policy-https", 9443)],
                                      _get(v, "policyController", "resources"))
    return {"command": ["/linkerd-policy-controller"], **container}


def _trust_domain(v: dict) -> str:
    return _go(_default(v.get("identityTrustDomain"), v.get("clusterDomain")))


def _linkerd_config(r: _Release) -> dict:
    """templates/config.yaml: ConfigMap `linkerd-config`; `data.values` is the YAML dump of every value
    (defaults coalesced with the given ones) minus the `keyPEM`s, `identityTrustDomain` defaulted to
    `clusterDomain`, and `partials`, `configs`, `stage` removed."""
    v = copy.deepcopy(r.values)
    if isinstance(_get(v, "identity", "issuer", "tls"), dict):
        v["identity"]["issuer"]["tls"].pop("keyPEM", None)
    for section in ("profileValidator", "proxyInjector", "policyValidator"):
        if isinstance(v.get(section), dict):
            v[section].pop("keyPEM", None)
    if _empty(v.get("identityTrustDomain")):
        v["identityTrustDomain"] = v.get("clusterDomain")
    for key in ("partials", "configs", "stage"):
        v.pop(key, None)
    dump = yaml.dump(v, Dumper=_YAML_DUMPER, sort_keys=True, default_flow_style=False, allow_unicode=True).strip()
    return _obj("v1", "ConfigMap", "linkerd-config", r.namespace,
                {"linkerd.io/control-plane-component": "controller", "linkerd.io/control-plane-ns": r.namespace,
                 **_common(r.values)}, _created_by(r.values),
                data={"linkerd-crds-chart-version": "linkerd-crds-1.0.0-edge", "values": dump})


def _render_linkerd_control_plane(r: _Release) -> list[dict]:
    v, ns = r.values, r.namespace
    common, created = _common(v), _created_by(v)
    for section in _WEBHOOK_VALUES:
        _validate_webhook(section, v.get(section) or {})
    objects: list[dict] = [_linkerd_config(r)]

    # templates/config-rbac.yaml
    objects.append(_obj("rbac.authorization.k8s.io/v1", "Role", "ext-namespace-metadata-linkerd-config", ns,
                        {"linkerd.io/control-plane-ns": ns, **common}, created,
                        rules=[{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"],
                                "resourceNames": ["linkerd-config"]}]))
    if not _empty(v.get("configReaders")):
        objects.append(_obj("rbac.authorization.k8s.io/v1", "RoleBinding", "linkerd-config-reader", ns,
                            {"app.kubernetes.io/part-of": "Linkerd", "linkerd.io/control-plane-ns": ns, **common},
                            roleRef={"kind": "Role", "name": "ext-namespace-metadata-linkerd-config",
                                     "apiGroup": "rbac.authorization.k8s.io"},
                            subjects=[{"kind": "ServiceAccount", "name": _go(s.get("name")),
                                       "namespace": _go(s.get("namespace"))} for s in v["configReaders"]]))

    # templates/identity-rbac.yaml
    objects += [
        _obj("rbac.authorization.k8s.io/v1", "ClusterRole", f"linkerd-{ns}-identity", None,
             _cp_labels(r, "identity"),
             rules=[{"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
                    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]}]),
        _obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", f"linkerd-{ns}-identity", None,
             _cp_labels(r, "identity"),
             roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": f"linkerd-{ns}-identity"},
             subjects=[{"kind": "ServiceAccount", "name": "linkerd-identity", "namespace": ns}]),
        _service_account(r, "linkerd-identity", _cp_labels(r, "identity")),
    ]

    # templates/identity.yaml (`if .Values.identity`)
    identity = v.get("identity") or {}
    if not _empty(identity):
        issuer = identity.get("issuer") or {}
        if not _empty(issuer) and issuer.get("scheme") == "linkerd.io/tls":
            crt, key = _get(issuer, "tls", "crtPEM"), _get(issuer, "tls", "keyPEM")
            if _empty(crt):
                raise ValueError("Please provide the identity issuer certificate")
            if _empty(key):
                raise ValueError("Please provide the identity issue private key")
            objects.append(_obj("v1", "Secret", "linkerd-identity-issuer", ns, _cp_labels(r, "identity"), created,
                                data={"crt.pem": _b64(_trim(crt)),
                                      "key.pem": _b64(_withheld("identity.issuer.tls.keyPEM", key))}))
        if _empty(identity.get("externalCA")):
            objects.append(_obj("v1", "ConfigMap", "linkerd-identity-trust-roots", ns, _cp_labels(r, "identity"),
                                created, data={"ca-bundle.crt": _trim(v.get("identityTrustAnchorsPEM"))}))
        objects.append(_cp_service(r, "linkerd-identity", "identity", "grpc", 8080, 8080))
        objects.append(_cp_service(r, "linkerd-identity-headless", "identity", "grpc", 8080, 8080, headless=True))
        if not _empty(v.get("enablePodDisruptionBudget")):
            objects.append(_cp_pdb(r, "linkerd-identity", "identity"))
        kube_api = identity.get("kubeAPI") or {}
        args = [
            "identity",
            f"-log-level={_go(v.get('controllerLogLevel'))}",
            f"-log-format={_go(v.get('controllerLogFormat'))}",
            f"-controller-namespace={ns}",
            f"-identity-trust-domain={_trust_domain(v)}",
            f"-identity-issuance-lifetime={_go(_get(issuer, 'issuanceLifetime'))}",
            f"-identity-clock-skew-allowance={_go(_get(issuer, 'clockSkewAllowance'))}",
            f"-identity-scheme={_go(_get(issuer, 'scheme'))}",
            f"-enable-pprof={_go(_default(v.get('enablePprof'), False))}",
            f"-kube-apiclient-qps={_go(kube_api.get('clientQPS'))}",
            f"-kube-apiclient-burst={_go(kube_api.get('clientBurst'))}",
        ]
        objects.append(_cp_deployment(
            r, name="linkerd-identity", component="identity", app_name="identity",
            proxy_component="linkerd-identity", selector_has_proxy_label=True,
            component_pod_annotations=identity.get("podAnnotations"),
            extra_pod_annotations={"config.linkerd.io/default-inbound-policy": "all-unauthenticated"},
            containers=[_controller_container(v, "identity", args, [("ident-grpc", 8080), ("ident-admin", 9990)],
                                              v.get("identityResources"))],
            native_sidecar=False,  # identity.yaml sets proxy.nativeSidecar false
            proxy_last=True,
            proxy_resources_key="identityProxyResources", service_account="linkerd-identity",
            volumes=[{"name": "identity-issuer", "secret": {"secretName": "linkerd-identity-issuer"}},
                     {"configMap": {"name": "linkerd-identity-trust-roots"}, "name": "trust-roots"}]))

    # templates/destination-rbac.yaml
    destination_rbac = _destination_rbac(r)
    objects += destination_rbac

    # templates/destination.yaml
    objects += [
        _cp_service(r, "linkerd-dst", "destination", "grpc", 8086, 8086),
        _cp_service(r, "linkerd-dst-headless", "destination", "grpc", 8086, 8086, headless=True),
        _cp_service(r, "linkerd-sp-validator", "destination", "sp-validator", 443, "sp-validator"),
        _cp_service(r, "linkerd-policy", "destination", "grpc", 8090, 8090, headless=True),
        _cp_service(r, "linkerd-policy-validator", "destination", "policy-https", 443, "policy-https"),
    ]
    if not _empty(v.get("enablePodDisruptionBudget")):
        objects.append(_cp_pdb(r, "linkerd-dst", "destination"))
    destination_args = [
        "destination", "-addr=:8086", f"-controller-namespace={ns}",
        f"-outbound-transport-mode={_go(_get(v, 'proxy', 'outboundTransportMode'))}",
        f"-enable-h2-upgrade={_go(v.get('enableH2Upgrade'))}",
        f"-log-level={_go(v.get('controllerLogLevel'))}",
        f"-log-format={_go(v.get('controllerLogFormat'))}",
        f"-enable-endpoint-slices={_go(v.get('enableEndpointSlices'))}",
        f"-cluster-domain={_go(v.get('clusterDomain'))}",
        f"-identity-trust-domain={_trust_domain(v)}",
        f"-default-opaque-ports={_go(_get(v, 'proxy', 'opaquePorts'))}",
        f"-enable-ipv6={_go(not v.get('disableIPv6'))}",
        f"-enable-pprof={_go(_default(v.get('enablePprof'), False))}",
    ]
    # then the meshed HTTP/2 client parameters as JSON (Go's toJson: keys sorted, compact) and any
    # additional arguments (found missing by `helm template` on the real tier)
    meshed_h2 = _get(v, "destinationController", "meshedHttp2ClientProtobuf")
    if not _empty(meshed_h2):
        destination_args.append(f"--meshed-http2-client-params={json.dumps(meshed_h2, sort_keys=True, separators=(',', ':'))}")
    destination_args += [_go(arg) for arg in _get(v, "destinationController", "additionalArgs") or []]
    native = not _empty(_get(v, "proxy", "nativeSidecar"))
    objects.append(_cp_deployment(
        r, name="linkerd-destination", component="destination", app_name="destination",
        proxy_component="linkerd-destination", selector_has_proxy_label=True,
        component_pod_annotations=_get(v, "destinationController", "podAnnotations"),
        extra_pod_annotations={"checksum/config": _checksum(destination_rbac),
                               "config.linkerd.io/default-inbound-policy": "all-unauthenticated"},
        containers=[
            _controller_container(v, "destination", destination_args, [("dest-grpc", 8086), ("dest-admin", 9996)],
                                  v.get("destinationResources")),
            _controller_container(v, "sp-validator", ["sp-validator", f"-log-level={_go(v.get('controllerLogLevel'))}",
                                                      f"-log-format={_go(v.get('controllerLogFormat'))}",
                                                      f"-enable-pprof={_go(_default(v.get('enablePprof'), False))}"],
                                  [("sp-validator", 8443), ("spval-admin", 9997)], v.get("spValidatorResources")),
            _policy_container(v, ns),
        ],
        native_sidecar=native, proxy_resources_key="destinationProxyResources",
        service_account="linkerd-destination",
        volumes=[{"name": "sp-tls", "secret": {"secretName": "linkerd-sp-validator-k8s-tls"}},
                 {"name": "policy-tls", "secret": {"secretName": "linkerd-policy-validator-k8s-tls"}}]))

    # templates/heartbeat-rbac.yaml, heartbeat.yaml
    if _empty(v.get("disableHeartBeat")):
        objects += _heartbeat(r)

    # templates/proxy-injector-rbac.yaml
    injector_rbac = _proxy_injector_rbac(r)
    objects += injector_rbac

    # templates/proxy-injector.yaml
    injector_args = ["proxy-injector", f"-log-level={_go(v.get('controllerLogLevel'))}",
                     f"-log-format={_go(v.get('controllerLogFormat'))}", f"-linkerd-namespace={ns}",
                     f"-enable-pprof={_go(_default(v.get('enablePprof'), False))}"]
    objects.append(_cp_deployment(
        r, name="linkerd-proxy-injector", component="proxy-injector", app_name="proxy-injector",
        proxy_component="linkerd-proxy-injector", selector_has_proxy_label=False,
        # sic: proxy-injector.yaml merges identity.podAnnotations, not proxyInjector.podAnnotations
        component_pod_annotations=_get(v, "identity", "podAnnotations"),
        extra_pod_annotations={"checksum/config": _checksum(injector_rbac),
                               "config.linkerd.io/opaque-ports": "8443",
                               "config.linkerd.io/default-inbound-policy": "all-unauthenticated"},
        containers=[_controller_container(v, "proxy-injector", injector_args,
                                          [("proxy-injector", 8443), ("injector-admin", 9995)],
                                          v.get("proxyInjectorResources"))],
        native_sidecar=native, proxy_resources_key="proxyInjectorProxyResources",
        service_account="linkerd-proxy-injector",
        volumes=[{"configMap": {"name": "linkerd-config"}, "name": "config"},
                 {"configMap": {"name": "linkerd-identity-trust-roots"}, "name": "trust-roots"},
                 {"name": "tls", "secret": {"secretName": "linkerd-proxy-injector-k8s-tls"}}]))
    objects.append(_cp_service(r, "linkerd-proxy-injector", "proxy-injector", "proxy-injector", 443,
                               "proxy-injector", extra_annotations={"config.linkerd.io/opaque-ports": "443"}))
    if not _empty(v.get("enablePodDisruptionBudget")):
        objects.append(_cp_pdb(r, "linkerd-proxy-injector", "proxy-injector"))

    # templates/podmonitor.yaml
    if not _empty(_get(v, "podMonitor", "enabled")):
        for key, name in (("controller", "linkerd-controller"), ("serviceMirror", "linkerd-multicluster-controller"),
                          ("proxy", "linkerd-proxy")):
            if not _empty(_get(v, "podMonitor", key, "enabled")):
                objects.append(_obj("monitoring.coreos.com/v1", "PodMonitor", name, ns,
                                    {**common, **dict(_get(v, "podMonitor", "labels") or {})}, created,
                                    spec={"podMetricsEndpoints": [{
                                        "interval": _go(_get(v, "podMonitor", "scrapeInterval")),
                                        "scrapeTimeout": _go(_get(v, "podMonitor", "scrapeTimeout"))}]}))

    # templates/psp.yaml (PodSecurityPolicy was removed in Kubernetes 1.25; the chart needs >= 1.31)
    if not _empty(v.get("enablePSP")):
        raise NotImplementedError("chart_render: linkerd-control-plane enablePSP is not modelled")
    return objects


def _service_account(r: _Release, name: str, labels: dict, annotations: Optional[dict] = None) -> dict:
    sa = _obj("v1", "ServiceAccount", name, r.namespace, labels, annotations)
    _put(sa, "imagePullSecrets", r.values.get("imagePullSecrets"))  # partials.image-pull-secrets
    return sa


def _destination_rbac(r: _Release) -> list[dict]:
    """templates/destination-rbac.yaml."""
    v, ns = r.values, r.namespace
    labels = _cp_labels(r, "destination")
    rules = [
        {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["list", "get", "watch"]},
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["list", "get", "watch"]},
        {"apiGroups": [""], "resources": ["pods", "endpoints", "services", "nodes"], "verbs": ["list", "get", "watch"]},
        {"apiGroups": ["linkerd.io"], "resources": ["serviceprofiles"], "verbs": ["list", "get", "watch"]},
        {"apiGroups": ["workload.linkerd.io"], "resources": ["externalworkloads"], "verbs": ["list", "get", "watch"]},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create", "get", "update", "patch"]},
    ]
    if not _empty(v.get("enableEndpointSlices")):
        rules.append({"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"],
                      "verbs": ["list", "get", "watch", "create", "update", "patch", "delete"]})
    policy_resources = ["authorizationpolicies", "httplocalratelimitpolicies", "httproutes", "meshtlsauthentications",
                        "networkauthentications", "servers", "serverauthorizations", "egressnetworks"]
    gateway_routes = ["httproutes", "grpcroutes", "tlsroutes", "tcproutes"]
    part_of = {"app.kubernetes.io/part-of": "Linkerd", **labels}
    objects = [
        _obj("rbac.authorization.k8s.io/v1", "ClusterRole", f"linkerd-{ns}-destination", None, labels, rules=rules),
        _obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", f"linkerd-{ns}-destination", None, labels,
             roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                      "name": f"linkerd-{ns}-destination"},
             subjects=[{"kind": "ServiceAccount", "name": "linkerd-destination", "namespace": ns}]),
        _service_account(r, "linkerd-destination", labels),
    ]
    secret = _webhook_tls_secret(r, "profileValidator", "linkerd-sp-validator-k8s-tls", "destination")
    if secret:
        objects.append(secret)
    pv = v.get("profileValidator") or {}
    objects.append(_obj(
        "admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "linkerd-sp-validator-webhook-config",
        None, labels, _webhook_ca_annotations(pv),
        webhooks=[{
            "name": "linkerd-sp-validator.linkerd.io",
            "namespaceSelector": copy.deepcopy(pv.get("namespaceSelector")),
            "clientConfig": _webhook_client_config(r, "profileValidator", "linkerd-sp-validator"),
            "failurePolicy": _go(v.get("webhookFailurePolicy")),
            "admissionReviewVersions": ["v1", "v1beta1"],
            "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["linkerd.io"],
                       "apiVersions": ["v1alpha1", "v1alpha2"], "resources": ["serviceprofiles"]}],
            "sideEffects": "None",
        }]))
    secret = _webhook_tls_secret(r, "policyValidator", "linkerd-policy-validator-k8s-tls", "destination")
    if secret:
        objects.append(secret)
    pol = v.get("policyValidator") or {}
    objects.append(_obj(
        "admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "linkerd-policy-validator-webhook-config",
        None, labels, _webhook_ca_annotations(pol),
        webhooks=[{
            "name": "linkerd-policy-validator.linkerd.io",
            "namespaceSelector": copy.deepcopy(pol.get("namespaceSelector")),
            "clientConfig": _webhook_client_config(r, "policyValidator", "linkerd-policy-validator"),
            "failurePolicy": _go(v.get("webhookFailurePolicy")),
            "admissionReviewVersions": ["v1", "v1beta1"],
            "rules": [
                # destination-rbac.yaml lists them in another order here than in the ClusterRole
                {"operations": ["CREATE", "UPDATE"], "apiGroups": ["policy.linkerd.io"], "apiVersions": ["*"],
                 "resources": ["authorizationpolicies", "httplocalratelimitpolicies", "httproutes",
                               "networkauthentications", "meshtlsauthentications", "serverauthorizations",
                               "servers", "egressnetworks"]},
                {"operations": ["CREATE", "UPDATE"], "apiGroups": ["gateway.networking.k8s.io"],
                 "apiVersions": ["*"], "resources": list(gateway_routes)},
            ],
            "sideEffects": "None",
        }]))
    objects += [
        _obj("rbac.authorization.k8s.io/v1", "ClusterRole", "linkerd-policy", None, part_of, rules=[
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]},
            {"apiGroups": ["policy.linkerd.io"], "resources": list(policy_resources), "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["gateway.networking.k8s.io"], "resources": list(gateway_routes),
             "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["policy.linkerd.io"], "resources": ["httproutes/status", "httplocalratelimitpolicies/status",
                                                              "egressnetworks/status"], "verbs": ["patch"]},
            {"apiGroups": ["gateway.networking.k8s.io"], "resources": [f"{x}/status" for x in gateway_routes],
             "verbs": ["patch"]},
            {"apiGroups": ["workload.linkerd.io"], "resources": ["externalworkloads"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create", "get", "patch"]},
        ]),
        _obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "linkerd-destination-policy", None, part_of,
             roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "linkerd-policy"},
             subjects=[{"kind": "ServiceAccount", "name": "linkerd-destination", "namespace": ns}]),
        _obj("rbac.authorization.k8s.io/v1", "Role", "remote-discovery", ns, part_of,
             rules=[{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}]),
        _obj("rbac.authorization.k8s.io/v1", "RoleBinding", "linkerd-destination-remote-discovery", ns, part_of,
             roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "remote-discovery"},
             subjects=[{"kind": "ServiceAccount", "name": "linkerd-destination", "namespace": ns}]),
    ]
    return objects


def _proxy_injector_rbac(r: _Release) -> list[dict]:
    """templates/proxy-injector-rbac.yaml."""
    v, ns = r.values, r.namespace
    labels = _cp_labels(r, "proxy-injector")
    pi = v.get("proxyInjector") or {}
    objects = [
        _obj("rbac.authorization.k8s.io/v1", "ClusterRole", f"linkerd-{ns}-proxy-injector", None, labels, rules=[
            {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
            {"apiGroups": [""], "resources": ["namespaces", "replicationcontrollers"], "verbs": ["list", "get", "watch"]},
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch"]},
            {"apiGroups": ["extensions", "apps"], "resources": ["deployments", "replicasets", "daemonsets",
                                                                "statefulsets"], "verbs": ["list", "get", "watch"]},
            {"apiGroups": ["extensions", "batch"], "resources": ["cronjobs", "jobs"], "verbs": ["list", "get", "watch"]},
        ]),
        _obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", f"linkerd-{ns}-proxy-injector", None, labels,
             subjects=[{"kind": "ServiceAccount", "name": "linkerd-proxy-injector", "namespace": ns,
                        "apiGroup": ""}],
             roleRef={"kind": "ClusterRole", "name": f"linkerd-{ns}-proxy-injector",
                      "apiGroup": "rbac.authorization.k8s.io"}),
        _service_account(r, "linkerd-proxy-injector", labels),
    ]
    secret = _webhook_tls_secret(r, "proxyInjector", "linkerd-proxy-injector-k8s-tls", "proxy-injector")
    if secret:
        objects.append(secret)
    objects.append(_obj(
        "admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "linkerd-proxy-injector-webhook-config",
        None, labels, _webhook_ca_annotations(pi),
        webhooks=[{
            "name": "linkerd-proxy-injector.linkerd.io",
            "namespaceSelector": copy.deepcopy(pi.get("namespaceSelector")),
            "objectSelector": copy.deepcopy(pi.get("objectSelector")),
            "clientConfig": _webhook_client_config(r, "proxyInjector", "linkerd-proxy-injector"),
            "failurePolicy": _go(v.get("webhookFailurePolicy")),
            "admissionReviewVersions": ["v1", "v1beta1"],
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"],
                       "resources": ["pods", "services"], "scope": "Namespaced"}],
            "sideEffects": "None",
            "timeoutSeconds": _default(pi.get("timeoutSeconds"), 10),
        }]))
    return objects


def _heartbeat(r: _Release) -> list[dict]:
    """templates/heartbeat-rbac.yaml and heartbeat.yaml (CronJob ABRIDGED; its default schedule is
    computed from `now` at render time, so upstream it changes on every render: here a fixed
    placeholder unless `heartbeatSchedule` is set)."""
    v, ns = r.values, r.namespace
    labels = {"linkerd.io/control-plane-ns": ns, **_common(v)}
    sa_labels = {"linkerd.io/control-plane-component": "heartbeat", **labels}
    schedule = _go(v.get("heartbeatSchedule")) if not _empty(v.get("heartbeatSchedule")) \
        else "<install time + 10m, UTC: generated on every render, not modelled>"
    viz_prometheus = f"http://prometheus.linkerd-viz.svc.{_go(v.get('clusterDomain'))}:9090"
    container: dict[str, Any] = {
        "name": "heartbeat",
        "image": _controller_image(v),
        "imagePullPolicy": _go(v.get("imagePullPolicy")),
        "args": ["heartbeat", f"-controller-namespace={ns}", f"-log-level={_go(v.get('controllerLogLevel'))}",
                 f"-log-format={_go(v.get('controllerLogFormat'))}",
                 f"-prometheus-url={_go(_default(v.get('prometheusUrl'), viz_prometheus))}"],
    }
    _put(container, "resources", _resources(v.get("heartbeatResources")))
    pod_spec: dict[str, Any] = {}
    _put(pod_spec, "priorityClassName", v.get("priorityClassName"))
    _put(pod_spec, "runtimeClassName", v.get("runtimeClassName"))
    _put(pod_spec, "tolerations", v.get("tolerations"))
    pod_spec.update({"nodeSelector": copy.deepcopy(v.get("nodeSelector")), "securityContext":
                     {"seccompProfile": {"type": "RuntimeDefault"}}, "serviceAccountName": "linkerd-heartbeat",
                     "restartPolicy": "Never", "containers": [container]})
    rbac_api = "rbac.authorization.k8s.io/v1"
    return [
        _obj(rbac_api, "Role", "linkerd-heartbeat", ns, labels,
             rules=[{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"],
                     "resourceNames": ["linkerd-config"]}]),
        _obj(rbac_api, "RoleBinding", "linkerd-heartbeat", ns, labels,
             roleRef={"kind": "Role", "name": "linkerd-heartbeat", "apiGroup": "rbac.authorization.k8s.io"},
             subjects=[{"kind": "ServiceAccount", "name": "linkerd-heartbeat", "namespace": ns}]),
        _obj(rbac_api, "ClusterRole", "linkerd-heartbeat", None, labels,
             rules=[{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]},
                    {"apiGroups": ["linkerd.io"], "resources": ["serviceprofiles"], "verbs": ["list"]}]),
        _obj(rbac_api, "ClusterRoleBinding", "linkerd-heartbeat", None, labels,
             roleRef={"kind": "ClusterRole", "name": "linkerd-heartbeat", "apiGroup": "rbac.authorization.k8s.io"},
             subjects=[{"kind": "ServiceAccount", "name": "linkerd-heartbeat", "namespace": ns}]),
        _service_account(r, "linkerd-heartbeat", sa_labels),
        _obj("batch/v1", "CronJob", "linkerd-heartbeat", ns,
             {"app.kubernetes.io/name": "heartbeat", "app.kubernetes.io/part-of": "Linkerd",
              "app.kubernetes.io/version": v.get("linkerdVersion"), **_cp_labels(r, "heartbeat")},
             _created_by(v),
             spec={"concurrencyPolicy": "Replace", "schedule": schedule, "successfulJobsHistoryLimit": 0,
                   "jobTemplate": {"spec": {"template": {
                       "metadata": {"labels": {"linkerd.io/control-plane-component": "heartbeat",
                                               "linkerd.io/workload-ns": ns, **dict(v.get("podLabels") or {})},
                                    "annotations": {**_created_by(v), **dict(v.get("podAnnotations") or {})}},
                       "spec": pod_spec}}}}),
    ]


# ---------------------------------------------------------------------------------------------
# linkerd-multicluster (multicluster/charts/linkerd-multicluster/templates/**)
# ---------------------------------------------------------------------------------------------

# Never rendered through Chart v4:
# - namespace.yaml: only when `.Release.Service == "CLI"` (Helm's is "Helm");
# - namespace-metadata.yaml, namespace-metadata-rbac.yaml: `helm.sh/hook: post-install` objects,
#   which Chart v4 skips (`cmd.DisableHooks = true`).
MULTICLUSTER_NOT_RENDERED = ("namespace.yaml", "namespace-metadata.yaml", "namespace-metadata-rbac.yaml")


def _mc_container_security(uid: Any, gid: Any) -> dict:
    return {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": True,
            "runAsNonRoot": True, "runAsUser": uid, "runAsGroup": gid,
            "seccompProfile": {"type": "RuntimeDefault"}}


def _render_linkerd_multicluster(r: _Release) -> list[dict]:
    v, ns = r.values, r.namespace
    common, created = _common(v), _created_by(v)
    ext = {"linkerd.io/extension": "multicluster"}
    rbac_api = "rbac.authorization.k8s.io/v1"
    objects: list[dict] = []

    # link-crd.yaml (schemas abridged)
    objects.append(_obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "links.multicluster.linkerd.io", None,
                        {**ext, **common}, created,
                        spec={"group": "multicluster.linkerd.io",
                              "versions": _crd_versions((("v1alpha1", True, False, False), ("v1alpha2", True, False, True),
                                                         ("v1alpha3", True, True, True))),
                              "scope": "Namespaced",
                              "names": {"plural": "links", "singular": "link", "kind": "Link"}}))

    # gateway.yaml, gateway-policy.yaml
    gw = v.get("gateway") or {}
    if not _empty(gw.get("enabled")):
        objects += _mc_gateway(r, gw)

    # remote-access-service-mirror-rbac.yaml
    if not _empty(v.get("remoteMirrorServiceAccount")):
        names = v.get("remoteMirrorServiceAccountName")
        if not isinstance(names, list):
            names = _go(names).split(",")  # splitList "," (no trimming)
        for name in names:
            name = _go(name)
            labels = {**ext, **common}
            objects += [
                _obj(rbac_api, "ClusterRole", name, None, labels, created, rules=[
                    {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["list", "get", "watch"]},
                    {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["list", "get", "watch"]},
                    {"apiGroups": [""], "resources": ["pods", "endpoints", "services"], "verbs": ["list", "get", "watch"]},
                    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "get", "watch"]},
                    {"apiGroups": ["policy.linkerd.io"], "resources": ["servers"], "verbs": ["list", "get", "watch"]},
                    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": ["linkerd-config"]},
                    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
                ]),
                _service_account(r, name, labels, created),
                _obj("v1", "Secret", f"{name}-token", ns, labels,
                     {"kubernetes.io/service-account.name": name, **created},
                     type="kubernetes.io/service-account-token"),
                _obj(rbac_api, "ClusterRoleBinding", name, None, labels, created,
                     roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                     subjects=[{"kind": "ServiceAccount", "name": name, "namespace": ns}]),
            ]

    # service-mirror-policy.yaml: Server + AuthorizationPolicy pairs, for viz's Prometheus only
    prometheus = [{"kind": "ServiceAccount", "name": "prometheus", "namespace": "linkerd-viz"}]
    policies: tuple = (
        ("linkerd-admin", None, "linkerd-admin", {"matchLabels": {**ext}}),
        ("service-mirror", "linkerd-service-mirror", "svcmi-admin",
         {"matchLabels": {**ext, "component": "linkerd-service-mirror"}}),
        ("controller", "controller", "ctrl-admin", {"matchLabels": {**ext, "component": "controller"}}),
        ("local-service-mirror", "local-service-mirror", "locsm-admin",
         {"matchLabels": {**ext, "component": "local-service-mirror"}}),
    )
    if edge_shape(r.version) == EDGE_26_1_1:
        policies = (("service-mirror", "linkerd-service-mirror", "svcmi-admin", {"matchExpressions": [
            {"key": "component", "operator": "In", "values": ["linkerd-service-mirror", "controller"]}]}),)
    for name, component, port, selector in policies:
        labels = {**ext, **({"component": component} if component else {}), **common}
        objects += [
            _obj("policy.linkerd.io/v1beta3", "Server", name, ns, labels,
                 spec={"podSelector": selector, "port": port, "proxyProtocol": "HTTP/1"}),
            _obj("policy.linkerd.io/v1alpha1", "AuthorizationPolicy", name, ns, labels,
                 spec={"targetRef": {"group": "policy.linkerd.io", "kind": "Server", "name": name},
                       "requiredAuthenticationRefs": copy.deepcopy(prometheus)}),
        ]

    # local-service-mirror.yaml
    objects += _mc_local_service_mirror(r)

    # controller-clusterrole.yaml
    rules = [{"apiGroups": [""], "resources": ["endpoints", "services"],
              "verbs": ["list", "get", "watch", "create", "delete", "update"]},
             {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list", "get", "watch"]}]
    if not _empty(v.get("enableNamespaceCreation")):
        rules.append({"apiGroups": [""], "resources": ["namespaces"], "verbs": ["create"]})
    objects.append(_obj(rbac_api, "ClusterRole", "linkerd-multicluster-controller-access-local-resources", None,
                        {**ext, "component": "controller", **common}, rules=rules))

    # controller/*.yaml, per controllers[] entry
    for entry in v.get("controllers") or []:
        objects += _mc_controller(r, entry)

    # psp.yaml
    if not _empty(v.get("enablePSP")):
        objects += [
            _obj(rbac_api, "Role", "psp", ns, {**ext, **common},
                 rules=[{"apiGroups": ["policy", "extensions"], "resources": ["podsecuritypolicies"],
                         "verbs": ["use"], "resourceNames": [f"linkerd-{_go(v.get('linkerdNamespace'))}-control-plane"]}]),
            _obj(rbac_api, "RoleBinding", "linkerd-multicluster-psp", ns, {**ext, "namespace": ns, **common},
                 roleRef={"kind": "Role", "name": "psp", "apiGroup": "rbac.authorization.k8s.io"},
                 subjects=[{"kind": "ServiceAccount", "name": _go(gw.get("name")), "namespace": ns},
                           {"kind": "ServiceAccount", "name": "namespace-metadata", "namespace": ns}]),
        ]
    return objects


def _mc_gateway(r: _Release, gw: dict) -> list[dict]:
    """gateway.yaml (Deployment, optional PDB, Service, ServiceAccount) and gateway-policy.yaml."""
    v, ns = r.values, r.namespace
    common, created = _common(v), _created_by(v)
    ext = {"linkerd.io/extension": "multicluster"}
    name = _go(gw.get("name"))
    pod_spec: dict[str, Any] = {}
    _put(pod_spec, "affinity", _affinity(v.get("enablePodAntiAffinity"), v.get("nodeAffinity"), name, label="app"))
    _put(pod_spec, "terminationGracePeriodSeconds", gw.get("terminationGracePeriodSeconds"))
    pod_spec["automountServiceAccountToken"] = False
    pod_spec["containers"] = [{"name": "pause", "image": _go(gw.get("pauseImage")),
                               "securityContext": _mc_container_security(gw.get("UID"), gw.get("GID"))}]
    pod_spec["securityContext"] = {"seccompProfile": {"type": "RuntimeDefault"}}
    pod_spec["serviceAccountName"] = name
    _put(pod_spec, "nodeSelector", gw.get("nodeSelector"))
    _put(pod_spec, "tolerations", gw.get("tolerations"))
    spec: dict[str, Any] = {"replicas": gw.get("replicas"), "revisionHistoryLimit": v.get("revisionHistoryLimit"),
                            "selector": {"matchLabels": {"app": name}}}
    if not _empty(v.get("enablePodAntiAffinity")):
        spec["strategy"] = {"rollingUpdate": {"maxUnavailable": 1}}
    pod_annotations = {
        **created,
        "linkerd.io/inject": "enabled",
        "config.linkerd.io/proxy-require-identity-inbound-ports": _go(gw.get("port")),
        "config.linkerd.io/enable-gateway": "true",
        "config.linkerd.io/default-inbound-policy": "all-authenticated",
        "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
        **dict(gw.get("deploymentAnnotations") or {}),
    }
    spec["template"] = {
        "metadata": {"annotations": {k: _go(x) for k, x in pod_annotations.items()},
                     "labels": {"app": name, **ext, **{k: _go(x) for k, x in (v.get("podLabels") or {}).items()}}},
        "spec": pod_spec,
    }
    objects = [_obj("apps/v1", "Deployment", name, ns,
                    {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/part-of": "Linkerd",
                     "app.kubernetes.io/version": v.get("linkerdVersion"), "component": "gateway", "app": name,
                     **ext, **common}, created, spec=spec)]
    if not _empty(v.get("enablePodAntiAffinity")):
        objects.append(_obj("policy/v1", "PodDisruptionBudget", name, ns, {"app": name, **ext, **common}, created,
                            spec={"maxUnavailable": 1, "selector": {"matchLabels": {"app": name}}}))
    # The Service as the mocks put it in the emulated cluster (one shape for both).
    service = chart_emulation.gateway_service(r.given)
    if service is not None:
        service["metadata"]["annotations"].update(created)
        objects.append(service)
    objects.append(_service_account(r, name, {**ext, **common}))
    policy_labels = {**ext, "app": name, **common}
    objects += [
        _obj("policy.linkerd.io/v1beta3", "Server", "linkerd-gateway", ns, policy_labels, created,
             spec={"podSelector": {"matchLabels": {"app": name}}, "port": "linkerd-proxy"}),
        _obj("policy.linkerd.io/v1alpha1", "AuthorizationPolicy", "linkerd-gateway", ns, policy_labels, created,
             spec={"targetRef": {"group": "policy.linkerd.io", "kind": "Server", "name": "linkerd-gateway"},
                   "requiredAuthenticationRefs": [
                       {"group": "policy.linkerd.io", "kind": "MeshTLSAuthentication", "name": "any-meshed",
                        "namespace": ns},
                       {"group": "policy.linkerd.io", "kind": "NetworkAuthentication", "name": "source-cluster",
                        "namespace": ns}]}),
        _obj("policy.linkerd.io/v1alpha1", "MeshTLSAuthentication", "any-meshed", ns, policy_labels, created,
             spec={"identities": ["*"]}),
        _obj("policy.linkerd.io/v1alpha1", "NetworkAuthentication", "source-cluster", ns, policy_labels, created,
             spec={"networks": [{"cidr": "0.0.0.0/0"}, {"cidr": "::/0"}]}),
    ]
    return objects


def _mc_local_service_mirror(r: _Release) -> list[dict]:
    """local-service-mirror.yaml."""
    v, ns = r.values, r.namespace
    common, lsm = _common(v), v.get("localServiceMirror") or {}
    labels = {"linkerd.io/extension": "multicluster", "component": "local-service-mirror", **common}
    rbac_api = "rbac.authorization.k8s.io/v1"
    name = "linkerd-local-service-mirror-access-local-resources"
    container: dict[str, Any] = {
        "args": ["service-mirror", f"-log-level={_go(lsm.get('logLevel'))}", f"-log-format={_go(lsm.get('logFormat'))}",
                 f"-event-requeue-limit={_go(lsm.get('serviceMirrorRetryLimit'))}", f"-namespace={ns}",
                 f"-enable-pprof={_go(_default(lsm.get('enablePprof'), False))}", "-local-mirror",
                 f"-federated-service-selector={_go(lsm.get('federatedServiceSelector'))}",
                 f"-excluded-labels={_go(lsm.get('excludedLabels'))}",
                 f"-excluded-annotations={_go(lsm.get('excludedAnnotations'))}"],
        "image": f"{_go(_get(lsm, 'image', 'name'))}:{_go(_get(lsm, 'image', 'version'))}",
        "name": "service-mirror",
        "securityContext": _mc_container_security(lsm.get("UID"), lsm.get("GID")),
        "ports": [{"containerPort": 9999, "name": "locsm-admin"}],
    }
    env = list(lsm.get("additionalEnv") or []) + list(lsm.get("experimentalEnv") or [])
    _put(container, "env", env)
    _put(container, "resources", lsm.get("resources"))
    pod_spec: dict[str, Any] = {}
    if not _empty(v.get("enablePodAntiAffinity")):
        _put(pod_spec, "affinity", _affinity(True, v.get("nodeAffinity"), "local-service-mirror", label="component"))
    pod_spec.update({"automountServiceAccountToken": False, "containers": [container],
                     "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                     "serviceAccountName": "linkerd-local-service-mirror"})
    _put(pod_spec, "nodeSelector", v.get("nodeSelector"))
    _put(pod_spec, "tolerations", v.get("tolerations"))
    spec: dict[str, Any] = {"replicas": lsm.get("replicas"), "revisionHistoryLimit": v.get("revisionHistoryLimit"),
                            "selector": {"matchLabels": {"component": "local-service-mirror"}}}
    if not _empty(v.get("enablePodAntiAffinity")):
        spec["strategy"] = {"rollingUpdate": {"maxUnavailable": 1}}
    spec["template"] = {"metadata": {
        "annotations": {"linkerd.io/inject": "enabled", "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
                        "config.alpha.linkerd.io/proxy-wait-before-exit-seconds": "0",
                        **{k: _go(x) for k, x in (v.get("podAnnotations") or {}).items()}},
        "labels": {"linkerd.io/extension": "multicluster", "component": "local-service-mirror",
                   **{k: _go(x) for k, x in (v.get("podLabels") or {}).items()}}}, "spec": pod_spec}
    objects = [
        _obj(rbac_api, "ClusterRole", name, None, labels, rules=[
            {"apiGroups": [""], "resources": ["endpoints", "services"],
             "verbs": ["list", "get", "watch", "create", "delete", "update"]},
            {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list", "get", "watch"]},
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create", "get", "update", "patch"]},
            {"apiGroups": ["multicluster.linkerd.io"], "resources": ["links"], "verbs": ["list", "get", "watch"]},
            {"apiGroups": ["multicluster.linkerd.io"], "resources": ["links/status"], "verbs": ["update"]},
        ]),
        _obj(rbac_api, "ClusterRoleBinding", name, None, labels,
             roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
             subjects=[{"kind": "ServiceAccount", "name": "linkerd-local-service-mirror", "namespace": ns}]),
        _service_account(r, "linkerd-local-service-mirror", labels),
        _obj("apps/v1", "Deployment", "linkerd-local-service-mirror", ns, labels, spec=spec),
    ]
    if not _empty(v.get("enablePodAntiAffinity")):
        objects.append(_obj("policy/v1", "PodDisruptionBudget", "linkerd-local-service-mirror", ns,
                            {"component": "local-service-mirror"}, _created_by(v),
                            spec={"maxUnavailable": 1, "selector": {"matchLabels": {"component": "local-service-mirror"}}}))
    return objects


def _mc_controller(r: _Release, entry: Any) -> list[dict]:
    """controller/rbac.yaml, deployment.yaml, probe-svc.yaml, pdb.yaml for one `controllers[]` entry."""
    v, ns = r.values, r.namespace
    common, defaults = _common(v), v.get("controllerDefaults") or {}
    link = _dig(entry, "link", "ref", "name", None)
    if _empty(link):
        raise ValueError("the value link.ref.name is required")  # controller/rbac.yaml `fail`
    link = _go(link)
    labels = {"linkerd.io/extension": "multicluster", "component": "controller",
              "mirror.linkerd.io/cluster-name": link, **common}
    rbac_api = "rbac.authorization.k8s.io/v1"
    objects = [
        _service_account(r, f"controller-{link}", labels),
        _obj(rbac_api, "ClusterRoleBinding", f"linkerd-multicluster-controller-access-local-resources-{link}", None,
             labels,
             roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                      "name": "linkerd-multicluster-controller-access-local-resources"},
             subjects=[{"kind": "ServiceAccount", "name": f"controller-{link}", "namespace": ns}]),
        _obj(rbac_api, "Role", f"controller-read-remote-creds-{link}", ns, labels, rules=[
            {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [f"cluster-credentials-{link}"],
             "verbs": ["list", "get", "watch"]},
            {"apiGroups": ["multicluster.linkerd.io"], "resources": ["links"], "verbs": ["list", "get", "watch"]},
            {"apiGroups": ["multicluster.linkerd.io"], "resources": ["links/status"], "verbs": ["update", "patch"]},
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create", "get", "update", "patch"]},
        ]),
        _obj(rbac_api, "RoleBinding", f"controller-read-remote-creds-{link}", ns, labels,
             roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                      "name": f"controller-read-remote-creds-{link}"},
             subjects=[{"kind": "ServiceAccount", "name": f"controller-{link}", "namespace": ns}]),
    ]

    # controller/deployment.yaml
    anti_affinity = _dig(entry, "enablePodAntiAffinity", defaults.get("enablePodAntiAffinity"))
    args = ["service-mirror",
            f"-log-level={_go(_dig(entry, 'logLevel', defaults.get('logLevel')))}",
            f"-log-format={_go(_dig(entry, 'logFormat', defaults.get('logFormat')))}",
            f"-event-requeue-limit={_go(_dig(entry, 'retryLimit', defaults.get('retryLimit')))}",
            f"-namespace={ns}"]
    if not _empty(_dig(entry, "enableHeadlessServices", defaults.get("enableHeadlessServices"))):
        args.append("-enable-headless-services")
    if not _empty(v.get("enableNamespaceCreation")):
        args.append("-enable-namespace-creation")
    args += [f"-enable-pprof={_go(_dig(entry, 'enablePprof', defaults.get('enablePprof')))}",
             f"-probe-service=probe-{link}", link]
    container: dict[str, Any] = {"args": args}
    _put(container, "env", list(v.get("serviceMirrorAdditionalEnv") or []) +
         list(v.get("serviceMirrorExperimentalEnv") or []))
    container.update({
        "image": f"{_go(_dig(entry, 'image', 'name', _get(defaults, 'image', 'name')))}:"
                 f"{_go(_dig(entry, 'image', 'version', _get(defaults, 'image', 'version')))}",
        "name": "controller",
        "securityContext": _mc_container_security(_dig(entry, "UID", defaults.get("UID")),
                                                  _dig(entry, "GID", defaults.get("GID"))),
        "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access",
                          "readOnly": True}],
        "ports": [{"containerPort": 9999, "name": "ctrl-admin"}],
    })
    _put(container, "resources", _dig(entry, "resources", defaults.get("resources")))
    pod_spec: dict[str, Any] = {}
    _put(pod_spec, "affinity", _affinity(anti_affinity, _dig(entry, "nodeAffinity", defaults.get("nodeAffinity")),
                                         link, label="mirror.linkerd.io/cluster-name"))
    pod_spec.update({"automountServiceAccountToken": False, "containers": [container],
                     "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                     "serviceAccountName": f"controller-{link}"})
    _put(pod_spec, "nodeSelector", _dig(entry, "nodeSelector", defaults.get("nodeSelector")))
    _put(pod_spec, "tolerations", _dig(entry, "tolerations", defaults.get("tolerations")))
    selector = {"component": "controller", "mirror.linkerd.io/cluster-name": link}
    spec: dict[str, Any] = {"replicas": _dig(entry, "replicas", defaults.get("replicas")),
                            "revisionHistoryLimit": v.get("revisionHistoryLimit"),
                            "selector": {"matchLabels": dict(selector)}}
    if not _empty(anti_affinity):
        spec["strategy"] = {"rollingUpdate": {"maxUnavailable": 1}}
    spec["template"] = {"metadata": {
        "annotations": {"linkerd.io/inject": "enabled", "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
                        "config.alpha.linkerd.io/proxy-wait-before-exit-seconds": "0",
                        **{k: _go(x) for k, x in (v.get("podAnnotations") or {}).items()}},
        "labels": {"linkerd.io/extension": "multicluster", **selector,
                   **{k: _go(x) for k, x in (v.get("podLabels") or {}).items()}}}, "spec": pod_spec}
    # partials.volumes.manual-mount-service-account-token (ABRIDGED; it does not depend on values)
    pod_spec["volumes"] = [{"name": "kube-api-access", "projected": {"sources": [
        {"serviceAccountToken": {"path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}}]}},
    ]}}]
    objects.append(_obj("apps/v1", "Deployment", f"controller-{link}", ns, labels, spec=spec))

    # controller/probe-svc.yaml
    if not _empty(_dig(entry, "gateway", "enabled", _get(defaults, "gateway", "enabled"))):
        objects.append(_obj("v1", "Service", f"probe-{link}", ns,
                            {"linkerd.io/extension": "multicluster", "mirror.linkerd.io/mirrored-gateway": "true",
                             "mirror.linkerd.io/cluster-name": link, **common}, _created_by(v),
                            spec={"ports": [{"name": "mc-probe", "protocol": "TCP",
                                             "port": _dig(entry, "gateway", "probe", "port",
                                                          _get(defaults, "gateway", "probe", "port"))}]}))

    # controller/pdb.yaml: note the default is the top-level enablePodAntiAffinity, not controllerDefaults'
    if not _empty(_dig(entry, "enablePodAntiAffinity", v.get("enablePodAntiAffinity"))):
        objects.append(_obj("policy/v1", "PodDisruptionBudget", f"controller-{link}", ns, {"component": "controller"},
                            _created_by(v),
                            spec={"maxUnavailable": 1, "selector": {"matchLabels": dict(selector)}}))
    return objects


# ---------------------------------------------------------------------------------------------
# emissary-crds-chart (charts/emissary-crds/templates/*.yaml @ v4.1.0)
# ---------------------------------------------------------------------------------------------

# (plural, Kind, has v1 with enableV1, status subresource)
_EMISSARY_CRDS: tuple = (
    ("authservices", "AuthService", True, False),
    ("consulresolvers", "ConsulResolver", True, False),
    ("devportals", "DevPortal", True, False),
    ("hosts", "Host", False, True),
    ("kubernetesendpointresolvers", "KubernetesEndpointResolver", True, False),
    ("kubernetesserviceresolvers", "KubernetesServiceResolver", True, False),
    ("listeners", "Listener", False, False),  # v3alpha1 only, never a conversion webhook
    ("logservices", "LogService", True, False),
    ("mappings", "Mapping", True, True),
    ("modules", "Module", True, False),
    ("ratelimitservices", "RateLimitService", True, False),
    ("tcpmappings", "TCPMapping", True, False),
    ("tlscontexts", "TLSContext", True, False),
    ("tracingservices", "TracingService", True, False),
)


def _render_emissary_crds(r: _Release) -> list[dict]:
    v = r.values
    if not _empty(v.get("enableLegacyVersions")):
        raise NotImplementedError("chart_render: emissary-crds-chart enableLegacyVersions (v2 CRDs, the "
                                  "emissary-apiext conversion webhook) is not modelled")
    labels = {"app.kubernetes.io/part-of": "emissary-ingress",
              "emissary-ingress.dev/control-plane-ns": r.namespace, "helm.sh/chart": r.chart_label}
    objects = []
    for plural, kind, _, status in _EMISSARY_CRDS:
        version: dict[str, Any] = {"name": "v3alpha1", "served": True, "storage": True}
        if status:
            version["subresources"] = {"status": {}}
        elif kind == "Listener":
            version["subresources"] = {}
        objects.append(_obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", f"{plural}.getambassador.io", None,
                            labels, {"controller-gen.kubebuilder.io/version": "v0.13.0"},
                            spec={"group": "getambassador.io",
                                  "names": {"categories": ["ambassador-crds"], "kind": kind, "listKind": f"{kind}List",
                                            "plural": plural, "singular": kind.lower()},
                                  "preserveUnknownFields": False, "scope": "Namespaced", "versions": [version]}))
    return objects


# ---------------------------------------------------------------------------------------------
# emissary-ingress (charts/emissary-ingress/templates/*.yaml @ v4.1.0)
# ---------------------------------------------------------------------------------------------

_EMISSARY_UNMODELLED = (
    ("barePod",), ("daemonSet",), ("canary", "enabled"), ("autoscaling", "enabled"), ("waitForApiext", "enabled"),
    ("prometheusExporter", "enabled"), ("security", "podSecurityPolicy"), ("ambassadorConfig",),
    ("scope", "singleNamespace"), ("podDisruptionBudget",), ("metrics", "serviceMonitor", "enabled"),
    ("resolvers", "endpoint", "create"), ("resolvers", "consul", "create"), ("service", "selector"),
    ("namespaceOverride",), ("deploymentNameOverride",), ("service", "nameOverride"), ("nameOverride",),
)


def _render_emissary_ingress(r: _Release) -> list[dict]:
    v, ns, release = r.values, r.namespace, r.release_name
    for path in _EMISSARY_UNMODELLED:
        if not _empty(_get(v, *path)):
            raise NotImplementedError(f"chart_render: emissary-ingress value {'.'.join(path)} is not modelled")
    name_override = _go(v.get("nameOverride")) or None
    full = emissary_upstream.fullname(release, _go(v.get("fullnameOverride")) or None, name_override)
    app_name = emissary_upstream.chart_name(release, name_override)
    tool = _go(_default(v.get("deploymentTool"), "Helm"))  # `.Values.deploymentTool | default .Release.Service`
    base = {"app.kubernetes.io/name": app_name}
    if tool == "Helm":
        base["helm.sh/chart"] = r.chart_label
    base.update({"app.kubernetes.io/instance": release, "app.kubernetes.io/part-of": release,
                 "app.kubernetes.io/managed-by": tool})
    selector = {"app.kubernetes.io/name": app_name, "app.kubernetes.io/instance": release}
    sa_name = emissary_upstream.service_account_name(
        release, _go(v.get("fullnameOverride")) or None, create=not _empty(_get(v, "serviceAccount", "create")),
        name=_go(_get(v, "serviceAccount", "name")) or None, name_override=name_override)
    objects: list[dict] = []

    # deployment.yaml
    env_map = v.get("env") or {}
    container_ports = []
    for p in _get(v, "service", "ports") or []:
        port: dict[str, Any] = {"name": _go(p.get("name")), "containerPort": _go_int(p.get("targetPort"))}
        _put(port, "protocol", p.get("protocol"))
        _put(port, "hostPort", p.get("hostPort"))
        container_ports.append(port)
    container_ports.append({"name": "admin", "containerPort": _get(v, "adminService", "port")})
    env = [{"name": "HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
           {"name": "AMBASSADOR_NAMESPACE", **({"value": _go(_get(v, "namespace", "name"))}
                                               if not _empty(_get(v, "namespace", "name"))
                                               else {"valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}})}]
    env += [{"name": str(k).upper(), "value": _go(val)} for k, val in sorted(env_map.items())]
    # `ambassador.image`: fullImageOverride, else repository (default defaultImageRepository) and tag
    # (default .Chart.AppVersion, which equals the chart version: tools/src/build-chart).
    repository = _default(_get(v, "image", "repository"), emissary_upstream.EMISSARY_IMAGE.rsplit(":", 1)[0])
    image = _go(_get(v, "image", "fullImageOverride")) or \
        f"{_go(repository)}:{_go(_default(_get(v, 'image', 'tag'), r.version))}"
    container: dict[str, Any] = {
        "name": _go(_default(v.get("containerNameOverride"), emissary_upstream.CONTAINER_NAME)),
        "image": image,
        "imagePullPolicy": _go(_get(v, "image", "pullPolicy")),
        "ports": container_ports,
        "env": env,
    }
    _put(container, "securityContext", _get(v, "security", "containerSecurityContext"))
    container["livenessProbe"] = {"httpGet": {"path": emissary_upstream.LIVENESS_PATH, "port": "admin"},
                                  **dict(v.get("livenessProbe") or {})}
    container["readinessProbe"] = {"httpGet": {"path": emissary_upstream.READINESS_PATH, "port": "admin"},
                                   **dict(v.get("readinessProbe") or {})}
    if not _empty(v.get("startupProbe")):
        container["startupProbe"] = {"httpGet": {"path": emissary_upstream.READINESS_PATH, "port": "admin"},
                                     **dict(v.get("startupProbe") or {})}
    container["volumeMounts"] = [{"name": "ambassador-pod-info", "mountPath": "/tmp/ambassador-pod-info",
                                  "readOnly": True}] + list(v.get("volumeMounts") or [])
    container["resources"] = copy.deepcopy(v.get("resources"))
    pod_spec: dict[str, Any] = {}
    _put(pod_spec, "terminationGracePeriodSeconds", v.get("terminationGracePeriodSeconds"))
    _put(pod_spec, "securityContext", v.get("securityContext") or _get(v, "security", "podSecurityContext"))
    _put(pod_spec, "restartPolicy", v.get("restartPolicy"))
    pod_spec["serviceAccountName"] = sa_name
    _put(pod_spec, "priorityClassName", v.get("priorityClassName"))
    pod_spec["volumes"] = [{"name": "ambassador-pod-info", "downwardAPI": {"items": [
        {"fieldRef": {"fieldPath": "metadata.labels"}, "path": "labels"}]}}] + list(v.get("volumes") or [])
    _put(pod_spec, "initContainers", v.get("initContainers"))
    pod_spec["containers"] = [container] + list(v.get("sidecarContainers") or [])
    _put(pod_spec, "nodeSelector", v.get("nodeSelector"))
    _put(pod_spec, "affinity", v.get("affinity"))
    _put(pod_spec, "tolerations", v.get("tolerations"))
    _put(pod_spec, "topologySpreadConstraints", v.get("topologySpreadConstraints"))
    pod_spec["imagePullSecrets"] = copy.deepcopy(v.get("imagePullSecrets") or [])
    pod_spec["dnsPolicy"] = _go(v.get("dnsPolicy"))
    pod_spec["hostNetwork"] = bool(v.get("hostNetwork"))
    pod_annotations: dict[str, Any] = {}
    if tool != "getambassador.io":
        # sha256 of templates/config.yaml, which renders nothing unless ambassadorConfig (not modelled)
        pod_annotations["checksum/config"] = _sha256("")
    pod_annotations.update({k: _go(x) for k, x in (v.get("podAnnotations") or {}).items()})
    spec: dict[str, Any] = {"replicas": v.get("replicaCount"), "selector": {"matchLabels": dict(selector)},
                            "strategy": copy.deepcopy(v.get("deploymentStrategy"))}
    if not _empty(v.get("progressDeadlines")) and "ambassador" in v["progressDeadlines"]:
        spec["progressDeadlineSeconds"] = v["progressDeadlines"]["ambassador"]
    spec["template"] = {"metadata": {
        "labels": {**base, "product": "aes", "profile": "main",
                   **{k: _go(x) for k, x in (v.get("podLabels") or {}).items()}},
        "annotations": pod_annotations}, "spec": pod_spec}
    objects.append(_obj("apps/v1", "Deployment", full, ns,
                        {**base, "product": "aes", **dict(v.get("deploymentLabels") or {})},
                        dict(v.get("deploymentAnnotations") or {}), spec=spec))

    # service.yaml: the Service as the mocks put it in the emulated cluster (one shape for both)
    objects.append(chart_emulation.emissary_service(r.given, ns, release))

    # admin-service.yaml
    if not _empty(_get(v, "adminService", "create")):
        admin_port: dict[str, Any] = {"port": _get(v, "adminService", "port"), "targetPort": "admin",
                                      "protocol": "TCP", "name": "ambassador-admin"}
        if _get(v, "adminService", "type") == "NodePort" and not _empty(_get(v, "adminService", "nodePort")):
            admin_port["nodePort"] = _go_int(_get(v, "adminService", "nodePort"))
        objects.append(_obj("v1", "Service", f"{full}-admin", ns,
                            {**base, "service": "ambassador-admin", "product": "aes"},
                            dict(_get(v, "adminService", "annotations") or {}),
                            spec={"type": _go(_get(v, "adminService", "type")),
                                  "ports": [admin_port, {"port": _get(v, "adminService", "snapshotPort"),
                                                         "targetPort": 8005, "protocol": "TCP",
                                                         "name": "ambassador-snapshot"}],
                                  # no `profile: main` here (unlike service.yaml's selector)
                                  "selector": dict(selector)}))

    # serviceaccount.yaml
    if not _empty(_get(v, "serviceAccount", "create")):
        objects.append(_obj("v1", "ServiceAccount", sa_name, ns, {**base, "product": "aes"}))

    # rbac.yaml (cluster-wide scope)
    if not _empty(_get(v, "rbac", "create")):
        rbac_name = _go(_default(_get(v, "rbac", "nameOverride"), full))
        rbac_api = "rbac.authorization.k8s.io/v1"
        labels = {**base, "product": "aes"}
        group = {"rbac.getambassador.io/role-group": rbac_name}
        objects += [
            _obj(rbac_api, "ClusterRole", rbac_name, None, labels,
                 aggregationRule={"clusterRoleSelectors": [{"matchLabels": dict(group)}]}, rules=[]),
            _obj(rbac_api, "ClusterRoleBinding", rbac_name, None, labels,
                 roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": rbac_name},
                 subjects=[{"name": sa_name, "namespace": ns, "kind": "ServiceAccount"}]),
            _obj(rbac_api, "ClusterRole", f"{rbac_name}-crd", None, {**labels, **group},
                 rules=[{"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"],
                         "verbs": ["get", "list", "watch", "delete"]}]),
            _obj(rbac_api, "ClusterRole", f"{rbac_name}-watch", None, {**labels, **group}, rules=[
                {"apiGroups": [""], "resources": ["namespaces", "services", "secrets", "configmaps", "endpoints"],
                 "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["getambassador.io", "gateway.getambassador.io"], "resources": ["*"],
                 "verbs": ["get", "list", "watch", "update", "patch", "create", "delete"]},
                {"apiGroups": ["getambassador.io"], "resources": ["mappings/status"], "verbs": ["update"]},
                {"apiGroups": ["networking.internal.knative.dev"], "resources": ["clusteringresses", "ingresses"],
                 "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["networking.x-k8s.io"], "resources": ["*"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["networking.internal.knative.dev"],
                 "resources": ["ingresses/status", "clusteringresses/status"], "verbs": ["update"]},
                {"apiGroups": ["extensions", "networking.k8s.io"], "resources": ["ingresses", "ingressclasses"],
                 "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["extensions", "networking.k8s.io"], "resources": ["ingresses/status"],
                 "verbs": ["update"]},
            ]),
        ]

    ambassador_id = ({"ambassador_id": [_go(env_map["AMBASSADOR_ID"])]} if "AMBASSADOR_ID" in env_map else {})

    # module.yaml: spec.config is the whole `module` value (enabled included)
    if not _empty(_get(v, "module", "enabled")):
        objects.append(_obj("getambassador.io/v3alpha1", "Module", emissary_upstream.MODULE_NAME, ns,
                            {**base, "app.kubernetes.io/component": app_name, "product": "aes"},
                            spec={**ambassador_id, "config": copy.deepcopy(v.get("module"))}))

    # controller-ingressclass.yaml (a cluster that serves networking.k8s.io/v1 IngressClass)
    if not _empty(_get(v, "ingressClassResource", "enabled")):
        annotations = {}
        if "AMBASSADOR_ID" in env_map:
            annotations["getambassador.io/ambassador-id"] = _go(env_map["AMBASSADOR_ID"])
        if not _empty(_get(v, "ingressClassResource", "default")):
            annotations["ingressclass.kubernetes.io/is-default-class"] = "true"
        ingress_class = _obj("networking.k8s.io/v1", "IngressClass", _go(_get(v, "ingressClassResource", "name")),
                             None, None, annotations,
                             spec={"controller": _go(_get(v, "ingressClassResource", "controllerValue"))})
        objects.append(ingress_class)

    # listener.yaml
    if not _empty(v.get("createDefaultListeners")):
        https_name, http_name = emissary_upstream.default_listener_names(release, _go(v.get("fullnameOverride")) or None)
        for name, port, protocol in ((https_name, 8443, "HTTPS"), (http_name, 8080, "HTTP")):
            objects.append(_obj("getambassador.io/v3alpha1", "Listener", name, ns,
                                spec={"port": port, "protocol": protocol, "securityModel": "XFP",
                                      "hostBinding": {"namespace": {"from": "ALL"}}, **ambassador_id}))

    # namespace.yaml
    if not _empty(v.get("createNamespace")):
        objects.append(_obj("v1", "Namespace", ns, None))
    return objects


def _go_int(value: Any) -> int:
    """Sprig `int`: a number, or 0 for anything that is not one (a port name, nil)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


_RENDERERS: dict[str, Callable[[_Release], list[dict]]] = {
    "linkerd-crds": _render_linkerd_crds,
    "linkerd-control-plane": _render_linkerd_control_plane,
    "linkerd-multicluster": _render_linkerd_multicluster,
    "emissary-crds-chart": _render_emissary_crds,
    "emissary-ingress": _render_emissary_ingress,
}
