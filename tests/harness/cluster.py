"""The emulated clusters: what exists in each, and the API server rules the program runs into.

Objects are plain dicts as the API returns them, keyed by (cluster, kind, "namespace/name") —
cluster-scoped objects have an empty namespace ("/name"). The rules modelled here are the API
server's, not Pulumi's:
- creating an object that exists fails with AlreadyExists (apiserver `registry/generic/registry/
  store.go` Create); pulumi-kubernetes turns that into its "already exists" error unless it
  upserts (see engine.py);
- server-side apply (pulumi-kubernetes' Patch resources, and creates with `upsertExistingObjects`)
  creates a missing object and merges into an existing one: maps merge, `spec.ports` merge by
  (port, protocol) as the Service's list-map keys say;
- a Secret's `type` cannot change (kubernetes `pkg/apis/core/validation` `ValidateSecretUpdate`:
  "field is immutable");
- deleting a Namespace deletes every object in it (the namespace controller).
"""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import MutableMapping
from typing import Iterator, Optional

Key = tuple[str, str, str]


class ApiError(Exception):
    """What the API server answers (AlreadyExists, Invalid, NotFound)."""


def object_key(cluster: str, obj: dict) -> Key:
    meta = obj.get("metadata") or {}
    return cluster, obj["kind"], f"{meta.get('namespace') or ''}/{meta['name']}"


