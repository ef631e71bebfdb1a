"""A model of the Pulumi engine and of pulumi-kubernetes, so tests run workflows as a user runs them:
`pulumi up`, change the stack config, `pulumi preview`, `pulumi up` again, `pulumi destroy`.

Mocks run the program; they have no state, no diff and no plan. This module adds what the real
engine does between and around runs, each rule from the upstream source named beside it (pulumi/
pulumi at 1b5949891b3c, pulumi/pulumi-kubernetes at 94977969d641, both read for this model):

State and plans (pulumi/pulumi `pkg/resource/deploy/step_generator.go`)
- Each run is diffed against the previous run's state, per resource URN: `same`, `update`,
  `replace` (create-then-delete, or delete-then-create), `create`; what the program no longer
  registers is a `delete` (`GenerateDeletes`), run after every other step.
- `replacement_trigger`: a changed, non-null trigger replaces the resource (`shouldTriggerReplace`).
- protect: a replacement is refused when both the old state and the new goal are protected
  ("unable to replace resource … marked for protection"; unprotecting and replacing in one run is
  allowed); a delete is refused when the *old* state is protected (`step.go` DeleteStep.Apply:
  `!s.replacing && s.old.Protect`). In a preview the error is reported and the preview fails; in
  an update the engine bails at that step, keeping the state of the steps already done.
- Deletes run dependents first; a dependency on a component counts as a dependency on every
  resource under it (`pkg/resource/graph/dependency_graph.go`), so what depends on a Helm chart is
  deleted before the chart's objects.
- A read (`Resource.get`) of an object that does not exist fails: "resource '<id>' does not
  exist" (`step.go` ReadStep.Apply); a preview skips reads whose id is unknown.
- A StackReference to a stack that does not exist fails: `unknown stack "<name>"` (`pkg/backend/
  backend.go` GetStackOutputs); a stack that exists but never ran has no outputs. A stack's outputs
  change only when an update succeeds: the Stack resource keeps its old outputs until the program
  registers new ones at its end (`step.go` SameStep.Apply keeps `old.Outputs`), so a failed update,
  a preview, and a StackReference of a stack to itself during its own update all see the outputs
  of the last successful update (GetStackOutputs does not exclude the running stack).

pulumi-kubernetes
- Diff (`provider/pkg/provider/provider.go` Diff, `diff.go` forceNewProperties): a changed
  `metadata.name`/`namespace` replaces any object; a Secret's `type`, and its `data`/`stringData`
  unless the provider sets `enableSecretMutable`, replace it; a ConfigMap's `data`/`binaryData`
  replace it unless `enableConfigMapMutable`; immutable (`immutable: true`) ones always; a
  Service's `spec.clusterIP`, a workload's `spec.selector`, a (Cluster)RoleBinding's `roleRef`
  replace it; everything else is an update. Patch resources replace only on name/namespace.
  A replaced object that keeps its name is deleted before it is recreated (`deleteBeforeReplace`).
- Create (`provider/pkg/await/await.go` Creation): an object that exists fails with "already
  exists" unless the provider sets `upsertExistingObjects` (then: server-side apply); Patch
  resources always apply, so they create what is missing (pulumi-kubernetes#2194). A preview
  hides AlreadyExists (`provider.go` Create: `failedPreview`).
- `helm.v4.Chart` renders in the provider and registers each object as a child with the chart's
  options, protect included (pulumi/pulumi `sdk/go/pulumi/provider.go` construct: `ro.Protect =
  req.Protect`), named `<chart>:<namespace>/<name>` (`provider/pkg/provider/yaml/v2/yaml.go`).
  With unknown values (a first preview) it renders nothing, and nothing of it is planned.

- Await (`provider/pkg/await/await.go` Creation/Update, `metadata/overrides.go` ReadyCondition):
  after a create or update, an object with `pulumi.com/waitFor` is awaited; the Link's status is
  what its service-mirror controller writes (link_status.py). Unmet past the timeout, the step
  fails with the provider's partial error, and the object is kept in the state with its
  initialization error (`provider.go` partialError); the next run plans at least an update of it
  (pulumi/pulumi `step_generator.go`: "If resource was unchanged, but there were initialization
  errors, generate an empty update step").

- `ignore_changes` (`step_generator.go` processIgnoreChanges, `PropertyPath.Reset`): each ignored
  input of a resource that exists takes its value from the previous state (and is dropped when
  the previous state has none), before the diff, for updates and replacements alike; a create
  uses the program's value. This model handles top-level input names, all the program ignores.

pulumi-tls: every input of its resources forces a replacement (terraform-provider-tls schemas
mark them all RequiresReplace), so a changed input is a replace.

pulumi-command: `local.Command` runs `create` on create and the `delete` saved in state on delete;
a changed `triggers` replaces it (pulumi/pulumi-command at 010bd8e0, `provider/pkg/provider/common/
inputs.go`: `Triggers … provider:"replaceOnChanges"`), so its `create` runs again.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, Optional

from google.protobuf import json_format

from .cluster import ApiError, World, object_key
from .recording import UNKNOWN, RecordingMonitor, contains_unknown, unwrap

CHART = "kubernetes:helm.sh/v4:Chart"
K8S_PROVIDER = "pulumi:providers:kubernetes"
COMMAND = "command:local:Command"
STACK_REFERENCE = "pulumi:pulumi:StackReference"


class EngineError(Exception):
    """The engine refused or failed a step (the messages are the engine's or the provider's)."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclasses.dataclass
