"""The service-mirror controller's Link status, and pulumi-kubernetes' `pulumi.com/waitFor` await.

**The controller** (linkerd2 edge-26.8.3 `multicluster/service-mirror/cluster_watcher.go`): for each
Service of the target cluster that a Link selector matches, it writes one entry into the Link's
status (`updateServiceStatus`), keyed by `remoteRef` (the target's Service), with a single
`Mirrored` condition (`mirrorStatusCondition`):
- `selector` (`mirror.linkerd.io/exported: "true"`) and `remoteDiscoverySelector` (`exported:
  remote-discovery`) go to `status.mirrorServices` (`handleRemoteServiceExported`), the mirror
  being `<svc>-<targetClusterName>` (`mirrorServiceName`); `federatedServiceSelector`
  (`mirror.linkerd.io/federated: member`) goes to `status.federatedServices`
  (`handleCreateFederatedService`), the local service being `<svc>-federated`;
- the Service's namespace must exist in the source cluster (namespace creation is off unless the
  controller is told otherwise), else `status: "False"`, reason `MissingNamespace`, message
  "Namespace does not exist", no `localRef`;
- otherwise `status: "True"`, reason `Mirrored`, message "", `localRef` the local Service.
`remoteRef`/`localRef` carry `kind: Service` and the core group "" (omitted: `omitempty`).
`lastTransitionTime` is `metav1.Now()` there; here a fixed time, so runs are reproducible.
`World.never_mirrored` names Services the controller never gets to (a controller that cannot
reach the target, a broken credential): they get no entry at all. Mirror Services and endpoints
themselves are not emulated, only the status.

**The await** (pulumi-kubernetes at 94977969d641): `provider/pkg/metadata/overrides.go`
`ReadyCondition` reads `pulumi.com/waitFor` as a JSON array of expressions (else one expression),
refuses an empty array and an expression without a `jsonpath=`/`condition=` prefix, and waits
until *all* hold (`await/condition/all.go`, which stops at the first unmet one);
`provider/pkg/jsonpath/jsonpath.go` `Parse` and `Matches` (below, step by step);
`await/condition/jsonpath.go` logs "Waiting for <expr> (found "<v>")" or "<path> selected nothing"
as the resource's status while it waits. Past `pulumi.com/timeoutSeconds` (`TimeoutDuration`;
default 10 minutes, `await/await.go`) the awaiter gives up with "timed out waiting for the
condition" (`await/internal/awaiter.go`, client-go `wait.ErrorInterrupted(nil)`) and the provider
fails the create or update with the object's live state (`provider/provider.go`, `partialError`).
The world does not change while the model waits, so one evaluation decides.

JSONPath: only the RFC 9535 subset the program writes is implemented (name segments, `[*]`,
`[<index>]`, filters `[?<cmp> && <cmp>…]` optionally in parentheses, each `<cmp>` being
`@.a.b == '<string>'`); anything else raises `Unsupported`, so a program expression outside the
subset fails the tests instead of being half-understood.
"""
from __future__ import annotations

import json
import re
from typing import Any, Optional

from .cluster import World

EXPORT_LABEL = "mirror.linkerd.io/exported"
FEDERATED_LABEL = "mirror.linkerd.io/federated"
TRANSITION_TIME = "2026-01-01T00:00:00Z"
WAIT_FOR = "pulumi.com/waitFor"
TIMEOUT = "pulumi.com/timeoutSeconds"
DEFAULT_TIMEOUT_SECONDS = 600


class Unsupported(Exception):
    """An expression outside the modelled subset (not a statement about the provider)."""


class WaitForError(Exception):
    """What the provider answers for a malformed `pulumi.com/waitFor` (before any waiting)."""


# -- the controller ---------------------------------------------------------------------------------

