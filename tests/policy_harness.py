"""Drive the policy pack's real gRPC Analyzer exactly as the Pulumi engine does, without the CLI.

The Pulumi CLI cannot be installed here, but the part of it that talks to a policy pack is small
and well defined (pulumi/pulumi `sdk/go/common/resource/plugin/analyzer_plugin.go`,
`pkg/engine/update.go`, `pkg/resource/deploy/step_generator.go`):

1. start the pack: the Python language host runs `python -u -m pulumi.policy <engine> <pack dir>`
   with PULUMI_PROJECT / PULUMI_STACK / PULUMI_ORGANIZATION / PULUMI_DRY_RUN set; the pack prints
   the port of its Analyzer (listening on 127.0.0.1) as the first line on stdout;
2. `GetAnalyzerInfo`, then `Configure` with every policy's enforcement level and the defaults of
   its config schema overlaid with the user's policy config (`ReconcilePolicyPackConfig`), then
   `ConfigureStack`;
3. `Analyze` once per registered resource with its *inputs*, its URN, name, options (parent) and,
   for custom resources, its provider (URN, type, name, inputs); components have no provider;
4. `AnalyzeStack` once with every resource's *outputs*, provider, parent and dependencies.

Properties are `google.protobuf.Struct`s, so every number arrives as a float; the engine marshals
with KeepUnknowns and KeepSecrets, so unknown values are sentinel strings and secrets are
`{sig: secret-sig, value: ...}` objects (`secret()` and `UNKNOWN` below).

Only 127.0.0.1 is ever contacted (gRPC's HTTP-proxy support is switched off for the channel), every
wait is bounded, and the subprocess is always terminated.
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as A
from pulumi.runtime.proto import analyzer_pb2_grpc as AG

ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = ROOT / "policy"

PROJECT = "linkerd-multicluster"
STACK = "east"

# sdk/go/common/resource/properties.go: signatures the engine uses inside property maps.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
# sdk/go/common/resource/plugin/rpc.go UnknownStringValue: what a computed value marshals to.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

RPC_TIMEOUT = 15.0
STARTUP_TIMEOUT = 30.0


def secret(value: Any) -> dict[str, Any]:
    """A secret property value as the engine marshals it (KeepSecrets: true)."""
    return {_SIG_KEY: _SECRET_SIG, "value": value}


@dataclass(eq=False)
class Resource:
    """One resource of a stack, as the engine holds it.

    `props` are the inputs (what `Analyze` gets); `outputs` what `AnalyzeStack` gets, by default
    the inputs (during a preview the Kubernetes provider predicts its outputs from them).
    `provider` is a `pulumi:providers:*` Resource for custom resources, None for components.
    """

    type: str
    name: str
    props: dict[str, Any] = field(default_factory=dict)
    parent: Optional["Resource"] = None
    provider: Optional["Resource"] = None
    outputs: Optional[dict[str, Any]] = None
    dependencies: list["Resource"] = field(default_factory=list)
    stack: str = STACK
    project: str = PROJECT

    @property
    def qualified_type(self) -> str:
        """`parentType$type`; children of the root Stack resource carry just their own type."""
        if self.parent is None or self.parent.type == "pulumi:pulumi:Stack":
            return self.type
        return f"{self.parent.qualified_type}${self.type}"

    @property
    def urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{self.qualified_type}::{self.name}"


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(props)
    return s


def _options(r: Resource) -> A.AnalyzerResourceOptions:
    # marshalResourceOptions always sends a CustomTimeouts message and the parent URN.
    return A.AnalyzerResourceOptions(
        protect=False,
        parent=r.parent.urn if r.parent else "",
        customTimeouts=A.AnalyzerResourceOptions.CustomTimeouts(),
    )


def _provider(r: Resource) -> Optional[A.AnalyzerProviderResource]:
    if r.provider is None:
        return None
    p = r.provider
    return A.AnalyzerProviderResource(type=p.type, name=p.name, urn=p.urn, properties=_struct(p.props))


@dataclass
class Diagnostic:
    """One policy violation (or advisory) returned by the pack."""

    policy: str
    level: str
    message: str
    urn: str
    phase: str  # "analyze" or "analyze_stack"


@dataclass
class NotApplicable:
    policy: str
    reason: str
    urn: str
    phase: str


@dataclass
class Result:
    """Everything the pack answered for one stack."""

    diagnostics: list[Diagnostic]
    not_applicable: list[NotApplicable]

    def of(self, policy: str, level: Optional[str] = None) -> list[Diagnostic]:
        """Diagnostics of one policy, optionally only those at one enforcement level."""
        return [d for d in self.diagnostics if d.policy == policy and (level is None or d.level == level)]

    def not_applicable_of(self, policy: str) -> list[NotApplicable]:
        return [n for n in self.not_applicable if n.policy == policy]


class PolicyPackProcess:
    """A running policy pack (context manager): starts it, speaks the engine's side of the gRPC
    protocol, and terminates it on exit."""

    def __init__(self, pack_dir: Path = PACK_DIR, *, dry_run: bool, stack: str = STACK,
                 project: str = PROJECT) -> None:
        self.pack_dir = pack_dir
        self.dry_run = dry_run
        self.stack = stack
        self.project = project
        self._proc: Optional[subprocess.Popen[str]] = None
        self._channel: Optional[grpc.Channel] = None
        self._stderr: list[str] = []
        self._pumps: list[threading.Thread] = []
        self.stub: Optional[AG.AnalyzerStub] = None
        self.info: Optional[A.AnalyzerInfo] = None

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> "PolicyPackProcess":
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        env.update({
            "PULUMI_PROJECT": self.project,
            "PULUMI_STACK": self.stack,
            "PULUMI_ORGANIZATION": "organization",
            "PULUMI_DRY_RUN": "true" if self.dry_run else "false",
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        # The engine address argument is only parsed by pulumi.policy's launcher, never dialled.
        self._proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(self.pack_dir)],
            cwd=str(self.pack_dir), env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(
                f"127.0.0.1:{port}", options=[("grpc.enable_http_proxy", 0)])
            grpc.channel_ready_future(self._channel).result(timeout=RPC_TIMEOUT)
            self.stub = AG.AnalyzerStub(self._channel)
            self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=RPC_TIMEOUT)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _read_port(self) -> int:
        assert self._proc is not None and self._proc.stdout is not None
        lines: "queue.Queue[Optional[str]]" = queue.Queue()

        def pump_stdout() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            for line in self._proc.stdout:
                lines.put(line)
            lines.put(None)

        def pump_stderr() -> None:
            assert self._proc is not None and self._proc.stderr is not None
            for line in self._proc.stderr:
                self._stderr.append(line)

        self._pumps = [threading.Thread(target=pump_stdout, daemon=True),
                       threading.Thread(target=pump_stderr, daemon=True)]
        for t in self._pumps:
            t.start()
        try:
            first = lines.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            raise RuntimeError(f"policy pack printed no port within {STARTUP_TIMEOUT}s") from None
        if first is None or not first.strip().isdigit():
            raise RuntimeError(f"policy pack did not start: {first!r}\n{self.stderr}")
        return int(first.strip())

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def __exit__(self, *exc: Any) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            for t in self._pumps:  # the pipes reach EOF once the process is gone
                t.join(timeout=5)
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()

    # -- the engine's calls ------------------------------------------------------------------
    def configure(self, policy_config: Optional[dict[str, dict[str, Any]]] = None) -> None:
        """`Configure` as the engine sends it: every policy, with its default enforcement level
        and its schema defaults, overlaid with `policy_config` (as in a --policy-pack-config file:
        `{policy: {"enforcementLevel": "...", <property>: value}}`)."""
        assert self.stub is not None and self.info is not None
        levels = {"advisory": A.ADVISORY, "mandatory": A.MANDATORY, "remediate": A.REMEDIATE,
                  "disabled": A.DISABLED}
        policy_config = policy_config or {}
        request = A.ConfigureAnalyzerRequest()
        for p in self.info.policies:
            schema = json_format.MessageToDict(p.configSchema.properties)
            props = {k: v["default"] for k, v in schema.items() if isinstance(v, dict) and "default" in v}
            given = dict(policy_config.get(p.name, {}))
            level = levels[given.pop("enforcementLevel")] if "enforcementLevel" in given else p.enforcementLevel
            props.update(given)
            request.policyConfig[p.name].CopyFrom(A.PolicyConfig(enforcementLevel=level, properties=_struct(props)))
        unknown = set(policy_config) - {p.name for p in self.info.policies}
        if unknown:
            raise ValueError(f"config for unknown policies: {sorted(unknown)}")
        self.stub.Configure(request, timeout=RPC_TIMEOUT)
        self.stub.ConfigureStack(A.AnalyzerStackConfigureRequest(
            stack=self.stack, project=self.project, organization="organization", dry_run=self.dry_run,
        ), timeout=RPC_TIMEOUT)

    def analyze(self, r: Resource) -> A.AnalyzeResponse:
        assert self.stub is not None
        return self.stub.Analyze(A.AnalyzeRequest(
            type=r.type, name=r.name, urn=r.urn, properties=_struct(r.props),
            options=_options(r), provider=_provider(r),
        ), timeout=RPC_TIMEOUT)

    def analyze_stack(self, resources: Iterable[Resource]) -> A.AnalyzeResponse:
        assert self.stub is not None
        return self.stub.AnalyzeStack(A.AnalyzeStackRequest(resources=[
            A.AnalyzerResource(
                type=r.type, name=r.name, urn=r.urn,
                properties=_struct(r.props if r.outputs is None else r.outputs),
                options=_options(r), provider=_provider(r),
                parent=r.parent.urn if r.parent else "",
                dependencies=[d.urn for d in r.dependencies],
            )
            for r in resources
        ]), timeout=RPC_TIMEOUT)

    def run(self, resources: list[Resource], policy_config: Optional[dict[str, dict[str, Any]]] = None) -> Result:
        """A whole preview/update from the pack's point of view: configure, analyze each resource
        in registration order, then analyze the stack."""
        urns = [r.urn for r in resources]
        duplicates = {u for u in urns if urns.count(u) > 1}
        if duplicates:
            raise ValueError(f"duplicate URNs in the test stack: {sorted(duplicates)}")
        self.configure(policy_config)
        diagnostics: list[Diagnostic] = []
        not_applicable: list[NotApplicable] = []

        def collect(response: A.AnalyzeResponse, phase: str, urn: str) -> None:
            for d in response.diagnostics:
                diagnostics.append(Diagnostic(d.policyName, A.EnforcementLevel.Name(d.enforcementLevel),
                                              d.message, d.urn or urn, phase))
            for n in response.not_applicable:
                not_applicable.append(NotApplicable(n.policy_name, n.reason, urn, phase))

        for r in resources:
            collect(self.analyze(r), "analyze", r.urn)
        collect(self.analyze_stack(resources), "analyze_stack", "")
        return Result(diagnostics, not_applicable)
