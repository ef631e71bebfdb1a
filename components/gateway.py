"""Where a target cluster's gateway is, read the way `linkerd multicluster link-gen` reads it.

link-gen (multicluster/cmd/link-gen.go) looks at the gateway Service in the *target* cluster:
- address: `status.loadBalancer.ingress[*]` (`ip`, else `hostname`), joined by `,`, unless fixed
  addresses are given (`--gateway-addresses`);
- port: the Service port named `mc-gateway` (its nodePort for a NodePort Service);
- identity: annotation `mirror.linkerd.io/gateway-identity`;
- probe: annotation `mirror.linkerd.io/probe-path`, port `mc-probe`, period from annotation
  `mirror.linkerd.io/probe-period` (a bare integer means seconds).
The result is a plain dict, so it can travel through stack outputs to a per-cluster stack.
"""
from __future__ import annotations

import re
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from . import constants as c

_INT = re.compile(r"^\d+$")


class GatewayNotReady(Exception):
    """The gateway Service exists but cannot be turned into Link fields yet (or ever, as set up)."""


def _field(obj: Any, snake: str) -> Any:
    """A field of a Pulumi output value: a typed object (attributes are snake_case) or, once it
    went through `Output.all`, a dict keyed by the same snake_case names (or by API names)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        head, *rest = snake.split("_")
        camel = head + "".join(w.title() for w in rest)
        return obj.get(snake, obj.get(camel))
    return getattr(obj, snake, None)


def service_as_api_object(metadata: Any, spec: Any, status: Any) -> dict:
    """The fields link-gen reads, from a `Service.get`'s outputs, in the API's own (camelCase) shape,
    which is also how test fixtures and `kubectl get -o json` show a Service."""
    ports = [
        {"name": _field(p, "name"), "port": _field(p, "port"), "nodePort": _field(p, "node_port")}
        for p in (_field(spec, "ports") or [])
    ]
    ingress = [
        {"ip": _field(i, "ip"), "hostname": _field(i, "hostname")}
        for i in (_field(_field(status, "load_balancer"), "ingress") or [])
    ]
    return {
        "metadata": {"annotations": dict(_field(metadata, "annotations") or {})},
        "spec": {"type": _field(spec, "type"), "ports": ports},
        "status": {"loadBalancer": {"ingress": ingress}},
    }


def _port(ports: list[dict], name: str, node_port: bool, where: str) -> str:
    for p in ports:
        if p.get("name") == name:
            value = p.get("nodePort") if node_port else p.get("port")
            if value is None:
                raise GatewayNotReady(f"{where}: port {name!r} has no {'nodePort' if node_port else 'port'} yet")
            return str(int(value))
    raise GatewayNotReady(f"{where}: no port named {name!r}; Linkerd links need it")


def probe_period(annotation: str) -> str:
    """`3` -> `3s`; anything else must already be a Go duration (link-gen does the same)."""
    return f"{annotation}s" if _INT.match(annotation) else annotation


def endpoint_from_service(service: dict, fixed_addresses: list[str], where: str) -> dict:
    """The Link gateway fields for a gateway Service (plain dict as the API returns it)."""
    metadata = service.get("metadata") or {}
    spec = service.get("spec") or {}
    status = service.get("status") or {}
    annotations = metadata.get("annotations") or {}
    node_port = spec.get("type") == "NodePort"

    identity = annotations.get(c.GATEWAY_IDENTITY_ANNOTATION)
    if not identity:
        raise GatewayNotReady(f"{where}: annotation {c.GATEWAY_IDENTITY_ANNOTATION} is missing")
    path = annotations.get(c.PROBE_PATH_ANNOTATION)
    if not path:
        raise GatewayNotReady(f"{where}: annotation {c.PROBE_PATH_ANNOTATION} is missing")
    period = probe_period(str(annotations.get(c.PROBE_PERIOD_ANNOTATION, "3")))

    if fixed_addresses:
        address = ",".join(fixed_addresses)
    elif node_port:
        raise GatewayNotReady(
            f"{where}: a NodePort gateway has no address of its own; set gateway.addresses to node "
            "addresses the other clusters can reach"
        )
    else:
        ingress = (status.get("loadBalancer") or {}).get("ingress") or []
        address = ",".join(i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname"))
        if not address:
            raise GatewayNotReady(
                f"{where}: the LoadBalancer has no ingress address yet; wait for the cloud load "
                "balancer, or set gateway.addresses"
            )
    ports = spec.get("ports") or []
    return {
        "address": address,
        "port": _port(ports, c.GATEWAY_PORT_NAME, node_port, where),
        "identity": identity,
        "probe": {"path": path, "port": _port(ports, c.PROBE_PORT_NAME, node_port, where), "period": period},
    }


def read_gateway_service(
    name: str,
    cluster: str,
    service_namespace: str,
    service_name: str,
    after: pulumi.Output[Any],
    fixed_addresses: list[str],
    provider: k8s.Provider,
    parent: pulumi.Resource,
) -> pulumi.Output[Optional[dict]]:
    """Read the gateway Service and return its Link fields.

    The read's id is derived from `after`, an output that is unknown while the objects that create
    the Service are still to be created. The engine skips reads with an unknown id in a preview
    (ReadStep), so a first `pulumi preview` on empty clusters shows unknown gateway fields instead
    of failing with "not found".
    """
    service_id = after.apply(lambda _: f"{service_namespace}/{service_name}")
    service = k8s.core.v1.Service.get(
        name, service_id, opts=pulumi.ResourceOptions(provider=provider, parent=parent)
    )
    where = f"cluster {cluster!r}, Service {service_namespace}/{service_name}"

    def to_endpoint(parts: dict) -> dict:
        try:
            return endpoint_from_service(service_as_api_object(**parts), fixed_addresses, where)
        except GatewayNotReady as e:
            raise pulumi.RunError(f"gateway not usable for links: {e}") from None

    return pulumi.Output.all(metadata=service.metadata, spec=service.spec, status=service.status).apply(to_endpoint)
