"""`link-consistency` (policy/linkerd_policies/link_consistency.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

import pytest

from policy_harness import UNKNOWN, PolicyPackProcess
from policy_stacks import GATEWAY, LINKS, Pki, STRINGS, mesh_stack, only, release


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
