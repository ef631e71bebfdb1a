"""Trust across per-cluster stacks, with every private key in the stack that made it.

A stack with `trust.fromStack: A` (a *member* of A) never sees A's key, and A never sees the
member's issuer keys. What crosses stacks is public: certificate requests one way, certificates
the other. Stack outputs involved (README, "Stack outputs"):

- member -> anchor: `issuerRequests` `{cluster: {generation, csrPem}}`: the request of each
  generated issuer's key (`IdentityIssuer` without an anchor);
- anchor -> member: `signedIssuers` `{cluster: {generation, certPem, stack}}`: the anchor's stack
  signs, with the anchor that signs now, each request of a stack in its `trust.members` for a
  cluster listed there, once it is a plain issuer request (`usable_requests`), so a rotation's
  `reissue-issuers` re-signs the members too;
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
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from . import cert_checks
from . import constants as c
from .trust import AnchorMaterial, IssuerMaterial, sign_issuer

REQUESTS_OUTPUT = "issuerRequests"
SIGNED_OUTPUT = "signedIssuers"
INSTALLED_OUTPUT = "issuerCertsPem"
SOURCE_OUTPUT = "trustSource"


class LaggingStacks(pulumi.RunError):
    """A rotation step that would break cross-cluster mTLS for stacks that have not caught up."""


class UnusableRequest(Exception):
    """A member's issuer request the anchor's stack does not sign (the message says why)."""


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

MAX_REQUEST_CHARS = 4096
"""Longest issuer request the anchor's stack reads: a P-256 request with one name is about 450
characters; a request of megabytes (thousands of names) would pass a preview and fail the update."""


@dataclass(frozen=True)
class Request:
    """A member's issuer request the anchor's stack may sign."""

    generation: int
    csr_pem: str
    public_key: bytes
    """DER of its public key: one key, one request."""


def _describe_extensions(csr: x509.CertificateSigningRequest) -> str:
    names = []
    for ext in csr.extensions:
        if isinstance(ext.value, x509.SubjectAlternativeName):
            names.append("subjectAltName " + ", ".join(str(n.value) for n in list(ext.value)[:3])
                         + (", ..." if len(list(ext.value)) > 3 else ""))
        elif isinstance(ext.value, x509.UnrecognizedExtension):
            names.append(f"extension {ext.oid.dotted_string}")
        else:
            names.append(type(ext.value).__name__)
    return "; ".join(names)


def _parsed_request(entry: Any, subject: str) -> Request:
    """The request, once it is one the anchor may sign as it is; else UnusableRequest saying why.

    pulumi-tls signs what the request holds: the certificate takes its subject and its DNS, IP and
    URI names (terraform-provider-tls resource_locally_signed_cert.go), and the anchor's stack
    cannot override them. So it signs only a request whose subject is the issuer name it would
    give (`CN=identity.linkerd.<trustDomain>`: not the anchor's name, linkerd/linkerd2#5350, nor
    any other) and that asks for no extension at all: no names for other identities or hosts."""
    # Numbers cross stacks as JSON numbers, which the Python SDK reads back as floats.
    generation = entry.get("generation") if isinstance(entry, dict) else None
    if (not isinstance(entry, dict) or not isinstance(entry.get("csrPem"), str)
            or not isinstance(generation, (int, float)) or isinstance(generation, bool)
            or generation != int(generation) or generation < 0):
        raise UnusableRequest("expected {generation, csrPem}")
    pem = entry["csrPem"]
    if len(pem) > MAX_REQUEST_CHARS:
        raise UnusableRequest(f"the request is {len(pem)} characters; an issuer request is under {MAX_REQUEST_CHARS}")
    try:
        csr = x509.load_pem_x509_csr(pem.encode())
        key, extensions, asked = csr.public_key(), csr.extensions, csr.subject.rfc4514_string()
    except (ValueError, UnsupportedAlgorithm) as e:
        raise UnusableRequest(f"not a readable PEM certificate request ({e})") from None
    # Linkerd's issuer rule (pkg/issuercerts): an ECDSA P-256 key.
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1" or not csr.is_signature_valid:
        raise UnusableRequest("Linkerd issuers need a self-signed ECDSA P-256 request")
    if csr.subject != x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]):
        raise UnusableRequest(f"it asks for subject {asked or '(empty)'!r}; issuers are signed as CN={subject} only")
    if len(extensions):
        raise UnusableRequest(f"it asks for {_describe_extensions(csr)}; an issuer request carries no extension")
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return Request(int(generation), pem, der)


def usable_requests(requests: dict[str, Any], members: dict[str, list[str]], subject: str,
                    warn: Callable[[str], None]) -> dict[str, tuple[str, Request]]:
    """`cluster -> (member stack, request)` for every request the anchor's stack may sign.

    Each member's `issuerRequests` is read on its own: what is wrong with one member (a request
    for a cluster `trust.members` does not give it, an unreadable or over-reaching request, a key
    another request already uses) is refused with a warning naming the member and what it asked
    for, and the rest is signed, so one member cannot stop the anchor's stack."""
    usable: dict[str, tuple[str, Request]] = {}
    keys: dict[bytes, str] = {}
    for stack in sorted(members):
        published = requests.get(stack)
        if published is None:
            continue  # it never ran
        if not isinstance(published, dict):
            warn(f"stack {stack}: output {REQUESTS_OUTPUT} is {type(published).__name__}, not a map of cluster to "
                 "{generation, csrPem}; nothing of it is signed")
            continue
        refused = []
        for cluster, entry in sorted(published.items(), key=lambda item: str(item[0])):
            request, why = _checked(cluster, entry, members[stack], subject, keys)
            if request is None:
                refused.append(f"{str(cluster)[:64]!r}: {why}")
                continue
            keys[request.public_key] = f"{cluster!r} of {stack}"
            usable[cluster] = (stack, request)
        if refused:
            # One warning a member, however many entries it publishes.
            more = f"; and {len(refused) - 3} more" if len(refused) > 3 else ""
            warn(f"stack {stack}: issuerRequests not signed for {'; '.join(refused[:3])}{more}")
    return usable


