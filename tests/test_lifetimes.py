"""Certificate lifetimes (issue 19, finding 8): the admission webhooks' certificates and the proxies'
certificates live as long as the chart's own defaults unless configured, and the webhook
certificates are renewed by a generation, with a preview warning before they expire. On the engine
model, certificates minted by the mocks from the program's pulumi-tls inputs.
"""
from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509

from components import cert_checks
from components.config.schema import ConfigError
from harness.engine import Engine
from harness.minting import NOW
from harness.program import Run
from scenarios import CHART, SECRET

ONE = {"clusters": {"east": {"context": "east"}}}
SERVING = ("linkerd-proxy-injector", "linkerd-sp-validator", "linkerd-policy-validator")


def control_plane(run: Run) -> dict:
    return run.monitor.one(CHART, "east-linkerd-control-plane").inputs["values"]


def webhook_ca(run: Run) -> x509.Certificate:
    return x509.load_pem_x509_certificate(control_plane(run)["proxyInjector"]["caBundle"].encode())


def serving(run: Run) -> dict[str, x509.Certificate]:
    return {s: x509.load_pem_x509_certificate(
        run.monitor.one(SECRET, f"east-webhooks-{s}-secret").inputs["stringData"]["tls.crt"].encode()) for s in SERVING}


def lifetime(cert: x509.Certificate) -> dt.timedelta:
    return cert.not_valid_after_utc - cert.not_valid_before_utc


def deployed(config: dict) -> tuple[Engine, Run]:
    engine = Engine()
    engine.init("east")
    return engine, engine.up("east", config)


def test_webhook_and_proxy_certificates_live_as_long_as_the_charts_defaults():
    _, run = deployed(ONE)
    assert lifetime(webhook_ca(run)) == dt.timedelta(days=365)  # the chart's genSelfSignedCert ... 365
    assert {s: lifetime(c) for s, c in serving(run).items()} == {s: dt.timedelta(days=365) for s in SERVING}
    assert control_plane(run)["identity"]["issuer"]["issuanceLifetime"] == "24h0m0s"


def test_both_lifetimes_are_configurable():
    _, run = deployed({**ONE, "linkerd": {"webhookValidityHours": 2000}, "trust": {"proxyCertificateHours": 6}})
    assert lifetime(webhook_ca(run)) == dt.timedelta(hours=2000)
    assert all(lifetime(c) == dt.timedelta(hours=2000) for c in serving(run).values())
    assert control_plane(run)["identity"]["issuer"]["issuanceLifetime"] == "6h0m0s"


@pytest.mark.parametrize("config, error", [
    ({"linkerd": {"extraValues": {"controlPlane": {"identity": {"issuer": {"issuanceLifetime": "48h"}}}}}},
     r"linkerd-multicluster:linkerd.extraValues.controlPlane.identity.issuer.issuanceLifetime: set by the program; "
     r"use trust.proxyCertificateHours instead"),
    ({"trust": {"proxyCertificateHours": 9000}},
     r"linkerd-multicluster:trust.proxyCertificateHours: Input should be less than or equal to 8760"),
    ({"trust": {"proxyCertificateHours": 2000, "issuerValidityHours": 1500}},
     r"proxyCertificateHours: proxy certificates must be shorter-lived than their issuer"),
    ({"linkerd": {"webhookValidityHours": 100}},
     r"linkerd-multicluster:linkerd.webhookValidityHours: Input should be greater than or equal to 1464"),
], ids=["extra-values", "proxy-too-long", "proxy-outlives-issuer", "webhook-too-short"])
def test_lifetimes_outside_their_range_are_config_errors(config, error):
    engine = Engine()
    engine.init("east")
    with pytest.raises(ConfigError, match=error):
        engine.up("east", {**ONE, **config})
    assert engine.state("east") == {}


def test_webhook_certificates_warn_before_they_expire_and_a_generation_renews_them(monkeypatch):
    engine, first = deployed(ONE)
    monkeypatch.setattr(cert_checks, "now", lambda: NOW + dt.timedelta(days=320))
    preview = engine.preview("east", ONE)
    for what in ("webhook CA", *(f"{s} serving certificate" for s in SERVING)):
        assert any(f"cluster 'east': {what}" in w and "is valid for 45 more days" in w
                   and "raise linkerd.webhookGeneration by one" in w for w in preview.warnings), (what, preview.warnings)
    monkeypatch.undo()
    renewed = {**ONE, "linkerd": {"webhookGeneration": 1}}
    run = engine.up("east", renewed)
    ca = webhook_ca(run)
    assert ca != webhook_ca(first)
    for cert in serving(run).values():
        cert.verify_directly_issued_by(ca)
    plan = run.plan()
    # The generation-1 CA existed before the renewal (minted one run ahead, so that the chart's
    # caBundle is known in the renewal's preview); generation 2's is minted now.
    assert "east-webhooks-ca-cert" in plan["delete"] and "east-webhooks-ca-cert-g1" not in plan.get("create", [])
    assert "east-webhooks-ca-cert-g2" in plan["create"]
    assert {f"east-webhooks-{s}-secret" for s in SERVING} <= set(plan["update"])  # same Secrets, new contents
    assert not engine.preview("east", renewed).warnings
    assert engine.preview("east", renewed).plan() == {}


def test_ten_year_webhook_certificates_of_an_earlier_version_stay_until_the_next_generation():
    engine, _ = deployed(ONE)
    for r in engine.state("east").values():
        if r.name.startswith("east-webhooks-") and r.name.endswith("-cert"):
            r.inputs["validityPeriodHours"] = 87600  # what the earlier version registered
    assert engine.preview("east", ONE).plan() == {}
