"""The stack configuration's schema: typed models, their rules, and the words to name a key.

Every key lives under the project namespace (`linkerd-multicluster:<key>`). The rest of the
program never reads `pulumi.Config`: it receives a `MeshConfig`, whose cross-field rules (links to
unknown clusters, self links, duplicates, exports through a missing gateway) are checked here so a
bad stack file fails in `pulumi preview` with the key to fix, and nothing is half-applied.

This module is the bottom layer of `components.config`: it imports nothing of the program but
`components.constants`. Checks that need more than the models (the charts' value keys, supplied
certificates, kubeconfig files) live beside it and import it; the loader runs them all.
"""
from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Optional, Union
from urllib.parse import urlparse

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from ..constants import EMISSARY_CHARTS, LINKERD_CHARTS

PROJECT = "linkerd-multicluster"
TOP_LEVEL_KEYS = ("linkerd", "trust", "clusters", "links", "topology", "protect", "linkHealth", "verify")

# Every pattern is used with `fullmatch`: `re.match(r"...$")` also accepts a trailing newline,
# which would then reach object names and kubectl commands. Explicit `[0-9]`, not `\d`, which
# matches any Unicode digit.
_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_LABEL = re.compile(_LABEL)
_DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_LABEL_NAME = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_STACK_REF = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_CHART_VERSION = re.compile(r"[0-9]{4}\.[0-9]{1,2}\.[0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
INT32_MAX = 2**31 - 1


class ConfigError(pulumi.RunError):
    """A stack-config problem. The message names each `linkerd-multicluster:` key and the fix."""


class _Strict(BaseModel):
    """camelCase keys in YAML, snake_case in Python, and no unknown keys (typos fail loudly)."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


def key_path(parts, base: str = "") -> str:
    """A config key path as `pulumi config set --path` spells it: `clusters.east.exports[0]`, and
    `clusters["odd key"]` for a map key that is not a plain word; `parts` go after `base`."""
    out = base
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{json.dumps(str(part))}]"
    return out


def _stack_name(value: Optional[str]) -> Optional[str]:
    if value is not None and not _STACK_REF.fullmatch(value):
        raise ValueError(f"{value!r} must be a fully qualified stack name <org>/<project>/<stack>")
    return value


def _dns_label(value: str, what: str, max_length: int = 40) -> str:
    if not _DNS_LABEL.fullmatch(value) or len(value) > max_length:
        raise ValueError(
            f"{what} {value!r} must be a lowercase DNS label of at most {max_length} characters "
            "(letters, digits, '-'); it becomes part of Kubernetes object names"
        )
    return value


def _dns_subdomain(value: str, what: str) -> str:
    """RFC 1123 subdomain, as Kubernetes checks names and domains: lowercase labels of letters,
    digits and '-' (none starting or ending with '-'), at most 63 characters each, joined by dots,
    at most 253 characters in all."""
    if not _DNS_SUBDOMAIN.fullmatch(value) or len(value) > 253 or any(len(l) > 63 for l in value.split(".")):
        raise ValueError(
            f"{what} {value!r} must be a lowercase DNS name (labels of letters, digits and '-' joined "
            "by dots, each at most 63 characters, at most 253 in all)"
        )
    return value


def _valid_subdomain(value: str) -> bool:
    try:
        _dns_subdomain(value, "")
    except ValueError:
        return False
    return True


def _https_url(value: str, what: str, schemes: tuple[str, ...] = ("https",)) -> str:
    """A URL with one of `schemes` and a host, without whitespace or control characters."""
    try:
        url = urlparse(value)
        host, _ = url.hostname, url.port  # .port raises on a port that is not a number in range
    except ValueError:
        host, url = None, None
    if url is None or url.scheme not in schemes or not host or any(ch.isspace() for ch in value) \
            or _CONTROL.search(value) or not value.startswith(f"{url.scheme}://"):
        raise ValueError(f"{what} {value!r} must be an {' or '.join(s + '://' for s in schemes)} URL with a host")
    return value


URL_SCHEMES = ("https", "oci")
"""Chart repositories by URL: a Helm repository (`https://`) or an OCI registry (`oci://`)."""


def is_local(repository: str) -> bool:
    """A repository that names a directory of packaged charts rather than a URL."""
    return "://" not in repository


def archive_name(chart: str, version: str) -> str:
    """The file `helm package` writes for `chart` at `version`."""
    return f"{chart}-{version}.tgz"


def missing_archives(directory: str, charts: list[str], version: str) -> Optional[str]:
    """Why `directory` cannot serve `charts` at `version` (None when it can): it is not a
    directory, or archives are missing. The message lists what is missing and what is there."""
    path = Path(directory)
    if not path.is_dir():
        return f"{directory!r} is neither an https:// or oci:// URL nor an existing directory"
    missing = [archive_name(c, version) for c in charts if not (path / archive_name(c, version)).is_file()]
    if not missing:
        return None
    present = sorted(p.name for p in path.glob("*.tgz"))
    return (f"the directory {directory!r} has no {', '.join(missing)} (it holds: {', '.join(present) or 'no .tgz'});"
            f" add them with `helm pull <chart> --version {version} -d {directory}`, or pin the version it holds")


def _chart_repository(value: str, charts: tuple[str, ...], info: ValidationInfo, what: str) -> str:
    """A chart repository URL, or a local directory holding every chart of `charts` at the version
    validated before it (`version` is declared first). The directory is checked here, on the
    machine that runs the program: a missing archive would otherwise fail inside the provider,
    after other resources were created."""
    if not is_local(value):
        return _https_url(value, what, schemes=URL_SCHEMES)
    version = info.data.get("version")
    problem = missing_archives(value, list(charts), version) if version else None
    if problem:
        raise ValueError(problem)
    return value


def _no_control_characters(value: str, what: str) -> str:
    if not value or _CONTROL.search(value):
        raise ValueError(f"{what} {value!r} must be a non-empty name without control characters or newlines")
    return value


class ExtraValues(_Strict):
    """Helm values passed through to the charts, checked against their real keys (chart_keys.py)."""

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
    """Where the three charts come from: a Helm repository (`https://`), an OCI registry (`oci://`),
    or a local directory of packaged charts `<chart>-<version>.tgz` (air-gapped clusters)."""
    cluster_domain: str = "cluster.local"
    trust_domain: str = "cluster.local"
    """Identity trust domain; must be the same on every cluster of the mesh."""
    webhook_validity_hours: int = Field(default=8760, ge=1464, le=87600)
    """Lifetime of the admission webhooks' CA and serving certificates (the chart's own: 365 days)."""
    webhook_generation: int = Field(default=0, ge=0, le=INT32_MAX)
    """Raise by one to renew every cluster's webhook certificates (pulumi-tls never renews them)."""
    install_gateway_api: bool = True
    """Let linkerd-crds install the Gateway API CRDs, a prerequisite of today's Linkerd."""
    ha: bool = False
    """Use the charts' values-ha.yaml settings (replicas, anti-affinity, disruption budgets)."""
    extra_values: ExtraValues = Field(default_factory=ExtraValues)
    """Mesh-wide pass-through values per chart (`crds`, `controlPlane`, `multicluster`)."""

    @field_validator("version")
    @classmethod
    def _pinned_edge_version(cls, v: str) -> str:
        if not _CHART_VERSION.fullmatch(v):
            raise ValueError(
                f"{v!r} is not an edge chart version; pin an exact `YYYY.M.N` such as 2026.8.3"
            )
        return v

    @field_validator("repository")
    @classmethod
    def _secure_repository(cls, v: str, info: ValidationInfo) -> str:
        return _chart_repository(v, LINKERD_CHARTS, info, "the chart repository")

    @field_validator("cluster_domain", "trust_domain")
    @classmethod
    def _domains(cls, v: str, info) -> str:
        return _dns_subdomain(v, to_camel(info.field_name))


