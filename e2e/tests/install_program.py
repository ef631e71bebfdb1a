"""One cluster's Linkerd install as the program builds it (components/install.py), for the real
tier: the same namespaces, issuer Secret, webhook Secrets and three charts, with the program's own
names, constants and values functions (components/values.py), so that the real engine, provider,
charts and apiserver judge exactly what the program would send.

What differs, and why: the certificates. The program mints them with pulumi-tls, whose provider
the module proxy refuses here (e2e/REFUSED.md); this module mints the same shapes with the test
suite's `certs` helpers once per test session and passes them in as the program passes its
pulumi-tls outputs.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

import certs
from components import constants as c
from components.chart_source import chart_source
from components.config.schema import GatewayConfig, LinkerdConfig
from components.gateway_api import GatewayApiCrds
from components.values import ControllerEntry, control_plane_values, crds_values, multicluster_values


@dataclass(frozen=True)
class Material:
    bundle_pem: str
    issuer_cert_pem: str
    issuer_key_pem: str
    webhook_ca_pem: str
    webhook_pairs: dict[str, tuple[str, str]]
    """Secret name -> (certificate PEM, key PEM) for each webhook's serving certificate."""


@functools.cache
def material() -> Material:
    anchor, anchor_key = certs.make_anchor()
    issuer, issuer_key = certs.make_issuer(anchor, anchor_key)
    webhook_ca, webhook_ca_key = certs.make_anchor(cn="webhook.linkerd.cluster.local")
    pairs = {}
    for secret_name, service in c.WEBHOOKS.values():
        leaf, leaf_key = certs.make_leaf(webhook_ca, webhook_ca_key, f"{service}.{c.LINKERD_NAMESPACE}.svc")
        pairs[secret_name] = (certs.cert_pem(leaf), certs.key_pem(leaf_key, "pkcs8"))
    return Material(certs.cert_pem(anchor), certs.cert_pem(issuer), certs.key_pem(issuer_key, "pkcs8"),
                    certs.cert_pem(webhook_ca), pairs)


@dataclass
class Install:
    cluster: str
    version: str = "2026.8.3"
    ha: bool = False
    gateway: dict[str, Any] = field(default_factory=lambda: {"type": "linkerd"})
    links: list[str] = field(default_factory=list)
    """Names of Links this cluster is the source of (one `controllers[]` entry each)."""
    extra_control_plane: dict[str, Any] = field(default_factory=dict)

    def linkerd(self) -> LinkerdConfig:
        return LinkerdConfig(version=self.version, repository=os.environ["LINKERD_CHARTS"], ha=self.ha)


def program(*installs: Install, protect: bool = False):
    """An inline Pulumi program installing each of `installs` on its kube context."""
    def run() -> None:
        for spec in installs:
            install_cluster(spec, protect)
    return run


def install_cluster(spec: Install, protect: bool) -> None:
    name, m, linkerd = spec.cluster, material(), spec.linkerd()
    provider = k8s.Provider(f"{name}-provider", context=name, kubeconfig=os.environ["KUBECONFIG"],
                            enable_config_map_mutable=True, enable_secret_mutable=True)
    on_cluster = pulumi.ResourceOptions(provider=provider)

    def after(*deps: pulumi.Resource, **kw) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=list(deps), **kw))

    def chart(resource: str, chart_name: str, namespace: pulumi.Input[str], values: dict, opts) -> k8s.helm.v4.Chart:
        source = chart_source(linkerd.repository, chart_name, linkerd.version)
        return k8s.helm.v4.Chart(resource, chart=source.chart, version=source.version,
                                 repository_opts=source.repository_opts, namespace=namespace, values=values, opts=opts)

    ns = k8s.core.v1.Namespace(f"{name}-linkerd-namespace", metadata={
        "name": c.LINKERD_NAMESPACE, "labels": c.LINKERD_NAMESPACE_LABELS,
        "annotations": c.LINKERD_NAMESPACE_ANNOTATIONS}, opts=after(protect=protect))
    crds = chart(f"{name}-linkerd-crds", c.CRDS_CHART, ns.metadata.name, crds_values(linkerd), on_cluster)
    gateway_api = GatewayApiCrds(f"{name}-gateway-api", linkerd, provider)
    issuer = k8s.core.v1.Secret(f"{name}-identity-issuer", metadata={"name": c.ISSUER_SECRET_NAME,
                                "namespace": ns.metadata.name}, type="kubernetes.io/tls",
                                string_data={"tls.crt": m.issuer_cert_pem, "tls.key": pulumi.Output.secret(m.issuer_key_pem),
                                             "ca.crt": m.bundle_pem}, opts=on_cluster)
    webhook_secrets = [
        k8s.core.v1.Secret(f"{name}-webhooks-{secret_name}", metadata={"name": secret_name, "namespace": ns.metadata.name},
                           type="kubernetes.io/tls", string_data={"tls.crt": cert, "tls.key": pulumi.Output.secret(key)},
                           opts=on_cluster)
        for secret_name, (cert, key) in m.webhook_pairs.items()]
    control_plane = chart(f"{name}-linkerd-control-plane", c.CONTROL_PLANE_CHART, ns.metadata.name,
                          control_plane_values(linkerd, m.bundle_pem, m.webhook_ca_pem, spec.extra_control_plane),
                          after(crds, gateway_api, issuer, *webhook_secrets))
    mc_ns = k8s.core.v1.Namespace(f"{name}-multicluster-namespace", metadata={
        "name": c.MULTICLUSTER_NAMESPACE, "labels": c.MULTICLUSTER_NAMESPACE_LABELS}, opts=after(protect=protect))
    gateway = GatewayConfig.model_validate(spec.gateway)
    controllers = [ControllerEntry(link_name=link, gateway_enabled=gateway.type != "none") for link in spec.links]
    chart(f"{name}-linkerd-multicluster", c.MULTICLUSTER_CHART, mc_ns.metadata.name,
          multicluster_values(linkerd, gateway, controllers), after(control_plane))
