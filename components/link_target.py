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


def credentials_output(source: str) -> str:
    """The stack output with the access credentials granted to `source` (one per source)."""
    return f"linkCredentials-{source}"


class MismatchedTrust(pulumi.RunError):
    """Two clusters that would be linked trust different anchor bundles."""


class LostGrant(pulumi.RunError):
    """A link that exists lost its grant in the other stack; removing it must be this stack's decision."""


def when_granted(
    ref: pulumi.StackReference, stack_name: str, target: str, source: str,
    own_bundle: pulumi.Input[Optional[str]], own_trust_source: str, existed: pulumi.Input[bool],
) -> pulumi.Output[Optional[LinkTarget]]:
    """The target's `LinkTarget` once the other stack grants `source` access, else None.

    Stack outputs are known in a preview too, so the decision is visible in `pulumi preview`.
    A first-time link whose grant is missing waits with a warning (per-cluster stacks that link to
    each other converge by running every stack again). A link that `existed` (this stack's
    previous outputs say it was in place) and lost its grant is an error: the other stack must
    not be able to tear this stack's link down; removing it is done here, by removing the link.

    Trust: two stacks that take their anchor from the same stack (`trustSource`) are checked by
    that stack, which publishes one bundle per rotation step and holds a step back while a stack
    lags (trust_exchange.lagging_members); comparing with a peer here would refuse the link
    whenever the peer has not run the current step yet, and no order of runs would complete a
    rotation. Stacks with different trust sources must have the identical bundle.
    """

    def decide(outputs: dict[str, Any]) -> Optional[LinkTarget]:
        theirs, ours = outputs.get("bundle"), outputs.get("own")
        same_source = outputs.get("source") == own_trust_source
        if not same_source and theirs and ours and theirs != ours:
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
            if outputs.get("existed"):
                raise LostGrant(
                    f"link {source} -> {target} exists, but stack {stack_name} no longer grants {source!r} access "
                    f"to {target!r}. To keep the link, restore `{{source: {source}, target: {target}}}` in that "
                    f"stack's links and run `pulumi up` on it; to remove the link, remove it from this stack's "
                    f"links and run `pulumi up` here"
                )
            pulumi.log.warn(
                f"link {source} -> {target} skipped: stack {stack_name} does not grant {source!r} access "
                f"to {target!r} yet. Give that stack the link `{{source: {source}, target: {target}}}`, "
                f"run `pulumi up` on it, then run this stack again."
            )
            return None
        return LinkTarget(
            name=target,
            cluster_domain=info["clusterDomain"],
            trust_domain=info["trustDomain"],
            linkerd_namespace=info["linkerdNamespace"],
            api_server_address=info["apiServerAddress"],
            gateway=info.get("gateway"),
            gateway_enabled=bool(info.get("gatewayEnabled", True)),
            credentials=pulumi.Output.secret(creds),
        )

    return pulumi.Output.all(
        targets=ref.get_output("linkTargets"), creds=ref.get_output(credentials_output(source)),
        bundle=ref.get_output("trustAnchorsPem"), source=ref.get_output("trustSource"), own=own_bundle,
        existed=existed,
    ).apply(decide)


def gateway_enabled_in(ref: pulumi.StackReference, target: str) -> pulumi.Output[bool]:
    """Whether the other stack's `target` has a gateway (True until that stack says otherwise)."""
    return ref.get_output("linkTargets").apply(
        lambda targets: bool(((targets or {}).get(target) or {}).get("gatewayEnabled", True))
    )
