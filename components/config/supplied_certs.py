"""Certificates and keys supplied in the stack config (`trust.anchor`, `trust.existingAnchorsPem`,
`clusters.<name>.issuer`), checked while the config is validated, so a bad one stops the program
before any resource is registered (`pulumi up --skip-preview` included) instead of half-way."""
from __future__ import annotations

from .. import cert_checks
from .schema import PROJECT, ConfigError, MeshConfig, key_path


class CertificateConfigError(ConfigError, cert_checks.CertificateError):
    """A certificate or key in the stack config that Linkerd would reject (or that cannot be read),
    found while validating the config: before any resource is registered."""


def check(mesh: MeshConfig) -> None:
    """`CertificateConfigError` listing every problem of `problems(mesh)`, if there is one."""
    found = problems(mesh)
    if found:
        raise CertificateConfigError("invalid stack configuration:\n" + "\n".join(f"  {p}" for p in found))


def problems(mesh: MeshConfig) -> list[str]:
    """Supplied anchors, issuers and keys, checked the way Linkerd and pulumi-tls will use them.

    Only errors: warnings (validity running out) are shown by the program's checks at run time.
    Without `trust.fromStack` the bundle is known from config alone: `existingAnchorsPem` plus
    `anchor.certPem` (a generated anchor never signed an existing issuer), so a supplied issuer
    must chain to one of those.
    """
    trust, now, problems = mesh.trust, cert_checks.now(), []
    key = lambda path: f"{PROJECT}:{path}"  # noqa: E731
    errors = lambda findings: [f.message for f in findings if f.level == "error"]  # noqa: E731

    def one_certificate(text: str, where: str):
        try:
            found = cert_checks.split_bundle(text, where)
        except cert_checks.CertificateError as e:
            problems.append(str(e))
            return None
        if len(found) != 1:
            problems.append(f"{where}: holds {len(found)} certificates; give exactly one")
            return None
        return found[0]

    def private_key(text: str, where: str):
        try:
            return cert_checks.load_private_key(text, where)
        except cert_checks.CertificateError as e:
            problems.append(str(e))
            return None

    anchors, bundle_known = [], trust.from_stack is None
    if trust.existing_anchors_pem:
        where = key("trust.existingAnchorsPem")
        try:
            existing = cert_checks.split_bundle(trust.existing_anchors_pem, where)
        except cert_checks.CertificateError as e:
            problems.append(str(e))
            bundle_known = False
        else:
            for i, cert in enumerate(existing):
                problems += errors(cert_checks.check_anchor(cert, f"{where} certificate {i + 1}", now))
            anchors += existing
    if trust.anchor is not None:
        cert = one_certificate(trust.anchor.cert_pem, key("trust.anchor.certPem"))
        signer = private_key(trust.anchor.key_pem, key("trust.anchor.keyPem"))
        if cert is None:
            bundle_known = False
        else:
            problems += errors(cert_checks.check_anchor(cert, key("trust.anchor.certPem"), now))
            anchors.append(cert)
        if cert is not None and signer is not None and not cert_checks.key_matches(cert, signer):
            problems.append(f"{key('trust.anchor.keyPem')}: is not the key of trust.anchor.certPem "
                            f"({cert_checks.describe(cert)}); give that certificate's key")
    for name, cluster in mesh.clusters.items():
        if cluster.issuer is None:
            continue
        where = key(key_path(["clusters", name, "issuer"]))
        cert = one_certificate(cluster.issuer.cert_pem, f"{where}.certPem")
        signer = private_key(cluster.issuer.key_pem, f"{where}.keyPem")
        if cert is None:
            continue
        problems += errors(cert_checks.check_issuer(cert, None, [], where, now))
        if signer is not None and not cert_checks.key_matches(cert, signer):
            problems.append(f"{where}.keyPem: the issuer's private key does not match its certificate "
                            f"({cert_checks.describe(cert)}); give that certificate's key")
        if bundle_known and not cert_checks.chains_to(cert, anchors):
            bundle = "; ".join(cert_checks.describe(a) for a in anchors) or \
                "only the anchor this stack generates, which never signed an existing issuer"
            problems.append(
                f"{where}.certPem: cannot serve as cluster {name!r} issuer: issuer {cert_checks.describe(cert)} "
                f"(issued by {cert.issuer.rfc4514_string() or '(no name)'}) is not signed by any anchor of "
                f"the trust bundle ({bundle}); proxies would reject its "
                "certificates. Add the anchor that signed it to trust.existingAnchorsPem (or supply it as "
                "trust.anchor), or remove the issuer to have one generated"
            )
    return problems
