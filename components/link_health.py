"""Link health: a Link waits until its target's exported services are mirrored, an optional
`linkerd multicluster check` per source cluster, and the `linkStatus` stack output.

**The wait is pulumi-kubernetes' own.** Its `pulumi.com/waitFor` annotation (pulumi-kubernetes
`provider/pkg/metadata/overrides.go` `ReadyCondition`) makes the provider await a condition after
a create or an update: a JSON array of expressions must *all* hold (`await/condition/all.go`),
each `jsonpath={<path>}=<value>` (`provider/pkg/jsonpath/jsonpath.go` `Parse`): the path in one
pair of braces, split from the value on a single `=` (a `==` inside the path is kept), parsed
as RFC 9535 JSONPath (github.com/theory/jsonpath since pulumi-kubernetes 4.24.0; before that
k8s.io/client-go/util/jsonpath, which has no `&&` in filters, so 4.24+ is needed). The first node
the path selects must print as the value (`Parsed.Matches`). `pulumi.com/timeoutSeconds` bounds
the wait (`TimeoutDuration`; default 10 minutes); past it the create or update fails with
"timed out waiting for the condition" (`await/internal/awaiter.go`), the Link stays in the state
with its initialization error, and the next `pulumi up` updates it again to resume the wait
(pulumi/pulumi `pkg/resource/deploy/step_generator.go`, `hasInitErrors`). The same timeout also
bounds the Link's deletion (`await.go` Deletion reads the same annotation).

**What the condition reads.** The service-mirror controller of the Link writes `status` (linkerd2
edge-26.8.3 `multicluster/service-mirror/cluster_watcher.go` `updateServiceStatus`,
`mirrorStatusCondition`; `controller/gen/apis/link/v1alpha3/types.go` `LinkStatus`):
`status.mirrorServices[]` for `exported=true` and `remote-discovery` Services,
`status.federatedServices[]` for federated members, one entry per target Service,
`{controllerName, remoteRef: {group, kind, name, namespace}, conditions: [{type: Mirrored,
status: True|False, reason, message, lastTransitionTime, localRef: {…, name: <svc>-<target>
(or <svc>-federated)}}]}`. An entry is found by its `remoteRef` (the exported Service: what the
config names), and the wait asks for its `Mirrored` condition to be `True`. `status[*]` covers
both lists, so one form serves every export mode, also when the mode is not known (a target of
another stack publishes `exports` without modes); a Service is in only one of them.
"""
from __future__ import annotations

import json
import shlex
from typing import Any, Callable, Optional

import pulumi
import pulumi_command as command

from .config.schema import LinkConfig, LinkHealthConfig, MeshConfig
from .providers import kubectl_flags

WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"
TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds"
STATUS_LISTS = ("mirrorServices", "federatedServices")


def mirrored_expression(namespace: str, service: str) -> str:
    """The `waitFor` expression that holds once the target's `namespace/service` is mirrored.

    Names are DNS labels (config/schema.py validates them; another stack's `exports` output comes from the
    same validation), so they need no escaping inside the single-quoted RFC 9535 string literals,
    and they contain no `=` or `}` that `Parse` would split on."""
    return (
        "jsonpath={.status[*]"
        f"[?@.remoteRef.namespace=='{namespace}' && @.remoteRef.name=='{service}']"
        ".conditions[?@.type=='Mirrored'].status}=True"
    )


def wait_annotations(exports: list[str], health: LinkHealthConfig) -> dict[str, str]:
    """The Link's await annotations for the target's exports (`namespace/service`, any order).

    Nothing when the target exports nothing: an empty array is an error for the provider ("at
    least one condition must be specified") and any other condition could never be met."""
    if not health.wait_for_mirrors or not exports:
        return {}
    # Sorted and de-duplicated: the same exports always give the same annotation (no diff).
    expressions = [mirrored_expression(*e.split("/", 1)) for e in sorted(set(exports))]
    return {
        WAIT_FOR_ANNOTATION: json.dumps(expressions),
        TIMEOUT_ANNOTATION: str(health.timeout_seconds),
    }


def check_command(flags: list[str]) -> str:
    """`linkerd multicluster check` on the cluster the flags reach (`--context`/`--kubeconfig` are
    persistent flags of the linkerd CLI, as of kubectl: linkerd2 `cli/cmd/root.go`)."""
    return shlex.join(["linkerd", *flags, "multicluster", "check"])


