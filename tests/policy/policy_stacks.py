"""The stacks the policy tests hand to the pack, built the way the engine presents them (see
policy_harness.py and the docstring of policy/linkerd_policies/__init__.py): a two-cluster mesh on
explicit providers `east` and `west`, whose `helm.v4.Chart` components carry no inputs and whose
rendered objects are child custom resources on the chart's provider; and the helpers that break
one rule at a time. Each policy's cases are in tests/policy/test_<its module>.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from policy_harness import Resource, Result, secret

MC_NS = "linkerd-multicluster"
L5D_NS = "linkerd"
K8S_PROVIDER = "pulumi:providers:kubernetes"
CHART_V4 = "kubernetes:helm.sh/v4:Chart"
RELEASE = "kubernetes:helm.sh/v3:Release"
LINK = "kubernetes:multicluster.linkerd.io/v1alpha3:Link"
# Source clusters' egress ranges (documentation networks) a hardened gateway admits.
SOURCE_CIDRS = ["203.0.113.0/24", "2001:db8::/32"]

TRUST = "trust-anchors-identical"
PROVIDER = "kubernetes-explicit-provider"
KEYS = "no-key-material-in-helm"
LINKS = "link-consistency"
STRINGS = "link-fields-are-strings"
VERSIONS = "helm-chart-version-pinned"
GATEWAY = "link-gateway-identity"
CONFIGMAP_KEYS = "no-private-key-in-configmap"
SECRET_KEYS = "keys-are-pulumi-secrets"
KUBECONFIGS = "kubeconfig-credentials-are-pulumi-secrets"
ANCHOR_SOURCES = "trust-anchors-from-known-sources"
ISSUER = "issuer-certificate"
PROXY_INIT = "proxy-init-unprivileged"
GATEWAY_MATCH = "gateway-identity-matches-target"
INBOUND = "inbound-policy-not-all-unauthenticated"
SOURCE_RANGES = "gateway-load-balancer-source-ranges"
ALL_POLICIES = {TRUST, PROVIDER, KEYS, LINKS, STRINGS, VERSIONS, GATEWAY, CONFIGMAP_KEYS, SECRET_KEYS, KUBECONFIGS,
                ANCHOR_SOURCES, ISSUER, PROXY_INIT, GATEWAY_MATCH, INBOUND, SOURCE_RANGES}


# --- key material -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pki:
    anchor_a: str
    anchor_b: str
    fingerprint_a: str
    fingerprint_b: str
    issuer_crt: str
    key_pkcs8: str
    key_sec1: str
    foreign: str
    """An anchor no stack generates (nor reads)."""
    long_issuer_crt: str
    """A 100-year issuer with serverAuth and anyExtendedKeyUsage."""


def _self_signed(cn: str, key: ec.EllipticCurvePrivateKey, days: int = 3650,
                 eku: Optional[list[x509.ObjectIdentifier]] = None) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True))
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(key, hashes.SHA256())


def make_pki() -> Pki:
    """The certificates and keys the stacks use: two anchors, an issuer and its key, a foreign anchor."""
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(4)]
    a = _self_signed("root.linkerd.cluster.local", keys[0])
    b = _self_signed("root.linkerd.cluster.local", keys[1])
    issuer = _self_signed("identity.linkerd.cluster.local", keys[2], days=365)
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode()  # noqa: E731
    long_issuer = _self_signed("identity.linkerd.cluster.local", keys[2], days=36500,
                               eku=[x509.oid.ExtendedKeyUsageOID.SERVER_AUTH, x509.oid.ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
    return Pki(
        foreign=pem(_self_signed("root.linkerd.cluster.local", keys[3])), long_issuer_crt=pem(long_issuer),
        anchor_a=pem(a), anchor_b=pem(b),
        fingerprint_a=a.fingerprint(hashes.SHA256()).hex(),
        fingerprint_b=b.fingerprint(hashes.SHA256()).hex(),
        issuer_crt=pem(issuer),
        key_pkcs8=keys[2].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode(),
        key_sec1=keys[2].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()).decode(),
    )


# --- the stack as the engine shows it -------------------------------------------------------------
def object_meta(name: str, namespace: Optional[str] = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def deployment_object(name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": object_meta(name, namespace, labels=labels),
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "cr.l5d.io/linkerd/controller",
                                                           "ports": [{"containerPort": 9999}]}]}}}}


def link_spec(target: str) -> dict[str, Any]:
    """The Link spec the program writes (strings everywhere, as `link-gen` does)."""
    return {
        "targetClusterName": target,
        "targetClusterDomain": "cluster.local",
        "targetClusterLinkerdNamespace": "linkerd",
        "clusterCredentialsSecret": f"cluster-credentials-{target}",
        "gatewayAddress": f"gateway.{target}.example.net",
        "gatewayPort": "4143",
        "gatewayIdentity": "linkerd-gateway.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local",
        "probeSpec": {"path": "/ready", "port": "4191", "period": "3s", "failureThreshold": "3", "timeout": "30s"},
        "selector": {"matchLabels": {"mirror.linkerd.io/exported": "true"}},
        "remoteDiscoverySelector": {"matchLabels": {"mirror.linkerd.io/exported": "remote-discovery"}},
        "federatedServiceSelector": {"matchLabels": {"mirror.linkerd.io/federated": "member"}},
    }


def kubeconfig_text(cluster: str, **user: str) -> str:
    """A kubeconfig as `linkerd multicluster link-gen` (and components/link.py) writes it: one
    cluster, one context, one user with the given credentials (`token=`, `client-key-data=` ...)."""
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": cluster,
        "clusters": [{"name": cluster, "cluster": {"server": f"https://{cluster}.example.net:6443",
                                                  "certificate-authority-data": "Y2VydGlmaWNhdGU="}}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": "remote"}}],
        "users": [{"name": "remote", "user": user}],
    }, sort_keys=True)


class Stack:
    """Builds the resources of one stack in registration order, with helpers to break them."""

    def __init__(self) -> None:
        self.resources: list[Resource] = []
        self.root = self.add(Resource("pulumi:pulumi:Stack", "linkerd-multicluster-east"))
        self.providers: dict[str, Resource] = {}

    def add(self, r: Resource) -> Resource:
        self.resources.append(r)
        return r

    def __getitem__(self, name: str) -> Resource:
        matches = [r for r in self.resources if r.name == name]
        assert len(matches) == 1, f"{name!r}: {len(matches)} resources"
        return matches[0]

    def remove(self, name: str) -> Resource:
        r = self[name]
        self.resources.remove(r)
        return r

    def chart(self, name: str, parent: Resource, children: list[tuple[str, str, dict[str, Any]]],
              provider: Resource) -> Resource:
        """A Chart v4 as the engine sees it: a component with no inputs and no provider, and one
        child custom resource per rendered object, named `<chart>:<namespace>/<name>`, on the
        provider the chart was given."""
        comp = self.add(Resource(CHART_V4, name, {}, parent=parent))
        urns = []
        for type_, _, obj in children:
            ns = obj["metadata"].get("namespace")
            child_name = f"{name}:{ns}/{obj['metadata']['name']}" if ns else f"{name}:{obj['metadata']['name']}"
            urns.append(self.add(Resource(type_, child_name, obj, parent=comp, provider=provider)).urn)
        comp.outputs = {"resources": urns}
        return comp


def mesh_stack(pki: Pki, clusters: tuple[str, ...] = ("east", "west"),
               links: tuple[tuple[str, str], ...] = (("east", "west"), ("west", "east")),
               anchors: Optional[dict[str, str]] = None, render_control_plane: bool = True,
               render_multicluster: bool = True, inbound_policy: Optional[str] = "all-authenticated") -> Stack:
    """A single-stack mesh as the program registers it (see the issue's resource contract), with
    `linkerd.extraValues.controlPlane.proxy.defaultInboundPolicy: <inbound_policy>` (None: not set,
    the chart's all-unauthenticated, which inbound-policy-not-all-unauthenticated flags)."""
    anchors = anchors or {}
    s = Stack()
    mesh = s.add(Resource("linkerd-multicluster:index:Mesh", "mesh", parent=s.root))
    # pulumi-tls resources sit on the default tls provider: not a Kubernetes resource.
    tls = s.add(Resource("pulumi:providers:tls", "default_5_6_2", {"version": "5.6.2"}))
    trust = s.add(Resource("linkerd-multicluster:trust:TrustAnchor", "trust", parent=mesh))
    s.add(Resource("tls:index:PrivateKey", "trust-anchor-key", {"algorithm": "ECDSA", "ecdsaCurve": "P256"},
                   parent=trust, provider=tls,
                   outputs={"algorithm": "ECDSA", "privateKeyPem": secret(pki.key_pkcs8)}))
    # The anchors this stack generates (a rotation's two generations): where bundles may come from.
    for name, pem in (("trust-anchor-cert", pki.anchor_a), ("trust-anchor-g1-cert", pki.anchor_b)):
        s.add(Resource("tls:index/selfSignedCert:SelfSignedCert", name, {"isCaCertificate": True, "maxPathLength": 1},
                       parent=trust, provider=tls, outputs={"certPem": pem, "isCaCertificate": True}))
    for c in clusters:
        s.providers[c] = s.add(Resource(K8S_PROVIDER, c, {"context": f"kind-{c}", "clusterIdentifier": c,
                                                          "version": "4.34.2"}, parent=mesh))
    for c in clusters:
        p = s.providers[c]
        install = s.add(Resource("linkerd-multicluster:install:ClusterInstall", c, parent=mesh))
        bundle = anchors.get(c, pki.anchor_a)
        s.add(Resource("kubernetes:core/v1:Namespace", f"{c}-linkerd-namespace", {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": object_meta(L5D_NS, labels={"linkerd.io/is-control-plane": "true"},
                              annotations={"linkerd.io/inject": "disabled"})}, parent=install, provider=p))
        s.chart(f"{c}-linkerd-crds", install, [
            ("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "",
             {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
              "metadata": object_meta("servers.policy.linkerd.io"),
              "spec": {"group": "policy.linkerd.io", "names": {"kind": "Server", "plural": "servers"},
                       "scope": "Namespaced", "versions": [{"name": "v1beta3", "served": True, "storage": True}]}}),
        ], p)
        # The program keeps the issuer key in a Secret of its own, not in Helm values.
        s.add(Resource("kubernetes:core/v1:Secret", f"{c}-identity-issuer", {
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": object_meta("linkerd-identity-issuer", L5D_NS),
            "stringData": {"tls.crt": pki.issuer_crt, "tls.key": secret(pki.key_sec1), "ca.crt": bundle}},
            parent=install, provider=p))
        values = {"identityTrustAnchorsPEM": bundle, "identityTrustDomain": "cluster.local",
                  "identity": {"issuer": {"scheme": "kubernetes.io/tls", "tls": {"crtPEM": ""}}},
                  "proxyInjector": {"externalSecret": True, "caBundle": bundle}}
        if inbound_policy is not None:
            values["proxy"] = {"defaultInboundPolicy": inbound_policy}
        if render_control_plane:
            s.chart(f"{c}-linkerd-control-plane", install, [
                ("kubernetes:core/v1:ConfigMap", "", {"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": object_meta("linkerd-identity-trust-roots", L5D_NS),
                 "data": {"ca-bundle.crt": bundle.strip()}}),
                ("kubernetes:core/v1:ConfigMap", "", {"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": object_meta("linkerd-config", L5D_NS),
                 "data": {"linkerd-crds-chart-version": "linkerd-crds-1.0.0-edge",
                          "values": yaml.safe_dump(values)}}),
                ("kubernetes:apps/v1:Deployment", "", deployment_object("linkerd-identity", L5D_NS,
                                                                 {"linkerd.io/control-plane-component": "identity"})),
            ], p)
        else:  # first preview: the anchor is unknown, so Chart v4 renders nothing
            s.add(Resource(CHART_V4, f"{c}-linkerd-control-plane", {}, parent=install, outputs={}))
        s.add(Resource("kubernetes:core/v1:Namespace", f"{c}-multicluster-namespace", {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": object_meta(MC_NS, labels={"linkerd.io/extension": "multicluster"})}, parent=install, provider=p))
        outbound = [t for (src, t) in links if src == c]
        inbound = [src for (src, t) in links if t == c]
        if render_multicluster:
            s.chart(f"{c}-linkerd-multicluster", install, [
                ("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "",
                 {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                  "metadata": object_meta("links.multicluster.linkerd.io"),
                  "spec": {"group": "multicluster.linkerd.io", "names": {"kind": "Link", "plural": "links"},
                           "scope": "Namespaced",
                           "versions": [{"name": "v1alpha3", "served": True, "storage": True}]}}),
                ("kubernetes:apps/v1:Deployment", "", deployment_object("linkerd-local-service-mirror", MC_NS,
                                                                 {"component": "local-service-mirror"})),
                *[("kubernetes:apps/v1:Deployment", "", deployment_object(
                    f"controller-{t}", MC_NS, {"component": "controller", "mirror.linkerd.io/cluster-name": t}))
                  for t in outbound],
                *[("kubernetes:core/v1:Secret", "", {
                    "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                    "metadata": object_meta(f"linkerd-service-mirror-remote-access-{src}-token", MC_NS, annotations={
                        "kubernetes.io/service-account.name": f"linkerd-service-mirror-remote-access-{src}"})})
                  for src in inbound],
            ], p)
        else:
            s.add(Resource(CHART_V4, f"{c}-linkerd-multicluster", {}, parent=install, outputs={}))
    for src, target in links:
        p = s.providers[src]
        comp = s.add(Resource("linkerd-multicluster:link:Link", f"{src}-to-{target}", parent=mesh))
        kubeconfig = secret(kubeconfig_text(target, token=f"token-of-{src}-for-{target}"))
        for suffix, ns in (("credentials", MC_NS), ("linkerd-credentials", L5D_NS)):
            s.add(Resource("kubernetes:core/v1:Secret", f"{src}-to-{target}-{suffix}", {
                "apiVersion": "v1", "kind": "Secret", "type": "mirror.linkerd.io/remote-kubeconfig",
                "metadata": object_meta(f"cluster-credentials-{target}", ns),
                "stringData": {"kubeconfig": kubeconfig}}, parent=comp, provider=p))
        s.add(Resource(LINK, f"{src}-to-{target}-link", {
            "apiVersion": "multicluster.linkerd.io/v1alpha3", "kind": "Link",
            "metadata": object_meta(target, MC_NS, annotations={"linkerd.io/created-by": "linkerd/cli edge-26.8.3"}),
            "spec": link_spec(target)}, parent=comp, provider=p))
    return s


# What the two advisory policies ask a Release for, where `values` do not say otherwise.
HARDENED_VALUES = {"linkerd-control-plane": {"proxy": {"defaultInboundPolicy": "all-authenticated"}},
                   "linkerd-multicluster": {"gateway": {"loadBalancerSourceRanges": SOURCE_CIDRS}}}


def release(name: str, chart: str, provider: Resource, version: Any = "2026.8.3",
            values: Optional[dict[str, Any]] = None, hardened: bool = True) -> Resource:
    """A helm.v3.Release: a custom resource, so its inputs are visible to policies. `hardened`: with
    the inbound policy and gateway source ranges of HARDENED_VALUES unless `values` set the key."""
    values = dict(values or {})
    for key, value in HARDENED_VALUES.get(chart, {}).items() if hardened else ():
        values.setdefault(key, value)
    props: dict[str, Any] = {"chart": chart, "namespace": L5D_NS,
                             "repositoryOpts": {"repo": "https://helm.linkerd.io/edge"}, "values": values}
    if version is not None:
        props["version"] = version
    return Resource(RELEASE, name, props, provider=provider)


# --- judging the pack's answer ------------------------------------------------------------------
def only(result: Result, policy: str) -> list[str]:
    """Messages of `policy`'s MANDATORY diagnostics, after checking no other policy complained."""
    others = [d for d in result.diagnostics if d.policy != policy]
    assert not others, f"unexpected diagnostics from other policies: {others}"
    return [d.message for d in result.of(policy, "MANDATORY")]


def advisories(result: Result, policy: str) -> list[str]:
    """Messages of `policy`'s ADVISORY diagnostics, after checking nothing else was reported."""
    assert [d for d in result.diagnostics if d.policy != policy or d.level != "ADVISORY"] == []
    return [d.message for d in result.of(policy, "ADVISORY")]


# --- objects a program registers itself -----------------------------------------------------------
def config_map(s: Stack, name: str, cluster: str = "east", **fields: Any) -> Resource:
    """A ConfigMap the program registers itself (core.v1.ConfigMap), not one a chart renders."""
    return s.add(Resource("kubernetes:core/v1:ConfigMap", name, {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": object_meta(name, L5D_NS), **fields},
        parent=s.root, provider=s.providers[cluster]))


def opaque_secret(s: Stack, name: str, cluster: str = "east", type_: str = "Opaque", **fields: Any) -> Resource:
    return s.add(Resource("kubernetes:core/v1:Secret", name, {
        "apiVersion": "v1", "kind": "Secret", "type": type_, "metadata": object_meta(name, L5D_NS), **fields},
        parent=s.root, provider=s.providers[cluster]))


# --- a gateway as the multicluster chart renders it ------------------------------------------------
GATEWAY_ID = "linkerd-gateway.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local"


def with_gateway(s: Stack, cluster: str, account: str = "linkerd-gateway",
                 source_ranges: Optional[list[str]] = SOURCE_CIDRS) -> Resource:
    """The multicluster chart's gateway on `cluster`: its Service (announcing an identity, admitting
    `source_ranges`; None: no `loadBalancerSourceRanges`, the chart's default) and the Deployment it
    selects, running as `account`. Returns the Service."""
    chart = s[f"{cluster}-linkerd-multicluster"]
    labels = {"app": "linkerd-gateway"}
    deployment = deployment_object("linkerd-gateway", MC_NS, labels)
    deployment["spec"]["template"]["spec"]["serviceAccountName"] = account
    service = {"apiVersion": "v1", "kind": "Service",
               "metadata": object_meta("linkerd-gateway", MC_NS, annotations={"mirror.linkerd.io/gateway-identity": GATEWAY_ID}),
               "spec": {"type": "LoadBalancer", "selector": labels, "ports": [{"name": "mc-gateway", "port": 4143}]}}
    if source_ranges is not None:
        service["spec"]["loadBalancerSourceRanges"] = list(source_ranges)
    added = [s.add(Resource(type_, f"{chart.name}:{MC_NS}/linkerd-gateway", obj, parent=chart,
                            provider=s.providers[cluster]))
             for type_, obj in (("kubernetes:apps/v1:Deployment", deployment), ("kubernetes:core/v1:Service", service))]
    return added[1]

