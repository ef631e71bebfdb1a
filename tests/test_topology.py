"""Meshes of N clusters: topologies, per-cluster stacks, least privilege, add/remove, destroy order."""
from __future__ import annotations

import copy
import functools
import itertools
import json
import re
import subprocess
from pathlib import Path

import pytest

from harness.engine import Engine, EngineError
from harness.program import Run, config_file, run_program
from scenarios import CHART, LINK, SECRET
from test_trust_across_stacks import FIRST_TIME as README_FIRST_TIME, first_time_deployment

SA = "kubernetes:core/v1:ServiceAccount"
COMMAND = "command:local:Command"


def cluster(i: int) -> dict:
    return {
        "context": f"c{i}",
        "apiServerAddress": f"https://10.0.{i}.1:6443",
        "gateway": {"addresses": [f"192.0.2.{i}"]},
        "exports": [{"namespace": "app", "service": f"svc{i}"}],
    }


def mesh(n: int, **extra) -> dict:
    return {"clusters": {f"c{i}": cluster(i) for i in range(1, n + 1)}, **extra}


@functools.cache
def _first_up(config_json: str) -> tuple[Engine, Run]:
    engine = Engine()
    engine.init("dev")
    return engine, engine.up("dev", json.loads(config_json), skip_preview=True)


def run_of(config: dict) -> Run:
    """`run_program(config)`: the first `up` of stack dev on a new backend. The run is deterministic,
    so it is made once per config and test process, and the tests only read it."""
    return _first_up(json.dumps(config))[1]


def engine_with(config: dict) -> Engine:
    """A backend whose stack dev ran `run_of(config)`, each caller with a copy of its own."""
    return copy.deepcopy(_first_up(json.dumps(config))[0])


def links_of(run: Run) -> set[tuple[str, str]]:
    """(source, target) of every Link, from where it runs and what it names."""
    return {(r.provider_name, r.inputs["metadata"]["name"]) for r in run.monitor.by_type(LINK)}


def accounts_of(run: Run) -> set[tuple[str, str]]:
    """(target cluster, account name) of every remote-access ServiceAccount."""
    return {(r.provider_name, r.inputs["metadata"]["name"]) for r in run.monitor.by_type(SA)}


def controllers_of(run: Run, c: str) -> list[str]:
    values = run.monitor.one(CHART, f"{c}-linkerd-multicluster").inputs["values"]
    return [e["link"]["ref"]["name"] for e in values["controllers"]]


def assert_consistent(run: Run, expected_links: set[tuple[str, str]]) -> None:
    assert links_of(run) == expected_links
    # one access account per (target, source) pair, named after the source
    assert accounts_of(run) == {(t, f"linkerd-service-mirror-remote-access-{s}") for s, t in expected_links}
    clusters = {c for pair in expected_links for c in pair}
    for c in clusters:
        assert sorted(controllers_of(run, c)) == sorted(t for s, t in expected_links if s == c)
    # each link's kubeconfig uses the token granted to exactly that source in that target
    for s, t in expected_links:
        import yaml

        kc = yaml.safe_load(run.monitor.one(SECRET, f"{s}-to-{t}-credentials").inputs["stringData"]["kubeconfig"])
        assert kc["users"][0]["user"]["token"] == f"token-of-{t}-access-{s}-token"
        assert kc["clusters"][0]["cluster"]["server"] == f"https://10.0.{t[1:]}.1:6443"


@pytest.mark.parametrize("n", [2, 3, 5])
def test_full_mesh_links_every_ordered_pair_once(n):
    run = run_of(mesh(n, topology="full-mesh"))
    names = [f"c{i}" for i in range(1, n + 1)]
    expected = {(s, t) for s, t in itertools.permutations(names, 2)}
    assert len(expected) == n * (n - 1)
    assert_consistent(run, expected)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_hub_and_spoke_links_both_ways_between_hub_and_each_spoke(n):
    run = run_of(mesh(n, topology={"hub": "c1"}))
    spokes = [f"c{i}" for i in range(2, n + 1)]
    expected = {pair for s in spokes for pair in ((s, "c1"), ("c1", s))}
    assert len(expected) == 2 * (n - 1)
    assert_consistent(run, expected)


def test_explicit_links_add_to_a_topology():
    run = run_of(mesh(3, topology={"hub": "c1"}, links=[{"source": "c2", "target": "c3"}]))
    assert ("c2", "c3") in links_of(run) and ("c3", "c2") not in links_of(run)


