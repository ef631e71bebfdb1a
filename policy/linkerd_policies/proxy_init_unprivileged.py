"""`proxy-init-unprivileged`: proxy-init without privileges.

Its failing and passing cases: tests/policy/test_proxy_init_unprivileged.py.
"""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import control_plane_values, get_path


def validate_proxy_init(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The proxy-init container injected into every meshed pod runs neither privileged nor as root.

    Why: the injector adds proxy-init to every meshed pod of every namespace; `proxyInit.privileged`
    or `proxyInit.runAsRoot` turns each of them into a privileged or root container next to the
    application, which a compromise of the pod can use against its node. Linkerd's defaults need
    neither (NET_ADMIN/NET_RAW capabilities suffice, or the CNI plugin needs none).
    """
    values = control_plane_values(args)
    proxy_init = get_path(values, "proxyInit") if isinstance(values, Mapping) else None
    for key in ("privileged", "runAsRoot"):
        if get_path(proxy_init, key) is True:
            report_violation(f"{args.name}: proxyInit.{key} is true: every meshed pod gets a "
                             f"{'privileged' if key == 'privileged' else 'root'} proxy-init container; "
                             "use Linkerd's default (false), or the CNI plugin.", None)


POLICY = ResourceValidationPolicy(
    name="proxy-init-unprivileged",
    description="proxy-init runs neither privileged nor as root.",
    validate=validate_proxy_init,
    enforcement_level=EnforcementLevel.MANDATORY,
)
