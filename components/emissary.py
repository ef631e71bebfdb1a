"""Emissary-ingress (formerly Ambassador) as a cluster's multicluster gateway.

The seed guide's "existing Ambassador" recipe, in today's terms (linkerd-multicluster-facts §9):
the Linkerd *proxy* in the Emissary pod does the gateway work, not Envoy. So the pods are injected
with `config.linkerd.io/enable-gateway: "true"` and require identity on the gateway port; the
Service gets the ports `mc-gateway` and `mc-probe` and the `mirror.linkerd.io/gateway-identity`,
`probe-path` and `probe-period` annotations that link discovery reads; the multicluster chart
runs with `gateway.enabled: false`. Two ways in:
- `existing`: Emissary installed outside this stack. Everything is a server-side-apply *patch*
  (no force): Pulumi owns only the fields it adds, and a destroy gives the installation back.
- `install`: this stack installs Emissary's CRD chart and chart (OCI, pinned) already set up.
Probing: `proxy` sends remote probes to the proxy's admin `/ready` (nothing else needed); `envoy`
routes them through Envoy (port 8080, `/-/ambassador/ready`) with the v3alpha1 Host and Mapping
that need. With `gateway.enabled: false` the chart also drops the gateway's
authorization policy; when the cluster's default inbound policy would block remote clients, an
equivalent one is created for the Emissary pods.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from . import constants as c
from .chart_source import chart_source
from .config.schema import EmissaryConfig, GatewayConfig, LinkerdConfig

INSTALL_NAME = "emissary-ingress"
"""Release name and `fullnameOverride` of an installed Emissary: its Deployment, Service and
ServiceAccount name, and (through the release name) its `app.kubernetes.io/name` and `instance`
pod labels (the chart's `ambassador.fullname` / `ambassador.name` helpers)."""
# Envoy's HTTP listener is 8080 in the pod. On an existing Emissary the probe gets its own Service
# port (8080 -> 8080), leaving its `http` port 80 -> 8080 alone (no field conflict when patching).
# An installed one names its port 80 -> 8080 `mc-probe` instead: the chart turns every Service port
# into a container port, and two 8080 container ports fail server-side apply (kubernetes#113482).
ENVOY_PROBE = {"port": 8080, "target_port": 8080, "path": "/-/ambassador/ready"}
PROXY_PROBE_PATH = "/ready"

# Default inbound policies under which remote clients (mTLS from another cluster, through a load
# balancer, so from outside clusterNetworks) are refused (Linkerd proxy `defaultInboundPolicy`).
RESTRICTIVE_POLICIES = ("deny", "cluster-authenticated", "cluster-unauthenticated")


def gateway_identity(service_account: str, namespace: str, linkerd: LinkerdConfig) -> str:
    """The proxy identity of the Emissary pods (`<sa>.<ns>.serviceaccount.identity.<linkerd ns>.<td>`)."""
    return f"{service_account}.{namespace}.serviceaccount.identity.{c.LINKERD_NAMESPACE}.{linkerd.trust_domain}"


def pod_annotations(gateway: GatewayConfig, emissary: EmissaryConfig) -> dict[str, str]:
    annotations = {
        "linkerd.io/inject": "enabled",
        "config.linkerd.io/enable-gateway": "true",
        # As the bundled gateway: only authenticated (meshed) clients on the gateway port.
        "config.linkerd.io/proxy-require-identity-inbound-ports": str(gateway.port),
    }
    if emissary.skip_inbound_ports:
        annotations["config.linkerd.io/skip-inbound-ports"] = ",".join(str(p) for p in emissary.skip_inbound_ports)
    return annotations


def service_ports(gateway: GatewayConfig, emissary: EmissaryConfig) -> list[dict[str, Any]]:
    probe = (
        {"name": c.PROBE_PORT_NAME, "port": ENVOY_PROBE["port"], "targetPort": ENVOY_PROBE["target_port"], "protocol": "TCP"}
        if emissary.probe == "envoy"
        else {"name": c.PROBE_PORT_NAME, "port": gateway.probe_port, "targetPort": gateway.probe_port, "protocol": "TCP"}
    )
    return [{"name": c.GATEWAY_PORT_NAME, "port": gateway.port, "targetPort": gateway.port, "protocol": "TCP"}, probe]


def service_annotations(identity: str, gateway: GatewayConfig, emissary: EmissaryConfig) -> dict[str, str]:
    return {
        c.GATEWAY_IDENTITY_ANNOTATION: identity,
        c.PROBE_PATH_ANNOTATION: ENVOY_PROBE["path"] if emissary.probe == "envoy" else PROXY_PROBE_PATH,
        c.PROBE_PERIOD_ANNOTATION: str(gateway.probe_seconds),
    }


@dataclass(frozen=True)
class EmissaryGatewayArgs:
    cluster: str
    linkerd: LinkerdConfig
    gateway: GatewayConfig
    control_plane: pulumi.Resource
    """Pods must start after the proxy injector, or they come up without a proxy."""
    default_inbound_policy: str
    provider: k8s.Provider


class EmissaryGateway(pulumi.ComponentResource):
    """Makes an Emissary (existing or installed here) the cluster's multicluster gateway."""

    service_namespace: str
    service_name: str
    ready: pulumi.Output[Any]
    """Unknown until the gateway Service has been set up (orders the read of it)."""

    def __init__(self, name: str, args: EmissaryGatewayArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:gateway:EmissaryGateway", name, None, opts)
        emissary = args.gateway.emissary
        assert emissary is not None  # guaranteed by config validation
        self._args = args
        self._on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider)
        if emissary.existing is not None:
            ns, svc, sa = emissary.existing.namespace, emissary.existing.name, emissary.existing.service_account or emissary.existing.name
            pod_labels = emissary.existing.pod_labels
            self.ready = self._patch_existing(name, ns, svc, sa)
            crds: list[pulumi.Resource] = []  # an existing Emissary has its CRDs
        else:
            install = emissary.install
            assert install is not None
            ns, svc, sa = install.namespace, INSTALL_NAME, INSTALL_NAME
            pod_labels = {"app.kubernetes.io/name": INSTALL_NAME, "app.kubernetes.io/instance": INSTALL_NAME}
            self.ready, crds = self._install(name, ns, sa)
        self.service_namespace, self.service_name = ns, svc
        if emissary.probe == "envoy":
            # Envoy listens only where a Listener says: an existing Emissary has one on 8080 for
            # its HTTP traffic, an installed one gets the chart's default Listeners (8080, 8443).
            self._envoy_probe_objects(name, ns, crds)
        if args.default_inbound_policy in RESTRICTIVE_POLICIES:
            self._authorization_policy(name, ns, pod_labels)
        self.register_outputs({"service": f"{ns}/{svc}"})

    def _after_control_plane(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions.merge(self._on_cluster, pulumi.ResourceOptions(depends_on=[self._args.control_plane]))

    def _patch_existing(self, name: str, ns: str, svc: str, sa: str) -> pulumi.Output[Any]:
        """Patches of the Emissary's Deployment and Service, each after a read of the object: a
        patch would otherwise create a stray object for a misspelt `existing.name` (server-side
        apply creates what is missing, pulumi-kubernetes#2194); the read fails instead with
        "resource '<ns>/<name>' does not exist" on `<cluster>-emissary-deployment-exists`."""
        args, emissary = self._args, self._args.gateway.emissary
        reads = {
            kind: getter(f"{name}-{kind}-exists", f"{ns}/{svc}", opts=self._on_cluster)
            for kind, getter in (("deployment", k8s.apps.v1.Deployment.get), ("service", k8s.core.v1.Service.get))
        }

        def after_read(kind: str, base: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions.merge(base, pulumi.ResourceOptions(depends_on=[reads[kind]]))

        deployment = k8s.apps.v1.DeploymentPatch(
            f"{name}-deployment",
            metadata=k8s.meta.v1.ObjectMetaPatchArgs(name=svc, namespace=ns),
            spec=k8s.apps.v1.DeploymentSpecPatchArgs(
                template=k8s.core.v1.PodTemplateSpecPatchArgs(
                    metadata=k8s.meta.v1.ObjectMetaPatchArgs(annotations=pod_annotations(args.gateway, emissary))
                )
            ),
            opts=after_read("deployment", self._after_control_plane()),
        )
        service = k8s.core.v1.ServicePatch(
            f"{name}-service",
            metadata=k8s.meta.v1.ObjectMetaPatchArgs(
                name=svc, namespace=ns,
                annotations=service_annotations(gateway_identity(sa, ns, args.linkerd), args.gateway, emissary),
            ),
            spec=k8s.core.v1.ServiceSpecPatchArgs(
                ports=[k8s.core.v1.ServicePortPatchArgs(
                    name=p["name"], port=p["port"], target_port=p["targetPort"], protocol=p["protocol"])
                    for p in service_ports(args.gateway, emissary)]
            ),
            opts=after_read("service", self._on_cluster),
        )
        return pulumi.Output.all(deployment.id, service.id)

    def _install(self, name: str, ns: str, sa: str) -> tuple[pulumi.Output[Any], list[pulumi.Resource]]:
        args, install = self._args, self._args.gateway.emissary.install
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace", metadata=k8s.meta.v1.ObjectMetaArgs(name=ns), opts=self._on_cluster
        )
        crds_source = chart_source(install.repository, c.EMISSARY_CRDS_CHART, install.version)
        crds = k8s.helm.v4.Chart(
            f"{name}-crds",
            chart=crds_source.chart,
            version=crds_source.version,
            repository_opts=crds_source.repository_opts,
            namespace=namespace.metadata.name,
            values={"enableLegacyVersions": False},
            opts=self._on_cluster,
        )
        source = chart_source(install.repository, c.EMISSARY_CHART, install.version)
        chart = k8s.helm.v4.Chart(
            f"{name}-chart",
            name=INSTALL_NAME,  # the release name decides the pod labels (see INSTALL_NAME)
            chart=source.chart,
            version=source.version,
            repository_opts=source.repository_opts,
            namespace=namespace.metadata.name,
            values=install_values(args.gateway, args.linkerd, ns, sa),
            opts=pulumi.ResourceOptions.merge(self._on_cluster, pulumi.ResourceOptions(depends_on=[crds, args.control_plane])),
        )
        return pulumi.Output.all(namespace.id, chart.urn), [crds, chart]

    def _envoy_probe_objects(self, name: str, ns: str, after: list[pulumi.Resource]) -> None:
        """What Envoy needs to answer remote probes on 8080 (Emissary v3alpha1): a wildcard Host
        that routes plain HTTP (a Host's default is to redirect it), and a Mapping, selected by that
        Host's mappingSelector, to Emissary's own readiness endpoint."""
        emissary_api = "getambassador.io/v3alpha1"
        selector = {"matchLabels": {"linkerd-multicluster/probe": "true"}}
        objects = {
            "Host": {"hostname": "*", "acmeProvider": {"authority": "none"},
                     "requestPolicy": {"insecure": {"action": "Route"}}, "mappingSelector": selector},
            "Mapping": {"hostname": "*", "prefix": ENVOY_PROBE["path"], "rewrite": "/ambassador/v0/check_ready",
                        "service": "localhost:8877", "bypass_auth": True},
        }
        for kind, spec in objects.items():
            labels = {"linkerd-multicluster/probe": "true"} if kind == "Mapping" else {}
            k8s.apiextensions.CustomResource(
                f"{name}-probe-{kind.lower()}",
                api_version=emissary_api,
                kind=kind,
                metadata=k8s.meta.v1.ObjectMetaArgs(name="linkerd-multicluster-probe", namespace=ns, labels=labels),
                spec=spec,
                opts=pulumi.ResourceOptions.merge(self._on_cluster, pulumi.ResourceOptions(depends_on=after)),
            )

    def _authorization_policy(self, name: str, ns: str, pod_labels: dict[str, str]) -> None:
        """The bundled gateway's policy (gateway-policy.yaml), for the Emissary pods: any meshed
        identity, from any network, on the gateway and probe ports."""
        policy_opts = self._after_control_plane()
        auth_mtls = k8s.apiextensions.CustomResource(
            f"{name}-any-meshed", api_version="policy.linkerd.io/v1alpha1", kind="MeshTLSAuthentication",
            metadata={"name": "linkerd-multicluster-gateway-any-meshed", "namespace": ns},
            spec={"identities": ["*"]}, opts=policy_opts,
        )
        auth_net = k8s.apiextensions.CustomResource(
            f"{name}-source-cluster", api_version="policy.linkerd.io/v1alpha1", kind="NetworkAuthentication",
            metadata={"name": "linkerd-multicluster-gateway-source-cluster", "namespace": ns},
            spec={"networks": [{"cidr": "0.0.0.0/0"}, {"cidr": "::/0"}]}, opts=policy_opts,
        )
        # The proxy's own ports, by the names the injector gives them (as gateway-policy.yaml does).
        for role, port in (("gateway", "linkerd-proxy"), ("probe", "linkerd-admin")):
            server = k8s.apiextensions.CustomResource(
                f"{name}-{role}-server", api_version="policy.linkerd.io/v1beta3", kind="Server",
                metadata={"name": f"linkerd-multicluster-{role}", "namespace": ns},
                spec={"podSelector": {"matchLabels": pod_labels}, "port": port},
                opts=policy_opts,
            )
            k8s.apiextensions.CustomResource(
                f"{name}-{role}-authorization", api_version="policy.linkerd.io/v1alpha1", kind="AuthorizationPolicy",
                metadata={"name": f"linkerd-multicluster-{role}", "namespace": ns},
                spec={
                    "targetRef": {"group": "policy.linkerd.io", "kind": "Server", "name": server.metadata["name"]},
                    "requiredAuthenticationRefs": [
                        {"group": "policy.linkerd.io", "kind": "MeshTLSAuthentication", "name": auth_mtls.metadata["name"]},
                        {"group": "policy.linkerd.io", "kind": "NetworkAuthentication", "name": auth_net.metadata["name"]},
                    ],
                },
                opts=policy_opts,
            )


def install_values(gateway: GatewayConfig, linkerd: LinkerdConfig, ns: str, sa: str) -> dict[str, Any]:
    """emissary-ingress chart values: the gateway set-up of `_patch_existing`, at install time."""
    emissary = gateway.emissary
    public = [{"name": "http", "port": 80, "targetPort": 8080}, {"name": "https", "port": 443, "targetPort": 8443}]
    gateway_ports = [{k: v for k, v in p.items() if k != "protocol"} for p in service_ports(gateway, emissary)]
    if emissary.probe == "envoy":  # see ENVOY_PROBE: port 80 -> 8080 doubles as the probe port
        gateway_ports = [p for p in gateway_ports if p["name"] != c.PROBE_PORT_NAME]
        public[0]["name"] = c.PROBE_PORT_NAME
    return {
        "fullnameOverride": INSTALL_NAME,
        # Envoy listens only where a Listener says; the chart's defaults serve 8080 and 8443.
        "createDefaultListeners": True,
        "podAnnotations": pod_annotations(gateway, emissary),
        "service": {
            "type": "LoadBalancer",
            "ports": public + gateway_ports,
            "annotations": service_annotations(gateway_identity(sa, ns, linkerd), gateway, emissary),
        },
    }
