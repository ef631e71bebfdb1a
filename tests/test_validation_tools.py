"""Prove the offline validators catch real defects, so a green test elsewhere means something.

Each test feeds a validator one known-good input (it must pass: no false alarms) and inputs
with exactly one planted defect (each must be reported). Runs without `../shared`.
"""
from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

import certs
from upstream import edge_26_8_3 as upstream
from upstream.extract import split_path
from validation import (
    PULUMI_SECRET_SIG_KEY,
    PULUMI_SECRET_SIG_VALUE,
    CertCheckError,
    NoSchemaError,
    PemBundleError,
    controller_entry_errors,
    cr_errors,
    crd_to_jsonschema,
    is_go_duration,
    is_k8s_duration,
    k8s_errors,
    link_errors,
    normalize,
    openssl_verify,
    split_pem_bundle,
    values_errors,
    verify_issuer_like_linkerd,
    verify_trust_anchor_like_linkerd,
)

NOW = dt.datetime.now(dt.timezone.utc)
DAY = dt.timedelta(days=1)


def secret(value: Any) -> dict[str, Any]:
    """A value the way Pulumi mocks deliver a secret."""
    return {PULUMI_SECRET_SIG_KEY: PULUMI_SECRET_SIG_VALUE, "value": value}


# =============================================================================================
# Built-in kinds
# =============================================================================================

def service(port: Any = 4143.0, **spec_extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "linkerd-gateway", "namespace": "linkerd-multicluster"},
        "spec": {
            "type": "LoadBalancer",
            "selector": {"app": "linkerd-gateway"},
            "ports": [
                {"name": "mc-gateway", "port": port, "protocol": "TCP"},
                {"name": "mc-probe", "port": 4191.0, "protocol": "TCP", "targetPort": "admin-http"},
            ],
            **spec_extra,
        },
    }


def deployment(replicas: Any = 1.0) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {
                "metadata": {"labels": {"app": "app"}},
                "spec": {"containers": [{"name": "app", "image": "nginx", "ports": [{"containerPort": 8080.0}]}]},
            },
        },
    }


