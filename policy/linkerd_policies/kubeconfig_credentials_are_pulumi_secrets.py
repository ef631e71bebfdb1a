"""`kubeconfig-credentials-are-pulumi-secrets`: kubeconfig credentials are Pulumi secrets.

Its failing and passing cases: tests/policy/test_kubeconfig_credentials_are_pulumi_secrets.py.
"""
from __future__ import annotations

import re
from typing import Optional

import yaml
from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import REMOTE_KUBECONFIG_SECRET_TYPE, SECRET, raw_get, raw_leaves
from .pem import decode_base64


KUBECONFIG_CREDENTIALS = ("token", "client-key-data", "password")
_USERS_LINE = re.compile(r"(?m)^\s*[\"']?users[\"']?\s*:")
_CREDENTIAL_LINE = re.compile(r"(?m)^[\s-]*[\"']?(token|client-key-data|password)[\"']?\s*:\s*[\"']?[^\s\"']")


def kubeconfig_credentials(text: str) -> list[str]:
    """The credential fields (`token`, `client-key-data`, `password`) with a value of the users of a
    kubeconfig in `text`; [] if `text` is no kubeconfig or holds none."""
    if "users" not in text:
        return []
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        doc = None
    users = doc.get("users") if isinstance(doc, dict) else None
    if isinstance(users, list):
        found = []
        for i, entry in enumerate(users):
            user = entry.get("user") if isinstance(entry, dict) else None
            for name in KUBECONFIG_CREDENTIALS if isinstance(user, dict) else ():
                value = user.get(name)
                if isinstance(value, str) and value.strip():
                    found.append(f"users[{i}].user.{name}")
        return found
    # Not a parseable kubeconfig (a template, a fragment) but reads like one.
    if _USERS_LINE.search(text):
        return sorted({m.group(1) for m in _CREDENTIAL_LINE.finditer(text)})
    return []


def _in_field(path: str, field: str) -> bool:
    return path == field or path.startswith(field + ".")


def validate_kubeconfig_credentials(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A kubeconfig that carries credentials must be a Pulumi secret, wherever it appears.

    Why: a kubeconfig's `token` (or client key, or password) is the cluster access itself; a link's
    kubeconfig holds a service-account token of the *target* cluster. Kubernetes keeps it secret in
    a Secret, but Pulumi stores any input that is not a Pulumi secret unencrypted in the stack's
    state and shows it in previews (see `keys-are-pulumi-secrets`).

    How: every resource's inputs are scanned, providers included (an inline `kubeconfig`), for a
    string (in a Secret's `data`: its base64 content) that is a kubeconfig with a non-empty
    `token`, `client-key-data` or `password`; such a string must be a secret. The data of a Secret
    of type `mirror.linkerd.io/remote-kubeconfig` must be a secret whatever it looks like, even
    while not known yet (the secret bit is known during a preview).
    """
    plaintext: list[str] = []
    is_secret_object = args.resource_type == SECRET
    remote = is_secret_object and raw_get(args.props, "type") == REMOTE_KUBECONFIG_SECRET_TYPE
    for leaf in raw_leaves(args.props):
        if leaf.secret or leaf.value is None:
            continue
        encoded = is_secret_object and _in_field(leaf.path, "data")
        if remote and (encoded or _in_field(leaf.path, "stringData")):
            plaintext.append(f"{leaf.path} (the kubeconfig of a {REMOTE_KUBECONFIG_SECRET_TYPE} Secret)")
            continue
        if leaf.unknown or not isinstance(leaf.value, str):
            continue
        text: Optional[str] = decode_base64(leaf.value) if encoded else leaf.value
        fields = kubeconfig_credentials(text) if text else []
        if fields:
            plaintext.append(f"{leaf.path} (a kubeconfig with {', '.join(fields)})")
    if plaintext:
        report_violation(
            f"{args.resource_type} {args.name!r} holds cluster credentials that are not a Pulumi "
            f"secret: {'; '.join(plaintext)}. Pulumi would store them unencrypted in the stack's state "
            "and show them in diffs, handing that cluster to whoever reads either: make the value a "
            "secret (pulumi.Output.secret(...)), as the program does for link kubeconfigs.", None)


POLICY = ResourceValidationPolicy(
    name="kubeconfig-credentials-are-pulumi-secrets",
    description="A kubeconfig carrying a token, client key or password is a Pulumi secret.",
    validate=validate_kubeconfig_credentials,
    enforcement_level=EnforcementLevel.MANDATORY,
)
