"""The shipped stacks (east, then west with east's outputs) and a single-stack mesh, end to end."""
from __future__ import annotations

import base64
import json

import pytest
import yaml

from harness.engine import Engine, EngineError
from harness.program import stack_file_config
from harness.recording import is_wire_secret
from scenarios import CHART, LINK, SECRET, SERVICE_PATCH, WEST_STACK, cached, east, west


def kubeconfig_of(secret_reg) -> dict:
    return yaml.safe_load(secret_reg.inputs["stringData"]["kubeconfig"])


class TestEastStack:
    def test_installs_only_east_and_links_nothing_itself(self):
        run = cached("east")
        charts = {r.name for r in run.monitor.by_type(CHART)}
        assert charts == {"east-linkerd-crds", "east-linkerd-control-plane", "east-linkerd-multicluster"}
        assert run.monitor.by_type(LINK) == []
        # east is nobody's source here: no controllers in its multicluster chart
        mc = run.monitor.one(CHART, "east-linkerd-multicluster")
        assert mc.inputs["values"]["controllers"] == []

    def test_grants_west_its_own_access_account(self):
        run = cached("east")
        sa = run.monitor.one("kubernetes:core/v1:ServiceAccount", "east-access-west-account").inputs
        assert sa["metadata"]["name"] == "linkerd-service-mirror-remote-access-west"
        assert sa["metadata"]["namespace"] == "linkerd-multicluster"
        token = run.monitor.one(SECRET, "east-access-west-token").inputs
        assert token["type"] == "kubernetes.io/service-account-token"
        assert token["metadata"]["annotations"] == {"kubernetes.io/service-account.name": sa["metadata"]["name"]}

    def test_exports_foobar_with_the_gateway_label_by_patch(self):
        run = cached("east")
        [patch] = run.monitor.by_type(SERVICE_PATCH)
        meta = patch.inputs["metadata"]
        assert (meta["namespace"], meta["name"]) == ("test", "foobar")
        assert meta["labels"] == {"mirror.linkerd.io/exported": "true"}
        assert patch.provider_name == "east"

    def test_outputs_publish_what_west_needs_and_keep_credentials_secret(self):
        run = cached("east")
        assert {"trustAnchorsPem", "gateways", "links", "linkTargets", "linkCredentials-west",
                "signedIssuers", "trustSource"} <= set(run.outputs)
        assert run.secret == {"linkCredentials-west"}
        assert "trustAnchorsPem" not in run.secret and "gateways" not in run.secret
        creds = run.outputs["linkCredentials-west"]["east"]
        assert creds["token"] == "token-of-east-access-west-token"
        target = run.outputs["linkTargets"]["east"]
        assert target["apiServerAddress"] == "https://198.51.100.1:6443"
        assert target["gateway"] == run.outputs["gateways"]["east"]

    def test_gateway_output_is_what_link_gen_reads_from_the_chart_service(self):
        gw = cached("east").outputs["gateways"]["east"]
        assert gw == {
            "address": "203.0.113.10",  # the emulated cloud's LoadBalancer address
            "port": "4143",
            "identity": "linkerd-gateway.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local",
            "probe": {"path": "/ready", "port": "4191", "period": "3s"},
        }

    def test_topology_diagram_output_shows_the_stack(self):
        diagram = cached("east").outputs["topologyDiagram"]
        assert diagram.startswith("flowchart LR")
        assert '"east"' in diagram and "test/foobar (gateway)" in diagram and "west" in diagram

    def test_trust_anchor_bundle_ends_in_exactly_one_newline(self):
        bundle = cached("east").outputs["trustAnchorsPem"]
        assert bundle.endswith("-----END CERTIFICATE-----\n") and not bundle.endswith("\n\n")


