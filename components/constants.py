"""Names, labels and annotations that Linkerd itself defines.

Each value is an interface of upstream Linkerd (edge-26.8.3), not a choice of ours: changing one
breaks the contract with the charts, the service-mirror controller or `linkerd check`. The upstream
source of each is named beside it so that a future Linkerd upgrade can be checked line by line.
"""

# Namespaces the charts are installed into (`linkerd install`, `linkerd multicluster install`).
LINKERD_NAMESPACE = "linkerd"
MULTICLUSTER_NAMESPACE = "linkerd-multicluster"

# Chart names in the edge Helm repository (charts/*/Chart.yaml, multicluster/charts/*/Chart.yaml).
CRDS_CHART = "linkerd-crds"
CONTROL_PLANE_CHART = "linkerd-control-plane"
MULTICLUSTER_CHART = "linkerd-multicluster"
LINKERD_CHARTS = (CRDS_CHART, CONTROL_PLANE_CHART, MULTICLUSTER_CHART)

# Emissary's chart names (emissary-ingress/emissary charts/*/Chart.yaml), published in the OCI
# registry ghcr.io/emissary-ingress.
EMISSARY_CRDS_CHART = "emissary-crds-chart"
EMISSARY_CHART = "emissary-ingress"
EMISSARY_CHARTS = (EMISSARY_CRDS_CHART, EMISSARY_CHART)

# Labels the CLI puts on the linkerd namespace (charts/linkerd-control-plane/templates/namespace.yaml).
LINKERD_NAMESPACE_LABELS = {
    "linkerd.io/is-control-plane": "true",
    "config.linkerd.io/admission-webhooks": "disabled",
    "linkerd.io/control-plane-ns": LINKERD_NAMESPACE,
    "pod-security.kubernetes.io/enforce": "privileged",
}
LINKERD_NAMESPACE_ANNOTATIONS = {"linkerd.io/inject": "disabled"}

# Labels of the multicluster namespace; with Helm the chart renders no Namespace and its
# namespace-metadata Job is a hook that Chart v4 skips (multicluster/.../templates/namespace.yaml).
MULTICLUSTER_NAMESPACE_LABELS = {
    "linkerd.io/extension": "multicluster",
    "pod-security.kubernetes.io/enforce": "privileged",
}

# The identity issuer Secret the control plane reads when
# `identity.issuer.scheme: kubernetes.io/tls` (pkg/issuercerts/issuercerts.go).
ISSUER_SECRET_NAME = "linkerd-identity-issuer"

# Webhook serving Secrets the chart expects when `<webhook>.externalSecret: true`
# (charts/linkerd-control-plane/templates/{proxy-injector,destination}-rbac.yaml).
# Maps the chart's values key to (Secret name, Service host name without namespace).
WEBHOOKS = {
    "proxyInjector": ("linkerd-proxy-injector-k8s-tls", "linkerd-proxy-injector"),
    "profileValidator": ("linkerd-sp-validator-k8s-tls", "linkerd-sp-validator"),
    "policyValidator": ("linkerd-policy-validator-k8s-tls", "linkerd-policy-validator"),
}

# The bundled gateway (multicluster/charts/linkerd-multicluster/templates/gateway.yaml).
GATEWAY_NAME = "linkerd-gateway"
GATEWAY_PORT_NAME = "mc-gateway"
PROBE_PORT_NAME = "mc-probe"
GATEWAY_IDENTITY_ANNOTATION = "mirror.linkerd.io/gateway-identity"
PROBE_PATH_ANNOTATION = "mirror.linkerd.io/probe-path"
PROBE_PERIOD_ANNOTATION = "mirror.linkerd.io/probe-period"

# Link credentials (multicluster/cmd/link-gen.go, pkg/k8s/labels.go).
REMOTE_KUBECONFIG_SECRET_TYPE = "mirror.linkerd.io/remote-kubeconfig"
KUBECONFIG_KEY = "kubeconfig"
CLUSTER_NAME_LABEL = "multicluster.linkerd.io/cluster-name"
TRUST_DOMAIN_ANNOTATION = "multicluster.linkerd.io/trust-domain"
CLUSTER_DOMAIN_ANNOTATION = "multicluster.linkerd.io/cluster-domain"
CREATED_BY_ANNOTATION = "linkerd.io/created-by"

# Labels the service-mirror controller puts on the mirror Services it creates
# (multicluster/service-mirror/cluster_watcher.go); `unlink` selected leftovers with them.
MIRRORED_SERVICE_LABEL = "mirror.linkerd.io/mirrored-service"
MIRROR_CLUSTER_NAME_LABEL = "mirror.linkerd.io/cluster-name"

# Link CRD (multicluster.linkerd.io, storage version v1alpha3 since Linkerd 2.18).
LINK_API_VERSION = "multicluster.linkerd.io/v1alpha3"
LINK_KIND = "Link"

# Export selectors; one label, three values (multicluster/cmd/link-gen.go defaults).
EXPORT_LABEL = "mirror.linkerd.io/exported"
FEDERATED_LABEL = "mirror.linkerd.io/federated"
EXPORT_LABEL_VALUES = {
    "gateway": (EXPORT_LABEL, "true"),
    "remote-discovery": (EXPORT_LABEL, "remote-discovery"),
    "federated": (FEDERATED_LABEL, "member"),
}

# Remote-access RBAC granted to a source cluster in its target, as the chart's
# remote-access-service-mirror-rbac.yaml renders it (and `linkerd multicluster allow`).
REMOTE_ACCESS_RULES = [
    {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["list", "get", "watch"]},
    {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["list", "get", "watch"]},
    {"apiGroups": [""], "resources": ["pods", "endpoints", "services"], "verbs": ["list", "get", "watch"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "get", "watch"]},
    {"apiGroups": ["policy.linkerd.io"], "resources": ["servers"], "verbs": ["list", "get", "watch"]},
    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": ["linkerd-config"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
]
REMOTE_ACCESS_ROLE = "linkerd-service-mirror-remote-access"
SERVICE_ACCOUNT_NAME_ANNOTATION = "kubernetes.io/service-account.name"
SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token"


def remote_access_account(source_cluster: str) -> str:
    """Name of the service account a source cluster uses to read its target.

    One per source (like `linkerd multicluster allow --service-account-name`), so that removing a
    link revokes exactly that source's access.
    """
    return f"linkerd-service-mirror-remote-access-{source_cluster}"


def credentials_secret_name(target_cluster: str) -> str:
    """`cluster-credentials-<target>`: the suffix must equal the Link name (controller RBAC)."""
    return f"cluster-credentials-{target_cluster}"


def edge_tag(chart_version: str) -> str:
    """The Linkerd release tag of an edge chart version: `2026.8.3` -> `edge-26.8.3`.

    Edge charts are versioned `YYYY.M.N` from tag `edge-YY.M.N` (bin/compute-edge-version).
    """
    year, month, patch = chart_version.split(".")
    return f"edge-{int(year) % 100}.{int(month)}.{int(patch)}"
