"""Adopting a Linkerd installed with Helm (README, "Adopting a cluster that already runs Linkerd"),
on the real engine, provider, charts and apiserver: the three charts installed with the tier's
`helm` as Linkerd's Helm instructions do it (`--set-file` for the trust anchor and the issuer, so
the issuer is the chart's Opaque `linkerd-identity-issuer`), then the program's install with that
anchor and issuer (`trust.existingAnchorsPem`, `clusters.<name>.issuer`) run over it.

Fast tier: tests/test_day2.py TestExistingObjects (the model's clusters hold the program's own
objects, installed "by another tool"). What the real tier adds: Helm's render differs from the
program's (the Opaque issuer Secret, the heartbeat CronJob, the remote-access service account
Helm's defaults create, Helm's release records), and pulumi-kubernetes 4.25.0, the newest the
tier has (e2e/REFUSED.md), upserts an existing object on create by server-side apply, so the
4.29 refusal that `adopt` answers cannot be seen here: `adopt` itself is modelled only.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from pulumi import automation as auto

from install_program import Install, material, program
from test_chart_workflows import differences, model_plan
from real import CLUSTER_SCOPED, delete_gateway_api_crds, kubectl, kubectl_json, managed_objects, stack_session

CLUSTER = "north"
VERSION = "2026.8.3"
IMMUTABLE = re.compile(r"(?s)linkerd-identity-issuer.*field is immutable")
RELEASES = (("linkerd-crds", "linkerd"), ("linkerd-control-plane", "linkerd"), ("linkerd-multicluster", "linkerd-multicluster"))


def helm(*args: str) -> str:
    out = subprocess.run(["helm", "--kube-context", CLUSTER, *args], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, f"helm {' '.join(args)}:\n{out.stderr[-3000:]}"
    return out.stdout


def archive(chart: str) -> str:
    return os.path.join(os.environ["LINKERD_CHARTS"], f"{chart}-{VERSION}.tgz")


def helm_install(tmp: Path) -> None:
    """Linkerd's Helm install: CRDs, then the control plane with the anchor and issuer given as
    files, then the multicluster extension (its post-install hook Job labels the namespace)."""
    m = material()
    (tmp / "ca.crt").write_text(m.bundle_pem)
    (tmp / "issuer.crt").write_text(m.issuer_cert_pem)
    (tmp / "issuer.key").write_text(m.issuer_key_pem)
    helm("install", "linkerd-crds", archive("linkerd-crds"), "-n", "linkerd", "--create-namespace")
    helm("install", "linkerd-control-plane", archive("linkerd-control-plane"), "-n", "linkerd",
         "--set-file", f"identityTrustAnchorsPEM={tmp / 'ca.crt'}",
         "--set-file", f"identity.issuer.tls.crtPEM={tmp / 'issuer.crt'}",
         "--set-file", f"identity.issuer.tls.keyPEM={tmp / 'issuer.key'}")
    helm("install", "linkerd-multicluster", archive("linkerd-multicluster"), "-n", "linkerd-multicluster",
         "--create-namespace", "--timeout", "3m")


def helm_objects() -> set[tuple[str, str, str]]:
    """(kind, namespace, name) of every object Helm's three releases hold (hooks not included)."""
    import yaml

    found = set()
    for release, namespace in RELEASES:
        for doc in yaml.safe_load_all(helm("get", "manifest", release, "-n", namespace)):
            if doc:
                found.add((doc["kind"], doc["metadata"].get("namespace") or (namespace if doc["kind"] not in CLUSTER_SCOPED else ""),
                           doc["metadata"]["name"]))
    return found


def cleanup() -> None:
    for release, namespace in reversed(RELEASES):
        subprocess.run(["helm", "--kube-context", CLUSTER, "uninstall", release, "-n", namespace, "--wait", "--timeout", "2m"],
                       capture_output=True, text=True, timeout=300)
    for namespace in ("linkerd-multicluster", "linkerd"):
        kubectl(CLUSTER, "delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=120s", check=False)
    delete_gateway_api_crds(CLUSTER)


