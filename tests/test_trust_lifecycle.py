"""Trust lifecycle: existing anchors and issuers, bundles, rotation steps, checks at preview time.

Certificates supplied through config are made here with `cryptography` (tests/certs.py); the
program's own are minted by the mocks from its pulumi-tls inputs. Both are verified the way
Linkerd verifies them (tests/validation.py) and with `openssl verify`.
"""
from __future__ import annotations

import json

import datetime as dt

import pytest

import certs
from components.cert_checks import CertificateError
from components.config.schema import ConfigError
from components.link_target import MismatchedTrust
from harness.minting import NOW
from harness.program import Run, Secure, run_program
from scenarios import CHART, SECRET
from validation import openssl_verify, split_pem_bundle, verify_issuer_like_linkerd

TWO = {"east": {"context": "east"}, "west": {"context": "west"}}
LINKS = [{"source": "west", "target": "east"}]

# An anchor of a cluster installed long ago whose key was thrown away (the seed's bundle case).
OLD_ANCHOR, OLD_ANCHOR_KEY = certs.make_anchor(cn="root.linkerd.cluster.local")
OLD_ISSUER, OLD_ISSUER_KEY = certs.make_issuer(OLD_ANCHOR, OLD_ANCHOR_KEY)


def issuer_secret(run: Run, cluster: str) -> dict:
    return run.monitor.one(SECRET, f"{cluster}-identity-issuer").inputs["stringData"]


def bundles(run: Run) -> set[str]:
    return {c.inputs["values"]["identityTrustAnchorsPEM"] for c in run.monitor.by_type(CHART)
            if c.inputs["chart"] == "linkerd-control-plane"}


def assert_chains(run: Run, cluster: str) -> None:
    at = certs.utcnow()
    data = issuer_secret(run, cluster)
    verify_issuer_like_linkerd(data["tls.crt"], data["ca.crt"], issuer_key_pem=data["tls.key"], now=at)
    ok, out = openssl_verify(data["ca.crt"], data["tls.crt"], at=at)
    assert ok, out


class TestBundles:
    def test_existing_anchor_without_key_is_bundled_with_the_generated_one(self):
        run = run_program({"trust": {"existingAnchorsPem": certs.cert_pem(OLD_ANCHOR)}, "clusters": TWO, "links": LINKS})
        [bundle] = bundles(run)  # identical on both clusters
        anchors = split_pem_bundle(bundle)
        assert len(anchors) == 2 and anchors[0] == OLD_ANCHOR  # the old one first, as `cat old new`
        for cluster in TWO:
            assert issuer_secret(run, cluster)["ca.crt"] == bundle
            assert_chains(run, cluster)

    def test_trailing_blank_lines_in_a_supplied_bundle_are_normalised(self):
        messy = "\n" + certs.cert_pem(OLD_ANCHOR) + "\n\n\n"
        run = run_program({"trust": {"existingAnchorsPem": messy}, "clusters": TWO})
        [bundle] = bundles(run)
        assert bundle.endswith("-----END CERTIFICATE-----\n") and "\n\n" not in bundle
        split_pem_bundle(bundle)  # Linkerd's parsing rule: certificates only, one final newline

    def test_a_key_in_the_anchor_bundle_is_an_error(self):
        bad = certs.cert_pem(OLD_ANCHOR) + certs.key_pem(OLD_ANCHOR_KEY)
        with pytest.raises(CertificateError, match=r"trust.existingAnchorsPem: block 2 is a EC PRIVATE KEY"):
            run_program({"trust": {"existingAnchorsPem": bad}, "clusters": TWO})


class TestSuppliedMaterial:
    def test_supplied_anchor_signs_the_issuers_and_no_anchor_is_generated(self):
        anchor, key = certs.make_anchor()
        cfg = {"trust": {"anchor": {"certPem": certs.cert_pem(anchor), "keyPem": Secure(certs.key_pem(key))}}, "clusters": TWO}
        run = run_program(cfg)
        assert [r.name for r in run.monitor.by_type("tls:index/selfSignedCert:SelfSignedCert") if "trust-anchor" in r.name] == []
        [bundle] = bundles(run)
        assert split_pem_bundle(bundle) == [anchor]
        for cluster in TWO:
            assert_chains(run, cluster)
        # the supplied key signs here and is in no output (no stack reads the anchor's key)
        assert "PRIVATE KEY" not in json.dumps(run.outputs)

    def test_a_private_key_in_plaintext_config_is_refused(self):
        anchor, key = certs.make_anchor()
        cfg = {"trust": {"anchor": {"certPem": certs.cert_pem(anchor), "keyPem": certs.key_pem(key)}}, "clusters": TWO}
        with pytest.raises(ConfigError, match=r"linkerd-multicluster:trust.anchor.keyPem: a private key must be secret config.*--secret --path 'trust.anchor.keyPem'"):
            run_program(cfg)

    def test_existing_issuer_keeps_working_while_a_new_cluster_joins(self):
        """east was installed before (old anchor, old issuer, key of the anchor lost); west joins."""
        cfg = {
            "trust": {"existingAnchorsPem": certs.cert_pem(OLD_ANCHOR)},
            "clusters": {
                "east": {"context": "east", "issuer": {"certPem": certs.cert_pem(OLD_ISSUER), "keyPem": Secure(certs.key_pem(OLD_ISSUER_KEY))}},
                "west": {"context": "west"},
            },
            "links": LINKS,
        }
        run = run_program(cfg)
        east = issuer_secret(run, "east")
        assert east["tls.crt"].strip() == certs.cert_pem(OLD_ISSUER).strip()
        assert run.monitor.by_type("tls:index/locallySignedCert:LocallySignedCert")  # west's issuer, webhooks
        assert not [r for r in run.monitor.registrations if r.name == "east-issuer-cert"]
        for cluster in TWO:
            assert_chains(run, cluster)


