"""Link health (issue 13): Links wait until the target's exports are mirrored, the optional
`linkerd multicluster check`, the `linkStatus` output, and the engine model behind them.

Workflows run on the engine model (harness/engine.py), where the service-mirror controller writes
each Link's status from the target cluster's exported Services and pulumi-kubernetes' await
evaluates `pulumi.com/waitFor` (harness/link_status.py)."""
from __future__ import annotations

import copy
import json

import pytest

from components.config import schema as cfg
from components.config.loader import parse
from components.link_health import mirrored_expression, readable_status, wait_annotations
from harness import link_status
from harness.engine import Engine, EngineError
from harness.program import ROOT, config_file, default_world

LINK = "kubernetes:multicluster.linkerd.io/v1alpha3:Link"
COMMAND = "command:local:Command"
MESH = config_file(ROOT / "examples" / "Pulumi.mesh.yaml")
EAST_STACK = "organization/linkerd-multicluster/east"
WEST_STACK = "organization/linkerd-multicluster/west"
KUBECONFIG = ROOT / "tests" / "fixtures" / "kubeconfig.yaml"


def two_clusters(east_exports: list[dict], west_exports: list[dict] | None = None, **extra) -> dict:
    """A single stack: east exports `east_exports`, west links to east (and east to west)."""
    config = copy.deepcopy(MESH)
    config["clusters"]["east"]["exports"] = east_exports
    config["clusters"]["west"]["exports"] = west_exports or []
    config.update(extra)
    return config


def annotations(run, name: str) -> dict[str, str]:
    return run.monitor.one(LINK, name).inputs["metadata"]["annotations"]


def waits(run, name: str) -> list[str]:
    value = annotations(run, name).get(link_status.WAIT_FOR)
    return json.loads(value) if value else []


def up(config: dict, world=None, stack: str = "mesh") -> tuple[Engine, object]:
    engine = Engine(world=world)
    engine.init(stack)
    return engine, engine.up(stack, config)


FOOBAR = {"namespace": "test", "service": "foobar"}
FRONTEND = {"namespace": "test", "service": "frontend"}
ONLY_EAST_API = {"namespace": "only-east", "service": "api"}


def api_in_a_namespace_west_lacks():
    """A world where east also has Service only-east/api, in a namespace west does not have."""
    world = default_world()
    world.application_services["east"] = {"test/foobar", "only-east/api"}
    world.services[("east", "only-east/api")] = {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "only-east"},
        "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}
    return world


# -- the program's annotations and outputs ---------------------------------------------------------

class TestHealthyLink:
    def test_the_link_waits_for_each_export_of_its_target_and_reports_it_mirrored(self):
        engine, run = up(two_clusters([FOOBAR, FRONTEND]))
        assert waits(run, "west-to-east-link") == [
            mirrored_expression("test", "foobar"), mirrored_expression("test", "frontend")]
        assert annotations(run, "west-to-east-link")[link_status.TIMEOUT] == "300"
        # the await held: the controller listed both, and the provider returned that status
        live = engine.world.get("west", "Link", "linkerd-multicluster/east")
        assert [e["remoteRef"]["name"] for e in live["status"]["mirrorServices"]] == ["foobar", "frontend"]
        rows = run.outputs["linkStatus"]["west"]["east"]
        assert [(r["service"], r["mirroredAs"], r["mirrored"]) for r in rows] == [
            ("test/foobar", "test/foobar-east", "True"), ("test/frontend", "test/frontend-east", "True")]

    def test_an_unchanged_stack_has_no_diff_and_the_same_status(self):
        engine, first = up(two_clusters([FOOBAR]))
        again = engine.up("mesh", two_clusters([FOOBAR]))
        assert again.plan() == {}
        assert again.outputs["linkStatus"] == first.outputs["linkStatus"]

    def test_a_new_export_updates_the_link_and_waits_for_it_too(self):
        engine, _ = up(two_clusters([FOOBAR]))
        run = engine.up("mesh", two_clusters([FOOBAR, FRONTEND]))
        assert "west-to-east-link" in run.plan().get("update", [])
        assert len(waits(run, "west-to-east-link")) == 2
        assert {r["service"] for r in run.outputs["linkStatus"]["west"]["east"]} == {"test/foobar", "test/frontend"}

    def test_a_federated_export_is_awaited_in_the_federated_list(self):
        engine, run = up(two_clusters([{**FOOBAR, "mode": "federated"}]))
        live = engine.world.get("west", "Link", "linkerd-multicluster/east")
        assert "mirrorServices" not in live["status"]
        assert [r["mirroredAs"] for r in run.outputs["linkStatus"]["west"]["east"]] == ["test/foobar-federated"]

    def test_wait_for_mirrors_false_and_the_timeout_are_config(self):
        _, run = up(two_clusters([FOOBAR], linkHealth={"waitForMirrors": False}))
        assert link_status.WAIT_FOR not in annotations(run, "west-to-east-link")
        _, run = up(two_clusters([FOOBAR], linkHealth={"timeoutSeconds": 900}))
        assert annotations(run, "west-to-east-link")[link_status.TIMEOUT] == "900"


