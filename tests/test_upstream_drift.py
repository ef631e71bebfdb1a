"""Prove the project's upstream fixtures (`tests/upstream/`) still match Linkerd edge-26.8.3.

Tests marked with the `reference` fixture compare against the verbatim upstream copies in
`../shared/reference/linkerd/edge-26.8.3/`. That folder is not part of this repository, so
on a fresh clone those tests skip (set REQUIRE_UPSTREAM_REFERENCE=1 to make a missing
folder fail instead). The remaining tests check the fixtures' internal consistency and run
everywhere.
"""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from upstream import edge_26_8_3 as up
from upstream.extract import (
    CHART_FILES,
    LIST_ITEM,
    extract,
    key_types,
    leaf_values,
    split_path,
)
from validation import controller_entry_errors, cr_errors, crd_to_jsonschema

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference" / "linkerd" / up.LINKERD_TAG


@pytest.fixture(scope="module")
def reference() -> Path:
    if not REFERENCE.is_dir():
        if os.environ.get("REQUIRE_UPSTREAM_REFERENCE") == "1":
            pytest.fail(f"{REFERENCE} is missing but REQUIRE_UPSTREAM_REFERENCE=1")
        pytest.skip("../shared/reference not present (fresh clone): drift check needs it")
    return REFERENCE


def load(reference: Path, name: str) -> Any:
    return yaml.safe_load((reference / name).read_text())


def values_doc(reference: Path, chart: str) -> dict[str, Any]:
    return load(reference, CHART_FILES[chart][0]) or {}


