"""`no-private-key-in-configmap` (policy/linkerd_policies/no_private_key_in_configmap.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

import base64
from typing import Any

import pytest

from policy_harness import PolicyPackProcess, secret
from policy_stacks import CONFIGMAP_KEYS, KEYS, Pki, config_map, mesh_stack, only


@pytest.mark.parametrize("fields", [
    lambda pki: {"data": {"issuer.key": "\n" + pki.key_sec1}},
    lambda pki: {"data": {"issuer.key": secret(pki.key_pkcs8)}},  # a Pulumi secret, still in a ConfigMap
    lambda pki: {"binaryData": {"issuer.key": base64.b64encode(pki.key_pkcs8.encode()).decode()}},
], ids=["data", "secret-data", "binaryData"])
def test_a_private_key_in_a_program_config_map_is_reported(preview: PolicyPackProcess, pki: Pki, fields: Any) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-issuer-copy", **fields(pki))
    result = preview.run(s.resources)
    [message] = only(result, CONFIGMAP_KEYS)
    assert result.of(CONFIGMAP_KEYS)[0].urn.endswith("::east-issuer-copy")
    assert "issuer.key" in message and "BEGIN" not in message


def test_config_maps_with_certificates_only_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-trust-bundle", data={"ca-bundle.crt": pki.anchor_a + pki.anchor_b},
               binaryData={"ca.der": base64.b64encode(pki.anchor_a.encode()).decode()})
    assert preview.run(s.resources).diagnostics == []


def test_a_chart_rendered_config_map_is_left_to_the_helm_policy(preview: PolicyPackProcess, pki: Pki) -> None:
    """One report per problem: a key in a ConfigMap a chart renders is no-key-material-in-helm's."""
    s = mesh_stack(pki)
    roots = s["east-linkerd-control-plane:linkerd/linkerd-identity-trust-roots"]
    roots.props["data"]["issuer.key"] = pki.key_sec1
    [message] = only(preview.run(s.resources), KEYS)
    assert "data.issuer.key" in message
