"""What the program registers, judged by upstream facts: chart values keys, the Link v1alpha3
schema, Kubernetes' own schemas, and Linkerd's certificate rules on the certificates the mocks
minted from the program's pulumi-tls inputs."""
from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.verification import DNSName, PolicyBuilder, Store

from harness.minting import NOW
from scenarios import CHART, LINK, cached
from upstream import edge_26_8_3 as upstream
from validation import (
    k8s_errors,
    link_errors,
    openssl_verify,
    split_pem_bundle,
    values_errors,
    verify_issuer_like_linkerd,
    verify_trust_anchor_like_linkerd,
)

SCENARIOS = ["east", "west", "mesh"]
BUILT_IN = ("kubernetes:core/v1:", "kubernetes:rbac.authorization.k8s.io/v1:")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_chart_values_use_only_upstream_keys_with_upstream_types(scenario):
    for chart in cached(scenario).monitor.by_type(CHART):
        errors = values_errors(chart.inputs["chart"], chart.inputs["values"])
        assert errors == [], f"{chart.name}: {errors}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_charts_are_the_pinned_upstream_ones(scenario):
    for chart in cached(scenario).monitor.by_type(CHART):
        assert chart.inputs["chart"] in upstream.CHARTS
        assert chart.inputs["version"] == upstream.CHART_VERSION
        assert chart.inputs["repositoryOpts"] == {"repo": "https://helm.linkerd.io/edge"}


@pytest.mark.parametrize("scenario", ["west", "mesh"])
def test_links_validate_against_the_v1alpha3_schema(scenario):
    links = cached(scenario).monitor.by_type(LINK)
    assert links
    for link in links:
        assert link_errors(link.inputs) == [], link.name


def test_link_identity_is_the_one_the_chart_annotates():
    spec = cached("west").monitor.one(LINK, "west-to-east-link").inputs["spec"]
    assert spec["gatewayIdentity"] == upstream.gateway_identity()
    assert spec["probeSpec"]["path"] == upstream.GATEWAY_DEFAULTS["gateway.probe.path"]
    assert spec["gatewayPort"] == str(upstream.GATEWAY_DEFAULTS["gateway.port"])
    for key, default in upstream.PROBE_SPEC_DEFAULTS.items():
        assert spec["probeSpec"][key] == default


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_built_in_object_validates_against_kubernetes_schemas(scenario):
    checked = 0
    for r in cached(scenario).monitor.registrations:
        if r.read or not r.typ.startswith(BUILT_IN):
            continue
        obj = r.inputs
        if r.typ.endswith("Patch"):
            # A server-side-apply patch is a partial object of the patched kind.
            obj = {**obj, "kind": obj["kind"].removesuffix("Patch")}
        assert k8s_errors(obj) == [], f"{r.typ} {r.name}: {k8s_errors(obj)}"
        checked += 1
    assert checked >= 8  # namespaces, issuer/webhook/credential Secrets, access RBAC, patches


def test_ha_applies_upstream_values_ha_settings():
    from harness.program import run_program

    run = run_program({"linkerd": {"ha": True}, "clusters": {"east": {"context": "east"}}})
    for chart, prefix in (("linkerd-control-plane", "east-linkerd-control-plane"),
                          ("linkerd-multicluster", "east-linkerd-multicluster")):
        values = run.monitor.one(CHART, prefix).inputs["values"]
        for path, expected in upstream.HA_VALUES[chart].items():
            node = values
            for part in path.split("."):
                assert isinstance(node, dict) and part in node, f"{chart}: {path} not set for ha"
                node = node[part]
            assert node == expected, f"{chart}: {path} = {node!r}, upstream values-ha.yaml says {expected!r}"


class TestCertificates:
    """The certificates a real pulumi-tls would mint from the program's inputs, checked as Linkerd does."""

    def _issuer(self, run, cluster):
        secret = run.monitor.one("kubernetes:core/v1:Secret", f"{cluster}-identity-issuer").inputs["stringData"]
        return secret["tls.crt"], secret["tls.key"], secret["ca.crt"]

    @pytest.mark.parametrize("scenario, cluster", [("east", "east"), ("west", "west"), ("mesh", "east"), ("mesh", "west")])
    def test_issuer_chains_to_the_bundle_like_the_identity_controller_wants(self, scenario, cluster):
        crt, key, bundle = self._issuer(cached(scenario), cluster)
        verify_issuer_like_linkerd(crt, bundle, issuer_key_pem=key, now=NOW)

    def test_bundle_parses_like_linkerd_and_holds_one_anchor(self):
        bundle = cached("east").outputs["trustAnchorsPem"]
        [anchor] = split_pem_bundle(bundle)
        verify_trust_anchor_like_linkerd(bundle, now=NOW, min_days_left=60)
        assert anchor.subject.rfc4514_string() == "CN=root.linkerd.cluster.local"

    def test_west_issuer_is_signed_by_easts_anchor(self):
        """Per-cluster stacks: west's issuer comes from east's anchor, so links trust each other."""
        crt, key, bundle = self._issuer(cached("west"), "west")
        assert bundle == cached("east").outputs["trustAnchorsPem"]
        verify_issuer_like_linkerd(crt, bundle, issuer_key_pem=key, now=NOW)
        ok, out = openssl_verify(bundle, crt, at=NOW)
        assert ok, out

    def test_issuers_differ_per_cluster_but_share_the_anchor(self):
        e_crt, _, e_bundle = self._issuer(cached("mesh"), "east")
        w_crt, _, w_bundle = self._issuer(cached("mesh"), "west")
        assert e_bundle == w_bundle
        assert e_crt != w_crt

    def test_an_issuer_from_another_anchor_is_rejected_by_openssl(self):
        """The openssl check can fail: east's issuer against the single-stack mesh's anchor."""
        crt, _, _ = self._issuer(cached("east"), "east")
        _, _, other_bundle = self._issuer(cached("mesh"), "east")
        ok, _ = openssl_verify(other_bundle, crt, at=NOW)
        assert not ok

    def test_webhook_certificates_serve_their_service_names(self):
        run = cached("east")
        webhook_ca = run.monitor.one(CHART, "east-linkerd-control-plane").inputs["values"]["proxyInjector"]["caBundle"]
        store = Store([x509.load_pem_x509_certificate(webhook_ca.encode())])
        for service in ("linkerd-proxy-injector", "linkerd-sp-validator", "linkerd-policy-validator"):
            data = run.monitor.one("kubernetes:core/v1:Secret", f"east-webhooks-{service}-secret").inputs["stringData"]
            leaf = x509.load_pem_x509_certificate(data["tls.crt"].encode())
            verifier = PolicyBuilder().store(store).time(NOW).build_server_verifier(DNSName(f"{service}.linkerd.svc"))
            verifier.verify(leaf, [])