GOOD_BUILTINS = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "linkerd-multicluster",
     "labels": {"linkerd.io/extension": "multicluster", "pod-security.kubernetes.io/enforce": "privileged"}}},
    {"apiVersion": "v1", "kind": "ServiceAccount",
     "metadata": {"name": "linkerd-service-mirror-remote-access-west", "namespace": "linkerd-multicluster"}},
    {"apiVersion": "v1", "kind": "Secret", "type": "mirror.linkerd.io/remote-kubeconfig",
     "metadata": {"name": "cluster-credentials-east", "namespace": "linkerd-multicluster"},
     "data": {"kubeconfig": secret("YXBpVmVyc2lvbjogdjE=")}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"},
     "rules": [{"apiGroups": [""], "resources": ["services"], "verbs": ["list", "get", "watch"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"},
     "subjects": [{"kind": "ServiceAccount", "name": "sa", "namespace": "linkerd-multicluster"}]},
    service(),
    deployment(),
]


@pytest.mark.parametrize("obj", GOOD_BUILTINS, ids=lambda o: o["kind"])
def test_good_builtin_objects_pass(obj: dict[str, Any]) -> None:
    assert k8s_errors(obj) == []


def test_service_port_as_string_is_rejected() -> None:
    errs = k8s_errors(service(port="4143"))
    assert any(e.startswith("spec.ports.0.port:") and "integer" in e for e in errs), errs


def test_deployment_replicas_as_word_is_rejected() -> None:
    errs = k8s_errors(deployment(replicas="three"))
    assert any(e.startswith("spec.replicas:") for e in errs), errs


def test_unknown_field_is_rejected_in_strict_mode_only() -> None:
    svc = service(externalTrafficPolicyy="Local")
    assert any("externalTrafficPolicyy" in e for e in k8s_errors(svc))
    assert k8s_errors(svc, strict=False) == []


def test_all_errors_are_reported_not_just_the_first() -> None:
    svc = service(port="4143", bogus=True)
    svc["spec"]["ports"][1]["port"] = "4191"
    errs = k8s_errors(svc)
    assert len(errs) == 3, errs


def test_integral_floats_from_mocks_count_as_ints_but_fractions_do_not() -> None:
    assert k8s_errors(service(port=4143.0)) == []
    assert any("spec.ports.0.port" in e for e in k8s_errors(service(port=4143.5)))
    assert normalize({"a": [1.0, 2.5, True]}) == {"a": [1, 2.5, True]}
    assert type(normalize(1.0)) is int


def test_pulumi_secret_wrappers_are_unwrapped_before_validation() -> None:
    obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
           "stringData": secret({"kubeconfig": "apiVersion: v1"})}
    assert normalize(obj)["stringData"] == {"kubeconfig": "apiVersion: v1"}
    assert k8s_errors(obj) == []
    # and a wrapped bad value is still caught once unwrapped
    obj["stringData"] = secret("not-a-map")
    assert any(e.startswith("stringData:") for e in k8s_errors(obj))


def test_custom_kind_raises_instead_of_passing() -> None:
    with pytest.raises(NoSchemaError, match="Link"):
        k8s_errors({"apiVersion": "multicluster.linkerd.io/v1alpha3", "kind": "Link", "metadata": {"name": "x"}})
    with pytest.raises(NoSchemaError):
        k8s_errors({"apiVersion": "v1", "kind": "Servcie", "metadata": {"name": "typo"}})
    with pytest.raises(ValueError):
        k8s_errors({"kind": "Service"})


# =============================================================================================
# CRD -> JSON Schema converter, on a small CRD written for this test
# =============================================================================================

WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"kind": "Widget", "plural": "widgets"},
        "scope": "Namespaced",
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "spec": {
                        "type": "object",
                        "required": ["mode"],
                        "properties": {
                            "port": {"x-kubernetes-int-or-string": True},
                            "note": {"type": "string", "nullable": True},
                            "mode": {"type": "string", "enum": ["a", "b"]},
                            "every": {"type": "string", "format": "duration"},
                            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                            "empty": {"type": "object"},
                            "inner": {"type": "object", "x-kubernetes-embedded-resource": True,
                                      "x-kubernetes-preserve-unknown-fields": True},
                        },
                    },
                },
            }},
        }],
    },
}


def widget(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"mode": "a", **spec}}


@pytest.fixture(scope="module")
def widget_schema() -> dict[str, Any]:
    return crd_to_jsonschema(WIDGET_CRD, "v1")


def test_converter_accepts_what_the_api_server_accepts(widget_schema: dict[str, Any]) -> None:
    ok = widget(port=80, note=None, every="30s", free={"anything": [1, {"x": 2}]}, empty={},
                inner={"apiVersion": "v1", "kind": "Pod", "extra": 1})
    assert cr_errors(ok, widget_schema) == []
    assert cr_errors(widget(port="http", every="1h30m"), widget_schema) == []


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (widget(port=[1]), "spec.port"),  # int-or-string has no `type`; raw JSON Schema would pass it
        (widget(typo=1), "'typo' was unexpected"),  # pruned/rejected, raw JSON Schema would pass it
        (widget(empty={"x": 1}), "spec.empty"),  # object without properties keeps nothing
        (widget(mode="c"), "spec.mode"),
        (widget(every="30"), "spec.every"),  # format: duration with Kubernetes semantics
        (widget(inner={"kind": "Pod"}), "apiVersion"),  # embedded resource needs apiVersion+kind
        ({**widget(), "apiVersion": "example.com/v2"}, "apiVersion"),
        ({**widget(), "kind": "Gadget"}, "kind"),
        ({**widget(), "extra": 1}, "'extra' was unexpected"),
        ({k: v for k, v in widget().items() if k != "metadata"}, "metadata"),
    ],
)
def test_converter_rejects_what_the_api_server_rejects(widget_schema: dict[str, Any], bad: dict[str, Any], fragment: str) -> None:
    errs = cr_errors(bad, widget_schema)
    assert any(fragment in e for e in errs), errs


def test_converter_refuses_unknown_versions() -> None:
    with pytest.raises(KeyError):
        crd_to_jsonschema(WIDGET_CRD, "v2")