def diff(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    out = [f"only in fixture: {k} = {expected[k]!r}" for k in sorted(expected.keys() - actual.keys())]
    out += [f"only upstream: {k} = {actual[k]!r}" for k in sorted(actual.keys() - expected.keys())]
    out += [f"changed: {k}: fixture {expected[k]!r}, upstream {actual[k]!r}"
            for k in sorted(expected.keys() & actual.keys()) if expected[k] != actual[k]]
    return out


# =============================================================================================
# Helm values
# =============================================================================================

@pytest.mark.parametrize("chart", up.CHARTS)
def test_values_keys_and_types_match_upstream(reference: Path, chart: str) -> None:
    assert diff(up.VALUES_KEYS[chart], key_types(values_doc(reference, chart))) == []


@pytest.mark.parametrize("chart", [c for c, (_, ha) in CHART_FILES.items() if ha])
def test_ha_values_match_upstream(reference: Path, chart: str) -> None:
    ha = load(reference, CHART_FILES[chart][1])
    assert diff(up.HA_VALUES[chart], leaf_values(ha)) == []


def test_generated_data_file_is_exactly_what_extract_produces(reference: Path) -> None:
    # Guards against hand edits of edge_26_8_3.values.json that the per-chart tests miss
    # (e.g. an extra chart).
    assert extract(reference) == {"values_keys": up.VALUES_KEYS, "ha_values": up.HA_VALUES}


@pytest.mark.parametrize("chart", up.CHARTS)
def test_commented_keys_are_only_in_comments(reference: Path, chart: str) -> None:
    text = (reference / CHART_FILES[chart][0]).read_text()
    actual = key_types(values_doc(reference, chart))
    comment_lines = [ln for ln in text.splitlines() if ln.lstrip().startswith("#")]
    problems = []
    for path in up.COMMENTED_KEYS[chart]:
        keys = [k for k in split_path(path) if k != LIST_ITEM]
        if LIST_ITEM not in split_path(path) and path in actual:
            problems.append(f"{path} is now a real key: move it to VALUES_KEYS")
        if not any(re.search(rf"(?<![A-Za-z]){re.escape(keys[-1])}\s*(:|--)", ln) for ln in comment_lines):
            problems.append(f"{path}: no comment mentions '{keys[-1]}' any more")
        if LIST_ITEM in split_path(path):
            parent = path.split(LIST_ITEM)[0]
            if parent not in actual:
                problems.append(f"{path}: list {parent} is not in values.yaml")
    assert problems == []


@pytest.mark.parametrize("chart", up.CHARTS)
def test_template_only_and_ha_only_keys_are_absent_from_values(reference: Path, chart: str) -> None:
    actual = key_types(values_doc(reference, chart))
    for table in (up.TEMPLATE_ONLY_KEYS, up.HA_ONLY_KEYS):
        present = [p for p in table.get(chart, {}) if p in actual]
        assert present == [], f"now in values.yaml, move to VALUES_KEYS: {present}"


def test_controller_overrides_are_controller_defaults(reference: Path) -> None:
    defaults = values_doc(reference, "linkerd-multicluster")["controllerDefaults"]
    leaves = {p: t for p, t in key_types(defaults).items() if t != "dict" or not
              any(q.startswith(p + ".") for q in key_types(defaults))}
    expected = dict(up.CONTROLLER_ENTRY_OVERRIDES)
    # Upstream's default `tolerations: {}` is a map; an override must be a list of tolerations.
    assert expected.pop("tolerations") == "list" and leaves.pop("tolerations") == "dict"
    for unread in up.CONTROLLER_DEFAULTS_UNREAD:
        assert unread in leaves, f"controllerDefaults.{unread} is gone: update CONTROLLER_DEFAULTS_UNREAD"
        del leaves[unread]
    assert diff(expected, leaves) == []


def test_commented_controllers_example_uses_only_known_entry_keys(reference: Path) -> None:
    # values.yaml documents `controllers:` with a commented YAML example; parse it.
    text = (reference / CHART_FILES["linkerd-multicluster"][0]).read_text()
    block = re.search(r"^# controllers:\n((?:#(?: |-).*\n)+)", text, re.M)
    assert block, "the commented controllers example is gone from values.yaml"
    example = yaml.safe_load("controllers:\n" + re.sub(r"^# ?", "", block.group(1), flags=re.M))
    entries = example["controllers"]
    assert [e["link"]["ref"]["name"] for e in entries] == ["target1", "target2"]
    assert [controller_entry_errors(e) for e in entries] == [[], []]


def test_gateway_and_identity_defaults_match_values(reference: Path) -> None:
    mc = values_doc(reference, "linkerd-multicluster")
    got = {}
    for path in up.GATEWAY_DEFAULTS:
        node: Any = mc
        for k in split_path(path):
            node = node[k]
        got[path] = node
    assert diff(up.GATEWAY_DEFAULTS, got) == []
    for values_key in [*up.GATEWAY_SERVICE["ports"].values(), up.GATEWAY_SERVICE["name_value"],
                       up.GATEWAY_SERVICE["type_value"]]:
        assert values_key in up.VALUES_KEYS["linkerd-multicluster"]
    cp = values_doc(reference, "linkerd-control-plane")
    assert cp["identity"]["issuer"]["scheme"] in up.IDENTITY_ISSUER_SCHEMES
    for key in ("proxyInjector.externalSecret", "proxyInjector.caBundle", "disableHeartBeat"):
        assert key in key_types(cp)


@pytest.mark.parametrize("chart", up.CHARTS)
def test_chart_yaml(reference: Path, chart: str) -> None:
    meta = load(reference, f"{chart}.Chart.yaml")
    assert meta["name"] == chart
    assert meta["kubeVersion"] == up.CHART_KUBE_VERSION


# -- fixture self-consistency (no reference needed) -------------------------------------------

@pytest.mark.parametrize("chart", up.CHARTS)
def test_fixture_tables_do_not_overlap(chart: str) -> None:
    values = up.VALUES_KEYS[chart]
    for name, table in (("COMMENTED_KEYS", up.COMMENTED_KEYS), ("TEMPLATE_ONLY_KEYS", up.TEMPLATE_ONLY_KEYS),
                        ("HA_ONLY_KEYS", up.HA_ONLY_KEYS)):
        assert [p for p in table.get(chart, {}) if p in values] == [], name
    assert not set(up.COMMENTED_KEYS[chart]) & set(up.TEMPLATE_ONLY_KEYS[chart])


@pytest.mark.parametrize("chart", ["linkerd-control-plane", "linkerd-multicluster"])
def test_every_ha_key_is_a_known_key(chart: str) -> None:
    known = up.known_value_paths(chart)
    unknown = []
    for path in up.HA_VALUES[chart]:
        keys = split_path(path)
        prefixes = {".".join(keys[: i + 1]) for i in range(len(keys))}
        if not (prefixes & (known.keys() | up.HA_ONLY_KEYS[chart].keys())):
            unknown.append(path)
    assert unknown == []


def test_keys_the_program_relies_on_exist() -> None:
    cp, mc = up.VALUES_KEYS["linkerd-control-plane"], up.VALUES_KEYS["linkerd-multicluster"]
    for path in ("identityTrustAnchorsPEM", "identityTrustDomain", "identity.issuer.scheme",
                 "identity.issuer.tls.crtPEM", "identity.issuer.tls.keyPEM", "identity.externalCA",
                 "proxyInjector.externalSecret", "proxyInjector.caBundle", "profileValidator.externalSecret",
                 "policyValidator.externalSecret", "disableHeartBeat"):
        assert path in cp, path
    for path in ("gateway.enabled", "gateway.serviceType", "gateway.port", "gateway.probe.port",
                 "gateway.probe.seconds", "controllers", "controllerDefaults.gateway.enabled",
                 "remoteMirrorServiceAccount", "remoteMirrorServiceAccountName", "createNamespaceMetadataJob",
                 "linkerdNamespace", "identityTrustDomain"):
        assert path in mc, path
    assert up.VALUES_KEYS["linkerd-crds"]["installGatewayAPI"] == "bool"
    assert up.known_value_paths("linkerd-multicluster")["gateway.nodePort"] == "int"


# =============================================================================================
# Link CRD
# =============================================================================================

@pytest.fixture(scope="module")
def link_crd(reference: Path) -> dict[str, Any]:
    return load(reference, "linkerd-multicluster.link-crd.yaml")


def test_link_crd_facts(link_crd: dict[str, Any]) -> None:
    spec = link_crd["spec"]
    assert link_crd["metadata"]["name"] == up.LINK_CRD["name"]
    assert spec["group"] == up.LINK_CRD["group"]
    assert spec["names"]["kind"] == up.LINK_CRD["kind"] and spec["names"]["plural"] == up.LINK_CRD["plural"]
    assert spec["scope"] == up.LINK_CRD["scope"]
    assert "conversion" not in spec or spec["conversion"].get("strategy", "None") == "None"
    versions = {
        v["name"]: (v["served"], v["storage"], "status" in (v.get("subresources") or {}))
        for v in spec["versions"]
    }
    assert versions == up.LINK_CRD["versions"]
    fields = {
        v["name"]: tuple(sorted(v["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]))
        for v in spec["versions"]
    }
    assert fields == up.LINK_CRD["spec_fields"]


def test_link_crd_uses_only_extensions_the_converter_was_proven_on(link_crd: dict[str, Any]) -> None:
    # The comparison below goes through crd_to_jsonschema; if upstream starts using another
    # structural-schema feature, that translation would need proving first.
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(k for k in node if k.startswith("x-kubernetes-") or k == "nullable")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    v3 = next(v for v in link_crd["spec"]["versions"] if v["name"] == "v1alpha3")
    walk(v3["schema"])
    assert found == {"x-kubernetes-preserve-unknown-fields"}


def shape(node: dict[str, Any], path: str, out: dict[str, Any]) -> None:
    """Flatten a JSON schema into {path/attribute: value} for the attributes that decide
    what validates (descriptions ignored)."""
    for attr in ("type", "enum", "format", "default", "const"):
        if attr in node:
            out[f"{path}/{attr}"] = node[attr]
    if "required" in node:
        out[f"{path}/required"] = sorted(node["required"])
    if node.get("type") == "object" or "additionalProperties" in node:
        ap = node.get("additionalProperties", "any")
        out[f"{path}/additionalProperties"] = ap if not isinstance(ap, dict) else "schema"
        if isinstance(ap, dict):
            shape(ap, f"{path}/additionalProperties", out)
    for name, sub in (node.get("properties") or {}).items():
        shape(sub, f"{path}.{name}", out)
    if isinstance(node.get("items"), dict):
        shape(node["items"], f"{path}[]", out)


@pytest.fixture(scope="module")
def crd_schema(link_crd: dict[str, Any]) -> dict[str, Any]:
    return crd_to_jsonschema(link_crd, "v1alpha3")


def test_link_spec_fields_and_types_match_the_crd_recursively(crd_schema: dict[str, Any]) -> None:
    ours: dict[str, Any] = {}
    theirs: dict[str, Any] = {}
    shape(up.LINK_V1ALPHA3["properties"]["spec"], "spec", ours)
    shape(crd_schema["properties"]["spec"], "spec", theirs)
    # The one intended difference inside spec: matchLabels values (divergence "matchLabels-values").
    for sel in ("selector", "remoteDiscoverySelector", "federatedServiceSelector"):
        base = f"spec.{sel}.matchLabels/additionalProperties"
        assert ours.pop(base) == "schema" and ours.pop(f"{base}/type") == "string"
        assert theirs.pop(base) == "any"  # preserve-unknown-fields
    assert diff(ours, theirs) == []
    assert up.PROBE_SPEC_DEFAULTS == {
        k: crd_schema["properties"]["spec"]["properties"]["probeSpec"]["properties"][k]["default"]
        for k in up.PROBE_SPEC_DEFAULTS
    }


def test_link_root_differs_from_the_crd_only_as_declared(crd_schema: dict[str, Any]) -> None:
    ours, theirs = up.LINK_V1ALPHA3, crd_schema
    assert set(theirs["properties"]) - set(ours["properties"]) == {"status"}
    assert set(ours["properties"]) - set(theirs["properties"]) == set()
    assert set(ours["required"]) - set(theirs["required"]) == {"spec"}
    assert ours["properties"]["apiVersion"] == theirs["properties"]["apiVersion"]
    assert ours["properties"]["kind"] == theirs["properties"]["kind"]
    assert ours["additionalProperties"] is False and theirs["additionalProperties"] is False


def _link() -> dict[str, Any]:
    return {
        "apiVersion": "multicluster.linkerd.io/v1alpha3",
        "kind": "Link",
        "metadata": {"name": "east", "namespace": "linkerd-multicluster",
                     "annotations": {"linkerd.io/created-by": "linkerd/cli edge-26.8.3"}, "creationTimestamp": None},
        "spec": {
            "targetClusterName": "east", "targetClusterDomain": "cluster.local",
            "targetClusterLinkerdNamespace": "linkerd", "clusterCredentialsSecret": "cluster-credentials-east",
            "gatewayAddress": "203.0.113.10", "gatewayPort": "4143", "gatewayIdentity": up.gateway_identity(),
            "probeSpec": {"path": "/ready", "port": "4191", "period": "3s"},
            "selector": {"matchLabels": {"mirror.linkerd.io/exported": "true"}},
            "remoteDiscoverySelector": {"matchLabels": {"mirror.linkerd.io/exported": "remote-discovery"}},
            "federatedServiceSelector": {"matchLabels": {"mirror.linkerd.io/federated": "member"}},
        },
    }


def _with(path: str, value: Any = None, delete: bool = False) -> dict[str, Any]:
    obj = _link()
    *parents, last = path.split(".")
    node = obj
    for p in parents:
        node = node.setdefault(p, {})
    if delete:
        node.pop(last)
    else:
        node[last] = copy.deepcopy(value)
    return obj


# (id, Link, our verdict, CRD verdict, divergence tag if they differ)
SAMPLES: list[tuple[str, dict[str, Any], bool, bool, str | None]] = [
    ("link-gen", _link(), True, True, None),
    ("no-gateway", {**_link(), "spec": {k: v for k, v in _link()["spec"].items()
                                        if k not in up.LINK_GEN["gateway_fields"]}}, True, True, None),
    ("defaults-spelled-out", _with("spec.probeSpec", {"path": "/ready", "port": "4191", "period": "3s",
                                                       "failureThreshold": "3", "timeout": "30s"}), True, True, None),
    ("excluded", _with("spec.excludedAnnotations", ["a/*"]), True, True, None),
    ("expressions", _with("spec.selector", {"matchExpressions": [{"key": "a", "operator": "In", "values": ["b"]},
                                                                 {"key": "c", "operator": "Exists"}]}), True, True, None),
    ("empty-spec", _with("spec", {}), True, True, None),
    ("int-gateway-port", _with("spec.gatewayPort", 4143), False, False, None),
    ("int-probe-port", _with("spec.probeSpec.port", 4191), False, False, None),
    ("bare-period", _with("spec.probeSpec.period", "3"), False, False, None),
    ("bad-timeout", _with("spec.probeSpec.timeout", "soon"), False, False, None),
    ("unknown-spec-field", _with("spec.gatewayAdress", "x"), False, False, None),
    ("unknown-probe-field", _with("spec.probeSpec.interval", "3s"), False, False, None),
    ("unknown-selector-field", _with("spec.selector.matchLabel", {}), False, False, None),
    ("bad-operator", _with("spec.selector.matchExpressions", [{"key": "a", "operator": "Equals"}]), False, False, None),
    ("no-operator", _with("spec.selector.matchExpressions", [{"key": "a"}]), False, False, None),
    ("no-key", _with("spec.selector.matchExpressions", [{"operator": "Exists"}]), False, False, None),
    ("values-not-list", _with("spec.selector.matchExpressions", [{"key": "a", "operator": "In", "values": "b"}]), False, False, None),
    ("unknown-expression-field", _with("spec.selector.matchExpressions", [{"key": "a", "operator": "Exists", "value": "b"}]), False, False, None),
    ("excluded-not-list", _with("spec.excludedLabels", "a"), False, False, None),
    ("selector-not-object", _with("spec.selector", "mirror.linkerd.io/exported=true"), False, False, None),
    ("v1alpha2", _with("apiVersion", "multicluster.linkerd.io/v1alpha2"), False, False, None),
    ("wrong-kind", _with("kind", "Links"), False, False, None),
    ("unknown-root-field", _with("specs", {}), False, False, None),
    ("no-metadata", _with("metadata", delete=True), False, False, None),
    ("int-match-label", _with("spec.selector.matchLabels", {"a": 1}), False, True, "matchLabels-values"),
    ("status", _with("status", {"mirrorServices": []}), False, True, "status"),
    ("no-spec", _with("spec", delete=True), False, True, "spec-required"),
    ("metadata-typo", _with("metadata.label", {"a": "b"}), False, True, "metadata-fields"),
]


@pytest.mark.parametrize("sample_id, obj, ours_ok, crd_ok, divergence", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_link_samples_get_the_same_verdict_as_the_crd(
    crd_schema: dict[str, Any], sample_id: str, obj: dict[str, Any], ours_ok: bool, crd_ok: bool, divergence: str | None
) -> None:
    ours_errs, crd_errs = cr_errors(obj, up.LINK_V1ALPHA3), cr_errors(obj, crd_schema)
    assert (not ours_errs, not crd_errs) == (ours_ok, crd_ok), (ours_errs, crd_errs)
    assert (ours_ok == crd_ok) == (divergence is None)
    if divergence is not None:
        assert divergence in up.LINK_SCHEMA_DIVERGENCES


def test_every_declared_divergence_is_exercised() -> None:
    assert {s[4] for s in SAMPLES if s[4]} == set(up.LINK_SCHEMA_DIVERGENCES)
