"""Linkerd's certificate rules, applied at preview time to every certificate the program will use.

The same rules `linkerd check` applies in its `linkerd-identity` category
(pkg/healthcheck/healthcheck.go, pkg/issuercerts/issuercerts.go, pkg/identity/service.go), run
before anything reaches a cluster:
- trust anchors: ECDSA P-256, or RSA 2048/4096, signed with SHA-256; within their validity window
  (error), and valid for at least 60 more days (warning);
- issuer: an ECDSA P-256 key, signed with ECDSA-SHA256 or SHA256-RSA; a CA; within its validity
  window (error), 60 days left (warning); its key matches; it chains to one anchor of the bundle;
- the bundle: PEM `CERTIFICATE` blocks only (the decoder stops at anything else), one newline at
  the end; the multicluster rule, checked elsewhere, is that every cluster's bundle is identical.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Optional

import pulumi
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

WARN_DAYS = 60
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\s.*?-----END \1-----", re.S)


@dataclasses.dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    message: str


class CertificateError(pulumi.RunError):
    """A certificate Linkerd would reject; the message names the cluster/key and the certificate."""


def split_bundle(text: str, where: str) -> list[x509.Certificate]:
    """Parse PEM certificates; anything but CERTIFICATE blocks is an error (Linkerd stops there)."""
    blocks = list(_PEM_BLOCK.finditer(text or ""))
    if not blocks:
        raise CertificateError(f"{where}: no PEM certificate found")
    certs = []
    for i, m in enumerate(blocks):
        if m.group(1) != "CERTIFICATE":
            raise CertificateError(f"{where}: block {i + 1} is a {m.group(1)}, not a CERTIFICATE "
                                   "(Linkerd's decoder stops at it and drops the anchors after it)")
        certs.append(_load_certificate(m.group(0), f"{where}: block {i + 1}"))
    rest = _PEM_BLOCK.sub("", text).strip()
    if rest:
        raise CertificateError(f"{where}: text outside the PEM blocks ({rest[:30]!r}...)")
    return certs


def _load_certificate(pem: str, where: str) -> x509.Certificate:
    """One PEM certificate, with the parts the checks read (parsed lazily by `cryptography`)
    read now, so that a damaged certificate is an error here rather than an exception later."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
        cert.public_key()
        cert.extensions
        cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
        cert.not_valid_before_utc, cert.not_valid_after_utc
    except (ValueError, TypeError, UnsupportedAlgorithm, UnicodeError):
        raise CertificateError(f"{where} is not a readable X.509 certificate (damaged base64 or DER, "
                               "or a key type `cryptography` cannot read)") from None
    return cert


def load_private_key(text: str, where: str):
    """The private key of a PEM text holding exactly one unencrypted private key."""
    blocks = list(_PEM_BLOCK.finditer(text or ""))
    if not blocks:
        raise CertificateError(f"{where}: no PEM private key found (a `-----BEGIN EC PRIVATE KEY-----` "
                               "or `-----BEGIN PRIVATE KEY-----` block)")
    if len(blocks) > 1:
        raise CertificateError(f"{where}: holds {len(blocks)} PEM blocks; give exactly one private key")
    label = blocks[0].group(1)
    if label == "ENCRYPTED PRIVATE KEY":
        raise CertificateError(f"{where}: the key is encrypted; give it unencrypted (as secret config)")
    if not label.endswith("PRIVATE KEY"):
        raise CertificateError(f"{where}: is a {label}, not a private key")
    if _PEM_BLOCK.sub("", text).strip():
        raise CertificateError(f"{where}: text outside the PEM block")
    try:
        return serialization.load_pem_private_key(blocks[0].group(0).encode(), password=None)
    except TypeError:  # a traditional PEM with `Proc-Type: 4,ENCRYPTED`
        raise CertificateError(f"{where}: the key is encrypted; give it unencrypted (as secret config)") from None
    except (ValueError, UnsupportedAlgorithm, UnicodeError):
        raise CertificateError(f"{where}: not a readable private key (damaged base64 or DER, or an "
                               "unsupported key type)") from None


