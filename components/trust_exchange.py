"""Trust across per-cluster stacks, with every private key in the stack that made it.

A stack with `trust.fromStack: A` (a *member* of A) never sees A's key, and A never sees the
member's issuer keys. What crosses stacks is public: certificate requests one way, certificates
the other. Stack outputs involved (README, "Stack outputs"):

- member -> anchor: `issuerRequests` `{cluster: {generation, csrPem}}`: the request of each
  generated issuer's key (`IdentityIssuer` without an anchor);
- anchor -> member: `signedIssuers` `{cluster: {generation, certPem, stack}}`: the anchor's stack
  signs every request of the stacks in its `trust.members` with the anchor that signs now
  (`sign_member_requests`), so a rotation's `reissue-issuers` re-signs the members too;
- member -> anchor: `trustAnchorsPem` and `issuerCertsPem` `{cluster: {generation, certPem}}`: the
  bundle and issuers the member *installed* in its last successful `pulumi up` (a failed update
  does not change a stack's outputs). The anchor's stack reads them to hold a rotation step back
  while a member lags (`lagging_members`).

A member installs a cluster only once it holds a certificate for one of its own keys
(`choose_issuer`): the first time, a member stack publishes its request and installs nothing; after
a re-key (`issuerGeneration` raised) it keeps the installed generation, key included, until the
anchor's stack has signed the new one. A member never uninstalls because the anchor's stack
stopped publishing its certificate: it keeps what it installed and says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import base64

import pulumi
import pulumi_kubernetes as k8s
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from . import cert_checks
from . import constants as c
from .trust import AnchorMaterial, IssuerMaterial, sign_issuer

REQUESTS_OUTPUT = "issuerRequests"
SIGNED_OUTPUT = "signedIssuers"
INSTALLED_OUTPUT = "issuerCertsPem"
SOURCE_OUTPUT = "trustSource"


class LaggingStacks(pulumi.RunError):
    """A rotation step that would break cross-cluster mTLS for stacks that have not caught up."""


class UnusableRequest(pulumi.RunError):
    """A member stack published an issuer request that Linkerd could not use, or a cluster twice."""


def issuer_name(cluster: str, generation: int) -> str:
    """One `IdentityIssuer` per generation in a member stack: the installed key survives a re-key
    until the new one is signed. Generation 0 keeps the single-stack name."""
    return f"{cluster}-issuer" if generation == 0 else f"{cluster}-issuer-g{generation}"


# -- member side -------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuerChoice:
    generation: int
    """The generation whose key the certificate belongs to."""
    cert_pem: str
    note: Optional[str] = None
    """Why this is not the configured generation's certificate from the anchor's stack (a warning)."""


def choose_issuer(cluster: str, generation: int, signed: Optional[dict], installed: Optional[dict],
                  anchor_stack: str) -> tuple[Optional[IssuerChoice], Optional[str]]:
    """Which certificate, for which generation's key, a member installs for `cluster`; or None and
    why it waits. `signed`: the anchor's `signedIssuers[cluster]`; `installed`: this stack's own
    `issuerCertsPem[cluster]` from its previous run."""
    run_anchor = (f"run `pulumi up` on {anchor_stack} (with this stack in its trust.members), "
                  f"then run this stack again")
    if signed is not None and signed.get("generation") == generation:
        return IssuerChoice(generation, signed["certPem"]), None
    if installed is not None:
        kept = int(installed["generation"])
        # The anchor's stack may have re-signed the installed key (a rotation's reissue-issuers).
        cert = signed["certPem"] if signed is not None and signed.get("generation") == kept else installed["certPem"]
        if signed is None:
            why = (f"stack {anchor_stack} publishes no signed issuer for {cluster!r}; this stack keeps the "
                   f"issuer it installed (generation {kept}). Check trust.members there")
        else:
            why = (f"cluster {cluster!r}: issuer generation {generation} waits for {anchor_stack} to sign it; "
                   f"generation {kept} stays installed until then: {run_anchor}")
        return IssuerChoice(kept, cert, note=why), None
    return None, (f"cluster {cluster!r} waits for {anchor_stack} to sign its issuer (generation {generation}); "
                  f"this stack installs nothing on it until then: {run_anchor}")


def running_issuer(cluster: str, provider: k8s.Provider, parent: pulumi.Resource) -> IssuerMaterial:
    """The issuer the cluster runs now, read from its `linkerd-identity-issuer` Secret: what a
    member keeps while it waits for the anchor's stack to sign its first request, when this stack
    installed the cluster before without a certificate it can name (a stack deployed before this
    protocol, or a supplied issuer removed from the config). Its key was in this stack already."""
    secret = k8s.core.v1.Secret.get(
        f"{cluster}-running-issuer", f"{c.LINKERD_NAMESPACE}/{c.ISSUER_SECRET_NAME}",
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )

    def field(name: str) -> pulumi.Output[str]:
        return secret.data.apply(lambda data: base64.b64decode((data or {})[name]).decode())

    return IssuerMaterial(cert_pem=field("tls.crt"), private_key_pem=pulumi.Output.secret(field("tls.key")))


def matching_key(cert_pem: pulumi.Input[str], public_key_pem: pulumi.Input[str], cluster: str,
                 anchor_stack: str) -> pulumi.Output[str]:
    """The certificate, once it is known to be for this key (else the control plane would get a
    certificate and a key that do not belong together)."""

    def check(values: list) -> str:
        cert, public = values
        [parsed] = cert_checks.split_bundle(cert, f"certificate {anchor_stack} signed for {cluster!r}")
        ours = serialization.load_pem_public_key(public.encode())
        if parsed.public_key().public_numbers() != ours.public_numbers():  # type: ignore[union-attr]
            raise pulumi.RunError(
                f"the issuer certificate {anchor_stack} signed for {cluster!r} is not for this stack's issuer key "
                f"(its key was replaced since): run `pulumi up` on {anchor_stack}, then run this stack again"
            )
        return cert

    return pulumi.Output.all(cert_pem, public_key_pem).apply(check)


# -- anchor side -------------------------------------------------------------------------------

def _request(stack: str, cluster: str, entry: Any) -> tuple[int, str]:
    where = f"{REQUESTS_OUTPUT}.{cluster} of stack {stack}"
    # Numbers cross stacks as JSON numbers, which the Python SDK reads back as floats.
    generation = entry.get("generation") if isinstance(entry, dict) else None
    if (not isinstance(entry, dict) or not isinstance(entry.get("csrPem"), str)
            or not isinstance(generation, (int, float)) or isinstance(generation, bool)
            or generation != int(generation) or generation < 0):
        raise UnusableRequest(f"{where}: expected {{generation, csrPem}}")
    try:
        csr = x509.load_pem_x509_csr(entry["csrPem"].encode())
    except ValueError as e:
        raise UnusableRequest(f"{where}: not a PEM certificate request ({e})") from None
    key = csr.public_key()
    # Linkerd's issuer rule (pkg/issuercerts): an ECDSA P-256 key.
    if not csr.is_signature_valid or not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise UnusableRequest(f"{where}: Linkerd issuers need a self-signed ECDSA P-256 request")
    return int(generation), entry["csrPem"]


def sign_member_requests(requests: dict[str, Any], own_clusters: set[str], anchor: AnchorMaterial,
                         validity_hours: int, opts: pulumi.ResourceOptions,
                         valid_cluster: Callable[[str], bool]) -> pulumi.Output[dict[str, Any]]:
    """Register one signed issuer certificate per requested cluster; `requests` is each member
    stack's `issuerRequests` (None when it never ran). Returns the `signedIssuers` output."""
    owner: dict[str, str] = {}
    signed: dict[str, Any] = {}
    for stack in sorted(requests):
        for cluster, entry in sorted((requests[stack] or {}).items()):
            if not valid_cluster(cluster):
                raise UnusableRequest(f"stack {stack} requests an issuer for {cluster!r}, which is not a cluster name")
            if cluster in own_clusters or cluster in owner:
                other = "this stack" if cluster in own_clusters else f"stack {owner[cluster]}"
                raise UnusableRequest(f"stacks {stack} and {other} both install a cluster named {cluster!r}; "
                                      "cluster names are unique across a mesh")
            owner[cluster] = stack
            generation, csr = _request(stack, cluster, entry)
            cert = sign_issuer(f"{cluster}-member-issuer-cert", csr, anchor, validity_hours, opts)
            signed[cluster] = {"generation": generation, "certPem": cert.cert_pem, "stack": stack}
    return pulumi.Output.from_input(signed)