class TestWestStack:
    def test_link_names_agree_everywhere(self):
        run = cached("west")
        link = run.monitor.one(LINK, "west-to-east-link").inputs
        mc = run.monitor.one(CHART, "west-linkerd-multicluster").inputs["values"]
        secrets = [run.monitor.one(SECRET, n).inputs for n in ("west-to-east-credentials", "west-to-east-linkerd-credentials")]
        assert link["metadata"]["name"] == link["spec"]["targetClusterName"] == "east"
        assert [c["link"]["ref"]["name"] for c in mc["controllers"]] == ["east"]
        assert link["spec"]["clusterCredentialsSecret"] == "cluster-credentials-east"
        assert {s["metadata"]["name"] for s in secrets} == {"cluster-credentials-east"}
        assert {s["metadata"]["namespace"] for s in secrets} == {"linkerd-multicluster", "linkerd"}

    def test_link_gateway_fields_come_from_easts_gateway_service(self):
        spec = cached("west").monitor.one(LINK, "west-to-east-link").inputs["spec"]
        assert spec["gatewayAddress"] == "203.0.113.10"
        assert spec["gatewayPort"] == "4143"
        assert spec["gatewayIdentity"] == "linkerd-gateway.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local"
        assert spec["probeSpec"] == {"path": "/ready", "port": "4191", "period": "3s", "failureThreshold": "3", "timeout": "30s"}
        assert spec["selector"] == {"matchLabels": {"mirror.linkerd.io/exported": "true"}}
        assert spec["remoteDiscoverySelector"] == {"matchLabels": {"mirror.linkerd.io/exported": "remote-discovery"}}
        assert spec["federatedServiceSelector"] == {"matchLabels": {"mirror.linkerd.io/federated": "member"}}

    def test_credentials_kubeconfig_points_at_easts_api_with_wests_token(self):
        run = cached("west")
        for name in ("west-to-east-credentials", "west-to-east-linkerd-credentials"):
            reg = run.monitor.one(SECRET, name)
            assert reg.inputs["type"] == "mirror.linkerd.io/remote-kubeconfig"
            assert is_wire_secret(reg.wire["stringData"]), "the kubeconfig holds a token: it must be secret"
            kc = kubeconfig_of(reg)
            [cluster] = kc["clusters"]
            assert cluster["cluster"]["server"] == "https://198.51.100.1:6443"
            assert base64.b64decode(cluster["cluster"]["certificate-authority-data"]).startswith(b"-----BEGIN CERTIFICATE")
            [user] = kc["users"]
            assert user == {"name": "linkerd-service-mirror-remote-access-west",
                            "user": {"token": "token-of-east-access-west-token"}}
            assert kc["current-context"] == kc["contexts"][0]["name"] == "east"

    def test_destination_credentials_carry_label_and_domain_annotations(self):
        meta = cached("west").monitor.one(SECRET, "west-to-east-linkerd-credentials").inputs["metadata"]
        assert meta["labels"] == {"multicluster.linkerd.io/cluster-name": "east"}
        assert meta["annotations"] == {
            "multicluster.linkerd.io/trust-domain": "cluster.local",
            "multicluster.linkerd.io/cluster-domain": "cluster.local",
        }

    def test_both_clusters_get_the_identical_bundle(self):
        e = cached("east").monitor.one(CHART, "east-linkerd-control-plane").inputs["values"]
        w = cached("west").monitor.one(CHART, "west-linkerd-control-plane").inputs["values"]
        assert e["identityTrustAnchorsPEM"] == w["identityTrustAnchorsPEM"]
        assert e["identityTrustAnchorsPEM"].count("BEGIN CERTIFICATE") == 1

    def test_west_creates_no_trust_anchor_of_its_own(self):
        run = cached("west")
        assert run.monitor.by_type("tls:index/selfSignedCert:SelfSignedCert") == [
            r for r in run.monitor.by_type("tls:index/selfSignedCert:SelfSignedCert") if "webhooks" in r.name
        ]
        assert "PRIVATE KEY" not in json.dumps(run.outputs)


class TestCrossStackErrors:
    def test_west_first_publishes_its_request_installs_nothing_and_says_to_run_east(self):
        engine = Engine()
        engine.init("east", "west")  # both created, east never deployed: it has no outputs
        run = engine.up("west", stack_file_config("west"))
        assert [r for r in run.monitor.registrations if r.typ.startswith("kubernetes:") and not r.read
                and r.typ != "pulumi:providers:kubernetes"] == []
        assert set(run.outputs["issuerRequests"]) == {"west"} and run.outputs["trustAnchorsPem"] is None
        assert any("run `pulumi up` on organization/linkerd-multicluster/east (with this stack in its "
                   "trust.members), then run this stack again" in w for w in run.warnings), run.warnings

    def test_west_before_east_exists_fails_as_the_engine_does(self):
        engine = Engine()
        engine.init("west")
        with pytest.raises(EngineError, match=r'unknown stack "organization/linkerd-multicluster/east"'):
            engine.up("west", stack_file_config("west"))

    def test_link_to_a_stack_that_does_not_grant_access_waits_with_a_warning(self):
        """Per-cluster stacks that link to each other converge over two runs instead of failing."""
        lonely = {"trust": {"members": [{"stack": WEST_STACK, "clusters": ["west"]}]}, "clusters": {"east": {"context": "east"}},
                  "links": [{"source": "north", "target": "east"}]}
        run = west(east_config=lonely)
        assert run.monitor.by_type(LINK) == []
        assert any("link west -> east skipped" in w and "{source: west, target: east}" in w
                   for w in run.warnings), run.warnings
        # the controller entry follows the Link: none without it
        values = run.monitor.one(CHART, "west-linkerd-multicluster").inputs["values"]
        assert values["controllers"] == []


