"""The trust protocol tried as an attacker would (issue 19): what a leaked issuer key can mint, what
a member may ask the anchor's stack to sign, and what one member's bad outputs can do to the
anchor's stack. Everything runs the program on the engine model; certificates are the ones the
mocks mint from the program's pulumi-tls inputs (harness/minting.py), checked with
`cryptography`'s RFC 5280 path verifier.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID

import certs
from harness.engine import Engine
from harness.program import Run
from scenarios import CHART, SECRET

ONE = {"clusters": {"east": {"context": "east"}}}
TLS_CERT = "tls:index/selfSignedCert:SelfSignedCert"


def deployed_issuer(run: Run, cluster: str) -> tuple[x509.Certificate, x509.Certificate, Any]:
    """(anchor, issuer certificate, issuer key) as the cluster's control plane got them."""
    values = run.monitor.one(CHART, f"{cluster}-linkerd-control-plane").inputs["values"]
    [anchor] = x509.load_pem_x509_certificates(values["identityTrustAnchorsPEM"].encode())
    data = run.monitor.one(SECRET, f"{cluster}-identity-issuer").inputs["stringData"]
    key = serialization.load_pem_private_key(data["tls.key"].encode(), password=None)
    return anchor, x509.load_pem_x509_certificate(data["tls.crt"].encode()), key


def _sign(subject: str, public_key, issuer: x509.Certificate, issuer_key, ca: bool,
          dns: str | None = None, lifetime: dt.timedelta = dt.timedelta(hours=1)) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer.subject).public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + lifetime)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def verifies(anchor: x509.Certificate, leaf: x509.Certificate, chain: list[x509.Certificate], dns: str,
             at: dt.datetime | None = None) -> bool:
    """Whether an RFC 5280 path verifier (path lengths and validity included) accepts `leaf`
    through `chain`, now or `at`."""
    # Only the path rules matter here (Linkerd's certificates lack some of what the Web PKI asks).
    required = verification.ExtensionPolicy.permit_all().require_present
    ca_policy = required(x509.BasicConstraints, verification.Criticality.AGNOSTIC, None)
    ee_policy = required(x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC, None)
    builder = verification.PolicyBuilder().time(at) if at is not None else verification.PolicyBuilder()
    verifier = (builder.store(verification.Store([anchor]))
                .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy)
                .build_server_verifier(verification.DNSName(dns)))
    try:
        verifier.verify(leaf, chain)
    except verification.VerificationError:
        return False
    return True


# -- finding 1: what a leaked issuer key can sign ------------------------------------------------

def test_a_leaked_issuer_key_mints_workload_identities_but_no_ca_that_chains_to_the_anchor():
    engine = Engine()
    engine.init("east")
    anchor, issuer, issuer_key = deployed_issuer(engine.up("east", ONE), "east")
    identity = "default.test.serviceaccount.identity.linkerd.cluster.local"
    key = ec.generate_private_key(ec.SECP256R1())
    # what the README says a leaked issuer key gives: any workload identity, in every cluster
    leaf = _sign(identity, key.public_key(), issuer, issuer_key, ca=False, dns=identity,
                 lifetime=dt.timedelta(days=36500))  # any lifetime it likes ...
    assert verifies(anchor, leaf, [issuer], identity)
    # ... accepted until the leaked issuer expires (there is no revocation)
    assert verifies(anchor, leaf, [issuer], identity, at=issuer.not_valid_after_utc - dt.timedelta(hours=1))
    assert not verifies(anchor, leaf, [issuer], identity, at=issuer.not_valid_after_utc + dt.timedelta(hours=1))
    # but not a CA of its own: the anchor's pathlen:1 leaves room for the issuer only
    sub_ca = _sign("rogue.linkerd.cluster.local", key.public_key(), issuer, issuer_key, ca=True)
    below = _sign(identity, ec.generate_private_key(ec.SECP256R1()).public_key(), sub_ca, key, ca=False, dns=identity)
    assert not verifies(anchor, below, [sub_ca, issuer], identity)
    assert anchor.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 1
    # the issuer's own pathlen:0 cannot be expressed with pulumi-tls: it has none
    assert issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length is None


