"""Serving certificates for the control plane's three admission webhooks.

Left to itself the linkerd-control-plane chart calls `genSelfSignedCert` on every render, so a
template-rendering `helm.v4.Chart` would show a new certificate (and a diff) on every `pulumi
preview`. Instead this module mints them once with pulumi-tls, stores them in the Secrets the chart
expects with `<webhook>.externalSecret: true`, and hands the chart only the public CA (`caBundle`).
So no private key ever sits in Helm values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s
import pulumi_tls as tls

from . import cert_checks
from . import constants as c

@dataclass(frozen=True)
class WebhookCertificatesArgs:
    namespace: pulumi.Input[str]
    """The control plane's namespace; the Secrets live there and the DNS names point there."""
    provider: k8s.Provider
    validity_hours: int
    """`linkerd.webhookValidityHours`: the CA's and the serving certificates' lifetime."""
    generation: int
    """`linkerd.webhookGeneration`. pulumi-tls never renews on its own (pulumi/pulumi-tls#39), and
    an expired webhook certificate stops proxy injection and the validators: a new generation is
    a new CA and new serving certificates under new names, in the same Secrets."""
    cluster: str
    """For the messages."""


def tls_name(name: str, generation: int) -> str:
    """Generation 0 keeps the names of the first version, so existing stacks see no change."""
    return name if generation == 0 else f"{name}-g{generation}"


def renewal_warnings(cert_pem: pulumi.Output[str], what: str, cluster: str) -> pulumi.Output[str]:
    """The certificate, after a warning (in every preview once it exists) when it nears expiry."""

    def check(pem: str) -> str:
        if pem:
            [cert] = cert_checks.split_bundle(pem, what)
            fix = "raise linkerd.webhookGeneration by one to renew the webhook certificates of every cluster"
            for finding in cert_checks.validity(cert, what, f"cluster {cluster!r}", cert_checks.now()):
                pulumi.log.warn(f"{finding.message.removesuffix('; rotate it')}; {fix}")
        return pem

    return cert_pem.apply(check)


class WebhookCertificates(pulumi.ComponentResource):
    """A webhook CA and one serving certificate + `kubernetes.io/tls` Secret per webhook."""

    ca_bundle: pulumi.Output[str]
    """PEM of the CA that signed the three serving certificates (the chart's `caBundle`)."""
    secrets: list[k8s.core.v1.Secret]

    def __init__(self, name: str, args: WebhookCertificatesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:install:WebhookCertificates", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider)

        # Generation 0 of a stack deployed when these lived ten years keeps its certificates (a
        # changed lifetime would replace them outside a renewal); a new generation takes the new one.
        keep = pulumi.ResourceOptions(parent=self, ignore_changes=["validity_period_hours"]
                                      if args.generation == 0 else None)
        named = lambda base: tls_name(base, args.generation)  # noqa: E731
        # The CA of the next generation is minted one `pulumi up` ahead, unused: its PEM is the
        # chart's `caBundle`, and a CA created in the renewal's own run would be unknown in that
        # run's preview, where a helm.v4.Chart with an unknown value renders nothing and the
        # engine shows every control-plane object as deleted (as for the trust anchor, trust.py).
        ca_key, ca = self._ca(name, args.generation, args.validity_hours, keep)
        self._ca(name, args.generation + 1, args.validity_hours, child)
        self.ca_bundle = renewal_warnings(ca.cert_pem, "webhook CA", args.cluster)
        self.secrets = []
        for values_key, (secret_name, service) in c.WEBHOOKS.items():
            host = pulumi.Output.concat(service, ".", args.namespace, ".svc")
            key = tls.PrivateKey(named(f"{name}-{service}-key"), algorithm="ECDSA", ecdsa_curve="P256", opts=child)
            csr = tls.CertRequest(
                named(f"{name}-{service}-csr"),
                private_key_pem=key.private_key_pem,
                subject=tls.CertRequestSubjectArgs(common_name=host),
                dns_names=[host],
                opts=child,
            )
            cert = tls.LocallySignedCert(
                named(f"{name}-{service}-cert"),
                cert_request_pem=csr.cert_request_pem,
                ca_cert_pem=ca.cert_pem,
                ca_private_key_pem=ca_key.private_key_pem,
                allowed_uses=["digital_signature", "key_encipherment", "server_auth"],
                validity_period_hours=args.validity_hours,
                opts=keep,
            )
            self.secrets.append(
                k8s.core.v1.Secret(
                    f"{name}-{service}-secret",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=secret_name, namespace=args.namespace),
                    type="kubernetes.io/tls",
                    string_data={
                        "tls.crt": renewal_warnings(cert.cert_pem, f"{service} serving certificate", args.cluster),
                        "tls.key": pulumi.Output.secret(key.private_key_pem),
                    },
                    opts=on_cluster,
                )
            )
        self.register_outputs({"caBundle": self.ca_bundle})

    @staticmethod
    def _ca(name: str, generation: int, validity_hours: int,
            opts: pulumi.ResourceOptions) -> tuple[tls.PrivateKey, tls.SelfSignedCert]:
        key = tls.PrivateKey(tls_name(f"{name}-ca-key", generation), algorithm="ECDSA", ecdsa_curve="P256",
                             opts=pulumi.ResourceOptions(parent=opts.parent))
        cert = tls.SelfSignedCert(
            tls_name(f"{name}-ca-cert", generation),
            private_key_pem=key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(common_name="webhook.linkerd.cluster.local"),
            is_ca_certificate=True,
            allowed_uses=["cert_signing", "crl_signing"],
            validity_period_hours=validity_hours,
            opts=opts,
        )
        return key, cert
