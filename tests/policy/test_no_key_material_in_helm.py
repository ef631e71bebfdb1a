"""`no-key-material-in-helm` (policy/linkerd_policies/no_key_material_in_helm.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

import base64

from policy_harness import UNKNOWN, PolicyPackProcess, Resource, secret
from policy_stacks import ANCHOR_SOURCES, KEYS, L5D_NS, TRUST, Pki, mesh_stack, object_meta, only, release


def test_private_key_in_release_values_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.add(release("east-cp", "linkerd-control-plane", s.providers["east"], values={
        "identityTrustAnchorsPEM": pki.anchor_a,
        "identity": {"issuer": {"scheme": "linkerd.io/tls", "tls": {"crtPEM": pki.issuer_crt, "keyPEM": pki.key_sec1}}},
    }))
    messages = only(preview.run(s.resources), KEYS)
    assert len(messages) == 1 and "values.identity.issuer.tls.keyPEM" in messages[0]
    assert "BEGIN" not in messages[0]  # the report names the place, never the key


def test_key_pem_and_nested_pem_blocks_in_release_values_are_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.add(release("east-cp", "linkerd-control-plane", s.providers["east"], values={
        "identityTrustAnchorsPEM": pki.anchor_a,
        "proxyInjector": {"keyPEM": "see the vault"},           # a non-empty keyPEM, PEM or not
        "extraArgs": [{"name": "x", "value": pki.key_pkcs8}],  # a PEM key anywhere, even in a list
        "policyValidator": {"keyPEM": ""},                      # empty: fine
    }))
    [message] = only(preview.run(s.resources), KEYS)
    assert "values.proxyInjector.keyPEM" in message and "values.extraArgs[0].value" in message
    assert "policyValidator" not in message


def test_key_material_rendered_by_a_chart_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    """With `identity.issuer.scheme: linkerd.io/tls` the control-plane chart copies the keyPEM value
    into an Opaque Secret; that rendered Secret is all a policy can see of a Chart v4's values."""
    s = mesh_stack(pki)
    cp = s["east-linkerd-control-plane"]
    s.add(Resource("kubernetes:core/v1:Secret", "east-linkerd-control-plane:linkerd/linkerd-identity-issuer", {
        "apiVersion": "v1", "kind": "Secret", "metadata": object_meta("linkerd-identity-issuer", L5D_NS),
        "data": {"crt.pem": base64.b64encode(pki.issuer_crt.encode()).decode(),
                 "key.pem": secret(base64.b64encode(pki.key_sec1.encode()).decode())}},
        parent=cp, provider=s.providers["east"]))
    result = preview.run(s.resources)
    [message] = only(result, KEYS)
    assert "data.key.pem (base64)" in message and "east-linkerd-control-plane" in message


def test_program_managed_key_secrets_are_not_helm_values(preview: PolicyPackProcess, pki: Pki) -> None:
    """The issuer Secret the program creates itself holds a key; it is not rendered by a chart."""
    s = mesh_stack(pki)
    assert "PRIVATE KEY" in s["east-identity-issuer"].props["stringData"]["tls.key"]["value"]
    assert preview.run(s.resources).of(KEYS) == []


def test_unknown_values_do_not_hide_a_known_key(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.add(release("east-cp", "linkerd-control-plane", s.providers["east"], values={
        "identityTrustAnchorsPEM": UNKNOWN, "identity": {"issuer": {"tls": {"keyPEM": pki.key_pkcs8}}}}))
    result = preview.run(s.resources)
    [key] = result.of(KEYS)
    assert key.level == "MANDATORY" and "values.identity.issuer.tls.keyPEM" in key.message
    # The unknown bundle is also something the trust-anchor policy cannot judge yet.
    assert {(d.policy, d.level) for d in result.diagnostics} == {(KEYS, "MANDATORY"), (TRUST, "ADVISORY"),
                                                                 (ANCHOR_SOURCES, "ADVISORY")}

    s.remove("east-cp")
    s.add(release("east-cp", "linkerd-control-plane", s.providers["east"], values={"identityTrustAnchorsPEM": UNKNOWN}))
    result = preview.run(s.resources)
    [key] = result.of(KEYS)
    assert key.level == "ADVISORY" and "can't run policy" in key.message
