"""Remote access for one source cluster in its target: the `linkerd multicluster allow` step.

The objects are those the multicluster chart renders per `remoteMirrorServiceAccountName`
(templates/remote-access-service-mirror-rbac.yaml): a ServiceAccount, a ClusterRole with read
access to what the service mirror watches, its ClusterRoleBinding, and a long-lived
`kubernetes.io/service-account-token` Secret. The account, binding and token are per source
cluster, so removing a link revokes exactly that source's access (linkerd/linkerd2#4461); the
ClusterRole's rules are the same for every source, so a target has one (`remote_access_role`).

The token is filled in by Kubernetes' token controller after the Secret is created.
pulumi-kubernetes waits for it on create (its awaiter for service-account-token Secrets,
pulumi/pulumi-kubernetes#2048); `credentials` still refuses an empty token with a clear error,
so a kubeconfig is never written without one.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from . import constants as c


class TokenNotReady(pulumi.RunError):
    """The service-account token Secret has no token: Kubernetes has not filled it in."""


def credentials_from_token_secret(data: Optional[dict], where: str) -> dict:
    """`{token, caData}` from a token Secret's `data` (base64 values, as the API returns them)."""
    data = data or {}
    token_b64 = data.get("token")
    ca_b64 = data.get("ca.crt")
    if not token_b64 or not ca_b64:
        raise TokenNotReady(
            f"{where} has no token yet: the Kubernetes token controller fills it in after the "
            "Secret is created. Check that the ServiceAccount exists, then run `pulumi up` again."
        )
    return {"token": base64.b64decode(token_b64).decode(), "caData": ca_b64}


def remote_access_role(name: str, provider: k8s.Provider, parent: pulumi.Resource) -> k8s.rbac.v1.ClusterRole:
    """The one ClusterRole a target grants its source clusters (each through its own binding)."""
    return k8s.rbac.v1.ClusterRole(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=c.REMOTE_ACCESS_ROLE, labels={"linkerd.io/extension": "multicluster"}),
        rules=[k8s.rbac.v1.PolicyRuleArgs(**_snake(rule)) for rule in c.REMOTE_ACCESS_RULES],
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )


@dataclass(frozen=True)
class RemoteAccessArgs:
    source_cluster: str
    namespace: pulumi.Input[str]
    """The target's multicluster namespace (an output of its Namespace, for ordering)."""
    role: k8s.rbac.v1.ClusterRole
    """The target's remote-access ClusterRole (`remote_access_role`)."""
    provider: k8s.Provider
    """The *target* cluster's provider."""


class RemoteAccess(pulumi.ComponentResource):
    """What a source cluster's service mirror may read in this (target) cluster, and its token."""

    service_account_name: str
    token_secret: k8s.core.v1.Secret
    credentials: pulumi.Output[dict]
    """Secret output `{token, caData}`: the bearer token and the API server's CA (base64)."""

    def __init__(self, name: str, args: RemoteAccessArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("linkerd-multicluster:access:RemoteAccess", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider)
        account = c.remote_access_account(args.source_cluster)
        self.service_account_name = account
        labels = {"linkerd.io/extension": "multicluster", c.CLUSTER_NAME_LABEL: args.source_cluster}

        sa = k8s.core.v1.ServiceAccount(
            f"{name}-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=account, namespace=args.namespace, labels=labels),
            opts=on_cluster,
        )
        k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-binding",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=account, labels=labels),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=args.role.metadata.name
            ),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=sa.metadata.name, namespace=sa.metadata.namespace)],
            opts=on_cluster,
        )
        self.token_secret = k8s.core.v1.Secret(
            f"{name}-token",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{account}-token",
                namespace=sa.metadata.namespace,
                labels=labels,
                # Referencing the account's output orders the Secret after it: the token controller
                # only fills tokens for accounts that exist.
                annotations={c.SERVICE_ACCOUNT_NAME_ANNOTATION: sa.metadata.name},
            ),
            type=c.SERVICE_ACCOUNT_TOKEN_TYPE,
            opts=on_cluster,
        )
        where = f"Secret {account}-token (access for {args.source_cluster!r})"
        self.credentials = pulumi.Output.secret(
            self.token_secret.data.apply(lambda d: credentials_from_token_secret(d, where))
        )
        self.register_outputs({"serviceAccount": account})


def _snake(rule: dict) -> dict:
    names = {"apiGroups": "api_groups", "resourceNames": "resource_names"}
    return {names.get(k, k): v for k, v in rule.items()}
