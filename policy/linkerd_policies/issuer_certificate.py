"""`issuer-certificate`: issuer certificates: a short-lived CA for proxy certificates only.

Its failing and passing cases: tests/policy/test_issuer_certificate.py.
"""
from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import SECRET, get_path
from .pem import decode_base64, pem_certificates


ISSUER_SECRET_NAME = "linkerd-identity-issuer"
DEFAULT_MAX_ISSUER_DAYS = 366


def _issuer_certificate_pem(props: Any) -> Any:
    """The `tls.crt` of a Secret (plain in `stringData`, base64 in `data`); None if it has none."""
    text = get_path(props, "stringData", "tls.crt")
    if text is None:
        encoded = get_path(props, "data", "tls.crt")
        text = decode_base64(encoded) if isinstance(encoded, str) else None
    return text


def issuer_problems(pem: str, max_days: float) -> list[str]:
    """What is wrong with an issuer certificate for Linkerd's identity controller."""
    from cryptography import x509  # only this policy needs it

    ders = pem_certificates(pem)
    if not ders:
        return ["holds no PEM certificate"]
    try:
        cert = x509.load_der_x509_certificate(ders[0])
        extensions = cert.extensions
    except ValueError as e:
        return [f"is not a readable certificate ({e})"]
    problems = []
    days = (cert.not_valid_after_utc - cert.not_valid_before_utc).total_seconds() / 86400
    if days > max_days:
        problems.append(f"is valid for {days:.0f} days, more than the {max_days:g} the policy config "
                        "maxIssuerValidityDays allows (a leaked issuer key mints identities until it expires)")
    try:
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.key_cert_sign:
            problems.append("has no keyCertSign key usage (it cannot sign proxy certificates)")
    except x509.ExtensionNotFound:
        pass
    try:
        eku = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        problems.append("carries extended key usages (" + ", ".join(o.dotted_string for o in eku)
                        + "); an issuer signs proxy certificates and has none, as `step --profile "
                        "intermediate-ca` makes it")
    except x509.ExtensionNotFound:
        pass
    return problems


def validate_issuer_certificate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The issuer certificate in Secret `linkerd-identity-issuer` is short-lived and has no
    extended key usage.

    Why: the issuer signs every proxy certificate of its cluster, and, since the trust domain is
    one for the whole mesh, a leaked issuer key mints identities that every cluster accepts until
    the issuer expires. A 100-year issuer makes that forever; extended key usages (serverAuth,
    codeSigning, anyExtendedKeyUsage ...) make a CA meant for the mesh usable for other things.
    """
    if args.resource_type != SECRET or get_path(args.props, "metadata", "name") != ISSUER_SECRET_NAME:
        return
    pem = _issuer_certificate_pem(args.props)
    if not isinstance(pem, str):
        return
    max_days = float((args.get_config() or {}).get("maxIssuerValidityDays") or DEFAULT_MAX_ISSUER_DAYS)
    for problem in issuer_problems(pem, max_days):
        report_violation(f"Secret {ISSUER_SECRET_NAME} ({args.name}): the issuer certificate {problem}.", None)


POLICY = ResourceValidationPolicy(
    name="issuer-certificate",
    description="The identity issuer is short-lived and carries no extended key usage.",
    validate=validate_issuer_certificate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "maxIssuerValidityDays": {
            "type": "number", "default": DEFAULT_MAX_ISSUER_DAYS,
            "description": "Longest issuer lifetime allowed, in days.",
        },
    }),
)
