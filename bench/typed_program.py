"""The typed baseline of bench/scale.py, as a Pulumi program: the resources the program registered,
each as its typed class with the recorded inputs, and nothing else.

bench/scale.py runs it in place of `__main__.py` under the same test harness (tests/harness), with
`BENCH_TYPED_WORKLOAD` naming the workload file the program's run wrote (bench.scale.workload):
every provider, custom resource, read and Chart the program registered, with their plain inputs,
in registration order. Components are left out: grouping resources is the program's own cost.
There are no dependencies between the resources: wiring them is the program's work too.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pulumi
import pulumi_command as command
import pulumi_kubernetes as k8s
import pulumi_tls as tls

WORKLOAD_ENV = "BENCH_TYPED_WORKLOAD"


def _meta(i: dict[str, Any]):
    m = i.get("metadata") or {}
    return k8s.meta.v1.ObjectMetaArgs(name=m.get("name"), namespace=m.get("namespace"),
                                      labels=m.get("labels"), annotations=m.get("annotations"))


def _typed_factories() -> dict[str, Any]:
    """Type token -> (name, inputs, opts) -> a typed resource with those inputs. A type the program
    registers without a factory here fails the baseline: a comparison with a missing type would be
    meaningless."""
    rbac, core = k8s.rbac.v1, k8s.core.v1
    return {
        "pulumi:providers:kubernetes": lambda n, i, o: k8s.Provider(
            n, context=i.get("context"), kubeconfig=i.get("kubeconfig"), cluster_identifier=i.get("clusterIdentifier"),
            enable_secret_mutable=i.get("enableSecretMutable") == "true",
            enable_config_map_mutable=i.get("enableConfigMapMutable") == "true", opts=o),
        "tls:index/privateKey:PrivateKey": lambda n, i, o: tls.PrivateKey(
            n, algorithm=i["algorithm"], ecdsa_curve=i.get("ecdsaCurve"), opts=o),
        "tls:index/selfSignedCert:SelfSignedCert": lambda n, i, o: tls.SelfSignedCert(
            n, private_key_pem=i["privateKeyPem"],
            subject=tls.SelfSignedCertSubjectArgs(common_name=(i.get("subject") or {}).get("commonName")),
            is_ca_certificate=i.get("isCaCertificate"), allowed_uses=i["allowedUses"],
            validity_period_hours=i["validityPeriodHours"], dns_names=i.get("dnsNames"), opts=o),
        "tls:index/certRequest:CertRequest": lambda n, i, o: tls.CertRequest(
            n, private_key_pem=i["privateKeyPem"],
            subject=tls.CertRequestSubjectArgs(common_name=(i.get("subject") or {}).get("commonName")),
            dns_names=i.get("dnsNames"), opts=o),
        "tls:index/locallySignedCert:LocallySignedCert": lambda n, i, o: tls.LocallySignedCert(
            n, cert_request_pem=i["certRequestPem"], ca_private_key_pem=i["caPrivateKeyPem"],
            ca_cert_pem=i["caCertPem"], is_ca_certificate=i.get("isCaCertificate"), allowed_uses=i["allowedUses"],
            validity_period_hours=i["validityPeriodHours"], opts=o),
        "command:local:Command": lambda n, i, o: command.local.Command(
            n, create=i.get("create"), update=i.get("update"), delete=i.get("delete"), opts=o),
        "kubernetes:core/v1:Namespace": lambda n, i, o: core.Namespace(n, metadata=_meta(i), opts=o),
        "kubernetes:core/v1:Secret": lambda n, i, o: core.Secret(
            n, metadata=_meta(i), type=i.get("type"), string_data=i.get("stringData"), data=i.get("data"), opts=o),
        "kubernetes:core/v1:ServiceAccount": lambda n, i, o: core.ServiceAccount(n, metadata=_meta(i), opts=o),
        "kubernetes:core/v1:ServicePatch": lambda n, i, o: core.ServicePatch(
            n, metadata=k8s.meta.v1.ObjectMetaPatchArgs(**{
                k: v for k, v in (i.get("metadata") or {}).items() if k in ("name", "namespace", "labels", "annotations")
            }), opts=o),
        "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch":
            lambda n, i, o: k8s.apiextensions.v1.CustomResourceDefinitionPatch(
                n, metadata=k8s.meta.v1.ObjectMetaPatchArgs(**{
                    k: v for k, v in (i.get("metadata") or {}).items() if k in ("name", "labels", "annotations")
                }), spec=i.get("spec"), opts=o),
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": lambda n, i, o: rbac.ClusterRole(
            n, metadata=_meta(i), rules=[
                rbac.PolicyRuleArgs(api_groups=r.get("apiGroups"), resources=r.get("resources"), verbs=r["verbs"],
                                    resource_names=r.get("resourceNames"))
                for r in i.get("rules") or []], opts=o),
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": lambda n, i, o: rbac.ClusterRoleBinding(
            n, metadata=_meta(i),
            role_ref=rbac.RoleRefArgs(api_group=i["roleRef"]["apiGroup"], kind=i["roleRef"]["kind"], name=i["roleRef"]["name"]),
            subjects=[rbac.SubjectArgs(kind=x["kind"], name=x["name"], namespace=x.get("namespace"), api_group=x.get("apiGroup"))
                      for x in i.get("subjects") or []], opts=o),
        "kubernetes:multicluster.linkerd.io/v1alpha3:Link": lambda n, i, o: k8s.apiextensions.CustomResource(
            n, api_version=i["apiVersion"], kind=i["kind"], metadata=_meta(i), spec=i.get("spec"), opts=o),
        "kubernetes:helm.sh/v4:Chart": lambda n, i, o: k8s.helm.v4.Chart(
            n, chart=i["chart"], version=i.get("version"), namespace=i.get("namespace"), values=i.get("values"),
            repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=(i.get("repositoryOpts") or {}).get("repo")), opts=o),
    }


def _typed_read(entry: dict[str, Any], after: pulumi.Output[Any], opts):
    if entry["typ"] != "kubernetes:core/v1:Service":
        raise ValueError(f"the typed baseline has no read for {entry['typ']}")
    # As the program does for its gateway read: an id known only once the charts that create the
    # Service are (the emulated clusters, like real ones, have no gateway Service before that).
    return k8s.core.v1.Service.get(entry["name"], after.apply(lambda _: entry["read_id"]), opts=opts)


AWAIT_ANNOTATIONS = ("pulumi.com/waitFor", "pulumi.com/timeoutSeconds")


def _without_waits(inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs without the provider's await annotations (the Links' mirror waits). With no
    dependencies here, a Link would be applied before the export labels it waits for and the
    model would time it out; a wait is provider time (bench/live_mesh.py models it), not the
    SDK's registration cost that this baseline measures."""
    annotations = (inputs.get("metadata") or {}).get("annotations")
    if not annotations or not any(a in annotations for a in AWAIT_ANNOTATIONS):
        return inputs
    kept = {k: v for k, v in annotations.items() if k not in AWAIT_ANNOTATIONS}
    return {**inputs, "metadata": {**inputs["metadata"], "annotations": kept}}


