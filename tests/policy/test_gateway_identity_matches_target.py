"""`gateway-identity-matches-target` (policy/linkerd_policies/gateway_identity_matches_target.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations


from policy_harness import PolicyPackProcess
from policy_stacks import GATEWAY_ID, GATEWAY_MATCH, Pki, mesh_stack, only, with_gateway


def test_a_link_naming_another_account_than_the_target_gateways_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    with_gateway(s, "west", "linkerd-gateway")
    s["east-to-west-link"].props["spec"]["gatewayIdentity"] = GATEWAY_ID.replace("linkerd-gateway.", "payments.", 1)
    [message] = only(preview.run(s.resources), GATEWAY_MATCH)
    assert f"runs as {GATEWAY_ID}" in message and "'east-to-west-link'" in message


def test_a_gateway_running_as_another_account_than_the_link_names_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    with_gateway(s, "west", "default")
    [message] = only(preview.run(s.resources), GATEWAY_MATCH)
    assert "runs as default.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local" in message


def test_links_naming_their_targets_gateway_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    for cluster in ("east", "west"):
        with_gateway(s, cluster, "linkerd-gateway")
    assert preview.run(s.resources).diagnostics == []