def lagging_members(reports: dict[str, dict[str, Any]], signer_pem: str, bundle_pem: str) -> list[str]:
    """Members whose installed trust this run would break, each with what it lacks.

    A step may go ahead when every member that installed anything (a) already trusts the anchor
    that signs from this run on (else it rejects every peer re-issued by it: checked at
    `reissue-issuers`), and (b) holds issuers that chain to an anchor this run keeps (else every
    peer rejects it once the old anchor leaves the bundle: checked when the rotation finishes)."""
    signer = cert_checks.split_bundle(signer_pem, "signing anchor")[0]
    kept = cert_checks.split_bundle(bundle_pem, "trust bundle")
    problems = []
    for stack in sorted(reports):
        report = reports[stack]
        installed_bundle = report.get("bundle")
        if not installed_bundle:
            continue  # nothing installed yet: it starts with the current bundle
        trusted = cert_checks.split_bundle(installed_bundle, f"trustAnchorsPem of {stack}")
        if signer not in trusted:
            problems.append(f"{stack} does not trust the new anchor yet (its clusters have the bundle of an earlier step)")
        for cluster, entry in sorted((report.get("issuers") or {}).items()):
            [issuer] = cert_checks.split_bundle(entry["certPem"], f"{INSTALLED_OUTPUT}.{cluster} of {stack}")
            if not cert_checks.chains_to(issuer, kept):
                problems.append(f"{stack} still runs cluster {cluster!r} on an issuer of the anchor this step removes")
    return problems


def gate_on_members(anchor: AnchorMaterial, reports: pulumi.Output[dict[str, dict[str, Any]]],
                    step: str) -> AnchorMaterial:
    """The anchor material, available only once no member lags: everything that installs or signs
    uses it, so a refused step registers nothing new (and `pulumi preview` already says so)."""

    def check(values: list) -> bool:
        found, signer, bundle = values
        problems = lagging_members(found, signer, bundle)
        if problems:
            lagging = "; ".join(problems)
            raise LaggingStacks(
                f"trust rotation held back ({step}): {lagging}. Run `pulumi up` on those stacks "
                "(they install the current step), then run this stack again"
            )
        return True

    ok = pulumi.Output.all(reports, anchor.cert_pem, anchor.bundle_pem).apply(check)
    return AnchorMaterial(
        cert_pem=pulumi.Output.all(anchor.cert_pem, ok).apply(lambda v: v[0]),
        private_key_pem=anchor.private_key_pem,
        bundle_pem=pulumi.Output.all(anchor.bundle_pem, ok).apply(lambda v: v[0]),
    )
