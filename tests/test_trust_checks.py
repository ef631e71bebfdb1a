"""Linkerd's certificate rules as the user meets them: supplied certificates and keys that `linkerd
check` (or the proxies) would refuse stop the program before anything is registered, with a message
that names the config key and the certificate; what Linkerd accepts is installed as given.

Every case runs the program (tests/harness/program.py); the certificates are made with
`cryptography` (tests/certs.py), never by the program.
"""
from __future__ import annotations

import datetime as dt
import functools

import pytest
from cryptography.hazmat.primitives import serialization

import certs
from harness.program import Run, Secure, run_program
from scenarios import CHART, SECRET
from validation import split_pem_bundle

TWO = {"east": {"context": "east"}, "west": {"context": "west"}}
KEY = "linkerd-multicluster"


def refused(cfg: dict, *patterns: str) -> str:
    """The program's error for `cfg`, which must contain every pattern."""
    with pytest.raises(Exception) as caught:
        run_program(cfg)
    message = str(caught.value)
    for pattern in patterns:
        assert pattern in message, message
    return message


def bundle_of(run: Run) -> list:
    [bundle] = {c.inputs["values"]["identityTrustAnchorsPEM"] for c in run.monitor.by_type(CHART)
                if c.inputs["chart"] == "linkerd-control-plane"}
    return split_pem_bundle(bundle)


def supplied_anchor(anchor, key) -> dict:
    return {"trust": {"anchor": {"certPem": certs.cert_pem(anchor), "keyPem": Secure(certs.key_pem(key))}}, "clusters": TWO}


@functools.cache
def rsa_anchor(bits: int):
    return certs.make_anchor(key_type="rsa", rsa_bits=bits)


TOMORROW = certs.utcnow() + dt.timedelta(days=1)


class TestNotValidYet:
    """A certificate whose notBefore is in the future: Linkerd's identity controller and `linkerd
    check` refuse it until then, so installing it would leave the mesh without identities."""

    def test_a_supplied_issuer_not_valid_yet_is_refused_naming_its_key(self):
        anchor, anchor_key = certs.make_anchor()
        issuer, key = certs.make_issuer(anchor, anchor_key, not_before=TOMORROW)
        cfg = {"trust": {"existingAnchorsPem": certs.cert_pem(anchor)},
               "clusters": {**TWO, "east": {"context": "east", "issuer": {
                   "certPem": certs.cert_pem(issuer), "keyPem": Secure(certs.key_pem(key))}}}}
        refused(cfg, f"{KEY}:clusters.east.issuer", f"is not valid before {TOMORROW:%Y-%m-%d %H:%M}Z")

    def test_a_supplied_anchor_not_valid_yet_is_refused_naming_its_key(self):
        anchor, key = certs.make_anchor(not_before=TOMORROW)
        refused(supplied_anchor(anchor, key), f"{KEY}:trust.anchor.certPem", "trust anchor", "is not valid before")

    def test_an_existing_anchor_not_valid_yet_is_refused_naming_its_position(self):
        good, _ = certs.make_anchor()
        later, _ = certs.make_anchor(not_before=TOMORROW)
        message = refused({"trust": {"existingAnchorsPem": certs.bundle_pem(good, later)}, "clusters": TWO},
                          f"{KEY}:trust.existingAnchorsPem certificate 2", "is not valid before")
        assert "certificate 1" not in message

    def test_a_certificate_valid_since_a_minute_ago_is_installed(self):
        anchor, key = certs.make_anchor(not_before=certs.utcnow() - dt.timedelta(minutes=1))
        run = run_program(supplied_anchor(anchor, key))
        assert bundle_of(run) == [anchor]


