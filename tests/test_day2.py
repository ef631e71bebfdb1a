"""Day-2 workflows, run step by step on the engine model (tests/harness/engine.py), as the README
documents them: change the stack config, `pulumi up` (which previews first), and look at the plan
the engine made — which resources stay, are updated, replaced, created or deleted — and at what
the clusters hold afterwards. No step may be refused unless the test says so.
"""
from __future__ import annotations

import copy

import pytest

from harness.engine import Engine, EngineError, kubernetes_diff
from harness.program import ROOT, config_file

MESH = config_file(ROOT / "examples" / "Pulumi.mesh.yaml")
CONFIGMAP = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
LINK = "kubernetes:multicluster.linkerd.io/v1alpha3:Link"
COMMAND = "command:local:Command"


def deployed(config: dict | None = None) -> tuple[Engine, dict]:
    """A backend with stack `mesh` after its first `pulumi up`."""
    cfg = copy.deepcopy(config or MESH)
    engine = Engine()
    engine.init("mesh")
    engine.up("mesh", cfg)
    return engine, cfg


def changes(run) -> dict[str, set[str]]:
    return {op: set(names) for op, names in run.plan().items()}


def names(run, op: str, typ: str | None = None) -> set[str]:
    return {s.name for s in run.steps if s.op == op and (typ is None or s.typ == typ)}


def live(engine: Engine, cluster: str, kind: str, name: str) -> dict | None:
    return engine.world.get(cluster, kind, name)


def control_plane(*objects: str) -> set[str]:
    """Names of control-plane chart objects (in namespace linkerd) of both clusters."""
    return {f"{c}-linkerd-control-plane:linkerd/{o}" for c in ("east", "west") for o in objects}


# What a change of the control-plane values rolls: linkerd-config, and the three Deployments whose
# pod templates carry the values (the proxy settings, the trust roots' checksum).
ROLLED = ("linkerd-config", "linkerd-destination", "linkerd-identity", "linkerd-proxy-injector")


# -- the engine model's rules, each shown to bite --------------------------------------------------

class TestProviderRules:
    """pulumi-kubernetes' Diff as the model applies it (provider/pkg/provider/diff.go)."""

    CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "linkerd-config", "namespace": "linkerd"},
          "data": {"values": "a"}}

    def test_a_configmap_data_change_replaces_it_delete_first_unless_the_provider_allows_mutation(self):
        new = {**self.CM, "data": {"values": "b"}}
        assert kubernetes_diff(CONFIGMAP, self.CM, new, {})[1:] == (True, True)
        assert kubernetes_diff(CONFIGMAP, self.CM, new, {"enableConfigMapMutable": "true"})[1:] == (False, False)
        assert kubernetes_diff(CONFIGMAP, self.CM, {**new, "immutable": True}, {"enableConfigMapMutable": "true"})[1]

    def test_a_secret_type_change_replaces_it_even_when_secrets_are_mutable(self):
        old = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "type": "Opaque"}
        assert kubernetes_diff(SECRET, old, {**old, "type": "kubernetes.io/tls"}, {"enableSecretMutable": "true"})[1]
        assert not kubernetes_diff(SECRET, old, {**old, "stringData": {"a": "b"}}, {"enableSecretMutable": "true"})[1]
        assert kubernetes_diff(SECRET, old, {**old, "stringData": {"a": "b"}}, {})[1]


class TestUnchanged:
    def test_an_unchanged_stack_previews_and_updates_with_no_diff(self):
        engine, cfg = deployed()
        assert changes(engine.preview("mesh", cfg)) == {}
        again = engine.up("mesh", cfg)
        assert changes(again) == {}
        assert again.commands == []


