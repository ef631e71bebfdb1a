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

from . import constants as c

WEBHOOK_VALIDITY_HOURS = 87600
"""Ten years: pulumi-tls never renews on its own (pulumi/pulumi-tls#39), and an expired webhook
certificate silently stops proxy injection (the injector's failurePolicy is Ignore)."""


@dataclass(frozen=True)
class WebhookCertificatesArgs:
    namespace: pulumi.Input[str]
    """The control plane's namespace; the Secrets live there and the DNS names point there."""
    provider: k8s.Provider


class WebhookCertificates(pulumi.ComponentResource):
    """A webhook CA and one serving certificate + `kubernetes.io/tls` Secret per webhook."""

    ca_bundle: pulumi.Output[str]
    """PEM of the CA that signed the three serving certificates (the chart's `caBundle`)."""
    secrets: list[k8s.core.v1.Secret]

    def __init__(self, name: str, args: WebhookCertificatesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:install:WebhookCertificates", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider)

        ca_key = tls.PrivateKey(f"{name}-ca-key", algorithm="ECDSA", ecdsa_curve="P256", opts=child)
        ca = tls.SelfSignedCert(
            f"{name}-ca-cert",
            private_key_pem=ca_key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(common_name="webhook.linkerd.cluster.local"),
            is_ca_certificate=True,
            allowed_uses=["cert_signing", "crl_signing"],
            validity_period_hours=WEBHOOK_VALIDITY_HOURS,
            opts=child,
        )
        self.ca_bundle = ca.cert_pem
        self.secrets = []
        for values_key, (secret_name, service) in c.WEBHOOKS.items():
            host = pulumi.Output.concat(service, ".", args.namespace, ".svc")
            key = tls.PrivateKey(f"{name}-{service}-key", algorithm="ECDSA", ecdsa_curve="P256", opts=child)
            csr = tls.CertRequest(
                f"{name}-{service}-csr",
                private_key_pem=key.private_key_pem,
                subject=tls.CertRequestSubjectArgs(common_name=host),
                dns_names=[host],
                opts=child,
            )
            cert = tls.LocallySignedCert(
                f"{name}-{service}-cert",
                cert_request_pem=csr.cert_request_pem,
                ca_cert_pem=ca.cert_pem,
                ca_private_key_pem=ca_key.private_key_pem,
                allowed_uses=["digital_signature", "key_encipherment", "server_auth"],
                validity_period_hours=WEBHOOK_VALIDITY_HOURS,
                opts=child,
            )
            self.secrets.append(
                k8s.core.v1.Secret(
                    f"{name}-{service}-secret",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=secret_name, namespace=args.namespace),
                    type="kubernetes.io/tls",
                    string_data={
                        "tls.crt": cert.cert_pem,
                        "tls.key": pulumi.Output.secret(key.private_key_pem),
                    },
                    opts=on_cluster,
                )
            )
        self.register_outputs({"caBundle": self.ca_bundle})