class TestAnchorKeys:
    """`linkerd check` accepts trust anchors with ECDSA P-256 or RSA 2048/4096 keys
    (pkg/issuercerts/issuercerts.go); any other size is refused."""

    def test_an_rsa_3072_anchor_is_refused_naming_its_key(self):
        anchor, key = rsa_anchor(3072)
        refused(supplied_anchor(anchor, key), f"{KEY}:trust.anchor.certPem", "is RSA-3072", "RSA 2048 or 4096")

    def test_an_rsa_3072_existing_anchor_is_refused(self):
        anchor, _ = rsa_anchor(3072)
        refused({"trust": {"existingAnchorsPem": certs.cert_pem(anchor)}, "clusters": TWO},
                f"{KEY}:trust.existingAnchorsPem certificate 1", "is RSA-3072")

    @pytest.mark.parametrize("bits", [2048, 4096])
    def test_rsa_anchors_linkerd_accepts_sign_the_issuers(self, bits):
        anchor, key = rsa_anchor(bits)
        run = run_program(supplied_anchor(anchor, key))
        assert bundle_of(run) == [anchor]
        for cluster in TWO:
            issuer = run.monitor.one(SECRET, f"{cluster}-identity-issuer").inputs["stringData"]["tls.crt"]
            [cert] = split_pem_bundle(issuer)
            assert cert.issuer == anchor.subject

    def test_an_ecdsa_anchor_on_another_curve_is_refused(self):
        from cryptography.hazmat.primitives.asymmetric import ec

        anchor, key = certs.make_anchor(curve=ec.SECP384R1())
        refused(supplied_anchor(anchor, key), f"{KEY}:trust.anchor.certPem", "uses curve secp384r1")


ANCHOR, ANCHOR_KEY = certs.make_anchor()
DAMAGED_KEY = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"


class TestWhatTheUserIsTold:
    """The whole line the user reads for each unusable supplied key or certificate: it names the
    config key and says what to give instead."""

    @pytest.mark.parametrize("key_pem, line", [
        ("not a key", "no PEM private key found (a `-----BEGIN EC PRIVATE KEY-----` or "
                      "`-----BEGIN PRIVATE KEY-----` block)"),
        (certs.key_pem(ANCHOR_KEY) + "trailing words", "text outside the PEM block"),
        (DAMAGED_KEY, "not a readable private key (damaged base64 or DER, or an unsupported key type)"),
    ])
    def test_an_unusable_anchor_key(self, key_pem, line):
        cfg = {"trust": {"anchor": {"certPem": certs.cert_pem(ANCHOR), "keyPem": Secure(key_pem)}}, "clusters": TWO}
        assert f"  {KEY}:trust.anchor.keyPem: {line}" in refused(cfg).splitlines()

    def test_a_certificate_without_a_subject_is_described_as_such(self):
        """`describe` is how every certificate message names the certificate."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        key = certs.new_key()
        now = certs.utcnow()
        nameless = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(x509.Name([]))
                    .public_key(key.public_key()).serial_number(1)
                    .not_valid_before(TOMORROW).not_valid_after(now + dt.timedelta(days=400))
                    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                    .sign(key, hashes.SHA256()))
        refused(supplied_anchor(nameless, key),
                f"{KEY}:trust.anchor.certPem: trust anchor (no subject), expires "
                f"{nameless.not_valid_after_utc:%Y-%m-%d} is not valid before")


EAST_STACK = "organization/linkerd-multicluster/east"


def member_run(bundle: str, cluster: dict) -> Exception:
    """A member stack's `up` (trust.fromStack) against an anchor's stack that publishes `bundle`:
    the error the member's user reads. Only then is the bundle known, so only the program can check."""
    from harness.mocks import StackOutputs

    cfg = {"trust": {"fromStack": EAST_STACK}, "clusters": {"west": {"context": "west", **cluster}}}
    with pytest.raises(Exception) as caught:
        # stack "member": no Pulumi.member.yaml in the folder, whose plaintext keys would be refused first
        run_program(cfg, stack="member", stacks={EAST_STACK: StackOutputs(outputs={"trustAnchorsPem": bundle}, secret_names=[])})
    return caught.value