def merge_apply(live: dict, patch: dict) -> dict:
    """Server-side apply of a partial object onto a live one."""
    merged = copy.deepcopy(live)
    for key, value in patch.items():
        if key in ("apiVersion", "kind"):
            merged[key] = value
        elif key == "spec" and isinstance(value, dict) and "ports" in value and isinstance(merged.get("spec"), dict):
            spec = {**merged["spec"], **{k: v for k, v in value.items() if k != "ports"}}
            ports = {(p["port"], p.get("protocol", "TCP")): dict(p) for p in merged["spec"].get("ports") or []}
            for p in value.get("ports") or []:
                k = (p["port"], p.get("protocol", "TCP"))
                ports[k] = {**ports.get(k, {}), **p}
            spec["ports"] = list(ports.values())
            merged["spec"] = spec
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_apply(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


class _KindView(MutableMapping):
    """`world.services[(cluster, "ns/name")]`: the Services of the object store."""

    def __init__(self, objects: dict[Key, dict], kind: str):
        self._objects, self._kind = objects, kind

    def __getitem__(self, key: tuple[str, str]) -> dict:
        return self._objects[(key[0], self._kind, key[1])]

    def __setitem__(self, key: tuple[str, str], value: dict) -> None:
        self._objects[(key[0], self._kind, key[1])] = value

    def __delitem__(self, key: tuple[str, str]) -> None:
        del self._objects[(key[0], self._kind, key[1])]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter([(c, n) for (c, k, n) in list(self._objects) if k == self._kind])

    def __len__(self) -> int:
        return sum(1 for (_, k, _) in self._objects if k == self._kind)


@dataclasses.dataclass
class World:
    """What exists in the clusters, and what their clouds do (LoadBalancer addresses)."""

    objects: dict[Key, dict] = dataclasses.field(default_factory=dict)
    lb_addresses: dict[str, list[dict]] = dataclasses.field(default_factory=dict)
    """Per cluster, the `status.loadBalancer.ingress` its cloud would assign."""
    application_services: dict[str, set[str]] = dataclasses.field(default_factory=dict)
    """Per cluster, "namespace/name" of application Services that exist before any run."""
    never_mirrored: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    """(target cluster, "namespace/name") of exported Services a Link's service-mirror controller
    never mirrors: no status entry, so a Link waiting for them times out (link_status.py)."""
    applied_first: set[Key] = dataclasses.field(default_factory=set)
    """Objects a server-side apply created (a Patch resource is then the only manager of them)."""

    def __post_init__(self) -> None:
        for cluster, names in self.application_services.items():
            for full in sorted(names):
                ns, name = full.split("/")
                self.objects.setdefault((cluster, "Service", full), {
                    "apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
                    "spec": {"type": "ClusterIP", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
                             "selector": {"app": name}},
                })

    @property
    def services(self) -> _KindView:
        return _KindView(self.objects, "Service")

    def get(self, cluster: str, kind: str, namespaced_name: str) -> Optional[dict]:
        return self.objects.get((cluster, kind, namespaced_name))

    def _with_status(self, cluster: str, obj: dict) -> dict:
        """The API server returns every Service with a `status` (`loadBalancer: {}` unless the
        cloud gave a LoadBalancer its addresses)."""
        obj = copy.deepcopy(obj)
        if obj["kind"] == "Service" and "status" not in obj:
            lb = (obj.get("spec") or {}).get("type") == "LoadBalancer"
            obj["status"] = {"loadBalancer": {"ingress": copy.deepcopy(self.lb_addresses.get(cluster, []))} if lb else {}}
        return obj

    def create(self, cluster: str, obj: dict) -> dict:
        key = object_key(cluster, obj)
        if key in self.objects:
            raise ApiError(f'{obj["kind"].lower()}s "{obj["metadata"]["name"]}" already exists')
        self.objects[key] = self._with_status(cluster, obj)
        return self.objects[key]

    def apply(self, cluster: str, obj: dict) -> dict:
        """Server-side apply: create what is missing, merge into what exists."""
        key = object_key(cluster, obj)
        live = self.objects.get(key)
        if live is None:
            self.objects[key] = self._with_status(cluster, obj)
            self.applied_first.add(key)
            return self.objects[key]
        if obj["kind"] == "Secret" and "type" in obj and obj["type"] != live.get("type", "Opaque"):
            raise ApiError(f'Secret "{obj["metadata"]["name"]}" is invalid: type: Invalid value: '
                           f'"{obj["type"]}": field is immutable')
        self.objects[key] = merge_apply(live, obj)
        return self.objects[key]

    def replace(self, cluster: str, obj: dict) -> dict:
        """An update of an object this stack owns (the provider's patch of its own fields)."""
        key = object_key(cluster, obj)
        live = self.objects.get(key) or {}
        if obj["kind"] == "Secret" and live and obj.get("type", "Opaque") != live.get("type", "Opaque"):
            raise ApiError(f'Secret "{obj["metadata"]["name"]}" is invalid: type: field is immutable')
        status = live.get("status")
        self.objects[key] = self._with_status(cluster, obj) if status is None else {**copy.deepcopy(obj), "status": status}
        return self.objects[key]

    def delete(self, cluster: str, obj: dict) -> None:
        key = object_key(cluster, obj)
        self.objects.pop(key, None)
        if obj["kind"] == "Namespace":
            prefix = f"{obj['metadata']['name']}/"
            for k in [k for k in self.objects if k[0] == cluster and k[2].startswith(prefix)]:
                del self.objects[k]

    def remove_fields(self, cluster: str, patch: dict) -> None:
        """Deleting a Patch resource gives up the fields it applied (labels and annotations).

        A patch that created the object is the only manager of its `spec`; giving that up would
        empty required fields, which the apiserver refuses (pulumi-kubernetes provider.go Delete:
        "this Patch resource is currently managing a required field"; seen on the real tier)."""
        key = object_key(cluster, patch)
        live = self.objects.get(key)
        if live is None:
            return
        if key in self.applied_first and patch.get("spec"):
            raise ApiError("this Patch resource is currently managing a required field, so it can't be deleted "
                           "directly. Either set the `retainOnDelete` resource option, or transfer ownership of "
                           "the field before deleting")
        for section in ("labels", "annotations"):
            for k in ((patch.get("metadata") or {}).get(section) or {}):
                (live.get("metadata") or {}).get(section, {}).pop(k, None)
