"""The resource graph: explicit providers, parents, real (and only real) dependencies, secrecy."""
from __future__ import annotations

import json

import pytest

from harness.recording import contains_secret, is_wire_secret
from harness.program import ROOT
from scenarios import CHART, LINK, NAMESPACE, SECRET, SERVICE_PATCH, cached, deps

SCENARIOS = ["east", "west", "mesh"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_kubernetes_resource_names_its_clusters_provider(scenario):
    run = cached(scenario)
    clusters = {r.name for r in run.monitor.registrations if r.typ == "pulumi:providers:kubernetes"}
    assert clusters and clusters <= {"east", "west"}, clusters
    for r in run.monitor.registrations:
        if not r.typ.startswith("kubernetes:"):
            continue
        # Chart v4 is a remote component: its provider reaches the engine as `provider` too.
        assert r.provider_name in clusters, f"{r.typ} {r.name} uses provider {r.provider!r}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_resources_run_on_the_cluster_their_name_says(scenario):
    run = cached(scenario)
    for r in run.monitor.registrations:
        if r.typ.startswith("kubernetes:") and r.custom and not r.read:
            cluster = r.name.split("-")[0]
            assert r.provider_name == cluster, f"{r.name} on {r.provider_name}"


def test_providers_pin_context_and_identity():
    run = cached("mesh")
    for name in ("east", "west"):
        p = run.monitor.one("pulumi:providers:kubernetes", name).inputs
        assert p["context"] == name
        assert p["clusterIdentifier"] == name  # kubeconfig changes update, not replace, the provider


def test_components_form_one_tree_under_the_mesh():
    run = cached("mesh")
    by_urn = run.monitor.by_urn()
    mesh = run.monitor.one("linkerd-multicluster:index:Mesh", "mesh")
    for r in run.monitor.registrations:
        if r.typ.startswith("linkerd-multicluster:") and r.name != "mesh":
            chain, node = [], r
            while node.parent in by_urn:
                node = by_urn[node.parent]
                chain.append(node.name)
            assert "mesh" in chain, f"{r.typ} {r.name} is not under the Mesh"
    assert mesh.parent.endswith("linkerd-multicluster-mesh") or "Stack" in mesh.parent


def test_an_upgrade_of_the_program_keeps_every_deployed_resource():
    """A resource's URN (its name, its type, its parent's type) is its identity in a deployed
    stack's state: a URN this version deployed that the next version no longer registers is
    deleted by the next `up`, and a new one created (an export's label removed, so linked clusters
    delete their mirrors, then added again). tests/fixtures/mesh-urns.txt holds the URNs this
    version registers for the single-stack example, as Pulumi's mocks form them (the engine
    qualifies with every ancestor's type, so it sees at least these changes). New resources may
    come; a rename, a new component type or a new parent needs `aliases` and then a fixture update."""
    deployed = (ROOT / "tests" / "fixtures" / "mesh-urns.txt").read_text().split()
    registered = {r.urn for r in cached("mesh").monitor.registrations}
    assert [urn for urn in deployed if urn not in registered] == []


class TestOrdering:
    def test_control_plane_waits_for_crds_issuer_and_webhook_secrets(self):
        run = cached("east")
        cp = run.monitor.one(CHART, "east-linkerd-control-plane")
        d = deps(run, cp)
        assert (CHART, "east-linkerd-crds") in d
        assert (SECRET, "east-identity-issuer") in d
        for svc in ("linkerd-proxy-injector", "linkerd-sp-validator", "linkerd-policy-validator"):
            assert (SECRET, f"east-webhooks-{svc}-secret") in d

    def test_crds_issuer_and_webhooks_wait_for_the_linkerd_namespace(self):
        run = cached("east")
        for typ, name in ((CHART, "east-linkerd-crds"), (SECRET, "east-identity-issuer"),
                          (SECRET, "east-webhooks-linkerd-proxy-injector-secret")):
            assert (NAMESPACE, "east-linkerd-namespace") in deps(run, run.monitor.one(typ, name)), name

    def test_multicluster_waits_for_control_plane_and_its_namespace(self):
        run = cached("east")
        d = deps(run, run.monitor.one(CHART, "east-linkerd-multicluster"))
        assert {(CHART, "east-linkerd-control-plane"), (NAMESPACE, "east-multicluster-namespace")} <= d

    def test_link_waits_for_chart_and_both_credentials_secrets(self):
        run = cached("west")
        d = deps(run, run.monitor.one(LINK, "west-to-east-link"))
        assert {(CHART, "west-linkerd-multicluster"), (SECRET, "west-to-east-credentials"),
                (SECRET, "west-to-east-linkerd-credentials")} <= d

    def test_link_in_a_single_stack_waits_for_the_targets_access_token(self):
        run = cached("mesh")
        d = deps(run, run.monitor.one(SECRET, "west-to-east-credentials"))
        assert (SECRET, "east-access-west-token") in d, "the kubeconfig is built from the token"

    def test_token_secret_waits_for_its_service_account(self):
        run = cached("east")
        d = deps(run, run.monitor.one(SECRET, "east-access-west-token"))
        assert ("kubernetes:core/v1:ServiceAccount", "east-access-west-account") in d

    def test_exports_wait_for_nothing_of_linkerds(self):
        """Only for the read that proves the Service exists (a patch would create it)."""
        run = cached("mesh")
        for patch in run.monitor.by_type(SERVICE_PATCH):
            assert deps(run, patch) == {("kubernetes:core/v1:Service", f"{patch.name}-exists")}, patch.name

    def test_nothing_of_one_cluster_waits_for_another_clusters_install(self):
        """In a single-stack mesh, east's install must not wait for west's charts (and vice versa)."""
        run = cached("mesh")
        for name in ("east-linkerd-control-plane", "east-linkerd-multicluster", "east-linkerd-crds"):
            assert not any(n.startswith("west-") for _, n in deps(run, run.monitor.one(CHART, name))), name


class TestSecrets:
    def test_issuer_key_is_secret_on_the_wire(self):
        reg = cached("east").monitor.one(SECRET, "east-identity-issuer")
        assert reg.inputs["type"] == "kubernetes.io/tls"
        assert is_wire_secret(reg.wire["stringData"])
        data = reg.inputs["stringData"]
        assert data["tls.key"].startswith("-----BEGIN EC PRIVATE KEY-----")
        assert set(data) == {"tls.crt", "tls.key", "ca.crt"}

    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_no_private_key_or_token_in_any_chart_values(self, scenario):
        for chart in cached(scenario).monitor.by_type(CHART):
            text = json.dumps(chart.inputs["values"])
            assert "PRIVATE KEY" not in text, chart.name
            assert "token-of-" not in text, chart.name
            assert not contains_secret(chart.wire["values"]), f"{chart.name}: values must stay readable in diffs"

    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_every_private_key_reaching_kubernetes_is_a_secret(self, scenario):
        for r in cached(scenario).monitor.registrations:
            if r.typ.startswith("kubernetes:") and "PRIVATE KEY" in json.dumps(r.inputs):
                assert r.typ == SECRET and is_wire_secret(r.wire.get("stringData")), r.name

    def test_anchor_and_issuer_keys_are_secret_outputs_of_pulumi_tls(self):
        run = cached("east")
        for key in run.monitor.by_type("tls:index/privateKey:PrivateKey"):
            assert "privateKeyPem" in key.additional_secret_outputs
            assert key.inputs["algorithm"] == "ECDSA" and key.inputs["ecdsaCurve"] == "P256", key.name
