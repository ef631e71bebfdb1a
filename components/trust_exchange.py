"""Trust across per-cluster stacks, and the one place that decides a stack's trust (`StackTrust`).

`StackTrust.install` decides, for one stack, where its trust bundle and each cluster's issuer come
from, registers what that takes, and hands the answer (`TrustAnswer`) to `Mesh`, which builds the
clusters, links and exports from it and decides nothing about trust:

- a stack that owns its trust (no `trust.fromStack`): the bundle is its own anchors (the
  generated current one, the next one too during a rotation, or `trust.anchor`) plus
  `existingAnchorsPem` (trust.py, `mesh_trust`); each cluster's issuer is `clusters.<name>.issuer`
  if given, else generated here and signed by the anchor that signs now. With `trust.members` the
  anchor (and so everything signed or installed with it) waits until no member lags
  (`gate_on_members`), and the member requests are signed after the clusters are built;
- a member (`trust.fromStack: A`): the bundle is A's `trustAnchorsPem`; each cluster's issuer is
  the supplied one, or the certificate A signed for one of this stack's keys, or the issuer the
  cluster runs, or none yet (the states below).

A stack with `trust.fromStack: A` (a *member* of A) never sees A's key, and A never sees the
member's issuer keys. What crosses stacks is public: certificate requests one way, certificates
the other. Stack outputs involved (docs/outputs.md):

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

The states of the protocol, as each run of a member finds them (`StackTrust._as_member`,
`choose_issuer`); the member reads A's outputs and its own outputs of its last successful update:

1. *no bundle*: A publishes no `trustAnchorsPem` (A never ran): the member installs nothing, on
   any cluster, and publishes its requests;
2. then, for each cluster:
   - *supplied*: `clusters.<name>.issuer` is set: installed as given, checked against A's bundle;
   - *signed*: A's `signedIssuers` holds a certificate, for this stack, of the cluster's configured
     generation: installed with that generation's key, once the certificate is known to be for it;
   - *kept*: the configured generation is not signed (yet) but the stack installed an earlier one:
     that generation stays, its key included (its `IdentityIssuer` stays registered), with A's
     newer certificate for it if A re-signed it (a rotation's `reissue-issuers`);
   - *running*: nothing signed, and the stack installed the cluster before without a generation
     it can name (deployed before this protocol, or a supplied issuer since removed): the issuer
     is read from the cluster's `linkerd-identity-issuer` Secret and kept;
   - *waiting*: nothing signed and nothing installed before: the cluster is not installed (nor
     are its links and exports) until A signs; a warning says to run A.

A member installs a cluster only once it holds a certificate for one of its own keys: the first
time, a member stack publishes its request and installs nothing; after a re-key
(`issuerGeneration` raised) it keeps the installed generation, key included, until the anchor's
stack has signed the new one. A member never uninstalls because the anchor's stack stopped
publishing its certificate: it keeps what it installed and says so.

The anchor's stack, each run: signs every usable request of its members for the clusters listed
for them, with the anchor that signs now; goes ahead with a rotation step (or any change of its
bundle) only when every member that installed something trusts the signing anchor and runs
issuers of a kept anchor; a member report it cannot read holds back rotation steps only, with a
warning otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

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
from .trust import (
    AnchorMaterial,
    IdentityIssuer,
    IdentityIssuerArgs,
    IssuerMaterial,
    TrustAnchor,
    checked_bundle,
    checked_issuer,
    issuer_common_name,
    mesh_trust,
    sign_issuer,
    supplied_issuer,
)

if TYPE_CHECKING:
    from .config.schema import MeshConfig

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
    """The anchor material; in a rotation step, available only once no member lags: everything
    that installs or signs uses it, so a refused step registers nothing new (and `pulumi preview`
    already says so).

    A run that changes no trust (no `rotation`, the same bundle as the last run, or the first run)
    breaks no member's trust, so what a member reports cannot stop it: a member that lags (its
    report names another anchor's bundle or issuers) or reports unreadably gets a warning naming
    it, and the anchor's own clusters still change. A rotation step waits for both."""

    def check(values: list) -> bool:
        found, signer, bundle, previous = values
        problems, unreadable = lagging_members(found, members, signer, bundle)
        rotating = step is not None or (bool(previous) and previous != bundle)
        if not rotating:
            for why in problems:
                pulumi.log.warn(f"{why}; a trust rotation step waits until it installs the current bundle")
            for why in unreadable:
                pulumi.log.warn(f"{why}; a trust rotation step waits until it reports readably")
            return True
        problems += unreadable
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


