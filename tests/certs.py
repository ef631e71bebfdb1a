"""Mint throwaway X.509 trust anchors, issuers and proxy-style leaves for tests.

The shapes follow what Linkerd's docs produce with `step certificate create ... --profile
root-ca / intermediate-ca` (ECDSA P-256, root pathlen 1, issuer pathlen 0, KeyUsage
keyCertSign+cRLSign, SKI/AKI), so a test can start from a correct chain and break exactly one
property (key type, curve, validity, signer, EKU, ...) to prove a validator notices.

Every function returns `cryptography` objects; the `*_pem` helpers turn them into the strings
the Pulumi program and the Helm values deal with.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey]
KeyType = Literal["ec", "rsa", "ed25519"]

# The naming convention of Linkerd's docs and CLI (the identity controller does not check it).
ANCHOR_CN = "root.linkerd.cluster.local"
ISSUER_CN = "identity.linkerd.cluster.local"
LEAF_DNS = "default.default.serviceaccount.identity.linkerd.cluster.local"


def utcnow() -> dt.datetime:
    """Timezone-aware now; `cryptography` compares against aware datetimes."""
    return dt.datetime.now(dt.timezone.utc)


def new_key(
    key_type: KeyType = "ec",
    *,
    curve: Optional[ec.EllipticCurve] = None,
    rsa_bits: int = 2048,
) -> PrivateKey:
    """A fresh private key: ECDSA (P-256 unless `curve`), RSA (`rsa_bits`) or Ed25519."""
    if key_type == "ec":
        return ec.generate_private_key(curve or ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key_type {key_type!r}")


def _hash_for(signer: PrivateKey, hash_alg: Optional[hashes.HashAlgorithm]) -> Optional[hashes.HashAlgorithm]:
    # Ed25519 signs without a separate digest; everything else defaults to SHA-256, the
    # only digest Linkerd's algorithm check accepts.
    if isinstance(signer, ed25519.Ed25519PrivateKey):
        return None
    return hash_alg or hashes.SHA256()


def _window(
    not_before: Optional[dt.datetime], not_after: Optional[dt.datetime], default_days: int
) -> tuple[dt.datetime, dt.datetime]:
    start = not_before or (utcnow() - dt.timedelta(minutes=5))
    end = not_after or (start + dt.timedelta(days=default_days))
    return start, end


def _ca_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key,
    not_before: dt.datetime,
    not_after: dt.datetime,
    path_length: Optional[int],
    *,
    ca: bool,
    key_usage: bool,
    eku: Optional[list[x509.ObjectIdentifier]],
    ski: bool,
) -> x509.CertificateBuilder:
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
    )
    if key_usage:
        b = b.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if ski:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    return b


def _with_aki(b: x509.CertificateBuilder, parent: x509.Certificate) -> x509.CertificateBuilder:
    # Like Go's x509.CreateCertificate: copy the parent's SKI into the child's AKI when present.
    try:
        parent_ski = parent.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return b
    return b.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(parent_ski), critical=False
    )


def make_anchor(
    cn: str = ANCHOR_CN,
    key_type: KeyType = "ec",
    *,
    not_before: Optional[dt.datetime] = None,
    not_after: Optional[dt.datetime] = None,
    path_length: Optional[int] = 1,
    curve: Optional[ec.EllipticCurve] = None,
    rsa_bits: int = 2048,
    hash_alg: Optional[hashes.HashAlgorithm] = None,
    ca: bool = True,
    key_usage: bool = True,
    ski: bool = True,
    key: Optional[PrivateKey] = None,
) -> tuple[x509.Certificate, PrivateKey]:
    """A self-signed trust anchor (root CA). Default: ECDSA P-256, pathlen 1, 10 years."""
    key = key or new_key(key_type, curve=curve, rsa_bits=rsa_bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    start, end = _window(not_before, not_after, default_days=3650)
    b = _ca_builder(
        name, name, key.public_key(), start, end, path_length,
        ca=ca, key_usage=key_usage, eku=None, ski=ski,
    )
    return b.sign(key, _hash_for(key, hash_alg)), key


def make_issuer(
    anchor_cert: x509.Certificate,
    anchor_key: PrivateKey,
    cn: str = ISSUER_CN,
    key_type: KeyType = "ec",
    *,
    not_before: Optional[dt.datetime] = None,
    not_after: Optional[dt.datetime] = None,
    path_length: Optional[int] = 0,
    curve: Optional[ec.EllipticCurve] = None,
    rsa_bits: int = 2048,
    hash_alg: Optional[hashes.HashAlgorithm] = None,
    ca: bool = True,
    key_usage: bool = True,
    eku: Optional[list[x509.ObjectIdentifier]] = None,
    ski: bool = True,
    aki: bool = True,
    key: Optional[PrivateKey] = None,
) -> tuple[x509.Certificate, PrivateKey]:
    """An identity issuer (intermediate CA) signed by `anchor_key`. Default: ECDSA P-256,
    pathlen 0, 1 year, no EKU extension (so every usage is allowed, as Go expects)."""
    key = key or new_key(key_type, curve=curve, rsa_bits=rsa_bits)
    start, end = _window(not_before, not_after, default_days=365)
    b = _ca_builder(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]),
        anchor_cert.subject,
        key.public_key(),
        start,
        end,
        path_length,
        ca=ca, key_usage=key_usage, eku=eku, ski=ski,
    )
    if aki:
        b = _with_aki(b, anchor_cert)
    return b.sign(anchor_key, _hash_for(anchor_key, hash_alg)), key


def make_leaf(
    issuer_cert: x509.Certificate,
    issuer_key: PrivateKey,
    dns_name: str = LEAF_DNS,
    *,
    not_before: Optional[dt.datetime] = None,
    not_after: Optional[dt.datetime] = None,
    key: Optional[PrivateKey] = None,
) -> tuple[x509.Certificate, PrivateKey]:
    """A proxy-style leaf like the identity controller issues: ECDSA P-256, SAN = the proxy's
    identity, EKU serverAuth+clientAuth, AKI copied from the issuer's SKI. Default: 1 hour."""
    key = key or new_key("ec")
    start = not_before or (utcnow() - dt.timedelta(minutes=1))
    end = not_after or (start + dt.timedelta(hours=1))
    b = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name)]))
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
    )
    b = _with_aki(b, issuer_cert)
    return b.sign(issuer_key, _hash_for(issuer_key, None)), key


# -- PEM helpers -----------------------------------------------------------------------------

def cert_pem(cert: x509.Certificate) -> str:
    """One certificate as PEM text, ending with exactly one newline."""
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def bundle_pem(*certs: x509.Certificate) -> str:
    """Several certificates concatenated the way `identityTrustAnchorsPEM` wants them."""
    return "".join(cert_pem(c) for c in certs)


def key_pem(key: PrivateKey, fmt: Literal["traditional", "pkcs8"] = "traditional") -> str:
    """A private key as unencrypted PEM.

    `traditional` gives `EC PRIVATE KEY` / `RSA PRIVATE KEY` (what pulumi-tls's
    `private_key_pem` holds); `pkcs8` gives `PRIVATE KEY`. Linkerd accepts all three labels.
    """
    if fmt == "pkcs8" or isinstance(key, ed25519.Ed25519PrivateKey):
        pf = serialization.PrivateFormat.PKCS8
    else:
        pf = serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, pf, serialization.NoEncryption()).decode()
