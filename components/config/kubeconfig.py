"""The clusters' kubeconfig files as the config reads them: the API address other clusters use.

A check of the config (it imports the schema, never the reverse): the loader asks for the API
address of every link target before any resource is registered, so a broken kubeconfig fails
there, not between the resources of two clusters. The program asks again when it builds the
clusters (`api_server_address`), and gets the same answer.
"""
from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

import yaml

from .schema import PROJECT, ClusterConfig, ConfigError, MeshConfig


def _kubeconfig_paths(cluster: ClusterConfig, name: str = "<name>") -> list[tuple[Path, str, bool]]:
    """The kubeconfig files kubectl would read for the cluster: (path, what names it in messages,
    whether the file must exist). Files listed in $KUBECONFIG may be missing, as for kubectl."""
    if cluster.kubeconfig:
        return [(Path(os.path.expanduser(cluster.kubeconfig)), f"{PROJECT}:clusters.{name}.kubeconfig", True)]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [(Path(p), f"$KUBECONFIG (file {p!r}, for {PROJECT}:clusters.{name})", False)
                for p in env.split(os.pathsep) if p]
    return [(Path.home() / ".kube" / "config", f"~/.kube/config (for {PROJECT}:clusters.{name})", False)]


def context_server(cluster: ClusterConfig, name: str = "<name>") -> Optional[str]:
    """The API server URL of the cluster's context in its kubeconfig, or None if not found.

    A file that is there but is no kubeconfig is a `ConfigError` naming where the path came from
    (`clusters.<name>.kubeconfig` or $KUBECONFIG), as is a missing `clusters.<name>.kubeconfig`."""

    def not_a_kubeconfig(what: str, problem: str) -> ConfigError:
        return ConfigError(f"invalid stack configuration:\n  {what}: {problem}; point it at a kubeconfig file "
                           "(a YAML map with `clusters` and `contexts`, as `kubectl config view` shows)")

    def named_entries(doc: dict, field: str, inner: str, what: str) -> dict:
        """`contexts`/`clusters` of a kubeconfig as {name: body}; refuses shapes kubectl refuses."""
        entries = doc.get(field)
        if entries is None:
            return {}
        if not isinstance(entries, list):
            raise not_a_kubeconfig(what, f"`{field}` is a {type(entries).__name__}, not a list")
        out = {}
        for i, entry in enumerate(entries):
            body = entry.get(inner) if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or not isinstance(body if body is not None else {}, dict):
                raise not_a_kubeconfig(what, f"`{field}[{i}]` is not a map with `name` and a `{inner}` map")
            if isinstance(entry.get("name"), str):
                out.setdefault(entry["name"], body or {})
        return out

    for path, what, required in _kubeconfig_paths(cluster, name):
        try:
            text = path.read_text()
        except FileNotFoundError:
            if required:
                raise not_a_kubeconfig(what, f"file {str(path)!r} does not exist") from None
            continue
        except IsADirectoryError:
            raise not_a_kubeconfig(what, f"{str(path)!r} is a directory") from None
        except UnicodeDecodeError:
            raise not_a_kubeconfig(what, f"{str(path)!r} is not a text file") from None
        except (OSError, ValueError) as e:  # ValueError: a NUL in the path
            raise not_a_kubeconfig(what, f"{str(path)!r} cannot be read ({type(e).__name__})") from None
        try:
            doc = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError):
            raise not_a_kubeconfig(what, f"{str(path)!r} is not valid YAML") from None
        if doc is None:
            continue  # an empty file, which kubectl skips too
        if not isinstance(doc, dict):
            raise not_a_kubeconfig(what, f"{str(path)!r} holds a YAML {type(doc).__name__}, not a kubeconfig map")
        contexts = named_entries(doc, "contexts", "context", what)
        clusters = named_entries(doc, "clusters", "cluster", what)
        ctx = contexts.get(cluster.context)
        if ctx is not None:
            name_of_cluster = ctx.get("cluster")
            server = clusters.get(name_of_cluster, {}).get("server") if isinstance(name_of_cluster, str) else None
            if server is not None and not isinstance(server, str):
                raise not_a_kubeconfig(what, f"the server of context {cluster.context!r} is not a URL")
            return server
    return None


def _is_local(server: str) -> bool:
    try:
        host = urlparse(server).hostname or ""
    except ValueError:
        return False
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
    server = context_server(cluster, name)
    if server is None:
        raise ConfigError(
            f"invalid stack configuration:\n  {key}: not set, and context {cluster.context!r} was not "
            "found in the kubeconfig; set it to an https:// URL reachable from the other clusters' pods"
        )
    try:
        ClusterConfig.model_validate({"context": cluster.context, "apiServerAddress": server})
    except ValueError:  # pydantic's ValidationError
        raise ConfigError(
            f"invalid stack configuration:\n  {key}: not set, and context {cluster.context!r} uses "
            f"{server!r}, which is not an https:// URL; set it to an https:// URL reachable from the "
            "other clusters' pods"
        ) from None
    if _is_local(server):
        # kind/k3d kubeconfigs point at 127.0.0.1 or 0.0.0.0, which another cluster's pods cannot
        # reach (linkerd/linkerd2#5373); the link would be created but never work.
        raise ConfigError(
            f"invalid stack configuration:\n  {key}: not set, and context {cluster.context!r} uses "
            f"{server}, which other clusters cannot reach; set it to the API address on a network "
            "the clusters share (for kind: https://<control-plane container IP>:6443)"
        )
    return server


def check(mesh: MeshConfig) -> None:
    """The kubeconfig lookups the program makes later (a cluster's API address, by default the
    server of its context), done now: a broken kubeconfig must fail before anything is registered,
    not between the resources of two clusters."""
    for name, cluster in mesh.clusters.items():
        if mesh.links_to(name):
            api_server_address(name, cluster)
