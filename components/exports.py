"""Exported services: the `linkerd multicluster export-service` step, in today's terms.

In Linkerd 2.8 exporting meant two annotations (`mirror.linkerd.io/gateway-name/-ns`); since 2.9 a
Link selects Services by label, and link-gen's default selectors are
`mirror.linkerd.io/exported=true` (through the gateway), `=remote-discovery` (pod to pod), and
`mirror.linkerd.io/federated=member` (federated services).

The Services belong to the application, not to this program, so the label is applied with a
server-side-apply patch (`ServicePatch`): Pulumi owns only that one field, and a `pulumi destroy`
or removing the export removes just the label (unless another field manager set the same value
too: then it stays, as it was before). Exports wait for nothing of Linkerd's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from . import constants as c
from .config import ExportConfig


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
            self.patches.append(
                k8s.core.v1.ServicePatch(
                    f"{name}-{export.namespace}-{export.service}",
                    # No force: a label someone already set to the same value is then co-owned and
                    # survives a destroy; a *different* value fails with a field conflict that
                    # names the manager, rather than being silently overwritten.
                    metadata=k8s.meta.v1.ObjectMetaPatchArgs(
                        name=export.service, namespace=export.namespace, labels={key: value}
                    ),
                    opts=on_cluster,
                )
            )
        self.register_outputs(
            {"exported": [f"{e.namespace}/{e.service} ({e.mode})" for e in args.exports]}
        )