class TestAMemberChecksWhatTheAnchorsStackPublishes:
    def test_an_expired_anchor_in_the_published_bundle_is_refused_with_every_finding(self):
        past = certs.utcnow() - dt.timedelta(days=4000)
        expired, _ = certs.make_anchor(not_before=past, not_after=past + dt.timedelta(days=3650))
        rsa_3072, _ = rsa_anchor(3072)
        message = str(member_run(certs.bundle_pem(ANCHOR, expired, rsa_3072), {}))
        assert message.splitlines() == [
            "certificate check failed:",
            f"  trust bundle of {EAST_STACK} certificate 2: trust anchor {expired.subject.rfc4514_string()}, "
            f"expires {expired.not_valid_after_utc:%Y-%m-%d} has expired",
            f"  trust bundle of {EAST_STACK} certificate 3: trust anchor {rsa_3072.subject.rfc4514_string()}, "
            f"expires {rsa_3072.not_valid_after_utc:%Y-%m-%d} is RSA-3072; Linkerd accepts RSA 2048 or 4096"]

    def test_a_supplied_issuer_of_another_anchor_is_refused(self):
        stranger, stranger_key = certs.make_anchor(cn="root.stranger")
        issuer, key = certs.make_issuer(stranger, stranger_key)
        issuer_cfg = {"issuer": {"certPem": certs.cert_pem(issuer), "keyPem": Secure(certs.key_pem(key))}}
        other, _ = certs.make_anchor(cn="root.other")
        message = str(member_run(certs.bundle_pem(ANCHOR, other), issuer_cfg))
        assert message.splitlines()[0] == "certificate check failed:"
        assert message.splitlines()[1].startswith(  # every anchor it could have chained to, named
            f"  cluster 'west' issuer: issuer {issuer.subject.rfc4514_string()}, expires "
            f"{issuer.not_valid_after_utc:%Y-%m-%d} is not signed by any anchor of the trust bundle "
            f"({ANCHOR.subject.rfc4514_string()}, expires {ANCHOR.not_valid_after_utc:%Y-%m-%d}; "
            f"CN=root.other, expires {other.not_valid_after_utc:%Y-%m-%d})")


def d(cert) -> str:
    """How the messages name a certificate: subject and expiry day."""
    return f"{cert.subject.rfc4514_string()}, expires {cert.not_valid_after_utc:%Y-%m-%d}"


def anchor_case(**kw) -> tuple[dict, object]:
    anchor, key = certs.make_anchor(**kw)
    return supplied_anchor(anchor, key), anchor


def issuer_line(**kw) -> tuple[dict, object]:
    issuer, key = certs.make_issuer(ANCHOR, ANCHOR_KEY, **kw)
    cfg = {"trust": {"existingAnchorsPem": certs.cert_pem(ANCHOR)},
           "clusters": {**TWO, "east": {"context": "east", "issuer": {
               "certPem": certs.cert_pem(issuer), "keyPem": Secure(certs.key_pem(key))}}}}
    return cfg, issuer