class ResourceState:
    urn: str
    typ: str
    name: str
    custom: bool
    parent: str
    provider: str
    """The provider's URN ("" for components)."""
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    protect: bool
    dependencies: list[str]
    replacement_trigger: Any = None
    chart_object: bool = False
    """Rendered by a helm.v4.Chart (a child of the chart, registered by the provider)."""
    init_errors: tuple[str, ...] = ()
    """The provider's initialization errors (an await that failed); the next run updates it."""
    retain_on_delete: bool = False
    """A chart object annotated `helm.sh/resource-policy: keep`: pulumi-kubernetes registers it
    with RetainOnDelete (provider/pkg/provider/helm/v4/chart.go, preregister), so deleting it
    removes it from the state and leaves it in the cluster."""


@dataclasses.dataclass(frozen=True)
class Step:
    op: str
    """same | update | replace | create | delete | read"""
    urn: str
    typ: str
    name: str
    delete_before_replace: bool = False
    diffs: tuple[str, ...] = ()


@dataclasses.dataclass
class StackRecord:
    state: Optional[dict[str, ResourceState]] = None
    """None: `pulumi stack init` ran, `pulumi up` never did."""
    outputs: dict[str, Any] = dataclasses.field(default_factory=dict)
    secret_names: list[str] = dataclasses.field(default_factory=list)


# -- provider rules ---------------------------------------------------------------------------------

def _flag(provider_inputs: dict[str, Any], key: str) -> bool:
    """A provider boolean input (JSON-encoded strings on the wire: "true")."""
    value = provider_inputs.get(key)
    return value is True or value == "true"


def kind_of(typ: str) -> str:
    """`kubernetes:core/v1:ServicePatch` -> `Service`."""
    kind = typ.rsplit(":", 1)[1]
    return kind[: -len("Patch")] if kind.endswith("Patch") else kind


def is_kubernetes_object(typ: str) -> bool:
    return typ.startswith("kubernetes:") and typ != CHART


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{path}.{k}" if path else k))
        return out
    return {path: value}