def test_an_anchor_generated_before_it_had_a_path_length_is_kept_until_the_next_generation():
    engine = Engine()
    engine.init("east")
    engine.up("east", ONE)
    [cert] = [r for r in engine.state("east").values() if r.typ == TLS_CERT and r.name == "trust-anchor-cert"]
    cert.inputs.pop("maxPathLength")  # the state an earlier version of the program left
    assert engine.preview("east", ONE).plan() == {}  # no new bundle outside a rotation
    rotated = {**ONE, "trust": {"rotation": "add-anchor"}}
    run = engine.up("east", rotated)
    new = run.monitor.one(TLS_CERT, "trust-anchor-g1-cert").inputs
    assert new["maxPathLength"] == 1 and "trust-anchor-cert" not in run.plan().get("replace", [])


# -- findings 2 to 5: what the anchor's stack signs for a member, and what a member can break ----

def fq(stack: str) -> str:
    return f"organization/linkerd-multicluster/{stack}"


MEMBERS = [{"stack": fq("west"), "clusters": ["west"]}, {"stack": fq("north"), "clusters": ["north"]}]
ANCHOR_STACK = {"trust": {"members": MEMBERS}, "clusters": {"east": {"context": "east"}}}
ISSUER_CN = "identity.linkerd.cluster.local"
MEMBER_CERT = "tls:index/locallySignedCert:LocallySignedCert"