class TestEveryFindingReadsInFull:
    """Each rule of `linkerd check`'s identity category, broken once, and the full line the user
    reads for it (a config error names the key; the checks list every finding, one a line)."""

    def test_anchor_rules(self):
        from cryptography.hazmat.primitives import hashes

        cfg, anchor = anchor_case(key_type="ed25519")
        assert f"  {KEY}:trust.anchor.certPem: trust anchor {d(anchor)} has a Ed25519PublicKey; Linkerd accepts " \
               "ECDSA P-256 or RSA" in refused(cfg).splitlines()
        cfg, anchor = anchor_case(hash_alg=hashes.SHA384())
        assert f"  {KEY}:trust.anchor.certPem: trust anchor {d(anchor)} is not signed with SHA-256" in refused(cfg).splitlines()
        cfg, anchor = anchor_case(ca=False)
        assert f"  {KEY}:trust.anchor.certPem: trust anchor {d(anchor)} is not a CA certificate" in refused(cfg).splitlines()

    def test_an_anchor_without_basic_constraints_is_not_a_ca(self):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        key = certs.new_key()
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "root.linkerd.cluster.local")])
        bare = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(1).not_valid_before(certs.utcnow() - dt.timedelta(days=1))
                .not_valid_after(certs.utcnow() + dt.timedelta(days=400)).sign(key, hashes.SHA256()))
        assert f"  {KEY}:trust.anchor.certPem: trust anchor {d(bare)} is not a CA certificate" \
            in refused(supplied_anchor(bare, key)).splitlines()

    def test_an_anchor_signed_with_an_algorithm_nobody_knows_is_refused_not_passed(self):
        """A certificate whose signature algorithm `cryptography` cannot name (here an ECDSA OID
        that does not exist): `linkerd check` accepts only SHA-256 signatures, so this is "not
        signed with SHA-256", never a pass and never a traceback."""
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        anchor, key = certs.make_anchor()
        ecdsa_sha256 = bytes.fromhex("06082a8648ce3d040302")  # OID 1.2.840.10045.4.3.2, DER
        der = anchor.public_bytes(serialization.Encoding.DER)
        assert der.count(ecdsa_sha256) == 2, "tbsCertificate and the outer signatureAlgorithm"
        unknown = x509.load_der_x509_certificate(der.replace(ecdsa_sha256, bytes.fromhex("06082a8648ce3d040309")))
        assert f"  {KEY}:trust.anchor.certPem: trust anchor {d(unknown)} is not signed with SHA-256" \
            in refused(supplied_anchor(unknown, key)).splitlines()

    def test_issuer_rules(self):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        where = f"  {KEY}:clusters.east.issuer"
        cfg, issuer = issuer_line(curve=ec.SECP384R1())
        assert f"{where}: issuer {d(issuer)} must have an ECDSA P-256 key (has secp384r1)" in refused(cfg).splitlines()
        cfg, issuer = issuer_line(key_type="rsa")
        assert f"{where}: issuer {d(issuer)} must have an ECDSA P-256 key (has RSAPublicKey)" in refused(cfg).splitlines()
        cfg, issuer = issuer_line(hash_alg=hashes.SHA384())
        assert f"{where}: issuer {d(issuer)} must be signed with ECDSA-SHA256 or SHA256-RSA" in refused(cfg).splitlines()
        cfg, issuer = issuer_line(ca=False)
        assert f"{where}: issuer {d(issuer)} must be a CA (an intermediate CA that signs proxy certificates)" \
            in refused(cfg).splitlines()
        past = certs.utcnow() - dt.timedelta(days=400)
        cfg, issuer = issuer_line(not_before=past, not_after=past + dt.timedelta(days=365))
        assert f"{where}: issuer {d(issuer)} has expired" in refused(cfg).splitlines()

    def test_a_certificate_running_out_is_a_warning_in_full(self):
        issuer, key = certs.make_issuer(ANCHOR, ANCHOR_KEY, not_after=certs.utcnow() + dt.timedelta(days=30, hours=1))
        cfg = {"trust": {"existingAnchorsPem": certs.cert_pem(ANCHOR)},
               "clusters": {"east": {"context": "east", "issuer": {
                   "certPem": certs.cert_pem(issuer), "keyPem": Secure(certs.key_pem(key))}}}}
        run = run_program(cfg)
        assert f"cluster 'east' issuer: issuer {d(issuer)} is valid for 30 more days (`linkerd check` warns " \
               "under 60); rotate it" in run.warnings
        # and it is installed: a warning does not stop the program
        assert run.monitor.one(SECRET, "east-identity-issuer").inputs["stringData"]["tls.crt"].strip() == \
            certs.cert_pem(issuer).strip()

    @pytest.mark.parametrize("text, line", [
        # the first 30 characters of what is outside, enough to find it
        (certs.cert_pem(ANCHOR) + "this text is not part of any certificate", "text outside the PEM blocks "
                                                                               "('this text is not part of any c'...)"),
        (certs.cert_pem(ANCHOR) + certs.key_pem(ANCHOR_KEY),
         "block 2 is a EC PRIVATE KEY, not a CERTIFICATE (Linkerd's decoder stops at it and drops the anchors after it)"),
        ("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
         "block 1 is not a readable X.509 certificate (damaged base64 or DER, or a key type `cryptography` cannot read)"),
        ("no certificate here", "no PEM certificate found"),
    ])
    def test_an_unreadable_bundle(self, text, line):
        cfg = {"trust": {"existingAnchorsPem": text}, "clusters": TWO}
        assert f"  {KEY}:trust.existingAnchorsPem: {line}" in refused(cfg).splitlines()

    @pytest.mark.parametrize("key_pem, line", [
        (certs.key_pem(ANCHOR_KEY) * 2, "holds 2 PEM blocks; give exactly one private key"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
         "the key is encrypted; give it unencrypted (as secret config)"),
        (certs.cert_pem(ANCHOR), "is a CERTIFICATE, not a private key"),
        # a traditional PEM with `Proc-Type: 4,ENCRYPTED`, as `openssl ec -aes256` writes it
        (ANCHOR_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.BestAvailableEncryption(b"pw")).decode(),
         "the key is encrypted; give it unencrypted (as secret config)"),
    ])
    def test_more_unusable_anchor_keys(self, key_pem, line):
        cfg = {"trust": {"anchor": {"certPem": certs.cert_pem(ANCHOR), "keyPem": Secure(key_pem)}}, "clusters": TWO}
        assert f"  {KEY}:trust.anchor.keyPem: {line}" in refused(cfg).splitlines()