def test_an_explicit_link_the_topology_already_makes_is_an_error():
    from components.config.schema import ConfigError

    with pytest.raises(ConfigError, match=r"links\[0\]: c2 -> c1 is already created by `topology`"):
        run_program(mesh(3, topology={"hub": "c1"}, links=[{"source": "c2", "target": "c1"}]))


def test_unknown_hub_is_an_error():
    from components.config.schema import ConfigError

    with pytest.raises(ConfigError, match=r"linkerd-multicluster:topology.hub: 'c9' is not a cluster"):
        run_program(mesh(2, topology={"hub": "c9"}))


STACKS = {c: f"org/linkerd-multicluster/{c}" for c in ("c1", "c2", "c3")}


def per_cluster_config(me: str) -> dict:
    """Stack `me` installs one cluster, grants every other its access and links to every other."""
    others = [c for c in STACKS if c != me]
    return {
        "trust": {"members": [{"stack": STACKS[m], "clusters": [m]} for m in ("c2", "c3")]} if me == "c1" else {"fromStack": STACKS["c1"]},
        "clusters": {me: cluster(int(me[1]))},
        "links": [{"source": o, "target": me} for o in others]
        + [{"source": me, "target": o, "targetStack": STACKS[o]} for o in others],
    }


def per_cluster_engine() -> Engine:
    """A backend where every stack of the mesh was created (`pulumi stack init`), none deployed."""
    engine = Engine(organization="org")
    engine.init(*STACKS.values())
    return engine


MEMBERS_THEN_ANCHOR = ("c2", "c3", "c1")
FIRST_TIME = [*MEMBERS_THEN_ANCHOR, *MEMBERS_THEN_ANCHOR, "c2"]
"""The documented first-time order: members publish their requests, the anchor's stack (c1) signs
them; members install; the member that installed first runs once more for its link to the other."""


@functools.cache
def first_time_runs() -> tuple[tuple[str, Run], ...]:
    """Each `up` of the documented way a per-cluster full mesh converges the first time, in order.
    (Cached: the runs are deterministic and the tests only read them.)"""
    engine = per_cluster_engine()
    return tuple((me, engine.up(STACKS[me], per_cluster_config(me))) for me in FIRST_TIME)


def deploy_per_cluster_stacks() -> dict[str, Run]:
    """Each stack's last run after the first time."""
    return dict(first_time_runs())


class TestPerClusterStacks:
    """Three stacks, one cluster each, fully meshed; each target grants exactly its sources."""

    def test_a_stack_that_references_a_stack_not_created_yet_fails(self):
        """c1 reads c2 and c3 (its members and link targets), neither created yet. The SDK sends
        the two StackReference reads from its thread pool, so which one the engine fails first
        depends on thread timing (and so, here, on which tests warmed the pool), as it does with
        the real engine: the error names one or both, never another stack, and nothing is done."""
        engine = Engine(organization="org")
        engine.init(STACKS["c1"])
        with pytest.raises(EngineError) as failed:
            engine.up(STACKS["c1"], per_cluster_config("c1"))
        named = [re.fullmatch(r'unknown stack "org/linkerd-multicluster/(c[0-9])"', m) for m in failed.value.messages]
        assert named and all(named), failed.value.messages
        assert {m.group(1) for m in named} <= {"c2", "c3"}

    def test_first_pass_warns_and_the_documented_order_links_everything(self):
        # The first pass is the first runs of the documented order: c1's is the last of them.
        me, first = first_time_runs()[len(MEMBERS_THEN_ANCHOR) - 1]
        assert me == "c1"
        assert links_of(first) == set()  # c1: the members have installed nothing yet
        assert len(first.warnings) == 2 and all("run `pulumi up` on it" in w for w in first.warnings)
        runs = deploy_per_cluster_stacks()
        for me, run in runs.items():
            assert links_of(run) == {(me, o) for o in STACKS if o != me}, me
            assert accounts_of(run) == {(me, f"linkerd-service-mirror-remote-access-{o}") for o in STACKS if o != me}
            assert run.warnings == []

    def test_credentials_cross_stacks_only_as_secret_outputs(self):
        runs = deploy_per_cluster_stacks()
        for me, run in runs.items():
            # one secret output per source, holding only that source's token for this cluster
            others = {o for o in STACKS if o != me}
            assert {k for k in run.outputs if k.startswith("linkCredentials")} == {f"linkCredentials-{o}" for o in others}
            for o in others:
                assert f"linkCredentials-{o}" in run.secret
                assert run.outputs[f"linkCredentials-{o}"] == {me: {"token": f"token-of-{me}-access-{o}-token",
                                                                    "caData": run.outputs[f"linkCredentials-{o}"][me]["caData"]}}
            assert "linkTargets" not in run.secret

    def test_every_cluster_gets_the_first_stacks_bundle(self):
        runs = deploy_per_cluster_stacks()
        bundles = {me: run.monitor.one(CHART, f"{me}-linkerd-control-plane").inputs["values"]["identityTrustAnchorsPEM"]
                   for me, run in runs.items()}
        assert len(set(bundles.values())) == 1