def changed_paths(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    a, b = _flatten(old), _flatten(new)
    return sorted(p for p in set(a) | set(b) if a.get(p, None) != b.get(p, None) or (p in a) != (p in b))


def _under(path: str, prefixes: list[str]) -> bool:
    return any(path == p or path.startswith(p + ".") for p in prefixes)


def kubernetes_diff(typ: str, old: dict, new: dict, provider_inputs: dict) -> tuple[list[str], bool, bool]:
    """(changed paths, replace?, delete before replace?) per pulumi-kubernetes' Diff."""
    paths = changed_paths(old, new)
    if not paths:
        return [], False, False
    force = ["metadata.name", "metadata.namespace"]
    kind = kind_of(typ)
    if not typ.endswith("Patch"):
        immutable = new.get("immutable") is True
        if kind == "Secret":
            force += ["type"]
            if immutable or not _flag(provider_inputs, "enableSecretMutable"):
                force += ["stringData", "data"]
        elif kind == "ConfigMap" and (immutable or not _flag(provider_inputs, "enableConfigMapMutable")):
            force += ["data", "binaryData"]
        elif kind == "Service":
            force += ["spec.clusterIP"]
        elif kind in ("Deployment", "DaemonSet", "StatefulSet", "Job"):
            force += ["spec.selector"]
        elif kind in ("ClusterRoleBinding", "RoleBinding"):
            force += ["roleRef"]
    replace = any(_under(p, force) for p in paths)
    meta_old, meta_new = old.get("metadata") or {}, new.get("metadata") or {}
    dbr = replace and bool(meta_new.get("name")) and meta_new.get("name") == meta_old.get("name") \
        and meta_new.get("namespace") == meta_old.get("namespace")
    return paths, replace, dbr


def provider_diff(typ: str, old: dict, new: dict, provider_inputs: dict) -> tuple[list[str], bool, bool]:
    if is_kubernetes_object(typ):
        return kubernetes_diff(typ, old, new, provider_inputs)
    paths = changed_paths(old, new)
    if typ.startswith("tls:"):
        return paths, bool(paths), False
    if typ == COMMAND:
        return paths, any(_under(p, ["triggers"]) for p in paths), False
    if typ == K8S_PROVIDER:
        # DiffConfig: with clusterIdentifier set and unchanged, config changes are updates.
        return paths, "clusterIdentifier" in paths, False
    return paths, False, False


# -- one run ----------------------------------------------------------------------------------------

class EngineMonitor(RecordingMonitor):
    """The mock monitor, planning each registration against the previous state."""

    def __init__(self, mocks, run: "EngineRun"):
        super().__init__(mocks)
        self.run = run

    def RegisterResource(self, request):
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)
        # A step is planned, applied and recorded as one unit (the SDK registers from a thread pool).
        with self._register_lock:
            urn = self.make_urn(request.parent, request.type, request.name)
            self.run.begin(urn, request)
            resp = super().RegisterResource(request)
            self.run.end(urn, request, self.resources[urn].state, self.resources[urn].id)
            return resp

    def ReadResource(self, request):
        with self._register_lock:
            self.mocks.step, self.mocks.inputs = None, None
            resp = super().ReadResource(request)
            self.run.steps.append(Step("read", resp.urn, request.type, request.name))
            return resp


