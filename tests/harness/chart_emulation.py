"""What the linkerd-multicluster chart (edge-26.8.3) renders for its gateway Service.

Written from multicluster/charts/linkerd-multicluster/templates/gateway.yaml (see
../shared/docs/linkerd-multicluster-facts.md §3): the mocks put this object into the emulated
cluster when the program installs the chart, so the program's gateway discovery is tested against
the chart's shape, computed from the *values the program passed*, not against the program's own
constants. Defaults are the chart's (values.yaml).
"""
from __future__ import annotations

from typing import Any, Optional

from upstream import edge_26_8_3 as upstream

CHART_DEFAULTS = {
    "enabled": True,
    "name": "linkerd-gateway",
    "port": 4143,
    "serviceType": "LoadBalancer",
    "probe": {"path": "/ready", "port": 4191, "seconds": 3},
}


def gateway_service(values: dict[str, Any]) -> Optional[dict]:
    gw = {**CHART_DEFAULTS, **(values.get("gateway") or {})}
    probe = {**CHART_DEFAULTS["probe"], **((values.get("gateway") or {}).get("probe") or {})}
    if not gw["enabled"]:
        return None
    linkerd_ns = values.get("linkerdNamespace", "linkerd")
    trust_domain = values.get("identityTrustDomain", "cluster.local")
    namespace = "linkerd-multicluster"
    name = gw["name"]
    node_port = gw["serviceType"] == "NodePort"
    ports = [
        {"name": "mc-gateway", "port": gw["port"], "protocol": "TCP"},
        {"name": "mc-probe", "port": probe["port"], "protocol": "TCP"},
    ]
    if node_port:  # the API server assigns node ports unless values pin them
        ports[0]["nodePort"] = gw.get("nodePort", 30143)
        ports[1]["nodePort"] = probe.get("nodePort", 30191)
    spec: dict[str, Any] = {"type": gw["serviceType"], "ports": ports, "selector": {"app": name}}
    if gw.get("loadBalancerSourceRanges"):  # rendered whatever the serviceType, as the template does
        spec["loadBalancerSourceRanges"] = list(gw["loadBalancerSourceRanges"])
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace,
            # The template puts `component: gateway` among the annotations, not the labels
            # (multicluster/charts/linkerd-multicluster/templates/gateway.yaml; `helm template` on
            # the real tier); the chart render adds `linkerd.io/created-by`.
            "labels": {"linkerd.io/extension": "multicluster"},
            "annotations": {
                "mirror.linkerd.io/gateway-identity": upstream.gateway_identity(name, namespace, linkerd_ns, trust_domain),
                "mirror.linkerd.io/probe-period": str(probe["seconds"]),
                "mirror.linkerd.io/probe-path": probe["path"],
                "mirror.linkerd.io/multicluster-gateway": "true",
                "component": "gateway",
            },
        },
        "spec": spec,
    }


def emissary_service(values: dict[str, Any], namespace: str, release_name: str) -> dict:
    """The Service the emissary-ingress chart renders (charts/emissary-ingress/templates/service.yaml):
    named by the chart's fullname helper (tests/upstream/emissary.py), ports and annotations taken
    from `service.*` values."""
    from upstream import emissary

    service = values.get("service") or {}
    name = emissary.service_name(release_name, values.get("fullnameOverride") or None)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "annotations": dict(service.get("annotations") or {})},
        "spec": {
            "type": service.get("type", "LoadBalancer"),
            "ports": [{"protocol": "TCP", **p} for p in service.get("ports") or []],
        },
    }


def existing_emissary_service(namespace: str = "ambassador", name: str = "ambassador") -> dict:
    """An Emissary Service as a typical existing installation has it: public HTTP/HTTPS only."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/name": name},
                     "annotations": {"a8r.io/owner": "platform"}},
        "spec": {"type": "LoadBalancer", "ports": [
            {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
            {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
        ]},
    }


def existing_emissary_deployment(namespace: str = "ambassador", name: str = "ambassador") -> dict:
    """The Deployment of that installation (its pods are what the program injects)."""
    labels = {"app.kubernetes.io/name": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {"selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"serviceAccountName": name, "containers": [{"name": "ambassador"}]}}},
    }
