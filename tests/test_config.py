"""Bad stack config fails before anything is registered, with the key to fix in the message."""
from __future__ import annotations

import copy

import pytest

from components.config import ConfigError
from harness.program import run_program

BASE = {
    "clusters": {"east": {"context": "east"}, "west": {"context": "west"}},
    "links": [{"source": "west", "target": "east"}],
}


def with_changes(**top) -> dict:
    cfg = copy.deepcopy(BASE)
    cfg.update(top)
    return cfg


def fails(config: dict, *fragments: str, raw_config: dict | None = None) -> str:
    with pytest.raises(ConfigError) as err:
        run_program(config, raw_config=raw_config)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    return message


def test_valid_base_config_registers_resources():
    run = run_program(BASE)
    assert run.monitor.by_type("kubernetes:multicluster.linkerd.io/v1alpha3:Link")


@pytest.mark.parametrize(
    "config, fragments",
    [
        pytest.param(
            with_changes(clusters={"east": {"context": "east", "gatewy": {}}, "west": {"context": "west"}}),
            ["linkerd-multicluster:clusters.east.gatewy", "unknown key"],
            id="unknown-nested-key",
        ),
        pytest.param(
            with_changes(links=[{"source": "west", "target": "north"}]),
            ["links[0].target", "'north' is not a cluster of this stack", "targetStack"],
            id="link-to-unknown-cluster",
        ),
        pytest.param(
            with_changes(links=[{"source": "east", "target": "east"}]),
            ["links[0]", "cannot be linked to itself"],
            id="self-link",
        ),
        pytest.param(
            with_changes(links=[{"source": "west", "target": "east"}, {"source": "west", "target": "east"}]),
            ["links[1]", "duplicates links[0]"],
            id="duplicate-link",
        ),
        pytest.param(
            with_changes(links=[{"source": "west", "target": "east", "targetStack": "org/linkerd-multicluster/east"}]),
            ["links[0].targetStack", "is a cluster of this stack"],
            id="target-stack-for-local-target",
        ),
        pytest.param(
            with_changes(links=[{"source": "north", "target": "south", "targetStack": "org/p/south"}]),
            ["neither 'north' nor 'south'"],
            id="link-between-foreign-clusters",
        ),
        pytest.param(
            with_changes(linkerd={"version": "^2026.8"}),
            ["linkerd-multicluster:linkerd.version", "pin an exact"],
            id="unpinned-version",
        ),
        pytest.param(
            with_changes(trust={"fromStack": "east"}),
            ["linkerd-multicluster:trust.fromStack", "<org>/<project>/<stack>"],
            id="short-stack-name",
        ),
        pytest.param(
            with_changes(clusters={"east": {"context": "east", "apiServerAddress": "http://east:6443"}}),
            ["clusters.east.apiServerAddress", "https://"],
            id="plain-http-api",
        ),
        pytest.param(
            with_changes(clusters={"East_1": {"context": "east"}}, links=[]),
            ["clusters", "lowercase DNS label"],
            id="bad-cluster-name",
        ),
        pytest.param(
            with_changes(clusters={"east": {"context": "east", "gateway": {"port": 70000}}, "west": {"context": "west"}}),
            ["clusters.east.gateway.port", "65535"],
            id="port-out-of-range",
        ),
        pytest.param(
            with_changes(clusters={
                "east": {"context": "east", "gateway": {"type": "none"},
                         "exports": [{"namespace": "test", "service": "foobar"}]},
                "west": {"context": "west"},
            }),
            ["clusters.east.exports[0]", "test/foobar", "gateway.type: none", "links[0] (west -> east)"],
            id="gateway-export-without-gateway",
        ),
        pytest.param(
            with_changes(clusters={"east": {"context": "east", "exports": [
                {"namespace": "test", "service": "foobar"}, {"namespace": "test", "service": "foobar"}]},
                "west": {"context": "west"}}),
            ["clusters.east", "test/foobar is listed twice"],
            id="duplicate-export",
        ),
        pytest.param(
            {"links": []},
            ["linkerd-multicluster:clusters", "required key is missing"],
            id="no-clusters",
        ),
    ],
)
def test_config_errors_name_the_key(config, fragments):
    fails(config, *fragments)


def test_unknown_top_level_key_is_rejected():
    fails(BASE, "linkerd-multicluster:cluster", "unknown key", raw_config={"linkerd-multicluster:cluster": "{}"})


def test_malformed_json_value_is_rejected():
    fails(BASE, "linkerd-multicluster:links", "not valid", raw_config={"linkerd-multicluster:links": "[{"})


def test_errors_are_raised_before_any_resource_is_registered():
    from harness.mocks import MeshMocks

    seen = []
    original = MeshMocks.new_resource

    def spy(self, args):
        seen.append(args.typ)
        return original(self, args)

    MeshMocks.new_resource = spy
    try:
        fails(with_changes(links=[{"source": "east", "target": "east"}]), "itself")
    finally:
        MeshMocks.new_resource = original
    assert seen == [], f"registered before validation failed: {seen}"


def test_local_kubeconfig_server_needs_an_explicit_api_address():
    """kind/k3d contexts point at 127.0.0.1, which the other cluster's pods cannot reach."""
    cfg = with_changes(clusters={"east": {"context": "kind-local"}, "west": {"context": "west"}})
    fails(cfg, "clusters.east.apiServerAddress", "127.0.0.1", "other clusters cannot reach")


def test_unknown_context_needs_an_explicit_api_address():
    cfg = with_changes(clusters={"east": {"context": "nope"}, "west": {"context": "west"}})
    fails(cfg, "clusters.east.apiServerAddress", "context 'nope' was not found")


def test_api_address_defaults_to_the_context_server():
    run = run_program(BASE)
    assert run.outputs["linkTargets"]["east"]["apiServerAddress"] == "https://198.51.100.1:6443"
