"""Bad stack config fails before anything is registered, with the key to fix in the message."""
from __future__ import annotations

import contextlib
import copy
import datetime as dt

import pytest

import certs
from components.config import loader as config_module
from components.config.schema import ConfigError
from components.config.supplied_certs import CertificateConfigError
from harness.program import Secure, run_program

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


@pytest.mark.parametrize("raw_config", [
    {"linkerd-multicluster:cluster": "{}"},
    {"linkerd-multicluster:links": "[{"},
])
def test_the_tools_read_a_stack_file_as_the_program_reads_the_cli(tmp_path, raw_config):
    """tools/diagram.py and the fleet read `Pulumi.<stack>.yaml` with `loader.read_stack_file`:
    the same refusals, word for word, as the program given the same keys by the CLI."""
    import yaml

    program = fails(BASE, raw_config=raw_config)
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump({"config": {**{f"linkerd-multicluster:{k}": v for k, v in BASE.items()},
                                               **raw_config, "kubernetes:context": "ignored"}}))
    with pytest.raises(ConfigError) as err:
        config_module.read_stack_file(path)
    assert str(err.value) == program


def test_errors_are_raised_before_any_resource_is_registered():
    with registered_types() as seen:
        fails(with_changes(links=[{"source": "east", "target": "east"}]), "itself")
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


# -- any shape of bad input is a config error naming the key, before anything is registered ----

ANCHOR, ANCHOR_KEY = certs.make_anchor()
OTHER_ANCHOR, OTHER_ANCHOR_KEY = certs.make_anchor(cn="root.other")
ISSUER, ISSUER_KEY = certs.make_issuer(ANCHOR, ANCHOR_KEY)
STRANGER, STRANGER_KEY = certs.make_anchor(cn="root.stranger")
STRANGE_ISSUER, STRANGE_ISSUER_KEY = certs.make_issuer(STRANGER, STRANGER_KEY)
GARBAGE_CERT = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
GARBAGE_KEY = "-----BEGIN EC PRIVATE KEY-----\n!!not*base64!!\n-----END EC PRIVATE KEY-----\n"


@contextlib.contextmanager
def registered_types():
    """The types of the resources registered while the block runs."""
    from harness.mocks import MeshMocks

    seen: list[str] = []
    original = MeshMocks.new_resource

    def spy(self, args):
        seen.append(args.typ)
        return original(self, args)

    MeshMocks.new_resource = spy
    try:
        yield seen
    finally:
        MeshMocks.new_resource = original


def fails_before_registering(config: dict, *fragments: str, raw_config: dict | None = None,
                             error: type = ConfigError) -> str:
    """`fails`, and not one resource registered before the error."""
    with registered_types() as seen:
        with pytest.raises(error) as err:
            run_program(config, raw_config=raw_config)
    assert seen == [], f"registered before validation failed: {seen}"
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    return message


def parse_fails(raw: dict, *fragments: str, error: type = ConfigError) -> str:
    with pytest.raises(error) as err:
        config_module.parse(raw)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    return message


def cluster(**fields) -> dict:
    return {"context": "east", **fields}


def with_east(**fields) -> dict:
    return with_changes(clusters={"east": cluster(**fields), "west": {"context": "west"}})


def with_trust(**trust) -> dict:
    return with_changes(trust=trust)


def pair(cert_pem: str, key_pem: str) -> dict:
    return {"certPem": cert_pem, "keyPem": key_pem}


