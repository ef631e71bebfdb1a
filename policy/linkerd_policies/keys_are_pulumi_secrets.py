"""`keys-are-pulumi-secrets`: key material in Secrets is a Pulumi secret.

Its failing and passing cases: tests/policy/test_keys_are_pulumi_secrets.py.
"""
from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import (
    CannotVerifyDuringPreview,
    REMOTE_KUBECONFIG_SECRET_TYPE,
    SECRET,
    is_chart_child,
    raw_get,
    raw_leaves,
)
from .pem import PRIVATE_KEY_BLOCK, decode_base64


# Keys whose value is a private key by definition (kubernetes.io/tls, kubernetes.io/ssh-auth).
KEY_DATA_NAMES = frozenset({"tls.key", "ssh-privatekey"})


def _plaintext_key_material(props: Any) -> tuple[list[str], list[str]]:
    """(paths of Secret data that are private keys and not Pulumi secrets, paths that might be but
    are not known yet) under a Secret's `stringData` and base64 `data`."""
    plaintext: list[str] = []
    unknown: list[str] = []
    for field, encoded in (("stringData", False), ("data", True)):
        for leaf in raw_leaves(raw_get(props, field), field):
            if leaf.secret or leaf.value is None:
                continue
            named = leaf.key in KEY_DATA_NAMES
            if leaf.unknown:
                if named:
                    plaintext.append(f"{leaf.path} (not known yet, and not a secret)")
                else:
                    unknown.append(leaf.path)
                continue
            if not isinstance(leaf.value, str) or not leaf.value.strip():
                continue
            text = decode_base64(leaf.value) if encoded else leaf.value
            if named or (text is not None and PRIVATE_KEY_BLOCK.search(text)):
                plaintext.append(leaf.path + (" (base64)" if encoded else ""))
    return plaintext, unknown


def validate_keys_are_pulumi_secrets(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A private key in a Secret's `data` or `stringData` must be a Pulumi secret.

    Why: Kubernetes keeps a Secret's data confidential, but Pulumi stores a resource's inputs in
    the stack's state as it received them: a value that is not a Pulumi secret is written there
    unencrypted and shown in previews and diffs, so whoever can read the state (a backend bucket, a
    CI log, an exported stack) has the key. `additional_secret_outputs` alone does not help, the
    engine applies it to outputs and keeps the inputs as given. The typed `core.v1.Secret` of the
    Python SDK wraps `data`/`stringData` as secrets; a Secret from YAML, a `CustomResource` or a
    transformation may not.

    What counts as key material: a PEM `-----BEGIN ... PRIVATE KEY-----` block (decoded first in
    `data`), and any value under `tls.key` or `ssh-privatekey`. Each value is judged on its own,
    because state records secrets per value. Secrets a Helm chart renders are
    `no-key-material-in-helm`'s (no key may be there at all), and `mirror.linkerd.io/remote-kubeconfig`
    Secrets `kubeconfig-credentials-are-pulumi-secrets`' (all their data must be secret).
    """
    if args.resource_type != SECRET or is_chart_child(args.opts.parent):
        return
    if raw_get(args.props, "type") == REMOTE_KUBECONFIG_SECRET_TYPE:
        return
    plaintext, unknown = _plaintext_key_material(args.props)
    if plaintext:
        report_violation(
            f"Secret {args.name!r} holds private key material that is not a Pulumi secret: "
            f"{', '.join(plaintext)}. Pulumi would store it unencrypted in the stack's state and show "
            "it in diffs: pass it as a secret (pulumi.Output.secret(...), a `--secret` config value).",
            None)
    elif unknown:
        raise CannotVerifyDuringPreview(
            f"Secret {args.name!r}: {', '.join(unknown)} not known yet and not Pulumi secrets; "
            "whether they hold a private key shows on `pulumi up`")


POLICY = ResourceValidationPolicy(
    name="keys-are-pulumi-secrets",
    description="Private keys in a Secret's data are Pulumi secrets, never plain text in state.",
    validate=validate_keys_are_pulumi_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
)
