"""Stack configuration: typed, validated before any resource is registered.

Every key lives under the project namespace (`linkerd-multicluster:<key>`). The rest of the
program never reads `pulumi.Config`: it receives a `MeshConfig`, whose cross-field rules (links to
unknown clusters, self links, duplicates, exports through a missing gateway) are checked here so a
bad stack file fails in `pulumi preview` with the key to fix, and nothing is half-applied.
"""
from __future__ import annotations

import json
import re
from typing import Any, Literal, Optional, Union

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

PROJECT = "linkerd-multicluster"
TOP_LEVEL_KEYS = ("linkerd", "trust", "clusters", "links", "topology", "protect")

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_STACK_REF = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_CHART_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d+$")


class ConfigError(pulumi.RunError):
    """A stack-config problem. The message names each `linkerd-multicluster:` key and the fix."""


class _Strict(BaseModel):
    """camelCase keys in YAML, snake_case in Python, and no unknown keys (typos fail loudly)."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


def _stack_name(value: Optional[str]) -> Optional[str]:
    if value is not None and not _STACK_REF.match(value):
        raise ValueError(f"{value!r} must be a fully qualified stack name <org>/<project>/<stack>")
    return value


def _dns_label(value: str, what: str) -> str:
    if not _DNS_LABEL.match(value) or len(value) > 40:
        raise ValueError(
            f"{what} {value!r} must be a lowercase DNS label of at most 40 characters "
            "(letters, digits, '-'); it becomes part of Kubernetes object names"
        )
    return value


class ExtraValues(_Strict):
    """Helm values passed through to the charts, checked against their real keys (extra_values.py)."""

    crds: dict[str, Any] = Field(default_factory=dict)
    control_plane: dict[str, Any] = Field(default_factory=dict)
    multicluster: dict[str, Any] = Field(default_factory=dict)

    def sections(self) -> dict[str, dict[str, Any]]:
        return {"crds": self.crds, "controlPlane": self.control_plane, "multicluster": self.multicluster}


class LinkerdConfig(_Strict):
    """`linkerd-multicluster:linkerd`: which Linkerd, from where, with which domains."""

    version: str = "2026.8.3"
    """Chart version of linkerd-crds, linkerd-control-plane and linkerd-multicluster (edge `YYYY.M.N`)."""
    repository: str = "https://helm.linkerd.io/edge"
    """Helm repository the three charts come from."""
    cluster_domain: str = "cluster.local"
    trust_domain: str = "cluster.local"
    """Identity trust domain; must be the same on every cluster of the mesh."""
    install_gateway_api: bool = True
    """Let linkerd-crds install the Gateway API CRDs, a prerequisite of today's Linkerd."""
    ha: bool = False
    """Use the charts' values-ha.yaml settings (replicas, anti-affinity, disruption budgets)."""
    extra_values: ExtraValues = Field(default_factory=ExtraValues)
    """Mesh-wide pass-through values per chart (`crds`, `controlPlane`, `multicluster`)."""

    @field_validator("version")
    @classmethod
    def _pinned_edge_version(cls, v: str) -> str:
        if not _CHART_VERSION.match(v):
            raise ValueError(
                f"{v!r} is not an edge chart version; pin an exact `YYYY.M.N` such as 2026.8.3"
            )
        return v


class CertKeyPair(_Strict):
    """An existing certificate with its private key (the key as *secret* config)."""

    cert_pem: str
    key_pem: str


