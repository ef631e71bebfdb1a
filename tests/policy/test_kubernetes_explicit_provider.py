"""`kubernetes-explicit-provider` (policy/linkerd_policies/kubernetes_explicit_provider.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

from typing import Optional

import pytest

from policy_harness import UNKNOWN, PolicyPackProcess, Resource
from policy_stacks import K8S_PROVIDER, PROVIDER, Pki, mesh_stack, only


@pytest.mark.parametrize("provider_name", ["default", "default_4_34_2"])
def test_kubernetes_resources_on_a_default_provider_are_reported(
        preview: PolicyPackProcess, pki: Pki, provider_name: str) -> None:
    s = mesh_stack(pki)
    default = s.add(Resource(K8S_PROVIDER, provider_name, {"version": "4.34.2"}))
    s["east-linkerd-namespace"].provider = default
    # A chart given no provider renders its children on the default one as well.
    s["east-linkerd-crds:servers.policy.linkerd.io"].provider = default
    result = preview.run(s.resources)
    messages = only(result, PROVIDER)
    assert {d.urn.rsplit("::", 1)[-1] for d in result.of(PROVIDER)} == {
        "east-linkerd-namespace", "east-linkerd-crds:servers.policy.linkerd.io"}
    assert all(f"pulumi:providers:kubernetes::{provider_name}" in m for m in messages)


def test_a_provider_merely_named_like_default_is_explicit(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.providers["east"].name = "default-east"  # an explicit provider a user happened to name so
    assert preview.run(s.resources).diagnostics == []


@pytest.mark.parametrize("context", [None, "", "  "])
def test_a_provider_without_a_context_is_reported(preview: PolicyPackProcess, pki: Pki, context: Optional[str]) -> None:
    """An explicit provider with no context follows the current context of whatever kubeconfig it
    loads: as ambient as a default provider. Everything on it is reported."""
    s = mesh_stack(pki)
    props = s.providers["east"].props
    if context is None:
        del props["context"]
    else:
        props["context"] = context
    result = preview.run(s.resources)
    messages = only(result, PROVIDER)
    on_east = {r.name for r in s.resources if r.provider is s.providers["east"]}
    assert {d.urn.rsplit("::", 1)[-1] for d in result.of(PROVIDER)} == on_east and len(on_east) > 10
    assert all("pulumi:providers:kubernetes::east, whose `context` is" in m for m in messages)
    assert all(("is empty" if context is not None else "is not set") in m for m in messages)


def test_providers_naming_their_context_pass_and_an_unknown_one_is_an_advisory(
        preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    assert all(p.props["context"] for p in s.providers.values())
    assert preview.run(s.resources).diagnostics == []
    s.providers["east"].props["context"] = UNKNOWN
    result = preview.run(s.resources)
    assert result.of(PROVIDER, "MANDATORY") == [] and result.of(PROVIDER, "ADVISORY")
    assert {d.policy for d in result.diagnostics} == {PROVIDER}
