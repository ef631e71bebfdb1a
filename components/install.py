"""Linkerd and its multicluster extension on one cluster: `linkerd install` + `linkerd multicluster install`.

Order, each step waiting only for what it needs:
  Namespace linkerd ─┬─ linkerd-crds ───────────────┐
                     ├─ issuer Secret ──────────────┼─ linkerd-control-plane ─┐
                     └─ webhook Secrets ────────────┘                         │
  Namespace linkerd-multicluster ────────────────────────────────────────────┴─ linkerd-multicluster
                     └─ remote access (one per source cluster linking here)
The charts are `helm.v4.Chart`, so a preview shows one diff per Kubernetes object; Chart v4
skips Helm hooks, which is why the multicluster namespace is labelled here and the chart's
namespace-metadata Job is switched off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from . import constants as c
from .access import RemoteAccess, RemoteAccessArgs, remote_access_role
from .emissary import EmissaryGateway, EmissaryGatewayArgs
from .chart_source import chart_source
from .config.schema import ExtraValues, GatewayConfig, LinkerdConfig
from .gateway import read_gateway_service
from .gateway_api import GatewayApiCrds
from .link_target import LinkTarget, public_outputs
from .trust import IssuerMaterial
from .values import ControllerEntry, control_plane_values, crds_values, merged_extra, multicluster_values
from .webhooks import WebhookCertificates, WebhookCertificatesArgs


@dataclass(frozen=True)
class ClusterInstallArgs:
    cluster: str
    linkerd: LinkerdConfig
    gateway: GatewayConfig
    trust_bundle_pem: pulumi.Input[str]
    """The mesh-wide bundle; identical for every cluster."""
    issuer: IssuerMaterial
    provider: k8s.Provider
    api_server_address: Optional[str]
    """Where other clusters' pods reach this API server; needed only when something links here."""
    controllers: list[ControllerEntry] = field(default_factory=list)
    """One per link for which this cluster is the source."""
    inbound_sources: list[str] = field(default_factory=list)
    """Source clusters that link to this one; each gets its own access account."""
    extra_values: ExtraValues = field(default_factory=ExtraValues)
    """This cluster's pass-through values (merged over the mesh-wide ones)."""
    protect: bool = True
    """Protect the cluster's Linkerd namespaces from deletion: removing the cluster from the
    config, or `pulumi destroy`, is then refused at preview time, before anything is deleted
    (deleting a namespace deletes everything in it). Charts are not protected: a protected chart
    protects every object it renders, so an upgrade that drops an object would be refused."""
    default_inbound_policy: str = "all-unauthenticated"
    """The cluster's Linkerd default inbound policy (decides whether an Emissary gateway needs a policy)."""
    proxy_certificate_hours: Optional[int] = None
    """Lifetime of proxy certificates (`trust.proxyCertificateHours`); None: the chart's default."""


