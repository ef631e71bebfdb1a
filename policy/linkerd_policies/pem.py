"""Certificates and private keys as the policies find them: PEM blocks, fingerprints, the trust-anchor
bundle each cluster shows, and private key material in a property tree (plain or base64).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Optional

import yaml
from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from .common import (
    CONFIG_MAP,
    CONTROL_PLANE_CHART,
    HELM_RELEASE,
    LINKERD_CONFIG_CONFIGMAP,
    TRUST_ROOTS_CONFIGMAP,
    TRUST_ROOTS_KEY,
    Walk,
    cluster_of,
    get_path,
)

# --- certificates and trust-anchor bundles -------------------------------------------------------
_CERT_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.S)


def pem_certificates(text: str) -> list[bytes]:
    """The DER bytes of every `CERTIFICATE` block in a PEM bundle (undecodable blocks skipped)."""
    certs = []
    for body in _CERT_BLOCK.findall(text):
        try:
            certs.append(base64.b64decode("".join(body.split()), validate=True))
        except (binascii.Error, ValueError):
            continue
    return certs


def fingerprint(der: bytes) -> str:
    """SHA-256 fingerprint of a DER certificate, lowercase hex without separators."""
    return hashlib.sha256(der).hexdigest()


def normalise_fingerprint(value: str) -> str:
    return value.replace(":", "").replace(" ", "").lower()


@dataclass(frozen=True)
class Bundle:
    cluster: str
    provider_urn: str
    urn: str
    source: str
    fingerprints: tuple[str, ...]  # sorted: `linkerd mc check` compares the sets, not the order


def trust_bundles(resources: list[PolicyResource]) -> tuple[list[Bundle], list[str]]:
    """Every trust-anchor bundle the stack shows, and the ones it cannot show yet."""
    bundles: list[Bundle] = []
    unknown: list[str] = []
    for r in resources:
        if r.provider is None:
            continue
        source: Optional[str] = None
        pem: Any = None
        try:
            if r.resource_type == CONFIG_MAP:
                name = get_path(r.props, "metadata", "name")
                if name == TRUST_ROOTS_CONFIGMAP:
                    source = f"ConfigMap {TRUST_ROOTS_CONFIGMAP} data[{TRUST_ROOTS_KEY!r}]"
                    pem = get_path(r.props, "data", TRUST_ROOTS_KEY)
                elif name == LINKERD_CONFIG_CONFIGMAP:
                    source = f"ConfigMap {LINKERD_CONFIG_CONFIGMAP} values.identityTrustAnchorsPEM"
                    raw = get_path(r.props, "data", "values")
                    values = yaml.safe_load(raw) if isinstance(raw, str) else None
                    pem = values.get("identityTrustAnchorsPEM") if isinstance(values, dict) else None
            elif r.resource_type == HELM_RELEASE:
                chart = get_path(r.props, "chart")
                if isinstance(chart, str) and chart.rstrip("/").endswith(CONTROL_PLANE_CHART):
                    source = "helm.v3.Release values.identityTrustAnchorsPEM"
                    pem = get_path(r.props, "values", "identityTrustAnchorsPEM")
        except UnknownValueError:
            unknown.append(f"{r.urn} ({source or r.resource_type})")
            continue
        except yaml.YAMLError:
            pem = None
        if source is None:
            continue
        certs = pem_certificates(pem) if isinstance(pem, str) else []
        bundles.append(Bundle(
            cluster=cluster_of(r.provider), provider_urn=r.provider.urn, urn=r.urn, source=source,
            fingerprints=tuple(sorted(fingerprint(c) for c in certs)),
        ))
    return bundles, unknown


def short_fingerprints(fps: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"sha256:{fp[:16]}…" for fp in fps) + "]" if fps else "[no certificate]"



# --- private keys ----------------------------------------------------------------------------
PRIVATE_KEY_BLOCK = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")


def key_material(value: Any, path: str, walk: Walk, check_key_pem: bool) -> list[str]:
    """Paths under `value` that hold a PEM private key (or a non-empty `keyPEM`)."""
    found = []
    for leaf_path, key, leaf in walk.leaves(value, path):
        if isinstance(leaf, str) and PRIVATE_KEY_BLOCK.search(leaf):
            found.append(leaf_path)
        elif check_key_pem and key == "keyPEM" and isinstance(leaf, str) and leaf.strip():
            found.append(leaf_path)
    return found


def decode_base64(value: str) -> Optional[str]:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def base64_key_material(value: Any, path: str, walk: Walk) -> list[str]:
    """Paths under `value` whose base64 content is a PEM private key."""
    found = []
    for leaf_path, _key, leaf in walk.leaves(value or {}, path):
        text = decode_base64(leaf) if isinstance(leaf, str) else None
        if text is not None and PRIVATE_KEY_BLOCK.search(text):
            found.append(leaf_path + " (base64)")
    return found
