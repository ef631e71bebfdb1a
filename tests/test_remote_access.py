"""What a source cluster may do in its target, compared with the upstream chart.

The program grants each source cluster the access `linkerd multicluster allow` (the multicluster
chart's templates/remote-access-service-mirror-rbac.yaml) grants, and nothing more: the README
promises least privilege. The reference is the chart's template as rendered by the emulation in
tests/harness/chart_render.py with upstream's own switch for it (`remoteMirrorServiceAccount`),
for every Linkerd chart version the program supports; the program's objects come from a real run.
"""
from __future__ import annotations

import json

import pytest

from harness import chart_render
from harness.program import ROOT, Run, config_file, run_program

ROLE, BINDING, ACCOUNT = ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
                          "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "kubernetes:core/v1:ServiceAccount")
SECRET = "kubernetes:core/v1:Secret"
INSTALL = "linkerd-multicluster:install:ClusterInstall"
ACCESS = "linkerd-multicluster:access:RemoteAccess"
MESH = "linkerd-multicluster:index:Mesh"
NAMESPACE = "linkerd-multicluster"


def supported_versions() -> list[str]:
    """The chart versions the program ships its values keys for (components/data/values_keys.json)
    and its default: the versions a user can install with every check in place."""
    from components.config.schema import LinkerdConfig

    pinned = json.loads((ROOT / "components" / "data" / "values_keys.json").read_text())["chartVersion"]
    return sorted({pinned, LinkerdConfig().version})


def upstream(version: str, accounts: list[str]) -> list[dict]:
    """The chart's remote-access objects for `accounts`, as `linkerd multicluster allow` makes them."""
    values = {"remoteMirrorServiceAccount": True, "remoteMirrorServiceAccountName": accounts}
    rendered = chart_render.render("linkerd-multicluster", version, NAMESPACE, values, "linkerd-multicluster")
    return [o for o in rendered if o["metadata"]["name"].split("-token")[0] in accounts]


def canonical(rules: list[dict]) -> list[str]:
    """RBAC rules as a set: order does not change what they grant."""
    return sorted(json.dumps({k: sorted(v) for k, v in rule.items()}, sort_keys=True) for rule in rules)


@pytest.fixture(scope="module", params=supported_versions())
def mesh_run(request) -> tuple[str, Run]:
    config = config_file(ROOT / "examples" / "Pulumi.mesh.yaml")
    config["linkerd"] = {**config.get("linkerd", {}), "version": request.param}
    return request.param, run_program(config, stack="mesh")


def granted(run: Run, target: str, kind: str) -> dict[str, dict]:
    """The program's objects of one type in one target cluster, by object name."""
    return {r.inputs["metadata"]["name"]: r.inputs for r in run.monitor.by_type(kind) if r.provider_name == target
            and r.inputs["metadata"]["name"].startswith("linkerd-service-mirror-remote-access")}


def test_every_source_gets_exactly_the_upstream_charts_remote_access_in_its_target(mesh_run):
    version, run = mesh_run
    targets = {r.provider_name for r in run.monitor.by_type(ACCOUNT)
               if r.inputs["metadata"]["name"].startswith("linkerd-service-mirror-remote-access-")}
    assert targets, "the example links clusters: some target must grant access"
    for target in sorted(targets):
        accounts = granted(run, target, ACCOUNT)
        roles, bindings, secrets = granted(run, target, ROLE), granted(run, target, BINDING), granted(run, target, SECRET)
        expected = upstream(version, sorted(accounts))
        for name, account in accounts.items():
            want = {o["kind"]: o for o in expected if o["metadata"]["name"] in (name, f"{name}-token")}
            # the account, where the chart puts it
            assert account["metadata"]["namespace"] == want["ServiceAccount"]["metadata"]["namespace"]
            # bound like the chart binds it: this account, through a ClusterRole ...
            binding = bindings[name]
            assert binding["subjects"] == want["ClusterRoleBinding"]["subjects"], (target, name)
            assert {k: v for k, v in binding["roleRef"].items() if k != "name"} == \
                {k: v for k, v in want["ClusterRoleBinding"]["roleRef"].items() if k != "name"}
            # ... whose rules grant exactly what the chart's ClusterRole grants
            role = roles[binding["roleRef"]["name"]]
            assert canonical(role["rules"]) == canonical(want["ClusterRole"]["rules"]), (version, target, name)
            # the token Secret the chart creates for the account
            token = secrets[f"{name}-token"]
            assert token["type"] == want["Secret"]["type"]
            assert token["metadata"]["namespace"] == want["Secret"]["metadata"]["namespace"]
            sa_annotation = "kubernetes.io/service-account.name"
            assert token["metadata"]["annotations"][sa_annotation] == want["Secret"]["metadata"]["annotations"][sa_annotation]
        # the chart's labels on every object (`linkerd multicluster uninstall` and `check` select
        # the extension's objects by them)
        for name in accounts:
            for kind, ours in (("ServiceAccount", accounts[name]), ("ClusterRoleBinding", bindings[name]),
                               ("Secret", secrets[f"{name}-token"]),
                               ("ClusterRole", roles[bindings[name]["roleRef"]["name"]])):
                [want] = [o for o in expected if o["kind"] == kind and o["metadata"]["name"].startswith(name)]
                assert want["metadata"]["labels"].items() <= ours["metadata"]["labels"].items(), (kind, name)
        # and no other grant to the service mirror's accounts in that cluster
        assert set(bindings) == set(accounts)
        assert all(any(s["name"] in accounts for s in b["subjects"]) for b in bindings.values())


