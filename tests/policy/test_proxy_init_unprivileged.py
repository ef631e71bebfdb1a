"""`proxy-init-unprivileged` (policy/linkerd_policies/proxy_init_unprivileged.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

import pytest
import yaml

from policy_harness import PolicyPackProcess
from policy_stacks import PROXY_INIT, Pki, mesh_stack, only, release


@pytest.mark.parametrize("key", ["privileged", "runAsRoot"])
def test_a_privileged_or_root_proxy_init_is_reported(preview: PolicyPackProcess, pki: Pki, key: str) -> None:
    s = mesh_stack(pki)
    config = s["east-linkerd-control-plane:linkerd/linkerd-config"]
    values = yaml.safe_load(config.props["data"]["values"])
    config.props["data"]["values"] = yaml.safe_dump({**values, "proxyInit": {key: True, "runAsUser": 0}})
    [message] = only(preview.run(s.resources), PROXY_INIT)
    assert f"proxyInit.{key} is true" in message
    s.add(release("west-cp", "linkerd-control-plane", s.providers["west"],
                  values={"identityTrustAnchorsPEM": pki.anchor_a, "proxyInit": {key: True}}))
    assert len(only(preview.run(s.resources), PROXY_INIT)) == 2


def test_an_unprivileged_proxy_init_passes(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    config = s["east-linkerd-control-plane:linkerd/linkerd-config"]
    values = yaml.safe_load(config.props["data"]["values"])
    config.props["data"]["values"] = yaml.safe_dump({**values, "proxyInit": {"privileged": False, "runAsRoot": False}})
    assert preview.run(s.resources).diagnostics == []
