"""The policy pack in policy/, run through its real gRPC Analyzer as the Pulumi engine runs it.

Each test builds a stack the way the engine presents it to a policy pack (see policy_harness.py
and the module docstring of policy/linkerd_policies.py): a two-cluster mesh on explicit providers
`east` and `west`, whose `helm.v4.Chart` components carry no inputs and whose rendered objects are
child custom resources on the chart's provider. A passing stack must produce no diagnostic at all;
each policy then gets stacks that break exactly the rule it guards, and must report them.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterator, Optional

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pulumi.runtime.proto import analyzer_pb2 as A

from policy_harness import PACK_DIR, UNKNOWN, PolicyPackProcess, Resource, Result, secret

MC_NS = "linkerd-multicluster"
L5D_NS = "linkerd"
K8S_PROVIDER = "pulumi:providers:kubernetes"
CHART_V4 = "kubernetes:helm.sh/v4:Chart"
RELEASE = "kubernetes:helm.sh/v3:Release"
LINK = "kubernetes:multicluster.linkerd.io/v1alpha3:Link"

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
ALL_POLICIES = {TRUST, PROVIDER, KEYS, LINKS, STRINGS, VERSIONS, GATEWAY, CONFIGMAP_KEYS, SECRET_KEYS, KUBECONFIGS,
                ANCHOR_SOURCES, ISSUER, PROXY_INIT, GATEWAY_MATCH}


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


@pytest.fixture(scope="module")
def pki() -> Pki:
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
def _meta(name: str, namespace: Optional[str] = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def _deployment(name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(name, namespace, labels=labels),
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
               render_multicluster: bool = True) -> Stack:
    """A single-stack mesh as the program registers it (see the issue's resource contract)."""
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
            "metadata": _meta(L5D_NS, labels={"linkerd.io/is-control-plane": "true"},
                              annotations={"linkerd.io/inject": "disabled"})}, parent=install, provider=p))
        s.chart(f"{c}-linkerd-crds", install, [
            ("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "",
             {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
              "metadata": _meta("servers.policy.linkerd.io"),
              "spec": {"group": "policy.linkerd.io", "names": {"kind": "Server", "plural": "servers"},
                       "scope": "Namespaced", "versions": [{"name": "v1beta3", "served": True, "storage": True}]}}),
        ], p)
        # The program keeps the issuer key in a Secret of its own, not in Helm values.
        s.add(Resource("kubernetes:core/v1:Secret", f"{c}-identity-issuer", {
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": _meta("linkerd-identity-issuer", L5D_NS),
            "stringData": {"tls.crt": pki.issuer_crt, "tls.key": secret(pki.key_sec1), "ca.crt": bundle}},
            parent=install, provider=p))
        values = {"identityTrustAnchorsPEM": bundle, "identityTrustDomain": "cluster.local",
                  "identity": {"issuer": {"scheme": "kubernetes.io/tls", "tls": {"crtPEM": ""}}},
                  "proxyInjector": {"externalSecret": True, "caBundle": bundle}}
        if render_control_plane:
            s.chart(f"{c}-linkerd-control-plane", install, [
                ("kubernetes:core/v1:ConfigMap", "", {"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": _meta("linkerd-identity-trust-roots", L5D_NS),
                 "data": {"ca-bundle.crt": bundle.strip()}}),
                ("kubernetes:core/v1:ConfigMap", "", {"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": _meta("linkerd-config", L5D_NS),
                 "data": {"linkerd-crds-chart-version": "linkerd-crds-1.0.0-edge",
                          "values": yaml.safe_dump(values)}}),
                ("kubernetes:apps/v1:Deployment", "", _deployment("linkerd-identity", L5D_NS,
                                                                 {"linkerd.io/control-plane-component": "identity"})),
            ], p)
        else:  # first preview: the anchor is unknown, so Chart v4 renders nothing
            s.add(Resource(CHART_V4, f"{c}-linkerd-control-plane", {}, parent=install, outputs={}))
        s.add(Resource("kubernetes:core/v1:Namespace", f"{c}-multicluster-namespace", {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": _meta(MC_NS, labels={"linkerd.io/extension": "multicluster"})}, parent=install, provider=p))
        outbound = [t for (src, t) in links if src == c]
        inbound = [src for (src, t) in links if t == c]
        if render_multicluster:
            s.chart(f"{c}-linkerd-multicluster", install, [
                ("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "",
                 {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                  "metadata": _meta("links.multicluster.linkerd.io"),
                  "spec": {"group": "multicluster.linkerd.io", "names": {"kind": "Link", "plural": "links"},
                           "scope": "Namespaced",
                           "versions": [{"name": "v1alpha3", "served": True, "storage": True}]}}),
                ("kubernetes:apps/v1:Deployment", "", _deployment("linkerd-local-service-mirror", MC_NS,
                                                                 {"component": "local-service-mirror"})),
                *[("kubernetes:apps/v1:Deployment", "", _deployment(
                    f"controller-{t}", MC_NS, {"component": "controller", "mirror.linkerd.io/cluster-name": t}))
                  for t in outbound],
                *[("kubernetes:core/v1:Secret", "", {
                    "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                    "metadata": _meta(f"linkerd-service-mirror-remote-access-{src}-token", MC_NS, annotations={
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
                "metadata": _meta(f"cluster-credentials-{target}", ns),
                "stringData": {"kubeconfig": kubeconfig}}, parent=comp, provider=p))
        s.add(Resource(LINK, f"{src}-to-{target}-link", {
            "apiVersion": "multicluster.linkerd.io/v1alpha3", "kind": "Link",
            "metadata": _meta(target, MC_NS, annotations={"linkerd.io/created-by": "linkerd/cli edge-26.8.3"}),
            "spec": link_spec(target)}, parent=comp, provider=p))
    return s


def release(name: str, chart: str, provider: Resource, version: Any = "2026.8.3",
            values: Optional[dict[str, Any]] = None) -> Resource:
    """A helm.v3.Release: a custom resource, so its inputs are visible to policies."""
    props: dict[str, Any] = {"chart": chart, "namespace": L5D_NS,
                             "repositoryOpts": {"repo": "https://helm.linkerd.io/edge"}, "values": values or {}}
    if version is not None:
        props["version"] = version
    return Resource(RELEASE, name, props, provider=provider)


# --- running the pack ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def preview() -> Iterator[PolicyPackProcess]:
    """The pack as `pulumi preview` starts it (PULUMI_DRY_RUN=true)."""
    with PolicyPackProcess(dry_run=True) as pack:
        yield pack


@pytest.fixture(scope="module")
def update() -> Iterator[PolicyPackProcess]:
    """The pack as `pulumi up` starts it (PULUMI_DRY_RUN=false)."""
    with PolicyPackProcess(dry_run=False) as pack:
        yield pack


def only(result: Result, policy: str) -> list[str]:
    """Messages of `policy`'s MANDATORY diagnostics, after checking no other policy complained."""
    others = [d for d in result.diagnostics if d.policy != policy]
    assert not others, f"unexpected diagnostics from other policies: {others}"
    return [d.message for d in result.of(policy, "MANDATORY")]


# --- the pack itself ----------------------------------------------------------------------------
def test_pack_announces_its_fourteen_policies(preview: PolicyPackProcess) -> None:
    info = preview.info
    assert info is not None and info.name == "linkerd-multicluster" and info.supportsConfig
    kinds = {p.name: (p.policy_type, p.enforcementLevel) for p in info.policies}
    assert kinds == {
        TRUST: (A.POLICY_TYPE_STACK, A.MANDATORY),
        PROVIDER: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        KEYS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        LINKS: (A.POLICY_TYPE_STACK, A.MANDATORY),
        STRINGS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        VERSIONS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        GATEWAY: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        CONFIGMAP_KEYS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        SECRET_KEYS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        KUBECONFIGS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        ANCHOR_SOURCES: (A.POLICY_TYPE_STACK, A.MANDATORY),
        ISSUER: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        PROXY_INIT: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        GATEWAY_MATCH: (A.POLICY_TYPE_STACK, A.MANDATORY),
    }
    assert set(kinds) == ALL_POLICIES


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_the_programs_mesh_passes_every_policy(mode: str, request: pytest.FixtureRequest, pki: Pki) -> None:
    pack: PolicyPackProcess = request.getfixturevalue(mode)
    s = mesh_stack(pki)
    result = pack.run(s.resources)
    assert result.diagnostics == []
    # Chart components show no provider and no inputs: the two resource policies that would need
    # them say so, once per chart (3 charts x 2 clusters), and nothing else is skipped.
    na = {(n.policy, n.urn.rsplit("::", 1)[-1]) for n in result.not_applicable}
    charts = {r.name for r in s.resources if r.type == CHART_V4}
    assert len(charts) == 6
    assert na == {(p, c) for p in (PROVIDER, VERSIONS) for c in charts}


# --- 1. trust anchors ---------------------------------------------------------------------------
def test_different_trust_anchor_bundles_are_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={"west": pki.anchor_b})
    result = preview.run(s.resources)
    messages = only(result, TRUST)
    flagged = {d.urn.rsplit("::", 1)[-1] for d in result.of(TRUST)}
    assert flagged == {"west-linkerd-control-plane:linkerd/linkerd-identity-trust-roots",
                       "west-linkerd-control-plane:linkerd/linkerd-config"}
    assert all("'west'" in m and "east" in m for m in messages)
    assert f"sha256:{pki.fingerprint_b[:16]}" in messages[0]


def test_a_bundle_with_an_extra_anchor_is_not_the_same_bundle(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={"east": pki.anchor_a + pki.anchor_b})
    assert len(only(preview.run(s.resources), TRUST)) == 2


def test_anchor_order_does_not_matter_as_for_linkerd_mc_check(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={"east": pki.anchor_a + pki.anchor_b, "west": pki.anchor_b + pki.anchor_a})
    assert preview.run(s.resources).diagnostics == []


def test_a_bundle_without_certificates_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["west-linkerd-control-plane:linkerd/linkerd-identity-trust-roots"].props["data"]["ca-bundle.crt"] = "not a PEM"
    messages = only(preview.run(s.resources), TRUST)
    assert any("holds no PEM certificate" in m for m in messages)


def test_release_values_are_a_bundle_source_too(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, clusters=("east",), links=())
    s.add(release("west-linkerd-control-plane", "linkerd-control-plane", s.add(Resource(K8S_PROVIDER, "west")),
                  values={"identityTrustAnchorsPEM": pki.anchor_b}))
    result = preview.run(s.resources)
    assert [d.urn.rsplit("::", 1)[-1] for d in result.of(TRUST, "MANDATORY")] == ["west-linkerd-control-plane"]


def test_a_single_cluster_stack_is_checked_against_pinned_fingerprints(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, clusters=("east",), links=())
    unpinned = preview.run(s.resources)
    assert unpinned.diagnostics == []
    assert [n.reason for n in unpinned.not_applicable_of(TRUST)] == [
        "only one cluster's trust-anchor bundle is visible in this stack; set the policy config "
        "trustAnchorFingerprints to check a single-cluster stack against the others"]

    colons = ":".join(pki.fingerprint_a[i:i + 2] for i in range(0, 64, 2)).upper()
    right = preview.run(s.resources, {TRUST: {"trustAnchorFingerprints": [colons]}})
    assert right.diagnostics == [] and right.not_applicable_of(TRUST) == []

    wrong = preview.run(s.resources, {TRUST: {"trustAnchorFingerprints": [pki.fingerprint_b]}})
    assert len(only(wrong, TRUST)) == 2


def test_unrendered_control_plane_is_not_applicable_not_a_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, render_control_plane=False)
    result = preview.run(s.resources)
    assert result.diagnostics == []
    assert [n.reason for n in result.not_applicable_of(TRUST)] == [
        "no trust-anchor bundle is visible in this stack (a chart renders nothing while its values are unknown)"]


def test_unknown_release_bundle_is_an_advisory_during_preview(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, clusters=("east",), links=())
    s.add(release("west-linkerd-control-plane", "linkerd-control-plane", s.add(Resource(K8S_PROVIDER, "west")),
                  values={"identityTrustAnchorsPEM": UNKNOWN}))
    result = preview.run(s.resources)
    assert result.of(TRUST, "MANDATORY") == []
    [advisory] = result.of(TRUST, "ADVISORY")
    assert "can't run policy" in advisory.message and "not known yet" in advisory.message


# --- 2. explicit providers ----------------------------------------------------------------------
@pytest.mark.parametrize("provider_name", ["default", "default_4_34_2"])
def test_kubernetes_resources_on_a_default_provider_are_reported(
        preview: PolicyPackProcess, pki: Pki, provider_name: str) -> None:
    s = mesh_stack(pki)
    default = s.add(Resource(K8S_PROVIDER, provider_name, {"version": "4.34.2"}))
    s["east-linkerd-namespace"].provider = default
    # A chart given no provider renders its children on the default one as well.
    s["east-linkerd-crds:servers.policy.linkerd.io"].provider = default
    result = preview.run(s.resources)
    messages = only(result, PROVIDER)
    assert {d.urn.rsplit("::", 1)[-1] for d in result.of(PROVIDER)} == {
        "east-linkerd-namespace", "east-linkerd-crds:servers.policy.linkerd.io"}
    assert all(f"pulumi:providers:kubernetes::{provider_name}" in m for m in messages)


def test_a_provider_merely_named_like_default_is_explicit(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.providers["east"].name = "default-east"  # an explicit provider a user happened to name so
    assert preview.run(s.resources).diagnostics == []


# --- 3. key material ----------------------------------------------------------------------------
def test_private_key_in_release_values_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.add(release("east-cp", "linkerd-control-plane", s.providers["east"], values={
        "identityTrustAnchorsPEM": pki.anchor_a,
        "identity": {"issuer": {"scheme": "linkerd.io/tls", "tls": {"crtPEM": pki.issuer_crt, "keyPEM": pki.key_sec1}}},
    }))
    messages = only(preview.run(s.resources), KEYS)
    assert len(messages) == 1 and "values.identity.issuer.tls.keyPEM" in messages[0]
    assert "BEGIN" not in messages[0]  # the report names the place, never the key


def test_key_pem_and_nested_pem_blocks_in_release_values_are_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.add(release("east-cp", "linkerd-control-plane", s.providers["east"], values={
        "identityTrustAnchorsPEM": pki.anchor_a,
        "proxyInjector": {"keyPEM": "see the vault"},           # a non-empty keyPEM, PEM or not
        "extraArgs": [{"name": "x", "value": pki.key_pkcs8}],  # a PEM key anywhere, even in a list
        "policyValidator": {"keyPEM": ""},                      # empty: fine
    }))
    [message] = only(preview.run(s.resources), KEYS)
    assert "values.proxyInjector.keyPEM" in message and "values.extraArgs[0].value" in message
    assert "policyValidator" not in message


def test_key_material_rendered_by_a_chart_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    """With `identity.issuer.scheme: linkerd.io/tls` the control-plane chart copies the keyPEM value
    into an Opaque Secret; that rendered Secret is all a policy can see of a Chart v4's values."""
    s = mesh_stack(pki)
    cp = s["east-linkerd-control-plane"]
    s.add(Resource("kubernetes:core/v1:Secret", "east-linkerd-control-plane:linkerd/linkerd-identity-issuer", {
        "apiVersion": "v1", "kind": "Secret", "metadata": _meta("linkerd-identity-issuer", L5D_NS),
        "data": {"crt.pem": base64.b64encode(pki.issuer_crt.encode()).decode(),
                 "key.pem": secret(base64.b64encode(pki.key_sec1.encode()).decode())}},
        parent=cp, provider=s.providers["east"]))
    result = preview.run(s.resources)
    [message] = only(result, KEYS)
    assert "data.key.pem (base64)" in message and "east-linkerd-control-plane" in message


def test_program_managed_key_secrets_are_not_helm_values(preview: PolicyPackProcess, pki: Pki) -> None:
    """The issuer Secret the program creates itself holds a key; it is not rendered by a chart."""
    s = mesh_stack(pki)
    assert "PRIVATE KEY" in s["east-identity-issuer"].props["stringData"]["tls.key"]["value"]
    assert preview.run(s.resources).of(KEYS) == []


def test_unknown_values_do_not_hide_a_known_key(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.add(release("east-cp", "linkerd-control-plane", s.providers["east"], values={
        "identityTrustAnchorsPEM": UNKNOWN, "identity": {"issuer": {"tls": {"keyPEM": pki.key_pkcs8}}}}))
    result = preview.run(s.resources)
    [key] = result.of(KEYS)
    assert key.level == "MANDATORY" and "values.identity.issuer.tls.keyPEM" in key.message
    # The unknown bundle is also something the trust-anchor policy cannot judge yet.
    assert {(d.policy, d.level) for d in result.diagnostics} == {(KEYS, "MANDATORY"), (TRUST, "ADVISORY"),
                                                                 (ANCHOR_SOURCES, "ADVISORY")}

    s.remove("east-cp")
    s.add(release("east-cp", "linkerd-control-plane", s.providers["east"], values={"identityTrustAnchorsPEM": UNKNOWN}))
    result = preview.run(s.resources)
    [key] = result.of(KEYS)
    assert key.level == "ADVISORY" and "can't run policy" in key.message


# --- 4. Link consistency ------------------------------------------------------------------------
@pytest.mark.parametrize("field,value,expected", [
    ("targetClusterName", "west-cluster", "spec.targetClusterName is 'west-cluster'"),
    ("clusterCredentialsSecret", "west-credentials", "may only read 'cluster-credentials-west'"),
])
def test_link_spec_must_agree_with_its_name(preview: PolicyPackProcess, pki: Pki, field: str, value: str,
                                            expected: str) -> None:
    s = mesh_stack(pki)
    s["east-to-west-link"].props["spec"][field] = value
    [message] = only(preview.run(s.resources), LINKS)
    assert "Link 'west' on cluster 'east'" in message and expected in message


def test_link_name_must_match_the_controller_and_secret(preview: PolicyPackProcess, pki: Pki) -> None:
    """Renaming only the Link breaks all three agreements at once."""
    s = mesh_stack(pki)
    s["east-to-west-link"].props["metadata"]["name"] = "west2"
    messages = only(preview.run(s.resources), LINKS)
    assert len(messages) == 4
    assert any("targetClusterName is 'west'" in m for m in messages)
    assert any("may only read 'cluster-credentials-west2'" in m for m in messages)
    assert any("no Secret linkerd-multicluster/cluster-credentials-west2" in m for m in messages)
    assert any("no Deployment linkerd-multicluster/controller-west2" in m for m in messages)


def test_credentials_secret_must_exist_on_the_same_cluster(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.remove("east-to-west-credentials")
    # A Secret of exactly that name and namespace, but in the other cluster, does not count.
    s["west-to-east-credentials"].props["metadata"]["name"] = "cluster-credentials-west"
    messages = sorted(only(preview.run(s.resources), LINKS))
    assert len(messages) == 2  # (and west's own link has lost its Secret)
    assert "Link 'east' on cluster 'west'" in messages[0] and "cluster-credentials-east on the same" in messages[0]
    assert "Link 'west' on cluster 'east'" in messages[1] and "cluster-credentials-west on the same" in messages[1]


def test_credentials_secret_must_have_the_remote_kubeconfig_type(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["east-to-west-credentials"].props["type"] = "Opaque"
    result = preview.run(s.resources)
    [message] = only(result, LINKS)
    assert "has type 'Opaque'" in message
    assert result.of(LINKS)[0].urn.endswith("::east-to-west-credentials")


def test_credentials_secret_must_be_in_the_multicluster_namespace(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.remove("east-to-west-credentials")  # only the copy in `linkerd` is left
    [message] = only(preview.run(s.resources), LINKS)
    assert "no Secret linkerd-multicluster/cluster-credentials-west" in message


def test_link_outside_the_multicluster_namespace_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["east-to-west-link"].props["metadata"]["namespace"] = "default"
    [message] = only(preview.run(s.resources), LINKS)
    assert "only watch Links in 'linkerd-multicluster'" in message


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_link_without_a_controller_entry_is_reported(mode: str, request: pytest.FixtureRequest, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.remove("east-linkerd-multicluster:linkerd-multicluster/controller-west")
    [message] = only(request.getfixturevalue(mode).run(s.resources), LINKS)
    assert "no Deployment linkerd-multicluster/controller-west" in message
    assert '{"link": {"ref": {"name": "west"}}}' in message


def test_unrendered_multicluster_chart_is_advisory_in_preview_and_mandatory_in_up(
        preview: PolicyPackProcess, update: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, render_multicluster=False)
    during_preview = preview.run(s.resources)
    assert during_preview.of(LINKS, "MANDATORY") == []
    [advisory] = during_preview.of(LINKS, "ADVISORY")
    assert "not rendered in this preview" in advisory.message
    during_up = update.run(s.resources)
    assert len(during_up.of(LINKS, "MANDATORY")) == 2  # both links lack a visible controller


def test_release_controllers_satisfy_the_controller_rule(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, render_multicluster=False)
    for src, target in (("east", "west"), ("west", "east")):
        s.add(release(f"{src}-mc", "linkerd-multicluster", s.providers[src],
                      values={"controllers": [{"link": {"ref": {"name": target}}}]}))
    assert preview.run(s.resources).diagnostics == []
    s["west-mc"].props["values"]["controllers"] = [{"link": {"ref": {"name": "elsewhere"}}}]
    [message] = only(preview.run(s.resources), LINKS)
    assert "Link 'east' on cluster 'west'" in message


def test_multicluster_namespace_comes_from_policy_config(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    messages = only(preview.run(s.resources, {LINKS: {"multiclusterNamespace": "mc"}}), LINKS)
    assert len(messages) == 6  # per link: Link namespace, Secret and controller are all elsewhere


def test_unknown_link_spec_is_an_advisory_during_preview(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["east-to-west-link"].props["spec"] = UNKNOWN  # e.g. the target's gateway address is computed
    result = preview.run(s.resources)
    assert [d for d in result.diagnostics if d.level == "MANDATORY"] == []
    assert {d.policy for d in result.diagnostics} == {LINKS, STRINGS, GATEWAY}


# --- 5. Link field types ------------------------------------------------------------------------
def test_numeric_link_ports_and_probe_fields_are_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    spec = s["east-to-west-link"].props["spec"]
    spec["gatewayPort"] = 4143           # a Python int: the engine sends 4143.0
    spec["probeSpec"].update(port=4191, failureThreshold=3, period=True, timeout="30s")
    result = preview.run(s.resources)
    [message] = only(result, STRINGS)
    assert result.of(STRINGS)[0].urn.endswith("::east-to-west-link")
    for part in ("spec.gatewayPort is a number (4143)", "spec.probeSpec.port is a number (4191)",
                 "spec.probeSpec.failureThreshold is a number (3)", "spec.probeSpec.period is a boolean (true)"):
        assert part in message
    assert "timeout" not in message


def test_absent_optional_probe_fields_are_fine(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    del s["east-to-west-link"].props["spec"]["probeSpec"]["failureThreshold"]
    del s["east-to-west-link"].props["spec"]["probeSpec"]["timeout"]
    assert preview.run(s.resources).diagnostics == []


# --- 6. chart versions --------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["^2026.8", "~2026.8.3", ">=2026.8.3", "*", "2026.x", "2026.8", "",
                                     "2026.8.3 - 2026.9.0", None])
def test_unpinned_release_versions_are_reported(preview: PolicyPackProcess, pki: Pki, version: Optional[str]) -> None:
    s = mesh_stack(pki)
    s.add(release("east-crds", "linkerd-crds", s.providers["east"], version=version))
    result = preview.run(s.resources)
    [message] = only(result, VERSIONS)
    assert "east-crds" in message and ("range or wildcard" in message or "has no `version`" in message)


@pytest.mark.parametrize("version", ["2026.8.3", "30.12.19-edge", "v1.2.3"])
def test_exact_release_versions_pass(preview: PolicyPackProcess, pki: Pki, version: str) -> None:
    s = mesh_stack(pki)
    s.add(release("east-crds", "linkerd-crds", s.providers["east"], version=version))
    assert preview.run(s.resources).diagnostics == []


def test_chart_component_inputs_are_checked_when_an_engine_shows_them(preview: PolicyPackProcess, pki: Pki) -> None:
    """Today's engine sends a Chart v4 without inputs (not applicable, see the passing test); if a
    Chart ever arrives with its inputs, they are held to the same rule."""
    s = mesh_stack(pki)
    s["east-linkerd-crds"].props = {"chart": "linkerd-crds", "version": "^2026", "values": {}}
    [message] = only(preview.run(s.resources), VERSIONS)
    assert "'^2026'" in message


# --- 7. a Link with a gateway names the gateway's identity ------------------------------------------
def gateway_less(spec: dict[str, Any]) -> dict[str, Any]:
    """A Link spec for remote discovery / federated services only: no gateway fields at all."""
    return {k: v for k, v in spec.items() if k not in ("gatewayAddress", "gatewayPort", "gatewayIdentity", "probeSpec")}


@pytest.mark.parametrize("identity", [None, "", "   "])
def test_a_link_with_a_gateway_address_and_no_gateway_identity_is_reported(
        preview: PolicyPackProcess, pki: Pki, identity: Optional[str]) -> None:
    s = mesh_stack(pki)
    spec = s["east-to-west-link"].props["spec"]
    if identity is None:
        del spec["gatewayIdentity"]
    else:
        spec["gatewayIdentity"] = identity
    result = preview.run(s.resources)
    [message] = only(result, GATEWAY)
    assert result.of(GATEWAY)[0].urn.endswith("::east-to-west-link")
    assert "no spec.gatewayIdentity" in message and "without mTLS" in message


def test_a_gateway_identity_that_is_no_linkerd_identity_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["east-to-west-link"].props["spec"]["gatewayIdentity"] = "linkerd-gateway"
    [message] = only(preview.run(s.resources), GATEWAY)
    assert "'linkerd-gateway' is not a Linkerd workload identity" in message


def test_a_computed_gateway_address_still_needs_the_identity(preview: PolicyPackProcess, pki: Pki) -> None:
    """The target's load-balancer address is often unknown in a preview; the Link will still have
    a gateway, so the missing identity is decided now, not deferred."""
    s = mesh_stack(pki)
    spec = s["east-to-west-link"].props["spec"]
    spec["gatewayAddress"] = UNKNOWN
    assert preview.run(s.resources).diagnostics == []
    del spec["gatewayIdentity"]
    assert len(only(preview.run(s.resources), GATEWAY)) == 1


def test_links_with_an_identity_or_without_a_gateway_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)  # both Links name the gateway identity link-gen writes
    assert preview.run(s.resources).diagnostics == []
    s["east-to-west-link"].props["spec"] = gateway_less(s["east-to-west-link"].props["spec"])
    s["west-to-east-link"].props["spec"] = {**gateway_less(s["west-to-east-link"].props["spec"]), "gatewayAddress": ""}
    assert preview.run(s.resources).diagnostics == []


def test_an_unknown_gateway_identity_is_an_advisory_during_preview(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["east-to-west-link"].props["spec"]["gatewayIdentity"] = UNKNOWN
    result = preview.run(s.resources)
    [advisory] = result.diagnostics
    assert (advisory.policy, advisory.level) == (GATEWAY, "ADVISORY") and "can't run policy" in advisory.message


# --- 2b. explicit providers name a context ------------------------------------------------------
@pytest.mark.parametrize("context", [None, "", "  "])
def test_a_provider_without_a_context_is_reported(preview: PolicyPackProcess, pki: Pki, context: Optional[str]) -> None:
    """An explicit provider with no context follows the current context of whatever kubeconfig it
    loads: as ambient as a default provider. Everything on it is reported."""
    s = mesh_stack(pki)
    props = s.providers["east"].props
    if context is None:
        del props["context"]
    else:
        props["context"] = context
    result = preview.run(s.resources)
    messages = only(result, PROVIDER)
    on_east = {r.name for r in s.resources if r.provider is s.providers["east"]}
    assert {d.urn.rsplit("::", 1)[-1] for d in result.of(PROVIDER)} == on_east and len(on_east) > 10
    assert all("pulumi:providers:kubernetes::east, whose `context` is" in m for m in messages)
    assert all(("is empty" if context is not None else "is not set") in m for m in messages)


def test_providers_naming_their_context_pass_and_an_unknown_one_is_an_advisory(
        preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    assert all(p.props["context"] for p in s.providers.values())
    assert preview.run(s.resources).diagnostics == []
    s.providers["east"].props["context"] = UNKNOWN
    result = preview.run(s.resources)
    assert result.of(PROVIDER, "MANDATORY") == [] and result.of(PROVIDER, "ADVISORY")
    assert {d.policy for d in result.diagnostics} == {PROVIDER}


# --- 8. no private key in a ConfigMap -------------------------------------------------------------
def config_map(s: Stack, name: str, cluster: str = "east", **fields: Any) -> Resource:
    """A ConfigMap the program registers itself (core.v1.ConfigMap), not one a chart renders."""
    return s.add(Resource("kubernetes:core/v1:ConfigMap", name, {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(name, L5D_NS), **fields},
        parent=s.root, provider=s.providers[cluster]))


@pytest.mark.parametrize("fields", [
    lambda pki: {"data": {"issuer.key": "\n" + pki.key_sec1}},
    lambda pki: {"data": {"issuer.key": secret(pki.key_pkcs8)}},  # a Pulumi secret, still in a ConfigMap
    lambda pki: {"binaryData": {"issuer.key": base64.b64encode(pki.key_pkcs8.encode()).decode()}},
], ids=["data", "secret-data", "binaryData"])
def test_a_private_key_in_a_program_config_map_is_reported(preview: PolicyPackProcess, pki: Pki, fields: Any) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-issuer-copy", **fields(pki))
    result = preview.run(s.resources)
    [message] = only(result, CONFIGMAP_KEYS)
    assert result.of(CONFIGMAP_KEYS)[0].urn.endswith("::east-issuer-copy")
    assert "issuer.key" in message and "BEGIN" not in message


def test_config_maps_with_certificates_only_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-trust-bundle", data={"ca-bundle.crt": pki.anchor_a + pki.anchor_b},
               binaryData={"ca.der": base64.b64encode(pki.anchor_a.encode()).decode()})
    assert preview.run(s.resources).diagnostics == []


def test_a_chart_rendered_config_map_is_left_to_the_helm_policy(preview: PolicyPackProcess, pki: Pki) -> None:
    """One report per problem: a key in a ConfigMap a chart renders is no-key-material-in-helm's."""
    s = mesh_stack(pki)
    roots = s["east-linkerd-control-plane:linkerd/linkerd-identity-trust-roots"]
    roots.props["data"]["issuer.key"] = pki.key_sec1
    [message] = only(preview.run(s.resources), KEYS)
    assert "data.issuer.key" in message


# --- 9. key material in a Secret is a Pulumi secret -----------------------------------------------
def opaque_secret(s: Stack, name: str, cluster: str = "east", type_: str = "Opaque", **fields: Any) -> Resource:
    return s.add(Resource("kubernetes:core/v1:Secret", name, {
        "apiVersion": "v1", "kind": "Secret", "type": type_, "metadata": _meta(name, L5D_NS), **fields},
        parent=s.root, provider=s.providers[cluster]))


@pytest.mark.parametrize("fields,path", [
    (lambda pki: {"stringData": {"tls.crt": pki.issuer_crt, "tls.key": pki.key_sec1}}, "stringData.tls.key"),
    (lambda pki: {"stringData": {"issuer.pem": pki.issuer_crt + pki.key_pkcs8}}, "stringData.issuer.pem"),
    (lambda pki: {"data": {"key.pem": base64.b64encode(pki.key_pkcs8.encode()).decode()}}, "data.key.pem (base64)"),
    (lambda pki: {"stringData": {"tls.key": UNKNOWN}}, "stringData.tls.key (not known yet, and not a secret)"),
], ids=["tls.key", "pem-anywhere", "base64-data", "unknown-tls.key"])
def test_a_secret_whose_key_material_is_plain_text_in_state_is_reported(
        preview: PolicyPackProcess, pki: Pki, fields: Any, path: str) -> None:
    s = mesh_stack(pki)
    opaque_secret(s, "east-copied-issuer", **fields(pki))
    result = preview.run(s.resources)
    [message] = only(result, SECRET_KEYS)
    assert result.of(SECRET_KEYS)[0].urn.endswith("::east-copied-issuer")
    assert path in message and "BEGIN" not in message and "not a Pulumi secret" in message


def test_one_plain_key_next_to_secret_ones_is_still_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    """State records secrets per value: a secret sibling does not cover a plain-text key."""
    s = mesh_stack(pki)
    s["east-identity-issuer"].props["stringData"]["tls.key"] = pki.key_sec1
    [message] = only(preview.run(s.resources), SECRET_KEYS)
    assert "stringData.tls.key" in message and "ca.crt" not in message and "tls.crt" not in message


@pytest.mark.parametrize("fields", [
    lambda pki: {"stringData": {"tls.crt": pki.issuer_crt, "tls.key": secret(pki.key_sec1)}},
    lambda pki: {"stringData": secret({"tls.crt": pki.issuer_crt, "tls.key": pki.key_sec1})},
    lambda pki: {"data": {"key.pem": secret(base64.b64encode(pki.key_pkcs8.encode()).decode())}},
    lambda pki: {"stringData": {"tls.key": secret(UNKNOWN)}},
    lambda pki: {"stringData": {"ca.crt": pki.anchor_a}},
], ids=["secret-key", "secret-map", "secret-base64", "unknown-secret", "no-key"])
def test_secrets_whose_keys_are_pulumi_secrets_pass(preview: PolicyPackProcess, pki: Pki, fields: Any) -> None:
    s = mesh_stack(pki)
    opaque_secret(s, "east-copied-issuer", **fields(pki))
    assert preview.run(s.resources).diagnostics == []


def test_an_unknown_plain_value_that_may_be_a_key_is_an_advisory(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    opaque_secret(s, "east-copied-issuer", stringData={"issuer.pem": UNKNOWN})
    [advisory] = preview.run(s.resources).diagnostics
    assert (advisory.policy, advisory.level) == (SECRET_KEYS, "ADVISORY")
    assert "stringData.issuer.pem not known yet" in advisory.message


# --- 10. kubeconfig credentials are Pulumi secrets ------------------------------------------------
def test_a_remote_kubeconfig_secret_in_plain_text_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["east-to-west-credentials"].props["stringData"]["kubeconfig"] = kubeconfig_text("west", token="abc")
    result = preview.run(s.resources)
    [message] = only(result, KUBECONFIGS)
    assert result.of(KUBECONFIGS)[0].urn.endswith("::east-to-west-credentials")
    assert "stringData.kubeconfig (the kubeconfig of a mirror.linkerd.io/remote-kubeconfig Secret)" in message
    assert "abc" not in message


def test_a_remote_kubeconfig_is_judged_before_it_is_known(preview: PolicyPackProcess, pki: Pki) -> None:
    """During a preview the link kubeconfig is unknown (its token is read from the target), but
    whether it will be a secret is known already."""
    s = mesh_stack(pki)
    s["east-to-west-credentials"].props["stringData"]["kubeconfig"] = secret(UNKNOWN)
    assert preview.run(s.resources).diagnostics == []
    s["east-to-west-credentials"].props["stringData"]["kubeconfig"] = UNKNOWN
    [message] = only(preview.run(s.resources), KUBECONFIGS)
    assert "stringData.kubeconfig" in message


@pytest.mark.parametrize("credential", ["token", "client-key-data", "password"])
def test_a_plain_kubeconfig_with_credentials_anywhere_is_reported(
        preview: PolicyPackProcess, pki: Pki, credential: str) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-kubeconfig", data={"config": kubeconfig_text("west", **{credential: "c2VjcmV0"})})
    result = preview.run(s.resources)
    [message] = only(result, KUBECONFIGS)
    assert f"data.config (a kubeconfig with users[0].user.{credential})" in message


def test_a_base64_kubeconfig_in_an_opaque_secret_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    encoded = base64.b64encode(kubeconfig_text("west", token="t").encode()).decode()
    opaque_secret(s, "east-kubeconfig", data={"config": encoded})
    [message] = only(preview.run(s.resources), KUBECONFIGS)
    assert "data.config (a kubeconfig with users[0].user.token)" in message


def test_a_provider_with_an_inline_plain_kubeconfig_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.providers["east"].props["kubeconfig"] = kubeconfig_text("kind-east", token="t")
    result = preview.run(s.resources)
    [message] = only(result, KUBECONFIGS)
    assert result.of(KUBECONFIGS)[0].urn.endswith("pulumi:providers:kubernetes::east")
    assert "kubeconfig (a kubeconfig with users[0].user.token)" in message


def test_a_kubeconfig_that_does_not_parse_but_reads_like_one_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-kubeconfig", data={"config": "users:\n- name: remote\n  user:\n    token: {{ .Token }}\n"})
    [message] = only(preview.run(s.resources), KUBECONFIGS)
    assert "data.config (a kubeconfig with token)" in message


@pytest.mark.parametrize("value", [
    lambda: secret(kubeconfig_text("west", token="t")),                    # a Pulumi secret
    lambda: kubeconfig_text("west", exec={"command": "aws", "args": ["eks", "get-token"]}),  # no credential
    lambda: kubeconfig_text("west", token=""),                             # an empty token
    lambda: "/home/ci/.kube/config",                                       # a path to one
], ids=["secret", "exec-plugin", "empty-token", "path"])
def test_kubeconfigs_without_plain_credentials_pass(preview: PolicyPackProcess, pki: Pki, value: Any) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-kubeconfig", data={"config": value()})
    s.providers["west"].props["kubeconfig"] = value()
    assert preview.run(s.resources).diagnostics == []


def test_the_pack_will_not_run_blind_to_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two secret policies rely on `_install_secret_marking`; with a pulumi-policy that lacks
    the function it wraps, the pack must refuse to start rather than judge without the secret bit."""
    import importlib

    import pulumi_policy.policy

    monkeypatch.syspath_prepend(str(PACK_DIR))
    policies = importlib.import_module("linkerd_policies")
    monkeypatch.delattr(pulumi_policy.policy, "deserialize_properties")
    with pytest.raises(ImportError, match="cannot see which values are secrets"):
        policies._install_secret_marking()


# --- 11. anchors from known sources (issue 19) --------------------------------------------------
def test_a_foreign_anchor_in_every_bundle_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={c: pki.anchor_a + pki.foreign for c in ("east", "west")})
    messages = only(preview.run(s.resources), ANCHOR_SOURCES)  # identical bundles: TRUST is content
    assert len(messages) == 4  # two ConfigMaps on each cluster
    assert all("neither generates" in m and "sha256:" + fingerprint_of(pki.foreign)[:16] in m for m in messages)


def test_anchors_read_from_the_trust_stack_or_pinned_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={c: pki.foreign for c in ("east", "west")})
    pinned = preview.run(s.resources, {ANCHOR_SOURCES: {"trustAnchorFingerprints": [fingerprint_of(pki.foreign)]}})
    assert pinned.diagnostics == []
    s.add(Resource("pulumi:pulumi:StackReference", "stack-organization-linkerd-multicluster-east",
                   {"name": "organization/linkerd-multicluster/east"},
                   outputs={"outputs": {"trustAnchorsPem": pki.foreign}}))
    assert preview.run(s.resources).diagnostics == []


def fingerprint_of(pem: str) -> str:
    return x509.load_pem_x509_certificate(pem.encode()).fingerprint(hashes.SHA256()).hex()


# --- 12. issuer certificate (issue 19) ----------------------------------------------------------
def test_a_long_lived_issuer_with_extended_key_usages_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["west-identity-issuer"].props["stringData"]["tls.crt"] = pki.long_issuer_crt
    messages = only(preview.run(s.resources), ISSUER)
    assert len(messages) == 2
    assert any("is valid for 36500 days, more than the 366 the policy config maxIssuerValidityDays allows" in m
               for m in messages)
    assert any("carries extended key usages (1.3.6.1.5.5.7.3.1, 2.5.29.37.0)" in m for m in messages)


def test_issuer_lifetime_limit_comes_from_policy_config(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    assert preview.run(s.resources).diagnostics == []  # the one-year issuer passes the default
    shorter = preview.run(s.resources, {ISSUER: {"maxIssuerValidityDays": 90}})
    assert len(only(shorter, ISSUER)) == 2 and all("more than the 90" in m for m in only(shorter, ISSUER))


# --- 13. proxy-init privileges (issue 19) -------------------------------------------------------
@pytest.mark.parametrize("key", ["privileged", "runAsRoot"])
def test_a_privileged_or_root_proxy_init_is_reported(preview: PolicyPackProcess, pki: Pki, key: str) -> None:
    s = mesh_stack(pki)
    config = s["east-linkerd-control-plane:linkerd/linkerd-config"]
    values = yaml.safe_load(config.props["data"]["values"])
    config.props["data"]["values"] = yaml.safe_dump({**values, "proxyInit": {key: True, "runAsUser": 0}})
    [message] = only(preview.run(s.resources), PROXY_INIT)
    assert f"proxyInit.{key} is true" in message
    s.add(release("west-cp", "linkerd-control-plane", s.providers["west"],
                  values={"identityTrustAnchorsPEM": pki.anchor_a, "proxyInit": {key: True}}))
    assert len(only(preview.run(s.resources), PROXY_INIT)) == 2


def test_an_unprivileged_proxy_init_passes(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    config = s["east-linkerd-control-plane:linkerd/linkerd-config"]
    values = yaml.safe_load(config.props["data"]["values"])
    config.props["data"]["values"] = yaml.safe_dump({**values, "proxyInit": {"privileged": False, "runAsRoot": False}})
    assert preview.run(s.resources).diagnostics == []


# --- 14. the Link names the identity the target's gateway has (issue 19) -------------------------
GATEWAY_ID = "linkerd-gateway.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local"


def with_gateway(s: Stack, cluster: str, account: str) -> None:
    """The multicluster chart's gateway on `cluster`: its Service (announcing an identity) and the
    Deployment it selects, running as `account`."""
    chart = s[f"{cluster}-linkerd-multicluster"]
    labels = {"app": "linkerd-gateway"}
    deployment = _deployment("linkerd-gateway", MC_NS, labels)
    deployment["spec"]["template"]["spec"]["serviceAccountName"] = account
    service = {"apiVersion": "v1", "kind": "Service",
               "metadata": _meta("linkerd-gateway", MC_NS, annotations={"mirror.linkerd.io/gateway-identity": GATEWAY_ID}),
               "spec": {"type": "LoadBalancer", "selector": labels, "ports": [{"name": "mc-gateway", "port": 4143}]}}
    for type_, obj in (("kubernetes:apps/v1:Deployment", deployment), ("kubernetes:core/v1:Service", service)):
        s.add(Resource(type_, f"{chart.name}:{MC_NS}/linkerd-gateway", obj, parent=chart, provider=s.providers[cluster]))


def test_a_link_naming_another_account_than_the_target_gateways_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    with_gateway(s, "west", "linkerd-gateway")
    s["east-to-west-link"].props["spec"]["gatewayIdentity"] = GATEWAY_ID.replace("linkerd-gateway.", "payments.", 1)
    [message] = only(preview.run(s.resources), GATEWAY_MATCH)
    assert f"runs as {GATEWAY_ID}" in message and "'east-to-west-link'" in message


def test_a_gateway_running_as_another_account_than_the_link_names_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    with_gateway(s, "west", "default")
    [message] = only(preview.run(s.resources), GATEWAY_MATCH)
    assert "runs as default.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local" in message


def test_links_naming_their_targets_gateway_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    for cluster in ("east", "west"):
        with_gateway(s, cluster, "linkerd-gateway")
    assert preview.run(s.resources).diagnostics == []