@pytest.mark.parametrize("text", ["3s", "30s", "1h30m", "250ms", "1.5h", "0", "-3s", "2\u00b5s"])
def test_go_durations(text: str) -> None:
    assert is_go_duration(text) and is_k8s_duration(text)


@pytest.mark.parametrize("text", ["3", "", "s", "3x", "3 s", "PT3S", "3sec"])
def test_not_go_durations(text: str) -> None:
    assert not is_go_duration(text)


def test_kubernetes_durations_are_more_lenient_than_go() -> None:
    # kube-openapi's fallback accepts "<n> <unit>" groups; a bare number or unknown unit fails.
    assert is_k8s_duration("3 seconds") and is_k8s_duration("2d")
    assert not is_k8s_duration("3") and not is_k8s_duration("3x")
    # The fallback is unanchored: ISO "PT3S" contains "3S", so the API server takes it; the
    # controller's time.ParseDuration then fails, which link_runtime_errors reports.
    assert is_k8s_duration("PT3S") and not is_go_duration("PT3S")
    assert any("Go duration" in e for e in link_errors(mutate("spec.probeSpec.period", "PT3S")))


# =============================================================================================
# Link
# =============================================================================================

def link_gen_link(name: str = "east") -> dict[str, Any]:
    """A Link in the exact form `linkerd multicluster link-gen --cluster-name east` prints."""
    return {
        "apiVersion": "multicluster.linkerd.io/v1alpha3",
        "kind": "Link",
        "metadata": {
            "name": name,
            "namespace": upstream.LINK_GEN["namespace"],
            "annotations": {"linkerd.io/created-by": "linkerd/cli edge-26.8.3"},
            "creationTimestamp": None,
        },
        "spec": {
            "targetClusterName": name,
            "targetClusterDomain": "cluster.local",
            "targetClusterLinkerdNamespace": "linkerd",
            "clusterCredentialsSecret": f"cluster-credentials-{name}",
            "gatewayAddress": "203.0.113.10,gw.east.example.com",
            "gatewayPort": "4143",
            "gatewayIdentity": upstream.gateway_identity(),
            "probeSpec": {"path": "/ready", "port": "4191", "period": "3s"},
            "selector": copy.deepcopy(upstream.LINK_GEN["selector"]),
            "remoteDiscoverySelector": copy.deepcopy(upstream.LINK_GEN["remoteDiscoverySelector"]),
            "federatedServiceSelector": copy.deepcopy(upstream.LINK_GEN["federatedServiceSelector"]),
        },
    }


def test_link_gen_style_link_is_accepted() -> None:
    assert link_errors(link_gen_link()) == []


def test_fuller_link_is_accepted() -> None:
    link = link_gen_link()
    link["spec"]["probeSpec"].update(failureThreshold="3", timeout="30s")
    link["spec"]["excludedAnnotations"] = ["example.com/*"]
    link["spec"]["excludedLabels"] = []
    link["spec"]["selector"]["matchExpressions"] = [
        {"key": "tier", "operator": "In", "values": ["web"]},
        {"key": "legacy", "operator": "DoesNotExist"},
    ]
    link["metadata"]["labels"] = {"app.kubernetes.io/managed-by": "pulumi"}
    assert link_errors(link) == []


def mutate(path: str, value: Any, *, delete: bool = False) -> dict[str, Any]:
    link = link_gen_link()
    *parents, last = path.split(".")
    node = link
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node.setdefault(p, {})
    if delete:
        del node[last]
    else:
        node[last] = value
    return link


