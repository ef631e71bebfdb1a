"""`trust-anchors-identical`: every cluster trusts the same anchors.

Its failing and passing cases: tests/policy/test_trust_anchors_identical.py.
"""
from __future__ import annotations

from collections import Counter

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .common import CannotVerifyDuringPreview
from .pem import normalise_fingerprint, short_fingerprints, trust_bundles


def validate_trust_anchors(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every cluster of the mesh must trust exactly the same anchor certificates.

    Why: a proxy accepts a peer's identity only if it chains to one of its own trust anchors, so
    cross-cluster mTLS through the gateway fails unless the bundles agree. `linkerd multicluster
    check` ("clusters share trust anchors", multicluster/cmd/check.go `checkRemoteClusterAnchors`)
    decodes `identityTrustAnchorsPEM` from each cluster's `linkerd-config` and requires the same
    number of anchors with each remote anchor equal to a local one: set equality, which is what
    is compared here (by SHA-256 of each certificate).

    Where: the control-plane chart renders the bundle into ConfigMap `linkerd-identity-trust-roots`
    (`ca-bundle.crt`) and ConfigMap `linkerd-config` (`values`), one per cluster provider; a
    `helm.v3.Release` of linkerd-control-plane shows it in its inputs. A stack that installs one
    cluster only (the other in another stack) has nothing to compare within itself; pin the
    expected anchors with the policy config `trustAnchorFingerprints` to check it anyway.
    """
    config = args.get_config() or {}
    pinned = tuple(sorted(normalise_fingerprint(str(f)) for f in config.get("trustAnchorFingerprints") or []))
    bundles, unknown = trust_bundles(args.resources)
    violations = 0

    for b in bundles:
        if not b.fingerprints:
            violations += 1
            report_violation(
                f"{b.source} on cluster {b.cluster!r} holds no PEM certificate; Linkerd's identity "
                "controller and proxies would have no trust anchor to verify identities with.",
                b.urn,
            )

    if pinned:
        for b in bundles:
            if b.fingerprints and b.fingerprints != pinned:
                violations += 1
                report_violation(
                    f"{b.source} on cluster {b.cluster!r} trusts {short_fingerprints(b.fingerprints)}, but the "
                    f"policy config trustAnchorFingerprints pins {short_fingerprints(pinned)}.",
                    b.urn,
                )
    else:
        sets = Counter(b.fingerprints for b in bundles if b.fingerprints)
        if len(sets) > 1:
            # The most common set is the reference; a tie goes to the alphabetically first cluster.
            def first_cluster(fps: tuple[str, ...]) -> str:
                return min(b.cluster for b in bundles if b.fingerprints == fps)

            reference = min(sets, key=lambda fps: (-sets[fps], first_cluster(fps)))
            ref_clusters = sorted({b.cluster for b in bundles if b.fingerprints == reference})
            for b in bundles:
                if b.fingerprints and b.fingerprints != reference:
                    violations += 1
                    report_violation(
                        f"{b.source} on cluster {b.cluster!r} trusts {short_fingerprints(b.fingerprints)}, while "
                        f"cluster(s) {', '.join(ref_clusters)} trust {short_fingerprints(reference)}. "
                        "`linkerd multicluster check` (clusters share trust anchors) fails and "
                        "cross-cluster mTLS is refused: give every cluster the identical bundle.",
                        b.urn,
                    )
    if unknown:
        raise CannotVerifyDuringPreview("trust-anchor bundle(s) not known yet: " + "; ".join(unknown))
    if violations:
        return
    if not bundles:
        args.not_applicable(
            "no trust-anchor bundle is visible in this stack (a chart renders nothing while its "
            "values are unknown)")
    if not pinned and len({b.provider_urn for b in bundles}) < 2:
        args.not_applicable(
            "only one cluster's trust-anchor bundle is visible in this stack; set the policy "
            "config trustAnchorFingerprints to check a single-cluster stack against the others")


POLICY = StackValidationPolicy(
    name="trust-anchors-identical",
    description="Every cluster's Linkerd trust-anchor bundle is the same set of certificates.",
    validate=validate_trust_anchors,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "trustAnchorFingerprints": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "SHA-256 fingerprints (hex) of the expected trust anchors; "
                           "empty: only compare the clusters of this stack.",
        },
    }),
)
