"""Helm values for the three Linkerd charts, built as plain data from the validated config.

Pure functions, so the tests can check every key against the upstream charts' values (see
tests/upstream) without running Pulumi. Only keys that differ from the chart defaults, or that the
program must pin for a stable render, are set.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi

from . import constants as c
from .config.schema import ExtraValues, GatewayConfig, LinkerdConfig

# The settings of linkerd-control-plane's values-ha.yaml (edge-26.8.3). Chart v4 cannot read a
# values file from inside the chart archive, so `ha: true` applies them from here.
CONTROL_PLANE_HA: dict[str, Any] = {
    "enablePodDisruptionBudget": True,
    "controller": {"podDisruptionBudget": {"maxUnavailable": 1}},
    "deploymentStrategy": {"rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"}},
    "enablePodAntiAffinity": True,
    "proxy": {"resources": {"cpu": {"request": "100m"}, "memory": {"limit": "250Mi", "request": "20Mi"}}},
    "controllerReplicas": 3,
    "controllerResources": {"cpu": {"limit": "", "request": "100m"}, "memory": {"limit": "250Mi", "request": "50Mi"}},
    "destinationResources": {"cpu": {"limit": "", "request": "100m"}, "memory": {"limit": "250Mi", "request": "50Mi"}},
    "identityResources": {"cpu": {"limit": "", "request": "100m"}, "memory": {"limit": "250Mi", "request": "10Mi"}},
    "heartbeatResources": {"cpu": {"limit": "", "request": "100m"}, "memory": {"limit": "250Mi", "request": "50Mi"}},
    "proxyInjectorResources": {"cpu": {"limit": "", "request": "100m"}, "memory": {"limit": "250Mi", "request": "50Mi"}},
    "webhookFailurePolicy": "Fail",
    "spValidatorResources": {"cpu": {"limit": "", "request": "100m"}, "memory": {"limit": "250Mi", "request": "50Mi"}},
    "highAvailability": True,
}

# linkerd-multicluster's values-ha.yaml (edge-26.8.3).
MULTICLUSTER_HA: dict[str, Any] = {"gateway": {"replicas": 3}, "enablePodAntiAffinity": True}


@dataclass(frozen=True)
class ControllerEntry:
    """One `controllers[]` item: a service-mirror controller for one Link of this source cluster."""

    link_name: str
    gateway_enabled: pulumi.Input[bool]
    """False for a gateway-less target: the chart then renders no `probe-<link>` Service."""
    present: pulumi.Input[bool] = True
    """Whether the Link is there: a controller without its Link only fails to find it, so the
    entry follows the Link (a link that waits for the other stack's grant has neither)."""


def controllers_value(entries: list[ControllerEntry]) -> Any:
    """`controllers[]`: a plain list when every entry is known to be present, else an Output."""
    def item(e: ControllerEntry) -> dict[str, Any]:
        return {"link": {"ref": {"name": e.link_name}}, "gateway": {"enabled": e.gateway_enabled}}

    if all(e.present is True for e in entries):
        return [item(e) for e in entries]
    return pulumi.Output.all(*[e.present for e in entries]).apply(
        lambda present: [item(e) for e, p in zip(entries, present) if p]
    )


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def merged_extra(linkerd: LinkerdConfig, cluster_extra: ExtraValues, section: str) -> dict[str, Any]:
    """The mesh-wide `extraValues.<section>` with the cluster's own merged over it."""
    return _merge(linkerd.extra_values.sections()[section], cluster_extra.sections()[section])


def crds_values(linkerd: LinkerdConfig, extra: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """linkerd-crds: Linkerd's own CRDs. The Gateway API CRDs, a prerequisite that `linkerd check`
    enforces, are applied by patch instead (components/gateway_api.py), because the chart marks
    them `keep` and a kept object breaks the next create."""
    return _merge({"installGatewayAPI": False}, extra or {})


def control_plane_values(
    linkerd: LinkerdConfig, trust_bundle_pem: pulumi.Input[str], webhook_ca_pem: pulumi.Input[str],
    extra: Optional[dict[str, Any]] = None, *, proxy_certificate_hours: Optional[int] = None,
) -> dict[str, Any]:
    """linkerd-control-plane: the trust bundle and public CAs only; every key lives in Secrets.
    `proxy_certificate_hours`: lifetime of the proxies' certificates (None: the chart's default)."""
    webhook = {"externalSecret": True, "caBundle": webhook_ca_pem}
    # The issuer comes from the `kubernetes.io/tls` Secret this program creates.
    issuer: dict[str, Any] = {"scheme": "kubernetes.io/tls"}
    if proxy_certificate_hours is not None:
        issuer["issuanceLifetime"] = f"{proxy_certificate_hours}h0m0s"  # a Go duration, as the chart writes it
    values: dict[str, Any] = {
        "identityTrustAnchorsPEM": trust_bundle_pem,
        "clusterDomain": linkerd.cluster_domain,
        "identityTrustDomain": linkerd.trust_domain,
        "identity": {"issuer": issuer},
        "proxyInjector": dict(webhook),
        "profileValidator": dict(webhook),
        "policyValidator": dict(webhook),
        # The heartbeat CronJob's schedule is computed from `now` at render time: a diff on
        # every preview. It only reports usage to the Linkerd project.
        "disableHeartBeat": True,
    }
    return _merge(_merge(values, CONTROL_PLANE_HA) if linkerd.ha else values, extra or {})


def multicluster_values(
    linkerd: LinkerdConfig, gateway: GatewayConfig, controllers: list[ControllerEntry],
    extra: Optional[dict[str, Any]] = None,
) -> dict[str, Any]:
    """linkerd-multicluster: the gateway, one controller per outbound link, no hook Job."""
    values: dict[str, Any] = {
        "linkerdNamespace": c.LINKERD_NAMESPACE,
        # Must equal the control plane's trust domain: it builds the gateway identity annotation.
        "identityTrustDomain": linkerd.trust_domain,
        # A Helm post-install hook, which Chart v4 skips; this program labels the namespace itself.
        "createNamespaceMetadataJob": False,
        # Access for each source cluster is created per source (components/access.py), like
        # `linkerd multicluster allow`, so that unlinking one source revokes only its access.
        "remoteMirrorServiceAccount": False,
        "gateway": _gateway_values(gateway),
        "controllers": controllers_value(controllers),
    }
    return _merge(_merge(values, MULTICLUSTER_HA) if linkerd.ha else values, extra or {})


def _gateway_values(gateway: GatewayConfig) -> dict[str, Any]:
    if gateway.type != "linkerd":
        return {"enabled": False}
    return {
        "enabled": True,
        "serviceType": gateway.service_type,
        "port": gateway.port,
        "probe": {"port": gateway.probe_port, "seconds": gateway.probe_seconds},
    }