class TestWrongShapes:
    """Defect: a list or number for `clusters`, or a string where the chart has a map, crashed
    with AttributeError in `_expand_topology`, `_require_secret_keys` or `default_inbound_policy`."""

    @pytest.mark.parametrize("clusters", [["east", "west"], 3, "east", [{"east": {"context": "east"}}]])
    @pytest.mark.parametrize("topology", [None, "full-mesh", {"hub": "east"}])
    def test_clusters_of_the_wrong_type(self, clusters, topology):
        raw = with_changes(clusters=clusters, links=[])
        if topology is not None:
            raw["topology"] = topology
        parse_fails(raw, "linkerd-multicluster:clusters: must be a map")

    def test_clusters_list_end_to_end(self):
        fails_before_registering(with_changes(clusters=[{"east": {"context": "east"}}], topology="full-mesh", links=[]),
                                 "linkerd-multicluster:clusters: must be a map")

    def test_links_of_the_wrong_type_with_a_topology(self):
        parse_fails(with_changes(topology="full-mesh", links="west->east"), "linkerd-multicluster:links: must be a list")

    @pytest.mark.parametrize("proxy", ["x", 1, ["a"], True])
    def test_proxy_values_that_are_not_a_map(self, proxy):
        raw = with_changes(linkerd={"extraValues": {"controlPlane": {"proxy": proxy}}})
        parse_fails(raw, "linkerd-multicluster:linkerd.extraValues.controlPlane.proxy: must be a map")

    def test_proxy_string_end_to_end(self):
        fails_before_registering(with_changes(linkerd={"extraValues": {"controlPlane": {"proxy": "x"}}}),
                                 "linkerd.extraValues.controlPlane.proxy: must be a map")

    def test_cluster_proxy_string_next_to_an_emissary_gateway(self):
        """`_gateway_problems` reads the policy of every cluster with an Emissary gateway."""
        raw = with_east(gateway={"type": "emissary", "emissary": {"install": {"version": "4.1.0"}}},
                        extraValues={"controlPlane": {"proxy": "deny"}})
        parse_fails(raw, "clusters.east.extraValues.controlPlane.proxy: must be a map")

    @pytest.mark.parametrize("policy", [5, "denied", {"a": 1}])
    def test_default_inbound_policy_must_be_a_linkerd_policy(self, policy):
        raw = with_changes(linkerd={"version": "2026.1.1",  # no key list: still checked
                                    "extraValues": {"controlPlane": {"proxy": {"defaultInboundPolicy": policy}}}})
        parse_fails(raw, "linkerd.extraValues.controlPlane.proxy.defaultInboundPolicy", "all-unauthenticated")

    @pytest.mark.parametrize("path, value, expected", [
        (("controlPlane", "podAnnotations"), "team=mesh", "expects a map"),
        (("controlPlane", "proxy", "logLevel"), {}, "expects a single value"),
        (("multicluster", "gateway"), ["x"], "expects a map"),
        (("controlPlane", "imagePullSecrets"), "secret", "expects a list"),
    ])
    def test_extra_values_of_the_wrong_type(self, path, value, expected):
        values: dict = {}
        inner = values
        for part in path[:-1]:
            inner = inner.setdefault(part, {})
        inner[path[-1]] = value
        parse_fails(with_changes(linkerd={"extraValues": values}), f"linkerd.extraValues.{'.'.join(path)}: ", expected)

    def test_odd_keys_are_quoted_in_messages(self):
        message = parse_fails(with_changes(linkerd={"extraValues": {"controlPlane": {"a\nb": 1}}}))
        assert 'linkerd.extraValues.controlPlane["a\\nb"]' in message
        assert all(line.startswith("  linkerd-multicluster:") for line in message.splitlines()[1:]), message

    def test_nesting_beyond_reason(self):
        deep: dict = {}
        inner = deep
        for _ in range(200):
            inner = inner.setdefault("a", {})
        parse_fails(with_changes(linkerd={"extraValues": {"controlPlane": deep}}),
                    "linkerd-multicluster:linkerd.extraValues.controlPlane.a.a", "nested more than")

    def test_deep_json_from_the_cli(self):
        fails_before_registering(BASE, "linkerd-multicluster:links", raw_config={"linkerd-multicluster:links": "[" * 5000 + "]" * 5000})

    @pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity"])
    def test_nan_from_the_cli_is_text(self, text):
        assert config_module.cli_value(text, "linkerd-multicluster:topology") == text

    @pytest.mark.parametrize("trust", [{"issuerGeneration": 10**400}, {"anchorGeneration": 2**31},
                                       {"anchorValidityHours": 10**9}])
    def test_numbers_beyond_what_the_program_can_pass_on(self, trust):
        parse_fails(with_trust(**trust), "linkerd-multicluster:trust.")

    @pytest.mark.parametrize("gateway, key", [
        ({"addresses": ["203.0.113.1,203.0.113.2"]}, "addresses"),
        ({"addresses": ["gw.example.com\n"]}, "addresses"),
        ({"addresses": [""]}, "addresses"),
        ({"type": "emissary", "emissary": {"install": {"version": "4.1.0"}, "skipInboundPorts": [0]}}, "emissary.skipInboundPorts[0]"),
        ({"type": "emissary", "emissary": {"install": {"version": "4.1.0", "namespace": "Emissary"}}}, "emissary.install.namespace"),
        ({"type": "emissary", "emissary": {"existing": {"namespace": "ambassador", "name": "amb\n"}}}, "emissary.existing.name"),
        ({"type": "emissary", "emissary": {"existing": {"namespace": "ambassador", "name": "amb",
                                                        "podLabels": {"app": "a b"}}}}, "emissary.existing.podLabels"),
    ])
    def test_names_that_reach_kubernetes_objects(self, gateway, key):
        parse_fails(with_east(gateway=gateway), f"linkerd-multicluster:clusters.east.gateway.{key}")

    @pytest.mark.parametrize("context", ["", "east\n"])
    def test_context_must_be_a_name(self, context):
        """An empty context would make the provider use the kubeconfig's current context."""
        parse_fails(with_changes(clusters={"east": {"context": context}}, links=[]), "clusters.east.context")

    @pytest.mark.parametrize("address", ["https://", "https://[::1", "https://east:99999", "https://east\n"])
    def test_api_server_address_must_be_a_url(self, address):
        parse_fails(with_east(apiServerAddress=address), "clusters.east.apiServerAddress", "https://")