@pytest.mark.parametrize(
    "link, fragment",
    [
        (mutate("spec.gatewayPort", 4143.0), "spec.gatewayPort: 4143 is not of type 'string'"),
        (mutate("spec.probeSpec.port", 4191), "spec.probeSpec.port"),
        (mutate("spec.gatewayAdress", "1.2.3.4"), "'gatewayAdress' was unexpected"),
        (mutate("spec.probeSpec.interval", "3s"), "'interval' was unexpected"),
        (mutate("spec.selector.matchExpressions", [{"key": "a", "operator": "Equals", "values": ["b"]}]), "'Equals' is not one of"),
        (mutate("spec.selector.matchExpressions", [{"key": "a"}]), "'operator' is a required property"),
        (mutate("spec.selector.matchLabels", {"mirror.linkerd.io/exported": True}), "spec.selector.matchLabels"),
        (mutate("spec.excludedLabels", "a,b"), "spec.excludedLabels"),
        (mutate("spec.probeSpec.period", "3"), "spec.probeSpec.period"),
        (mutate("status", {"mirrorServices": []}), "'status' was unexpected"),
        (mutate("apiVersion", "multicluster.linkerd.io/v1alpha2"), "apiVersion"),
        (mutate("spec", None, delete=True), "'spec' is a required property"),
        (mutate("metadata.annotation", {}), "'annotation' was unexpected"),
        (mutate("spec.targetClusterName", secret(7)), "spec.targetClusterName"),
    ],
)
def test_link_schema_defects_are_caught(link: dict[str, Any], fragment: str) -> None:
    errs = link_errors(link)
    assert any(fragment in e for e in errs), errs


@pytest.mark.parametrize(
    "link, fragment",
    [
        (mutate("spec.gatewayPort", "70000"), "spec.gatewayPort"),
        (mutate("spec.gatewayPort", "gateway"), "spec.gatewayPort"),
        (mutate("spec.probeSpec.timeout", "30 seconds"), "spec.probeSpec.timeout"),  # API ok, Go not
        (mutate("spec.probeSpec.failureThreshold", "-1"), "failureThreshold"),
        (mutate("spec.gatewayAddress", "1.2.3.4, 5.6.7.8"), "spec.gatewayAddress"),
        (mutate("spec.selector.matchExpressions", [{"key": "a", "operator": "In"}]), "needs non-empty values"),
        (mutate("spec.selector.matchExpressions", [{"key": "a", "operator": "Exists", "values": ["x"]}]), "must have no values"),
    ],
)
def test_link_runtime_defects_are_caught(link: dict[str, Any], fragment: str) -> None:
    errs = link_errors(link)
    assert any(fragment in e for e in errs), errs


# =============================================================================================
# Helm values
# =============================================================================================

def test_known_values_pass() -> None:
    assert values_errors("linkerd-crds", {"installGatewayAPI": True, "enableHttpRoutes": True}) == []
    assert values_errors("linkerd-control-plane", {
        "identityTrustAnchorsPEM": "-----BEGIN CERTIFICATE-----\n...",
        "identityTrustDomain": "cluster.local",
        "identity": {"issuer": {"scheme": "kubernetes.io/tls"}, "externalCA": False},
        "proxyInjector": {"externalSecret": True, "caBundle": "pem",
                          "namespaceSelector": {"matchLabels": {"x": "y"}}},
        "disableHeartBeat": True,
        "heartbeatSchedule": "5 4 * * *",
        "podAnnotations": {"example.com/a": "b"},
        "nodeSelector": {"kubernetes.io/arch": "amd64"},
        "proxy": {"resources": {"cpu": {"request": "100m"}}},
        "imagePullSecrets": [{"name": "regcred"}],
    }) == []
    assert values_errors("linkerd-multicluster", {
        "gateway": {"enabled": True, "port": 4143.0, "serviceType": "NodePort", "nodePort": 30143,
                    "probe": {"nodePort": 30191}, "terminationGracePeriodSeconds": 30},
        "createNamespaceMetadataJob": False,
        "controllers": [{"link": {"ref": {"name": "east"}}, "logLevel": "debug",
                         "gateway": {"enabled": False, "probe": {"port": 4191}}, "replicas": 2}],
        "controllerDefaults": {"resources": {"requests": {"cpu": "10m"}}},
    }) == []


@pytest.mark.parametrize("chart", ["linkerd-control-plane", "linkerd-multicluster"])
def test_upstream_ha_values_pass_as_program_values(chart: str) -> None:
    # values-ha.yaml itself, re-nested, must be acceptable input (the program merges it for ha)
    nested: dict[str, Any] = {}
    for path, value in upstream.HA_VALUES[chart].items():
        node = nested
        *parents, last = split_path(path)
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    assert values_errors(chart, nested) == []


