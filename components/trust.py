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
from typing import TYPE_CHECKING, Optional, Sequence

import pulumi
import pulumi_tls as tls
from cryptography.hazmat.primitives import serialization

from . import cert_checks

if TYPE_CHECKING:
    from .config.schema import CertKeyPair, TrustConfig

# Subjects follow the Linkerd docs' conventions; anchor and issuer must not share a subject
# (linkerd/linkerd2#5350: identical names made proxies reject the chain).
ANCHOR_COMMON_NAME = "root.linkerd.cluster.local"
CA_USES = ["cert_signing", "crl_signing"]
ANCHOR_PATH_LENGTH = 1
"""`pathlen:1`, as `step ... --profile root-ca` gives the anchor in Linkerd's docs: one CA (an
issuer) may stand between the anchor and a proxy certificate, so a CA signed by an issuer is
rejected by verifiers that enforce RFC 5280 path lengths (rustls/webpki in the proxy, Go's
crypto/x509). The issuer's own `pathlen:0` (`--profile intermediate-ca`) cannot be expressed:
terraform-provider-tls copies `max_path_length` into Go's `MaxPathLen` and never sets
`MaxPathLenZero`, so 0 means "no limit" (internal/provider/common_cert.go, createCertificate)."""


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
            max_path_length=ANCHOR_PATH_LENGTH,
            # An anchor generated before it had a path length keeps its certificate: replacing it
            # would change every cluster's bundle at once, outside a rotation (the members'
            # installed bundles would no longer hold the signing anchor, and the anchor's stack
            # would hold itself back). It gets pathlen:1 with the next anchor generation.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["max_path_length"]),
        )
        self.material = AnchorMaterial(
            cert_pem=self.certificate.cert_pem,
            private_key_pem=pulumi.Output.secret(self.private_key.private_key_pem),
            bundle_pem=self.certificate.cert_pem.apply(lambda pem: normalize_bundle([pem])),
        )
        self.register_outputs({"certPem": self.certificate.cert_pem, "bundlePem": self.material.bundle_pem})


@dataclass(frozen=True)
class IssuerMaterial:
    """One cluster's issuer as the control plane gets it (generated here or supplied)."""

    cert_pem: pulumi.Output[str]
    private_key_pem: pulumi.Output[str]
    """A Pulumi secret."""


@dataclass(frozen=True)
class IdentityIssuerArgs:
    anchor: Optional[AnchorMaterial]
    """The anchor that signs the issuer here; None in a stack with `trust.fromStack`, whose
    issuers the anchor's stack signs from the published request (components/trust_exchange.py)."""
    validity_hours: int
    trust_domain: str
    linkerd_namespace: str = "linkerd"
    generation: Optional[int] = 0
    """Raising it replaces key, request and certificate: an explicit re-issue, because pulumi-tls
    does not renew by itself (pulumi/pulumi-tls#39). None: no replacement trigger, for issuers that
    keep one key per generation under their own names (a member stack keeps its old key until the
    anchor's stack has signed the new one)."""


