"""Property tests: no stack input crashes the program; every bad value is a ConfigError naming a key.

Hypothesis starts from valid stack configs and breaks them the way a hand-edited stack file or a
wrong `pulumi config set --path` does: any value at any path replaced by any JSON value (null,
booleans, huge numbers, unicode text with newlines, PEM-looking text, lists, maps), keys deleted,
unknown keys added, values wrapped in a list or turned into text. `components.config.loader.parse` (no
Pulumi, fast) must then either return a `MeshConfig` or raise `ConfigError` whose every line
names a `linkerd-multicluster:` key; any other exception is a bug. A smaller end-to-end property
runs the same through the CLI's config encoding, `loader.load()` and the real program.
"""
from __future__ import annotations

import copy
import os
import re
from typing import Any

import pulumi
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import certs
from components.config import loader
from components.config.schema import PROJECT, TOP_LEVEL_KEYS, ConfigError, MeshConfig
from harness.program import Secure, cli_config, run_program
from test_config import BASE, registered_types

# -- valid starting points -------------------------------------------------------------------

OLD_ANCHOR, OLD_ANCHOR_KEY = certs.make_anchor(cn="root.linkerd.cluster.local")
ANCHOR, ANCHOR_KEY = certs.make_anchor(cn="root.new.linkerd.cluster.local")
EAST_ISSUER, EAST_ISSUER_KEY = certs.make_issuer(OLD_ANCHOR, OLD_ANCHOR_KEY)
STRANGER, STRANGER_KEY = certs.make_anchor(cn="root.stranger")
STRANGER_ISSUER, STRANGER_ISSUER_KEY = certs.make_issuer(STRANGER, STRANGER_KEY)

RICH = {
    "linkerd": {
        "version": "2026.8.3",
        "repository": "https://helm.linkerd.io/edge",
        "clusterDomain": "cluster.local",
        "trustDomain": "cluster.local",
        "ha": True,
        "extraValues": {
            "controlPlane": {"proxy": {"defaultInboundPolicy": "all-authenticated", "logLevel": "warn,linkerd=info"},
                             "podAnnotations": {"example.com/team": "mesh"}},
            "multicluster": {"gateway": {"replicas": 2}},
        },
    },
    "trust": {
        "anchor": {"certPem": certs.cert_pem(ANCHOR), "keyPem": certs.key_pem(ANCHOR_KEY)},
        "existingAnchorsPem": certs.cert_pem(OLD_ANCHOR),
        "issuerValidityHours": 4380,
        "issuerGeneration": 2,
    },
    "clusters": {
        "east": {
            "context": "east",
            "gateway": {"type": "emissary", "emissary": {
                "existing": {"namespace": "ambassador", "name": "ambassador",
                             "podLabels": {"app.kubernetes.io/name": "ambassador"}},
                "probe": "proxy", "skipInboundPorts": [8080]}},
            "exports": [{"namespace": "test", "service": "foobar"}],
            "issuer": {"certPem": certs.cert_pem(EAST_ISSUER), "keyPem": certs.key_pem(EAST_ISSUER_KEY)},
            "extraValues": {"controlPlane": {"proxy": {"logLevel": "debug"}}},
        },
        "west": {
            "context": "west",
            "gateway": {"serviceType": "NodePort", "addresses": ["203.0.113.7", "west.example.com"], "port": 4143},
            "exports": [{"namespace": "test", "service": "frontend", "mode": "remote-discovery"}],
            "issuerGeneration": 1,
            "adopt": True,
        },
        "north": {
            "context": "north",
            "gateway": {"type": "none"},
            "apiServerAddress": "https://198.51.100.3:6443",
            "kubeconfig": "~/.kube/north",
        },
    },
    "topology": {"hub": "east"},
    "links": [{"source": "north", "target": "far", "targetStack": "org/linkerd-multicluster/far"}],
    "protect": False,
}

PER_CLUSTER_STACK = {
    "linkerd": {"repository": "oci://ghcr.io/linkerd/charts", "installGatewayApi": False},
    "trust": {"fromStack": "org/linkerd-multicluster/east"},
    "clusters": {"west": {"context": "west", "gateway": {"type": "emissary", "emissary": {
        "install": {"version": "4.1.0", "namespace": "emissary"}, "probe": "envoy"}}}},
    "links": [{"source": "west", "target": "east", "targetStack": "org/linkerd-multicluster/east"}],
}