class TestDomains:
    """Defect: any text was accepted; a non-ASCII trust domain crashed after resources existed."""

    @pytest.mark.parametrize("key", ["trustDomain", "clusterDomain"])
    @pytest.mark.parametrize("value", ["clüster.local", "Cluster.local", "cluster..local", "-a.local", "a-.local",
                                       "cluster.local\n", "", "a" * 64 + ".local", ".".join(["a" * 50] * 6),
                                       "cluster_local", "cluster.local."])
    def test_domains_must_be_lowercase_dns_names(self, key, value):
        parse_fails(with_changes(linkerd={key: value}), f"linkerd-multicluster:linkerd.{key}", "lowercase DNS name")

    @pytest.mark.parametrize("value", ["cluster.local", "example.org", "a", "mesh-1.example.com", "a" * 63])
    def test_dns_names_are_accepted(self, value):
        assert config_module.parse(with_changes(linkerd={"trustDomain": value})).linkerd.trust_domain == value

    def test_non_ascii_trust_domain_end_to_end(self):
        fails_before_registering(with_changes(linkerd={"trustDomain": "clüster.local"}), "linkerd-multicluster:linkerd.trustDomain")


class TestFullMatches:
    """Defect: `re.match` with `$` accepted a trailing newline, which then reached kubectl commands."""

    @pytest.mark.parametrize("raw, key", [
        (with_changes(clusters={"east\n": {"context": "east"}}, links=[]), "cluster name 'east\\n'"),
        (with_changes(links=[{"source": "west", "target": "north\n", "targetStack": "org/project/north"}]),
         "cluster name 'north\\n'"),
        (with_trust(fromStack="org/project/east\n"), "trust.fromStack"),
        (with_changes(links=[{"source": "west", "target": "north", "targetStack": "org/project/north\n"}]),
         "links[0].targetStack"),
        (with_changes(linkerd={"version": "2026.8.3\n"}), "linkerd.version"),
        (with_changes(linkerd={"version": "٢٠٢٦.8.3"}), "linkerd.version"),  # Unicode digits match \d
        (with_east(gateway={"type": "emissary", "emissary": {"install": {"version": "4.1.0\n"}}}),
         "clusters.east.gateway.emissary.install.version"),
        (with_east(exports=[{"namespace": "test\n", "service": "foobar"}]), "clusters.east.exports[0].namespace"),
    ])
    def test_trailing_newlines_and_unicode_digits_are_refused(self, raw, key):
        parse_fails(raw, key)

    def test_cluster_name_with_a_newline_end_to_end(self):
        fails_before_registering(with_changes(clusters={"east\n": {"context": "east"}}, links=[]), "cluster name")


