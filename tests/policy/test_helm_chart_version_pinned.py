"""`helm-chart-version-pinned` (policy/linkerd_policies/helm_chart_version_pinned.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

from typing import Optional

import pytest

from policy_harness import PolicyPackProcess
from policy_stacks import Pki, VERSIONS, mesh_stack, only, release


@pytest.mark.parametrize("version", ["^2026.8", "~2026.8.3", ">=2026.8.3", "*", "2026.x", "2026.8", "",
                                     "2026.8.3 - 2026.9.0", None])
def test_unpinned_release_versions_are_reported(preview: PolicyPackProcess, pki: Pki, version: Optional[str]) -> None:
    s = mesh_stack(pki)
    s.add(release("east-crds", "linkerd-crds", s.providers["east"], version=version))
    result = preview.run(s.resources)
    [message] = only(result, VERSIONS)
    assert "east-crds" in message and ("range or wildcard" in message or "has no `version`" in message)


@pytest.mark.parametrize("version", ["2026.8.3", "30.12.19-edge", "v1.2.3"])
def test_exact_release_versions_pass(preview: PolicyPackProcess, pki: Pki, version: str) -> None:
    s = mesh_stack(pki)
    s.add(release("east-crds", "linkerd-crds", s.providers["east"], version=version))
    assert preview.run(s.resources).diagnostics == []


def test_chart_component_inputs_are_checked_when_an_engine_shows_them(preview: PolicyPackProcess, pki: Pki) -> None:
    """Today's engine sends a Chart v4 without inputs (not applicable, see the passing test); if a
    Chart ever arrives with its inputs, they are held to the same rule."""
    s = mesh_stack(pki)
    s["east-linkerd-crds"].props = {"chart": "linkerd-crds", "version": "^2026", "values": {}}
    [message] = only(preview.run(s.resources), VERSIONS)
    assert "'^2026'" in message