def readable_status(status: Any) -> list[dict[str, Any]]:
    """A Link's `status` as the `linkStatus` output shows it: one row per target Service."""
    rows = []
    for kind in STATUS_LISTS:
        for entry in (status or {}).get(kind) or []:
            remote = entry.get("remoteRef") or {}
            for cond in entry.get("conditions") or []:
                if cond.get("type") != "Mirrored":
                    continue
                local = cond.get("localRef") or {}
                rows.append({
                    "service": f"{remote.get('namespace', '')}/{remote.get('name', '')}",
                    "federated": kind == "federatedServices",
                    "mirroredAs": f"{local['namespace']}/{local['name']}" if local.get("name") else None,
                    "mirrored": cond.get("status"),
                    "reason": cond.get("reason", ""),
                    "message": cond.get("message", ""),
                    "since": cond.get("lastTransitionTime", ""),
                })
    return sorted(rows, key=lambda r: (r["service"], r["federated"]))


class LinkHealth:
    """Per Mesh: the wait annotations of each Link, the check per source cluster, `linkStatus`.

    Links to a target of another stack are created inside an `apply` (link_target.when_granted),
    so the check of a source cluster waits on every such decision (`expect`) before it looks at
    the Links that were created (`created`)."""

    def __init__(self, config: MeshConfig, stack: Callable[[str], pulumi.StackReference], parent: pulumi.Resource):
        self._config, self._stack, self._parent = config, stack, parent
        self._decisions: dict[str, list[pulumi.Output[Any]]] = {}
        self._links: dict[tuple[str, str], Any] = {}
        """(source, target) -> components.link.Link, as they are created."""

    # -- per link ------------------------------------------------------------------------------
    def annotations(self, link: LinkConfig) -> pulumi.Input[dict[str, str]]:
        """The Link's `waitFor`/`timeoutSeconds` annotations, from the target's exports: this
        stack's config, or the `exports` output of the stack that installs the target."""
        health = self._config.link_health
        target = self._config.clusters.get(link.target)
        if target is not None:
            return wait_annotations([f"{e.namespace}/{e.service}" for e in target.exports], health)
        assert link.target_stack is not None  # guaranteed by config validation
        return self._stack(link.target_stack).get_output("exports").apply(
            lambda exports: wait_annotations(list((exports or {}).get(link.target) or []), health)
        )

    def expect(self, link: LinkConfig, decided: pulumi.Input[Any]) -> None:
        """A link of a source cluster of this stack; `decided` resolves once it is created or skipped."""
        self._decisions.setdefault(link.source, []).append(pulumi.Output.from_input(decided))

    def created(self, link: LinkConfig, created: Any) -> None:
        self._links[(link.source, link.target)] = created

    # -- per source cluster --------------------------------------------------------------------
    def verify(self) -> None:
        """`verify: linkerd-check`: one `linkerd multicluster check` per source cluster, after its
        Links (so after their waits), re-run when one of them changes. A failing check fails the
        update with the check's output (pulumi-command reports the command's stdout and stderr)."""
        if self._config.verify != "linkerd-check":
            return
        for source, decisions in sorted(self._decisions.items()):
            # Registered once every link of the source is created or skipped; with none created
            # (per-cluster stacks before the target grants access) there is nothing to check yet.
            pulumi.Output.all(*decisions).apply(lambda _, source=source: self._check(source))

    def _check(self, source: str) -> Optional[command.local.Command]:
        links = [l for (s, t), l in sorted(self._links.items()) if s == source]
        if not links:
            return None
        run = check_command(kubectl_flags(self._config.clusters[source]))
        # Replaced (so run again) whenever a Link's spec or wait changes: a new gateway address,
        # new credentials' API address, a new chart version in the created-by annotation.
        triggers = [pulumi.Output.all(l.link.spec, l.wait_annotations, l.created_by) for l in links]
        return command.local.Command(
            f"{source}-linkerd-multicluster-check",
            create=run,
            update=run,
            triggers=triggers,
            opts=pulumi.ResourceOptions(parent=self._parent, depends_on=[l.link for l in links]),
        )

    # -- stack output ---------------------------------------------------------------------------
    def outputs(self) -> dict[str, Any]:
        """`linkStatus`: per source cluster of this stack, per target, the target's Services as
        the Link's status listed them when the provider last created or updated it (after the
        wait: the provider returns the object it awaited). `{}` when no link starts here."""
        decisions = [d for source in sorted(self._decisions) for d in self._decisions[source]]

        def collect(_: Any) -> pulumi.Output[dict[str, Any]]:
            by_source: dict[str, dict[str, Any]] = {}
            for (source, target), link in sorted(self._links.items()):
                by_source.setdefault(source, {})[target] = link.link.status.apply(readable_status)
            return pulumi.Output.from_input(by_source)

        return {"linkStatus": pulumi.Output.all(*decisions).apply(collect)}