@pytest.mark.parametrize(
    "chart, values, fragment",
    [
        ("linkerd-crds", {"installGatewayApi": True}, "installGatewayApi: not a key"),
        ("linkerd-control-plane", {"identity": {"issuer": {"schema": "kubernetes.io/tls"}}}, "identity.issuer.schema"),
        ("linkerd-control-plane", {"disableHeartBeat": "true"}, "upstream type is bool"),
        ("linkerd-control-plane", {"proxy": {"resources": {"requests": {"cpu": "1"}}}}, "proxy.resources.requests"),
        ("linkerd-control-plane", {"proxy": {"component": "x"}}, "must not set"),
        ("linkerd-control-plane", {"imagePullSecrets": [{"nmae": "x"}]}, "imagePullSecrets[0].nmae"),
        ("linkerd-multicluster", {"gateway": {"probe": {"seconds": "3s"}}}, "gateway.probe.seconds"),
        ("linkerd-multicluster", {"gateway": "linkerd-gateway"}, "upstream type is dict"),
        ("linkerd-multicluster", {"controllers": [{"link": {"ref": {"name": "east"}}, "loglevel": "debug"}]}, "controllers[0].loglevel"),
        ("linkerd-multicluster", {"controllers": [{"logLevel": "debug"}]}, "controllers[0].link.ref.name: required"),
        ("linkerd-multicluster", {"controllers": [{"link": {"ref": {"name": "e", "namespace": "x"}}}]}, "link.ref.namespace"),
        ("linkerd-multicluster", {"controllers": [{"link": {"ref": {"name": "e"}}, "image": {"pullPolicy": "Always"}}]}, "image.pullPolicy"),
        ("linkerd-multicluster", {"controllers": [{"link": {"ref": {"name": "e"}}, "replicas": "2"}]}, "replicas: expected int"),
    ],
)
def test_values_defects_are_caught(chart: str, values: dict[str, Any], fragment: str) -> None:
    errs = values_errors(chart, values)
    assert any(fragment in e for e in errs), errs


def test_controller_entry_must_be_a_mapping() -> None:
    assert controller_entry_errors("east") != []


# =============================================================================================
# Certificates
# =============================================================================================

@pytest.fixture(scope="module")
def chain() -> dict[str, Any]:
    anchor, anchor_key = certs.make_anchor()
    issuer, issuer_key = certs.make_issuer(anchor, anchor_key)
    return {"anchor": anchor, "anchor_key": anchor_key, "issuer": issuer, "issuer_key": issuer_key,
            "bundle": certs.bundle_pem(anchor), "issuer_pem": certs.cert_pem(issuer),
            "key_pem": certs.key_pem(issuer_key)}


def check(issuer, issuer_key, bundle: str, **kw: Any) -> None:
    verify_issuer_like_linkerd(certs.cert_pem(issuer), bundle, issuer_key_pem=certs.key_pem(issuer_key), **kw)


def test_good_chain_is_accepted(chain: dict[str, Any]) -> None:
    verify_issuer_like_linkerd(chain["issuer_pem"], chain["bundle"], issuer_key_pem=chain["key_pem"])
    verify_issuer_like_linkerd(chain["issuer_pem"], chain["bundle"])  # key-less, direct signature path
    verify_issuer_like_linkerd(chain["issuer_pem"], chain["bundle"],
                               issuer_key_pem=certs.key_pem(chain["issuer_key"], "pkcs8"))
    verify_trust_anchor_like_linkerd(certs.cert_pem(chain["anchor"]))


def test_rsa_root_may_sign_an_ecdsa_issuer() -> None:
    anchor, anchor_key = certs.make_anchor(key_type="rsa")
    issuer, issuer_key = certs.make_issuer(anchor, anchor_key)
    check(issuer, issuer_key, certs.bundle_pem(anchor))
    verify_trust_anchor_like_linkerd(certs.cert_pem(anchor))


def test_two_anchor_bundle_with_issuer_from_the_second_is_accepted(chain: dict[str, Any]) -> None:
    new_anchor, new_anchor_key = certs.make_anchor()  # same CN: an anchor rotation
    issuer, issuer_key = certs.make_issuer(new_anchor, new_anchor_key)
    bundle = certs.bundle_pem(chain["anchor"], new_anchor)
    assert len(split_pem_bundle(bundle)) == 2
    check(issuer, issuer_key, bundle)
    verify_issuer_like_linkerd(certs.cert_pem(issuer), bundle)
    # ... and rejected when that second anchor is missing
    with pytest.raises(CertCheckError, match="does not chain"):
        check(issuer, issuer_key, chain["bundle"])