class TestChecksAtPreviewTime:
    def supplied_issuer(self, issuer, key, anchor=OLD_ANCHOR, preview=True) -> Run:
        cfg = {
            "trust": {"existingAnchorsPem": certs.cert_pem(anchor)},
            "clusters": {"east": {"context": "east", "issuer": {"certPem": certs.cert_pem(issuer), "keyPem": Secure(certs.key_pem(key))}}},
        }
        return run_program(cfg, preview=preview)

    def test_expired_issuer_is_an_error_naming_cluster_and_certificate(self):
        past = certs.utcnow() - dt.timedelta(days=400)
        issuer, key = certs.make_issuer(OLD_ANCHOR, OLD_ANCHOR_KEY, not_before=past, not_after=past + dt.timedelta(days=365))
        with pytest.raises(CertificateError, match=r"clusters.east.issuer: issuer CN=identity.linkerd.cluster.local, expires .* has expired"):
            self.supplied_issuer(issuer, key)

    def test_issuer_near_expiry_is_a_warning(self):
        issuer, key = certs.make_issuer(OLD_ANCHOR, OLD_ANCHOR_KEY, not_after=certs.utcnow() + dt.timedelta(days=30))
        run = self.supplied_issuer(issuer, key, preview=False)
        assert any("cluster 'east' issuer" in w and "more days" in w and "rotate" in w for w in run.warnings), run.warnings

    def test_rsa_issuer_is_an_error(self):
        issuer, key = certs.make_issuer(OLD_ANCHOR, OLD_ANCHOR_KEY, key_type="rsa")
        with pytest.raises(CertificateError, match=r"clusters.east.issuer: issuer .* must have an ECDSA P-256 key"):
            self.supplied_issuer(issuer, key)

    def test_issuer_signed_by_no_bundled_anchor_is_an_error(self):
        stranger, stranger_key = certs.make_anchor()
        issuer, key = certs.make_issuer(stranger, stranger_key)
        with pytest.raises(CertificateError, match=r"cluster 'east' issuer: issuer .* is not signed by any anchor of the trust bundle"):
            self.supplied_issuer(issuer, key, preview=False)

    def test_issuer_key_that_does_not_match_is_an_error(self):
        _, other_key = certs.make_issuer(OLD_ANCHOR, OLD_ANCHOR_KEY)
        with pytest.raises(CertificateError, match="does not match its certificate"):
            self.supplied_issuer(OLD_ISSUER, other_key)

    def test_anchor_near_expiry_warns_in_preview(self):
        anchor, key = certs.make_anchor(not_after=certs.utcnow() + dt.timedelta(days=20))
        cfg = {"trust": {"anchor": {"certPem": certs.cert_pem(anchor), "keyPem": Secure(certs.key_pem(key))}}, "clusters": TWO}
        run = run_program(cfg, preview=True)
        assert any("trust anchor" in w and "more days" in w for w in run.warnings), run.warnings

    def test_linked_stacks_with_different_bundles_are_an_error(self):
        east = run_program({"clusters": {"east": {"context": "east"}}, "links": LINKS}, stack="east")
        west_cfg = {"clusters": {"west": {"context": "west"}},  # generates its own anchor: wrong
                    "links": [{**LINKS[0], "targetStack": "o/p/east"}]}
        with pytest.raises(MismatchedTrust, match="identical bundle"):
            run_program(west_cfg, stack="west", stacks={"o/p/east": east.as_stack_reference()})


def changes(before: Run, after: Run) -> tuple[set, set, set]:
    """(added, removed, changed) resources between two runs: what `pulumi preview` would show."""
    a = {(r.typ, r.name): (r.wire, r.replacement_trigger) for r in before.monitor.registrations if not r.read}
    b = {(r.typ, r.name): (r.wire, r.replacement_trigger) for r in after.monitor.registrations if not r.read}
    return set(b) - set(a), set(a) - set(b), {k for k in a.keys() & b.keys() if a[k] != b[k]}


