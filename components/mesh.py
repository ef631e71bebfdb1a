"""The mesh: wires trust, per-cluster installs, links and exports from a validated `MeshConfig`.

Owns no Kubernetes object itself. The same code serves a single stack that installs every
cluster and per-cluster stacks: a link whose target lives in another stack gets its `LinkTarget`
from that stack's outputs, and a link whose source lives in another stack only makes this stack
grant the source its access and publish the credentials as a secret output.

Three kinds of stack, by `trust`:
- owns its trust, no `members`: generates (or is given) the anchor and signs its own issuers;
- owns its trust, with `members`: also signs the issuer requests of the member stacks and holds a
  rotation step back while one of them lags (components/trust_exchange.py);
- a member (`fromStack`): generates its issuers' keys, publishes their requests, and installs a
  cluster once the anchor's stack has signed one of its keys. No private key crosses stacks.

Two of the decisions here read this stack's own outputs of its last successful update, through a
StackReference to itself (the engine keeps the Stack resource's previous outputs until the new
ones are registered, pulumi/pulumi pkg/resource/deploy/step.go SameStep, and GetStackOutputs in
pkg/backend/backend.go reads any stack of the backend, this one included): which issuer
generation a member installed, and which cross-stack links exist.
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
from .trust import (
    AnchorMaterial,
    IdentityIssuer,
    IdentityIssuerArgs,
    IssuerMaterial,
    TrustAnchor,
    checked_bundle,
    checked_issuer,
    expiry,
    issuer_common_name,
    mesh_trust,
    supplied_issuer,
)
from .trust_exchange import (
    INSTALLED_OUTPUT,
    REQUESTS_OUTPUT,
    SIGNED_OUTPUT,
    SOURCE_OUTPUT,
    choose_issuer,
    gate_on_members,
    issuer_name,
    matching_key,
    running_issuer,
    sign_member_requests,
)
from .values import ControllerEntry


def checked(material: IssuerMaterial, bundle_pem: pulumi.Input[str], cluster: str) -> IssuerMaterial:
    """The issuer as the control plane gets it, its certificate checked against the bundle."""
    cert = checked_issuer(material.cert_pem, bundle_pem, f"cluster {cluster!r} issuer")
    return IssuerMaterial(cert_pem=cert, private_key_pem=material.private_key_pem)


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
        self.generated_anchors = []
        self.issuers, self.installs, self.links = {}, {}, {}
        self._installed_generation: dict[str, Optional[int]] = {}
        self._established: dict[tuple[str, str], pulumi.Output[bool]] = {}
        self._requests: dict[str, IdentityIssuer] = {}
        self._signed: Optional[pulumi.Output[dict]] = None
        self._health = LinkHealth(config, self._stack, self)  # waits, `verify`, linkStatus

        trust = config.trust
        if trust.from_stack is None:
            self._trust_source = self._self_name
            setup = mesh_trust(trust, config.protect, self._child)
            self.generated_anchors, anchor = setup.generated, setup.material
            if trust.members:
                anchor = gate_on_members(anchor, self._member_reports(), trust.member_clusters(), trust.rotation,
                                         self._previous("trustAnchorsPem"))
            self.anchor, self.bundle_pem = anchor, anchor.bundle_pem
            issuers = {n: self._own_issuer(n) for n in config.clusters}
            self._build(issuers, anchor.bundle_pem)
            if trust.members:
                self._signed = self._sign_members()
            self._ready: pulumi.Output[bool] = pulumi.Output.from_input(True)
        else:
            self._trust_source = trust.from_stack
            self.anchor = None
            self._ready = self._as_member()
            self.bundle_pem = self._ready.apply(lambda ok: self._member_bundle if ok else None)

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

    # -- trust: a stack that owns it ---------------------------------------------------------------
    def _own_issuer(self, cname: str) -> IssuerMaterial:
        """A supplied issuer as it is, or one generated and signed here; either checked against the bundle."""
        cfg, trust = self._config, self._config.trust
        cluster = cfg.clusters[cname]
        assert self.anchor is not None
        if cluster.issuer is not None:
            material = supplied_issuer(cname, cluster.issuer)
            self._installed_generation[cname] = None
        else:
            generation = self._generation(cname)
            self._installed_generation[cname] = generation
            material = IdentityIssuer(
                f"{cname}-issuer",
                IdentityIssuerArgs(anchor=self.anchor, validity_hours=trust.issuer_validity_hours,
                                   trust_domain=cfg.linkerd.trust_domain, generation=generation),
                opts=self._child,
            ).material
        return checked(material, self.anchor.bundle_pem, cname)

    def _generation(self, cname: str) -> int:
        cluster, trust = self._config.clusters[cname], self._config.trust
        return cluster.issuer_generation if cluster.issuer_generation is not None else trust.issuer_generation

    def _member_reports(self) -> pulumi.Output[dict[str, dict[str, Any]]]:
        """What each member stack installed in its last successful update (its own outputs)."""
        return pulumi.Output.all(**{
            m: pulumi.Output.all(bundle=self._stack(m).get_output("trustAnchorsPem"),
                                 issuers=self._stack(m).get_output(INSTALLED_OUTPUT))
            for m in self._config.trust.member_clusters()
        })

    def _sign_members(self) -> pulumi.Output[dict]:
        """`signedIssuers`: one certificate per member request, signed by the anchor that signs now."""
        assert self.anchor is not None
        anchor, cfg = self.anchor, self._config
        members = cfg.trust.member_clusters()
        requests = pulumi.Output.all(**{m: self._stack(m).get_output(REQUESTS_OUTPUT) for m in members})
        subject = issuer_common_name(cfg.linkerd.trust_domain, c.LINKERD_NAMESPACE)
        return requests.apply(lambda found: sign_member_requests(
            found, members, subject, anchor, cfg.trust.issuer_validity_hours, self._child))

    # -- trust: a member stack -------------------------------------------------------------------
    def _as_member(self) -> pulumi.Output[bool]:
        """Keys and requests now; the clusters once the anchor's stack has signed (see choose_issuer)."""
        cfg, trust = self._config, self._config.trust
        anchor_stack = trust.from_stack
        assert anchor_stack is not None
        for cname, cluster in cfg.clusters.items():
            if cluster.issuer is None:
                self._requests[cname] = self._member_issuer(cname, self._generation(cname))
        ref = self._stack(anchor_stack)
        inputs = pulumi.Output.all(
            bundle=ref.get_output("trustAnchorsPem"), signed=ref.get_output(SIGNED_OUTPUT),
            installed=self._previous(INSTALLED_OUTPUT), installed_bundle=self._previous("trustAnchorsPem"),
        )
        self._member_bundle: Optional[pulumi.Output[str]] = None

        def build(v: dict[str, Any]) -> bool:
            if not v["bundle"]:
                pulumi.log.warn(
                    f"stack {anchor_stack} publishes no trust bundle yet: this stack installs nothing until it has. "
                    f"Its issuer requests are published (output {REQUESTS_OUTPUT}); run `pulumi up` on "
                    f"{anchor_stack} (with this stack in its trust.members), then run this stack again")
                return False
            bundle = checked_bundle(pulumi.Output.from_input(v["bundle"]), f"trust bundle of {anchor_stack}")
            self._member_bundle = bundle
            signed = {k: e for k, e in (v["signed"] or {}).items() if e.get("stack") == self._self_name}
            installed = v["installed"] or {}
            # Deployed before, by a version that did not report its issuers (before this protocol).
            unreported = bool(v["installed_bundle"]) and v["installed"] is None
            issuers = {}
            for cname in cfg.clusters:
                material = self._member_cluster_issuer(cname, signed.get(cname), installed.get(cname), bundle,
                                                       keep_running=unreported or cname in installed)
                if material is not None:
                    issuers[cname] = material
            self._build(issuers, bundle)
            return True

        return inputs.apply(build)

    def _member_issuer(self, cname: str, generation: int) -> IdentityIssuer:
        cfg = self._config
        return IdentityIssuer(
            issuer_name(cname, generation),
            IdentityIssuerArgs(anchor=None, validity_hours=cfg.trust.issuer_validity_hours,
                               trust_domain=cfg.linkerd.trust_domain, generation=None),
            opts=self._child,
        )

    def _member_cluster_issuer(self, cname: str, signed: Optional[dict], installed: Optional[dict],
                               bundle: pulumi.Output[str], keep_running: bool) -> Optional[IssuerMaterial]:
        """The issuer a member installs on `cname`, or None while it waits for its first signature.
        `keep_running`: this stack installed the cluster before, so it never uninstalls it for want
        of a signature: it keeps the issuer the cluster runs."""
        cluster, anchor_stack = self._config.clusters[cname], self._config.trust.from_stack
        assert anchor_stack is not None
        if cluster.issuer is not None:
            self._installed_generation[cname] = None
            return checked(supplied_issuer(cname, cluster.issuer), bundle, cname)
        if installed is not None and not isinstance(installed.get("generation"), (int, float)):
            installed = None  # it was a supplied issuer: nothing generated to keep
        choice, wait = choose_issuer(cname, self._generation(cname), signed, installed, anchor_stack)
        if choice is None and keep_running:
            pulumi.log.warn(f"cluster {cname!r} keeps the issuer it runs until {anchor_stack} signs this stack's "
                            f"request: run `pulumi up` on {anchor_stack} (with this stack in its trust.members), "
                            "then run this stack again")
            self._installed_generation[cname] = None
            return checked(running_issuer(cname, self._providers[cname], self), bundle, cname)
        if choice is None:
            pulumi.log.warn(wait or "")
            return None
        if choice.note:
            pulumi.log.warn(choice.note)
        key = (self._requests[cname] if choice.generation == self._generation(cname)
               else self._member_issuer(cname, choice.generation))
        self._installed_generation[cname] = choice.generation
        cert = matching_key(choice.cert_pem, key.private_key.public_key_pem, cname, anchor_stack)
        return checked(IssuerMaterial(cert_pem=cert, private_key_pem=key.private_key_pem), bundle, cname)

    # -- clusters, links, exports ----------------------------------------------------------------
    def _build(self, issuers: dict[str, IssuerMaterial], bundle_pem: pulumi.Output[str]) -> None:
        """Install the clusters that have an issuer, then their links and exports."""
        cfg = self._config
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
                            bundle_pem, self._trust_source, existed)

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
        """Stack outputs; see the README's "Stack outputs" section. The set of names depends on the
        config only; values of what is not installed yet are empty."""
        cfg = self._config
        out: dict[str, Any] = {
            "trustAnchorsPem": self.bundle_pem,
            SOURCE_OUTPUT: self._trust_source,
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
        out[INSTALLED_OUTPUT] = self._after_build(lambda: {
            n: {"generation": self._installed_generation.get(n), "certPem": i.cert_pem} for n, i in self.issuers.items()
        })
        if self._requests:
            out[REQUESTS_OUTPUT] = {
                n: {"generation": self._generation(n), "csrPem": issuer.request.cert_request_pem}
                for n, issuer in self._requests.items()
            }
        if self._signed is not None:
            out[SIGNED_OUTPUT] = self._signed
        out["certificates"] = self._after_build(lambda: {
            "trustAnchors": self.bundle_pem.apply(lambda b: expiry(b) if b else []),
            "issuers": {n: expiry(i.cert_pem) for n, i in self.issuers.items()},
        })
        return out
