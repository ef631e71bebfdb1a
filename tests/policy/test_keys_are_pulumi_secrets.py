"""`keys-are-pulumi-secrets` (policy/linkerd_policies/keys_are_pulumi_secrets.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

import base64
from typing import Any

import pytest

from policy_harness import UNKNOWN, PolicyPackProcess, secret
from policy_stacks import Pki, SECRET_KEYS, mesh_stack, only, opaque_secret


@pytest.mark.parametrize("fields,path", [
    (lambda pki: {"stringData": {"tls.crt": pki.issuer_crt, "tls.key": pki.key_sec1}}, "stringData.tls.key"),
    (lambda pki: {"stringData": {"issuer.pem": pki.issuer_crt + pki.key_pkcs8}}, "stringData.issuer.pem"),
    (lambda pki: {"data": {"key.pem": base64.b64encode(pki.key_pkcs8.encode()).decode()}}, "data.key.pem (base64)"),
    (lambda pki: {"stringData": {"tls.key": UNKNOWN}}, "stringData.tls.key (not known yet, and not a secret)"),
], ids=["tls.key", "pem-anywhere", "base64-data", "unknown-tls.key"])
def test_a_secret_whose_key_material_is_plain_text_in_state_is_reported(
        preview: PolicyPackProcess, pki: Pki, fields: Any, path: str) -> None:
    s = mesh_stack(pki)
    opaque_secret(s, "east-copied-issuer", **fields(pki))
    result = preview.run(s.resources)
    [message] = only(result, SECRET_KEYS)
    assert result.of(SECRET_KEYS)[0].urn.endswith("::east-copied-issuer")
    assert path in message and "BEGIN" not in message and "not a Pulumi secret" in message


def test_one_plain_key_next_to_secret_ones_is_still_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    """State records secrets per value: a secret sibling does not cover a plain-text key."""
    s = mesh_stack(pki)
    s["east-identity-issuer"].props["stringData"]["tls.key"] = pki.key_sec1
    [message] = only(preview.run(s.resources), SECRET_KEYS)
    assert "stringData.tls.key" in message and "ca.crt" not in message and "tls.crt" not in message


@pytest.mark.parametrize("fields", [
    lambda pki: {"stringData": {"tls.crt": pki.issuer_crt, "tls.key": secret(pki.key_sec1)}},
    lambda pki: {"stringData": secret({"tls.crt": pki.issuer_crt, "tls.key": pki.key_sec1})},
    lambda pki: {"data": {"key.pem": secret(base64.b64encode(pki.key_pkcs8.encode()).decode())}},
    lambda pki: {"stringData": {"tls.key": secret(UNKNOWN)}},
    lambda pki: {"stringData": {"ca.crt": pki.anchor_a}},
], ids=["secret-key", "secret-map", "secret-base64", "unknown-secret", "no-key"])
def test_secrets_whose_keys_are_pulumi_secrets_pass(preview: PolicyPackProcess, pki: Pki, fields: Any) -> None:
    s = mesh_stack(pki)
    opaque_secret(s, "east-copied-issuer", **fields(pki))
    assert preview.run(s.resources).diagnostics == []


def test_an_unknown_plain_value_that_may_be_a_key_is_an_advisory(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    opaque_secret(s, "east-copied-issuer", stringData={"issuer.pem": UNKNOWN})
    [advisory] = preview.run(s.resources).diagnostics
    assert (advisory.policy, advisory.level) == (SECRET_KEYS, "ADVISORY")
    assert "stringData.issuer.pem not known yet" in advisory.message