def inputs_by_name(run: Run) -> dict[tuple[str, str], dict]:
    return {(r.typ, r.name): r.wire for r in run.monitor.registrations if not r.read}


def deletions(steps) -> list[tuple[str, str]]:
    """(type, name) of the engine's delete steps, in the order it ran them."""
    return [(s.typ, s.name) for s in steps if s.op == "delete"]


class TestChangingTheMesh:
    def test_adding_a_cluster_changes_only_the_controllers_of_clusters_that_mirror_it(self):
        before = inputs_by_name(run_of(mesh(2, topology="full-mesh")))
        after = inputs_by_name(run_of(mesh(3, topology="full-mesh")))
        assert set(before) <= set(after), "nothing that exists is removed or renamed"
        changed = {k for k in before if before[k] != after[k]}
        assert changed == {(CHART, "c1-linkerd-multicluster"), (CHART, "c2-linkerd-multicluster")}
        added = {name for _, name in set(after) - set(before)}
        assert {"c3-to-c1", "c1-to-c3", "c3-to-c2", "c2-to-c3", "c3-linkerd-control-plane"} <= added
        assert all("c3" in name for name in added), sorted(n for n in added if "c3" not in n)

    def test_removing_a_link_deletes_exactly_its_objects_in_order(self):
        with_link = run_of(mesh(2, links=[{"source": "c1", "target": "c2"}, {"source": "c2", "target": "c1"}]))
        without = run_of(mesh(2, links=[{"source": "c2", "target": "c1"}]))
        before, after = inputs_by_name(with_link), inputs_by_name(without)
        removed = {k for k in before if k not in after}
        assert {(t, n) for t, n in removed if not t.startswith("linkerd-multicluster:")} == {
            (LINK, "c1-to-c2-link"), (SECRET, "c1-to-c2-credentials"), (SECRET, "c1-to-c2-linkerd-credentials"),
            (COMMAND, "c1-to-c2-mirror-cleanup"),
            (SA, "c2-access-c1-account"), (SECRET, "c2-access-c1-token"),
            ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "c2-access-c1-binding"),
            # c2's only source went, so its remote-access role goes too
            ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "c2-remote-access-role"),
        }
        # the controller entry leaves c1's chart: its objects are deleted, after the Link
        changed = {k for k in before if k in after and before[k] != after[k]}
        assert changed == {(CHART, "c1-linkerd-multicluster")}
        engine = engine_with(mesh(2, links=[{"source": "c1", "target": "c2"}, {"source": "c2", "target": "c1"}]))
        run = engine.up("dev", mesh(2, links=[{"source": "c2", "target": "c1"}]))
        pos = {k: i for i, k in enumerate(deletions(run.steps))}
        controller = ("kubernetes:apps/v1:Deployment", "c1-linkerd-multicluster:linkerd-multicluster/controller-c2")
        assert pos[(LINK, "c1-to-c2-link")] < pos[controller]
        assert pos[(LINK, "c1-to-c2-link")] < pos[(COMMAND, "c1-to-c2-mirror-cleanup")]
        assert pos[(LINK, "c1-to-c2-link")] < pos[(SECRET, "c1-to-c2-credentials")]
        assert pos[(LINK, "c1-to-c2-link")] < pos[(SECRET, "c1-to-c2-linkerd-credentials")]
        assert pos[(SECRET, "c1-to-c2-credentials")] < pos[(SECRET, "c2-access-c1-token")]
        assert pos[(SECRET, "c2-access-c1-token")] < pos[(SA, "c2-access-c1-account")]

    def test_removing_one_source_revokes_only_its_access(self):
        """Least privilege: the role is shared, but each source's account, binding and token go alone."""
        both = run_of(mesh(3, links=[{"source": "c1", "target": "c3"}, {"source": "c2", "target": "c3"}]))
        one = run_of(mesh(3, links=[{"source": "c2", "target": "c3"}]))
        removed = {n for _, n in set(inputs_by_name(both)) - set(inputs_by_name(one))}
        assert {"c3-access-c1-account", "c3-access-c1-binding", "c3-access-c1-token"} <= removed
        assert not any("access-c2" in n for n in removed) and "c3-remote-access-role" not in removed
        binding = one.monitor.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "c3-access-c2-binding").inputs
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "linkerd-service-mirror-remote-access-c2",
                                        "namespace": "linkerd-multicluster"}]
        assert binding["roleRef"]["name"] == "linkerd-service-mirror-remote-access"

    def test_mirror_cleanup_deletes_what_the_controller_leaves_behind(self, tmp_path):
        run = run_of(mesh(2, topology="full-mesh"))
        cmd = run.monitor.one(COMMAND, "c1-to-c2-mirror-cleanup").inputs
        delete = cmd["delete"]
        assert "kubectl --context c1 delete service --all-namespaces" in delete
        assert "mirror.linkerd.io/mirrored-service=true,mirror.linkerd.io/cluster-name=c2" in delete
        assert "delete lease -n linkerd-multicluster service-mirror-write-c2" in delete
        # nothing happens on create or update: pulumi-command runs them with `/bin/sh -c` where
        # `pulumi up` runs (a command that fails there fails the `up`; it once wrote a file there)
        for step in ("create", "update"):  # without `update`, pulumi-command runs `create` again
            ran = subprocess.run(["/bin/sh", "-c", cmd.get(step) or cmd["create"]], capture_output=True, text=True,
                                 cwd=tmp_path)
            assert (ran.returncode, ran.stdout, ran.stderr) == (0, "mirror cleanup armed for link c1 -> c2\n", ""), step
            assert list(tmp_path.iterdir()) == [], step

    def test_removing_a_cluster_unlinks_it_before_its_install_goes(self):
        engine = engine_with(mesh(3, topology="full-mesh", protect=False))
        run = engine.up("dev", mesh(2, topology="full-mesh", protect=False))
        pos = {k: i for i, k in enumerate(deletions(run.steps))}
        for other in ("c1", "c2"):
            # links to and from c3 go before c3's control plane, extension and their objects
            for link in (f"{other}-to-c3-link", f"c3-to-{other}-link"):
                for install in [k for k in pos if k[1].startswith(("c3-linkerd-multicluster", "c3-linkerd-control-plane"))]:
                    assert pos[(LINK, link)] < pos[install], (link, install)

    def test_destroy_reverses_the_install_order(self):
        engine = engine_with(mesh(2, topology="full-mesh", protect=False))
        pos = {k: i for i, k in enumerate(deletions(engine.destroy("dev")))}
        for c, o in (("c1", "c2"), ("c2", "c1")):
            chain = [(LINK, f"{c}-to-{o}-link"),
                     ("kubernetes:apps/v1:Deployment", f"{c}-linkerd-multicluster:linkerd-multicluster/controller-{o}"),
                     (CHART, f"{c}-linkerd-multicluster"),
                     ("kubernetes:apps/v1:Deployment", f"{c}-linkerd-control-plane:linkerd/linkerd-destination"),
                     (CHART, f"{c}-linkerd-control-plane"), (CHART, f"{c}-linkerd-crds"),
                     ("kubernetes:core/v1:Namespace", f"{c}-linkerd-namespace")]
            assert [pos[k] for k in chain] == sorted(pos[k] for k in chain), chain