class TestServiceThatNeverMirrors:
    def test_the_update_fails_naming_the_service_and_the_next_up_resumes_the_wait(self):
        world = default_world()
        world.never_mirrored.add(("east", "test/frontend"))
        engine = Engine(world=world)
        engine.init("mesh")
        with pytest.raises(EngineError) as failed:
            engine.up("mesh", two_clusters([FOOBAR, FRONTEND]))
        text = str(failed.value)
        assert "west-to-east-link" in text and "failed to fully initialize or become live" in text
        assert "timed out waiting for the condition" in text
        # the provider's last status line names the Service it waited for, and only that one
        status_line = failed.value.messages[-1]
        assert "@.remoteRef.name=='frontend'" in status_line and "selected nothing" in status_line
        assert "'foobar'" not in status_line
        # partial failure: the Link is in the state, with its initialization error
        state = engine.state("mesh")
        link = next(r for r in state.values() if r.name == "west-to-east-link")
        assert link.init_errors
        # the controller gets to it: an unchanged config updates the Link and succeeds
        world.never_mirrored.clear()
        run = engine.up("mesh", two_clusters([FOOBAR, FRONTEND]))
        assert run.step("west-to-east-link").op == "update"
        assert not next(r for r in engine.state("mesh").values() if r.name == "west-to-east-link").init_errors
        assert engine.up("mesh", two_clusters([FOOBAR, FRONTEND])).plan() == {}

    def test_a_namespace_missing_in_the_source_fails_with_the_controllers_reason(self):
        world = api_in_a_namespace_west_lacks()
        engine = Engine(world=world)
        engine.init("mesh")
        with pytest.raises(EngineError) as failed:
            engine.up("mesh", two_clusters([FOOBAR, ONLY_EAST_API]))
        assert "@.remoteRef.name=='api'" in failed.value.messages[-1]
        assert '(found "False")' in failed.value.messages[-1]
        live = engine.world.get("west", "Link", "linkerd-multicluster/east")
        entry = next(e for e in live["status"]["mirrorServices"] if e["remoteRef"]["name"] == "api")
        assert entry["conditions"][0]["reason"] == "MissingNamespace"


class TestWithoutTheWait:
    def test_link_status_says_which_service_is_not_mirrored_and_why(self):
        """`waitForMirrors: false`: the update succeeds, and `linkStatus` is where the user reads
        that a Service is not mirrored, with the controller's reason and message."""
        world = api_in_a_namespace_west_lacks()
        engine, run = up(two_clusters([FOOBAR, ONLY_EAST_API],
                                      linkHealth={"waitForMirrors": False}), world=world)
        live = engine.world.get("west", "Link", "linkerd-multicluster/east")["status"]["mirrorServices"]
        written = {e["remoteRef"]["name"]: e["conditions"][0] for e in live}
        rows = {r["service"]: r for r in run.outputs["linkStatus"]["west"]["east"]}
        assert set(rows) == {"only-east/api", "test/foobar"}
        assert {k: rows["only-east/api"][k] for k in ("federated", "mirroredAs", "mirrored", "reason", "message")} == {
            "federated": False, "mirroredAs": None, "mirrored": "False", "reason": "MissingNamespace",
            "message": "Namespace does not exist"}
        assert rows["only-east/api"]["since"] == written["api"]["lastTransitionTime"] != ""
        assert (rows["test/foobar"]["mirroredAs"], rows["test/foobar"]["mirrored"]) == ("test/foobar-east", "True")
        assert rows["test/foobar"]["reason"] == written["foobar"]["reason"] != ""