def request(cn: str | None = ISSUER_CN, key=None, sans: list[x509.GeneralName] = (),
            extension: x509.ExtensionType | None = None) -> str:
    """A member's issuer request as a member could publish it (pulumi-tls would make any of these)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    if extension is not None:
        builder = builder.add_extension(extension, critical=True)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def anchor_run(published: dict[str, dict[str, Any]], config: dict | None = None, preview: bool = False) -> Run:
    """Stack east (the anchor's) after its members published `published` (stack -> outputs)."""
    engine = Engine()
    engine.init("east", "west", "north")
    for stack, outputs in published.items():
        engine.stacks[fq(stack)].outputs = outputs
    run = (engine.preview if preview else engine.up)("east", config or ANCHOR_STACK)
    return run


def signed_for(run: Run) -> dict[str, x509.Certificate]:
    """Cluster -> certificate the anchor's stack registered for a member (what it would sign)."""
    return {r.name.removesuffix("-member-issuer-cert"): r for r in run.monitor.by_type(MEMBER_CERT)
            if r.name.endswith("-member-issuer-cert")}


def requests(**clusters: str) -> dict[str, Any]:
    return {"issuerRequests": {c: {"generation": 0, "csrPem": pem} for c, pem in clusters.items()}}


def warned(run: Run, *words: str) -> bool:
    return any(all(w in warning for w in words) for warning in run.warnings)


def test_a_plain_issuer_request_is_signed_as_asked_with_the_issuer_name():
    run = anchor_run({"west": requests(west=request())})
    cert = x509.load_pem_x509_certificate(run.outputs["signedIssuers"]["west"]["certPem"].encode())
    assert cert.subject.rfc4514_string() == "CN=identity.linkerd.cluster.local"
    assert [type(e.value) for e in cert.extensions if isinstance(e.value, x509.SubjectAlternativeName)] == []
    assert run.outputs["signedIssuers"]["west"]["stack"] == fq("west")


@pytest.mark.parametrize("pem, asked", [
    # named like the anchor (linkerd/linkerd2#5350), or like anything else
    (lambda: request(cn="root.linkerd.cluster.local"), "asks for subject 'CN=root.linkerd.cluster.local'"),
    (lambda: request(cn="identity.linkerd.evil.example"), "asks for subject 'CN=identity.linkerd.evil.example'"),
    # names of other identities and hosts, which the signed CA would carry
    (lambda: request(sans=[x509.DNSName("east-gateway.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local"),
                           x509.UniformResourceIdentifier("spiffe://cluster.local/ns/x/sa/y")]),
     "asks for subjectAltName east-gateway.linkerd-multicluster.serviceaccount"),
    (lambda: request(extension=x509.BasicConstraints(ca=True, path_length=None)), "asks for BasicConstraints"),
], ids=["anchor-name", "other-name", "sans", "extension"])
def test_the_anchors_stack_refuses_requests_that_ask_for_more_than_an_issuer(pem, asked):
    run = anchor_run({"west": requests(west=pem()), "north": requests(north=request())})
    assert set(signed_for(run)) == {"north"}  # west's is refused, north's goes through
    assert set(run.outputs["signedIssuers"]) == {"north"}
    rule = "issuers are signed as CN=identity.linkerd.cluster.local only" if "subject '" in asked \
        else "an issuer request carries no extension"
    assert warned(run, f"stack {fq('west')}", "'west'", asked, rule)
    assert run.monitor.one(CHART, "east-linkerd-control-plane")  # east's own cluster is installed


@pytest.mark.parametrize("pem, why", [
    (lambda: request(cn=None), "asks for subject '(empty)'"),  # pulumi-tls refuses a CA without a subject
    (lambda: request(sans=[x509.DNSName(f"n{i}.example") for i in range(20000)]), "characters; an issuer request is under"),
], ids=["empty-subject", "megabytes"])
def test_requests_the_update_would_fail_on_are_refused_in_the_preview(pem, why):
    preview = anchor_run({"west": requests(west=pem())}, preview=True)
    assert signed_for(preview) == {}
    assert warned(preview, f"stack {fq('west')}", why)


def test_a_member_gets_certificates_only_for_the_clusters_trust_members_gives_it():
    made_up = {f"made-up-{i}": request() for i in range(300)}
    run = anchor_run({"west": requests(west=request(), north=request(), **made_up),
                      "north": requests(north=request())})
    assert {c: r.inputs["certRequestPem"] for c, r in signed_for(run).items()}.keys() == {"west", "north"}
    assert run.outputs["signedIssuers"]["north"]["stack"] == fq("north")  # west could not take north first
    [warning] = [w for w in run.warnings if fq("west") in w]  # one warning, not 301
    assert "'made-up-0': trust.members gives this stack the clusters west only" in warning
    assert "and 298 more" in warning


def refusal(cluster: str, why: str, stack: str = "west") -> str:
    """The warning the anchor's stack gives for one refused request of `stack`."""
    return f"stack {fq(stack)}: issuerRequests not signed for {cluster!r}: {why}"


def test_one_key_one_request():
    key = ec.generate_private_key(ec.SECP256R1())
    run = anchor_run({"west": requests(west=request(key=key)), "north": requests(north=request(key=key))})
    assert list(signed_for(run)) == ["north"]  # stacks are read in order: north's came first
    assert run.warnings == [refusal("west", f"its key is the key of the request for 'north' of {fq('north')}; "
                                            "one key, one request")]


def test_one_key_one_request_within_one_member_and_other_keys_each_get_their_certificate():
    """Requests are told apart by their key, not their text: two requests for one key (a member
    asking twice for the same issuer) get one certificate; every other key gets its own."""
    key = ec.generate_private_key(ec.SECP256R1())
    config = {**ANCHOR_STACK, "trust": {"members": [{"stack": fq("west"), "clusters": ["west", "west-2", "west-3"]},
                                                    *MEMBERS[1:]]}}
    west = requests(north=request(), **{"west-2": request(key=key), "west-3": request()})
    west["issuerRequests"]["west"] = {"generation": 1, "csrPem": request(key=key)}  # re-keyed once
    run = anchor_run({"west": west, "north": requests(north=request())}, config)
    signed = signed_for(run)
    assert set(signed) == {"west", "north", "west-3"}  # the clusters are read in order: west's came first
    keys = {c: x509.load_pem_x509_csr(r.inputs["certRequestPem"].encode()).public_key() for c, r in signed.items()}
    assert keys["west"] == key.public_key() and len({k.public_bytes(serialization.Encoding.DER,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
                                                    for k in keys.values()}) == 3
    assert run.warnings == [refusal("north", "trust.members gives this stack the clusters west, west-2, west-3 only; "
                                             f"'west-2': its key is the key of the request for 'west' of {fq('west')}; "
                                             "one key, one request")]


PADDED = 4096
"""The longest request text the anchor's stack reads (a plain one is under 500 characters)."""


@pytest.mark.parametrize("length, signed", [(PADDED, True), (PADDED + 1, False)])
def test_a_request_is_read_up_to_its_length_limit(length, signed):
    plain = request()
    run = anchor_run({"west": requests(west=plain + "\n" * (length - len(plain)))})
    assert ("west" in signed_for(run)) is signed
    assert run.warnings == ([] if signed else [
        refusal("west", f"the request is {PADDED + 1} characters; an issuer request is under {PADDED}")])


OTHER_OID = x509.ObjectIdentifier("1.3.6.1.4.1.99999.7")


@pytest.mark.parametrize("sans, extension, asked", [
    ([x509.DNSName("a.example"), x509.UniformResourceIdentifier("spiffe://x/y"),
      x509.IPAddress(__import__("ipaddress").ip_address("10.0.0.1"))], None,
     "subjectAltName a.example, spiffe://x/y, 10.0.0.1"),
    ([x509.DNSName(f"n{i}.example") for i in range(4)], None, "subjectAltName n0.example, n1.example, n2.example, ..."),
    ([], x509.UnrecognizedExtension(OTHER_OID, b"\x05\x00"), f"extension {OTHER_OID.dotted_string}"),
    ([x509.DNSName("a.example")], x509.KeyUsage(True, False, False, False, False, True, True, False, False),
     "subjectAltName a.example; KeyUsage"),
], ids=["three-names", "four-names", "unknown-extension", "two-extensions"])
def test_a_refused_extension_is_named_as_the_request_asks_for_it(sans, extension, asked):
    run = anchor_run({"west": requests(west=request(sans=sans, extension=extension))})
    assert signed_for(run) == {}
    assert run.warnings == [refusal("west", f"it asks for {asked}; an issuer request carries no extension")]


@pytest.mark.parametrize("count", [3, 4])
def test_a_members_refused_requests_are_one_warning_naming_the_first_three(count):
    """A cluster name is cut at 64 characters: a member cannot make the warning as long as it likes."""
    names = ["zz", "x" * 100, "b", "a"][-count:]  # read in order: a, b, x..., zz
    run = anchor_run({"west": requests(**{n: request() for n in names})})
    why = "trust.members gives this stack the clusters west only"
    listed = "; ".join(f"{n!r}: {why}" for n in ["a", "b", "x" * 64])
    assert run.warnings == [f"stack {fq('west')}: issuerRequests not signed for {listed}"
                            + ("; and 1 more" if count == 4 else "")]


STRANGER_ANCHOR = certs.make_anchor(cn="root.stranger")
STRANGER = certs.cert_pem(STRANGER_ANCHOR[0])
UNREADABLE = f"{fq('west')} reports what it installed unreadably (%s); a trust rotation step waits until it reports readably"
NOT_A_MAP = (f"stack {fq('west')}: output issuerRequests is %s, not a map of cluster to {{generation, csrPem}}; "
             "nothing of it is signed")


@pytest.mark.parametrize("west_outputs, what", [
    ({"issuerRequests": ["not", "a", "map"]}, NOT_A_MAP % "list"),
    ({"issuerRequests": "text"}, NOT_A_MAP % "str"),
    (requests(west="-----BEGIN CERTIFICATE REQUEST-----\nbm9wZQ==\n-----END CERTIFICATE REQUEST-----\n"),
     refusal("west", "not a readable PEM certificate request (")),
    ({"issuerRequests": {"west": {"csrPem": 42}}}, refusal("west", "expected {generation, csrPem}")),
    ({"trustAnchorsPem": "not a bundle", "issuerCertsPem": {}},
     UNREADABLE % f"trustAnchorsPem of {fq('west')}: no PEM certificate found"),
    ({"trustAnchorsPem": "x", "issuerCertsPem": ["wrong"]},
     UNREADABLE % "trustAnchorsPem must be PEM text and issuerCertsPem a map of cluster to {generation, certPem}"),
    ({"trustAnchorsPem": STRANGER, "issuerCertsPem": {"west": "text"}},
     UNREADABLE % f"issuerCertsPem.west of {fq('west')} must be {{generation, certPem}}"),
    ({"trustAnchorsPem": STRANGER, "issuerCertsPem": {"west": {"generation": 0, "certPem": "nope"}}},
     UNREADABLE % f"issuerCertsPem.west of {fq('west')}: no PEM certificate found"),
], ids=["list", "text", "bad-pem", "bad-entry", "bad-bundle", "bad-issuers", "bad-issuer-entry", "bad-issuer-cert"])
def test_one_members_malformed_outputs_do_not_stop_the_anchors_stack(west_outputs, what):
    run = anchor_run({"west": west_outputs, "north": requests(north=request())})
    assert "north" in run.outputs["signedIssuers"] and "west" not in run.outputs["signedIssuers"]
    assert run.monitor.one(CHART, "east-linkerd-control-plane")
    [warning] = run.warnings
    assert warning.startswith(what) if what.endswith("(") else warning == what


def test_a_member_read_first_that_publishes_no_map_does_not_stop_the_next_ones():
    run = anchor_run({"north": {"issuerRequests": "text"}, "west": requests(west=request())})
    assert set(run.outputs["signedIssuers"]) == {"west"}
    assert run.warnings == [NOT_A_MAP.replace(fq("west"), fq("north")) % "str"]


def test_a_rotation_step_waits_for_a_member_whose_report_cannot_be_read():
    config = {**ANCHOR_STACK, "trust": {**ANCHOR_STACK["trust"], "rotation": "add-anchor"}}
    with pytest.raises(Exception, match=r"trust rotation held back \(add-anchor\): organization/linkerd-multicluster/"
                                        r"west reports what it installed unreadably \(trustAnchorsPem of "):
        anchor_run({"west": {"trustAnchorsPem": "not a bundle", "issuerCertsPem": {}}}, config)


@pytest.mark.parametrize("north", [{}, {"trustAnchorsPem": "not a bundle", "issuerCertsPem": {}}],
                         ids=["north-never-ran", "north-unreadable"])
def test_the_anchors_stack_names_every_member_that_would_lag_and_what_it_lacks(north):
    """A member that installed the bundle and issuer of another anchor: every problem is named, so
    the user knows which stacks to run first, whatever the members read before it."""
    issuer, _ = certs.make_issuer(*STRANGER_ANCHOR)
    report = {"trustAnchorsPem": STRANGER, "issuerCertsPem": {"west": {"generation": 0, "certPem": certs.cert_pem(issuer)},
                                                               "north": {"generation": 0, "certPem": "not read"}}}
    config = {**ANCHOR_STACK, "trust": {"members": [{"stack": fq("west"), "clusters": ["west-2", "west"]}, *MEMBERS[1:]],
                                        "rotation": "add-anchor"}}
    with pytest.raises(Exception) as held:
        anchor_run({"west": report, "north": north}, config)
    unreadable_north = f"; {fq('north')} reports what it installed unreadably (" if north else ""
    message = str(held.value)
    assert f"trust rotation held back (add-anchor): {fq('west')} does not trust the new anchor yet (its clusters have " \
           f"the bundle of an earlier step); {fq('west')} still runs cluster 'west' on an issuer of the anchor this step " \
           f"removes{unreadable_north}" in message
    assert message.endswith(". Run `pulumi up` on those stacks (they install the current step), then run this stack again")


def test_a_member_reporting_another_anchors_trust_cannot_stop_a_run_that_changes_no_trust():
    """Issue 19, finding 4: one member's report must not freeze the anchor's own clusters. A run
    with no rotation step breaks no member's trust; the member is named in a warning instead."""
    issuer, _ = certs.make_issuer(*STRANGER_ANCHOR)
    report = {"trustAnchorsPem": STRANGER, "issuerCertsPem": {"west": {"generation": 0, "certPem": certs.cert_pem(issuer)}}}
    run = anchor_run({"west": report, "north": requests(north=request())})
    assert run.monitor.one(CHART, "east-linkerd-control-plane")
    assert "north" in run.outputs["signedIssuers"]
    assert run.warnings == [
        f"{fq('west')} does not trust the new anchor yet (its clusters have the bundle of an earlier step); a trust "
        "rotation step waits until it installs the current bundle",
        f"{fq('west')} still runs cluster 'west' on an issuer of the anchor this step removes; a trust rotation step "
        "waits until it installs the current bundle"]


def test_an_unreadable_member_report_holds_back_a_new_bundle_but_not_a_run_that_keeps_it():
    engine = Engine()
    engine.init("east", "west", "north")
    engine.up("east", ANCHOR_STACK)
    engine.stacks[fq("west")].outputs = {"trustAnchorsPem": "not a bundle", "issuerCertsPem": {}}
    again = engine.up("east", ANCHOR_STACK)  # the same bundle as its last run: it goes ahead
    assert again.warnings == [UNREADABLE % f"trustAnchorsPem of {fq('west')}: no PEM certificate found"]
    more = {**ANCHOR_STACK, "trust": {**ANCHOR_STACK["trust"], "existingAnchorsPem": STRANGER}}
    with pytest.raises(Exception, match=r"trust rotation held back \(no rotation step\): organization/linkerd-multicluster/"
                                        r"west reports what it installed unreadably \(trustAnchorsPem of "):
        engine.up("east", more)


@pytest.mark.parametrize("members, error", [
    (["organization/linkerd-multicluster/west"],
     r"linkerd-multicluster:trust.members: .*members\[0\]: 'organization/linkerd-multicluster/west' must name the "
     r"clusters that stack installs: `\{stack: organization/linkerd-multicluster/west, clusters: \[<cluster>, \.\.\.\]\}`"),
    ([{"stack": fq("west"), "clusters": ["east"]}],
     r"linkerd-multicluster:trust.members\[0\].clusters: 'east' is a cluster of this stack"),
    ([{"stack": fq("west"), "clusters": ["west"]}, {"stack": fq("north"), "clusters": ["west"]}],
     r"members\[1\].clusters: 'west' is also given to organization/linkerd-multicluster/west"),
    ([{"stack": fq("west"), "clusters": [f"c{i}" for i in range(33)]}],
     r"linkerd-multicluster:trust.members\[0\].clusters: "),
], ids=["old-form", "own-cluster", "two-members", "cap"])
def test_trust_members_must_tie_each_member_to_its_clusters(members, error):
    engine = Engine()
    engine.init("east", "west", "north")
    with pytest.raises(Exception, match=error):
        engine.up("east", {**ANCHOR_STACK, "trust": {"members": members}})
    assert engine.state("east") == {}


# -- finding 6: what the program itself refuses before the policy pack sees it -------------------

@pytest.mark.parametrize("key, what", [("privileged", "privileged"), ("runAsRoot", "root")])
def test_a_privileged_or_root_proxy_init_is_a_config_error_before_anything_is_registered(key, what):
    engine = Engine()
    engine.init("east")
    config = {**ONE, "linkerd": {"extraValues": {"controlPlane": {"proxyInit": {key: True}}}}}
    with pytest.raises(Exception, match=rf"linkerd-multicluster:linkerd.extraValues.controlPlane.proxyInit.{key}: "
                                        rf"true makes the injector add a {what} proxy-init container to every meshed pod"):
        engine.up("east", config)
    assert engine.state("east") == {}
    unprivileged = {**ONE, "linkerd": {"extraValues": {"controlPlane": {"proxyInit": {key: False}}}}}
    assert engine.up("east", unprivileged).monitor.one(CHART, "east-linkerd-control-plane")