def _selects(selector: Optional[dict], labels: dict[str, str]) -> bool:
    """A LabelSelector with matchLabels only (link-gen's three); an empty one selects nothing
    in the controller (cluster_watcher.go isExported/isRemoteDiscovery/isFederatedServiceMember)."""
    match = (selector or {}).get("matchLabels") or {}
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def namespace_exists(world: World, cluster: str, namespace: str) -> bool:
    """A Namespace object, or any object in it (the API server keeps no object without its namespace)."""
    if world.get(cluster, "Namespace", f"/{namespace}") is not None:
        return True
    return any(c == cluster and n.startswith(f"{namespace}/") for (c, _, n) in world.objects)


def mirror_status(world: World, source: str, link: dict) -> dict[str, Any]:
    """The `status` the Link's controller in `source` writes, from the target's Services now."""
    spec = link.get("spec") or {}
    target = spec.get("targetClusterName", "")
    mirrors, federated = [], []
    for (cluster, kind, name), svc in sorted(world.objects.items()):
        if cluster != target or kind != "Service":
            continue
        meta = svc.get("metadata") or {}
        labels = meta.get("labels") or {}
        ns, svc_name = meta.get("namespace", ""), meta["name"]
        if (target, f"{ns}/{svc_name}") in world.never_mirrored:
            continue
        if _selects(spec.get("selector"), labels) or _selects(spec.get("remoteDiscoverySelector"), labels):
            into, local = mirrors, f"{svc_name}-{target}"
        elif _selects(spec.get("federatedServiceSelector"), labels):
            into, local = federated, f"{svc_name}-federated"
        else:
            continue
        if namespace_exists(world, source, ns):
            condition = {"type": "Mirrored", "status": "True", "reason": "Mirrored", "message": "",
                         "lastTransitionTime": TRANSITION_TIME,
                         "localRef": {"kind": "Service", "name": local, "namespace": ns}}
        else:
            condition = {"type": "Mirrored", "status": "False", "reason": "MissingNamespace",
                         "message": "Namespace does not exist", "lastTransitionTime": TRANSITION_TIME}
        into.append({"controllerName": "linkerd.io/service-mirror",
                     "remoteRef": {"kind": "Service", "name": svc_name, "namespace": ns},
                     "conditions": [condition]})
    status: dict[str, Any] = {}
    if mirrors:
        status["mirrorServices"] = mirrors  # omitempty
    if federated:
        status["federatedServices"] = federated
    return status


# -- JSONPath (the subset) --------------------------------------------------------------------------

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_STRING = r"'([^'\\]*)'|\"([^\"\\]*)\""
_CMP = re.compile(rf"\s*@((?:\.{_NAME})+)\s*==\s*(?:{_STRING})\s*")


