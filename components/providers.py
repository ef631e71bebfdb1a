"""One explicit Kubernetes provider per cluster, and the API address other clusters use.

Every Kubernetes resource of the program names its cluster's provider; Pulumi.yaml disables the
default Kubernetes provider, so a forgotten `provider=` fails instead of deploying to whatever
cluster the current kubeconfig context happens to point at.
"""
from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

import pulumi_kubernetes as k8s
import yaml

from .config import PROJECT, ClusterConfig, ConfigError


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


def _kubeconfig_paths(cluster: ClusterConfig) -> list[Path]:
    if cluster.kubeconfig:
        return [Path(os.path.expanduser(cluster.kubeconfig))]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def context_server(cluster: ClusterConfig) -> Optional[str]:
    """The API server URL of the cluster's context in its kubeconfig, or None if not found."""
    for path in _kubeconfig_paths(cluster):
        try:
            doc = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        contexts = {x.get("name"): x.get("context") or {} for x in doc.get("contexts") or []}
        clusters = {x.get("name"): x.get("cluster") or {} for x in doc.get("clusters") or []}
        ctx = contexts.get(cluster.context)
        if ctx is not None:
            return clusters.get(ctx.get("cluster"), {}).get("server")
    return None


def _is_local(server: str) -> bool:
    host = urlparse(server).hostname or ""
    if host in ("localhost", "host.docker.internal"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def api_server_address(name: str, cluster: ClusterConfig) -> str:
    """Where the *other* clusters' pods reach this API server (the link kubeconfig's `server`)."""
    if cluster.api_server_address:
        return cluster.api_server_address
    key = f"{PROJECT}:clusters.{name}.apiServerAddress"
    server = context_server(cluster)
    if server is None:
        raise ConfigError(
            f"invalid stack configuration:\n  {key}: not set, and context {cluster.context!r} was not "
            "found in the kubeconfig; set it to an https:// URL reachable from the other clusters' pods"
        )
    if _is_local(server):
        # kind/k3d kubeconfigs point at 127.0.0.1 or 0.0.0.0, which another cluster's pods cannot
        # reach (linkerd/linkerd2#5373); the link would be created but never work.
        raise ConfigError(
            f"invalid stack configuration:\n  {key}: not set, and context {cluster.context!r} uses "
            f"{server}, which other clusters cannot reach; set it to the API address on a network "
            "the clusters share (for kind: https://<control-plane container IP>:6443)"
        )
    return server