class TestTargetExportingNothing:
    def test_no_wait_annotation_and_the_update_succeeds(self):
        engine, run = up(two_clusters([FOOBAR], west_exports=[]))
        assert annotations(run, "east-to-west-link") == {"linkerd.io/created-by": "linkerd/cli edge-26.8.3"}
        assert run.outputs["linkStatus"]["east"]["west"] == []

    def test_an_empty_export_list_never_becomes_an_unmeetable_wait(self):
        assert wait_annotations([], cfg.LinkHealthConfig()) == {}


class TestPerClusterStacks:
    EAST = {"trust": {"members": [{"stack": WEST_STACK, "clusters": ["west"]}]}, "clusters": {"east": {"context": "east", "exports": [FOOBAR]}},
            "links": [{"source": "west", "target": "east"}]}
    WEST = {"trust": {"fromStack": EAST_STACK},
            "clusters": {"west": {"context": "west"}},
            "links": [{"source": "west", "target": "east", "targetStack": EAST_STACK}]}

    def test_the_source_waits_on_the_exports_the_target_stack_publishes(self):
        engine = Engine()
        engine.init("east", "west")
        engine.up("west", self.WEST)  # publishes its issuer request; east signs it
        engine.up("east", self.EAST)
        west = engine.up("west", self.WEST)
        assert waits(west, "west-to-east-link") == [mirrored_expression("test", "foobar")]
        assert [r["service"] for r in west.outputs["linkStatus"]["west"]["east"]] == ["test/foobar"]
        # a second export in east's stack reaches west's Link through east's `exports` output
        east = copy.deepcopy(self.EAST)
        east["clusters"]["east"]["exports"].append(FRONTEND)
        engine.up("east", east)
        west = engine.up("west", self.WEST)
        assert west.plan() == {"update": ["west-to-east-link"]}
        assert len(waits(west, "west-to-east-link")) == 2

    def test_an_export_the_target_stack_publishes_but_never_mirrors_fails_the_source(self):
        engine = Engine()
        engine.init("east", "west")
        east = copy.deepcopy(self.EAST)
        east["clusters"]["east"]["exports"].append(FRONTEND)
        engine.up("west", self.WEST)
        engine.up("east", east)
        engine.world.never_mirrored.add(("east", "test/frontend"))
        with pytest.raises(EngineError, match="@.remoteRef.name=='frontend'"):
            engine.up("west", self.WEST)


# -- verify: linkerd-check -------------------------------------------------------------------------

