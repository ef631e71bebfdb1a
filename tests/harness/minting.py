"""Real X.509 material for the pulumi-tls resources the program registers, made with `cryptography`.

Under mocks no provider runs, so `cert_pem` & co. would be None. These functions do what the
pulumi-tls provider (terraform-provider-tls `createCertificate`, Go `x509.CreateCertificate`) does
with the same inputs, so the tests can verify the chains the way Linkerd does:
- `is_ca_certificate` -> BasicConstraints(CA:TRUE) and a Subject Key Identifier;
- a locally signed certificate gets the CA's SKI as its Authority Key Identifier (Go copies it);
- `max_path_length` n >= 0 becomes Go's `MaxPathLen` (`internal/provider/common_cert.go`,
  createCertificate); MaxPathLenZero is never set, so 0 (like -1 or unset) writes no `pathlen`
  and 1 writes `pathlen:1`;
- a locally signed certificate takes subject, DNS names, IP addresses and URIs from the request
  and nothing else of it (`resource_locally_signed_cert.go`, Create);
- `allowed_uses` map to KeyUsage / ExtendedKeyUsage.
Keys are derived deterministically from the resource name, like state would keep them between
two `pulumi up`s: running the program twice yields identical certificates.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The mocks' clock, fixed when the test process starts (an hour back, so certificates made by the
# tests themselves a moment ago are inside every window): two runs in one process mint alike.
NOW = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)

_KEY_USAGES = {
    "digital_signature": "digital_signature",
    "content_commitment": "content_commitment",
    "key_encipherment": "key_encipherment",
    "data_encipherment": "data_encipherment",
    "key_agreement": "key_agreement",
    "cert_signing": "key_cert_sign",
    "crl_signing": "crl_sign",
    "encipher_only": "encipher_only",
    "decipher_only": "decipher_only",
}
_EXT_USAGES = {
    "server_auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client_auth": ExtendedKeyUsageOID.CLIENT_AUTH,
}

_rsa_cache: dict[str, rsa.RSAPrivateKey] = {}


def private_key(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs of `tls:index/privateKey:PrivateKey` (PEM as the provider writes it)."""
    algorithm = inputs.get("algorithm", "RSA")
    if algorithm == "ECDSA":
        curves = {"P224": ec.SECP224R1(), "P256": ec.SECP256R1(), "P384": ec.SECP384R1(), "P521": ec.SECP521R1()}
        # The provider's default curve is P224: keep it, so a missing `ecdsa_curve` shows in tests.
        curve = curves[inputs.get("ecdsaCurve", "P224")]
        seed = int.from_bytes(hashlib.sha256(name.encode()).digest(), "big")
        key = ec.derive_private_key(seed % (2**200) + 1, curve)
        legacy = serialization.PrivateFormat.TraditionalOpenSSL  # "EC PRIVATE KEY"
    elif algorithm == "RSA":
        if name not in _rsa_cache:
            _rsa_cache[name] = rsa.generate_private_key(65537, int(inputs.get("rsaBits", 2048)))
        key = _rsa_cache[name]
        legacy = serialization.PrivateFormat.TraditionalOpenSSL  # "RSA PRIVATE KEY"
    else:
        raise ValueError(f"mock cannot mint {algorithm} keys")
    enc = serialization.NoEncryption()
    return {
        "privateKeyPem": key.private_bytes(serialization.Encoding.PEM, legacy, enc).decode(),
        "privateKeyPemPkcs8": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc).decode(),
        "publicKeyPem": key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
    }


def _load_key(pem: str):
    return serialization.load_pem_private_key(pem.encode(), password=None)


def _name(subject: Optional[dict]) -> x509.Name:
    subject = subject or {}
    attrs = []
    if subject.get("commonName"):
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, subject["commonName"]))
    if subject.get("organization"):
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject["organization"]))
    return x509.Name(attrs)


def _usage_extensions(builder: x509.CertificateBuilder, uses: list[str]) -> x509.CertificateBuilder:
    flags = {v: False for v in _KEY_USAGES.values()}
    for u in uses:
        if u in _KEY_USAGES:
            flags[_KEY_USAGES[u]] = True
    if any(flags.values()):
        builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    ekus = [_EXT_USAGES[u] for u in uses if u in _EXT_USAGES]
    if ekus:
        builder = builder.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
    return builder


def _common(inputs: dict[str, Any], subject: x509.Name, issuer: x509.Name, public_key, serial_seed: str):
    hours = int(inputs["validityPeriodHours"])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(int.from_bytes(hashlib.sha256(serial_seed.encode()).digest()[:16], "big"))
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(hours=hours))
    )
    is_ca = bool(inputs.get("isCaCertificate"))
    # Go: BasicConstraintsValid is always set by the provider; MaxPathLen 0 means "no limit".
    max_path = inputs.get("maxPathLength")
    path_length = int(max_path) if is_ca and max_path not in (None, 0, -1) else None
    builder = builder.add_extension(x509.BasicConstraints(ca=is_ca, path_length=path_length), critical=True)
    if is_ca:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    builder = _usage_extensions(builder, list(inputs.get("allowedUses") or []))
    return builder


def _validity(cert: x509.Certificate) -> dict[str, Any]:
    return {
        "certPem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "validityStartTime": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "validityEndTime": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "readyForRenewal": False,
    }


def _sans(builder, dns_names: list[str]):
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(d) for d in dns_names]), critical=False
        )
    return builder


def self_signed_cert(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    key = _load_key(inputs["privateKeyPem"])
    subject = _name(inputs.get("subject"))
    builder = _common(inputs, subject, subject, key.public_key(), name)
    builder = _sans(builder, list(inputs.get("dnsNames") or []))
    cert = builder.sign(key, hashes.SHA256())
    return {**_validity(cert), "keyAlgorithm": _algorithm(key)}


def cert_request(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    key = _load_key(inputs["privateKeyPem"])
    builder = x509.CertificateSigningRequestBuilder().subject_name(_name(inputs.get("subject")))
    dns = list(inputs.get("dnsNames") or [])
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
    csr = builder.sign(key, hashes.SHA256())
    return {"certRequestPem": csr.public_bytes(serialization.Encoding.PEM).decode(), "keyAlgorithm": _algorithm(key)}


def locally_signed_cert(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    csr = x509.load_pem_x509_csr(inputs["certRequestPem"].encode())
    ca_cert = x509.load_pem_x509_certificate(inputs["caCertPem"].encode())
    ca_key = _load_key(inputs["caPrivateKeyPem"])
    builder = _common(inputs, csr.subject, ca_cert.subject, csr.public_key(), name)
    try:
        sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        copied = [n for n in sans if isinstance(n, (x509.DNSName, x509.IPAddress, x509.UniformResourceIdentifier))]
        if copied:
            builder = builder.add_extension(x509.SubjectAlternativeName(copied), critical=False)
    except x509.ExtensionNotFound:
        pass
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    except x509.ExtensionNotFound:
        pass
    cert = builder.sign(ca_key, hashes.SHA256())
    return {**_validity(cert), "caKeyAlgorithm": _algorithm(ca_key)}


def _algorithm(key) -> str:
    return "ECDSA" if isinstance(key, ec.EllipticCurvePrivateKey) else "RSA"


MINTERS = {
    "tls:index/privateKey:PrivateKey": private_key,
    "tls:index/selfSignedCert:SelfSignedCert": self_signed_cert,
    "tls:index/certRequest:CertRequest": cert_request,
    "tls:index/locallySignedCert:LocallySignedCert": locally_signed_cert,
}
