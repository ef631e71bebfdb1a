"""Policy pack entry point: `pulumi preview --policy-pack policy/` runs this file.

The engine starts it as `python -u -m pulumi.policy <engine address> policy/` (the Python language
host's RunPlugin), which executes this file with `policy/` on `sys.path`. Constructing the
`PolicyPack` starts pulumi-policy's gRPC Analyzer on 127.0.0.1, prints its port on stdout for the
engine, and serves until the engine stops the process. The policies themselves, and why each
exists, are in `linkerd_policies/` (one module per policy).
"""
from pulumi_policy import EnforcementLevel, PolicyPack

from linkerd_policies import policies

PolicyPack(
    name="linkerd-multicluster",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=policies(),
    description=(
        "Guard rails for the linkerd-multicluster program: shared trust anchors, explicit "
        "cluster providers with a context, no keys in Helm or ConfigMaps, consistent Links with a "
        "gateway identity, pinned charts, keys and kubeconfig credentials only as Pulumi secrets; "
        "advisories for an all-unauthenticated default inbound policy and an open gateway load balancer."
    ),
)