class TestSuppliedIssuerChain:
    """Defect: an issuer signed by an anchor outside the bundle was refused only after ~22
    Kubernetes resources were registered."""

    def test_issuer_signed_by_an_anchor_outside_the_bundle(self):
        raw = with_changes(trust={"existingAnchorsPem": certs.cert_pem(ANCHOR)},
                           clusters={"east": cluster(issuer=pair(certs.cert_pem(STRANGE_ISSUER), certs.key_pem(STRANGE_ISSUER_KEY))),
                                     "west": {"context": "west"}})
        parse_fails(raw, "linkerd-multicluster:clusters.east.issuer.certPem", "CN=root.stranger",
                    "not signed by any anchor of the trust bundle", error=CertificateConfigError)
        secure = copy.deepcopy(raw)
        secure["clusters"]["east"]["issuer"]["keyPem"] = Secure(certs.key_pem(STRANGE_ISSUER_KEY))
        fails_before_registering(secure, "clusters.east.issuer.certPem", error=CertificateConfigError)

    def test_issuer_with_only_a_generated_anchor(self):
        """A generated anchor cannot have signed an issuer that exists already."""
        parse_fails(with_east(issuer=pair(certs.cert_pem(ISSUER), certs.key_pem(ISSUER_KEY))),
                    "clusters.east.issuer.certPem", "only the anchor this stack generates")

    def test_issuer_signed_by_the_supplied_anchor_is_accepted(self):
        raw = with_changes(trust={"anchor": pair(certs.cert_pem(ANCHOR), certs.key_pem(ANCHOR_KEY)),
                                  "existingAnchorsPem": certs.cert_pem(OTHER_ANCHOR)},
                           clusters={"east": cluster(issuer=pair(certs.cert_pem(ISSUER), certs.key_pem(ISSUER_KEY))),
                                     "west": {"context": "west"}})
        assert config_module.parse(raw).clusters["east"].issuer is not None

    def test_the_bundle_of_another_stack_is_checked_at_run_time(self):
        raw = with_changes(trust={"fromStack": "org/linkerd-multicluster/east"},
                           clusters={"west": cluster(context="west", issuer=pair(certs.cert_pem(STRANGE_ISSUER),
                                                                                 certs.key_pem(STRANGE_ISSUER_KEY)))},
                           links=[])
        assert config_module.parse(raw).trust.from_stack


