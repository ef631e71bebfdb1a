"""`trust-anchors-identical` (policy/linkerd_policies/trust_anchors_identical.py): the stacks it must report, and the ones it must pass."""
from __future__ import annotations


from policy_harness import UNKNOWN, PolicyPackProcess, Resource
from policy_stacks import K8S_PROVIDER, Pki, TRUST, mesh_stack, only, release


def test_different_trust_anchor_bundles_are_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={"west": pki.anchor_b})
    result = preview.run(s.resources)
    messages = only(result, TRUST)
    flagged = {d.urn.rsplit("::", 1)[-1] for d in result.of(TRUST)}
    assert flagged == {"west-linkerd-control-plane:linkerd/linkerd-identity-trust-roots",
                       "west-linkerd-control-plane:linkerd/linkerd-config"}
    assert all("'west'" in m and "east" in m for m in messages)
    assert f"sha256:{pki.fingerprint_b[:16]}" in messages[0]


def test_a_bundle_with_an_extra_anchor_is_not_the_same_bundle(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={"east": pki.anchor_a + pki.anchor_b})
    assert len(only(preview.run(s.resources), TRUST)) == 2


def test_anchor_order_does_not_matter_as_for_linkerd_mc_check(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, anchors={"east": pki.anchor_a + pki.anchor_b, "west": pki.anchor_b + pki.anchor_a})
    assert preview.run(s.resources).diagnostics == []


def test_a_bundle_without_certificates_is_reported(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki)
    s["west-linkerd-control-plane:linkerd/linkerd-identity-trust-roots"].props["data"]["ca-bundle.crt"] = "not a PEM"
    messages = only(preview.run(s.resources), TRUST)
    assert any("holds no PEM certificate" in m for m in messages)


def test_release_values_are_a_bundle_source_too(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, clusters=("east",), links=())
    s.add(release("west-linkerd-control-plane", "linkerd-control-plane", s.add(Resource(K8S_PROVIDER, "west")),
                  values={"identityTrustAnchorsPEM": pki.anchor_b}))
    result = preview.run(s.resources)
    assert [d.urn.rsplit("::", 1)[-1] for d in result.of(TRUST, "MANDATORY")] == ["west-linkerd-control-plane"]


def test_a_single_cluster_stack_is_checked_against_pinned_fingerprints(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, clusters=("east",), links=())
    unpinned = preview.run(s.resources)
    assert unpinned.diagnostics == []
    assert [n.reason for n in unpinned.not_applicable_of(TRUST)] == [
        "only one cluster's trust-anchor bundle is visible in this stack; set the policy config "
        "trustAnchorFingerprints to check a single-cluster stack against the others"]

    colons = ":".join(pki.fingerprint_a[i:i + 2] for i in range(0, 64, 2)).upper()
    right = preview.run(s.resources, {TRUST: {"trustAnchorFingerprints": [colons]}})
    assert right.diagnostics == [] and right.not_applicable_of(TRUST) == []

    wrong = preview.run(s.resources, {TRUST: {"trustAnchorFingerprints": [pki.fingerprint_b]}})
    assert len(only(wrong, TRUST)) == 2


def test_unrendered_control_plane_is_not_applicable_not_a_pass(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, render_control_plane=False)
    result = preview.run(s.resources)
    assert result.diagnostics == []
    assert [n.reason for n in result.not_applicable_of(TRUST)] == [
        "no trust-anchor bundle is visible in this stack (a chart renders nothing while its values are unknown)"]


def test_unknown_release_bundle_is_an_advisory_during_preview(preview: PolicyPackProcess, pki: Pki) -> None:
    s = mesh_stack(pki, clusters=("east",), links=())
    s.add(release("west-linkerd-control-plane", "linkerd-control-plane", s.add(Resource(K8S_PROVIDER, "west")),
                  values={"identityTrustAnchorsPEM": UNKNOWN}))
    result = preview.run(s.resources)
    assert result.of(TRUST, "MANDATORY") == []
    [advisory] = result.of(TRUST, "ADVISORY")
    assert "can't run policy" in advisory.message and "not known yet" in advisory.message
