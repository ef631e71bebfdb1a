"""Pulumi mocks that behave like the engine and the clusters where the program depends on it.

- pulumi-tls resources get real keys and certificates (minting.py) in update mode.
- A `kubernetes.io/service-account-token` Secret comes back with `data.token` and `data["ca.crt"]`,
  as after Kubernetes' token controller and pulumi-kubernetes' awaiter.
- Kubernetes objects go into the emulated clusters (cluster.py) as the engine model plans them
  (engine.py): created, updated, replaced, applied; `Resource.get` reads from there and fails as
  the engine does ("resource '<id>' does not exist") when the object is missing.
- A resource the engine plans as `same` gets its outputs from the previous state; in a preview
  only inputs come back for what is created or replaced (computed outputs unknown), and a read
  whose id is unknown returns nothing, as the engine's ReadStep does.
- `StackReference` answers with another stack's outputs from the engine's backend, and fails for
  a stack that does not exist.

Without an engine (bench/scale.py) every registration is a create on empty clusters.
"""
from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any, Optional

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from . import chart_emulation, chart_render, minting
from .cluster import World
from .recording import UNKNOWN, unwrap

_STATE: dict[tuple[str, str, str], dict[str, Any]] = {}

LINK = "kubernetes:multicluster.linkerd.io/v1alpha3:Link"
FAKE_API_CA = "-----BEGIN CERTIFICATE-----\nTUlJQ2Zha2UtY2x1c3Rlci1jYQ==\n-----END CERTIFICATE-----\n"


def provider_name(ref: str) -> str:
    return ref.rpartition("::")[0].rpartition("::")[2] if ref else ""


@dataclasses.dataclass
class StackOutputs:
    outputs: dict[str, Any]
    secret_names: list[str]
    world: Optional[World] = None
    """The clusters as that stack's run left them (its exports labelled), if known."""


def as_read(obj: dict) -> dict:
    """An object as the API server returns it: a Secret's `stringData` is write-only, merged into
    `data` base64-encoded (k8s.io/api core/v1 types.go, Secret.StringData)."""
    if obj.get("kind") != "Secret" or "stringData" not in obj:
        return obj
    out = {k: v for k, v in obj.items() if k != "stringData"}
    out["data"] = {**(obj.get("data") or {}),
                   **{k: base64.b64encode(v.encode()).decode() for k, v in obj["stringData"].items()}}
    return out