class TestMalformedCertificatesAndKeys:
    """Defect: malformed keys and certificates raised ValueError/TypeError; an anchor key that does
    not match its certificate was found only during `up`."""

    @pytest.mark.parametrize("key_pem, expected", [
        ("not a key", "no PEM private key"),
        (GARBAGE_KEY, "not a readable private key"),
        (certs.cert_pem(ANCHOR), "is a CERTIFICATE, not a private key"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted"),
        (certs.key_pem(ANCHOR_KEY) + certs.key_pem(OTHER_ANCHOR_KEY), "exactly one private key"),
        (certs.key_pem(OTHER_ANCHOR_KEY), "is not the key of trust.anchor.certPem"),
    ])
    def test_anchor_key(self, key_pem, expected):
        parse_fails(with_trust(anchor=pair(certs.cert_pem(ANCHOR), key_pem)),
                    "linkerd-multicluster:trust.anchor.keyPem", expected, error=CertificateConfigError)

    def test_encrypted_traditional_key(self):
        from cryptography.hazmat.primitives import serialization

        encrypted = ANCHOR_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                             serialization.BestAvailableEncryption(b"pw")).decode()
        parse_fails(with_trust(anchor=pair(certs.cert_pem(ANCHOR), encrypted)), "trust.anchor.keyPem", "encrypted")

    @pytest.mark.parametrize("key_pem, expected", [
        (GARBAGE_KEY, "not a readable private key"),
        (certs.cert_pem(ISSUER), "is a CERTIFICATE, not a private key"),
        ("", "no PEM private key"),
        (certs.key_pem(STRANGE_ISSUER_KEY), "does not match its certificate"),
    ])
    def test_issuer_key(self, key_pem, expected):
        raw = with_changes(trust={"existingAnchorsPem": certs.cert_pem(ANCHOR)},
                           clusters={"east": cluster(issuer=pair(certs.cert_pem(ISSUER), key_pem)), "west": {"context": "west"}})
        parse_fails(raw, "linkerd-multicluster:clusters.east.issuer.keyPem", expected, error=CertificateConfigError)

    @pytest.mark.parametrize("where", ["trust.anchor.certPem", "trust.existingAnchorsPem", "clusters.east.issuer.certPem"])
    @pytest.mark.parametrize("cert_pem, expected", [
        (GARBAGE_CERT, "not a readable X.509 certificate"),
        ("garbage", "no PEM certificate found"),
        (certs.key_pem(ANCHOR_KEY), "not a CERTIFICATE"),
    ])
    def test_certificates(self, where, cert_pem, expected):
        trust = {"existingAnchorsPem": certs.cert_pem(ANCHOR)}
        east = cluster()
        if where == "trust.anchor.certPem":
            trust = {"anchor": pair(cert_pem, certs.key_pem(ANCHOR_KEY))}
        elif where == "trust.existingAnchorsPem":
            trust = {"existingAnchorsPem": cert_pem}
        else:
            east = cluster(issuer=pair(cert_pem, certs.key_pem(ISSUER_KEY)))
        raw = with_changes(trust=trust, clusters={"east": east, "west": {"context": "west"}})
        parse_fails(raw, f"linkerd-multicluster:{where}", expected, error=CertificateConfigError)

    def test_two_certificates_as_the_issuer(self):
        raw = with_changes(trust={"existingAnchorsPem": certs.cert_pem(ANCHOR)},
                           clusters={"east": cluster(issuer=pair(certs.bundle_pem(ISSUER, ANCHOR), certs.key_pem(ISSUER_KEY))),
                                     "west": {"context": "west"}})
        parse_fails(raw, "clusters.east.issuer.certPem", "holds 2 certificates")

    def test_expired_anchor_is_refused_before_anything_runs(self):
        past = certs.utcnow() - dt.timedelta(days=4000)
        old, old_key = certs.make_anchor(not_before=past, not_after=past + dt.timedelta(days=365))
        fails_before_registering(with_trust(anchor={"certPem": certs.cert_pem(old), "keyPem": Secure(certs.key_pem(old_key))}),
                                 "trust.anchor.certPem", "has expired", error=CertificateConfigError)

    def test_mismatched_anchor_key_end_to_end(self):
        fails_before_registering(
            with_trust(anchor={"certPem": certs.cert_pem(ANCHOR), "keyPem": Secure(certs.key_pem(OTHER_ANCHOR_KEY))}),
            "linkerd-multicluster:trust.anchor.keyPem", "is not the key of trust.anchor.certPem")


