"""The Emissary and Linkerd-policy fixtures (tests/upstream/emissary.py, linkerd_policy.py) judge
what they should: the objects an Emissary gateway needs pass, the usual mistakes fail. Offline."""
from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from upstream import emissary as em
from upstream import linkerd_policy as lp

NS = "emissary"


def errors(schema: dict[str, Any], obj: dict[str, Any]) -> list[str]:
    return [e.message for e in Draft202012Validator(schema).iter_errors(obj)]


def with_spec(obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of obj with spec keys replaced (value None deletes the key)."""
    out = copy.deepcopy(obj)
    for key, value in changes.items():
        if value is None:
            out["spec"].pop(key, None)
        else:
            out["spec"][key] = value
    return out


# --- the probe objects of the "envoy" probe mode (facts §9, option b) --------------------------

LISTENER = {
    "apiVersion": "getambassador.io/v3alpha1",
    "kind": "Listener",
    "metadata": {"name": "mc-probe-listener", "namespace": NS},
    "spec": {"port": 8080, "protocol": "HTTP", "securityModel": "XFP", "hostBinding": {"namespace": {"from": "SELF"}}},
}
HOST = {
    "apiVersion": "getambassador.io/v3alpha1",
    "kind": "Host",
    "metadata": {"name": "wildcard", "namespace": NS},
    "spec": {"hostname": "*", "acmeProvider": {"authority": "none"}, "requestPolicy": {"insecure": {"action": "Route"}}},
}
MAPPING = {
    "apiVersion": "getambassador.io/v3alpha1",
    "kind": "Mapping",
    "metadata": {"name": "public-health-check", "namespace": NS},
    "spec": {
        "hostname": "*",
        "prefix": "/-/ambassador/ready",
        "rewrite": "/ambassador/v0/check_ready",
        "service": "localhost:8877",
        "bypass_auth": True,
    },
}
MODULE = {
    "apiVersion": "getambassador.io/v3alpha1",
    "kind": "Module",
    "metadata": {"name": "ambassador", "namespace": NS},
    "spec": {"config": {"add_linkerd_headers": True}},
}


@pytest.mark.parametrize("schema", [*em.SCHEMAS.values(), *lp.SCHEMAS.values()], ids=lambda s: s["title"].split()[0])
def test_fixture_schemas_are_valid_draft_2020_12(schema):
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("obj", [LISTENER, HOST, MAPPING, MODULE], ids=lambda o: o["kind"])
def test_probe_objects_are_accepted(obj):
    assert errors(em.SCHEMAS[obj["kind"]], obj) == []


def test_the_chart_default_listeners_and_module_are_accepted():
    # templates/listener.yaml (createDefaultListeners) and templates/module.yaml (module value)
    https, http = em.default_listener_names("emissary-ingress")
    for name, port, protocol in ((https, 8443, "HTTPS"), (http, 8080, "HTTP")):
        obj = {
            "apiVersion": em.API_VERSION, "kind": "Listener", "metadata": {"name": name, "namespace": NS},
            "spec": {"port": port, "protocol": protocol, "securityModel": "XFP", "hostBinding": {"namespace": {"from": "ALL"}}},
        }
        assert errors(em.LISTENER_V3ALPHA1, obj) == []
    module = {"apiVersion": em.API_VERSION, "kind": "Module", "metadata": {"name": em.MODULE_NAME}, "spec": em.chart_module_spec()}
    assert errors(em.MODULE_V3ALPHA1, module) == []
    assert module["spec"]["config"]["enabled"] is True  # the whole value, `enabled` included


@pytest.mark.parametrize("spec_changes", [
    {"port": "8080"},  # a string port
    {"port": 0},
    {"port": 70000},
    {"protocol": "HTTP2"},
    {"protocol": "UDP"},  # in the CRD enum, refused by Emissary at run time
    {"securityModel": "TLS"},
    {"securityModel": None},
    {"hostBinding": None},
    {"hostBinding": {}},
    {"hostBinding": {"namespace": {}}},
    {"hostBinding": {"namespace": {"from": "SELECTOR"}}},
    {"hostBinding": {"namespace": {"from": "self"}}},
    {"hostBinding": {"selector": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}},
    {"protocol": None},  # neither protocol nor protocolStack
    {"protocolStack": ["HTTP", "TCP"]},  # both
    {"hostname": "*"},  # a Host field on a Listener
    {"l7Depth": "1"},
], ids=repr)
def test_listener_mistakes_are_rejected(spec_changes):
    assert errors(em.LISTENER_V3ALPHA1, with_spec(LISTENER, **spec_changes))


def test_listener_protocol_stack_alone_is_accepted():
    assert errors(em.LISTENER_V3ALPHA1, with_spec(LISTENER, protocol=None, protocolStack=["PROXY", "HTTP", "TCP"])) == []


def test_listener_status_and_missing_spec_are_rejected():
    assert errors(em.LISTENER_V3ALPHA1, {**LISTENER, "status": {}})
    assert errors(em.LISTENER_V3ALPHA1, {k: v for k, v in LISTENER.items() if k != "spec"})
    assert errors(em.LISTENER_V3ALPHA1, {**LISTENER, "apiVersion": "getambassador.io/v2"})


@pytest.mark.parametrize("spec_changes", [
    {"requestPolicy": {"insecure": {"action": "Allow"}}},
    {"requestPolicy": {"insecure": {"action": "route"}}},
    {"requestPolicy": {"insecure": {"additionalPort": "8080"}}},
    {"requestPolicy": {"action": "Route"}},  # one level too high
    {"tlsSecret": "my-secret"},  # SecretReference is an object
    {"acmeProvider": {"authority": "none", "server": "x"}},
    {"mappingSelector": {"matchLabels": {"a": 1}}},
    {"tls": {}, "tlsContext": {"name": "x"}},
    {"hostName": "*"},
], ids=repr)
def test_host_mistakes_are_rejected(spec_changes):
    assert errors(em.HOST_V3ALPHA1, with_spec(HOST, **spec_changes))


def test_host_with_tls_secret_and_selector_is_accepted():
    host = with_spec(HOST, tlsSecret={"name": "gw-tls", "namespace": NS}, mappingSelector={"matchLabels": {"gw": "mc"}})
    assert errors(em.HOST_V3ALPHA1, host) == []


@pytest.mark.parametrize("spec_changes", [
    {"service": None},
    {"prefix": None},
    {"bypass_auth": "true"},
    {"add_linkerd_header": True},  # misspelt
    {"addLinkerdHeaders": True},  # camelCase: Mapping fields are snake_case
    {"ambassador_id": "default"},  # v3alpha1: a list
    {"timeout_ms": "3s"},
    {"redirect_response_code": 200},
], ids=repr)
def test_mapping_mistakes_are_rejected(spec_changes):
    assert errors(em.MAPPING_V3ALPHA1, with_spec(MAPPING, **spec_changes))


def test_mapping_preserve_unknown_fields_stay_open():
    mapping = with_spec(MAPPING, envoy_override={"anything": {"goes": [1]}}, modules=[{"x": 1}],
                        add_linkerd_headers=True, ambassador_id=["default"])
    assert errors(em.MAPPING_V3ALPHA1, mapping) == []
    assert {"prefix", "service"} <= set(em.MAPPING_FIELDS)


def test_module_config_is_free_form_but_required():
    assert errors(em.MODULE_V3ALPHA1, with_spec(MODULE, config={"whatever": [1, {"a": None}]})) == []
    assert errors(em.MODULE_V3ALPHA1, with_spec(MODULE, config=None))
    assert errors(em.MODULE_V3ALPHA1, with_spec(MODULE, config="add_linkerd_headers: true"))
    assert errors(em.MODULE_V3ALPHA1, {**MODULE, "metadata": {"name": "linkerd"}})


# --- chart facts -------------------------------------------------------------------------------

@pytest.mark.parametrize("release, fullname_override, expected", [
    ("emissary-ingress", None, "emissary-ingress"),
    ("emissary", None, "emissary"),
    ("my-ambassador", None, "my-ambassador"),
    ("gw", None, "gw-emissary-ingress"),
    ("gw", "emissary-ingress", "emissary-ingress"),
    ("gw", "x" * 62 + "-y", "x" * 62),  # trunc 63, then one trailing "-" trimmed
])
def test_service_name_follows_the_fullname_helper(release, fullname_override, expected):
    assert em.service_name(release, fullname_override) == expected
    assert em.deployment_name(release, fullname_override) == expected
    assert em.service_account_name(release, fullname_override) == expected


def test_name_overrides():
    assert em.service_name("gw", name_override="edge") == "gw-edge"
    assert em.service_name("edge-gw", name_override="edge") == "edge-gw"
    assert em.service_name("gw", service_name_override="mc-gw") == "mc-gw"
    assert em.chart_name("emissary-mc", name_override="edge") == "emissary-mc"  # release wins
    assert em.chart_name("gw", name_override="edge") == "edge"
    assert em.service_account_name("gw", create=False) == "default"
    assert em.service_account_name("gw", name="mc") == "mc"
    assert em.admin_service_name("emissary-ingress") == "emissary-ingress-admin"


def test_selectors_are_subsets_of_the_pod_labels():
    labels = em.pod_labels("emissary-ingress")
    assert labels["helm.sh/chart"] == "emissary-ingress-4.1.0"
    assert em.selector_labels("emissary-ingress").items() <= labels.items()
    assert em.service_selector("emissary-ingress").items() <= labels.items()
    assert em.service_selector("emissary-ingress")["profile"] == "main"
    assert "helm.sh/chart" not in em.pod_labels("gw", managed_by="Pulumi")


def test_chart_value_facts_are_self_consistent():
    types = {"bool": bool, "int": int, "str": str, "list": list, "dict": dict, "null": type(None)}
    for path, (kind, default) in {**em.CHART_VALUES_KEYS, **em.CRDS_CHART_VALUES}.items():
        assert isinstance(default, types[kind]), path
    ports = em.CHART_VALUES_KEYS["service.ports"][1]
    assert {p["name"]: p["targetPort"] for p in ports} == {"http": 8080, "https": 8443}
    assert all(set(p) <= set(em.SERVICE_PORT_ITEM_KEYS) for p in ports)
    assert em.CONTAINER_PORTS["admin"] == em.CHART_VALUES_KEYS["adminService.port"][1] == em.DIAG_PORT
    assert em.CHART_VALUES_KEYS["createDefaultListeners"] == ("bool", False)
    assert em.CHART_VALUES_KEYS["waitForApiext.enabled"] == ("bool", False)
    assert em.CRDS_CHART_VALUES["enableLegacyVersions"] == ("bool", False)
    assert not set(em.REMOVED_VALUES_KEYS) & set(em.CHART_VALUES_KEYS)
    assert not set(em.TEMPLATE_ONLY_VALUES_KEYS) & set(em.CHART_VALUES_KEYS)
    assert em.CHART_VERSION == em.EMISSARY_VERSION == em.EMISSARY_TAG.removeprefix("v")
    assert em.EMISSARY_CHART.startswith("oci://") and em.EMISSARY_CRDS_CHART.startswith("oci://")
    # With the CRD chart defaults only v3alpha1 is served (and stored): no conversion webhook.
    assert all(v == {"v3alpha1": (True, True)} for v in em.CRD_VERSIONS["default"].values())


# --- Linkerd policy ----------------------------------------------------------------------------

@pytest.mark.parametrize("obj", lp.GATEWAY_POLICY, ids=lambda o: o["kind"])
def test_the_charts_gateway_policy_is_accepted(obj):
    assert errors(lp.schema_for(obj), obj) == []


def test_an_equivalent_policy_for_emissary_pods_is_accepted():
    selector = em.selector_labels("emissary-ingress")
    objs = lp.gateway_policy(namespace=NS, gateway_name="emissary-ingress", pod_selector=selector)
    assert objs[0]["spec"]["podSelector"] == {"matchLabels": selector}
    for obj in objs:
        assert errors(lp.schema_for(obj), obj) == []


def test_gateway_policy_shape():
    kinds = [(o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in lp.GATEWAY_POLICY]
    assert kinds == [
        ("policy.linkerd.io/v1beta3", "Server", "linkerd-gateway"),
        ("policy.linkerd.io/v1alpha1", "AuthorizationPolicy", "linkerd-gateway"),
        ("policy.linkerd.io/v1alpha1", "MeshTLSAuthentication", "any-meshed"),
        ("policy.linkerd.io/v1alpha1", "NetworkAuthentication", "source-cluster"),
    ]
    assert lp.GATEWAY_POLICY[0]["spec"]["port"] == lp.PROXY_PORT_NAME == "linkerd-proxy"
    assert lp.GATEWAY_POD_ANNOTATIONS[lp.DEFAULT_INBOUND_POLICY_ANNOTATION] in lp.DEFAULT_POLICIES


SERVER = lp.GATEWAY_POLICY[0]
AUTHZ = lp.GATEWAY_POLICY[1]


@pytest.mark.parametrize("spec_changes", [
    {"port": None},
    {"port": 0},
    {"port": ""},
    {"port": 70000},
    {"podSelector": None},
    {"externalWorkloadSelector": {"matchLabels": {"a": "b"}}},  # both selectors
    {"accessPolicy": "allow"},
    {"proxyProtocol": "http"},
    {"podSelector": {"matchLabels": {"app": 1}}},
    {"podSelector": {"matchExpressions": [{"key": "app", "operator": "Equals"}]}},
    {"selector": {"matchLabels": {"app": "x"}}},
], ids=repr)
def test_server_mistakes_are_rejected(spec_changes):
    assert errors(lp.SERVER_V1BETA3, with_spec(SERVER, **spec_changes))


def test_server_with_a_port_number_and_access_policy_is_accepted():
    assert errors(lp.SERVER_V1BETA3, with_spec(SERVER, port=4143, accessPolicy="all-authenticated", proxyProtocol="opaque")) == []


def test_older_server_versions_are_not_this_schema():
    assert errors(lp.SERVER_V1BETA3, {**SERVER, "apiVersion": "policy.linkerd.io/v1beta1"})


def _refs(*kinds: str) -> list[dict[str, str]]:
    groups = {"ServiceAccount": None}
    return [
        {"kind": k, "name": f"n{i}", **({} if groups.get(k, lp.POLICY_GROUP) is None else {"group": lp.POLICY_GROUP})}
        for i, k in enumerate(kinds)
    ]


@pytest.mark.parametrize("spec_changes", [
    {"targetRef": None},
    {"requiredAuthenticationRefs": None},
    {"targetRef": {"group": lp.POLICY_GROUP, "kind": "Service", "name": "x"}},
    {"targetRef": {"kind": "Server", "name": "linkerd-gateway"}},  # group missing -> core
    {"targetRef": {"group": lp.POLICY_GROUP, "kind": "Server", "name": ""}},
    {"requiredAuthenticationRefs": _refs("MeshTLSAuthentication", "MeshTLSAuthentication")},
    {"requiredAuthenticationRefs": _refs("NetworkAuthentication", "NetworkAuthentication")},
    {"requiredAuthenticationRefs": _refs("MeshTLSAuthentication", "ServiceAccount")},
    {"requiredAuthenticationRefs": _refs("Server")},
    {"requiredAuthenticationRefs": [{"group": lp.POLICY_GROUP, "kind": "MeshTLSAuthentication"}]},
], ids=repr)
def test_authorization_policy_mistakes_are_rejected(spec_changes):
    assert errors(lp.AUTHORIZATION_POLICY_V1ALPHA1, with_spec(AUTHZ, **spec_changes))


def test_authorization_policy_variants_are_accepted():
    for refs in (_refs("ServiceAccount", "NetworkAuthentication"), [], _refs("MeshTLSAuthentication")):
        assert errors(lp.AUTHORIZATION_POLICY_V1ALPHA1, with_spec(AUTHZ, requiredAuthenticationRefs=refs)) == []
    ns_target = {"kind": "Namespace", "name": NS}
    assert errors(lp.AUTHORIZATION_POLICY_V1ALPHA1, with_spec(AUTHZ, targetRef=ns_target)) == []


def test_authentication_mistakes_are_rejected():
    mtls, net = lp.GATEWAY_POLICY[2], lp.GATEWAY_POLICY[3]
    identity = "emissary-ingress.emissary.serviceaccount.identity.linkerd.cluster.local"
    assert errors(lp.MESH_TLS_AUTHENTICATION_V1ALPHA1, with_spec(mtls, identities=[identity, "*.emissary.serviceaccount.identity.linkerd.cluster.local"])) == []
    assert errors(lp.MESH_TLS_AUTHENTICATION_V1ALPHA1, with_spec(mtls, identities=[]))
    assert errors(lp.MESH_TLS_AUTHENTICATION_V1ALPHA1, with_spec(mtls, identities=["Not An Identity"]))
    assert errors(lp.MESH_TLS_AUTHENTICATION_V1ALPHA1, with_spec(mtls, identityRefs=[{"kind": "ServiceAccount", "name": "x"}]))  # both
    assert errors(lp.MESH_TLS_AUTHENTICATION_V1ALPHA1, with_spec(mtls, identities=None))  # neither
    refs = [{"kind": "Namespace", "name": NS}]
    assert errors(lp.MESH_TLS_AUTHENTICATION_V1ALPHA1, with_spec(mtls, identities=None, identityRefs=refs)) == []
    assert errors(lp.MESH_TLS_AUTHENTICATION_V1ALPHA1, with_spec(mtls, identities=None, identityRefs=[{**refs[0], "namespace": NS}]))
    assert errors(lp.NETWORK_AUTHENTICATION_V1ALPHA1, with_spec(net, networks=[]))
    assert errors(lp.NETWORK_AUTHENTICATION_V1ALPHA1, with_spec(net, networks=[{"except": ["10.0.0.0/8"]}]))
    assert errors(lp.NETWORK_AUTHENTICATION_V1ALPHA1, with_spec(net, networks="0.0.0.0/0"))
    assert errors(lp.NETWORK_AUTHENTICATION_V1ALPHA1, with_spec(net, networks=[{"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}])) == []