class EngineRun:
    """The steps of one `pulumi up`/`preview` of one stack."""

    def __init__(self, engine: "Engine", fq_stack: str, old: dict[str, ResourceState], preview: bool):
        self.engine, self.fq_stack, self.old, self.preview = engine, fq_stack, old, preview
        self.world = engine.world
        self.new: dict[str, ResourceState] = {}
        self.steps: list[Step] = []
        self.errors: list[str] = []
        self.commands: list[str] = []
        self.providers: dict[str, dict] = {}
        self.incomplete: set[str] = set()
        """Charts whose objects could not be rendered (unknown values in a preview)."""
        self.mocks = None  # set by Engine

    # -- registration ------------------------------------------------------------------------
    def begin(self, urn: str, request) -> None:
        inputs = unwrap(json_format.MessageToDict(request.object))
        trigger = (json_format.MessageToDict(request.replacement_trigger)
                   if request.HasField("replacement_trigger") else None)
        provider = request.provider.rpartition("::")[0]
        inputs = self.ignoring_changes(urn, inputs, list(request.ignoreChanges))
        self.registering = (urn, request, inputs, provider, trigger)
        self.mocks.inputs = inputs
        step = self.plan(urn, request.type, request.name, request.custom, inputs, provider, request.protect, trigger)
        self.mocks.step = step
        self.mocks.old = self.old.get(urn)
        self.mocks.provider_inputs = self.providers.get(provider, {})

    def ignoring_changes(self, urn: str, inputs: dict, ignored: list[str]) -> dict:
        """The inputs the engine diffs and stores: ignored ones as the previous state has them."""
        old = self.old.get(urn)
        if old is None or not ignored:
            return inputs
        kept = {k: v for k, v in inputs.items() if k not in ignored}
        kept.update({k: old.inputs[k] for k in ignored if k in old.inputs})
        return kept

    def end(self, urn: str, request, outputs: dict, id_: str) -> None:
        inputs = self.registering[2]
        provider = request.provider.rpartition("::")[0]
        if request.type == K8S_PROVIDER:
            self.providers[urn] = inputs
        self.new[urn] = ResourceState(
            urn=urn, typ=request.type, name=request.name, custom=request.custom, parent=request.parent,
            provider=provider, id=id_, inputs=inputs, outputs=unwrap(_plain_outputs(outputs)),
            protect=request.protect, dependencies=list(request.dependencies),
            replacement_trigger=(json_format.MessageToDict(request.replacement_trigger)
                                 if request.HasField("replacement_trigger") else None),
            retain_on_delete=request.retainOnDelete,
        )
        if request.type == CHART:
            self.render_chart(urn, request.name, inputs, provider, request.protect)

    def plan(self, urn: str, typ: str, name: str, custom: bool, inputs: dict, provider: str,
             protect: bool, trigger: Any) -> Step:
        old = self.old.get(urn)
        if old is None:
            step = Step("create", urn, typ, name)
        elif not custom:
            step = Step("same", urn, typ, name)
        else:
            triggered = trigger is not None and old.replacement_trigger is not None and (
                trigger != old.replacement_trigger or contains_unknown(trigger))
            paths, replace, dbr = provider_diff(typ, old.inputs, inputs, self.providers.get(provider, {}))
            if triggered or replace:
                step = Step("replace", urn, typ, name, delete_before_replace=dbr, diffs=tuple(paths))
                if protect and old.protect:
                    self.refuse(f"unable to replace resource \"{urn}\"\nas it is currently marked for protection. "
                                "To unprotect the resource, remove the `protect` flag from the resource in your "
                                "Pulumi program and run `pulumi up`")
            elif paths or old.init_errors:
                step = Step("update", urn, typ, name, diffs=tuple(paths))
            else:
                step = Step("same", urn, typ, name)
        self.steps.append(step)
        return step

    def refuse(self, message: str) -> None:
        self.errors.append(message)
        if not self.preview:
            raise EngineError([message])

    # -- helm.v4.Chart -------------------------------------------------------------------------
    def render_chart(self, chart_urn: str, chart_name: str, inputs: dict, provider: str, protect: bool) -> None:
        from . import chart_render

        if contains_unknown(inputs.get("values")) or contains_unknown(inputs.get("namespace")):
            # pulumi-kubernetes helm/v4/chart.go Construct: with an unknown input it logs "Input
            # properties have unknown values. Preview is incomplete." and registers no children,
            # so the engine plans every object the chart rendered before as a delete (checked on
            # the real tier: e2e/tests/test_engine_rules.py). Only a preview can see unknowns.
            self.incomplete.add(chart_urn)
            return
        objects = chart_render.render(inputs["chart"], str(inputs.get("version", "")), inputs.get("namespace") or "default",
                                      inputs.get("values") or {}, inputs.get("name") or chart_name)
        cluster = provider.rpartition("::")[2]
        provider_inputs = self.providers.get(provider, {})
        for obj in objects:
            typ = chart_render.resource_type(obj)
            name = chart_render.resource_name(chart_name, obj)
            urn = f"{chart_urn.rsplit('::', 2)[0]}::{chart_urn.rsplit('::', 2)[1]}${typ}::{name}"
            step = self.plan(urn, typ, name, True, obj, provider, protect, None)
            old = self.old.get(urn)
            if not self.preview:
                self.apply_kubernetes(step, cluster, typ, obj, old.inputs if old else None, provider_inputs)
            kept = (obj.get("metadata", {}).get("annotations") or {}).get("helm.sh/resource-policy") == "keep"
            self.new[urn] = ResourceState(
                urn=urn, typ=typ, name=name, custom=True, parent=chart_urn, provider=provider, id=name,
                inputs=obj, outputs=obj, protect=protect, dependencies=[], chart_object=True,
                retain_on_delete=kept)

    # -- effects on the clusters ----------------------------------------------------------------
    def apply_kubernetes(self, step: Step, cluster: str, typ: str, obj: dict, old_obj: Optional[dict],
                         provider_inputs: dict) -> dict:
        """What a create/update/replace does to the cluster; returns the live object."""
        try:
            if typ.endswith("Patch"):
                if step.op == "same":
                    return self.world.get(cluster, kind_of(typ), object_key(cluster, obj)[2]) or obj
                return self.world.apply(cluster, obj)
            if step.op == "same":
                return self.world.get(*object_key(cluster, obj)) or obj
            if step.op == "update":
                live = self.world.replace(cluster, obj)
            else:
                if step.op == "replace" and step.delete_before_replace and old_obj is not None:
                    self.world.delete(cluster, old_obj)
                if _flag(provider_inputs, "upsertExistingObjects"):
                    live = self.world.apply(cluster, obj)
                else:
                    live = self.world.create(cluster, obj)
            return self.await_ready(step, cluster, typ, live)
        except ApiError as e:
            message = str(e)
            if "already exists" in message:
                message += ("\n\nThe resource already exists in the cluster. … Intentional upsert: set "
                            "upsertExistingObjects on the provider to allow server-side apply to update "
                            "existing objects on create.")
            self.errors.append(f"{typ} {object_key(cluster, obj)[2]} in cluster {cluster!r}: {message}")
            raise EngineError(self.errors[-1:]) from None

    def await_ready(self, step: Step, cluster: str, typ: str, live: dict) -> dict:
        """The provider's await after a create/update of an object with `pulumi.com/waitFor`."""
        from . import link_status

        if kind_of(typ) == "Link":
            live["status"] = link_status.mirror_status(self.world, cluster, live)
        try:
            line = link_status.unmet(live)
        except link_status.WaitForError as e:
            line, failure = None, str(e)
        else:
            if line is None:
                return live
            failure = "timed out waiting for the condition"
        meta = live.get("metadata") or {}
        if step.op == "create":
            message = (f'resource "{step.urn}" was successfully created, but the Kubernetes API server reported '
                       f"that it failed to fully initialize or become live: {failure}")
        else:
            message = (f'the Kubernetes API server reported that "{meta.get("namespace")}/{meta.get("name")}" '
                       f"failed to fully initialize or become live: {failure}")
        messages = [message] + ([f"{step.name} (last status, after {link_status.timeout_seconds(live)}s): {line}"]
                                if line else [])
        # partialError: the object is checkpointed with its live state and the error.
        urn, request, inputs, provider, trigger = self.registering
        self.new[urn] = ResourceState(
            urn=urn, typ=typ, name=request.name, custom=True, parent=request.parent, provider=provider,
            id=f"{meta.get('namespace')}/{meta.get('name')}", inputs=inputs, outputs=dict(live),
            protect=request.protect, dependencies=list(request.dependencies), replacement_trigger=trigger,
            init_errors=tuple(messages))
        self.errors.extend(messages)
        raise EngineError(messages)

    # -- after the program --------------------------------------------------------------------
    def finish(self) -> None:
        """Plan and run the deletes of what the program no longer registers."""
        gone = [u for u in self.old if u not in self.new and self.old[u].typ != STACK_REFERENCE]
        for urn in delete_order(self.old, gone):
            old = self.old[urn]
            self.steps.append(Step("delete", urn, old.typ, old.name))
            if old.protect:
                self.errors.append(f"unable to delete resource \"{urn}\"\nas it is currently marked for protection. "
                                   "To unprotect the resource, remove the `protect` flag from the resource in your "
                                   "Pulumi program and run `pulumi up`")
                self.new[urn] = old  # it stays, in state and in the cluster
                if not self.preview:
                    break
                continue
            if not self.preview:
                self.delete_effects(old)

    def delete_effects(self, old: ResourceState) -> None:
        cluster = old.provider.rpartition("::")[2]
        if old.retain_on_delete:
            return  # the engine drops it from the state; the object stays in the cluster
        if is_kubernetes_object(old.typ) and old.typ != K8S_PROVIDER and cluster:
            if old.typ.endswith("Patch"):
                try:
                    self.world.remove_fields(cluster, old.inputs)
                except ApiError as e:
                    self.errors.append(f"{old.urn}: error: {e}")
                    self.new[old.urn] = old  # the delete failed: it stays in the state
            else:
                self.world.delete(cluster, old.inputs)
        elif old.typ == COMMAND and old.inputs.get("delete"):
            self.commands.append(old.inputs["delete"])