def test_a_helm_install_is_taken_over_and_converges(tmp_path):
    helm_install(tmp_path)
    issuer = kubectl_json(CLUSTER, "-n", "linkerd", "get", "secret", "linkerd-identity-issuer")
    assert issuer["type"] == "Opaque" and set(issuer["data"]) == {"crt.pem", "key.pem"}, "Helm's default issuer scheme"
    installed_by_helm = helm_objects()

    run = program(Install(CLUSTER, version=VERSION))
    with stack_session("north-adopt-helm", run, cleanup) as stack:
        # Without the README's `kubectl delete`: the Secret's type cannot change. The preview's
        # server-side dry run may already say so; the `up` does.
        try:
            first = stack.preview()
            print("the preview did not see the immutable Secret type")
            # Over Helm's objects the engine plans every object a create (it knows none of them), as
            # the model plans a first `up` (with `adopt`, which this provider, 4.25.0, does not need;
            # the model's own first preview renders no chart: its pulumi-tls certificates are unknown).
            assert set(first.changed().values()) == {"create"}, first.changed()
            assert differences(first, model_plan({"version": VERSION}, cluster=CLUSTER, up=True)) == []
        except auto.CommandError as e:
            assert IMMUTABLE.search(str(e)), str(e)[-3000:]
            print("the preview already refuses the issuer Secret's type change")
        with pytest.raises(auto.CommandError, match=IMMUTABLE):
            stack.up()
        kubectl(CLUSTER, "-n", "linkerd", "delete", "secret", "linkerd-identity-issuer")

        # The failed `up` recorded what it created (upserted); the rest are still creates.
        plan = stack.preview()
        print("plan over Helm's objects:", sorted(set(plan.changed().values())))
        # Helm 4 applies server-side (manager `helm`): the webhook Secrets Helm's render generated
        # hold other certificates than the program's, and applying over them without force is a
        # field conflict naming `helm`. That is what `adopt`'s `enablePatchForce` is for; this
        # provider (4.25.0) has no such provider option, but reads the same switch from its
        # environment (PULUMI_K8S_ENABLE_PATCH_FORCE), which stands in for it here.
        with pytest.raises(auto.CommandError, match=r'(?s)k8s-tls.*conflicts with "helm"'):
            stack.up()
        stack.stack.workspace.env_vars["PULUMI_K8S_ENABLE_PATCH_FORCE"] = "true"
        stack.up()
        del stack.stack.workspace.env_vars["PULUMI_K8S_ENABLE_PATCH_FORCE"]  # `adopt` removed
        assert stack.preview().changed() == {}

        issuer = kubectl_json(CLUSTER, "-n", "linkerd", "get", "secret", "linkerd-identity-issuer")
        assert issuer["type"] == "kubernetes.io/tls"
        for deployment in ("linkerd-destination", "linkerd-identity", "linkerd-proxy-injector"):
            kubectl(CLUSTER, "-n", "linkerd", "rollout", "status", f"deployment/{deployment}", "--timeout=60s")

        # What Helm installed and the program's values do not render stays, unmanaged: nothing
        # deletes it, and Helm's release records still list every object (a later `helm uninstall`
        # would delete what the stack now manages).
        leftovers = installed_by_helm - {(m.kind, m.namespace, m.name) for m in managed_objects(stack)}
        print("left by Helm, unmanaged:", sorted(leftovers))
        assert leftovers == EXPECTED_LEFTOVERS, sorted(leftovers)
        for kind, namespace, name in leftovers:
            assert kubectl(CLUSTER, "get", kind.lower(), name, *(("-n", namespace) if namespace else ()), check=False
                           ).returncode == 0, (kind, namespace, name)
        assert "linkerd-control-plane" in helm("list", "-n", "linkerd", "-q")


# Helm's defaults the program's values turn off: the heartbeat (`disableHeartBeat`) and the
# multicluster chart's default remote-access account (`remoteMirrorServiceAccount: false`; the
# program grants access per source cluster instead), whose token Secret stays a valid credential.
HEARTBEAT = {("ClusterRole", "", "linkerd-heartbeat"), ("ClusterRoleBinding", "", "linkerd-heartbeat"),
             ("CronJob", "linkerd", "linkerd-heartbeat"), ("Role", "linkerd", "linkerd-heartbeat"),
             ("RoleBinding", "linkerd", "linkerd-heartbeat"), ("ServiceAccount", "linkerd", "linkerd-heartbeat")}
REMOTE_ACCESS = "linkerd-service-mirror-remote-access-default"
DEFAULT_REMOTE_ACCESS = {("ClusterRole", "", REMOTE_ACCESS), ("ClusterRoleBinding", "", REMOTE_ACCESS),
                         ("ServiceAccount", "linkerd-multicluster", REMOTE_ACCESS),
                         ("Secret", "linkerd-multicluster", f"{REMOTE_ACCESS}-token")}
EXPECTED_LEFTOVERS = HEARTBEAT | DEFAULT_REMOTE_ACCESS