def _public_der(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_matches(cert: x509.Certificate, private_key) -> bool:
    """Whether `private_key` is the key of `cert`."""
    return _public_der(private_key.public_key()) == _public_der(cert.public_key())


def chains_to(cert: x509.Certificate, anchors: list[x509.Certificate]) -> bool:
    """Whether one of `anchors` signed `cert`."""
    return any(_signed_by(cert, a) for a in anchors)


def describe(cert: x509.Certificate) -> str:
    return f"{cert.subject.rfc4514_string() or '(no subject)'}, expires {cert.not_valid_after_utc:%Y-%m-%d}"


def validity(cert: x509.Certificate, role: str, where: str, now: dt.datetime) -> list[Finding]:
    """Expired or not yet valid (errors), or fewer than WARN_DAYS left (a warning)."""
    if now < cert.not_valid_before_utc:
        return [Finding("error", f"{where}: {role} {describe(cert)} is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M}Z")]
    if now > cert.not_valid_after_utc:
        return [Finding("error", f"{where}: {role} {describe(cert)} has expired")]
    left = cert.not_valid_after_utc - now
    if left < dt.timedelta(days=WARN_DAYS):
        return [Finding("warning", f"{where}: {role} {describe(cert)} is valid for {left.days} more days "
                                   f"(`linkerd check` warns under {WARN_DAYS}); rotate it")]
    return []


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _signature_is_sha256(cert: x509.Certificate) -> bool:
    try:
        return isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    except UnsupportedAlgorithm:
        return False


def check_anchor(cert: x509.Certificate, where: str, now: dt.datetime) -> list[Finding]:
    key = cert.public_key()
    found: list[Finding] = []
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name != "secp256r1":
            found.append(Finding("error", f"{where}: trust anchor {describe(cert)} uses curve {key.curve.name}; Linkerd accepts P-256"))
    elif isinstance(key, rsa.RSAPublicKey):
        if key.key_size not in (2048, 4096):
            found.append(Finding("error", f"{where}: trust anchor {describe(cert)} is RSA-{key.key_size}; Linkerd accepts RSA 2048 or 4096"))
    else:
        found.append(Finding("error", f"{where}: trust anchor {describe(cert)} has a {type(key).__name__}; Linkerd accepts ECDSA P-256 or RSA"))
    if not _signature_is_sha256(cert):
        found.append(Finding("error", f"{where}: trust anchor {describe(cert)} is not signed with SHA-256"))
    if not _is_ca(cert):
        found.append(Finding("error", f"{where}: trust anchor {describe(cert)} is not a CA certificate"))
    return found + validity(cert, "trust anchor", where, now)


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    key = issuer.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, TypeError, ValueError):
        # TypeError/ValueError: the signature algorithm does not fit the key (an RSA-PSS or
        # Ed25519 signature checked against an EC/RSA key): not signed by it.
        return False
    return True


def check_issuer(cert: x509.Certificate, key_pem: Optional[str], anchors: list[x509.Certificate],
                 where: str, now: dt.datetime) -> list[Finding]:
    found: list[Finding] = []
    key = cert.public_key()
    if not (isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"):
        found.append(Finding("error", f"{where}: issuer {describe(cert)} must have an ECDSA P-256 key "
                                      f"(has {getattr(key, 'curve', None) and key.curve.name or type(key).__name__})"))
    if not _signature_is_sha256(cert):
        found.append(Finding("error", f"{where}: issuer {describe(cert)} must be signed with ECDSA-SHA256 or SHA256-RSA"))
    if not _is_ca(cert):
        found.append(Finding("error", f"{where}: issuer {describe(cert)} must be a CA (an intermediate CA that signs proxy certificates)"))
    if key_pem is not None:
        try:
            private = load_private_key(key_pem, f"{where} key")
        except CertificateError as e:
            found.append(Finding("error", str(e)))
        else:
            if not key_matches(cert, private):
                found.append(Finding("error", f"{where}: the issuer's private key does not match its certificate"))
    if anchors and not chains_to(cert, anchors):
        found.append(Finding("error", f"{where}: issuer {describe(cert)} is not signed by any anchor of the trust bundle "
                                      f"({'; '.join(describe(a) for a in anchors)}); proxies would reject its certificates"))
    return found + validity(cert, "issuer", where, now)


def raise_or_warn(findings: list[Finding], warn) -> None:
    """Errors stop the program (all of them listed); warnings go to `warn` (pulumi.log.warn)."""
    errors = [f.message for f in findings if f.level == "error"]
    for f in findings:
        if f.level == "warning":
            warn(f.message)
    if errors:
        raise CertificateError("certificate check failed:\n  " + "\n  ".join(errors))


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