class TestLinkerdCheck:
    def test_not_registered_by_default(self):
        _, run = up(two_clusters([FOOBAR]))
        assert not [c for c in run.monitor.by_type(COMMAND) if "linkerd-multicluster-check" in c.name]

    def test_one_check_per_source_cluster_after_its_links(self):
        _, run = up(two_clusters([FOOBAR], verify="linkerd-check"))
        checks = {c.name: c for c in run.monitor.by_type(COMMAND) if "linkerd-multicluster-check" in c.name}
        assert set(checks) == {"east-linkerd-multicluster-check", "west-linkerd-multicluster-check"}
        west = checks["west-linkerd-multicluster-check"]
        assert west.inputs["create"] == "linkerd --context west multicluster check"
        by_urn = run.monitor.by_urn()
        depends = {by_urn[u].name for u in west.dependencies if u in by_urn}
        assert "west-to-east-link" in depends and "east-to-west-link" not in depends
        assert "linkerd --context west multicluster check" in run.commands  # pulumi-command ran it

    def test_the_kubeconfig_of_the_cluster_config_reaches_the_cli(self):
        config = two_clusters([FOOBAR], verify="linkerd-check")
        config["clusters"]["west"]["kubeconfig"] = str(KUBECONFIG)
        _, run = up(config)
        check = run.monitor.one(COMMAND, "west-linkerd-multicluster-check")
        assert check.inputs["create"] == f"linkerd --context west --kubeconfig {KUBECONFIG} multicluster check"

    def test_runs_again_when_a_link_changes_and_not_otherwise(self):
        config = two_clusters([FOOBAR], verify="linkerd-check")
        engine, _ = up(config)
        assert engine.up("mesh", config).plan() == {}
        changed = two_clusters([FOOBAR, FRONTEND], verify="linkerd-check")
        run = engine.up("mesh", changed)
        assert run.step("west-linkerd-multicluster-check").op == "replace"
        assert run.step("east-linkerd-multicluster-check").op == "same"
        assert "linkerd --context west multicluster check" in run.commands

    def test_runs_again_when_the_targets_gateway_moves(self):
        """A new gateway address changes only the Link's spec (same exports, same wait): the
        source that links to that gateway checks again, the other source does not."""
        config = two_clusters([FOOBAR], verify="linkerd-check")
        engine, _ = up(config)
        moved = copy.deepcopy(config)
        moved["clusters"]["east"]["gateway"]["addresses"] = ["203.0.113.9"]
        run = engine.up("mesh", moved)
        assert run.step("west-to-east-link").op == "update"
        assert run.step("west-linkerd-multicluster-check").op == "replace"
        assert run.step("east-linkerd-multicluster-check").op == "same"
        assert run.commands == ["linkerd --context west multicluster check"]

    def test_runs_again_on_both_sources_after_a_linkerd_upgrade(self):
        """An upgrade changes only the Links' created-by annotation (what `linkerd multicluster
        check` compares with the CLI's version), not their spec or wait: both sources check again."""
        config = two_clusters([FOOBAR], west_exports=[FRONTEND], verify="linkerd-check")
        engine, _ = up(config)
        upgraded = copy.deepcopy(config)
        upgraded["linkerd"]["version"] = "2026.9.1"
        run = engine.up("mesh", upgraded)
        for source in ("east", "west"):
            assert run.step(f"{source}-linkerd-multicluster-check").op == "replace", source
            assert f"linkerd --context {source} multicluster check" in run.commands, source

    def test_the_check_shows_under_the_mesh(self):
        """In `pulumi up`'s resource tree (and in its URN, so an upgrade of this program keeps it)."""
        _, run = up(two_clusters([FOOBAR], verify="linkerd-check"))
        check = run.monitor.one(COMMAND, "west-linkerd-multicluster-check")
        assert run.monitor.by_urn()[check.parent].typ == "linkerd-multicluster:index:Mesh"

    def test_per_cluster_stack_checks_once_its_link_exists(self):
        engine = Engine()
        engine.init("east", "west")
        west_cfg = {**TestPerClusterStacks.WEST, "verify": "linkerd-check"}
        engine.up("west", west_cfg)
        engine.up("east", {k: v for k, v in TestPerClusterStacks.EAST.items() if k != "links"})
        skipped = engine.up("west", west_cfg)  # east grants no access yet: no Link, nothing to check
        assert not skipped.monitor.by_type(COMMAND) or all(
            "check" not in c.name for c in skipped.monitor.by_type(COMMAND))
        engine.up("east", TestPerClusterStacks.EAST)
        west = engine.up("west", west_cfg)
        check = west.monitor.one(COMMAND, "west-linkerd-multicluster-check")
        by_urn = west.monitor.by_urn()
        assert "west-to-east-link" in {by_urn[u].name for u in check.dependencies if u in by_urn}


# -- config ----------------------------------------------------------------------------------------

class TestConfig:
    @pytest.mark.parametrize("raw, key", [
        ({"linkHealth": {"timeoutSeconds": 5}}, "linkerd-multicluster:linkHealth.timeoutSeconds"),
        ({"linkHealth": {"timeoutSeconds": 7200}}, "linkerd-multicluster:linkHealth.timeoutSeconds"),
        ({"linkHealth": {"waitFor": True}}, "linkerd-multicluster:linkHealth.waitFor"),
        ({"linkHealth": {"waitForMirrors": "sometimes"}}, "linkerd-multicluster:linkHealth.waitForMirrors"),
        ({"verify": "yes"}, "linkerd-multicluster:verify"),
    ])
    def test_errors_name_the_key(self, raw, key):
        with pytest.raises(cfg.ConfigError) as e:
            parse({"clusters": {"east": {"context": "east"}}, **raw})
        assert key in str(e.value)

    def test_defaults(self):
        mesh = parse({"clusters": {"east": {"context": "east"}}})
        assert (mesh.link_health.wait_for_mirrors, mesh.link_health.timeout_seconds, mesh.verify) == (True, 300, "none")

    def test_the_keys_arrive_from_the_cli(self):
        _, run = up(two_clusters([FOOBAR], linkHealth={"timeoutSeconds": 60}, verify="linkerd-check"))
        assert annotations(run, "west-to-east-link")[link_status.TIMEOUT] == "60"
        assert run.monitor.one(COMMAND, "west-linkerd-multicluster-check")


