"""One explicit Kubernetes provider per cluster.

Every Kubernetes resource of the program names its cluster's provider; Pulumi.yaml disables the
default Kubernetes provider, so a forgotten `provider=` fails instead of deploying to whatever
cluster the current kubeconfig context happens to point at. The API address other clusters use
is read from the kubeconfig by `components/config/kubeconfig.py`, while the config is checked.
"""
from __future__ import annotations

import os

import pulumi_kubernetes as k8s

from .config.schema import ClusterConfig


def cluster_provider(name: str, cluster: ClusterConfig) -> k8s.Provider:
    """The provider of one cluster.

    - `cluster_identifier` keeps the provider (and so every resource on it) from being replaced
      when the kubeconfig or context name changes: those become in-place updates.
    - `enable_config_map_mutable` / `enable_secret_mutable`: without them pulumi-kubernetes
      *replaces* a ConfigMap or Secret whose data changes (provider/pkg/provider/diff.go,
      `forceNewProperties`), deleting a fixed-name object before recreating it. Linkerd's
      `linkerd-config` and `linkerd-identity-trust-roots` ConfigMaps change with every values
      change and every anchor-rotation step, and the issuer Secret with every issuer rotation;
      Helm and `linkerd upgrade` update them in place, and so does this program.
    - `upsert_existing_objects` and `enable_patch_force`, only with `clusters.<name>.adopt`: since
      pulumi-kubernetes 4.29 creating an object that exists fails (provider/pkg/await/await.go,
      `Creation`); adopting an existing Linkerd means applying over its objects and taking over
      the fields its installer (the CLI or Helm) owns.
    """
    return k8s.Provider(
        name,
        context=cluster.context,
        kubeconfig=os.path.expanduser(cluster.kubeconfig) if cluster.kubeconfig else None,
        cluster_identifier=name,
        enable_config_map_mutable=True,
        enable_secret_mutable=True,
        upsert_existing_objects=True if cluster.adopt else None,
        enable_patch_force=True if cluster.adopt else None,
    )


def kubectl_flags(cluster: ClusterConfig) -> list[str]:
    """kubectl flags reaching the same cluster as the provider (for commands run at delete time)."""
    flags = ["--context", cluster.context]
    if cluster.kubeconfig:
        flags += ["--kubeconfig", os.path.expanduser(cluster.kubeconfig)]
    return flags