class TestPlaintextKeys:
    def test_a_key_anywhere_in_a_plaintext_key_must_be_secret(self):
        """The guard descends into lists: a key in a wrongly shaped block is still in the stack file."""
        cfg = with_east(issuer=[pair(certs.cert_pem(ISSUER), certs.key_pem(ISSUER_KEY))])
        fails_before_registering(cfg, "linkerd-multicluster:clusters.east.issuer[0].keyPem: a private key must be secret config",
                                 "--path 'clusters.east.issuer[0].keyPem'")

    def test_the_guard_survives_wrong_shapes(self):
        fails_before_registering(with_changes(clusters=["east"], trust=["x"]), "linkerd-multicluster:clusters: must be a map")

    def settings_file(self, tmp_path, monkeypatch, west_key: object) -> dict:
        """Two clusters with supplied issuers; east's key set with `--secret --path`, west's as given.
        Writes `Pulumi.dev.yaml` as the CLI would keep it and runs the program from that folder."""
        import yaml

        monkeypatch.chdir(tmp_path)
        ciphertext = {"secure": "v1:AAAA"}
        doc = {"config": {"linkerd-multicluster:trust": {"existingAnchorsPem": certs.cert_pem(ANCHOR)},
                          "linkerd-multicluster:clusters": {
                              "east": {"context": "east", "issuer": {"certPem": certs.cert_pem(ISSUER), "keyPem": ciphertext}},
                              "west": {"context": "west", "issuer": {"certPem": certs.cert_pem(ISSUER),
                                                                     "keyPem": ciphertext if west_key is Secure else west_key}}}}}
        (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(doc))
        key = Secure(certs.key_pem(ISSUER_KEY))
        return with_changes(trust={"existingAnchorsPem": certs.cert_pem(ANCHOR)}, clusters={
            "east": {"context": "east", "issuer": pair(certs.cert_pem(ISSUER), key)},
            "west": {"context": "west", "issuer": pair(certs.cert_pem(ISSUER), key if west_key is Secure else west_key)}})

    def test_one_secret_leaf_does_not_cover_a_plaintext_sibling(self, tmp_path, monkeypatch):
        """`--secret --path` on east's key makes all of `clusters` secret for the CLI; west's key,
        set without `--secret`, still lies in plaintext in Pulumi.dev.yaml."""
        cfg = self.settings_file(tmp_path, monkeypatch, west_key=certs.key_pem(ISSUER_KEY))
        message = fails_before_registering(cfg, "linkerd-multicluster:clusters.west.issuer.keyPem: a private key must be secret config")
        assert "clusters.east" not in message

    def test_the_tools_refuse_the_plaintext_sibling_too(self, tmp_path, monkeypatch):
        """The same settings file read by the tools (`loader.read_stack_file`): the secure leaf
        stays a `{secure: …}` map (nothing decrypts it there), the plaintext one is refused."""
        cfg = self.settings_file(tmp_path, monkeypatch, west_key=certs.key_pem(ISSUER_KEY))
        program = fails_before_registering(cfg)
        with pytest.raises(ConfigError) as err:
            config_module.read_stack_file(tmp_path / "Pulumi.dev.yaml")
        assert str(err.value) == program
        self.settings_file(tmp_path, monkeypatch, west_key=Secure)
        raw = config_module.read_stack_file(tmp_path / "Pulumi.dev.yaml")
        assert raw["clusters"]["west"]["issuer"]["keyPem"] == {"secure": "v1:AAAA"}

    def test_every_leaf_secure_in_the_settings_file_passes(self, tmp_path, monkeypatch):
        cfg = self.settings_file(tmp_path, monkeypatch, west_key=Secure)
        assert run_program(cfg).monitor.by_type("kubernetes:multicluster.linkerd.io/v1alpha3:Link")

    def test_a_secret_top_level_key_covers_its_leaves(self):
        """The CLI reports secrecy per top-level key (PULUMI_CONFIG_SECRET_KEYS); without a stack
        settings file at hand (config from elsewhere), that is all there is to go by."""
        cfg = with_changes(trust={"anchor": {"certPem": certs.cert_pem(ANCHOR), "keyPem": Secure(certs.key_pem(ANCHOR_KEY))}})
        run = run_program(cfg)
        assert run.monitor.by_type("kubernetes:multicluster.linkerd.io/v1alpha3:Link")


