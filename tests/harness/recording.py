"""A MockMonitor that records every registration and read with what `MockResourceArgs` leaves out:
parent, provider, dependencies (explicit and implicit), the inputs as sent on the wire (nested
secrets in place), and resource options. It also emulates the engine for provider-declared secret
outputs (`additional_secret_outputs`), which the stock MockMonitor ignores.
"""
from __future__ import annotations

import dataclasses
import threading
from typing import Any, Optional

from google.protobuf import json_format
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_wire_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def unwrap(value: Any) -> Any:
    """Wire form -> plain data: secret wrappers removed, integral floats made ints."""
    if is_wire_secret(value):
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def contains(value: Any, found) -> bool:
    """Whether `found(node)` holds for a node of a wire value (the value itself or any nested one)."""
    if found(value):
        return True
    if isinstance(value, dict):
        return any(contains(v, found) for v in value.values())
    if isinstance(value, list):
        return any(contains(v, found) for v in value)
    return False


def contains_unknown(value: Any) -> bool:
    return contains(value, lambda v: v == UNKNOWN)


def contains_secret(value: Any) -> bool:
    return contains(value, is_wire_secret)


@dataclasses.dataclass
class Registered:
    urn: str
    typ: str
    name: str
    custom: bool
    remote: bool
    read: bool                   # True for Resource.get (ReadResource)
    read_id: str
    parent: str
    provider: str                # "<provider urn>::<provider id>" or ""
    providers: dict[str, str]
    dependencies: list[str]      # explicit depends_on and implicit Output dependencies
    property_dependencies: dict[str, list[str]]
    wire: dict[str, Any]         # inputs as sent: secrets wrapped where they are nested
    additional_secret_outputs: list[str]
    protect: bool
    replacement_trigger: Any

    @property
    def inputs(self) -> dict[str, Any]:
        """Plain inputs (secrets unwrapped, integral numbers as int)."""
        return unwrap(self.wire)

    @property
    def provider_name(self) -> Optional[str]:
        """The name of the explicit provider (`east`), None for a default provider."""
        if not self.provider:
            return None
        urn = self.provider.rpartition("::")[0]  # strip the provider's id
        name = urn.rpartition("::")[2]
        return None if name.startswith("default") else name


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks):
        super().__init__(mocks)
        self._register_lock = threading.RLock()
        self.registrations: list[Registered] = []
        self.outputs: dict[str, dict] = {}

    def _record(self, request, urn: str, read: bool) -> None:
        wire = json_format.MessageToDict(request.properties if read else request.object)
        self.registrations.append(
            Registered(
                urn=urn,
                typ=request.type,
                name=request.name,
                custom=True if read else request.custom,
                remote=False if read else request.remote,
                read=read,
                read_id=request.id if read else "",
                parent=request.parent,
                provider=request.provider,
                providers={} if read else dict(request.providers),
                dependencies=list(request.dependencies),
                property_dependencies={} if read else {k: list(v.urns) for k, v in request.propertyDependencies.items()},
                wire=wire,
                additional_secret_outputs=list(request.additionalSecretOutputs),
                protect=False if read else request.protect,
                replacement_trigger=None if read or not request.HasField("replacement_trigger")
                else json_format.MessageToDict(request.replacement_trigger),
            )
        )

    def RegisterResource(self, request):
        with self._register_lock:  # the SDK registers from a thread pool
            return self._register(request)

    def _register(self, request):
        # The engine replaces a resource whose replacement trigger changed; tell the mocks, so
        # they mint anew (MockResourceArgs does not carry the trigger).
        self.mocks.replacement_trigger = (
            json_format.MessageToJson(request.replacement_trigger) if request.HasField("replacement_trigger") else None
        )
        resp = super().RegisterResource(request)
        raw = json_format.MessageToDict(resp.object)
        for k in request.additionalSecretOutputs:
            if k in raw and not is_wire_secret(raw[k]):
                resp.object[k] = {SECRET_SIG_KEY: SECRET_SIG, "value": raw[k]}
        if request.type != "pulumi:pulumi:Stack":
            self._record(request, resp.urn, read=False)
        return resp

    def ReadResource(self, request):
        resp = super().ReadResource(request)
        self._record(request, resp.urn, read=True)
        return resp

    def RegisterResourceOutputs(self, request):
        self.outputs[request.urn] = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
        return super().RegisterResourceOutputs(request)

    # -- lookups --------------------------------------------------------------------------
    def by_type(self, typ: str) -> list[Registered]:
        return [r for r in self.registrations if r.typ == typ and not r.read]

    def one(self, typ: str, name: str) -> Registered:
        found = [r for r in self.registrations if r.typ == typ and r.name == name]
        assert len(found) == 1, f"expected one {typ} {name!r}, found {len(found)}: {[r.name for r in self.by_type(typ)]}"
        return found[0]

    def named(self, name: str) -> Registered:
        found = [r for r in self.registrations if r.name == name]
        assert len(found) == 1, f"expected one resource named {name!r}, found {len(found)}"
        return found[0]

    def by_urn(self) -> dict[str, Registered]:
        return {r.urn: r for r in self.registrations}

    def reads(self) -> list[Registered]:
        return [r for r in self.registrations if r.read]