def register(entries: list[dict[str, Any]]) -> list[pulumi.Resource]:
    factories = _typed_factories()
    providers: dict[str, Any] = {}
    resources: list[pulumi.Resource] = []
    for e in entries:  # providers first: the others name theirs
        if e["typ"] == "pulumi:providers:kubernetes":
            providers[e["name"]] = factories[e["typ"]](e["name"], e["inputs"], None)
            resources.append(providers[e["name"]])
    reads = []
    for e in entries:
        if e["typ"] == "pulumi:providers:kubernetes":
            continue
        opts = pulumi.ResourceOptions(provider=providers[e["provider"]]) if e["provider"] else None
        if e["read"]:
            reads.append((e, opts))
            continue
        factory = factories.get(e["typ"])
        if factory is None:
            raise ValueError(f"the typed baseline has no factory for {e['typ']}: add one to bench/typed_program.py")
        resources.append(factory(e["name"], _without_waits(e["inputs"]), opts))
    charts = pulumi.Output.all(*(r.urn for r in resources if isinstance(r, k8s.helm.v4.Chart)))
    resources += [_typed_read(e, charts, opts) for e, opts in reads]
    return resources


if __name__ == "__main__":
    register(json.loads(Path(os.environ[WORKLOAD_ENV]).read_text()))
