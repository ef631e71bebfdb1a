"""Pulumi mocks that behave like the engine and the clusters where the program depends on it.

- pulumi-tls resources get real keys and certificates (minting.py) in update mode.
- A `kubernetes.io/service-account-token` Secret comes back with `data.token` and `data["ca.crt"]`,
  as after Kubernetes' token controller and pulumi-kubernetes' awaiter.
- Installing the linkerd-multicluster chart with a gateway adds the gateway Service to the
  cluster's `World`, shaped as the chart renders it (see chart_emulation.py); `Service.get`
  reads from the World and fails like a real read when the object does not exist.
- Preview mode: only inputs come back (computed outputs unknown), and a read whose id is unknown
  returns nothing, as the engine's ReadStep does.
- `StackReference` answers with the outputs of another stack (e.g. a previous run of east).
"""
from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any, Optional

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from . import chart_emulation, minting
from .recording import UNKNOWN, unwrap

_STATE: dict[tuple[str, str, str], dict[str, Any]] = {}

FAKE_API_CA = "-----BEGIN CERTIFICATE-----\nTUlJQ2Zha2UtY2x1c3Rlci1jYQ==\n-----END CERTIFICATE-----\n"


def provider_name(ref: str) -> str:
    return ref.rpartition("::")[0].rpartition("::")[2] if ref else ""


@dataclasses.dataclass
class World:
    """What exists in the clusters, keyed by (provider name, "namespace/name")."""

    services: dict[tuple[str, str], dict] = dataclasses.field(default_factory=dict)
    lb_addresses: dict[str, list[dict]] = dataclasses.field(default_factory=dict)
    """Per cluster, the `status.loadBalancer.ingress` its cloud would assign."""
    application_services: dict[str, set[str]] = dataclasses.field(default_factory=dict)
    """Per cluster, "namespace/name" of application Services that exist (export patches need them)."""


@dataclasses.dataclass
class StackOutputs:
    outputs: dict[str, Any]
    secret_names: list[str]


class MeshMocks(Mocks):
    def __init__(self, preview: bool = False, stacks: Optional[dict[str, StackOutputs]] = None,
                 world: Optional[World] = None, stack: str = "dev"):
        self.stack = stack
        self.preview = preview
        self.stacks = stacks or {}
        self.world = world or World()
        self.calls: list[MockCallArgs] = []
        self.replacement_trigger: Optional[str] = None
        """Set by the recording monitor for the registration in progress."""

    # -- resources ---------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs):
        inputs = unwrap(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(args.name, inputs)
        if args.custom is None:  # Resource.get
            return self._read(args)
        if self.preview:
            return "", inputs
        outputs = dict(inputs)
        minter = minting.MINTERS.get(args.typ)
        if minter is not None:
            # Like Pulumi state: same resource, same inputs -> the outputs of the first creation
            # (ECDSA signatures are randomised, so minting again would differ).
            # Keys are derived from the stack and resource name: two stacks never share a key.
            key = (args.typ, f"{self.stack}/{args.name}",
                   json.dumps(inputs, sort_keys=True) + str(self.replacement_trigger))
            if key not in _STATE:
                _STATE[key] = minter("|".join(key), inputs)  # the seed of derived keys
            outputs.update(_STATE[key])
        elif args.typ == "kubernetes:core/v1:Secret" and inputs.get("type") == "kubernetes.io/service-account-token":
            outputs["data"] = {
                "token": base64.b64encode(f"token-of-{args.name}".encode()).decode(),
                "ca.crt": base64.b64encode(FAKE_API_CA.encode()).decode(),
                "namespace": base64.b64encode(inputs["metadata"]["namespace"].encode()).decode(),
            }
        elif args.typ == "kubernetes:helm.sh/v4:Chart" and inputs.get("chart") == "linkerd-multicluster":
            self._add_service(provider_name(args.provider), chart_emulation.gateway_service(inputs.get("values") or {}))
        elif args.typ == "kubernetes:helm.sh/v4:Chart" and inputs.get("chart", "").endswith("/emissary-ingress"):
            self._add_service(provider_name(args.provider), chart_emulation.emissary_service(
                inputs.get("values") or {}, inputs["namespace"], inputs.get("name") or args.name))
        elif args.typ == "kubernetes:core/v1:ServicePatch":
            self._patch_service(provider_name(args.provider), inputs)
        return f"{args.name}-id", outputs

    def _add_service(self, cluster: str, service: Optional[dict]) -> None:
        if service is None:
            return
        if service["spec"]["type"] == "LoadBalancer":
            service["status"] = {"loadBalancer": {"ingress": self.world.lb_addresses.get(cluster, [])}}
        meta = service["metadata"]
        self.world.services[(cluster, f"{meta['namespace']}/{meta['name']}")] = service

    def _patch_service(self, cluster: str, patch: dict) -> None:
        """A patch needs its object (pulumi-kubernetes' Patch resources do not create)."""
        meta = patch["metadata"]
        key = (cluster, f"{meta['namespace']}/{meta['name']}")
        if key not in self.world.services:
            if key[1] in self.world.application_services.get(cluster, set()):
                return  # an application Service that exists, but whose shape no test reads
            raise Exception(f"patching Service {key[1]} in cluster {cluster!r}: not found")
        self.world.services[key] = chart_emulation.apply_service_patch(self.world.services[key], patch)

    def _read(self, args: MockResourceArgs):
        if args.resource_id in ("", UNKNOWN) or args.resource_id is None:
            return "", {}
        key = (provider_name(args.provider), args.resource_id)
        if args.typ == "kubernetes:core/v1:Service" and key in self.world.services:
            return args.resource_id, self.world.services[key]
        raise Exception(f"reading {args.typ} {args.resource_id!r} in cluster {key[0]!r}: not found")

    def _stack_reference(self, name: str, inputs: dict):
        stack = inputs.get("name", name)
        found = self.stacks.get(stack)
        outputs = found.outputs if found else {}
        return f"{stack}", {
            "name": stack,
            "outputs": outputs,
            "secretOutputNames": found.secret_names if found else [],
        }

    def call(self, args: MockCallArgs):
        self.calls.append(args)
        return {}