class CertKeyPair(_Strict):
    """An existing certificate with its private key (the key as *secret* config)."""

    cert_pem: str
    key_pem: str


MAX_MEMBER_CLUSTERS = 32
"""Clusters one member stack may install: each is a signed issuer in the anchor's stack."""


class TrustMember(_Strict):
    """`trust.members[i]`: a stack whose `trust.fromStack` is this stack, and the clusters it installs."""

    stack: str
    """`<org>/<project>/<stack>` of the member."""
    clusters: list[str] = Field(min_length=1, max_length=MAX_MEMBER_CLUSTERS)
    """The clusters it may install: the anchor's stack signs one issuer request for each, no other."""

    @field_validator("stack")
    @classmethod
    def _stack_ref(cls, v: str) -> str:
        return _stack_name(v)  # type: ignore[return-value]

    @field_validator("clusters")
    @classmethod
    def _cluster_names(cls, v: list[str]) -> list[str]:
        for name in v:
            _dns_label(name, "cluster name")
        if len(set(v)) != len(v):
            raise ValueError("a cluster is listed twice")
        return v


class TrustConfig(_Strict):
    """`linkerd-multicluster:trust`: where the shared trust anchor comes from, and its lifecycle."""

    from_stack: Optional[str] = None
    """`<org>/<project>/<stack>` whose anchor this stack uses; unset: this stack owns the anchor."""
    anchor: Optional[CertKeyPair] = None
    """An existing anchor with its key, instead of a generated one."""
    existing_anchors_pem: Optional[str] = None
    """Public PEMs (one or more) of anchors already trusted by running clusters, bundled in."""
    anchor_validity_hours: int = Field(default=87600, ge=1464, le=876000)
    """Lifetime of a generated anchor (default 10 years; at least 61 days, see `linkerd check`;
    at most 100 years)."""
    issuer_validity_hours: int = Field(default=8760, ge=1464, le=876000)
    """Lifetime of each cluster's issuer (default 1 year)."""
    proxy_certificate_hours: int = Field(default=24, ge=1, le=8760)
    """Lifetime of the certificates the identity controller gives proxies (the chart's
    `identity.issuer.issuanceLifetime`, default 24h): what a stolen proxy certificate is worth."""
    anchor_generation: int = Field(default=0, ge=0, le=INT32_MAX)
    """Which generated anchor is current; raised by one to finish an anchor rotation."""
    rotation: Optional[Literal["add-anchor", "reissue-issuers"]] = None
    """Anchor rotation step: `add-anchor` bundles generation+1 beside the current one;
    `reissue-issuers` also signs the issuers with it. Finish by raising anchorGeneration."""
    issuer_generation: int = Field(default=0, ge=0, le=INT32_MAX)
    """Raise by one to re-issue every cluster's issuer (clusters.<name>.issuerGeneration: one)."""
    members: list[TrustMember] = Field(default_factory=list, max_length=256)
    """Stacks whose `trust.fromStack` is this stack, each with the clusters it installs: this stack
    signs the issuer requests they publish for those clusters, and holds a rotation step back
    while one of them lags."""

    @model_validator(mode="after")
    def _one_source(self) -> "TrustConfig":
        if self.from_stack is not None and self.members:
            raise ValueError("members: only the stack that owns the anchor (no fromStack) signs for other stacks; "
                             f"list this stack in the members of {self.from_stack} instead")
        stacks = [m.stack for m in self.members]
        if len(set(stacks)) != len(stacks):
            raise ValueError("members: a stack is listed twice; list all its clusters in one entry")
        owner: dict[str, str] = {}
        for i, member in enumerate(self.members):
            for cluster in member.clusters:
                if cluster in owner:
                    raise ValueError(f"members[{i}].clusters: {cluster!r} is also given to {owner[cluster]}; "
                                     "a cluster is installed by one stack")
                owner[cluster] = member.stack
        if self.proxy_certificate_hours >= self.issuer_validity_hours:
            raise ValueError("proxyCertificateHours: proxy certificates must be shorter-lived than their issuer "
                             f"(issuerValidityHours {self.issuer_validity_hours})")
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

    @field_validator("members", mode="before")
    @classmethod
    def _member_entries(cls, v: Any) -> Any:
        # The form before members were tied to clusters: say what to write instead.
        if isinstance(v, list):
            for i, entry in enumerate(v):
                if isinstance(entry, str):
                    raise ValueError(
                        f"members[{i}]: {entry!r} must name the clusters that stack installs: "
                        f"`{{stack: {entry}, clusters: [<cluster>, ...]}}` (the anchor's stack signs "
                        "issuers for those clusters only)")
        return v

    def member_clusters(self) -> dict[str, list[str]]:
        """Member stack -> the clusters it may install."""
        return {m.stack: list(m.clusters) for m in self.members}


