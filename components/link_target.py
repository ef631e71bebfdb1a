"""`LinkTarget`: everything a source cluster needs to know about the cluster it links to.

It is the seam between single-stack meshes and per-cluster stacks: a target installed by this
stack offers it directly (`ClusterInstall.link_target`), a target installed by another stack offers
it through that stack's outputs (`when_granted`). `Link` only ever sees a `LinkTarget`.

Stack outputs that carry it (`public_outputs`, and the access credentials of `ClusterInstall`):
- `linkTargets.<cluster>`: public facts (domains, API address, gateway fields);
- `linkCredentials-<source>.<cluster>`: the source's token for the cluster and the API CA, a Pulumi
  *secret*; one output per source cluster, so a source's stack reads its own tokens only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import pulumi


@dataclass(frozen=True)
class LinkTarget:
    name: str
    """The target's cluster name; also the Link's name and the credentials Secret's suffix."""
    cluster_domain: pulumi.Input[str]
    trust_domain: pulumi.Input[str]
    linkerd_namespace: pulumi.Input[str]
    api_server_address: pulumi.Input[str]
    """API server URL reachable from the *source* cluster's pods."""
    gateway: pulumi.Input[Optional[dict]]
    """`{address, port, identity, probe: {path, port, period}}`, or None for a gateway-less target."""
    gateway_enabled: pulumi.Input[bool]
    credentials: pulumi.Output[dict]
    """Secret `{token, caData}` of the access account granted to this source."""


def public_outputs(t: LinkTarget) -> dict[str, Any]:
    """What another stack needs to link to this target, minus credentials."""
    return {
        "clusterName": t.name,
        "clusterDomain": t.cluster_domain,
        "trustDomain": t.trust_domain,
        "linkerdNamespace": t.linkerd_namespace,
        "apiServerAddress": t.api_server_address,
        "gatewayEnabled": t.gateway_enabled,
        "gateway": t.gateway,
    }


def credentials_output(source: str) -> str:
    """The stack output with the access credentials granted to `source` (one per source)."""
    return f"linkCredentials-{source}"


class MismatchedTrust(pulumi.RunError):
    """Two clusters that would be linked trust different anchor bundles."""


class MissingStackOutput(pulumi.RunError):
    """Another stack lacks an output this stack needs (not deployed yet, or not configured for it)."""


def require_stack_output(ref: pulumi.StackReference, stack_name: str, output: str, hint: str) -> pulumi.Output[Any]:
    """One output of another stack, keeping its own secretness; a clear error when it is absent."""

    def present(value: Any) -> Any:
        if value is None:
            raise MissingStackOutput(f"stack {stack_name} has no output {output!r}: {hint}")
        return value

    return ref.get_output(output).apply(present)


def when_granted(
    ref: pulumi.StackReference, stack_name: str, target: str, source: str,
    own_bundle: pulumi.Input[str], create: Callable[[LinkTarget], Any],
) -> pulumi.Output[bool]:
    """Call `create` with the target's `LinkTarget` once the other stack grants `source` access.

    Stack outputs are known in a preview too, so the decision is visible in `pulumi preview`.
    Until that stack has run with a link `{source, target}`, this link is skipped with a warning
    instead of failing: per-cluster stacks that link to each other (a full mesh) converge by
    running every stack once, then once more.
    """

    def decide(outputs: dict[str, Any]) -> bool:
        theirs, ours = outputs.get("bundle"), outputs.get("own")
        if theirs and ours and theirs != ours:
            # `linkerd multicluster check` ("clusters share trust anchors") would fail, and
            # cross-cluster mTLS with it.
            raise MismatchedTrust(
                f"link {source} -> {target}: stack {stack_name} gives {target!r} another trust-anchor bundle "
                f"than this stack gives {source!r}; every cluster of a mesh needs the identical bundle "
                f"(use trust.fromStack: the stack that owns the anchor)"
            )
        info = (outputs.get("targets") or {}).get(target)
        creds = (outputs.get("creds") or {}).get(target)
        if info is None or creds is None:
            pulumi.log.warn(
                f"link {source} -> {target} skipped: stack {stack_name} does not grant {source!r} access "
                f"to {target!r} yet. Give that stack the link `{{source: {source}, target: {target}}}`, "
                f"run `pulumi up` on it, then run this stack again."
            )
            return False
        create(
            LinkTarget(
                name=target,
                cluster_domain=info["clusterDomain"],
                trust_domain=info["trustDomain"],
                linkerd_namespace=info["linkerdNamespace"],
                api_server_address=info["apiServerAddress"],
                gateway=info.get("gateway"),
                gateway_enabled=bool(info.get("gatewayEnabled", True)),
                credentials=pulumi.Output.secret(creds),
            )
        )
        return True

    return pulumi.Output.all(
        targets=ref.get_output("linkTargets"), creds=ref.get_output(credentials_output(source)),
        bundle=ref.get_output("trustAnchorsPem"), own=own_bundle,
    ).apply(decide)


def gateway_enabled_in(ref: pulumi.StackReference, target: str) -> pulumi.Output[bool]:
    """Whether the other stack's `target` has a gateway (True until that stack says otherwise)."""
    return ref.get_output("linkTargets").apply(
        lambda targets: bool(((targets or {}).get(target) or {}).get("gatewayEnabled", True))
    )
