"""The mesh: builds the clusters, links and exports of a validated `MeshConfig`.

Owns no Kubernetes object itself. The same code serves a single stack that installs every
cluster and per-cluster stacks: a link whose target lives in another stack gets its `LinkTarget`
from that stack's outputs, and a link whose source lives in another stack only makes this stack
grant the source its access and publish the credentials as a secret output.

Trust is decided elsewhere, in one place: `StackTrust` (components/trust_exchange.py) answers where
this stack's bundle and each cluster's issuer come from (its own anchor, a supplied issuer, the
anchor's stack's signature, the issuer a cluster runs), by the kind of stack (`trust`):
- owns its trust, no `members`: generates (or is given) the anchor and signs its own issuers;
- owns its trust, with `members`: also signs the issuer requests of the member stacks and holds a
  rotation step back while one of them lags;
- a member (`fromStack`): generates its issuers' keys, publishes their requests, and installs a
  cluster once the anchor's stack has signed one of its keys. No private key crosses stacks.
The mesh installs the clusters of that answer (`_build`), and only those: a member's cluster that
waits for its first signature gets no install, no links and no exports yet.

Two decisions read this stack's own outputs of its last successful update, through a
StackReference to itself (the engine keeps the Stack resource's previous outputs until the new
ones are registered, pulumi/pulumi pkg/resource/deploy/step.go SameStep, and GetStackOutputs in
pkg/backend/backend.go reads any stack of the backend, this one included): which issuer
generation a member installed (`StackTrust`), and which cross-stack links exist (`_granted`).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import pulumi

from . import constants as c
from .config.kubeconfig import api_server_address
from .config.schema import LinkConfig, MeshConfig
from .diagram import mermaid
from .exports import ExportedServices, ExportedServicesArgs
from .install import ClusterInstall, ClusterInstallArgs
from .link import Link, LinkArgs
from .link_health import LinkHealth
from .link_target import LinkTarget, credentials_output, gateway_enabled_in, when_granted
from .providers import cluster_provider, kubectl_flags
from .trust import AnchorMaterial, IssuerMaterial, TrustAnchor, expiry
from .trust_exchange import SOURCE_OUTPUT, StackTrust, TrustAnswer
from .values import ControllerEntry


class Mesh(pulumi.ComponentResource):
    """Everything one stack installs: its clusters, their links and their exported services."""

    anchor: Optional[AnchorMaterial]
    """The anchor that signs, in a stack that owns its trust; None in a member stack."""
    bundle_pem: pulumi.Output[Optional[str]]
    """The trust bundle this stack installs (None while a member waits for the anchor's stack)."""
    generated_anchors: list[TrustAnchor]
    issuers: dict[str, IssuerMaterial]
    installs: dict[str, ClusterInstall]
    links: dict[tuple[str, str], Link]

    def __init__(self, name: str, config: MeshConfig, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:index:Mesh", name, None, opts)
        self._config = config
        self._stack_refs: dict[str, pulumi.StackReference] = {}
        self._child = pulumi.ResourceOptions(parent=self)
        self._self_name = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
        self._providers = {n: cluster_provider(n, cl) for n, cl in config.clusters.items()}
        self._created_by = f"linkerd/cli {c.edge_tag(config.linkerd.version)}"
        self.issuers, self.installs, self.links = {}, {}, {}
        self._established: dict[tuple[str, str], pulumi.Output[bool]] = {}
        self._health = LinkHealth(config, self._stack, self)  # waits, `verify`, linkStatus

        # Trust decides where the bundle and every issuer come from; the build installs its answer.
        self._trust = StackTrust(config, self._self_name, self._stack, self._previous, self._providers, self)
        self._ready = self._trust.install(self._build)
        self.anchor, self.generated_anchors = self._trust.anchor, self._trust.generated_anchors
        self.bundle_pem = self._trust.bundle_pem

        self.register_outputs({"trustAnchorsPem": self.bundle_pem})

    # -- stacks ----------------------------------------------------------------------------------
    def _stack(self, stack_name: str) -> pulumi.StackReference:
        # One reference per stack, shared by trust.fromStack, trust.members, links[].targetStack
        # and this stack's own previous outputs.
        if stack_name not in self._stack_refs:
            self._stack_refs[stack_name] = pulumi.StackReference(
                f"stack-{stack_name.replace('/', '-')}", stack_name, opts=pulumi.ResourceOptions(parent=self)
            )
        return self._stack_refs[stack_name]

    def _previous(self, output: str) -> pulumi.Output[Any]:
        """This stack's own output of its last successful `pulumi up` (None before the first)."""
        return self._stack(self._self_name).get_output(output)

    # -- clusters, links, exports ----------------------------------------------------------------
    def _build(self, answer: TrustAnswer) -> None:
        """Install the clusters the trust gave an issuer, then their links and exports."""
        cfg = self._config
        issuers, bundle_pem = answer.issuers, answer.bundle_pem
        self.issuers = issuers
        # Cross-stack links are decided first: a controllers[] entry exists only with its Link.
        decided: dict[tuple[str, str], pulumi.Output[Optional[LinkTarget]]] = {}
        for link in cfg.links:
            if link.source in issuers and link.target not in cfg.clusters:
                decided[(link.source, link.target)] = self._granted(link, bundle_pem)

        for cname in issuers:
            cluster = cfg.clusters[cname]
            inbound = [l.source for l in cfg.links_to(cname)]
            self.installs[cname] = ClusterInstall(
                cname,
                ClusterInstallArgs(
                    cluster=cname,
                    linkerd=cfg.linkerd,
                    gateway=cluster.gateway,
                    trust_bundle_pem=bundle_pem,
                    issuer=issuers[cname],
                    provider=self._providers[cname],
                    api_server_address=api_server_address(cname, cluster) if inbound else None,
                    controllers=[self._controller(l, decided.get((l.source, l.target))) for l in cfg.links_from(cname)],
                    inbound_sources=inbound,
                    extra_values=cluster.extra_values,
                    protect=cfg.protect,
                    default_inbound_policy=cfg.default_inbound_policy(cname),
                    proxy_certificate_hours=cfg.trust.proxy_certificate_hours,
                ),
                opts=self._child,
            )

        for link in cfg.links:
            key = (link.source, link.target)
            if link.source not in self.installs:
                continue  # another stack installs the source (it only got access here), or it waits
            if link.target in self.installs:
                self._link(link, self.installs[link.target].link_target(link.source))
                self._established[key] = pulumi.Output.from_input(True)
            elif key in decided:
                self._established[key] = pulumi.Output.unsecret(decided[key].apply(
                    lambda target, link=link: self._link(link, target) is not None if target else False))
            else:
                pulumi.log.warn(f"link {link.source} -> {link.target} waits: cluster {link.target!r} of this "
                                "stack is not installed yet (it waits for its issuer)")
                self._established[key] = pulumi.Output.from_input(False)
            self._health.expect(link, self._established[key])
        self._health.verify()

        for cname in self.installs:
            cluster = cfg.clusters[cname]
            if cluster.exports:
                ExportedServices(
                    f"{cname}-exports",
                    ExportedServicesArgs(cluster=cname, exports=cluster.exports, provider=self._providers[cname]),
                    opts=self._child,
                )

    def _granted(self, link: LinkConfig, bundle_pem: pulumi.Input[Optional[str]]) -> pulumi.Output[Optional[LinkTarget]]:
        assert link.target_stack is not None  # guaranteed by config validation
        existed = self._previous("links").apply(lambda links: any(
            l.get("source") == link.source and l.get("target") == link.target and l.get("established")
            for l in (links or [])))
        return when_granted(self._stack(link.target_stack), link.target_stack, link.target, link.source,
                            bundle_pem, self._trust.source, existed)

    def _controller(self, link: LinkConfig, decided: Optional[pulumi.Output[Optional[LinkTarget]]]) -> ControllerEntry:
        target = self._config.clusters.get(link.target)
        if target is not None:
            return ControllerEntry(link_name=link.name, gateway_enabled=target.gateway.type != "none",
                                   present=link.target in self.issuers)
        assert link.target_stack is not None and decided is not None  # guaranteed by config validation
        return ControllerEntry(link_name=link.name,
                               gateway_enabled=gateway_enabled_in(self._stack(link.target_stack), link.target),
                               # Whether the link exists is no secret, though the decision read the
                               # secret credentials: keep the chart values readable in diffs.
                               present=pulumi.Output.unsecret(decided.apply(lambda t: t is not None)))

    def _link(self, link: LinkConfig, target: LinkTarget) -> Link:
        source = self.installs[link.source]
        if target.gateway_enabled is False:
            pulumi.log.warn(
                f"link {link.source} -> {link.target} uses remote discovery ({link.target} has no gateway): "
                f"pods in {link.source} connect straight to pods in {link.target}, so the clusters need a flat "
                f"pod network, and {link.target} must export with mode remote-discovery or federated"
            )
        created = Link(
            f"{link.source}-to-{link.target}",
            LinkArgs(
                source_cluster=link.source,
                target=target,
                source_provider=self._providers[link.source],
                source_linkerd_namespace=source.linkerd_namespace.metadata.name,
                source_multicluster_namespace=source.multicluster_namespace.metadata.name,
                multicluster_chart=source.multicluster,
                created_by=self._created_by,
                source_kubectl_flags=kubectl_flags(self._config.clusters[link.source]),
                wait_annotations=self._health.annotations(link),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.links[(link.source, link.target)] = created
        self._health.created(link, created)
        return created

    # -- what the stack exports --------------------------------------------------------------
    def _after_build(self, value: Callable[[], Any]) -> pulumi.Output[Any]:
        """An output computed once the clusters are registered (a member registers them later)."""
        return self._ready.apply(lambda _: pulumi.Output.from_input(value()))

    def outputs(self) -> dict[str, Any]:
        """Stack outputs; see docs/outputs.md. The set of names depends on the
        config only; values of what is not installed yet are empty."""
        cfg = self._config
        out: dict[str, Any] = {
            "trustAnchorsPem": self.bundle_pem,
            SOURCE_OUTPUT: self._trust.source,
            "gateways": self._after_build(lambda: {n: i.gateway for n, i in self.installs.items()}),
            "links": self._after_build(lambda: [
                {"name": l.name, "source": l.source, "target": l.target, "namespace": c.MULTICLUSTER_NAMESPACE,
                 "installedHere": l.source in cfg.clusters,
                 "established": self._established.get((l.source, l.target), False)}
                for l in cfg.links
            ]),
            "exports": {n: [f"{e.namespace}/{e.service}" for e in cl.exports] for n, cl in cfg.clusters.items()},
            "topologyDiagram": mermaid(cfg),
            # The links (and their decisions) are registered with the clusters: after the build.
            "linkStatus": self._after_build(lambda: self._health.outputs()["linkStatus"]),
        }
        sources = sorted({l.source for l in cfg.links if l.target in cfg.clusters})
        if sources:
            targets = lambda: {n: i for n, i in self.installs.items() if i.access}  # noqa: E731
            out["linkTargets"] = self._after_build(lambda: {n: i.published_target() for n, i in targets().items()})
            # One secret output per source cluster: the stack of each source reads only its own
            # tokens (link_target.credentials_output).
            for source in sources:
                out[credentials_output(source)] = pulumi.Output.secret(self._after_build(
                    lambda source=source: {n: i.access[source].credentials for n, i in targets().items()
                                           if source in i.access}))
        out.update(self._trust.outputs(self._after_build))
        out["certificates"] = self._after_build(lambda: {
            "trustAnchors": self.bundle_pem.apply(lambda b: expiry(b) if b else []),
            "issuers": {n: expiry(i.cert_pem) for n, i in self.issuers.items()},
        })
        return out