class TestControlPlaneChanges:
    """Helm and `linkerd upgrade` update linkerd-config in place; so must `pulumi up`."""

    def test_ha_on_then_off(self):
        engine, cfg = deployed()
        cfg["linkerd"]["ha"] = True
        on = engine.up("mesh", cfg)
        assert "replace" not in changes(on) and "delete" not in changes(on)
        assert "east-linkerd-control-plane:linkerd/linkerd-config" in names(on, "update", CONFIGMAP)
        assert {n for n in names(on, "create", PDB) if n.startswith("east-linkerd-control-plane:")}, "PDBs come with ha"
        assert live(engine, "east", "Deployment", "linkerd/linkerd-destination")["spec"]["replicas"] == 3
        cfg["linkerd"]["ha"] = False
        off = engine.up("mesh", cfg)
        assert names(off, "delete", PDB) == names(on, "create", PDB)  # chart objects are not protected
        assert "replace" not in changes(off)

    def test_an_extra_values_change_updates_in_place(self):
        engine, cfg = deployed()
        cfg["linkerd"]["extraValues"] = {"controlPlane": {"controllerLogLevel": "debug"}}
        run = engine.up("mesh", cfg)
        assert changes(run) == {"update": control_plane(*ROLLED)}
        assert "debug" in live(engine, "east", "ConfigMap", "linkerd/linkerd-config")["data"]["values"]

    def test_a_linkerd_version_upgrade(self):
        engine, cfg = deployed()
        cfg["linkerd"]["version"] = "2026.9.1"
        run = engine.up("mesh", cfg)
        assert "replace" not in changes(run) and "delete" not in changes(run)
        updated = names(run, "update")
        for chart in ("linkerd-crds", "linkerd-control-plane", "linkerd-multicluster"):
            assert any(n.startswith(f"east-{chart}:") for n in updated), chart
        assert "east-linkerd-control-plane:linkerd/linkerd-config" in updated


class TestTrustRotation:
    def issuer_chain(self, engine: Engine, cluster: str) -> str:
        return live(engine, cluster, "Secret", "linkerd/linkerd-identity-issuer")["stringData"]["tls.crt"]

    def test_issuer_rotation_updates_the_issuer_secret_in_place(self):
        engine, cfg = deployed()
        before = self.issuer_chain(engine, "east")
        cfg["trust"]["issuerGeneration"] = 1
        run = engine.up("mesh", cfg)
        assert changes(run) == {
            "replace": {f"{c}-issuer-{p}" for c in ("east", "west") for p in ("key", "csr", "cert")},
            "update": {"east-identity-issuer", "west-identity-issuer"},  # not deleted and recreated
        }
        assert not any(s.delete_before_replace for s in run.steps)  # the new key first, then the old goes
        assert self.issuer_chain(engine, "east") != before

    def test_the_three_step_anchor_rotation_completes_with_protect_on(self):
        engine, cfg = deployed()
        assert cfg.get("protect", True)
        roots = lambda: live(engine, "east", "ConfigMap", "linkerd/linkerd-identity-trust-roots")["data"]["ca-bundle.crt"]
        g0 = roots()
        state = engine.state("mesh")
        assert {r.name for r in state.values() if r.name.startswith("trust-anchor-g1")} == \
            {"trust-anchor-g1", "trust-anchor-g1-key", "trust-anchor-g1-cert"}, "the next anchor is minted ahead"
        assert roots().count("BEGIN CERTIFICATE") == 1, "and not bundled before the rotation"

        # the bundle changes: trust roots, linkerd-config, the pods that mount them, the issuer Secrets' ca.crt
        bundle_changed = control_plane(*ROLLED, "linkerd-identity-trust-roots") | {"east-identity-issuer", "west-identity-issuer"}

        cfg["trust"]["rotation"] = "add-anchor"
        # What a reviewer sees in the pull request: the same updates, no chart object deleted (with
        # the new anchor created in the same run its PEM would be unknown, and an unrendered chart
        # previews as the deletion of all its objects).
        assert changes(engine.preview("mesh", cfg)) == {"update": bundle_changed}
        step1 = engine.up("mesh", cfg)
        assert changes(step1) == {"update": bundle_changed}  # issuers still signed by the old anchor
        assert g0.strip() in roots() and roots().count("BEGIN CERTIFICATE") == 2

        cfg["trust"]["rotation"] = "reissue-issuers"
        step2 = engine.up("mesh", cfg)
        assert changes(step2) == {"replace": {"east-issuer-cert", "west-issuer-cert"},
                                  "update": {"east-identity-issuer", "west-identity-issuer"}}
        state = engine.state("mesh")
        key = lambda name: next(r for r in state.values() if r.name == name)
        assert key("trust-anchor-key").protect is False, "the superseded anchor is unprotected before it goes"
        assert key("trust-anchor-g1-key").protect is True

        del cfg["trust"]["rotation"]
        cfg["trust"]["anchorGeneration"] = 1
        assert "delete" not in {s.op for s in engine.preview("mesh", cfg).steps if ":" in s.name}
        step3 = engine.up("mesh", cfg)
        assert changes(step3) == {"delete": {"trust-anchor", "trust-anchor-key", "trust-anchor-cert"},
                                  "create": {"trust-anchor-g2", "trust-anchor-g2-key", "trust-anchor-g2-cert"},
                                  "update": bundle_changed}
        assert roots().count("BEGIN CERTIFICATE") == 1 and g0.strip() not in roots()
        assert changes(engine.preview("mesh", cfg)) == {}

    def test_skipping_the_reissue_step_is_refused_before_anything_changes(self):
        engine, cfg = deployed()
        cfg["trust"]["rotation"] = "add-anchor"
        engine.up("mesh", cfg)
        objects = copy.deepcopy(engine.world.objects)
        state = engine.state("mesh")
        del cfg["trust"]["rotation"]
        cfg["trust"]["anchorGeneration"] = 1  # the old anchor still signs the issuers: it is protected
        with pytest.raises(EngineError, match=r"(?s)unable to delete resource .*trust-anchor-key.*marked for protection"):
            engine.up("mesh", cfg)
        assert engine.world.objects == objects and engine.state("mesh").keys() == state.keys()