def _checked(cluster: Any, entry: Any, allowed: list[str], subject: str,
             keys: dict[bytes, str]) -> tuple[Optional[Request], str]:
    """The request of one entry of a member's requests, or None and why it is not signed."""
    if cluster not in allowed:
        return None, f"trust.members gives this stack the clusters {', '.join(allowed)} only"
    try:
        request = _parsed_request(entry, subject)
    except UnusableRequest as e:
        return None, str(e)
    if request.public_key in keys:
        return None, f"its key is the key of the request for {keys[request.public_key]}; one key, one request"
    return request, ""


def sign_member_requests(requests: dict[str, Any], members: dict[str, list[str]], subject: str,
                         anchor: AnchorMaterial, validity_hours: int,
                         opts: pulumi.ResourceOptions) -> pulumi.Output[dict[str, Any]]:
    """Register one signed issuer certificate per usable member request; `requests` is each member
    stack's `issuerRequests` (None when it never ran). Returns the `signedIssuers` output."""
    signed: dict[str, Any] = {}
    for cluster, (stack, request) in usable_requests(requests, members, subject, pulumi.log.warn).items():
        cert = sign_issuer(f"{cluster}-member-issuer-cert", request.csr_pem, anchor, validity_hours, opts)
        signed[cluster] = {"generation": request.generation, "certPem": cert.cert_pem, "stack": stack}
    return pulumi.Output.from_input(signed)


class UnreadableReport(Exception):
    """A member's `trustAnchorsPem` / `issuerCertsPem` that cannot be read."""