def test_the_config_map_a_source_may_read_is_only_linkerd_config(mesh_run):
    """The least-privilege rule the README states, read from what reaches the cluster: a source's
    service mirror reads the target's `linkerd-config` and no other ConfigMap (no Secret at all)."""
    _, run = mesh_run
    roles = [r.inputs for r in run.monitor.by_type(ROLE)
             if r.inputs["metadata"]["name"].startswith("linkerd-service-mirror-remote-access")]
    assert roles
    for role in roles:
        config_maps = [rule for rule in role["rules"] if "configmaps" in rule["resources"] or "*" in rule["resources"]]
        assert config_maps and all(rule.get("resourceNames") == ["linkerd-config"] for rule in config_maps)
        assert not any("secrets" in rule["resources"] for rule in role["rules"])


@pytest.mark.parametrize("missing", ["token", "ca.crt"])
def test_a_token_secret_the_token_controller_has_not_filled_stops_the_run_naming_it(missing):
    """No kubeconfig is ever written without a token and the API server's CA: the run stops and
    says which Secret to look at (here its state lacks one of the two, as before the controller ran)."""
    from harness.engine import Engine

    config = config_file(ROOT / "examples" / "Pulumi.mesh.yaml")
    engine = Engine()
    engine.init("mesh")
    engine.up("mesh", config)
    [token] = [r for r in engine.state("mesh").values()
               if r.typ == SECRET and r.outputs.get("metadata", {}).get("name") == "linkerd-service-mirror-remote-access-west-token"]
    del token.outputs["data"][missing]
    with pytest.raises(Exception) as failed:
        engine.up("mesh", config)
    assert "Secret linkerd-service-mirror-remote-access-west-token (access for 'west') has no token yet: the Kubernetes " \
           "token controller fills it in after the Secret is created. Check that the ServiceAccount exists, then run " \
           "`pulumi up` again." in str(failed.value)


def test_every_remote_access_object_sits_under_its_target_clusters_install(mesh_run):
    """Where `pulumi preview` and `pulumi stack` show them, and what their URNs (so an upgrade's
    plan) depend on: each target's access objects under that target's install."""
    _, run = mesh_run
    by_urn = run.monitor.by_urn()
    for kind in (ROLE, BINDING, ACCOUNT, SECRET):
        for r in run.monitor.by_type(kind):
            if not r.inputs["metadata"]["name"].startswith("linkerd-service-mirror-remote-access"):
                continue
            chain, node = [], r
            while node.parent in by_urn:
                node = by_urn[node.parent]
                chain.append((node.typ, node.name))
            # the URN is built from this chain of types: a different one is, to the engine, a
            # different resource, and an upgrade would delete and recreate every grant and token
            types = [t for t, _ in chain]
            if kind == ROLE:  # one per target, shared by its sources' bindings
                assert types[:2] == [INSTALL, MESH] and chain[0][1] == r.provider_name, (r.name, chain)
            else:
                assert types[:3] == [ACCESS, INSTALL, MESH] and chain[1][1] == r.provider_name, (r.name, chain)


def test_a_sources_grant_is_found_by_its_cluster_name_label(mesh_run):
    """`kubectl get sa,secret,clusterrolebinding -l multicluster.linkerd.io/cluster-name=<source>` in a
    target lists that source's grant and nothing else: how a user finds (or audits) one grant."""
    _, run = mesh_run
    found = {}
    for kind in (ACCOUNT, BINDING, SECRET):
        for r in run.monitor.by_type(kind):
            name = r.inputs["metadata"]["name"]
            if name.startswith("linkerd-service-mirror-remote-access-"):
                source = name.removeprefix("linkerd-service-mirror-remote-access-").removesuffix("-token")
                labels = r.inputs["metadata"].get("labels") or {}
                assert labels.get("multicluster.linkerd.io/cluster-name") == source, (kind, name, labels)
                found.setdefault(kind, set()).add(source)
    assert len(found) == 3 and found[ACCOUNT] == found[BINDING] == found[SECRET]
