"""The pack as a whole: the policies it announces, each in a module of its name beside a test module
of its cases, the program's mesh passing all of them, and its refusal to run blind to secrets."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from pulumi.runtime.proto import analyzer_pb2 as A

from policy_harness import PACK_DIR, PolicyPackProcess
from policy_stacks import (
    ALL_POLICIES,
    ANCHOR_SOURCES,
    CHART_V4,
    CONFIGMAP_KEYS,
    GATEWAY,
    GATEWAY_MATCH,
    INBOUND,
    ISSUER,
    KEYS,
    KUBECONFIGS,
    LINKS,
    PROVIDER,
    PROXY_INIT,
    Pki,
    SECRET_KEYS,
    SOURCE_RANGES,
    STRINGS,
    TRUST,
    VERSIONS,
    mesh_stack,
    with_gateway,
)


def test_pack_announces_its_sixteen_policies(preview: PolicyPackProcess) -> None:
    info = preview.info
    assert info is not None and info.name == "linkerd-multicluster" and info.supportsConfig
    kinds = {p.name: (p.policy_type, p.enforcementLevel) for p in info.policies}
    assert kinds == {
        TRUST: (A.POLICY_TYPE_STACK, A.MANDATORY),
        PROVIDER: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        KEYS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        LINKS: (A.POLICY_TYPE_STACK, A.MANDATORY),
        STRINGS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        VERSIONS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        GATEWAY: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        CONFIGMAP_KEYS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        SECRET_KEYS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        KUBECONFIGS: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        ANCHOR_SOURCES: (A.POLICY_TYPE_STACK, A.MANDATORY),
        ISSUER: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        PROXY_INIT: (A.POLICY_TYPE_RESOURCE, A.MANDATORY),
        GATEWAY_MATCH: (A.POLICY_TYPE_STACK, A.MANDATORY),
        # Advisory: they flag Linkerd's (and the program's) defaults; see their modules.
        INBOUND: (A.POLICY_TYPE_RESOURCE, A.ADVISORY),
        SOURCE_RANGES: (A.POLICY_TYPE_RESOURCE, A.ADVISORY),
    }
    assert set(kinds) == ALL_POLICIES


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_the_programs_mesh_passes_every_policy(mode: str, request: pytest.FixtureRequest, pki: Pki) -> None:
    """The mesh as the program registers it, with the two settings the advisory policies ask for
    (`defaultInboundPolicy: all-authenticated`, gateway source ranges)."""
    pack: PolicyPackProcess = request.getfixturevalue(mode)
    s = mesh_stack(pki)
    for cluster in ("east", "west"):
        with_gateway(s, cluster)
    result = pack.run(s.resources)
    assert result.diagnostics == []
    # Chart components show no provider and no inputs: the two resource policies that would need
    # them say so, once per chart (3 charts x 2 clusters), and nothing else is skipped.
    na = {(n.policy, n.urn.rsplit("::", 1)[-1]) for n in result.not_applicable}
    charts = {r.name for r in s.resources if r.type == CHART_V4}
    assert len(charts) == 6
    assert na == {(p, c) for p in (PROVIDER, VERSIONS) for c in charts}


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_the_programs_defaults_draw_the_two_advisories_only(mode: str, request: pytest.FixtureRequest, pki: Pki) -> None:
    """Left at Linkerd's defaults (no inbound policy set, an open LoadBalancer gateway), the mesh is
    flagged, once per cluster and policy, and nothing blocks the update."""
    pack: PolicyPackProcess = request.getfixturevalue(mode)
    s = mesh_stack(pki, inbound_policy=None)
    for cluster in ("east", "west"):
        with_gateway(s, cluster, source_ranges=None)
    result = pack.run(s.resources)
    assert sorted((d.policy, d.level, d.urn.rsplit("::", 1)[-1]) for d in result.diagnostics) == sorted(
        [(INBOUND, "ADVISORY", f"{c}-linkerd-control-plane:linkerd/linkerd-config") for c in ("east", "west")]
        + [(SOURCE_RANGES, "ADVISORY", f"{c}-linkerd-multicluster:linkerd-multicluster/linkerd-gateway")
           for c in ("east", "west")])


def test_the_pack_will_not_run_blind_to_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two secret policies rely on `common.install_secret_marking`; with a pulumi-policy that
    lacks the function it wraps, the pack must refuse to start rather than judge without the secret bit."""
    import pulumi_policy.policy

    monkeypatch.syspath_prepend(str(PACK_DIR))
    common = importlib.import_module("linkerd_policies.common")
    monkeypatch.delattr(pulumi_policy.policy, "deserialize_properties")
    with pytest.raises(ImportError, match="cannot see which values are secrets"):
        common.install_secret_marking()


def test_each_policy_is_a_module_of_its_name_with_a_test_module_of_its_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader finds `<name>` in policy/linkerd_policies/<name with _>.py and its failing and
    passing cases in tests/policy/test_<that module>.py; the pack holds every policy module, once."""
    monkeypatch.syspath_prepend(str(PACK_DIR))
    pack = importlib.import_module("linkerd_policies")
    helpers = {"__init__", "common", "pem"}
    modules = sorted(p.stem for p in (PACK_DIR / "linkerd_policies").glob("*.py") if p.stem not in helpers)
    assert sorted(m.__name__.rsplit(".", 1)[-1] for m in pack.POLICY_MODULES) == modules
    for module in pack.POLICY_MODULES:
        stem = module.__name__.rsplit(".", 1)[-1]
        assert module.POLICY.name == stem.replace("_", "-")
        assert (Path(__file__).parent / f"test_{stem}.py").is_file(), f"{stem}: no tests/policy/test_{stem}.py"
    assert [p.name for p in pack.policies()] == [m.POLICY.name for m in pack.POLICY_MODULES]