class TestMeshChanges:
    def test_adding_a_cluster(self):
        engine, cfg = deployed()
        cfg["clusters"]["north"] = {"context": "north", "apiServerAddress": "https://198.51.100.3:6443",
                                    "exports": [{"namespace": "test", "service": "foobar"}]}
        cfg["links"] += [{"source": "north", "target": "east"}, {"source": "east", "target": "north"}]
        run = engine.up("mesh", cfg)
        assert "delete" not in changes(run) and "replace" not in changes(run)
        created = names(run, "create")
        assert {"north-to-east-link", "east-to-north-link", "east-linkerd-multicluster:linkerd-multicluster/controller-north"} <= created
        assert not any(n.startswith("west-") for n in created | names(run, "update"))

    def test_removing_a_link_deletes_it_and_then_its_controller_and_credentials(self):
        engine, cfg = deployed()
        cfg["links"] = [link for link in cfg["links"] if link["source"] != "east"]
        run = engine.up("mesh", cfg)
        deleted = [s.name for s in run.steps if s.op == "delete"]
        pos = {n: i for i, n in enumerate(deleted)}
        controller = "east-linkerd-multicluster:linkerd-multicluster/controller-west"
        # the chart objects of the link's controller are deletions, after the Link (the engine
        # counts a chart's objects as dependencies of what depends on the chart)
        for later in (controller, "east-to-west-mirror-cleanup", "east-to-west-credentials",
                      "east-to-west-linkerd-credentials"):
            assert pos["east-to-west-link"] < pos[later], later
        assert pos["east-to-west-credentials"] < pos["west-access-east-token"]
        assert [c for c in run.commands if "delete service" in c and "cluster-name=west" in c]
        assert live(engine, "east", "Deployment", f"linkerd-multicluster/controller-west") is None
        assert live(engine, "west", "Link", "linkerd-multicluster/east") is not None  # the other direction stays

    def test_removing_a_cluster_needs_protect_lifted_first(self):
        engine, cfg = deployed()
        smaller = copy.deepcopy(cfg)
        del smaller["clusters"]["west"]
        smaller["links"] = []
        objects = copy.deepcopy(engine.world.objects)
        with pytest.raises(EngineError, match=r"(?s)unable to delete resource .*west-linkerd-namespace.*marked for protection"):
            engine.up("mesh", smaller)
        assert engine.world.objects == objects, "refused at preview: nothing was deleted"

        cfg["protect"] = False
        assert changes(engine.up("mesh", cfg)) == {}, "lifting protect changes no resource"
        smaller["protect"] = False
        run = engine.up("mesh", smaller)
        assert "west-linkerd-control-plane:linkerd/linkerd-config" in names(run, "delete")
        assert not [k for k in engine.world.objects if k[0] == "west" and k[2].startswith(("linkerd/", "linkerd-multicluster/"))]
        smaller["protect"] = True
        assert changes(engine.up("mesh", smaller)) == {}