STRANGER, STRANGER_KEY = certs.make_anchor(cn="root.stranger")
EXPIRED, _ = certs.make_anchor(not_before=certs.utcnow() - dt.timedelta(days=20),
                               not_after=certs.utcnow() - dt.timedelta(days=1))


def with_issuer(issuer_pem: str, key, trust: dict) -> dict:
    return {"trust": trust, "clusters": {**TWO, "east": {"context": "east", "issuer": {
        "certPem": issuer_pem, "keyPem": Secure(certs.key_pem(key))}}}}


class TestSuppliedCertificatesInConfig:
    """Supplied anchors and issuers are checked against each other before anything is registered:
    every problem is listed, each under its key, and one problem does not hide behind another."""

    def test_an_anchor_key_of_another_certificate(self):
        _, other = certs.make_anchor()
        cfg = {"trust": {"anchor": {"certPem": certs.cert_pem(ANCHOR), "keyPem": Secure(certs.key_pem(other))}},
               "clusters": TWO}
        assert f"  {KEY}:trust.anchor.keyPem: is not the key of trust.anchor.certPem ({d(ANCHOR)}); give that " \
               "certificate's key" in refused(cfg).splitlines()

    def test_an_issuer_key_of_another_certificate(self):
        issuer, _ = certs.make_issuer(ANCHOR, ANCHOR_KEY)
        _, other = certs.make_issuer(ANCHOR, ANCHOR_KEY)
        cfg = with_issuer(certs.cert_pem(issuer), other, {"existingAnchorsPem": certs.cert_pem(ANCHOR)})
        assert f"  {KEY}:clusters.east.issuer.keyPem: the issuer's private key does not match its certificate " \
               f"({d(issuer)}); give that certificate's key" in refused(cfg).splitlines()

    def test_an_issuer_of_an_anchor_outside_the_bundle_names_both_and_the_way_out(self):
        issuer, key = certs.make_issuer(STRANGER, STRANGER_KEY)
        cfg = with_issuer(certs.cert_pem(issuer), key, {"existingAnchorsPem": certs.cert_pem(ANCHOR)})
        assert refused(cfg).splitlines() == [
            "invalid stack configuration:",
            f"  {KEY}:clusters.east.issuer.certPem: cannot serve as cluster 'east' issuer: issuer {d(issuer)} "
            f"(issued by CN=root.stranger) is not signed by any anchor of the trust bundle ({d(ANCHOR)}); proxies "
            "would reject its certificates. Add the anchor that signed it to trust.existingAnchorsPem (or supply it "
            "as trust.anchor), or remove the issuer to have one generated"]

    def test_an_issuer_with_only_a_generated_anchor_to_chain_to(self):
        issuer, key = certs.make_issuer(STRANGER, STRANGER_KEY)
        message = refused(with_issuer(certs.cert_pem(issuer), key, {}))
        assert "is not signed by any anchor of the trust bundle (only the anchor this stack generates, which never " \
               "signed an existing issuer); proxies would reject its certificates" in message

    def test_an_issuer_signed_by_the_supplied_anchor_or_an_existing_one_is_installed(self):
        issuer, key = certs.make_issuer(STRANGER, STRANGER_KEY)
        trust = {"existingAnchorsPem": certs.cert_pem(STRANGER),
                 "anchor": {"certPem": certs.cert_pem(ANCHOR), "keyPem": Secure(certs.key_pem(ANCHOR_KEY))}}
        run = run_program(with_issuer(certs.cert_pem(issuer), key, trust))
        assert bundle_of(run) == [STRANGER, ANCHOR]
        assert run.monitor.one(SECRET, "east-identity-issuer").inputs["stringData"]["tls.crt"].strip() == \
            certs.cert_pem(issuer).strip()
        # docs/outputs.md: a supplied issuer has no generation (no key of this stack's to re-key)
        assert {c: i["generation"] for c, i in run.outputs["issuerCertsPem"].items()} == {"east": None, "west": 0}

    def test_two_certificates_as_an_issuer(self):
        issuer, key = certs.make_issuer(ANCHOR, ANCHOR_KEY)
        cfg = with_issuer(certs.bundle_pem(issuer, ANCHOR), key, {"existingAnchorsPem": certs.cert_pem(ANCHOR)})
        assert refused(cfg).splitlines() == [
            "invalid stack configuration:",
            f"  {KEY}:clusters.east.issuer.certPem: holds 2 certificates; give exactly one"]

    @pytest.mark.parametrize("trust, line", [
        ({"existingAnchorsPem": "not a certificate"}, f"  {KEY}:trust.existingAnchorsPem: no PEM certificate found"),
        ({"anchor": {"certPem": "not a certificate", "keyPem": Secure(certs.key_pem(ANCHOR_KEY))}},
         f"  {KEY}:trust.anchor.certPem: no PEM certificate found"),
    ])
    def test_an_unreadable_bundle_is_the_only_error_not_also_every_issuer(self, trust, line):
        """With part of the bundle unreadable, whether an issuer chains to it cannot be known: the user
        is told what to fix, not also that a good issuer does not chain."""
        issuer, key = certs.make_issuer(ANCHOR, ANCHOR_KEY)
        assert refused(with_issuer(certs.cert_pem(issuer), key, trust)).splitlines() == ["invalid stack configuration:", line]

    def test_every_problem_is_listed(self):
        issuer, _ = certs.make_issuer(STRANGER, STRANGER_KEY)
        cfg = with_issuer(certs.cert_pem(issuer), ANCHOR_KEY, {"existingAnchorsPem": certs.bundle_pem(ANCHOR, EXPIRED)})
        lines = refused(cfg).splitlines()
        assert lines[0] == "invalid stack configuration:"
        assert [line.split(": ")[0] for line in lines[1:]] == [
            f"  {KEY}:trust.existingAnchorsPem certificate 2", f"  {KEY}:clusters.east.issuer.keyPem",
            f"  {KEY}:clusters.east.issuer.certPem"]

    def test_a_refused_existing_anchor_is_not_hidden_by_a_good_one_after_it(self):
        cfg = {"trust": {"existingAnchorsPem": certs.bundle_pem(EXPIRED, ANCHOR)}, "clusters": TWO}
        assert refused(cfg).splitlines() == [
            "invalid stack configuration:",
            f"  {KEY}:trust.existingAnchorsPem certificate 1: trust anchor {d(EXPIRED)} has expired"]

    @pytest.mark.parametrize("east, east_lines", [
        ({"context": "east"}, []),
        ({"context": "east", "issuer": {"certPem": "not a certificate", "keyPem": Secure(certs.key_pem(ANCHOR_KEY))}},
         [f"  {KEY}:clusters.east.issuer.certPem: no PEM certificate found"]),
    ], ids=["east-without-issuer", "east-issuer-unreadable"])
    def test_each_clusters_issuer_is_checked_whatever_the_cluster_before_it_has(self, east, east_lines):
        """A cluster without an issuer, or with an unreadable one, does not end the checks: west's issuer
        is refused with the config, under its key, not left to the run-time check."""
        issuer, key = certs.make_issuer(STRANGER, STRANGER_KEY)
        cfg = with_issuer(certs.cert_pem(issuer), key, {"existingAnchorsPem": certs.cert_pem(ANCHOR)})
        cfg["clusters"] = {"east": east, "west": {**cfg["clusters"].pop("east"), "context": "west"}}
        lines = refused(cfg).splitlines()
        assert lines[:-1] == ["invalid stack configuration:"] + east_lines
        assert lines[-1].startswith(f"  {KEY}:clusters.west.issuer.certPem: cannot serve as cluster 'west' issuer: ")

    def test_an_issuer_of_a_nameless_anchor_outside_a_bundle_of_two(self):
        """The message lists every anchor of the bundle, and says so when the issuer's issuer has no name."""
        from types import SimpleNamespace

        from cryptography import x509

        issuer, key = certs.make_issuer(SimpleNamespace(subject=x509.Name([])), certs.new_key(), aki=False)
        cfg = with_issuer(certs.cert_pem(issuer), key, {"existingAnchorsPem": certs.bundle_pem(ANCHOR, STRANGER)})
        assert f"  {KEY}:clusters.east.issuer.certPem: cannot serve as cluster 'east' issuer: issuer {d(issuer)} " \
               f"(issued by (no name)) is not signed by any anchor of the trust bundle ({d(ANCHOR)}; {d(STRANGER)}); " \
               "proxies would reject its certificates." in refused(cfg)