_SEMVER = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")


class EmissaryExisting(_Strict):
    """An Emissary already running in the cluster, installed outside this stack."""

    namespace: str
    name: str
    """Name of its Deployment and Service (both `emissary-ingress` with the Helm chart)."""
    service_account: Optional[str] = None
    """Its pods' ServiceAccount (the gateway identity); default: `name`."""
    pod_labels: dict[str, str] = Field(default_factory=dict)
    """Labels of its pods; needed only for the authorization policy (docs/configuration.md)."""

    @field_validator("namespace", "name")
    @classmethod
    def _names(cls, v: str, info) -> str:
        return _dns_label(v, info.field_name, max_length=63)

    @field_validator("service_account")
    @classmethod
    def _account(cls, v: Optional[str]) -> Optional[str]:
        return None if v is None else _dns_subdomain(v, "serviceAccount")

    @field_validator("pod_labels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            prefix, _, name = key.rpartition("/")
            if (prefix and not _valid_subdomain(prefix)) or not _LABEL_NAME.fullmatch(name) or len(name) > 63:
                raise ValueError(f"label key {key!r} is not a Kubernetes label key ([prefix/]name, name of "
                                 "at most 63 letters, digits, '-', '_', '.')")
            if value and (not _LABEL_NAME.fullmatch(value) or len(value) > 63):
                raise ValueError(f"label {key}={value!r}: a label value is at most 63 letters, digits, '-', '_', '.'")
        return v


class EmissaryInstall(_Strict):
    """Emissary installed by this stack from its OCI Helm charts, already set up as the gateway."""

    version: str
    """Emissary chart version (equals the Emissary version), e.g. 4.1.0."""
    namespace: str = "emissary"
    repository: str = "oci://ghcr.io/emissary-ingress"
    """Where `emissary-crds-chart` and `emissary-ingress` come from: an OCI registry, a Helm
    repository (`https://`), or a local directory of packaged charts (air-gapped clusters)."""

    @field_validator("repository")
    @classmethod
    def _repository(cls, v: str, info: ValidationInfo) -> str:
        return _chart_repository(v, EMISSARY_CHARTS, info, "the Emissary chart repository")

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, v: str) -> str:
        return _dns_label(v, "namespace", max_length=63)

    @field_validator("version")
    @classmethod
    def _pinned(cls, v: str) -> str:
        if not _SEMVER.fullmatch(v):
            raise ValueError(f"{v!r}: pin an exact Emissary chart version such as 4.1.0")
        return v