class TestDestroy:
    def test_protect_false_then_destroy(self):
        engine, cfg = deployed()
        with pytest.raises(EngineError, match="marked for protection"):
            engine.destroy("mesh")
        assert engine.state("mesh"), "refused at preview: nothing deleted"
        cfg["protect"] = False
        engine.up("mesh", cfg)
        steps = engine.destroy("mesh")
        assert engine.state("mesh") == {}
        assert {s.op for s in steps} == {"delete"}
        ours = [k for k in engine.world.objects if k[2].startswith(("linkerd/", "linkerd-multicluster/"))]
        assert ours == []


class TestExistingObjects:
    def helm_installed_world(self) -> Engine:
        """Clusters where the same Linkerd was installed by another tool (Helm): the objects exist,
        this project's state does not."""
        engine, _ = deployed()
        fresh = Engine(world=engine.world)
        fresh.init("mesh")
        return fresh

    def test_without_adopt_an_existing_install_fails_on_the_first_object_that_exists(self):
        engine = self.helm_installed_world()
        with pytest.raises(EngineError, match=r"already exists.*upsertExistingObjects"):
            engine.up("mesh", copy.deepcopy(MESH))

    def test_adopt_takes_the_install_over_then_is_removed(self):
        engine = self.helm_installed_world()
        cfg = copy.deepcopy(MESH)
        for c in cfg["clusters"].values():
            c["adopt"] = True
        engine.up("mesh", cfg)
        for c in cfg["clusters"].values():
            del c["adopt"]
        run = engine.up("mesh", cfg)
        assert set(changes(run)) <= {"update"} and names(run, "update") == {"east", "west"}, \
            "removing adopt only updates the providers"
        assert changes(engine.preview("mesh", cfg)) == {}

    def test_adopting_a_cli_install_needs_its_opaque_issuer_secret_removed_first(self):
        """`linkerd install` stores the issuer as an Opaque Secret (crt.pem/key.pem); a Secret's
        type cannot change, so the README's procedure deletes it right before the first `up`."""
        engine = self.helm_installed_world()
        for c in ("east", "west"):
            issuer = engine.world.objects[(c, "Secret", "linkerd/linkerd-identity-issuer")]
            issuer["type"] = "Opaque"
        cfg = copy.deepcopy(MESH)
        for c in cfg["clusters"].values():
            c["adopt"] = True
        with pytest.raises(EngineError, match=r"linkerd-identity-issuer.*field is immutable"):
            engine.up("mesh", cfg)
        for c in ("east", "west"):  # kubectl -n linkerd delete secret linkerd-identity-issuer
            del engine.world.objects[(c, "Secret", "linkerd/linkerd-identity-issuer")]
        engine.up("mesh", cfg)
        assert live(engine, "east", "Secret", "linkerd/linkerd-identity-issuer")["type"] == "kubernetes.io/tls"


class TestPatches:
    @pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])
    def test_exporting_a_service_that_does_not_exist_fails_and_creates_nothing(self, preview):
        cfg = copy.deepcopy(MESH)
        cfg["clusters"]["east"]["exports"] = [{"namespace": "test", "service": "fobar"}]
        engine = Engine()
        engine.init("mesh")
        with pytest.raises(EngineError, match=r"east-exports-test-fobar-exists \(cluster 'east'\): "
                                              r"resource 'test/fobar' does not exist"):
            (engine.preview if preview else engine.up)("mesh", cfg)
        assert engine.world.get("east", "Service", "test/fobar") is None

    def test_an_export_label_goes_when_the_export_goes_and_the_service_stays(self):
        engine, cfg = deployed()
        assert live(engine, "east", "Service", "test/foobar")["metadata"]["labels"]["mirror.linkerd.io/exported"] == "true"
        cfg["clusters"]["east"]["exports"] = []
        run = engine.up("mesh", cfg)
        assert "east-exports-test-foobar" in names(run, "delete")
        service = live(engine, "east", "Service", "test/foobar")
        assert service is not None and "mirror.linkerd.io/exported" not in service["metadata"]["labels"]
