"""`kubeconfig-credentials-are-pulumi-secrets` (policy/linkerd_policies/kubeconfig_credentials_are_pulumi_secrets.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

import base64
from typing import Any

import pytest

from policy_harness import UNKNOWN, PolicyPackProcess, secret
from policy_stacks import KUBECONFIGS, Pki, config_map, kubeconfig_text, mesh_stack, only, opaque_secret


def test_a_remote_kubeconfig_secret_in_plain_text_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["east-to-west-credentials"].props["stringData"]["kubeconfig"] = kubeconfig_text("west", token="abc")
    result = preview.run(s.resources)
    [message] = only(result, KUBECONFIGS)
    assert result.of(KUBECONFIGS)[0].urn.endswith("::east-to-west-credentials")
    assert "stringData.kubeconfig (the kubeconfig of a mirror.linkerd.io/remote-kubeconfig Secret)" in message
    assert "abc" not in message


def test_a_remote_kubeconfig_is_judged_before_it_is_known(preview: PolicyPackProcess, pki: Pki) -> None:
    """During a preview the link kubeconfig is unknown (its token is read from the target), but
    whether it will be a secret is known already."""
    s = mesh_stack(pki)
    s["east-to-west-credentials"].props["stringData"]["kubeconfig"] = secret(UNKNOWN)
    assert preview.run(s.resources).diagnostics == []
    s["east-to-west-credentials"].props["stringData"]["kubeconfig"] = UNKNOWN
    [message] = only(preview.run(s.resources), KUBECONFIGS)
    assert "stringData.kubeconfig" in message


@pytest.mark.parametrize("credential", ["token", "client-key-data", "password"])
def test_a_plain_kubeconfig_with_credentials_anywhere_is_reported(
        preview: PolicyPackProcess, pki: Pki, credential: str) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-kubeconfig", data={"config": kubeconfig_text("west", **{credential: "c2VjcmV0"})})
    result = preview.run(s.resources)
    [message] = only(result, KUBECONFIGS)
    assert f"data.config (a kubeconfig with users[0].user.{credential})" in message


def test_a_base64_kubeconfig_in_an_opaque_secret_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    encoded = base64.b64encode(kubeconfig_text("west", token="t").encode()).decode()
    opaque_secret(s, "east-kubeconfig", data={"config": encoded})
    [message] = only(preview.run(s.resources), KUBECONFIGS)
    assert "data.config (a kubeconfig with users[0].user.token)" in message


def test_a_provider_with_an_inline_plain_kubeconfig_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s.providers["east"].props["kubeconfig"] = kubeconfig_text("kind-east", token="t")
    result = preview.run(s.resources)
    [message] = only(result, KUBECONFIGS)
    assert result.of(KUBECONFIGS)[0].urn.endswith("pulumi:providers:kubernetes::east")
    assert "kubeconfig (a kubeconfig with users[0].user.token)" in message


def test_a_kubeconfig_that_does_not_parse_but_reads_like_one_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-kubeconfig", data={"config": "users:\n- name: remote\n  user:\n    token: {{ .Token }}\n"})
    [message] = only(preview.run(s.resources), KUBECONFIGS)
    assert "data.config (a kubeconfig with token)" in message


@pytest.mark.parametrize("value", [
    lambda: secret(kubeconfig_text("west", token="t")),                    # a Pulumi secret
    lambda: kubeconfig_text("west", exec={"command": "aws", "args": ["eks", "get-token"]}),  # no credential
    lambda: kubeconfig_text("west", token=""),                             # an empty token
    lambda: "/home/ci/.kube/config",                                       # a path to one
], ids=["secret", "exec-plugin", "empty-token", "path"])
def test_kubeconfigs_without_plain_credentials_pass(preview: PolicyPackProcess, pki: Pki, value: Any) -> None:
    s = mesh_stack(pki)
    config_map(s, "east-kubeconfig", data={"config": value()})
    s.providers["west"].props["kubeconfig"] = value()
    assert preview.run(s.resources).diagnostics == []
