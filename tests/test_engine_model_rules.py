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
        for crd in gateway_api_crds(helm_template({"chart": "linkerd-crds", "version": "2026.8.3", "release_name": "x",
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


class TestPatchRelinquish:
    def test_a_patch_that_created_its_object_cannot_give_up_its_spec(self):
        """pulumi-kubernetes refuses to delete a Patch that is the only manager of required fields
        (seen on the real tier with the Gateway API CRD patches, before they retained on delete)."""
        import pytest
        from harness.cluster import ApiError, World

        world = World()
        crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": "things.example.com"}, "spec": {"group": "example.com"}}
        world.apply("east", crd)
        with pytest.raises(ApiError, match="managing a required field"):
            world.remove_fields("east", crd)
        labels_only = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n", "labels": {"a": "b"}}}
        world.create("east", {**labels_only, "metadata": {"name": "s", "namespace": "n"}, "spec": {"ports": []}})
        world.apply("east", labels_only)
        world.remove_fields("east", labels_only)  # a label on someone else's object: given up

    def test_the_gateway_api_patches_retain_on_delete(self):
        engine, _ = deployed({**copy.deepcopy(MESH), "protect": False})
        patches = [r for r in engine.state("mesh").values() if r.typ.endswith("CustomResourceDefinitionPatch")]
        assert patches and all(r.retain_on_delete for r in patches)
        engine.destroy("mesh")  # no "managing a required field" error