class TestSingleStackMesh:
    def test_both_directions_linked_with_one_access_account_each(self):
        run = cached("mesh")
        links = {(r.provider_name, r.inputs["metadata"]["name"]) for r in run.monitor.by_type(LINK)}
        assert links == {("west", "east"), ("east", "west")}
        accounts = {(r.provider_name, r.inputs["metadata"]["name"])
                    for r in run.monitor.by_type("kubernetes:core/v1:ServiceAccount")}
        assert accounts == {("east", "linkerd-service-mirror-remote-access-west"),
                            ("west", "linkerd-service-mirror-remote-access-east")}

    def test_each_link_uses_its_targets_gateway_and_api(self):
        run = cached("mesh")
        specs = {r.provider_name: r.inputs["spec"] for r in run.monitor.by_type(LINK)}
        assert specs["west"]["gatewayAddress"] == "203.0.113.10"
        assert specs["east"]["gatewayAddress"] == "west-gw.elb.example.com"  # EKS-style hostname
        servers = {r.provider_name: kubeconfig_of(r)["clusters"][0]["cluster"]["server"]
                   for r in run.monitor.by_type(SECRET) if r.name.endswith("-to-east-credentials")
                   or r.name.endswith("-to-west-credentials")}
        assert servers == {"west": "https://198.51.100.1:6443", "east": "https://198.51.100.2:6443"}

    def test_controllers_entries_match_outbound_links(self):
        run = cached("mesh")
        for src, tgt in (("east", "west"), ("west", "east")):
            values = run.monitor.one(CHART, f"{src}-linkerd-multicluster").inputs["values"]
            assert values["controllers"] == [{"link": {"ref": {"name": tgt}}, "gateway": {"enabled": True}}]


class TestPreview:
    """`pulumi preview` on empty clusters: unknown values where the clusters must answer, no errors."""

    def test_first_preview_of_east_reads_only_the_services_it_exports_and_shows_unknowns(self):
        """The gateway does not exist yet, so it is not read; the application Service to export
        must exist already, so it is (a typo fails the preview)."""
        run = east(preview=True)
        known_reads = [r.read_id for r in run.monitor.reads() if r.read_id not in ("", None) and "04da6b54" not in r.read_id
                       and r.typ != "pulumi:pulumi:StackReference"]
        assert known_reads == ["test/foobar"]
        assert "gateways" in run.unknown and "linkCredentials-west" in run.unknown

    def test_first_preview_of_the_single_stack_mesh_keeps_link_fields_unknown(self):
        from scenarios import single_stack
        from harness.recording import contains_unknown

        run = single_stack(preview=True)
        for link in run.monitor.by_type(LINK):
            assert contains_unknown(link.wire["spec"]), "gateway fields are known only after the chart exists"
        for name in ("west-to-east-credentials", "east-to-west-credentials"):
            assert contains_unknown(run.monitor.one(SECRET, name).wire["stringData"])

    def test_preview_of_west_against_a_deployed_east_is_fully_known(self):
        run = west(preview=True)
        link = run.monitor.one(LINK, "west-to-east-link").inputs
        assert link["spec"]["gatewayAddress"] == "203.0.113.10"


def test_two_runs_register_identical_inputs():
    """Same config twice -> same inputs, so `pulumi preview` on an unchanged stack shows no diff."""
    first, second = east(), east()
    a = {(r.typ, r.name): r.wire for r in first.monitor.registrations}
    b = {(r.typ, r.name): r.wire for r in second.monitor.registrations}
    assert a.keys() == b.keys()
    changed = [k for k in a if a[k] != b[k]]
    assert changed == []
    w1, w2 = west(), west()
    assert {(r.typ, r.name): r.wire for r in w1.monitor.registrations} == {(r.typ, r.name): r.wire for r in w2.monitor.registrations}