class IdentityIssuer(pulumi.ComponentResource):
    """One cluster's identity issuer: an intermediate CA signed by the shared anchor.

    Linkerd's identity controller signs every proxy certificate of the cluster with it. Without an
    anchor (`args.anchor` None) it is the key and its certificate request only: the request is
    public and travels to the anchor's stack, the key never leaves this stack.
    """

    private_key: tls.PrivateKey
    request: tls.CertRequest
    certificate: Optional[tls.LocallySignedCert]
    private_key_pem: pulumi.Output[str]

    def __init__(self, name: str, args: IdentityIssuerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:trust:IdentityIssuer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.private_key = tls.PrivateKey(
            f"{name}-key", algorithm="ECDSA", ecdsa_curve="P256",
            opts=pulumi.ResourceOptions(parent=self, replacement_trigger=args.generation),
        )
        self.private_key_pem = pulumi.Output.secret(self.private_key.private_key_pem)
        self.request = request = tls.CertRequest(
            f"{name}-csr",
            private_key_pem=self.private_key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(common_name=issuer_common_name(args.trust_domain, args.linkerd_namespace)),
            opts=child,
        )
        self.certificate = None
        if args.anchor is None:
            self.register_outputs({"certRequestPem": request.cert_request_pem})
            return
        self.certificate = sign_issuer(f"{name}-cert", request.cert_request_pem, args.anchor, args.validity_hours, child)
        self.material = IssuerMaterial(cert_pem=self.certificate.cert_pem, private_key_pem=self.private_key_pem)
        self.register_outputs({"certPem": self.certificate.cert_pem, "expiresAt": self.certificate.validity_end_time})


def issuer_common_name(trust_domain: str, linkerd_namespace: str = "linkerd") -> str:
    """CN `identity.<linkerd ns>.<trust domain>`: the name the identity controller reports in its
    errors and the CLI uses for the certificates it generates (cli/cmd/options.go)."""
    return f"identity.{linkerd_namespace}.{trust_domain}"


def sign_issuer(name: str, request_pem: pulumi.Input[str], anchor: AnchorMaterial, validity_hours: int,
                opts: pulumi.ResourceOptions) -> tls.LocallySignedCert:
    """An issuer certificate for a request: a CA signed by the anchor that signs now."""
    # No max_path_length: pulumi-tls cannot express pathlen:0 (see ANCHOR_PATH_LENGTH); the
    # anchor's pathlen:1 keeps CAs below an issuer out of every chain to a generated anchor.
    return tls.LocallySignedCert(
        name,
        cert_request_pem=request_pem,
        ca_cert_pem=anchor.cert_pem,
        ca_private_key_pem=anchor.private_key_pem,
        is_ca_certificate=True,
        allowed_uses=CA_USES,
        validity_period_hours=validity_hours,
        opts=opts,
    )


# -- checks at preview time ------------------------------------------------------------------

def checked_bundle(bundle_pem: pulumi.Output[str], where: str) -> pulumi.Output[str]:
    """The bundle, after Linkerd's anchor rules (errors stop the program, warnings are shown).

    Runs whenever the bundle is known: at once for supplied anchors, and in every preview of a
    stack whose generated anchor exists, so an anchor nearing expiry is flagged before an `up`.
    """

    def check(bundle: str) -> str:
        findings = []
        for i, cert in enumerate(cert_checks.split_bundle(bundle, where)):
            findings += cert_checks.check_anchor(cert, f"{where} certificate {i + 1}", cert_checks.now())
        cert_checks.raise_or_warn(findings, pulumi.log.warn)
        return bundle

    return bundle_pem.apply(check)


def checked_issuer(issuer_cert_pem: pulumi.Input[str], bundle_pem: pulumi.Input[str], where: str) -> pulumi.Output[str]:
    """The issuer certificate, after Linkerd's issuer rules against the bundle it must chain to."""

    def check(values: list) -> str:
        cert_pem, bundle = values
        [cert] = cert_checks.split_bundle(cert_pem, where)
        anchors = cert_checks.split_bundle(bundle, "trust bundle")
        cert_checks.raise_or_warn(cert_checks.check_issuer(cert, None, anchors, where, cert_checks.now()), pulumi.log.warn)
        return cert_pem

    return pulumi.Output.all(issuer_cert_pem, bundle_pem).apply(check)


def supplied_issuer(cluster: str, pair: "CertKeyPair") -> IssuerMaterial:
    """An existing issuer from config; its key must match (checked now, before anything runs)."""
    where = f"clusters.{cluster}.issuer"
    [cert] = cert_checks.split_bundle(pair.cert_pem, f"{where}.certPem")
    findings = cert_checks.check_issuer(cert, pair.key_pem, [], where, cert_checks.now())
    cert_checks.raise_or_warn([f for f in findings if f.level == "error"], pulumi.log.warn)
    return IssuerMaterial(
        cert_pem=pulumi.Output.from_input(pair.cert_pem.strip() + "\n"),
        private_key_pem=pulumi.Output.secret(pair.key_pem.strip() + "\n"),
    )


def expiry(cert_pem: pulumi.Input[str]) -> pulumi.Output[list[dict]]:
    """`[{subject, notAfter}]` of each certificate in a PEM text, for the stack outputs."""
    return pulumi.Output.from_input(cert_pem).apply(
        lambda text: [
            {"subject": c.subject.rfc4514_string(), "notAfter": c.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")}
            for c in cert_checks.split_bundle(text, "certificate")
        ]
    )


# -- the mesh's trust: which anchors exist, which one signs, what every cluster trusts ----------

@dataclass(frozen=True)
class MeshTrust:
    material: AnchorMaterial
    """The signing anchor and the (checked) bundle."""
    generated: list[TrustAnchor]
    """Anchors this stack generated (empty with fromStack or a supplied anchor)."""


def anchor_name(generation: int) -> str:
    """Generation 0 keeps the original name, so existing stacks see no change."""
    return "trust-anchor" if generation == 0 else f"trust-anchor-g{generation}"


def mesh_trust(trust: "TrustConfig", protect: bool, opts: pulumi.ResourceOptions) -> MeshTrust:
    """Anchors and bundle for a stack that owns its trust (no fromStack).

    The anchor of generation+1 always exists, unused, beside the current one (see below).
    Rotation, in the order Linkerd needs (each a stack-config change and one `pulumi up`):
    1. `rotation: add-anchor`: generation+1 is bundled beside the current anchor;
       issuers stay signed by the current one. Every proxy learns to trust the new anchor.
    2. `rotation: reissue-issuers`: issuers are re-signed by generation+1 (bundle unchanged).
    3. `anchorGeneration: +1`, no rotation: the old anchor leaves the bundle and is deleted, and
       the anchor of the generation after is minted, unused.

    `protect` guards an anchor's key while it is in use. The engine reads protect from the
    previous state (pulumi/pulumi pkg/resource/deploy/step.go, DeleteStep), so the superseded
    anchor loses its protection in step 2, the run *before* the one that deletes it; a rotation
    that skips step 2 is refused by `pulumi preview`, before anything changes.
    """
    existing = []
    if trust.existing_anchors_pem:
        existing = [c.public_bytes(serialization.Encoding.PEM).decode()
                    for c in cert_checks.split_bundle(trust.existing_anchors_pem, "trust.existingAnchorsPem")]
    if trust.anchor is not None:
        cert_checks.split_bundle(trust.anchor.cert_pem, "trust.anchor.certPem")
        signer_cert = pulumi.Output.from_input(trust.anchor.cert_pem.strip() + "\n")
        bundle = normalize_bundle(existing + [trust.anchor.cert_pem])
        material = AnchorMaterial(
            cert_pem=signer_cert,
            private_key_pem=pulumi.Output.secret(trust.anchor.key_pem),
            bundle_pem=checked_bundle(pulumi.Output.from_input(bundle), "trust bundle"),
        )
        return MeshTrust(material=material, generated=[])

    current, following = trust.anchor_generation, trust.anchor_generation + 1
    # The next generation is minted one `pulumi up` ahead of the rotation that bundles it: a
    # certificate created in the same run is unknown in that run's preview, and a helm.v4.Chart
    # whose values are unknown renders nothing in a preview, which the engine shows as a delete of
    # every object of the control-plane chart (pulumi-kubernetes helm/v4/chart.go; observed on the
    # real tier, e2e/tests/test_engine_rules.py). Minted ahead, the bundle of `add-anchor` is known.
    superseded = current if trust.rotation == "reissue-issuers" else None
    anchors = {
        g: TrustAnchor(anchor_name(g), TrustAnchorArgs(validity_hours=trust.anchor_validity_hours,
                                                       protect=protect and g != superseded), opts=opts)
        for g in (current, following)
    }
    bundled = [anchors[current]] + ([anchors[following]] if trust.rotation is not None else [])
    signer = anchors[following] if trust.rotation == "reissue-issuers" else anchors[current]
    bundle = pulumi.Output.all(*[a.certificate.cert_pem for a in bundled]).apply(
        lambda pems: normalize_bundle(existing + list(pems))
    )
    material = AnchorMaterial(
        cert_pem=signer.material.cert_pem,
        private_key_pem=signer.material.private_key_pem,
        bundle_pem=checked_bundle(bundle, "trust bundle"),
    )
    return MeshTrust(material=material, generated=list(anchors.values()))