class EmissaryConfig(_Strict):
    existing: Optional[EmissaryExisting] = None
    install: Optional[EmissaryInstall] = None
    probe: Literal["proxy", "envoy"] = "proxy"
    """`proxy`: remote probes hit the Linkerd proxy's /ready on 4191 (no Emissary objects).
    `envoy`: they go through Envoy (port 80 -> 8080, /-/ambassador/ready), like the seed guide."""
    skip_inbound_ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(default_factory=list)
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
    probe_seconds: int = Field(default=3, ge=1, le=INT32_MAX)

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        # Joined with ',' into the Link's gatewayAddress: an entry must be one address.
        for address in v:
            if not address.strip() or "," in address or _CONTROL.search(address):
                raise ValueError(f"{address!r} is not one IP address or hostname; list each address on its own")
        return v

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
    issuer_generation: Optional[int] = Field(default=None, ge=0, le=INT32_MAX)
    """Overrides trust.issuerGeneration for this cluster: raise it to re-issue only this issuer."""
    adopt: bool = False
    """Take over the objects of a Linkerd that already runs on this cluster (installed by the
    CLI or Helm) instead of failing on them: the cluster's provider upserts existing objects and
    forces its field values. Set it for the first `pulumi up` only, then remove it."""

    @field_validator("api_server_address")
    @classmethod
    def _https(cls, v: Optional[str]) -> Optional[str]:
        if v is not None:
            try:
                _https_url(v, "the API server address")
            except ValueError:
                raise ValueError(f"{v!r} must be an https:// URL reachable from the other clusters' pods") from None
        return v

    @field_validator("context")
    @classmethod
    def _context(cls, v: str) -> str:
        # An empty context would make the provider use the kubeconfig's current context.
        return _no_control_characters(v, "context")

    @field_validator("kubeconfig")
    @classmethod
    def _kubeconfig(cls, v: Optional[str]) -> Optional[str]:
        return None if v is None else _no_control_characters(v, "kubeconfig path")

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


