"""The Gateway API CRDs that Linkerd needs, applied by server-side-apply patch rather than created.

linkerd-crds can install them (`installGatewayAPI`), but it marks them `helm.sh/resource-policy:
keep`, which pulumi-kubernetes turns into RetainOnDelete (provider/pkg/provider/helm/v4/chart.go,
preregister): they outlive `pulumi destroy`, and since pulumi-kubernetes 4.29 creating an object
that exists fails (provider/pkg/await/await.go, Creation). So `destroy` then `up`, or any cluster
that already has these CRDs (many distributions and other meshes install them), failed with
AlreadyExists.

Here the chart renders without them, and the same chart's Gateway API CRDs (rendered by the
provider's `kubernetes:helm:template`, the same chart archive and version) are registered as
`CustomResourceDefinitionPatch` resources. A patch is a server-side apply, which creates the CRD
when it is missing and takes it over when it holds the same content; `destroy` leaves the CRD
(retainOnDelete, as Helm's `keep` means to). A CRD that another installer owns
with different content is a field conflict that names that manager: then set
`linkerd.installGatewayApi: false` and let that installer keep them.
"""
from __future__ import annotations

import json
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from . import constants as c
from .chart_source import chart_source
from .config.schema import LinkerdConfig

GATEWAY_API_GROUP = "gateway.networking.k8s.io"


def template_options(linkerd: LinkerdConfig, namespace: str) -> dict[str, Any]:
    """The `jsonOpts` of `kubernetes:helm:template` (pulumi-kubernetes' helm v3 chart options) for
    linkerd-crds with the Gateway API CRDs on, from where the other charts come from."""
    source = chart_source(linkerd.repository, c.CRDS_CHART, linkerd.version)
    where: dict[str, Any]
    if source.repository_opts is None and not source.chart.startswith("oci://"):
        where = {"path": source.chart}  # a local archive
    else:
        where = {"chart": source.chart, "version": source.version}
        if source.repository_opts is not None:
            where["fetch_opts"] = {"repo": linkerd.repository}
    # The provider renders with Helm's install action, which needs a release name (an empty one
    # fails: "release name \"\": no name provided"; the helm v3 SDK always sends its own).
    return {**where, "release_name": c.CRDS_CHART, "namespace": namespace, "values": {"installGatewayAPI": True}}


def gateway_api_crds(objects: list[dict]) -> list[dict]:
    """The Gateway API CRDs among rendered objects, in a stable order."""
    crds = [o for o in objects if o.get("kind") == "CustomResourceDefinition"
            and (o.get("spec") or {}).get("group") == GATEWAY_API_GROUP]
    return sorted(crds, key=lambda o: o["metadata"]["name"])


class GatewayApiCrds(pulumi.ComponentResource):
    """One cluster's Gateway API CRDs, as linkerd-crds at the pinned version renders them."""

    patches: pulumi.Output[list[str]]
    """Names of the CRDs applied."""

    def __init__(self, name: str, linkerd: LinkerdConfig, provider: k8s.Provider,
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:install:GatewayApiCrds", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=provider)
        rendered = pulumi.runtime.invoke(
            "kubernetes:helm:template", {"jsonOpts": json.dumps(template_options(linkerd, c.LINKERD_NAMESPACE))},
            pulumi.InvokeOptions(provider=provider, parent=self),
        ).value
        self.crds = [
            k8s.apiextensions.v1.CustomResourceDefinitionPatch(
                f"{name}:{crd['metadata']['name']}",
                metadata={"name": crd["metadata"]["name"], "labels": crd["metadata"].get("labels"),
                          "annotations": _without_keep(crd["metadata"].get("annotations"))},
                spec=crd["spec"],
                # Deleting a patch relinquishes its fields, which the apiserver refuses for a CRD's
                # required ones this patch created ("this Patch resource is currently managing a
                # required field", pulumi-kubernetes provider.go Delete; seen on the real tier):
                # `destroy` leaves them, as Helm's `keep` means to, and the next `up` takes them
                # back with the same field manager.
                opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(retain_on_delete=True)),
            )
            for crd in gateway_api_crds((rendered or {}).get("result") or [])
        ]
        self.register_outputs({})


def _without_keep(annotations: Optional[dict]) -> Optional[dict]:
    # Helm's resource policy means nothing to a patch (it is never deleted, only relinquished).
    return {k: v for k, v in (annotations or {}).items() if k != "helm.sh/resource-policy"} or None
