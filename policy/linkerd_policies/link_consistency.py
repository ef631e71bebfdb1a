"""`link-consistency`: Link name, targetClusterName, controller entry and credentials Secret agree.

Its failing and passing cases: tests/policy/test_link_consistency.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from pulumi_policy.proxy import UnknownValueError
from .common import (
    CRD,
    CannotVerifyDuringPreview,
    DEPLOYMENT,
    HELM_RELEASE,
    LINK_CRD_NAME,
    LINK_TYPE,
    MULTICLUSTER_CHART,
    MULTICLUSTER_NAMESPACE,
    REMOTE_KUBECONFIG_SECRET_TYPE,
    SECRET,
    cluster_of,
    controller_deployment_name,
    credentials_secret_name,
    get_path,
    is_chart_child,
    is_dry_run,
    is_list_proxy,
)


@dataclass
class _ClusterView:
    """What one cluster provider shows of the multicluster setup."""

    secrets: dict[tuple[str, str], tuple[PolicyResource, Any]] = field(default_factory=dict)
    controller_deployments: set[tuple[str, str]] = field(default_factory=set)
    release_controllers: set[str] = field(default_factory=set)
    multicluster_rendered: bool = False


def _controller_names(values: Any) -> set[str]:
    names = set()
    controllers = get_path(values, "controllers")
    if is_list_proxy(controllers):
        for entry in controllers:
            name = get_path(entry, "link", "ref", "name")
            if isinstance(name, str):
                names.add(name)
    return names


def _cluster_views(resources: list[PolicyResource]) -> dict[Optional[str], _ClusterView]:
    views: dict[Optional[str], _ClusterView] = {}
    for r in resources:
        key = r.provider.urn if r.provider else None
        view = views.setdefault(key, _ClusterView())
        try:
            name = get_path(r.props, "metadata", "name")
            namespace = get_path(r.props, "metadata", "namespace")
            if r.resource_type == SECRET and isinstance(name, str):
                view.secrets[(str(namespace), name)] = (r, get_path(r.props, "type"))
            elif r.resource_type == DEPLOYMENT and isinstance(name, str):
                view.controller_deployments.add((str(namespace), name))
            elif r.resource_type == CRD and name == LINK_CRD_NAME and is_chart_child(r.opts.parent):
                view.multicluster_rendered = True
            elif r.resource_type == HELM_RELEASE:
                chart = get_path(r.props, "chart")
                if isinstance(chart, str) and chart.rstrip("/").endswith(MULTICLUSTER_CHART):
                    view.multicluster_rendered = True
                    view.release_controllers |= _controller_names(get_path(r.props, "values"))
        except UnknownValueError:
            continue  # an object whose name is not known yet cannot be matched by name
    return views


def validate_links(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Each Link's name, `spec.targetClusterName`, controller and credentials Secret must agree.

    Why (multicluster/service-mirror and the chart's controller templates, edge-26.8.3):
    * the chart renders one service-mirror controller per `controllers[].link.ref.name`; the
      controller takes that name as its argument and watches the Link *of that name* in its own
      namespace, so a Link without a matching controller entry mirrors nothing;
    * the controller's Role `controller-read-remote-creds-<name>` allows reading only the Secret
      `cluster-credentials-<name>`, so `spec.clusterCredentialsSecret` must be exactly that, and
      the Secret must exist in the same namespace with type `mirror.linkerd.io/remote-kubeconfig`
      (`linkerd multicluster link-gen` writes it so);
    * `spec.targetClusterName` suffixes every mirrored Service, and `linkerd multicluster check`
      and `gateways` look up the controller and its Lease by it, while the Lease is named after
      the Link: the two must be equal.

    Everything is matched per cluster provider: a Link only sees Secrets and controllers in its own
    cluster. The controller is recognised by the Deployment `controller-<name>` that Chart v4
    renders (or a `helm.v3.Release` of linkerd-multicluster listing the entry in its values).
    """
    config = args.get_config() or {}
    mc_namespace = str(config.get("multiclusterNamespace") or MULTICLUSTER_NAMESPACE)
    views = _cluster_views(args.resources)
    cannot_verify: list[str] = []

    for r in args.resources:
        if not LINK_TYPE.match(r.resource_type):
            continue
        cluster = cluster_of(r.provider)
        view = views.get(r.provider.urn if r.provider else None, _ClusterView())
        try:
            name = get_path(r.props, "metadata", "name")
            namespace = get_path(r.props, "metadata", "namespace")
            target = get_path(r.props, "spec", "targetClusterName")
            creds = get_path(r.props, "spec", "clusterCredentialsSecret")
        except UnknownValueError as e:
            cannot_verify.append(f"Link {r.urn}: {e.message}")
            continue
        if not isinstance(name, str) or not name:
            report_violation(f"Link on cluster {cluster!r} has no metadata.name.", r.urn)
            continue
        where = f"Link {name!r} on cluster {cluster!r}"
        if namespace != mc_namespace:
            report_violation(
                f"{where} is in namespace {namespace!r}; the service-mirror controllers only watch "
                f"Links in {mc_namespace!r}.", r.urn)
        if target != name:
            report_violation(
                f"{where}: spec.targetClusterName is {target!r}; it must equal the Link name, "
                "because mirrored Services, the controller's Lease and `linkerd multicluster "
                "check`/`gateways` use one name for the link.", r.urn)
        expected_secret = credentials_secret_name(name)
        if creds != expected_secret:
            report_violation(
                f"{where}: spec.clusterCredentialsSecret is {creds!r}; the controller's Role "
                f"(controller-read-remote-creds-{name}) may only read {expected_secret!r}.", r.urn)

        secret = view.secrets.get((mc_namespace, expected_secret))
        if secret is None:
            report_violation(
                f"{where}: no Secret {mc_namespace}/{expected_secret} on the same cluster provider; "
                "the controller cannot reach the target cluster without it.", r.urn)
        elif secret[1] != REMOTE_KUBECONFIG_SECRET_TYPE:
            report_violation(
                f"{where}: Secret {mc_namespace}/{expected_secret} has type {secret[1]!r}; it must "
                f"be {REMOTE_KUBECONFIG_SECRET_TYPE!r}.", secret[0].urn)

        has_controller = ((mc_namespace, controller_deployment_name(name)) in view.controller_deployments
                          or name in view.release_controllers)
        if has_controller:
            continue
        if view.multicluster_rendered or not is_dry_run():
            report_violation(
                f"{where}: the linkerd-multicluster chart on this cluster has no controller for it "
                f"(no Deployment {mc_namespace}/{controller_deployment_name(name)}); add "
                f'{{"link": {{"ref": {{"name": "{name}"}}}}}} to the chart\'s `controllers` value.',
                r.urn)
        else:
            cannot_verify.append(
                f"{where}: the linkerd-multicluster chart's objects are not rendered in this "
                "preview, so its controller entry cannot be checked yet")
    if cannot_verify:
        raise CannotVerifyDuringPreview("; ".join(cannot_verify))


POLICY = StackValidationPolicy(
    name="link-consistency",
    description="Each Link's name, targetClusterName, controller and credentials Secret agree.",
    validate=validate_links,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "multiclusterNamespace": {
            "type": "string",
            "default": MULTICLUSTER_NAMESPACE,
            "description": "Namespace of the linkerd-multicluster release.",
        },
    }),
)