class TestProtectAndExtraValues:
    def test_the_anchor_key_and_the_linkerd_namespaces_are_protected_by_default_and_nothing_else(self):
        """Deleting a namespace deletes the install; a protected chart would protect every object
        it renders and block upgrades that drop one (see tests/test_day2.py)."""
        run = run_of(mesh(2, topology="full-mesh"))
        protected = {r.name for r in run.monitor.registrations if r.protect}
        # The next anchor's key, minted ahead of its rotation (components/trust.py), is protected too.
        assert protected == {"trust-anchor-key", "trust-anchor-g1-key", "c1-linkerd-namespace", "c1-multicluster-namespace",
                             "c2-linkerd-namespace", "c2-multicluster-namespace"}

    def test_protect_false_lifts_it(self):
        run = run_of(mesh(2, topology="full-mesh", protect=False))
        assert not any(r.protect for r in run.monitor.registrations)

    def test_extra_values_reach_the_chart_with_cluster_over_mesh(self):
        cfg = mesh(2, linkerd={"extraValues": {"controlPlane": {"controllerLogLevel": "debug", "podLabels": {"team": "mesh"}}}})
        cfg["clusters"]["c2"]["extraValues"] = {"controlPlane": {"controllerLogLevel": "warn"},
                                                "multicluster": {"gateway": {"nodeSelector": {"pool": "edge"}}}}
        run = run_of(cfg)
        c1 = run.monitor.one(CHART, "c1-linkerd-control-plane").inputs["values"]
        c2 = run.monitor.one(CHART, "c2-linkerd-control-plane").inputs["values"]
        assert (c1["controllerLogLevel"], c2["controllerLogLevel"]) == ("debug", "warn")
        assert c2["podLabels"] == {"team": "mesh"}
        assert c1["identityTrustAnchorsPEM"] == c2["identityTrustAnchorsPEM"]
        mc2 = run.monitor.one(CHART, "c2-linkerd-multicluster").inputs["values"]
        assert mc2["gateway"]["nodeSelector"] == {"pool": "edge"} and mc2["gateway"]["enabled"] is True

    def test_user_maps_accept_any_key_even_where_upstream_shows_an_example(self):
        """`nodeSelector: {kubernetes.io/os: linux}` upstream is an example, not the only key."""
        cfg = mesh(2, linkerd={"extraValues": {"controlPlane": {
            "nodeSelector": {"kubernetes.io/os": "linux", "pool": "system"},
            "proxy": {"tracing": {"labels": {"team": "mesh"}}}}}})
        values = run_of(cfg).monitor.one(CHART, "c1-linkerd-control-plane").inputs["values"]
        assert values["nodeSelector"] == {"kubernetes.io/os": "linux", "pool": "system"}

    @pytest.mark.parametrize("extra, fragment", [
        ({"controlPlane": {"controlerLogLevel": "debug"}},
         "linkerd.extraValues.controlPlane.controlerLogLevel: linkerd-control-plane 2026.8.3 has no value"),
        ({"controlPlane": {"identityTrustAnchorsPEM": "x"}},
         "linkerd.extraValues.controlPlane.identityTrustAnchorsPEM: set by the program"),
        ({"multicluster": {"controllers": [{"link": {"ref": {"name": "x"}}}]}},
         "linkerd.extraValues.multicluster.controllers: set by the program; use `links`"),
        ({"controlPlane": {"identity": {"issuer": {"tls": {"keyPEM": "x"}}}}},
         "linkerd.extraValues.controlPlane.identity.issuer.tls.keyPEM: set by the program"),
        ({"multicluster": {"gateway": {"serviceType": "NodePort"}}},
         "use clusters.<name>.gateway.serviceType"),
        ({"controlPlane": {"podAnnotations": {"x": "-----BEGIN EC PRIVATE KEY-----"}}},
         "private keys must not go into Helm values"),
    ])
    def test_extra_values_are_checked_against_the_charts_keys(self, extra, fragment):
        from components.config.schema import ConfigError

        with pytest.raises(ConfigError) as err:
            run_program(mesh(2, linkerd={"extraValues": extra}))
        assert fragment in str(err.value)


