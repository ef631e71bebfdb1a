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
          dns: str | None = None) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer.subject).public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(hours=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def verifies(anchor: x509.Certificate, leaf: x509.Certificate, chain: list[x509.Certificate], dns: str) -> bool:
    """Whether an RFC 5280 path verifier (path lengths included) accepts `leaf` through `chain`."""
    # Only the path rules matter here (Linkerd's certificates lack some of what the Web PKI asks).
    required = verification.ExtensionPolicy.permit_all().require_present
    ca_policy = required(x509.BasicConstraints, verification.Criticality.AGNOSTIC, None)
    ee_policy = required(x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC, None)
    verifier = (verification.PolicyBuilder().store(verification.Store([anchor]))
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
    leaf = _sign(identity, key.public_key(), issuer, issuer_key, ca=False, dns=identity)
    assert verifies(anchor, leaf, [issuer], identity)
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
