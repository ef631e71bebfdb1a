"""`link-fields-are-strings` (policy/linkerd_policies/link_fields_are_strings.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations


from policy_harness import PolicyPackProcess
from policy_stacks import Pki, STRINGS, mesh_stack, only


def test_numeric_link_ports_and_probe_fields_are_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    spec = s["east-to-west-link"].props["spec"]
    spec["gatewayPort"] = 4143           # a Python int: the engine sends 4143.0
    spec["probeSpec"].update(port=4191, failureThreshold=3, period=True, timeout="30s")
    result = preview.run(s.resources)
    [message] = only(result, STRINGS)
    assert result.of(STRINGS)[0].urn.endswith("::east-to-west-link")
    for part in ("spec.gatewayPort is a number (4143)", "spec.probeSpec.port is a number (4191)",
                 "spec.probeSpec.failureThreshold is a number (3)", "spec.probeSpec.period is a boolean (true)"):
        assert part in message
    assert "timeout" not in message


def test_absent_optional_probe_fields_are_fine(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    del s["east-to-west-link"].props["spec"]["probeSpec"]["failureThreshold"]
    del s["east-to-west-link"].props["spec"]["probeSpec"]["timeout"]
    assert preview.run(s.resources).diagnostics == []