# -- the model itself ------------------------------------------------------------------------------

class TestWaitForModel:
    STATUS = {"status": {
        "mirrorServices": [{"remoteRef": {"name": "foobar", "namespace": "test"},
                            "conditions": [{"type": "Mirrored", "status": "True"}]},
                           {"remoteRef": {"name": "api", "namespace": "test"},
                            "conditions": [{"type": "Mirrored", "status": "False"}]}],
        "federatedServices": [{"remoteRef": {"name": "fed", "namespace": "test"},
                               "conditions": [{"type": "Mirrored", "status": "True"}]}]}}

    def test_the_programs_expression_selects_by_remote_ref_in_either_list(self):
        assert link_status.Expression(mirrored_expression("test", "foobar")).satisfied(self.STATUS)[0]
        assert link_status.Expression(mirrored_expression("test", "fed")).satisfied(self.STATUS)[0]
        ok, line = link_status.Expression(mirrored_expression("test", "api")).satisfied(self.STATUS)
        assert not ok and line.endswith('=True (found "False")')
        ok, line = link_status.Expression(mirrored_expression("other", "foobar")).satisfied(self.STATUS)
        assert not ok and line.endswith("selected nothing")

    def test_parse_rules_of_the_provider(self):
        with pytest.raises(link_status.WaitForError, match="requires a value"):
            link_status.Expression("jsonpath={.status.x}=")
        with pytest.raises(link_status.WaitForError, match="wrapped in brackets"):
            link_status.Expression("jsonpath=.status.x=True")
        with pytest.raises(link_status.WaitForError, match="format should be"):
            link_status.Expression("jsonpath={.a}=b=c")
        obj = {"metadata": {"annotations": {link_status.WAIT_FOR: "[]"}}}
        with pytest.raises(link_status.WaitForError, match="at least one condition"):
            link_status.wait_for(obj)
        obj = {"metadata": {"annotations": {link_status.WAIT_FOR: '["{.status}"]'}}}
        with pytest.raises(link_status.WaitForError, match="prefix"):
            link_status.wait_for(obj)

    def test_all_expressions_must_hold(self):
        both = [mirrored_expression("test", "foobar"), mirrored_expression("test", "api")]
        obj = {**self.STATUS, "metadata": {"annotations": {link_status.WAIT_FOR: json.dumps(both)}}}
        assert "'api'" in link_status.unmet(obj)
        obj["metadata"]["annotations"][link_status.WAIT_FOR] = json.dumps(both[:1])
        assert link_status.unmet(obj) is None

    def test_outside_the_modelled_subset_is_refused(self):
        with pytest.raises(link_status.Unsupported):
            link_status.Expression("jsonpath={.status..name}")
        with pytest.raises(link_status.Unsupported):
            link_status.Expression("jsonpath={.status[?@.a > 'b']}")

    def test_readable_status_skips_nothing_the_controller_wrote(self):
        rows = readable_status(self.STATUS["status"])
        assert [(r["service"], r["federated"], r["mirrored"]) for r in rows] == [
            ("test/api", False, "False"), ("test/fed", True, "True"), ("test/foobar", False, "True")]

    def test_readable_status_rows_keep_their_shape_when_the_controller_omits_fields(self):
        """linkerd2's LinkCondition marks reason, lastTransitionTime and localRef optional: a row
        still carries strings (and no local name) rather than nulls a reader must special-case."""
        rows = readable_status({"mirrorServices": [
            {"remoteRef": {"name": "foobar", "namespace": "test"}, "conditions": [{"type": "Mirrored", "status": "Unknown"}]}]})
        assert rows == [{"service": "test/foobar", "federated": False, "mirroredAs": None, "mirrored": "Unknown",
                         "reason": "", "message": "", "since": ""}]

    def test_readable_status_finds_the_mirrored_condition_among_others(self):
        """Today the controller writes one condition per Service; one of another type listed
        first (a later controller's) must not hide the Mirrored one."""
        entry = copy.deepcopy(self.STATUS["status"]["mirrorServices"][0])
        entry["conditions"].insert(0, {"type": "Exported", "status": "True"})
        rows = readable_status({"mirrorServices": [entry]})
        assert [(r["service"], r["mirrored"]) for r in rows] == [("test/foobar", "True")]
