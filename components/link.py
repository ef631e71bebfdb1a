"""One Link from a source cluster to a target: the `linkerd multicluster link-gen | kubectl apply` step.

link-gen (Linkerd 2.18+, multicluster/cmd/link-gen.go) prints three objects for the *source*:
1. Secret `cluster-credentials-<target>` in `linkerd-multicluster`, type
   `mirror.linkerd.io/remote-kubeconfig`, key `kubeconfig`: read by the service-mirror controller;
2. the same Secret in `linkerd`, with label `multicluster.linkerd.io/cluster-name` and annotations
   `multicluster.linkerd.io/trust-domain` / `cluster-domain`: read by the destination controller
   for remote discovery and federated services (controller/api/destination/watcher/cluster_store.go);
3. the `Link` (multicluster.linkerd.io/v1alpha3).
The controller itself comes from the source's multicluster chart (`controllers[]`, see values.py).
Link name, `targetClusterName`, `controllers[].link.ref.name` and the Secret suffix are all the
target's cluster name: the controller's RBAC may read only `cluster-credentials-<link name>`, and
`linkerd multicluster check` finds Leases and Deployments by `targetClusterName`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import shlex

import pulumi
import pulumi_command as command
import pulumi_kubernetes as k8s
import yaml

from . import constants as c
from .link_target import LinkTarget

# The three selectors link-gen writes; an empty selector selects *nothing* in the controller
# (cluster_watcher.go isExported/isRemoteDiscovery/isFederatedServiceMember), so all are explicit.
SELECTORS = {
    "selector": {"matchLabels": {c.EXPORT_LABEL: "true"}},
    "remoteDiscoverySelector": {"matchLabels": {c.EXPORT_LABEL: "remote-discovery"}},
    "federatedServiceSelector": {"matchLabels": {c.FEDERATED_LABEL: "member"}},
}


def build_kubeconfig(cluster: str, server: str, ca_data: str, user: str, token: str) -> str:
    """The kubeconfig link-gen writes: one cluster, one token user, one context.

    Serialised with sorted keys so that unchanged inputs give byte-identical Secrets (no diff).
    """
    if not token:
        raise pulumi.RunError(f"refusing to write a kubeconfig for {cluster!r} with an empty token")
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": {"server": server, "certificate-authority-data": ca_data}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": user}}],
        "current-context": cluster,
    }
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: same output, faster
    return yaml.dump(doc, Dumper=dumper, sort_keys=True, default_flow_style=False)


def link_spec(target: str, cluster_domain: str, linkerd_namespace: str, gateway: Optional[dict]) -> dict[str, Any]:
    """The Link v1alpha3 `spec`. Every scalar is a string in the CRD; ports included."""
    spec: dict[str, Any] = {
        "targetClusterName": target,
        "targetClusterDomain": cluster_domain,
        "targetClusterLinkerdNamespace": linkerd_namespace,
        "clusterCredentialsSecret": c.credentials_secret_name(target),
        **SELECTORS,
        "excludedAnnotations": [],
        "excludedLabels": [],
    }
    if gateway is not None:
        probe = gateway["probe"]
        spec.update(
            gatewayAddress=str(gateway["address"]),
            gatewayPort=str(gateway["port"]),
            gatewayIdentity=str(gateway["identity"]),
            probeSpec={
                "path": str(probe["path"]),
                "port": str(probe["port"]),
                "period": str(probe["period"]),
                # The CRD's defaults, written out so the stored object equals what we send.
                "failureThreshold": "3",
                "timeout": "30s",
            },
        )
    return spec


@dataclass(frozen=True)
class LinkArgs:
    source_cluster: str
    target: LinkTarget
    source_provider: k8s.Provider
    source_linkerd_namespace: pulumi.Input[str]
    """Output of the source's `linkerd` Namespace (orders the Secret after it)."""
    source_multicluster_namespace: pulumi.Input[str]
    multicluster_chart: pulumi.Resource
    """The source's linkerd-multicluster chart: it installs the Link CRD and the controller."""
    created_by: str
    """`linkerd/cli <tag>`: `linkerd multicluster check` warns when it differs from the CLI's."""
    source_kubectl_flags: list[str]
    """`--context`/`--kubeconfig` flags that reach the source cluster, for the mirror cleanup."""
    wait_annotations: pulumi.Input[dict[str, str]] = field(default_factory=dict)
    """`pulumi.com/waitFor` and `pulumi.com/timeoutSeconds` for the Link (link_health.py): the
    provider then awaits the target's exports being mirrored. Empty: no wait."""


def mirror_cleanup_command(target: str, kubectl_flags: list[str]) -> str:
    """What `linkerd multicluster unlink` deleted and nothing deletes today: the mirror Services a
    Link's controller created (they survive the Link, service-mirror `Stop(false)`), and its Lease."""
    kubectl = shlex.join(["kubectl", *kubectl_flags])
    selector = f"{c.MIRRORED_SERVICE_LABEL}=true,{c.MIRROR_CLUSTER_NAME_LABEL}={target}"
    return (
        f"{kubectl} delete service --all-namespaces -l {shlex.quote(selector)} --ignore-not-found && "
        f"{kubectl} delete lease -n {c.MULTICLUSTER_NAMESPACE} service-mirror-write-{target} --ignore-not-found"
    )