class LinkHealthConfig(_Strict):
    """`linkHealth`: how a Link waits for its target's exported services to be mirrored.

    The wait is pulumi-kubernetes' own (`pulumi.com/waitFor` on the Link, see link_health.py);
    the timeout bounds it, because a service that never mirrors would otherwise hold `pulumi up`
    for the provider's default 10 minutes. At least 30 s: the controller mirrors only after it has
    read the credentials and the target's Services; at most an hour, past which a wait hides a
    broken link instead of waiting for a slow one.
    """

    wait_for_mirrors: bool = True
    timeout_seconds: int = Field(default=300, ge=30, le=3600)


MESH_CHECKS = "mesh_checks"
"""Validation-context key of the rules about the whole mesh that need more than this module
(the charts' value keys, `chart_keys.py`): `MeshConfig.model_validate(raw, context={MESH_CHECKS:
[check, ...]})`, each `check(mesh) -> [problem, ...]`. Their problems are reported with the
cross-field rules below, in one error, in the order given."""
MeshCheck = Callable[["MeshConfig"], list[str]]


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
    link_health: LinkHealthConfig = Field(default_factory=LinkHealthConfig)
    verify: Literal["none", "linkerd-check"] = "none"
    """`linkerd-check`: run `linkerd multicluster check` on every source cluster as the last step."""

    @model_validator(mode="before")
    @classmethod
    def _expand_topology(cls, raw: Any) -> Any:
        if not isinstance(raw, dict) or raw.get("topology") is None:
            return raw
        if not isinstance(raw.get("clusters"), dict) or not isinstance(raw.get("links") or [], list):
            return raw  # field validation says what `clusters` and `links` must be
        topology, clusters = raw["topology"], sorted(raw["clusters"])
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
    def _links_are_consistent(self, info: ValidationInfo) -> "MeshConfig":
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
        problems.extend(self._member_problems())
        problems.extend(self._gateway_problems())
        problems.extend(self._source_range_problems())
        for check in (info.context or {}).get(MESH_CHECKS, ()):
            problems.extend(check(self))
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def default_inbound_policy(self, cluster: str) -> str:
        """The cluster's Linkerd default inbound policy (`proxy.defaultInboundPolicy`)."""
        for extra in (self.clusters[cluster].extra_values, self.linkerd.extra_values):
            proxy = extra.control_plane.get("proxy")
            policy = proxy.get("defaultInboundPolicy") if isinstance(proxy, dict) else None
            if policy and isinstance(policy, str):  # anything else is refused by chart_keys.problems
                return policy
        return "all-unauthenticated"

    def gateway_source_ranges(self, cluster: str) -> tuple[Any, str]:
        """The cluster's `gateway.loadBalancerSourceRanges` for the multicluster chart, and the key
        that sets it: the cluster's own extraValues replace the mesh-wide ones (lists are not
        merged); (None, "") when neither sets it."""
        scopes = ((f"clusters.{cluster}.extraValues", self.clusters[cluster].extra_values),
                  ("linkerd.extraValues", self.linkerd.extra_values))
        for where, extra in scopes:
            gateway = extra.multicluster.get("gateway")
            if isinstance(gateway, dict) and "loadBalancerSourceRanges" in gateway:
                return gateway["loadBalancerSourceRanges"], f"{where}.multicluster.gateway.loadBalancerSourceRanges"
        return None, ""

    def _source_range_problems(self) -> list[str]:
        """Source ranges the gateway cannot take: on a NodePort Service the API server refuses them
        (`ValidateService`: "may only be used when `type` is 'LoadBalancer'"), and a cluster without
        the chart's gateway (`emissary`, `none`) renders no Service to restrict, so ranges set for it
        alone would restrict nothing while looking as if they did."""
        problems = []
        for name, cluster in self.clusters.items():
            ranges, key = self.gateway_source_ranges(name)
            if not isinstance(ranges, list) or not ranges:
                continue
            own = key.startswith("clusters.")
            if cluster.gateway.type == "linkerd" and cluster.gateway.service_type == "NodePort":
                fix = "remove them" if own else f"set clusters.{name}.extraValues.multicluster.gateway.loadBalancerSourceRanges: []"
                problems.append(f"{key}: cluster {name!r} has a NodePort gateway (clusters.{name}.gateway.serviceType), "
                                f"and the API server refuses loadBalancerSourceRanges on a NodePort Service; {fix}")
            elif cluster.gateway.type != "linkerd" and own:
                problems.append(f"{key}: cluster {name!r} has no Linkerd gateway (clusters.{name}.gateway.type is "
                                f"{cluster.gateway.type!r}), so these ranges restrict nothing; remove them"
                                + (", and restrict Emissary's own Service" if cluster.gateway.type == "emissary" else ""))
        return problems

    def warnings(self) -> list[str]:
        """What the config opens explicitly, worth a warning on every run (the policy pack's advisories
        cover the defaults): a source range that admits every address on a LoadBalancer gateway, and a
        cluster that overrides the mesh-wide default inbound policy with `all-unauthenticated`."""
        found = []
        for name, cluster in self.clusters.items():
            ranges, key = self.gateway_source_ranges(name)
            if cluster.gateway.type == "linkerd" and cluster.gateway.service_type == "LoadBalancer" \
                    and isinstance(ranges, list):
                found += [f"{PROJECT}:{key}[{i}]: {entry.strip()} admits every address, so the gateway of cluster "
                          f"{name!r} is as open as without source ranges; list the source clusters' egress ranges"
                          for i, entry in enumerate(ranges)
                          if is_cidr(entry) and ipaddress.ip_network(entry.strip(), strict=False).prefixlen == 0]
            own = cluster.extra_values.control_plane.get("proxy")
            mesh = self.linkerd.extra_values.control_plane.get("proxy")
            mesh_policy = mesh.get("defaultInboundPolicy") if isinstance(mesh, dict) else None
            if isinstance(own, dict) and own.get("defaultInboundPolicy") == "all-unauthenticated" \
                    and mesh_policy not in (None, "all-unauthenticated"):
                found.append(f"{PROJECT}:clusters.{name}.extraValues.controlPlane.proxy.defaultInboundPolicy: "
                             f"all-unauthenticated overrides linkerd.extraValues.controlPlane.proxy.defaultInboundPolicy "
                             f"({mesh_policy}) for cluster {name!r}: its meshed pods accept plain-text connections from "
                             "any client, meshed or not, on every port no Server covers")
        return found

    def _member_problems(self) -> list[str]:
        return [f"trust.members[{i}].clusters: {cluster!r} is a cluster of this stack; a cluster is "
                "installed by one stack (remove it there or from `clusters`)"
                for i, member in enumerate(self.trust.members) for cluster in member.clusters
                if cluster in self.clusters]

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

    # -- derived views, used by the components ------------------------------------------------
    def links_from(self, source: str) -> list[LinkConfig]:
        """Links for which `source` is the mirroring side (one controllers[] entry each)."""
        return [l for l in self.links if l.source == source]

    def links_to(self, target: str) -> list[LinkConfig]:
        """Links that mirror `target` (one remote-access account each)."""
        return [l for l in self.links if l.target == target]


def yaml_kind(value: Any) -> str:
    """What a value is, in YAML words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"[:60]
    if isinstance(value, str):
        return f"the text {value!r}"[:60]
    return {dict: "a map", list: "a list"}.get(type(value), type(value).__name__)


def is_cidr(value: Any) -> bool:
    """An IP range as Kubernetes takes it in `loadBalancerSourceRanges`: `<address>/<prefix>` (a bare
    address is refused there, unlike Python's `ip_network`)."""
    if not isinstance(value, str) or "/" not in value:
        return False
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return True
