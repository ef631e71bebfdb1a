"""`LinkTarget`: everything a source cluster needs to know about the cluster it links to.

It is the seam between single-stack meshes and per-cluster stacks: a target installed by this
stack offers it directly (`ClusterInstall.link_target`), a target installed by another stack offers
it through that stack's outputs (`from_stack`). `Link` only ever sees a `LinkTarget`.

Stack outputs that carry it (written by `public_outputs` / `credential_outputs`):
- `linkTargets.<cluster>`: public facts (domains, API address, gateway fields);
- `linkCredentials.<cluster>.<source>`: the source's token and the API CA, a Pulumi *secret*.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

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


class MissingStackOutput(pulumi.RunError):
    """Another stack lacks an output this stack needs (not deployed yet, or not configured for it)."""


def require_stack_output(ref: pulumi.StackReference, stack_name: str, output: str, hint: str) -> pulumi.Output[Any]:
    """One output of another stack, keeping its own secretness; a clear error when it is absent."""

    def present(value: Any) -> Any:
        if value is None:
            raise MissingStackOutput(f"stack {stack_name} has no output {output!r}: {hint}")
        return value

    return ref.get_output(output).apply(present)


def from_stack(ref: pulumi.StackReference, stack_name: str, target: str, source: str) -> LinkTarget:
    """A target installed by another stack of this project, read from its outputs."""

    def pick_target(targets: Optional[dict]) -> dict:
        found = (targets or {}).get(target)
        if found is None:
            raise MissingStackOutput(
                f"stack {stack_name} does not install cluster {target!r} (its output linkTargets has "
                f"{sorted(targets or {})}); check links[].targetStack, and run `pulumi up` on that stack first"
            )
        return found

    def pick_credentials(creds: Optional[dict]) -> dict:
        found = ((creds or {}).get(target) or {}).get(source)
        if found is None:
            raise MissingStackOutput(
                f"stack {stack_name} grants {source!r} no access to {target!r}: add "
                f"`{{source: {source}, target: {target}}}` to that stack's links and run `pulumi up` there first"
            )
        return found

    hint = (f"it must install cluster {target!r} and list a link to it; "
            f"run `pulumi up` on {stack_name} before this stack")
    info = require_stack_output(ref, stack_name, "linkTargets", hint).apply(pick_target)
    return LinkTarget(
        name=target,
        cluster_domain=info["clusterDomain"],
        trust_domain=info["trustDomain"],
        linkerd_namespace=info["linkerdNamespace"],
        api_server_address=info["apiServerAddress"],
        gateway=info["gateway"],
        gateway_enabled=info["gatewayEnabled"],
        credentials=pulumi.Output.secret(
            require_stack_output(ref, stack_name, "linkCredentials", hint).apply(pick_credentials)
        ),
    )