ISSUER_CERTS = {("tls:index/locallySignedCert:LocallySignedCert", f"{c}-issuer-cert") for c in TWO}
CONTROL_PLANES = {(CHART, f"{c}-linkerd-control-plane") for c in TWO}


class TestAnchorRotation:
    """The documented safe order, one stack-config change per step."""

    def step(self, **trust) -> Run:
        return run_program({"trust": trust, "clusters": TWO, "links": LINKS})

    def test_walk_through(self):
        s0 = self.step()
        s1 = self.step(rotation="add-anchor")
        s2 = self.step(rotation="reissue-issuers")
        s3 = self.step(anchorGeneration=1)
        runs = [s0, s1, s2, s3]
        for run in runs:  # every step: one identical bundle on every cluster, issuers chain to it
            assert len(bundles(run)) == 1
            for cluster in TWO:
                assert_chains(run, cluster)
        sizes = [len(split_pem_bundle(next(iter(bundles(r))))) for r in runs]
        assert sizes == [1, 2, 2, 1]

        # 0. the next anchor exists before any rotation, minted ahead and not bundled
        assert {"trust-anchor-g1-key", "trust-anchor-g1-cert"} <= {r.name for r in s0.monitor.registrations}
        # 1. add the new anchor: no new resource (it exists); bundle (control planes) changes; issuers untouched
        added, removed, changed = changes(s0, s1)
        assert not added and not removed
        assert CONTROL_PLANES <= changed and not (ISSUER_CERTS & changed)
        # 2. re-issue under the new anchor: issuers replaced; bundle (control planes) unchanged
        added, removed, changed = changes(s1, s2)
        assert ISSUER_CERTS <= changed and not (CONTROL_PLANES & changed) and not added and not removed
        # 3. drop the old anchor: it is deleted; issuers unchanged (already under the new anchor)
        added, removed, changed = changes(s2, s3)
        assert {n for _, n in removed} >= {"trust-anchor-key", "trust-anchor-cert"}
        assert {n for _, n in added} == {"trust-anchor-g2", "trust-anchor-g2-key", "trust-anchor-g2-cert"}
        assert CONTROL_PLANES <= changed and not (ISSUER_CERTS & changed)
        # the new anchor is the one from step 1 all along (same resource, same certificate)
        new_anchor = split_pem_bundle(next(iter(bundles(s1))))[1]
        assert split_pem_bundle(next(iter(bundles(s3)))) == [new_anchor]

    def test_rotation_needs_a_generated_anchor(self):
        anchor, key = certs.make_anchor()
        cfg = {"trust": {"rotation": "add-anchor", "anchor": {"certPem": certs.cert_pem(anchor), "keyPem": Secure(certs.key_pem(key))}},
               "clusters": TWO}
        with pytest.raises(ConfigError, match="rotation applies to a generated anchor"):
            run_program(cfg)


class TestIssuerRotation:
    def test_raising_the_generation_replaces_every_issuer(self):
        before = run_program({"clusters": TWO})
        after = run_program({"trust": {"issuerGeneration": 1}, "clusters": TWO})
        for c in TWO:
            assert before.monitor.one("tls:index/privateKey:PrivateKey", f"{c}-issuer-key").replacement_trigger != \
                after.monitor.one("tls:index/privateKey:PrivateKey", f"{c}-issuer-key").replacement_trigger
        assert issuer_secret(before, "east")["tls.crt"] != issuer_secret(after, "east")["tls.crt"]

    def test_a_cluster_generation_re_issues_only_that_cluster(self):
        before = run_program({"clusters": TWO})
        after = run_program({"clusters": {**TWO, "west": {"context": "west", "issuerGeneration": 1}}})
        _, _, changed = changes(before, after)
        assert ("tls:index/privateKey:PrivateKey", "west-issuer-key") in changed
        assert ("tls:index/privateKey:PrivateKey", "east-issuer-key") not in changed
        assert_chains(after, "west")


def test_outputs_say_when_each_certificate_expires():
    run = run_program({"trust": {"existingAnchorsPem": certs.cert_pem(OLD_ANCHOR)}, "clusters": TWO})
    out = run.outputs["certificates"]
    assert [a["notAfter"][:10] for a in out["trustAnchors"]] == [
        f"{OLD_ANCHOR.not_valid_after_utc:%Y-%m-%d}", f"{NOW + dt.timedelta(hours=87600):%Y-%m-%d}"]
    for c in TWO:
        [issuer] = out["issuers"][c]
        assert issuer["notAfter"][:10] == f"{NOW + dt.timedelta(hours=8760):%Y-%m-%d}"
        assert issuer["subject"] == "CN=identity.linkerd.cluster.local"