class MeshMocks(Mocks):
    def __init__(self, preview: bool = False, stacks: Optional[dict[str, StackOutputs]] = None,
                 world: Optional[World] = None, stack: str = "dev", engine_run=None):
        self.stack = stack
        self.preview = preview
        self.stacks = stacks or {}
        self.world = world if world is not None else World()
        self.calls: list[MockCallArgs] = []
        self.engine_run = engine_run
        """The engine model's run (engine.py); None: plain mocks, every registration a create."""
        self.replacement_trigger: Optional[str] = None
        """Set by the recording monitor for the registration in progress."""
        self.step = None
        self.old = None
        self.inputs: Optional[dict[str, Any]] = None
        self.provider_inputs: dict[str, Any] = {}
        """Set by the engine model for the registration in progress: its planned step, its previous
        state and its provider's inputs."""

    # -- resources ---------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs):
        # Under the engine model: the inputs after ignore_changes, as the provider gets them.
        inputs = self.inputs if self.engine_run is not None and self.inputs is not None else unwrap(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(args.name, inputs)
        if args.custom is None:  # Resource.get
            return self._read(args)
        step = self.step if self.engine_run is not None else None
        if step is not None and step.op == "same":
            return self.old.id, dict(self.old.outputs)
        if self.preview:
            if step is not None and step.op == "update":
                return self.old.id, {**self.old.outputs, **inputs}  # the provider's dry run
            return "", inputs
        outputs = dict(inputs)
        minter = minting.MINTERS.get(args.typ)
        if minter is not None:
            # Same resource, same inputs -> the outputs of the first creation (ECDSA signatures
            # are randomised, so minting again would differ). Keys are derived from the stack and
            # resource name: two stacks never share a key.
            key = (args.typ, f"{self.stack}/{args.name}",
                   json.dumps(inputs, sort_keys=True) + str(self.replacement_trigger))
            if key not in _STATE:
                _STATE[key] = minter("|".join(key), inputs)  # the seed of derived keys
            outputs.update(_STATE[key])
            return f"{args.name}-id", outputs
        cluster = provider_name(args.provider)
        if step is not None and args.typ.startswith("kubernetes:") and args.typ != "kubernetes:helm.sh/v4:Chart":
            old_inputs = self.old.inputs if self.old is not None else None
            live = self.engine_run.apply_kubernetes(step, cluster, args.typ, inputs, old_inputs, self.provider_inputs)
            if args.typ == LINK and live.get("status") is not None:
                outputs["status"] = live["status"]  # what the controller wrote while the provider awaited
        if args.typ == "kubernetes:core/v1:Secret" and inputs.get("type") == "kubernetes.io/service-account-token":
            if step is not None and step.op == "update" and "data" in self.old.outputs:
                outputs["data"] = self.old.outputs["data"]  # the token controller filled it once
            else:
                outputs["data"] = {
                    "token": base64.b64encode(f"token-of-{args.name}".encode()).decode(),
                    "ca.crt": base64.b64encode(FAKE_API_CA.encode()).decode(),
                    "namespace": base64.b64encode(inputs["metadata"]["namespace"].encode()).decode(),
                }
        elif args.typ == "command:local:Command" and self.engine_run is not None and step.op in ("create", "replace"):
            self.engine_run.commands.append(inputs.get("create", ""))
        elif step is None:
            self._plain_cluster_effects(args, cluster, inputs)
        return f"{args.name}-id", outputs

    def _plain_cluster_effects(self, args: MockResourceArgs, cluster: str, inputs: dict) -> None:
        """Without the engine model: charts put their gateway Service in place, patches merge."""
        chart = chart_render.chart_basename(inputs.get("chart", ""), str(inputs.get("version", "")))
        if args.typ == "kubernetes:helm.sh/v4:Chart" and chart == "linkerd-multicluster":
            service = chart_emulation.gateway_service(inputs.get("values") or {})
            if service is not None:
                self.world.apply(cluster, service)
        elif args.typ == "kubernetes:helm.sh/v4:Chart" and chart == "emissary-ingress":
            self.world.apply(cluster, chart_emulation.emissary_service(
                inputs.get("values") or {}, inputs["namespace"], inputs.get("name") or args.name))
        elif args.typ == "kubernetes:core/v1:ServicePatch":
            self.world.apply(cluster, inputs)

    def _read(self, args: MockResourceArgs):
        if args.resource_id in ("", UNKNOWN) or args.resource_id is None:
            return "", {}
        cluster = provider_name(args.provider)
        kind = args.typ.rsplit(":", 1)[1]
        ns, _, name = args.resource_id.rpartition("/")
        found = self.world.get(cluster, kind, f"{ns}/{name}")
        if found is None:
            # pulumi/pulumi pkg/resource/deploy/step.go, ReadStep.Apply.
            message = f"resource '{args.resource_id}' does not exist"
            if self.engine_run is not None:
                self.engine_run.errors.append(f"{args.typ} {args.name} (cluster {cluster!r}): {message}")
            raise Exception(message)
        return args.resource_id, as_read(found)

    def _stack_reference(self, name: str, inputs: dict):
        stack = inputs.get("name", name)
        if self.engine_run is not None:
            try:
                found = self.engine_run.engine.stack_outputs(stack)  # fails for an unknown stack
            except Exception as e:
                self.engine_run.errors.append(str(e))
                raise
            outputs, secret_names = found.outputs, found.secret_names
        else:
            plain = self.stacks.get(stack)
            outputs, secret_names = (plain.outputs, plain.secret_names) if plain else ({}, [])
        return f"{stack}", {"name": stack, "outputs": outputs, "secretOutputNames": secret_names}

    def call(self, args: MockCallArgs):
        self.calls.append(args)
        if args.token == "kubernetes:helm:template":
            return {"result": helm_template(json.loads(args.args["jsonOpts"]))}
        return {}


def helm_template(opts: dict) -> list[dict]:
    """pulumi-kubernetes' `kubernetes:helm:template` (the helm v3 chart options as JSON): the objects
    the chart renders, from the chart emulation. `path` names a local archive; `chart` a chart in
    `fetch_opts.repo` or an `oci://` reference."""
    chart = opts.get("path") or opts["chart"]
    version = str(opts.get("version") or chart.rsplit("-", 1)[-1].removesuffix(".tgz"))
    if not opts.get("release_name"):  # as the provider's Helm install action (seen on the real tier)
        raise Exception('failed to create chart from template: release name "": no name provided')
    return chart_render.render(chart, version, opts.get("namespace") or "default", opts.get("values") or {},
                               opts["release_name"])