def delete_order(state: dict[str, ResourceState], gone: list[str]) -> list[str]:
    """Dependents before their dependencies; a dependency on a component covers its descendants,
    and a parent goes after its children. Ties: reverse state order, as the engine does."""
    children: dict[str, list[str]] = {}
    for urn, r in state.items():
        children.setdefault(r.parent, []).append(urn)

    def descendants(urn: str) -> set[str]:
        out, todo = set(), list(children.get(urn, []))
        while todo:
            u = todo.pop()
            if u not in out:
                out.add(u)
                todo.extend(children.get(u, []))
        return out

    gone_set = set(gone)
    must_wait: dict[str, set[str]] = {u: set() for u in gone}  # u is deleted only after these
    for u in gone:
        r = state[u]
        targets = set()
        for d in r.dependencies:
            targets.add(d)
            if d in state and not state[d].custom:
                targets |= descendants(d)
        if r.parent:
            targets.add(r.parent)
        for d in targets & gone_set:
            if d != u:
                must_wait[d].add(u)
    order: list[str] = []
    position = {u: i for i, u in enumerate(state)}
    ready = sorted([u for u in gone if not must_wait[u]], key=lambda u: -position[u])
    done: set[str] = set()
    while ready:
        u = ready.pop(0)
        order.append(u)
        done.add(u)
        for v in gone:
            if v not in done and v not in ready and must_wait[v] <= done:
                ready.append(v)
        ready.sort(key=lambda x: -position[x])
    assert len(order) == len(gone), "dependency cycle among deletes"
    return order


