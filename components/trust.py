"""Shared trust anchor and per-cluster identity issuers (pulumi-tls only; no Kubernetes here).

Replaces the certificate steps of the seed guide (`step certificate create root.linkerd.cluster.local
... --profile root-ca`, then one `--profile intermediate-ca` issuer per cluster). Linkerd's rules,
which `linkerd check` (category linkerd-identity) enforces and this module follows:
- the issuer's key is ECDSA P-256 and the issuer is a CA (`pkg/issuercerts/issuercerts.go`);
- the issuer chains to one certificate of the trust bundle (`pkg/identity/service.go`);
- every cluster of a mesh gets the *identical* bundle (`linkerd multicluster check`,
  "clusters share trust anchors"), ending in exactly one newline: the copy in `linkerd-config`
  is not trimmed and a trailing blank line makes the PEM decoder fail.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_tls as tls

# Subjects follow the Linkerd docs' conventions; anchor and issuer must not share a subject
# (linkerd/linkerd2#5350: identical names made proxies reject the chain).
ANCHOR_COMMON_NAME = "root.linkerd.cluster.local"
CA_USES = ["cert_signing", "crl_signing"]


def normalize_bundle(pems: Sequence[str]) -> str:
    """Concatenate PEM certificates the way Linkerd needs them: trimmed, one newline at the end."""
    blocks = [p.strip() for p in pems if p and p.strip()]
    if not blocks:
        raise ValueError("a trust-anchor bundle needs at least one certificate")
    return "\n".join(blocks) + "\n"


@dataclass(frozen=True)
class AnchorMaterial:
    """What issuers are signed with, and what every cluster trusts.

    Comes from a `TrustAnchor` of this stack, or from another stack's outputs (`trust.fromStack`).
    """

    cert_pem: pulumi.Output[str]
    """The anchor certificate that signs this stack's issuers."""
    private_key_pem: pulumi.Output[str]
    """The anchor's key (a Pulumi secret)."""
    bundle_pem: pulumi.Output[str]
    """The trust-anchor bundle every cluster gets (`identityTrustAnchorsPEM`)."""


@dataclass(frozen=True)
class TrustAnchorArgs:
    validity_hours: int
    """Lifetime of the anchor certificate. Keep it long: replacing it is a multi-step rotation."""
    protect: bool = True
    """Protect the anchor's key: losing it means re-issuing every cluster's trust (a bundle rotation)."""


class TrustAnchor(pulumi.ComponentResource):
    """A self-signed ECDSA P-256 CA: the mesh's shared trust anchor."""

    private_key: tls.PrivateKey
    certificate: tls.SelfSignedCert
    material: AnchorMaterial

    def __init__(self, name: str, args: TrustAnchorArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:trust:TrustAnchor", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.private_key = tls.PrivateKey(
            f"{name}-key", algorithm="ECDSA", ecdsa_curve="P256",
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.certificate = tls.SelfSignedCert(
            f"{name}-cert",
            private_key_pem=self.private_key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(common_name=ANCHOR_COMMON_NAME),
            is_ca_certificate=True,
            allowed_uses=CA_USES,
            validity_period_hours=args.validity_hours,
            opts=child,
        )
        self.material = AnchorMaterial(
            cert_pem=self.certificate.cert_pem,
            private_key_pem=pulumi.Output.secret(self.private_key.private_key_pem),
            bundle_pem=self.certificate.cert_pem.apply(lambda pem: normalize_bundle([pem])),
        )
        self.register_outputs({"certPem": self.certificate.cert_pem, "bundlePem": self.material.bundle_pem})


@dataclass(frozen=True)
class IdentityIssuerArgs:
    anchor: AnchorMaterial
    validity_hours: int
    trust_domain: str
    linkerd_namespace: str = "linkerd"


class IdentityIssuer(pulumi.ComponentResource):
    """One cluster's identity issuer: an intermediate CA signed by the shared anchor.

    Linkerd's identity controller signs every proxy certificate of the cluster with it.
    """

    private_key: tls.PrivateKey
    certificate: tls.LocallySignedCert
    cert_pem: pulumi.Output[str]
    private_key_pem: pulumi.Output[str]
    expires_at: pulumi.Output[str]

    def __init__(self, name: str, args: IdentityIssuerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:trust:IdentityIssuer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.private_key = tls.PrivateKey(
            f"{name}-key", algorithm="ECDSA", ecdsa_curve="P256", opts=child
        )
        # CN `identity.<linkerd ns>.<trust domain>` is the name the identity controller reports in
        # its errors and the CLI uses for the certificates it generates (cli/cmd/options.go).
        request = tls.CertRequest(
            f"{name}-csr",
            private_key_pem=self.private_key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(
                common_name=f"identity.{args.linkerd_namespace}.{args.trust_domain}"
            ),
            opts=child,
        )
        # No max_path_length: pulumi-tls cannot express pathlen:0 (it never sets Go's
        # MaxPathLenZero), and an unset limit is what Linkerd's own docs produce for leaves below.
        self.certificate = tls.LocallySignedCert(
            f"{name}-cert",
            cert_request_pem=request.cert_request_pem,
            ca_cert_pem=args.anchor.cert_pem,
            ca_private_key_pem=args.anchor.private_key_pem,
            is_ca_certificate=True,
            allowed_uses=CA_USES,
            validity_period_hours=args.validity_hours,
            opts=child,
        )
        self.cert_pem = self.certificate.cert_pem
        self.private_key_pem = pulumi.Output.secret(self.private_key.private_key_pem)
        self.expires_at = self.certificate.validity_end_time
        self.register_outputs({"certPem": self.cert_pem, "expiresAt": self.expires_at})
