"""The mesh: wires trust, per-cluster installs, links and exports from a validated `MeshConfig`.

Owns no Kubernetes object itself. The same code serves a single stack that installs every
cluster and per-cluster stacks: a link whose target lives in another stack gets its `LinkTarget`
from that stack's outputs, and a link whose source lives in another stack only makes this stack
grant the source its access and publish the credentials as a secret output.
"""
from __future__ import annotations

from typing import Any, Optional

import pulumi

from . import constants as c
from .config import LinkConfig, MeshConfig
from .diagram import mermaid
from .exports import ExportedServices, ExportedServicesArgs
from .install import ClusterInstall, ClusterInstallArgs
from .link import Link, LinkArgs
from .link_health import LinkHealth  # issue 13: link health (waits, check, linkStatus)
from .link_target import LinkTarget, credentials_output, gateway_enabled_in, require_stack_output, when_granted
from .providers import api_server_address, cluster_provider, kubectl_flags
from .trust import (
    AnchorMaterial,
    IdentityIssuer,
    IdentityIssuerArgs,
    IssuerMaterial,
    TrustAnchor,
    checked_bundle,
    checked_issuer,
    expiry,
    mesh_trust,
    supplied_issuer,
)
from .values import ControllerEntry


class Mesh(pulumi.ComponentResource):
    """Everything one stack installs: its clusters, their links and their exported services."""

    anchor: AnchorMaterial
    generated_anchors: list[TrustAnchor]
    issuers: dict[str, IssuerMaterial]
    installs: dict[str, ClusterInstall]
    links: dict[tuple[str, str], Link]

    def __init__(self, name: str, config: MeshConfig, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:index:Mesh", name, None, opts)
        self._config = config
        self._stack_refs: dict[str, pulumi.StackReference] = {}
        child = pulumi.ResourceOptions(parent=self)
        linkerd = config.linkerd

        self.generated_anchors, self.anchor = self._trust_anchor(child)
        providers = {n: cluster_provider(n, cl) for n, cl in config.clusters.items()}

        self.installs = {}
        self.issuers = {}
        for cname, cluster in config.clusters.items():
            issuer = self._issuer(cname, child)
            self.issuers[cname] = issuer
            inbound = [l.source for l in config.links_to(cname)]
            self.installs[cname] = ClusterInstall(
                cname,
                ClusterInstallArgs(
                    cluster=cname,
                    linkerd=linkerd,
                    gateway=cluster.gateway,
                    trust_bundle_pem=self.anchor.bundle_pem,
                    issuer=issuer,
                    provider=providers[cname],
                    api_server_address=api_server_address(cname, cluster) if inbound else None,
                    controllers=[self._controller(l) for l in config.links_from(cname)],
                    inbound_sources=inbound,
                    extra_values=cluster.extra_values,
                    protect=config.protect,
                    default_inbound_policy=config.default_inbound_policy(cname),
                ),
                opts=child,
            )

        self._created_by = f"linkerd/cli {c.edge_tag(linkerd.version)}"
        self._providers = providers
        self.links = {}
        self._health = LinkHealth(config, self._stack, self)  # issue 13
        for link in config.links:
            if link.source not in config.clusters:
                continue  # another stack installs the source; this one only granted access
            if link.target in self.installs:
                self._link(link, self.installs[link.target].link_target(link.source))
                self._health.expect(link, True)  # issue 13
            else:
                assert link.target_stack is not None  # guaranteed by config validation
                self._health.expect(link, when_granted(  # issue 13: expect(...)
                    self._stack(link.target_stack), link.target_stack, link.target, link.source,
                    self.anchor.bundle_pem, lambda target, link=link: self._link(link, target),
                ))
        self._health.verify()  # issue 13

        for cname, cluster in config.clusters.items():
            if cluster.exports:
                ExportedServices(
                    f"{cname}-exports",
                    ExportedServicesArgs(cluster=cname, exports=cluster.exports, provider=providers[cname]),
                    opts=child,
                )
        self.register_outputs({"trustAnchorsPem": self.anchor.bundle_pem})

    # -- pieces -----------------------------------------------------------------------------
    def _stack(self, stack_name: str) -> pulumi.StackReference:
        # One reference per stack, shared by trust.fromStack and links[].targetStack.
        if stack_name not in self._stack_refs:
            self._stack_refs[stack_name] = pulumi.StackReference(
                f"stack-{stack_name.replace('/', '-')}", stack_name, opts=pulumi.ResourceOptions(parent=self)
            )
        return self._stack_refs[stack_name]

    def _trust_anchor(self, child: pulumi.ResourceOptions) -> tuple[list[TrustAnchor], AnchorMaterial]:
        trust = self._config.trust
        if trust.from_stack is None:
            setup = mesh_trust(trust, self._config.protect, child)
            return setup.generated, setup.material
        ref = self._stack(trust.from_stack)
        hint = (f"that stack must generate the anchor (no trust.fromStack of its own); "
                f"run `pulumi up` on {trust.from_stack} before this stack")

        def output(name: str) -> pulumi.Output[str]:
            return require_stack_output(ref, trust.from_stack, name, hint)

        return [], AnchorMaterial(
            cert_pem=output("trustAnchorCertPem"),
            private_key_pem=pulumi.Output.secret(output("trustAnchorKeyPem")),
            bundle_pem=checked_bundle(output("trustAnchorsPem"), f"trust bundle of {trust.from_stack}"),
        )

    def _issuer(self, cname: str, child: pulumi.ResourceOptions) -> IssuerMaterial:
        """A supplied issuer as it is, or a generated one; either is checked against the bundle."""
        cfg, trust = self._config, self._config.trust
        cluster = cfg.clusters[cname]
        if cluster.issuer is not None:
            material = supplied_issuer(cname, cluster.issuer)
        else:
            generation = cluster.issuer_generation if cluster.issuer_generation is not None else trust.issuer_generation
            material = IdentityIssuer(
                f"{cname}-issuer",
                IdentityIssuerArgs(
                    anchor=self.anchor,
                    validity_hours=trust.issuer_validity_hours,
                    trust_domain=cfg.linkerd.trust_domain,
                    generation=generation,
                ),
                opts=child,
            ).material
        cert = checked_issuer(material.cert_pem, self.anchor.bundle_pem, f"cluster {cname!r} issuer")
        return IssuerMaterial(cert_pem=cert, private_key_pem=material.private_key_pem)

    def _controller(self, link: LinkConfig) -> ControllerEntry:
        target = self._config.clusters.get(link.target)
        if target is not None:
            return ControllerEntry(link_name=link.name, gateway_enabled=target.gateway.type != "none")
        assert link.target_stack is not None  # guaranteed by config validation
        return ControllerEntry(link_name=link.name, gateway_enabled=gateway_enabled_in(self._stack(link.target_stack), link.target))

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
                wait_annotations=self._health.annotations(link),  # issue 13
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.links[(link.source, link.target)] = created
        self._health.created(link, created)  # issue 13
        return created

    # -- what the stack exports --------------------------------------------------------------
    def outputs(self) -> dict[str, Any]:
        """Stack outputs; see the README's "Stack outputs" section."""
        cfg = self._config
        out: dict[str, Any] = {
            "trustAnchorsPem": self.anchor.bundle_pem,
            "gateways": {n: i.gateway for n, i in self.installs.items()},
            "links": [
                {"name": l.name, "source": l.source, "target": l.target,
                 "namespace": c.MULTICLUSTER_NAMESPACE, "installedHere": l.source in cfg.clusters}
                for l in cfg.links
            ],
            "exports": {n: [f"{e.namespace}/{e.service}" for e in cl.exports] for n, cl in cfg.clusters.items()},
            "topologyDiagram": mermaid(cfg),
            **self._health.outputs(),  # issue 13: linkStatus
        }
        targets = {n: i for n, i in self.installs.items() if i.access}
        if targets:
            out["linkTargets"] = {n: i.published_target() for n, i in targets.items()}
            # One secret output per source cluster: the stack of each source reads only its own
            # tokens (link_target.credentials_output).
            sources = sorted({s for i in targets.values() for s in i.access})
            for source in sources:
                out[credentials_output(source)] = pulumi.Output.secret(
                    {n: i.access[source].credentials for n, i in targets.items() if source in i.access}
                )
        if cfg.trust.from_stack is None:
            # For stacks with trust.fromStack: the anchor that signs issuers now (the new one
            # from `rotation: reissue-issuers` on).
            out["trustAnchorCertPem"] = self.anchor.cert_pem
            out["trustAnchorKeyPem"] = self.anchor.private_key_pem
        out["certificates"] = {
            "trustAnchors": expiry(self.anchor.bundle_pem),
            "issuers": {n: expiry(i.cert_pem) for n, i in self.issuers.items()},
        }
        return out