def test_issuer_not_signed_by_any_bundle_cert_is_rejected(chain: dict[str, Any]) -> None:
    other, other_key = certs.make_anchor()  # same subject, different key
    issuer, issuer_key = certs.make_issuer(other, other_key)
    with pytest.raises(CertCheckError, match="does not chain"):
        check(issuer, issuer_key, chain["bundle"])
    with pytest.raises(CertCheckError, match="not signed by any trust anchor"):
        verify_issuer_like_linkerd(certs.cert_pem(issuer), chain["bundle"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"key_type": "rsa"}, "RSAPublicKey public key; Linkerd requires ECDSA P-256"),
        ({"curve": ec.SECP384R1()}, "P-256"),
        ({"key_type": "ed25519"}, "ECDSA P-256"),
        ({"not_before": NOW - 400 * DAY, "not_after": NOW - DAY}, "outside its validity window"),
        ({"not_before": NOW + DAY}, "outside its validity window"),
        ({"ca": False}, "ca=False"),
        ({"eku": [ExtendedKeyUsageOID.CLIENT_AUTH]}, "without serverAuth"),
        ({"eku": [ExtendedKeyUsageOID.SERVER_AUTH]}, "without clientAuth"),
        ({"key_usage": False}, "2.5.29.15"),  # WebPKI CA profile: KeyUsage keyCertSign required
    ],
)
def test_bad_issuers_are_rejected(chain: dict[str, Any], kwargs: dict[str, Any], match: str) -> None:
    issuer, issuer_key = certs.make_issuer(chain["anchor"], chain["anchor_key"], **kwargs)
    with pytest.raises(CertCheckError, match=match):
        check(issuer, issuer_key, chain["bundle"])


def test_issuer_without_key_usage_passes_when_webpki_profile_is_relaxed(chain: dict[str, Any]) -> None:
    issuer, issuer_key = certs.make_issuer(chain["anchor"], chain["anchor_key"], key_usage=False)
    check(issuer, issuer_key, chain["bundle"], webpki=False)  # Go's own check does not need it


def test_issuer_signed_with_sha384_is_rejected(chain: dict[str, Any]) -> None:
    from cryptography.hazmat.primitives import hashes

    issuer, issuer_key = certs.make_issuer(chain["anchor"], chain["anchor_key"], hash_alg=hashes.SHA384())
    with pytest.raises(CertCheckError, match="ecdsa-with-SHA384"):
        check(issuer, issuer_key, chain["bundle"])


def test_expired_anchor_and_exhausted_pathlen_are_rejected() -> None:
    old, old_key = certs.make_anchor(not_before=NOW - 20 * DAY, not_after=NOW - DAY)
    issuer, issuer_key = certs.make_issuer(old, old_key, not_before=NOW - 2 * DAY, not_after=NOW + DAY)
    with pytest.raises(CertCheckError, match="not valid at validation time"):
        check(issuer, issuer_key, certs.bundle_pem(old))
    with pytest.raises(CertCheckError, match="validity window"):
        verify_issuer_like_linkerd(certs.cert_pem(issuer), certs.bundle_pem(old))
    tight, tight_key = certs.make_anchor(path_length=0)
    issuer, issuer_key = certs.make_issuer(tight, tight_key)
    with pytest.raises(CertCheckError, match="path length"):
        check(issuer, issuer_key, certs.bundle_pem(tight))


def test_mismatched_or_unreadable_issuer_key_is_rejected(chain: dict[str, Any]) -> None:
    with pytest.raises(CertCheckError, match="issuer key does not match"):
        verify_issuer_like_linkerd(chain["issuer_pem"], chain["bundle"],
                                   issuer_key_pem=certs.key_pem(certs.new_key()))
    with pytest.raises(CertCheckError, match="label"):
        verify_issuer_like_linkerd(chain["issuer_pem"], chain["bundle"], issuer_key_pem=chain["issuer_pem"])