class LinkObject(k8s.apiextensions.CustomResource):
    """The `Link` custom resource, with its `status` as an output.

    `CustomResource` resolves only the properties it sends (apiVersion, kind, metadata, spec); the
    provider's outputs hold the whole live object. Declaring `status` as an output-only property
    (None is not sent: the inputs stay exactly as before) is what pulumi-kubernetes' generated
    classes do for theirs, e.g. `apps.v1.Deployment`."""

    status: pulumi.Output[Any]

    def _internal_init(self, resource_name: str, api_version: str, kind: str,
                       opts: Optional[pulumi.ResourceOptions] = None, metadata: Any = None,
                       spec: Any = None, __props__: Any = None) -> None:
        props = k8s.apiextensions.CustomResourceArgs.__new__(k8s.apiextensions.CustomResourceArgs)
        props.__dict__.update(api_version=api_version, kind=kind, metadata=metadata, spec=spec, status=None)
        pulumi.CustomResource.__init__(self, f"kubernetes:{api_version}:{kind}", resource_name, props, opts)


class Link(pulumi.ComponentResource):
    """Credentials Secrets and the Link resource in the source cluster."""

    link: LinkObject
    credentials_secrets: list[k8s.core.v1.Secret]

    def __init__(self, name: str, args: LinkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:link:Link", name, None, opts)
        on_source = pulumi.ResourceOptions(parent=self, provider=args.source_provider)
        target = args.target
        secret_name = c.credentials_secret_name(target.name)
        user = c.remote_access_account(args.source_cluster)

        kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(server=target.api_server_address, creds=target.credentials).apply(
                lambda v: build_kubeconfig(target.name, v["server"], v["creds"]["caData"], user, v["creds"]["token"])
            )
        )
        mirror_secret = k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=secret_name, namespace=args.source_multicluster_namespace),
            type=c.REMOTE_KUBECONFIG_SECRET_TYPE,
            string_data={c.KUBECONFIG_KEY: kubeconfig},
            opts=on_source,
        )
        destination_secret = k8s.core.v1.Secret(
            f"{name}-linkerd-credentials",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=secret_name,
                namespace=args.source_linkerd_namespace,
                labels={c.CLUSTER_NAME_LABEL: target.name},
                annotations={
                    c.TRUST_DOMAIN_ANNOTATION: target.trust_domain,
                    c.CLUSTER_DOMAIN_ANNOTATION: target.cluster_domain,
                },
            ),
            type=c.REMOTE_KUBECONFIG_SECRET_TYPE,
            string_data={c.KUBECONFIG_KEY: kubeconfig},
            opts=on_source,
        )
        self.credentials_secrets = [mirror_secret, destination_secret]

        # Runs only when the link goes (unlink, cluster removed, destroy). The Link depends on it,
        # so Pulumi deletes the Link first; its controller entry was already removed by the chart
        # update, which Pulumi applies before deletions. Needs kubectl where `pulumi` runs.
        # Quoted: unquoted, the shell read `-> <target>` as a redirection and wrote a file named
        # after the target cluster where `pulumi up` ran.
        armed = shlex.join(["echo", f"mirror cleanup armed for link {args.source_cluster} -> {target.name}"])
        self.mirror_cleanup = command.local.Command(
            f"{name}-mirror-cleanup",
            create=armed,
            update=armed,
            delete=mirror_cleanup_command(target.name, args.source_kubectl_flags),
            opts=pulumi.ResourceOptions(parent=self),
        )

        spec = pulumi.Output.all(
            domain=target.cluster_domain, ns=target.linkerd_namespace, gateway=target.gateway
        ).apply(lambda v: link_spec(target.name, v["domain"], v["ns"], v["gateway"]))
        # The controller reloads credentials only when the Link's spec changes, so the Secrets must
        # exist first (service-mirror link_handlers.go); the CRD comes with the multicluster chart.
        self.created_by = args.created_by
        self.wait_annotations = pulumi.Output.from_input(args.wait_annotations)
        self.link = LinkObject(
            f"{name}-link",
            api_version=c.LINK_API_VERSION,
            kind=c.LINK_KIND,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=target.name,
                namespace=args.source_multicluster_namespace,
                annotations=self.wait_annotations.apply(
                    lambda wait: {c.CREATED_BY_ANNOTATION: args.created_by, **(wait or {})}
                ),
            ),
            spec=spec,
            opts=pulumi.ResourceOptions.merge(
                on_source,
                pulumi.ResourceOptions(
                    depends_on=[args.multicluster_chart, mirror_secret, destination_secret, self.mirror_cleanup]
                ),
            ),
        )
        self.register_outputs({"linkName": target.name})