def _filter(text: str):
    """`cmp && cmp …`, optionally in one pair of parentheses -> a predicate."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    tests = []
    for part in text.split("&&"):
        m = _CMP.fullmatch(part)
        if not m:
            raise Unsupported(f"filter {part!r}")
        names = m.group(1).split(".")[1:]
        literal = m.group(2) if m.group(2) is not None else m.group(3)
        tests.append((names, literal))

    def holds(node: Any) -> bool:
        for names, literal in tests:
            value = node
            for n in names:
                if not isinstance(value, dict) or n not in value:
                    return False  # a missing member compares as Nothing: false (RFC 9535 2.3.5.2.2)
                value = value[n]
            if value != literal:
                return False
        return True

    return holds


def compile_path(path: str):
    """An RFC 9535 query starting at `$` -> a function from a document to the selected nodes."""
    if not path.startswith("$"):
        raise Unsupported(path)
    i, steps = 1, []
    while i < len(path):
        if path.startswith("[*]", i) or path.startswith(".*", i):
            steps.append(("wild", None))
            i += 3 if path[i] == "[" else 2
        elif path[i] == ".":
            m = re.compile(_NAME).match(path, i + 1)
            if not m:
                raise Unsupported(path[i:])
            steps.append(("name", m.group(0)))
            i = m.end()
        elif path.startswith("[?", i):
            depth, j = 0, i + 2
            while j < len(path) and not (path[j] == "]" and depth == 0):
                depth += {"(": 1, ")": -1}.get(path[j], 0)
                j += 1
            if j >= len(path):
                raise Unsupported(path[i:])
            steps.append(("filter", _filter(path[i + 2:j])))
            i = j + 1
        elif (m := re.compile(r"\[(-?[0-9]+)\]").match(path, i)):
            steps.append(("index", int(m.group(1))))
            i = m.end()
        else:
            raise Unsupported(path[i:])

    def select(doc: Any) -> list[Any]:
        nodes = [doc]
        for kind, arg in steps:
            out = []
            for node in nodes:
                children = list(node.values()) if isinstance(node, dict) else list(node) if isinstance(node, list) else []
                if kind == "name" and isinstance(node, dict) and arg in node:
                    out.append(node[arg])
                elif kind == "wild":
                    out += children
                elif kind == "index" and isinstance(node, list) and -len(node) <= arg < len(node):
                    out.append(node[arg])
                elif kind == "filter":
                    out += [c for c in children if arg(c)]
            nodes = out
        return nodes

    return select


def _go_print(value: Any) -> str:
    """`fmt.Sprint` of a JSON scalar as Go decodes it."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Expression:
    """One `jsonpath=` expression, parsed as `jsonpath.go` `Parse` does."""

    def __init__(self, raw: str):
        if not raw.startswith("jsonpath="):
            raise WaitForError("JSONPath expression must begin with a 'jsonpath=' prefix")
        body = raw[len("jsonpath="):]
        placeholder = "\ufffd"
        parts = body.replace("==", placeholder).split("=")
        self.path = parts[0].replace(placeholder, "==")
        if len(parts) > 2:
            raise WaitForError(f"format should be {{.path}}=value or {{.path}}, got {body!r}")
        self.value = parts[1].replace(placeholder, "==") if len(parts) == 2 else ""
        if len(parts) == 2 and not self.value:
            raise WaitForError(f"{self.path}= requires a value")
        if self.path.startswith("'") and self.path.endswith("'"):
            raise WaitForError(f"{self.path} should omit shell quotes")
        m = re.search(r"\{\s*(.*?)\s*\}", self.path)
        if not m:
            raise WaitForError(f"{self.path} should be wrapped in brackets {{ ... }}")
        inner = m.group(1)
        self.select = compile_path(inner if inner.startswith("$") else "$" + inner)

    def __str__(self) -> str:
        return self.path + (f"={self.value}" if self.value else "")

    def satisfied(self, obj: dict) -> tuple[bool, str]:
        """(matched, the status line the provider logs) as `Matches` and `JSONPath.Satisfied`."""
        results = self.select(obj)
        if not results:
            return False, f"{self.path} selected nothing"
        first = results[0]
        if isinstance(first, (list, dict)):
            if not self.value:
                return True, f"Found {self}"
            raise WaitForError(f"{self.path!r} has a non-primitive value ({first})")
        found = _go_print(first)
        if not self.value or found == self.value:
            return True, f"Found {self}"
        return False, f'Waiting for {self} (found "{found}")'


def wait_for(obj: dict) -> Optional[list[Expression]]:
    """The expressions of an object's `pulumi.com/waitFor`, None without one (`ReadyCondition`)."""
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(WAIT_FOR, "")
    if not value:
        return None
    try:
        values = json.loads(value)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError
    except ValueError:
        values = [value]
    if not values:
        raise WaitForError("at least one condition must be specified")
    out = []
    for expr in values:
        if expr.startswith("jsonpath="):
            out.append(Expression(expr))
        elif expr.startswith("condition="):
            raise Unsupported("condition= expressions are not modelled")
        else:
            raise WaitForError(f'expected a "jsonpath=" or "condition=" prefix, got {json.dumps(expr)}')
    return out


def timeout_seconds(obj: dict) -> int:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(TIMEOUT, "")
    try:
        return int(value)
    except ValueError:
        return DEFAULT_TIMEOUT_SECONDS  # strconv.Atoi failing: the default


def unmet(obj: dict) -> Optional[str]:
    """None when the await succeeds; else the status line of the first unmet expression
    (`All.Satisfied` stops there), which the provider shows until it gives up."""
    expressions = wait_for(obj)
    for expr in expressions or []:
        ok, line = expr.satisfied(obj)
        if not ok:
            return line
    return None
