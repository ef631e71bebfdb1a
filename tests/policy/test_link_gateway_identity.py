"""`link-gateway-identity` (policy/linkerd_policies/link_gateway_identity.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

from typing import Any, Optional

import pytest

from policy_harness import UNKNOWN, PolicyPackProcess
from policy_stacks import GATEWAY, Pki, mesh_stack, only


def gateway_less(spec: dict[str, Any]) -> dict[str, Any]:
    """A Link spec for remote discovery / federated services only: no gateway fields at all."""
    return {k: v for k, v in spec.items() if k not in ("gatewayAddress", "gatewayPort", "gatewayIdentity", "probeSpec")}


@pytest.mark.parametrize("identity", [None, "", "   "])
def test_a_link_with_a_gateway_address_and_no_gateway_identity_is_reported(
        preview: PolicyPackProcess, pki: Pki, identity: Optional[str]) -> None:
    s = mesh_stack(pki)
    spec = s["east-to-west-link"].props["spec"]
    if identity is None:
        del spec["gatewayIdentity"]
    else:
        spec["gatewayIdentity"] = identity
    result = preview.run(s.resources)
    [message] = only(result, GATEWAY)
    assert result.of(GATEWAY)[0].urn.endswith("::east-to-west-link")
    assert "no spec.gatewayIdentity" in message and "without mTLS" in message


def test_a_gateway_identity_that_is_no_linkerd_identity_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["east-to-west-link"].props["spec"]["gatewayIdentity"] = "linkerd-gateway"
    [message] = only(preview.run(s.resources), GATEWAY)
    assert "'linkerd-gateway' is not a Linkerd workload identity" in message


def test_a_computed_gateway_address_still_needs_the_identity(preview: PolicyPackProcess, pki: Pki) -> None:
    """The target's load-balancer address is often unknown in a preview; the Link will still have
    a gateway, so the missing identity is decided now, not deferred."""
    s = mesh_stack(pki)
    spec = s["east-to-west-link"].props["spec"]
    spec["gatewayAddress"] = UNKNOWN
    assert preview.run(s.resources).diagnostics == []
    del spec["gatewayIdentity"]
    assert len(only(preview.run(s.resources), GATEWAY)) == 1


def test_links_with_an_identity_or_without_a_gateway_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)  # both Links name the gateway identity link-gen writes
    assert preview.run(s.resources).diagnostics == []
    s["east-to-west-link"].props["spec"] = gateway_less(s["east-to-west-link"].props["spec"])
    s["west-to-east-link"].props["spec"] = {**gateway_less(s["west-to-east-link"].props["spec"]), "gatewayAddress": ""}
    assert preview.run(s.resources).diagnostics == []


def test_an_unknown_gateway_identity_is_an_advisory_during_preview(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["east-to-west-link"].props["spec"]["gatewayIdentity"] = UNKNOWN
    result = preview.run(s.resources)
    [advisory] = result.diagnostics
    assert (advisory.policy, advisory.level) == (GATEWAY, "ADVISORY") and "can't run policy" in advisory.message