ROTATING = {**copy.deepcopy(BASE), "topology": "full-mesh", "links": [],
            "trust": {"rotation": "reissue-issuers", "anchorGeneration": 3, "anchorValidityHours": 20000}}

# Starts for the end-to-end property: runnable on the harness's default world.
E2E_STARTS = {
    "base": BASE,
    "supplied": {**copy.deepcopy(BASE), "trust": {
        "existingAnchorsPem": certs.cert_pem(OLD_ANCHOR),
        "anchor": {"certPem": certs.cert_pem(ANCHOR), "keyPem": certs.key_pem(ANCHOR_KEY)}},
        "clusters": {"east": {"context": "east", "issuer": {"certPem": certs.cert_pem(EAST_ISSUER),
                                                            "keyPem": certs.key_pem(EAST_ISSUER_KEY)}},
                     "west": {"context": "west"}}},
}

STARTS = {"base": BASE, "rich": RICH, "per-cluster-stack": PER_CLUSTER_STACK, "rotating": ROTATING,
          **{f"e2e-{k}": v for k, v in E2E_STARTS.items()}}


@pytest.mark.parametrize("name", STARTS)
def test_the_starting_points_are_valid(name):
    assert isinstance(loader.parse(copy.deepcopy(STARTS[name])), MeshConfig)


# -- what a broken stack file can hold -------------------------------------------------------

PEM_TEXTS = [
    certs.cert_pem(OLD_ANCHOR), certs.key_pem(OLD_ANCHOR_KEY), certs.key_pem(ANCHOR_KEY, "pkcs8"),
    certs.cert_pem(STRANGER_ISSUER), certs.key_pem(STRANGER_ISSUER_KEY), certs.cert_pem(EAST_ISSUER),
    certs.cert_pem(OLD_ANCHOR) + certs.key_pem(OLD_ANCHOR_KEY),
    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
    "-----BEGIN EC PRIVATE KEY-----\n!!!garbage!!!\n-----END EC PRIVATE KEY-----\n",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----",
]
SPECIAL_TEXTS = [
    "", " ", "east", "east\n", "East", "full-mesh", "ünïcødé", "a" * 300, "http://helm.linkerd.io/edge",
    "https://", "https://[::1", "https://host:99999", "oci://", "org/project/stack", "org/project/stack\n",
    "2026.8.3", "2026.8.3\n", "٢٠٢٦.8.3", "1.2.3", "cluster.local", "cluster..local", "-bad.local",
    "all-authenticated", "deny", "none", "emissary", "linkerd", "NodePort", "add-anchor", "null", "{}", "[]",
    "~/.kube/config", "/", "/dev/null", "a\x00b", "\u212a", "\r\n", "true", "4143",
    *PEM_TEXTS,
]
KEY_NAMES = ["east", "west", "north", "hub", "context", "keyPem", "certPem", "proxy", "defaultInboundPolicy",
             "extraValues", "controlPlane", "gateway", "type", "emissary", "existing", "install", "issuer",
             "anchor", "exports", "links", "source", "target", "Unknown", "", "a.b", "east\n"]

texts = st.one_of(st.sampled_from(SPECIAL_TEXTS), st.text(max_size=12))
scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([0, -1, 1, 65536, 10**400]),
    st.floats(allow_nan=False, allow_infinity=False), texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEY_NAMES), st.text(max_size=6)), inner, max_size=3),
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside `value` (map keys and list indexes), the root's children first."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(prefix + (k,))
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append(prefix + (i,))
            out += _paths(v, prefix + (i,))
    return out


