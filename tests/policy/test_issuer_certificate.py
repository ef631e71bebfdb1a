"""`issuer-certificate` (policy/linkerd_policies/issuer_certificate.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations


from policy_harness import PolicyPackProcess
from policy_stacks import ISSUER, Pki, mesh_stack, only


def test_a_long_lived_issuer_with_extended_key_usages_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["west-identity-issuer"].props["stringData"]["tls.crt"] = pki.long_issuer_crt
    messages = only(preview.run(s.resources), ISSUER)
    assert len(messages) == 2
    assert any("is valid for 36500 days, more than the 366 the policy config maxIssuerValidityDays allows" in m
               for m in messages)
    assert any("carries extended key usages (1.3.6.1.5.5.7.3.1, 2.5.29.37.0)" in m for m in messages)


def test_issuer_lifetime_limit_comes_from_policy_config(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    assert preview.run(s.resources).diagnostics == []  # the one-year issuer passes the default
    shorter = preview.run(s.resources, {ISSUER: {"maxIssuerValidityDays": 90}})
    assert len(only(shorter, ISSUER)) == 2 and all("more than the 90" in m for m in only(shorter, ISSUER))
