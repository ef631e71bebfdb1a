"""Exported services: the `linkerd multicluster export-service` step, in today's terms.

In Linkerd 2.8 exporting meant two annotations (`mirror.linkerd.io/gateway-name/-ns`); since 2.9 a
Link selects Services by label, and link-gen's default selectors are
`mirror.linkerd.io/exported=true` (through the gateway), `=remote-discovery` (pod to pod), and
`mirror.linkerd.io/federated=member` (federated services).

The Services belong to the application, not to this program, so the label is applied with a
server-side-apply patch (`ServicePatch`): Pulumi owns only that one field, and a `pulumi destroy`
or removing the export removes just the label (unless another field manager set the same value
too: then it stays, as it was before). Exports wait for nothing of Linkerd's.

A patch is server-side apply, which *creates* a missing object (pulumi-kubernetes#2194): a
misspelt export would leave a stray, selector-less Service behind. So each Service is read first
(`<cluster>-exports-<namespace>-<service>-exists`) and its patch waits for the read; a missing
Service fails `pulumi preview` and `up` with the engine's "resource '<namespace>/<service>' does
not exist" on that read, and nothing is created.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from . import constants as c
from .config.schema import ExportConfig


@dataclass(frozen=True)
class ExportedServicesArgs:
    cluster: str
    exports: list[ExportConfig]
    provider: k8s.Provider


class ExportedServices(pulumi.ComponentResource):
    """Labels existing Services of one cluster so that linked clusters mirror them."""

    patches: list[k8s.core.v1.ServicePatch]

    def __init__(self, name: str, args: ExportedServicesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:exports:ExportedServices", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.patches = []
        for export in args.exports:
            key, value = c.EXPORT_LABEL_VALUES[export.mode]
            exists = k8s.core.v1.Service.get(
                f"{name}-{export.namespace}-{export.service}-exists", f"{export.namespace}/{export.service}",
                opts=on_cluster,
            )
            self.patches.append(
                k8s.core.v1.ServicePatch(
                    f"{name}-{export.namespace}-{export.service}",
                    # No force: a label someone already set to the same value is then co-owned and
                    # survives a destroy; a *different* value fails with a field conflict that
                    # names the manager, rather than being silently overwritten.
                    metadata=k8s.meta.v1.ObjectMetaPatchArgs(
                        name=export.service, namespace=export.namespace, labels={key: value}
                    ),
                    opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[exists])),
                )
            )
        self.register_outputs(
            {"exported": [f"{e.namespace}/{e.service} ({e.mode})" for e in args.exports]}
        )