def _installed(stack: str, report: dict[str, Any], clusters: list[str]) -> tuple[list[x509.Certificate], dict[str, x509.Certificate]]:
    """(bundle, issuer per cluster) a member reports installed; UnreadableReport if it cannot be read."""
    bundle, issuers = report.get("bundle"), report.get("issuers") or {}
    try:
        if not isinstance(bundle, str) or not isinstance(issuers, dict):
            raise UnreadableReport("trustAnchorsPem must be PEM text and issuerCertsPem a map of cluster to {generation, certPem}")
        trusted = cert_checks.split_bundle(bundle, f"trustAnchorsPem of {stack}")
        installed = {}
        for cluster in clusters:  # what it reports for clusters it may not install is not read
            entry = issuers.get(cluster)
            if entry is None:
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("certPem"), str):
                raise UnreadableReport(f"{INSTALLED_OUTPUT}.{cluster} of {stack} must be {{generation, certPem}}")
            installed[cluster] = cert_checks.split_bundle(entry["certPem"], f"{INSTALLED_OUTPUT}.{cluster} of {stack}")[0]
    except cert_checks.CertificateError as e:
        raise UnreadableReport(str(e)) from None
    return trusted, installed


def lagging_members(reports: dict[str, dict[str, Any]], members: dict[str, list[str]], signer_pem: str,
                    bundle_pem: str) -> tuple[list[str], list[str]]:
    """(members whose installed trust this run would break, each with what it lacks; members whose
    report cannot be read, each with what is wrong).

    A step may go ahead when every member that installed anything (a) already trusts the anchor
    that signs from this run on (else it rejects every peer re-issued by it: checked at
    `reissue-issuers`), and (b) holds issuers that chain to an anchor this run keeps (else every
    peer rejects it once the old anchor leaves the bundle: checked when the rotation finishes)."""
    signer = cert_checks.split_bundle(signer_pem, "signing anchor")[0]
    kept = cert_checks.split_bundle(bundle_pem, "trust bundle")
    problems, unreadable = [], []
    for stack in sorted(reports):
        report = reports[stack] if isinstance(reports[stack], dict) else {}
        if not report.get("bundle"):
            continue  # nothing installed yet: it starts with the current bundle
        try:
            trusted, installed = _installed(stack, report, members.get(stack, []))
        except UnreadableReport as e:
            unreadable.append(f"{stack} reports what it installed unreadably ({e})")
            continue
        if signer not in trusted:
            problems.append(f"{stack} does not trust the new anchor yet (its clusters have the bundle of an earlier step)")
        for cluster, issuer in sorted(installed.items()):
            if not cert_checks.chains_to(issuer, kept):
                problems.append(f"{stack} still runs cluster {cluster!r} on an issuer of the anchor this step removes")
    return problems, unreadable


def gate_on_members(anchor: AnchorMaterial, reports: pulumi.Output[dict[str, dict[str, Any]]],
                    members: dict[str, list[str]], step: Optional[str],
                    previous_bundle: pulumi.Output[Optional[str]]) -> AnchorMaterial:
    """The anchor material, available only once no member lags: everything that installs or signs
    uses it, so a refused step registers nothing new (and `pulumi preview` already says so).

    A member whose report cannot be read holds back a rotation step (its trust is unknown), but
    not a run that changes no trust (no `rotation`, the same bundle as the last run): the anchor's
    own clusters can still change, with a warning naming that member."""

    def check(values: list) -> bool:
        found, signer, bundle, previous = values
        problems, unreadable = lagging_members(found, members, signer, bundle)
        rotating = step is not None or (bool(previous) and previous != bundle)
        if rotating:
            problems += unreadable
        for why in ([] if rotating else unreadable):
            pulumi.log.warn(f"{why}; a trust rotation step waits until it reports readably")
        if problems:
            lagging = "; ".join(problems)
            raise LaggingStacks(
                f"trust rotation held back ({step or 'no rotation step'}): {lagging}. Run `pulumi up` on those "
                "stacks (they install the current step), then run this stack again"
            )
        return True

    ok = pulumi.Output.all(reports, anchor.cert_pem, anchor.bundle_pem, previous_bundle).apply(check)
    return AnchorMaterial(
        cert_pem=pulumi.Output.all(anchor.cert_pem, ok).apply(lambda v: v[0]),
        private_key_pem=anchor.private_key_pem,
        bundle_pem=pulumi.Output.all(anchor.bundle_pem, ok).apply(lambda v: v[0]),
    )