class TestThreeClusterExamples:
    """The README's three-cluster examples (examples/three-clusters) do what they say."""

    DIR = Path(__file__).resolve().parents[1] / "examples" / "three-clusters"

    def test_full_mesh_example(self):
        run = run_of(config_file(self.DIR / "Pulumi.full-mesh.yaml"))
        assert_same_shape(run, {(s, t) for s, t in itertools.permutations(("east", "west", "north"), 2)})

    def test_hub_example(self):
        run = run_of(config_file(self.DIR / "Pulumi.hub.yaml"))
        assert_same_shape(run, {("east", "north"), ("north", "east"), ("west", "north"), ("north", "west")})

    def test_per_cluster_stacks_example_converges_in_the_documented_order(self):
        """As the README says: `pulumi stack init` every stack; west, north, east; again; west. The
        same deployment as tests/test_trust_across_stacks.py's (made once per test process)."""
        stacks = ("east", "west", "north")
        deployed = first_time_deployment()
        assert deployed.engine.stacks.keys() == {f"organization/linkerd-multicluster/{c}" for c in stacks}
        assert README_FIRST_TIME == ("west", "north", "east", "west", "north", "east", "west")
        assert deployed.config == {c: config_file(self.DIR / f"Pulumi.{c}.yaml") for c in stacks}
        for c, run in deployed.last.items():
            assert links_of(run) == {(c, o) for o in stacks if o != c}
            assert run.warnings == []


def assert_same_shape(run: Run, expected: set[tuple[str, str]]) -> None:
    assert links_of(run) == expected
    assert accounts_of(run) == {(t, f"linkerd-service-mirror-remote-access-{s}") for s, t in expected}