class TrustConfig(_Strict):
    """`linkerd-multicluster:trust`: where the shared trust anchor comes from, and its lifecycle."""

    from_stack: Optional[str] = None
    """`<org>/<project>/<stack>` whose anchor this stack uses; unset: this stack owns the anchor."""
    anchor: Optional[CertKeyPair] = None
    """An existing anchor with its key, instead of a generated one."""
    existing_anchors_pem: Optional[str] = None
    """Public PEMs (one or more) of anchors already trusted by running clusters, bundled in."""
    anchor_validity_hours: int = Field(default=87600, ge=1464)
    """Lifetime of a generated anchor (default 10 years; at least 61 days, see `linkerd check`)."""
    issuer_validity_hours: int = Field(default=8760, ge=1464)
    """Lifetime of each cluster's issuer (default 1 year)."""
    anchor_generation: int = Field(default=0, ge=0)
    """Which generated anchor is current; raised by one to finish an anchor rotation."""
    rotation: Optional[Literal["add-anchor", "reissue-issuers"]] = None
    """Anchor rotation step: `add-anchor` bundles generation+1 beside the current one;
    `reissue-issuers` also signs the issuers with it. Finish by raising anchorGeneration."""
    issuer_generation: int = Field(default=0, ge=0)
    """Raise by one to re-issue every cluster's issuer (clusters.<name>.issuerGeneration: one)."""

    @model_validator(mode="after")
    def _one_source(self) -> "TrustConfig":
        if self.from_stack is not None and (self.anchor is not None or self.existing_anchors_pem):
            raise ValueError("fromStack takes the whole bundle from that stack; set anchor/existingAnchorsPem there")
        if self.rotation is not None and (self.from_stack is not None or self.anchor is not None):
            raise ValueError("rotation applies to a generated anchor; rotate in the stack that generates it, "
                             "or supply the new anchor and list the old one in existingAnchorsPem")
        return self

    @field_validator("from_stack")
    @classmethod
    def _stack_ref(cls, v: Optional[str]) -> Optional[str]:
        return _stack_name(v)


_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


class EmissaryExisting(_Strict):
    """An Emissary already running in the cluster, installed outside this stack."""

    namespace: str
    name: str
    """Name of its Deployment and Service (both `emissary-ingress` with the Helm chart)."""
    service_account: Optional[str] = None
    """Its pods' ServiceAccount (the gateway identity); default: `name`."""
    pod_labels: dict[str, str] = Field(default_factory=dict)
    """Labels of its pods; needed only for the authorization policy (see README)."""


class EmissaryInstall(_Strict):
    """Emissary installed by this stack from its OCI Helm charts, already set up as the gateway."""

    version: str
    """Emissary chart version (equals the Emissary version), e.g. 4.1.0."""
    namespace: str = "emissary"

    @field_validator("version")
    @classmethod
    def _pinned(cls, v: str) -> str:
        if not _SEMVER.match(v):
            raise ValueError(f"{v!r}: pin an exact Emissary chart version such as 4.1.0")
        return v


class EmissaryConfig(_Strict):
    existing: Optional[EmissaryExisting] = None
    install: Optional[EmissaryInstall] = None
    probe: Literal["proxy", "envoy"] = "proxy"
    """`proxy`: remote probes hit the Linkerd proxy's /ready on 4191 (no Emissary objects).
    `envoy`: they go through Envoy (port 80 -> 8080, /-/ambassador/ready), like the seed guide."""
    skip_inbound_ports: list[int] = Field(default_factory=list)
    """Public ports the Linkerd proxy should not intercept (`config.linkerd.io/skip-inbound-ports`)."""

    @model_validator(mode="after")
    def _one_of(self) -> "EmissaryConfig":
        if (self.existing is None) == (self.install is None):
            raise ValueError("set exactly one of `existing` (an Emissary you run) or `install` (this stack installs it)")
        return self


class GatewayConfig(_Strict):
    """`clusters.<name>.gateway`: how other clusters reach this one's exported services."""

    type: Literal["linkerd", "emissary", "none"] = "linkerd"
    """`linkerd`: the multicluster chart's gateway. `emissary`: Emissary-ingress serves as the
    gateway. `none`: no gateway (remote discovery over a flat network only)."""
    emissary: Optional[EmissaryConfig] = None
    """With `type: emissary`: which Emissary, and how it is probed."""
    service_type: Literal["LoadBalancer", "NodePort"] = "LoadBalancer"
    addresses: list[str] = Field(default_factory=list)
    """Fixed gateway addresses (IPs or hostnames) instead of the LoadBalancer status."""
    port: int = Field(default=4143, ge=1, le=65535)
    """Gateway port (`gateway.port`)."""
    probe_port: int = Field(default=4191, ge=1, le=65535)
    probe_seconds: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _emissary_block(self) -> "GatewayConfig":
        if self.type == "emissary" and self.emissary is None:
            raise ValueError("`type: emissary` needs an `emissary` block with `existing` or `install`")
        if self.type != "emissary" and self.emissary is not None:
            raise ValueError(f"`emissary` is only read with `type: emissary` (type is {self.type!r})")
        return self


