"""`trust-anchors-from-known-sources` (policy/linkerd_policies/trust_anchors_from_known_sources.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from policy_harness import PolicyPackProcess, Resource
from policy_stacks import ANCHOR_SOURCES, Pki, mesh_stack, only


def test_a_foreign_anchor_in_every_bundle_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={c: pki.anchor_a + pki.foreign for c in ("east", "west")})
    messages = only(preview.run(s.resources), ANCHOR_SOURCES)  # identical bundles: TRUST is content
    assert len(messages) == 4  # two ConfigMaps on each cluster
    assert all("neither generates" in m and "sha256:" + fingerprint_of(pki.foreign)[:16] in m for m in messages)


def test_anchors_read_from_the_trust_stack_or_pinned_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={c: pki.foreign for c in ("east", "west")})
    pinned = preview.run(s.resources, {ANCHOR_SOURCES: {"trustAnchorFingerprints": [fingerprint_of(pki.foreign)]}})
    assert pinned.diagnostics == []
    s.add(Resource("pulumi:pulumi:StackReference", "stack-organization-linkerd-multicluster-east",
                   {"name": "organization/linkerd-multicluster/east"},
                   outputs={"outputs": {"trustAnchorsPem": pki.foreign}}))
    assert preview.run(s.resources).diagnostics == []


def fingerprint_of(pem: str) -> str:
    return x509.load_pem_x509_certificate(pem.encode()).fingerprint(hashes.SHA256()).hex()