MEMBER_STACK = "organization/linkerd-multicluster/west"


def anchor_stack_run(entry) -> str:
    """The anchor's stack (`trust.members: [west]`) when west publishes `entry` as its request
    for cluster west: the error its user reads."""
    from harness.mocks import StackOutputs

    cfg = {"trust": {"members": [{"stack": MEMBER_STACK, "clusters": ["west"]}]}, "clusters": {"east": {"context": "east"}}}
    # One member's bad input is refused with a warning naming it; the anchor's own run goes on.
    run = run_program(cfg, stack="east", stacks={MEMBER_STACK: StackOutputs(
        outputs={"issuerRequests": {"west": entry}}, secret_names=[])})
    assert run.outputs["signedIssuers"] == {}
    return "\n".join(run.warnings)


def request_pem(key=None, tamper: bool = False) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = key or certs.new_key()
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "identity.linkerd.cluster.local")]))
           .sign(key, hashes.SHA256()))
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    if tamper:
        der[-1] ^= 1  # the signature no longer matches: a request someone altered after signing
    return x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM).decode()


class TestTheAnchorsStackChecksEachRequest:
    """What a member publishes crosses stacks as plain data; the anchor's stack signs only a request
    Linkerd can use, and otherwise names the member stack and the entry."""

    WHERE = f"stack {MEMBER_STACK}: issuerRequests not signed for 'west'"

    @pytest.mark.parametrize("entry", [
        "a string",
        {"generation": 0},
        {"generation": 0, "csrPem": 7},
        {"csrPem": "x"},
        {"generation": "0", "csrPem": "x"},
        {"generation": True, "csrPem": "x"},
        {"generation": 1.5, "csrPem": "x"},
        {"generation": -1, "csrPem": "x"},
    ], ids=["not-a-map", "no-csr", "csr-not-text", "no-generation", "generation-text", "generation-bool",
            "generation-fraction", "generation-negative"])
    def test_a_malformed_entry(self, entry):
        assert f"{self.WHERE}: expected {{generation, csrPem}}" in anchor_stack_run(entry)

    def test_text_that_is_no_request(self):
        assert f"{self.WHERE}: not a readable PEM certificate request (" in anchor_stack_run({"generation": 0, "csrPem": "nope"})

    def test_a_request_whose_signature_does_not_match(self):
        message = anchor_stack_run({"generation": 0, "csrPem": request_pem(tamper=True)})
        assert f"{self.WHERE}: Linkerd issuers need a self-signed ECDSA P-256 request" in message

    @pytest.mark.parametrize("generation", [0, 2.0])
    def test_a_usable_request_is_signed_for_the_member(self, generation):
        """2.0 is how a JSON number comes back from another stack: a whole number all the same."""
        from cryptography import x509
        from harness.mocks import StackOutputs

        key = certs.new_key()
        cfg = {"trust": {"members": [{"stack": MEMBER_STACK, "clusters": ["west"]}]}, "clusters": {"east": {"context": "east"}}}
        run = run_program(cfg, stack="east", stacks={MEMBER_STACK: StackOutputs(
            outputs={"issuerRequests": {"west": {"generation": generation, "csrPem": request_pem(key)}}}, secret_names=[])})
        signed = run.outputs["signedIssuers"]["west"]
        assert signed["generation"] == int(generation) and signed["stack"] == MEMBER_STACK
        cert = x509.load_pem_x509_certificate(signed["certPem"].encode())
        assert cert.public_key() == key.public_key()
        [anchor] = bundle_of(run)
        assert cert.issuer == anchor.subject

    def test_an_issuer_is_not_taken_for_signed_by_an_anchor_of_the_same_name_and_another_key_type(self):
        """The bundle's only anchor is an Ed25519 one named like the issuer's real (ECDSA) anchor:
        both problems are reported, the anchor's key type and the issuer that chains to nothing."""
        ed_anchor, _ = certs.make_anchor(key_type="ed25519")  # the default anchor name, as ANCHOR's
        issuer, key = certs.make_issuer(ANCHOR, ANCHOR_KEY)
        lines = refused(with_issuer(certs.cert_pem(issuer), key, {"existingAnchorsPem": certs.cert_pem(ed_anchor)})).splitlines()
        assert {line.split(": ")[0] for line in lines[1:]} == {
            f"  {KEY}:trust.existingAnchorsPem certificate 1", f"  {KEY}:clusters.east.issuer.certPem"}