class TestKubeconfigs:
    """Defect: a kubeconfig that is no kubeconfig crashed in context_server (then in providers.py, now config/kubeconfig.py)."""

    @pytest.fixture(params=["directory", "binary", "yaml-list", "yaml-string", "bad-yaml", "contexts-map", "missing"])
    def bad_kubeconfig(self, request, tmp_path):
        path = tmp_path / "kubeconfig"
        content = {
            "binary": b"\xff\xfe\x00\x81garbage",
            "yaml-list": b"- a\n- b\n",
            "yaml-string": b"just some text\n",
            "bad-yaml": b"contexts: [\n",
            "contexts-map": b"contexts: {east: {cluster: east}}\n",
        }.get(request.param)
        if request.param == "directory":
            path.mkdir()
        elif content is not None:
            path.write_bytes(content)
        return path

    def test_cluster_kubeconfig(self, bad_kubeconfig):
        fails_before_registering(with_east(kubeconfig=str(bad_kubeconfig)),
                                 "linkerd-multicluster:clusters.east.kubeconfig", "kubeconfig")

    def test_kubeconfig_environment_variable(self, bad_kubeconfig, monkeypatch):
        monkeypatch.setenv("KUBECONFIG", str(bad_kubeconfig))
        if not bad_kubeconfig.exists():
            # kubectl skips a missing file of $KUBECONFIG; then the context is simply not found
            fails_before_registering(BASE, "clusters.east.apiServerAddress", "context 'east' was not found")
            return
        fails_before_registering(BASE, "$KUBECONFIG", "linkerd-multicluster:clusters.east")

    def test_a_broken_kubeconfig_of_the_second_cluster_stops_the_first_too(self, tmp_path):
        """The lookup used to happen while the clusters were being created, one after the other."""
        (tmp_path / "k").write_text("[]")
        cfg = with_changes(clusters={"east": {"context": "east"}, "west": {"context": "west", "kubeconfig": str(tmp_path / "k")}},
                           links=[{"source": "west", "target": "east"}, {"source": "east", "target": "west"}])
        fails_before_registering(cfg, "clusters.west.kubeconfig")

    def test_kubeconfig_server_that_is_not_a_url(self, tmp_path):
        (tmp_path / "k").write_text("contexts: [{name: east, context: {cluster: c}}]\n"
                                    "clusters: [{name: c, cluster: {server: 'https://[::1'}}]\n")
        fails_before_registering(with_east(kubeconfig=str(tmp_path / "k")), "clusters.east.apiServerAddress", "not an https:// URL")


class TestRepository:
    @pytest.mark.parametrize("repository", ["http://helm.linkerd.io/edge", "helm.linkerd.io/edge", "https://", "ftp://x"])
    def test_repository_must_be_https_or_oci(self, repository):
        parse_fails(with_changes(linkerd={"repository": repository}), "linkerd-multicluster:linkerd.repository", "https://")

    def test_plain_http_repository_end_to_end(self):
        fails_before_registering(with_changes(linkerd={"repository": "http://helm.linkerd.io/edge"}),
                                 "linkerd-multicluster:linkerd.repository")

    @pytest.mark.parametrize("repository", ["https://helm.linkerd.io/edge", "oci://ghcr.io/linkerd/charts"])
    def test_https_and_oci_are_accepted(self, repository):
        assert config_module.parse(with_changes(linkerd={"repository": repository})).linkerd.repository == repository


@pytest.mark.parametrize("value", [10**400, 2**60, [1, -(2**54)]])
def test_numbers_helm_values_cannot_carry(value):
    """Pulumi sends numbers as float64: 10**400 overflowed only when the chart was registered."""
    parse_fails(with_changes(linkerd={"extraValues": {"controlPlane": {"controllerReplicas": value}}}),
                "linkerd-multicluster:linkerd.extraValues.controlPlane.controllerReplicas", "2^53")