class ClusterInstall(pulumi.ComponentResource):
    """Namespaces, CRDs, issuer, control plane and multicluster extension of one cluster."""

    linkerd_namespace: k8s.core.v1.Namespace
    multicluster_namespace: k8s.core.v1.Namespace
    control_plane: k8s.helm.v4.Chart
    multicluster: k8s.helm.v4.Chart
    access: dict[str, RemoteAccess]
    gateway: pulumi.Output[Optional[dict]]
    """Link fields of this cluster's gateway, or None when it has none."""

    def __init__(self, name: str, args: ClusterInstallArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:install:ClusterInstall", name, None, opts)
        self._args = args
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider)

        def after(*deps: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=list(deps)))

        self.linkerd_namespace = k8s.core.v1.Namespace(
            f"{name}-linkerd-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=c.LINKERD_NAMESPACE,
                labels=c.LINKERD_NAMESPACE_LABELS,
                annotations=c.LINKERD_NAMESPACE_ANNOTATIONS,
            ),
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(protect=args.protect)),
        )
        linkerd_ns = self.linkerd_namespace.metadata.name

        def extra(section: str) -> dict[str, Any]:
            return merged_extra(args.linkerd, args.extra_values, section)

        crds = self._chart(f"{name}-linkerd-crds", c.CRDS_CHART, linkerd_ns,
                           crds_values(args.linkerd, extra("crds")), on_cluster)
        prerequisites: list[pulumi.Resource] = [crds]
        if args.linkerd.install_gateway_api:
            prerequisites.append(GatewayApiCrds(f"{name}-gateway-api", args.linkerd, args.provider,
                                                opts=pulumi.ResourceOptions(parent=self)))

        issuer_secret = k8s.core.v1.Secret(
            f"{name}-identity-issuer",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=c.ISSUER_SECRET_NAME, namespace=linkerd_ns),
            type="kubernetes.io/tls",
            string_data={
                "tls.crt": args.issuer.cert_pem,
                "tls.key": args.issuer.private_key_pem,
                "ca.crt": args.trust_bundle_pem,
            },
            opts=on_cluster,
        )
        webhooks = WebhookCertificates(
            f"{name}-webhooks",
            WebhookCertificatesArgs(namespace=linkerd_ns, provider=args.provider,
                                    validity_hours=args.linkerd.webhook_validity_hours,
                                    generation=args.linkerd.webhook_generation, cluster=args.cluster),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.control_plane = self._chart(
            f"{name}-linkerd-control-plane",
            c.CONTROL_PLANE_CHART,
            linkerd_ns,
            control_plane_values(args.linkerd, args.trust_bundle_pem, webhooks.ca_bundle, extra("controlPlane"),
                                 proxy_certificate_hours=args.proxy_certificate_hours),
            after(*prerequisites, issuer_secret, *webhooks.secrets),
        )

        self.multicluster_namespace = k8s.core.v1.Namespace(
            f"{name}-multicluster-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=c.MULTICLUSTER_NAMESPACE, labels=c.MULTICLUSTER_NAMESPACE_LABELS),
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(protect=args.protect)),
        )
        mc_ns = self.multicluster_namespace.metadata.name
        self.multicluster = self._chart(
            f"{name}-linkerd-multicluster",
            c.MULTICLUSTER_CHART,
            mc_ns,
            multicluster_values(args.linkerd, args.gateway, args.controllers, extra("multicluster")),
            # The multicluster chart's policy objects need the control plane's CRDs and webhooks.
            after(self.control_plane),
        )

        role = remote_access_role(f"{name}-remote-access-role", args.provider, self) if args.inbound_sources else None
        self.access = {
            source: RemoteAccess(
                f"{name}-access-{source}",
                RemoteAccessArgs(source_cluster=source, namespace=mc_ns, role=role, provider=args.provider),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for source in args.inbound_sources
        }

        # Where the gateway Service is, and an output that is unknown until it has been set up
        # (so a first preview does not try to read it).
        service: Optional[tuple[str, str, pulumi.Output[Any]]] = None
        if args.gateway.type == "linkerd":
            service = (c.MULTICLUSTER_NAMESPACE, c.GATEWAY_NAME,
                       pulumi.Output.all(self.multicluster_namespace.id, self.multicluster.urn))
        elif args.gateway.type == "emissary":
            emissary = EmissaryGateway(
                f"{name}-emissary",
                EmissaryGatewayArgs(
                    cluster=args.cluster, linkerd=args.linkerd, gateway=args.gateway,
                    control_plane=self.control_plane,
                    default_inbound_policy=args.default_inbound_policy,
                    provider=args.provider,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            service = (emissary.service_namespace, emissary.service_name, emissary.ready)
        if service is not None and args.inbound_sources:
            self.gateway = read_gateway_service(
                f"{name}-gateway-service", args.cluster, *service, args.gateway.addresses, args.provider, self
            )
        else:
            self.gateway = pulumi.Output.from_input(None)

        self.register_outputs({"gateway": self.gateway})

    def _chart(self, name: str, chart: str, namespace: pulumi.Input[str], values: dict[str, Any],
               opts: pulumi.ResourceOptions) -> k8s.helm.v4.Chart:
        linkerd = self._args.linkerd
        source = chart_source(linkerd.repository, chart, linkerd.version)
        return k8s.helm.v4.Chart(
            name,
            chart=source.chart,
            version=source.version,
            repository_opts=source.repository_opts,
            namespace=namespace,
            values=values,
            opts=opts,
        )

    def link_target(self, source: str) -> LinkTarget:
        """What `source` needs to link to this cluster (only for sources given in `inbound_sources`)."""
        args = self._args
        if args.api_server_address is None:
            raise pulumi.RunError(f"cluster {args.cluster!r} has no API server address for links")
        return LinkTarget(
            name=args.cluster,
            cluster_domain=args.linkerd.cluster_domain,
            trust_domain=args.linkerd.trust_domain,
            linkerd_namespace=c.LINKERD_NAMESPACE,
            api_server_address=args.api_server_address,
            gateway=self.gateway,
            gateway_enabled=args.gateway.type != "none",
            credentials=self.access[source].credentials,
        )

    def published_target(self) -> dict[str, Any]:
        """The public part of this cluster's `LinkTarget`, for the `linkTargets` stack output."""
        return public_outputs(self.link_target(next(iter(self.access))))
