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

    `cluster_identifier` keeps the provider (and so every resource on it) from being replaced when
    the kubeconfig or context name changes: those become in-place updates.
    """
    return k8s.Provider(
        name,
        context=cluster.context,
        kubeconfig=os.path.expanduser(cluster.kubeconfig) if cluster.kubeconfig else None,
        cluster_identifier=name,
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