class ExportConfig(_Strict):
    """One existing Service made visible to the clusters that link to this one."""

    namespace: str
    service: str
    mode: Literal["gateway", "remote-discovery", "federated"] = "gateway"

    @field_validator("namespace", "service")
    @classmethod
    def _names(cls, v: str, info) -> str:
        return _dns_label(v, info.field_name)


class ClusterConfig(_Strict):
    """`clusters.<name>`: one cluster this stack installs Linkerd on."""

    context: str
    """kubeconfig context used by Pulumi to reach the cluster."""
    kubeconfig: Optional[str] = None
    """Path of the kubeconfig file; unset: $KUBECONFIG or ~/.kube/config."""
    api_server_address: Optional[str] = None
    """API address the *other* clusters' pods use; unset: the context's server in the kubeconfig."""
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)
    exports: list[ExportConfig] = Field(default_factory=list)
    extra_values: ExtraValues = Field(default_factory=ExtraValues)
    """This cluster's pass-through values, merged over `linkerd.extraValues`."""
    issuer: Optional[CertKeyPair] = None
    """Keep an existing issuer (e.g. of a cluster whose Linkerd predates this stack)."""
    issuer_generation: Optional[int] = Field(default=None, ge=0)
    """Overrides trust.issuerGeneration for this cluster: raise it to re-issue only this issuer."""
    adopt: bool = False
    """Take over the objects of a Linkerd that already runs on this cluster (installed by the
    CLI or Helm) instead of failing on them: the cluster's provider upserts existing objects and
    forces its field values. Set it for the first `pulumi up` only, then remove it."""

    @field_validator("api_server_address")
    @classmethod
    def _https(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not v.startswith("https://"):
            raise ValueError(f"{v!r} must be an https:// URL reachable from the other clusters' pods")
        return v

    @model_validator(mode="after")
    def _unique_exports(self) -> "ClusterConfig":
        seen = set()
        for i, e in enumerate(self.exports):
            key = (e.namespace, e.service)
            if key in seen:
                raise ValueError(f"exports[{i}]: {e.namespace}/{e.service} is listed twice")
            seen.add(key)
        return self


class LinkConfig(_Strict):
    """`links[i]`: `source` mirrors the services that `target` exports."""

    source: str
    target: str
    target_stack: Optional[str] = None
    """Set when `target` is installed by another stack of this project (`<org>/<project>/<stack>`)."""

    @field_validator("target_stack")
    @classmethod
    def _stack_ref(cls, v: Optional[str]) -> Optional[str]:
        return _stack_name(v)

    @property
    def name(self) -> str:
        """The Link's name: the target's cluster name, as `link-gen --cluster-name` sets it."""
        return self.target


class HubTopology(_Strict):
    hub: str
    """Every other cluster of this stack links to the hub and the hub links to each of them."""


class MeshConfig(_Strict):
    """The whole stack configuration."""

    linkerd: LinkerdConfig = Field(default_factory=LinkerdConfig)
    trust: TrustConfig = Field(default_factory=TrustConfig)
    clusters: dict[str, ClusterConfig]
    topology: Optional[Union[Literal["full-mesh"], HubTopology]] = None
    """Links generated between this stack's clusters; `links` may add more."""
    links: list[LinkConfig] = Field(default_factory=list)
    """After validation: the topology's links followed by the explicit ones."""
    protect: bool = True
    """Protect the trust anchor's key and the control planes from deletion; `false` to lift it."""

    @model_validator(mode="before")
    @classmethod
    def _expand_topology(cls, raw: Any) -> Any:
        if not isinstance(raw, dict) or raw.get("topology") is None:
            return raw
        topology, clusters = raw["topology"], sorted((raw.get("clusters") or {}).keys())
        if topology == "full-mesh":
            generated = [(s, t) for s in clusters for t in clusters if s != t]
        elif isinstance(topology, dict) and isinstance(topology.get("hub"), str):
            hub = topology["hub"]
            if hub not in clusters:
                raise ValueError(f"topology.hub: {hub!r} is not a cluster of this stack (known: {', '.join(clusters)})")
            generated = [pair for c in clusters if c != hub for pair in ((c, hub), (hub, c))]
        else:
            return raw  # let field validation explain what a topology may be
        explicit = raw.get("links") or []
        problems = []
        for i, link in enumerate(explicit):
            if isinstance(link, dict) and (link.get("source"), link.get("target")) in generated:
                problems.append(
                    f"links[{i}]: {link.get('source')} -> {link.get('target')} is already created by "
                    f"`topology`; remove it from links"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return {**raw, "links": [{"source": s, "target": t} for s, t in generated] + list(explicit)}

    @field_validator("clusters")
    @classmethod
    def _cluster_names(cls, v: dict[str, ClusterConfig]) -> dict[str, ClusterConfig]:
        if not v:
            raise ValueError("list at least one cluster for this stack to install")
        for name in v:
            _dns_label(name, "cluster name")
        return v

    @model_validator(mode="after")
    def _links_are_consistent(self) -> "MeshConfig":
        problems: list[str] = []
        seen: dict[tuple[str, str], int] = {}
        for i, link in enumerate(self.links):
            where = f"links[{i}]"
            for end in (link.source, link.target):
                try:
                    _dns_label(end, "cluster name")
                except ValueError as e:
                    problems.append(f"{where}: {e}")
            if link.source == link.target:
                problems.append(f"{where}: cluster {link.source!r} cannot be linked to itself")
            key = (link.source, link.target)
            if key in seen:
                problems.append(f"{where}: duplicates links[{seen[key]}] ({link.source} -> {link.target})")
            seen.setdefault(key, i)
            source_here = link.source in self.clusters
            target_here = link.target in self.clusters
            if link.target_stack is not None and target_here:
                problems.append(
                    f"{where}.targetStack: target {link.target!r} is a cluster of this stack; "
                    "remove targetStack, or remove the cluster from `clusters`"
                )
            if link.target_stack is None and not target_here:
                problems.append(
                    f"{where}.target: {link.target!r} is not a cluster of this stack "
                    f"(known: {', '.join(sorted(self.clusters))}); add it under `clusters`, or set "
                    "targetStack to the stack that installs it"
                )
            if not source_here and not target_here:
                problems.append(
                    f"{where}: neither {link.source!r} nor {link.target!r} is a cluster of this stack"
                )
            if link.target_stack is not None and not source_here:
                problems.append(
                    f"{where}.source: {link.source!r} is not a cluster of this stack, so this stack "
                    "has nothing to do for a link whose target lives in another stack"
                )
        problems.extend(self._gateway_problems())
        problems.extend(self._extra_values_problems())
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def default_inbound_policy(self, cluster: str) -> str:
        """The cluster's Linkerd default inbound policy (`proxy.defaultInboundPolicy`)."""
        for extra in (self.clusters[cluster].extra_values, self.linkerd.extra_values):
            policy = (extra.control_plane.get("proxy") or {}).get("defaultInboundPolicy")
            if policy:
                return policy
        return "all-unauthenticated"

    def _gateway_problems(self) -> list[str]:
        problems = []
        for name, cluster in self.clusters.items():
            emissary = cluster.gateway.emissary
            if emissary is None or self.default_inbound_policy(name) not in ("deny", "cluster-authenticated", "cluster-unauthenticated"):
                continue
            where = f"clusters.{name}.gateway.emissary"
            if emissary.probe == "envoy":
                problems.append(f"{where}.probe: with default inbound policy {self.default_inbound_policy(name)!r} "
                                "remote probes through Envoy (8080) are refused; use `probe: proxy`")
            if emissary.existing is not None and not emissary.existing.pod_labels:
                problems.append(f"{where}.existing.podLabels: needed to authorize remote clients on the Emissary "
                                f"pods (default inbound policy {self.default_inbound_policy(name)!r}); give their labels")
        for i, link in enumerate(self.links):
            target = self.clusters.get(link.target)
            if target is None or target.gateway.type != "none":
                continue
            for j, e in enumerate(target.exports):
                if e.mode == "gateway":
                    problems.append(
                        f"clusters.{link.target}.exports[{j}]: {e.namespace}/{e.service} is exported "
                        f"through a gateway, but {link.target!r} has `gateway.type: none` and "
                        f"links[{i}] ({link.source} -> {link.target}) mirrors it; use "
                        "`mode: remote-discovery` or give the cluster a gateway"
                    )
        return problems

    def _extra_values_problems(self) -> list[str]:
        from . import extra_values  # the key list is data; load it only when validating

        version = self.linkerd.version
        found = []
        scopes = [("linkerd.extraValues", self.linkerd.extra_values)]
        scopes += [(f"clusters.{n}.extraValues", c.extra_values) for n, c in self.clusters.items()]
        for where, extra in scopes:
            for section, values in extra.sections().items():
                found += extra_values.problems(section, values, version, f"{where}.{section}")
        return found

    # -- derived views, used by the components ------------------------------------------------
    def links_from(self, source: str) -> list[LinkConfig]:
        """Links for which `source` is the mirroring side (one controllers[] entry each)."""
        return [l for l in self.links if l.source == source]

    def links_to(self, target: str) -> list[LinkConfig]:
        """Links that mirror `target` (one remote-access account each)."""
        return [l for l in self.links if l.target == target]


def _format_errors(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if not loc:  # cross-field rules: each line already starts with its key path
            lines.extend(f"  {PROJECT}:{line}" for line in msg.splitlines())
            continue
        key = f"{PROJECT}:{loc}"
        if e["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling against the README's configuration reference"
        elif e["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"  {key}: {msg}")
    return "invalid stack configuration:\n" + "\n".join(lines)


def parse(raw: dict[str, Any]) -> MeshConfig:
    """Validate a dict of top-level keys (as the stack file holds them) into a `MeshConfig`."""
    try:
        return MeshConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(_format_errors(err)) from None


def load() -> MeshConfig:
    """Read and validate this stack's config. Creates `pulumi.Config` lazily (see mocks notes)."""
    cfg = pulumi.Config(PROJECT)
    prefix = f"{PROJECT}:"
    unknown = sorted(
        k for k in pulumi.runtime.config.CONFIG.get() if k.startswith(prefix)
        and k[len(prefix):] not in TOP_LEVEL_KEYS
    )
    if unknown:
        raise ConfigError(
            "invalid stack configuration:\n"
            + "\n".join(f"  {k}: unknown key; known keys are {', '.join(TOP_LEVEL_KEYS)}" for k in unknown)
        )
    raw: dict[str, Any] = {}
    for key in TOP_LEVEL_KEYS:
        value = cli_value(cfg.get(key), f"{prefix}{key}")
        if value is not None:
            raw[key] = value
    if "clusters" not in raw:
        raise ConfigError(
            f"invalid stack configuration:\n  {prefix}clusters: required key is missing; "
            "list the clusters this stack installs (see Pulumi.east.yaml)"
        )
    _require_secret_keys(raw)
    return parse(raw)


def cli_value(text: Optional[str], key: str) -> Any:
    """One top-level config value as the Pulumi CLI passes it, back to the YAML value it was.

    The CLI hands a plain YAML string over *raw* and everything else (map, list, bool, number) as
    JSON text (pulumi/pulumi sdk/go/common/resource/config/object.go, `MarshalString`). So
    `topology: full-mesh` arrives as `full-mesh`, `protect: false` as `false` and a map as `{...}`.
    Text that is not JSON is therefore a plain string; text that starts like a JSON map or list
    but does not parse is an error (a string that looks like one is never a valid value here).
    """
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as e:
        if text.lstrip()[:1] in ("{", "["):
            raise ConfigError(f"invalid stack configuration:\n  {key}: not valid YAML/JSON ({e})") from None
        return text


def _require_secret_keys(raw: dict[str, Any]) -> None:
    """A private key in plaintext stack config would be committed with Pulumi.<stack>.yaml."""
    places = []
    trust = raw.get("trust") or {}
    if isinstance(trust, dict) and isinstance(trust.get("anchor"), dict) and trust["anchor"].get("keyPem"):
        places.append(("trust", "trust.anchor.keyPem"))
    for name, cluster in (raw.get("clusters") or {}).items():
        if isinstance(cluster, dict) and isinstance(cluster.get("issuer"), dict) and cluster["issuer"].get("keyPem"):
            places.append(("clusters", f"clusters.{name}.issuer.keyPem"))
    problems = [
        f"  {PROJECT}:{path}: a private key must be secret config; set it with "
        f"`pulumi config set --secret --path '{path}' -- \"$(cat key.pem)\"`"
        for top, path in places if not pulumi.runtime.is_config_secret(f"{PROJECT}:{top}")
    ]
    if problems:
        raise ConfigError("invalid stack configuration:\n" + "\n".join(problems))