def _plain_outputs(outputs: Any) -> Any:
    """Outputs as the mocks returned them (Unknown objects become the wire sentinel)."""
    if isinstance(outputs, dict):
        return {k: _plain_outputs(v) for k, v in outputs.items()}
    if isinstance(outputs, list):
        return [_plain_outputs(v) for v in outputs]
    if type(outputs).__name__ == "Unknown":
        return UNKNOWN
    return outputs


# -- the backend and the CLI ------------------------------------------------------------------------

class Engine:
    """A Pulumi backend with stacks of this project, the clusters they deploy to, and the CLI's
    `stack init`, `preview`, `up` and `destroy`."""

    def __init__(self, world: Optional[World] = None, organization: str = "organization",
                 project: str = "linkerd-multicluster"):
        from .program import default_world

        self.world = world if world is not None else default_world()
        self.organization, self.project = organization, project
        self.stacks: dict[str, StackRecord] = {}

    def fq(self, stack: str) -> str:
        return stack if stack.count("/") == 2 else f"{self.organization}/{self.project}/{stack}"

    def init(self, *stacks: str) -> None:
        """`pulumi stack init <stack>`."""
        for stack in stacks:
            self.stacks.setdefault(self.fq(stack), StackRecord())

    def stack_outputs(self, name: str) -> StackRecord:
        """What a StackReference reads (pkg/backend GetStackOutputs)."""
        record = self.stacks.get(name)
        if record is None:
            raise EngineError([f"unknown stack {json.dumps(name)}"])
        return record

    def up(self, stack: str, config: dict[str, Any], *, skip_preview: bool = False, **kw):
        """`pulumi up`: a preview first (`pkg/backend/apply.go` PreviewThenPromptThenExecute: an update starts only
        after its preview succeeded), so a step the engine refuses stops the run before anything
        is applied; `skip_preview=True` is `pulumi up --skip-preview`."""
        if not skip_preview:
            self._run(stack, config, preview=True, **kw)
        return self._run(stack, config, preview=False, **kw)

    def preview(self, stack: str, config: dict[str, Any], **kw):
        return self._run(stack, config, preview=True, **kw)

    def _run(self, stack: str, config: dict[str, Any], preview: bool, raw_config: Optional[dict[str, str]] = None):
        from .program import execute_program

        fq = self.fq(stack)
        if fq not in self.stacks:
            raise EngineError([f"no stack named '{fq}' found; run `pulumi stack init {stack}` first"])
        record = self.stacks[fq]
        old = dict(record.state or {})
        run = EngineRun(self, fq, old, preview)

        def finish_run(result) -> None:
            run.finish()

        try:
            result = execute_program(config, stack=fq.rsplit("/", 1)[1], preview=preview, engine=self,
                                     engine_run=run, raw_config=raw_config, after=finish_run)
        except EngineError:
            self._save(record, run, None, preview)
            raise
        except Exception:
            if run.errors:
                self._save(record, run, None, preview)
                raise EngineError(run.errors) from None
            raise
        self._save(record, run, result, preview)
        if run.errors:
            raise EngineError(run.errors)
        return result

    def _save(self, record: StackRecord, run: EngineRun, result, preview: bool) -> None:
        """The state after a run: a preview changes nothing; an update keeps what it did, also
        when it failed part-way (the engine checkpoints after every step)."""
        if preview:
            return
        if result is None:
            merged = dict(record.state or {})
            merged.update(run.new)
            record.state = merged
            return
        record.state = dict(run.new)
        record.outputs = result.outputs
        record.secret_names = sorted(result.secret)

    def destroy(self, stack: str, *, skip_preview: bool = False) -> list[Step]:
        """`pulumi destroy`: delete everything in the stack's state, without running the program;
        a preview first, as with `up`."""
        record = self.stacks[self.fq(stack)]
        old = dict(record.state or {})
        if not skip_preview:
            planned = EngineRun(self, self.fq(stack), old, preview=True)
            planned.finish()
            if planned.errors:
                raise EngineError(planned.errors)
        run = EngineRun(self, self.fq(stack), old, preview=False)
        run.finish()
        record.state = {u: r for u, r in old.items() if u in run.new}
        if run.errors:
            raise EngineError(run.errors)
        record.outputs, record.secret_names = {}, []
        return run.steps

    def state(self, stack: str) -> dict[str, ResourceState]:
        return dict(self.stacks[self.fq(stack)].state or {})