# -- one stack's answer: where its bundle and each cluster's issuer come from --------------------

def checked(material: IssuerMaterial, bundle_pem: pulumi.Input[str], cluster: str) -> IssuerMaterial:
    """The issuer as the control plane gets it, its certificate checked against the bundle."""
    cert = checked_issuer(material.cert_pem, bundle_pem, f"cluster {cluster!r} issuer")
    return IssuerMaterial(cert_pem=cert, private_key_pem=material.private_key_pem)


@dataclass(frozen=True)
class TrustAnswer:
    """What a stack installs: the bundle every one of its clusters gets, and the issuer of each
    cluster it installs in this run (a member leaves out a cluster that waits for its first
    signature; every issuer is checked against the bundle)."""

    bundle_pem: pulumi.Output[str]
    issuers: dict[str, IssuerMaterial]


class StackTrust:
    """The one place that decides a stack's trust (see the module docstring for the states).

    `install(build)` registers what the trust needs (anchors, issuers, issuer requests, the
    certificates signed for members, reads of running issuers) as children of `parent`, and calls
    `build(answer)` once the answer is known: at once in a stack that owns its trust, and inside
    the apply of the anchor's stack's outputs in a member (which may never call it: it waits).
    What the stack publishes about its trust comes from `outputs`.
    """

    anchor: Optional[AnchorMaterial]
    """The anchor that signs, in a stack that owns its trust; None in a member stack."""
    generated_anchors: list[TrustAnchor]
    """Anchors this stack generated (empty in a member or with a supplied anchor)."""
    bundle_pem: pulumi.Output[Optional[str]]
    """The bundle this stack installs (None while a member waits for the anchor's stack)."""
    source: str
    """The stack whose anchor this stack uses (`trustSource`): itself, or `trust.fromStack`."""

    def __init__(self, config: MeshConfig, self_name: str, stack: Callable[[str], pulumi.StackReference],
                 previous: Callable[[str], pulumi.Output[Any]], providers: dict[str, k8s.Provider],
                 parent: pulumi.Resource):
        self._config, self._self_name, self._stack, self._previous = config, self_name, stack, previous
        self._providers, self._parent = providers, parent
        self._child = pulumi.ResourceOptions(parent=parent)
        self.source = config.trust.from_stack or self_name
        self.anchor, self.generated_anchors = None, []
        self._installed_generation: dict[str, Optional[int]] = {}
        self._issuers: dict[str, IssuerMaterial] = {}
        self._requests: dict[str, IdentityIssuer] = {}
        self._signed: Optional[pulumi.Output[dict]] = None
        self._member_bundle: Optional[pulumi.Output[str]] = None

    def install(self, build: Callable[[TrustAnswer], None]) -> pulumi.Output[bool]:
        """Decide, have `build` install the answer, and return whether it did (a member that
        waits for the anchor's stack installs nothing)."""
        trust = self._config.trust
        if trust.from_stack is not None:
            ready = self._as_member(build)
            self.bundle_pem = ready.apply(lambda ok: self._member_bundle if ok else None)
            return ready
        setup = mesh_trust(trust, self._config.protect, self._child)
        self.generated_anchors, anchor = setup.generated, setup.material
        if trust.members:
            anchor = gate_on_members(anchor, self._member_reports(), trust.member_clusters(), trust.rotation,
                                     self._previous("trustAnchorsPem"))
        self.anchor, self.bundle_pem = anchor, anchor.bundle_pem
        self._answer(build, TrustAnswer(anchor.bundle_pem, {n: self._own_issuer(n) for n in self._config.clusters}))
        if trust.members:
            self._signed = self._sign_members()
        return pulumi.Output.from_input(True)

    def _answer(self, build: Callable[[TrustAnswer], None], answer: TrustAnswer) -> None:
        self._issuers = answer.issuers
        build(answer)

    def outputs(self, after_build: Callable[[Callable[[], Any]], pulumi.Output[Any]]) -> dict[str, Any]:
        """The issuer outputs of the protocol: what this stack installed (`issuerCertsPem`), the
        requests it publishes as a member, the certificates it signs for its members."""
        out: dict[str, Any] = {INSTALLED_OUTPUT: after_build(lambda: {
            n: {"generation": self._installed_generation.get(n), "certPem": i.cert_pem} for n, i in self._issuers.items()
        })}
        if self._requests:
            out[REQUESTS_OUTPUT] = {
                n: {"generation": self._generation(n), "csrPem": issuer.request.cert_request_pem}
                for n, issuer in self._requests.items()
            }
        if self._signed is not None:
            out[SIGNED_OUTPUT] = self._signed
        return out

    def _generation(self, cname: str) -> int:
        cluster, trust = self._config.clusters[cname], self._config.trust
        return cluster.issuer_generation if cluster.issuer_generation is not None else trust.issuer_generation

    # -- a stack that owns its trust ---------------------------------------------------------------
    def _own_issuer(self, cname: str) -> IssuerMaterial:
        """A supplied issuer as it is, or one generated and signed here; either checked against the bundle."""
        cfg, trust = self._config, self._config.trust
        cluster = cfg.clusters[cname]
        assert self.anchor is not None
        if cluster.issuer is not None:
            material = supplied_issuer(cname, cluster.issuer)
            self._installed_generation[cname] = None
        else:
            generation = self._generation(cname)
            self._installed_generation[cname] = generation
            material = IdentityIssuer(
                f"{cname}-issuer",
                IdentityIssuerArgs(anchor=self.anchor, validity_hours=trust.issuer_validity_hours,
                                   trust_domain=cfg.linkerd.trust_domain, generation=generation),
                opts=self._child,
            ).material
        return checked(material, self.anchor.bundle_pem, cname)

    def _member_reports(self) -> pulumi.Output[dict[str, dict[str, Any]]]:
        """What each member stack installed in its last successful update (its own outputs)."""
        return pulumi.Output.all(**{
            m: pulumi.Output.all(bundle=self._stack(m).get_output("trustAnchorsPem"),
                                 issuers=self._stack(m).get_output(INSTALLED_OUTPUT))
            for m in self._config.trust.member_clusters()
        })

    def _sign_members(self) -> pulumi.Output[dict]:
        """`signedIssuers`: one certificate per member request, signed by the anchor that signs now."""
        assert self.anchor is not None
        anchor, cfg = self.anchor, self._config
        members = cfg.trust.member_clusters()
        requests = pulumi.Output.all(**{m: self._stack(m).get_output(REQUESTS_OUTPUT) for m in members})
        subject = issuer_common_name(cfg.linkerd.trust_domain, c.LINKERD_NAMESPACE)
        return requests.apply(lambda found: sign_member_requests(
            found, members, subject, anchor, cfg.trust.issuer_validity_hours, self._child))

    # -- a member stack ------------------------------------------------------------------------------
    def _as_member(self, build: Callable[[TrustAnswer], None]) -> pulumi.Output[bool]:
        """Keys and requests now; the clusters once the anchor's stack has signed (see choose_issuer)."""
        cfg, trust = self._config, self._config.trust
        anchor_stack = trust.from_stack
        assert anchor_stack is not None
        for cname, cluster in cfg.clusters.items():
            if cluster.issuer is None:
                self._requests[cname] = self._member_issuer(cname, self._generation(cname))
        ref = self._stack(anchor_stack)
        inputs = pulumi.Output.all(
            bundle=ref.get_output("trustAnchorsPem"), signed=ref.get_output(SIGNED_OUTPUT),
            installed=self._previous(INSTALLED_OUTPUT), installed_bundle=self._previous("trustAnchorsPem"),
        )

        def decide(v: dict[str, Any]) -> bool:
            if not v["bundle"]:
                pulumi.log.warn(
                    f"stack {anchor_stack} publishes no trust bundle yet: this stack installs nothing until it has. "
                    f"Its issuer requests are published (output {REQUESTS_OUTPUT}); run `pulumi up` on "
                    f"{anchor_stack} (with this stack in its trust.members), then run this stack again")
                return False
            bundle = checked_bundle(pulumi.Output.from_input(v["bundle"]), f"trust bundle of {anchor_stack}")
            self._member_bundle = bundle
            signed = {k: e for k, e in (v["signed"] or {}).items() if e.get("stack") == self._self_name}
            installed = v["installed"] or {}
            # Deployed before, by a version that did not report its issuers (before this protocol).
            unreported = bool(v["installed_bundle"]) and v["installed"] is None
            issuers = {}
            for cname in cfg.clusters:
                material = self._member_cluster_issuer(cname, signed.get(cname), installed.get(cname), bundle,
                                                       keep_running=unreported or cname in installed)
                if material is not None:
                    issuers[cname] = material
            self._answer(build, TrustAnswer(bundle, issuers))
            return True

        return inputs.apply(decide)

    def _member_issuer(self, cname: str, generation: int) -> IdentityIssuer:
        cfg = self._config
        return IdentityIssuer(
            issuer_name(cname, generation),
            IdentityIssuerArgs(anchor=None, validity_hours=cfg.trust.issuer_validity_hours,
                               trust_domain=cfg.linkerd.trust_domain, generation=None),
            opts=self._child,
        )

    def _member_cluster_issuer(self, cname: str, signed: Optional[dict], installed: Optional[dict],
                               bundle: pulumi.Output[str], keep_running: bool) -> Optional[IssuerMaterial]:
        """The issuer a member installs on `cname`, or None while it waits for its first signature.
        `keep_running`: this stack installed the cluster before, so it never uninstalls it for want
        of a signature: it keeps the issuer the cluster runs."""
        cluster, anchor_stack = self._config.clusters[cname], self._config.trust.from_stack
        assert anchor_stack is not None
        if cluster.issuer is not None:
            self._installed_generation[cname] = None
            return checked(supplied_issuer(cname, cluster.issuer), bundle, cname)
        if installed is not None and not isinstance(installed.get("generation"), (int, float)):
            installed = None  # it was a supplied issuer: nothing generated to keep
        choice, wait = choose_issuer(cname, self._generation(cname), signed, installed, anchor_stack)
        if choice is None and keep_running:
            pulumi.log.warn(f"cluster {cname!r} keeps the issuer it runs until {anchor_stack} signs this stack's "
                            f"request: run `pulumi up` on {anchor_stack} (with this stack in its trust.members), "
                            "then run this stack again")
            self._installed_generation[cname] = None
            return checked(running_issuer(cname, self._providers[cname], self._parent), bundle, cname)
        if choice is None:
            pulumi.log.warn(wait or "")
            return None
        if choice.note:
            pulumi.log.warn(choice.note)
        key = (self._requests[cname] if choice.generation == self._generation(cname)
               else self._member_issuer(cname, choice.generation))
        self._installed_generation[cname] = choice.generation
        cert = matching_key(choice.cert_pem, key.private_key.public_key_pem, cname, anchor_stack)
        return checked(IssuerMaterial(cert_pem=cert, private_key_pem=key.private_key_pem), bundle, cname)