def _containers(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Paths of the maps inside `value` (the root included): where unknown keys can be added."""
    out = [prefix] if isinstance(value, dict) else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _containers(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _containers(v, prefix + (i,))
    return out


def _get(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


@st.composite
def broken_configs(draw, starts: tuple[str, ...] = tuple(STARTS), max_mutations: int = 3) -> dict:
    """A valid config with one to `max_mutations` random changes."""
    cfg = copy.deepcopy(STARTS[draw(st.sampled_from(starts))])
    for _ in range(draw(st.integers(min_value=1, max_value=max_mutations))):
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add", "wrap", "stringify", "rename"]))
        paths = _paths(cfg)
        if op == "add" or not paths:
            where = _get(cfg, draw(st.sampled_from(_containers(cfg))))
            where[draw(st.one_of(st.sampled_from(KEY_NAMES), st.text(max_size=8)))] = draw(json_values)
            continue
        path = draw(st.sampled_from(paths))
        parent, last = _get(cfg, path[:-1]), path[-1]
        if op == "replace":
            parent[last] = draw(json_values)
        elif op == "delete":
            del parent[last]
        elif op == "wrap":
            parent[last] = [parent[last]]
        elif op == "stringify":
            parent[last] = str(parent[last])
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEY_NAMES))] = parent.pop(last)
    return cfg


# -- the properties --------------------------------------------------------------------------

KEY_LINE = re.compile(r"  (?:\$KUBECONFIG \(file .*, for |~/\.kube/config \(for )?" + re.escape(f"{PROJECT}:")
                      + r"(?:\w|\[)")


def assert_names_keys(err: ConfigError) -> None:
    message = str(err)
    lines = message.splitlines()
    assert lines[0] == "invalid stack configuration:", message
    assert len(lines) > 1, message
    for line in lines[1:]:
        assert KEY_LINE.match(line), f"line names no {PROJECT}: key:\n{line}\nin:\n{message}"


PARSE_SETTINGS = settings(max_examples=400, derandomize=True, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PARSE_SETTINGS
@given(broken_configs())
def test_parse_returns_a_config_or_a_config_error_naming_the_key(raw):
    try:
        parsed = loader.parse(raw)
    except ConfigError as err:
        assert_names_keys(err)
    else:
        assert isinstance(parsed, MeshConfig)


@st.composite
def one_value_replaced(draw) -> dict:
    """One start, one of its paths (or a top-level key it lacks), any JSON value there: every key
    of every start gets its turn, however deep, which random multi-step changes rarely reach."""
    cfg = copy.deepcopy(STARTS[draw(st.sampled_from(sorted(STARTS)))])
    path = draw(st.sampled_from(_paths(cfg) + [(k,) for k in TOP_LEVEL_KEYS if k not in cfg]))
    _get(cfg, path[:-1])[path[-1]] = draw(json_values)
    return cfg


@PARSE_SETTINGS
@given(one_value_replaced())
def test_any_value_at_any_key_is_handled(raw):
    try:
        loader.parse(raw)
    except ConfigError as err:
        assert_names_keys(err)


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(st.text(max_size=40), st.sampled_from(TOP_LEVEL_KEYS))
def test_any_text_from_the_cli_is_a_value_or_a_config_error(text, key):
    """`cli_value` gets each top-level key as the CLI passes it: raw text or JSON."""
    try:
        loader.cli_value(text, f"{PROJECT}:{key}")
    except ConfigError as err:
        assert_names_keys(err)


# -- end to end: the CLI's encoding, load(), and the program ---------------------------------

def _secure_keys(value: Any) -> Any:
    """Private keys as `pulumi config set --secret` leaves them."""
    if isinstance(value, dict):
        return {k: Secure(v) if k == "keyPem" and isinstance(v, str) else _secure_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_secure_keys(v) for v in value]
    return value


def _load(cfg: dict) -> MeshConfig:
    values, secret_keys = cli_config(cfg)
    pulumi.runtime.set_all_config(values, secret_keys)
    try:
        return loader.load()
    finally:
        pulumi.runtime.set_all_config({}, [])


# E2E_EXAMPLES=300 for a deeper local search (each accepted example runs the whole program).
@settings(max_examples=int(os.environ.get("E2E_EXAMPLES", 25)), derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(broken_configs(starts=tuple(f"e2e-{k}" for k in E2E_STARTS), max_mutations=1))
def test_the_program_runs_or_fails_with_a_config_error_before_registering_anything(cfg):
    """`loader.load()` is where the program starts: everything it accepts must run; whatever it
    refuses must be a ConfigError naming the key, and the program must stop there, before any
    resource exists (load() raising means `Mesh(...)` in __main__.py is never reached)."""
    cfg = _secure_keys(cfg)
    try:
        _load(cfg)
    except ConfigError as err:
        event("refused by loader.load()")
        assert_names_keys(err)
        with registered_types() as registered, pytest.raises(ConfigError) as run_err:
            run_program(cfg)
        assert str(run_err.value) == str(err)
        assert not [t for t in registered if t.startswith("kubernetes:")], registered
        return
    event("accepted")
    run_program(cfg)  # accepted by load(): no ConfigError (or anything else) may come later

