"""Rules of the engine model (tests/harness/engine.py) that the real tier observed with the real
Pulumi CLI, pulumi-kubernetes and a real apiserver (e2e/tests/test_engine_rules.py, the test of the
same name there), each shown here on the model itself and on the program."""
from __future__ import annotations

import copy

from harness.engine import Engine, EngineRun
from harness.program import ROOT, config_file
from harness.recording import UNKNOWN

MESH = config_file(ROOT / "examples" / "Pulumi.mesh.yaml")
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
CHART_URN = "urn:pulumi:mesh::linkerd-multicluster::kubernetes:helm.sh/v4:Chart::crds"
PROVIDER = "urn:pulumi:mesh::linkerd-multicluster::pulumi:providers:kubernetes::east"


def crds_inputs(values: dict) -> dict:
    return {"chart": "linkerd-crds", "version": "2026.8.3", "namespace": "linkerd", "values": values}




def deployed(config: dict) -> tuple[Engine, dict]:
    cfg = copy.deepcopy(config)
    engine = Engine()
    engine.init("mesh")
    engine.up("mesh", cfg)
    return engine, cfg


class TestUnknownChartValues:
    def test_unknown_chart_values_plan_deletes_in_a_preview(self):
        engine = Engine()
        first = EngineRun(engine, "organization/linkerd-multicluster/mesh", {}, preview=False)
        first.render_chart(CHART_URN, "crds", crds_inputs({"installGatewayAPI": True}), PROVIDER, protect=False)
        first.finish()
        assert first.new and {s.op for s in first.steps} == {"create"}
        preview = EngineRun(engine, "organization/linkerd-multicluster/mesh", dict(first.new), preview=True)
        preview.render_chart(CHART_URN, "crds", crds_inputs({"installGatewayAPI": True, "x": UNKNOWN}), PROVIDER, protect=False)
        preview.finish()
        assert {s.name for s in preview.steps if s.op == "delete"} == {s.name for s in first.steps}

    def test_no_documented_trust_step_previews_a_chart_object_away(self):
        """The program keeps chart values known in every preview of the certificate lifecycle."""
        engine, cfg = deployed(MESH)
        steps = [("trust", "rotation", "add-anchor"), ("trust", "rotation", "reissue-issuers"),
                 ("trust", "anchorGeneration", 1), ("trust", "issuerGeneration", 1),
                 ("linkerd", "webhookGeneration", 1)]
        for section, key, value in steps:
            if key == "anchorGeneration":
                cfg["trust"].pop("rotation")
            cfg.setdefault(section, {})[key] = value
            deletes = [s.name for s in engine.preview("mesh", cfg).steps if s.op == "delete" and ":" in s.name]
            assert deletes == [], (key, value, deletes[:3])
            engine.up("mesh", cfg)


class TestKeptObjects:
    def test_kept_chart_objects_are_retained_on_delete(self):
        """helm.sh/resource-policy: keep: the Gateway API CRDs stay in the cluster after destroy,
        Linkerd's own CRDs go."""
        cfg = copy.deepcopy(MESH)
        cfg["protect"] = False
        engine, cfg = deployed(cfg)
        engine.destroy("mesh")
        assert engine.world.get("east", "CustomResourceDefinition", "/httproutes.gateway.networking.k8s.io") is not None
        assert engine.world.get("east", "CustomResourceDefinition", "/servers.policy.linkerd.io") is None


class TestGatewayApiCrds:
    """The Gateway API CRDs outlive `destroy` and often exist before the first `up`; both must
    converge (linkerd-crds marks them `keep`; creating an existing object fails since
    pulumi-kubernetes 4.29)."""

    HTTPROUTES = "/httproutes.gateway.networking.k8s.io"

    def test_destroy_then_up_converges(self):
        cfg = copy.deepcopy(MESH)
        cfg["protect"] = False
        engine, cfg = deployed(cfg)
        engine.destroy("mesh")
        assert engine.world.get("east", "CustomResourceDefinition", self.HTTPROUTES) is not None
        engine.up("mesh", cfg)
        assert engine.preview("mesh", cfg).plan() == {}

    def test_a_cluster_that_already_has_them_converges(self):
        engine = Engine()
        from harness.mocks import helm_template
        from components.gateway_api import gateway_api_crds
        for crd in gateway_api_crds(helm_template({"chart": "linkerd-crds", "version": "2026.8.3",
                                                   "values": {"installGatewayAPI": True}})):
            for cluster in ("east", "west"):
                engine.world.create(cluster, copy.deepcopy(crd))  # installed by someone else first
        engine.init("mesh")
        engine.up("mesh", copy.deepcopy(MESH))
        assert engine.world.get("east", "CustomResourceDefinition", self.HTTPROUTES) is not None

    def test_they_are_applied_by_patch_before_the_control_plane(self):
        engine, _ = deployed(MESH)
        state = engine.state("mesh")
        patches = {r.name for r in state.values() if r.typ.endswith("CustomResourceDefinitionPatch")}
        assert "east-gateway-api:httproutes.gateway.networking.k8s.io" in patches
        chart_crds = {r.name for r in state.values() if r.typ == "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
                      and "gateway.networking.k8s.io" in r.name}
        assert chart_crds == set(), "the chart must not create them (it would keep them)"