def test_now_parameter_moves_the_clock(chain: dict[str, Any]) -> None:
    with pytest.raises(CertCheckError, match="validity window"):
        verify_issuer_like_linkerd(chain["issuer_pem"], chain["bundle"], issuer_key_pem=chain["key_pem"],
                                   now=NOW + 400 * DAY)


# -- bundles ----------------------------------------------------------------------------------

def test_split_pem_bundle_accepts_exact_bundles(chain: dict[str, Any]) -> None:
    got = split_pem_bundle(chain["bundle"])
    assert [c.serial_number for c in got] == [chain["anchor"].serial_number]


@pytest.mark.parametrize(
    "mangle, match",
    [
        (lambda b: b + "\n", "exactly one newline"),  # trailing blank line
        (lambda b: b.rstrip("\n"), "exactly one newline"),  # no newline at all
        (lambda b: b + "  \n", "exactly one newline"),
        (lambda b: "\n" + b, "unexpected text"),
        (lambda b: b.replace("\n", "\r\n"), "CR"),
        (lambda b: b + "# rotated 2026\n" + b, "unexpected text"),
        (lambda b: b + "\n" + b, "unexpected text"),  # blank line between anchors
        (lambda b: "", "exactly one newline"),
    ],
)
def test_split_pem_bundle_rejects_what_linkerd_misparses(chain: dict[str, Any], mangle, match: str) -> None:
    with pytest.raises(PemBundleError, match=match):
        split_pem_bundle(mangle(chain["bundle"]))


def test_split_pem_bundle_rejects_non_certificate_blocks(chain: dict[str, Any]) -> None:
    with pytest.raises(PemBundleError, match="drops every later anchor"):
        split_pem_bundle(chain["key_pem"] + chain["bundle"])


def test_split_pem_bundle_rejects_corrupt_certificates(chain: dict[str, Any]) -> None:
    lines = chain["bundle"].split("\n")
    lines[3] = "A" * len(lines[3])
    with pytest.raises(PemBundleError):
        split_pem_bundle("\n".join(lines))


# -- trust anchors -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"key_type": "rsa", "rsa_bits": 3072}, "RSA-3072"),
        ({"curve": ec.SECP384R1()}, "P-256"),
        ({"key_type": "ed25519"}, "ECDSA P-256"),
        ({"ca": False}, "ca=False"),
        ({"not_before": NOW - 20 * DAY, "not_after": NOW - DAY}, "validity window"),
    ],
)
def test_bad_trust_anchors_are_rejected(kwargs: dict[str, Any], match: str) -> None:
    anchor, _ = certs.make_anchor(**kwargs)
    with pytest.raises(CertCheckError, match=match):
        verify_trust_anchor_like_linkerd(certs.cert_pem(anchor))


def test_anchor_expiring_soon_fails_the_60_day_rule() -> None:
    anchor, _ = certs.make_anchor(not_after=NOW + 30 * DAY)
    verify_trust_anchor_like_linkerd(certs.cert_pem(anchor))
    with pytest.raises(CertCheckError, match="60 days"):
        verify_trust_anchor_like_linkerd(certs.cert_pem(anchor), min_days_left=upstream.CERT_RULES["check_warn_days"])


# -- openssl as a second opinion --------------------------------------------------------------

def test_openssl_agrees_on_good_and_bad_chains(chain: dict[str, Any]) -> None:
    ok, out = openssl_verify(chain["bundle"], chain["issuer_pem"])
    assert ok, out
    leaf, _ = certs.make_leaf(chain["issuer"], chain["issuer_key"])
    ok, out = openssl_verify(chain["bundle"], chain["issuer_pem"], certs.cert_pem(leaf), strict=True)
    assert ok, out

    other, other_key = certs.make_anchor()
    foreign, _ = certs.make_issuer(other, other_key)
    ok, out = openssl_verify(chain["bundle"], certs.cert_pem(foreign))
    assert not ok and "unable to get local issuer certificate" in out, out
    ok, out = openssl_verify(certs.bundle_pem(chain["anchor"], other), certs.cert_pem(foreign))
    assert ok, out

    ok, out = openssl_verify(chain["bundle"], chain["issuer_pem"], at=NOW + 400 * DAY)
    assert not ok and "expired" in out, out
