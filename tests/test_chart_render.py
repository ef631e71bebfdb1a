"""The chart model (tests/harness/chart_render.py) against upstream facts.

The engine model registers what `chart_render.render` returns as the children of each
`helm.v4.Chart`, so these tests check the renders against what the charts are known to do
(tests/upstream fixtures, linkerd-multicluster-facts): objects exist exactly when their template
renders them, value changes reach the objects that carry them, and names follow pulumi-kubernetes.
Values are the program's own (components/values.py, components/emissary.py).
"""
from __future__ import annotations

import base64
import json

import pytest
import yaml

from components import values as program_values
from components.config.schema import EmissaryConfig, EmissaryInstall, GatewayConfig, LinkerdConfig
from components.emissary import INSTALL_NAME, install_values, pod_annotations
from harness import chart_emulation, chart_render
from upstream import edge_26_8_3 as upstream
from upstream import emissary as emissary_upstream
from upstream import extract

VERSION = upstream.CHART_VERSION
L5D_NS, MC_NS = "linkerd", "linkerd-multicluster"
# Public certificates only (the chart never parses them); one trailing newline, as the program
# passes them, so trimming is visible.
BUNDLE = "-----BEGIN CERTIFICATE-----\nTUlJQnRydXN0LWFuY2hvcg==\n-----END CERTIFICATE-----\n"
WEBHOOK_CA = "-----BEGIN CERTIFICATE-----\nTUlJQndlYmhvb2stY2E=\n-----END CERTIFICATE-----\n"


def cp_values(linkerd: LinkerdConfig | None = None, **extra) -> dict:
    return program_values.control_plane_values(linkerd or LinkerdConfig(), BUNDLE, WEBHOOK_CA, extra or None)


def mc_values(controllers=(("west", True),), gateway: GatewayConfig | None = None,
              linkerd: LinkerdConfig | None = None, **extra) -> dict:
    entries = [program_values.ControllerEntry(name, gw) for name, gw in controllers]
    return program_values.multicluster_values(linkerd or LinkerdConfig(), gateway or GatewayConfig(), entries,
                                              extra or None)


def render(chart: str, values: dict, namespace: str = L5D_NS, version: str = VERSION,
           release: str = "east") -> dict[tuple[str, str], dict]:
    objects = chart_render.render(chart, version, namespace, values, release)
    keyed = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    assert len(keyed) == len(objects), "two objects of one kind share a name"
    return keyed


def cp(values: dict | None = None, **kw) -> dict[tuple[str, str], dict]:
    return render("linkerd-control-plane", cp_values() if values is None else values, **kw)


def mc(values: dict, **kw) -> dict[tuple[str, str], dict]:
    return render("linkerd-multicluster", values, namespace=MC_NS, **kw)


def controller_objects(link: str, gateway: bool = True) -> set[tuple[str, str]]:
    """Per upstream (controller/*.yaml), the objects of one controllers[] entry."""
    return {(kind, name.format(name=link)) for kind, name in upstream.CONTROLLER_OBJECT_NAMES.items()
            if gateway or kind != "Service"}


# -- linkerd-multicluster ----------------------------------------------------------------------


def test_controller_objects_exist_exactly_for_the_given_controllers():
    objects = mc(mc_values([("west", True), ("north", False)]))
    per_link = {key for key in objects if key[1].endswith(("-west", "-north"))}
    assert per_link == controller_objects("west") | controller_objects("north", gateway=False)
    assert ("Service", "probe-north") not in objects  # gateway-less target: no probe Service

    none = mc(mc_values([]))
    assert not {key for key in none if key[1].endswith(("-west", "-north"))}


def test_removing_a_controller_deletes_its_deployment_and_rbac_and_nothing_else():
    before = mc(mc_values([("west", True), ("north", True)]))
    after = mc(mc_values([("north", True)]))
    assert set(before) - set(after) == controller_objects("west")
    assert all(after[key] == before[key] for key in after)


def test_controller_deployment_and_role_carry_the_link_name():
    objects = mc(mc_values([("west", True)]))
    deployment = objects[("Deployment", "controller-west")]
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    # The controller takes the Link name as its positional argument and probes probe-<link>.
    assert args[0] == "service-mirror" and args[-1] == "west"
    assert "-probe-service=probe-west" in args and f"-namespace={MC_NS}" in args
    assert deployment["spec"]["selector"]["matchLabels"]["mirror.linkerd.io/cluster-name"] == "west"
    role = objects[("Role", "controller-read-remote-creds-west")]
    secrets = [rule for rule in role["rules"] if rule["resources"] == ["secrets"]]
    assert secrets == [{"apiGroups": [""], "resources": ["secrets"],
                        "resourceNames": [upstream.CONTROLLER_READABLE_SECRET.format(name="west")],
                        "verbs": ["list", "get", "watch"]}]
    probe = objects[("Service", "probe-west")]
    assert "selector" not in probe["spec"]  # its Endpoints are written by the controller
    assert probe["spec"]["ports"] == [{"name": upstream.PROBE_PORT_NAME, "protocol": "TCP",
                                       "port": upstream.GATEWAY_DEFAULTS["gateway.probe.port"]}]


def test_controller_entry_without_link_name_fails_like_the_chart():
    values = mc_values([])
    values["controllers"] = [{"gateway": {"enabled": True}}]
    with pytest.raises(ValueError, match="link.ref.name is required"):
        chart_render.render("linkerd-multicluster", VERSION, MC_NS, values, "east")


def test_gateway_service_is_the_emulated_one_and_the_gateway_brings_its_policy():
    values = mc_values()
    objects = mc(values)
    service = chart_emulation.gateway_service(values)
    # The render adds the chart's created-by annotation, which the real tier saw change on upgrades.
    service["metadata"]["annotations"]["linkerd.io/created-by"] = "linkerd/helm edge-26.8.3"
    assert objects[("Service", "linkerd-gateway")] == service
    assert objects[("Server", "linkerd-gateway")]["apiVersion"] == "policy.linkerd.io/v1beta3"
    policy = objects[("AuthorizationPolicy", "linkerd-gateway")]["spec"]
    assert {(ref["kind"], ref["name"]) for ref in policy["requiredAuthenticationRefs"]} == {
        ("MeshTLSAuthentication", "any-meshed"), ("NetworkAuthentication", "source-cluster")}
    pod = objects[("Deployment", "linkerd-gateway")]["spec"]["template"]["metadata"]
    assert pod["annotations"]["config.linkerd.io/enable-gateway"] == "true"
    assert pod["annotations"]["config.linkerd.io/proxy-require-identity-inbound-ports"] == str(
        upstream.GATEWAY_DEFAULTS["gateway.port"])

    # gateway.enabled: false drops the Deployment, Service and SA, and the policy too.
    gateless = mc(mc_values(gateway=GatewayConfig(type="none")))
    gateway_objects = {("Deployment", "linkerd-gateway"), ("Service", "linkerd-gateway"),
                       ("ServiceAccount", "linkerd-gateway"), ("Server", "linkerd-gateway"),
                       ("AuthorizationPolicy", "linkerd-gateway"), ("MeshTLSAuthentication", "any-meshed"),
                       ("NetworkAuthentication", "source-cluster")}
    assert gateway_objects <= set(objects)
    assert not gateway_objects & set(gateless)


def test_gateway_port_change_reaches_the_service_and_the_pods():
    before = mc(mc_values(gateway=GatewayConfig(port=4143)))
    after = mc(mc_values(gateway=GatewayConfig(port=4243)))
    changed = {key for key in before if before[key] != after.get(key)}
    assert changed == {("Service", "linkerd-gateway"), ("Deployment", "linkerd-gateway")}


def test_remote_access_accounts_per_name():
    for names in (["src-a", "src-b"], "src-a,src-b"):
        objects = mc(mc_values(remoteMirrorServiceAccount=True, remoteMirrorServiceAccountName=names))
        for name in ("src-a", "src-b"):
            assert {("ClusterRole", name), ("ServiceAccount", name), ("ClusterRoleBinding", name)} <= set(objects)
            token = objects[("Secret", f"{name}-token")]
            assert token["type"] == "kubernetes.io/service-account-token"
            assert token["metadata"]["annotations"]["kubernetes.io/service-account.name"] == name
            assert "data" not in token  # the token controller fills it in
    # The program keeps them out of the chart (one account per source, components/access.py).
    assert not any(kind == "Secret" for kind, _ in mc(mc_values()))


def test_link_crd_is_in_the_multicluster_chart_with_upstream_versions():
    crd = mc(mc_values())[("CustomResourceDefinition", upstream.LINK_CRD["name"])]
    assert crd["spec"]["group"] == upstream.LINK_CRD["group"]
    assert crd["spec"]["names"]["kind"] == upstream.LINK_CRD["kind"]
    assert crd["spec"]["scope"] == upstream.LINK_CRD["scope"]
    assert {v["name"]: (v["served"], v["storage"], "status" in v.get("subresources", {}))
            for v in crd["spec"]["versions"]} == upstream.LINK_CRD["versions"]


def test_hooks_and_namespace_are_never_rendered():
    # createNamespaceMetadataJob defaults to true: its objects are post-install hooks, which
    # Chart v4 skips; namespace.yaml renders only for the CLI.
    values = mc_values()
    values.pop("createNamespaceMetadataJob")
    objects = mc(values)
    assert not {key for key in objects if key[0] in ("Job", "Namespace") or "namespace-metadata" in key[1]}


def test_multicluster_ha_adds_disruption_budgets():
    ha = upstream.HA_VALUES["linkerd-multicluster"]
    assert ha["enablePodAntiAffinity"] is True
    plain = mc(mc_values([("west", True)]))
    with_ha = mc(mc_values([("west", True)], linkerd=LinkerdConfig(ha=True)))
    pdbs = {name for kind, name in with_ha if kind == "PodDisruptionBudget"}
    assert pdbs == {"linkerd-gateway", "linkerd-local-service-mirror", "controller-west"}
    assert not any(kind == "PodDisruptionBudget" for kind, _ in plain)
    assert with_ha[("Deployment", "linkerd-gateway")]["spec"]["replicas"] == ha["gateway.replicas"]


# -- linkerd-control-plane ---------------------------------------------------------------------


def _pod_labels(deployment: dict) -> dict:
    return deployment["spec"]["template"]["metadata"]["labels"]


def test_ha_values_add_pod_disruption_budgets_that_select_the_controllers():
    ha = upstream.HA_VALUES["linkerd-control-plane"]
    assert ha["enablePodDisruptionBudget"] is True
    plain, with_ha = cp(), cp(cp_values(LinkerdConfig(ha=True)))
    assert not any(kind == "PodDisruptionBudget" for kind, _ in plain)
    pdbs = [obj for (kind, _), obj in with_ha.items() if kind == "PodDisruptionBudget"]
    deployments = {name: obj for (kind, name), obj in with_ha.items() if kind == "Deployment"}
    assert set(deployments) == {"linkerd-identity", "linkerd-destination", "linkerd-proxy-injector"}
    assert len(pdbs) == len(deployments)
    for pdb in pdbs:
        selector = pdb["spec"]["selector"]["matchLabels"]
        selected = [n for n, d in deployments.items() if selector.items() <= _pod_labels(d).items()]
        assert len(selected) == 1, pdb["metadata"]["name"]
        assert pdb["spec"]["maxUnavailable"] == ha["controller.podDisruptionBudget.maxUnavailable"]
    for deployment in deployments.values():
        assert deployment["spec"]["replicas"] == ha["controllerReplicas"]
    # highAvailability is in linkerd-config, where `linkerd check` reads it.
    assert yaml.safe_load(with_ha[("ConfigMap", "linkerd-config")]["data"]["values"])["highAvailability"] is True


@pytest.mark.parametrize("change", [
    {"controllerLogLevel": "debug"},
    {"clusterDomain": "example.org"},
    {"proxy": {"logLevel": "debug"}},
    {"commonLabels": {"team": "mesh"}},
    {"identity": {"issuer": {"issuanceLifetime": "12h0m0s"}}},
])
def test_any_value_change_changes_linkerd_config(change):
    base = cp()[("ConfigMap", "linkerd-config")]
    changed = cp(cp_values(**change))[("ConfigMap", "linkerd-config")]
    assert changed["data"]["values"] != base["data"]["values"]


def test_linkerd_config_holds_every_value_but_no_key():
    values = cp_values()
    values["identity"]["issuer"]["tls"] = {"crtPEM": "not-read", "keyPEM": "SECRET-KEY-MATERIAL"}
    values["proxyInjector"]["keyPEM"] = "SECRET-KEY-MATERIAL"
    objects = cp(values)
    assert "SECRET-KEY-MATERIAL" not in json.dumps(list(objects.values()))
    dumped = yaml.safe_load(objects[("ConfigMap", "linkerd-config")]["data"]["values"])
    # The anchors go in verbatim (linkerd check and mc check read them here), untrimmed.
    assert dumped["identityTrustAnchorsPEM"] == BUNDLE
    assert dumped["linkerdVersion"] == upstream.LINKERD_TAG
    key_paths = set(extract.key_types(dumped))
    removed = {"identity.issuer.tls.keyPEM", "proxyInjector.keyPEM", "profileValidator.keyPEM",
               "policyValidator.keyPEM"}
    assert set(upstream.VALUES_KEYS["linkerd-control-plane"]) - removed <= key_paths
    assert not removed & key_paths


def test_trust_roots_config_map_holds_the_trimmed_bundle():
    objects = cp()
    roots = objects[("ConfigMap", "linkerd-identity-trust-roots")]
    assert roots["data"] == {"ca-bundle.crt": BUNDLE.strip()}
    external = cp(cp_values(identity={"externalCA": True}))
    assert ("ConfigMap", "linkerd-identity-trust-roots") not in external


def test_bundle_change_rolls_the_control_plane_pods():
    other = BUNDLE.replace("TUlJQnRydXN0", "TUlJQm5ldy10")
    before, after = cp(), cp(program_values.control_plane_values(LinkerdConfig(), other, WEBHOOK_CA))
    for name in ("linkerd-identity", "linkerd-destination", "linkerd-proxy-injector"):
        annotations = after[("Deployment", name)]["spec"]["template"]["metadata"]["annotations"]
        assert annotations != before[("Deployment", name)]["spec"]["template"]["metadata"]["annotations"]
        assert "linkerd.io/trust-root-sha256" in annotations


def test_issuer_secret_only_for_the_linkerd_tls_scheme():
    program = cp()
    assert not upstream.IDENTITY_ISSUER_SCHEMES["kubernetes.io/tls"]["chart_creates_secret"]
    assert ("Secret", upstream.IDENTITY_ISSUER_SECRET) not in program
    values = cp_values(identity={"issuer": {"scheme": "linkerd.io/tls",
                                            "tls": {"crtPEM": BUNDLE, "keyPEM": "SECRET-KEY-MATERIAL"}}})
    secret = cp(values)[("Secret", upstream.IDENTITY_ISSUER_SECRET)]
    assert tuple(secret["data"]) == upstream.IDENTITY_ISSUER_SCHEMES["linkerd.io/tls"]["keys"]
    assert base64.b64decode(secret["data"]["crt.pem"]).decode() == BUNDLE.strip()
    assert "SECRET-KEY-MATERIAL" not in json.dumps(secret)
    with pytest.raises(ValueError, match="identity issuer certificate"):
        cp(cp_values(identity={"issuer": {"scheme": "linkerd.io/tls"}}))


def test_webhooks_carry_the_ca_bundle_and_external_secrets_are_not_rendered():
    objects = cp()
    for kind, name, service in (
        ("MutatingWebhookConfiguration", "linkerd-proxy-injector-webhook-config", "linkerd-proxy-injector"),
        ("ValidatingWebhookConfiguration", "linkerd-sp-validator-webhook-config", "linkerd-sp-validator"),
        ("ValidatingWebhookConfiguration", "linkerd-policy-validator-webhook-config", "linkerd-policy-validator"),
    ):
        (webhook,) = objects[(kind, name)]["webhooks"]
        assert webhook["clientConfig"]["caBundle"] == base64.b64encode(WEBHOOK_CA.strip().encode()).decode()
        assert webhook["clientConfig"]["service"] == {"name": service, "namespace": L5D_NS, "path": "/"}
        assert ("Service", service) in objects
    assert not any(kind == "Secret" for kind, _ in objects)  # all three have externalSecret: true

    internal = cp(cp_values(proxyInjector={"externalSecret": False, "caBundle": ""}))
    with pytest.raises(ValueError, match="proxyInjector.caBundle: wrong type"):  # null fails in Helm too
        cp(cp_values(proxyInjector={"externalSecret": False, "caBundle": None}))
    assert ("Secret", "linkerd-proxy-injector-k8s-tls") in internal
    # A new CA changes the webhook configuration and (checksum/config) rolls the injector.
    rotated = cp(program_values.control_plane_values(LinkerdConfig(), BUNDLE, BUNDLE))
    assert rotated[("MutatingWebhookConfiguration", "linkerd-proxy-injector-webhook-config")] != \
        objects[("MutatingWebhookConfiguration", "linkerd-proxy-injector-webhook-config")]
    assert rotated[("Deployment", "linkerd-proxy-injector")] != objects[("Deployment", "linkerd-proxy-injector")]


def test_external_webhook_secret_without_ca_fails_like_the_chart():
    with pytest.raises(ValueError, match="if externalSecret is set, then caBundle"):
        cp(cp_values(policyValidator={"caBundle": None}))


def test_heartbeat_only_when_enabled():
    assert not any(kind == "CronJob" for kind, _ in cp())  # the program sets disableHeartBeat
    enabled = cp(cp_values(disableHeartBeat=False))
    assert ("CronJob", "linkerd-heartbeat") in enabled and ("ServiceAccount", "linkerd-heartbeat") in enabled


# -- linkerd-crds ------------------------------------------------------------------------------


def served(crds: dict, api_version: str, kind: str) -> bool:
    group, version = api_version.split("/")
    return any(crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == kind
               and any(v["name"] == version and v["served"] for v in crd["spec"]["versions"])
               for (k, _), crd in crds.items() if k == "CustomResourceDefinition")


def test_the_gateway_api_crds_come_by_patch_and_the_chart_renders_only_linkerds():
    """linkerd-crds marks its Gateway API CRDs `keep`; the program renders the chart without them and
    applies the same chart's Gateway API CRDs by patch (components/gateway_api.py)."""
    for install in (True, False):
        own = render("linkerd-crds", program_values.crds_values(LinkerdConfig(install_gateway_api=install)))
        assert own and all(name.endswith("linkerd.io") for _, name in own)
    from components.gateway_api import gateway_api_crds, template_options
    from harness.mocks import helm_template
    patched = {(o["kind"], o["metadata"]["name"]): o for o in
               gateway_api_crds(helm_template(template_options(LinkerdConfig(), "linkerd")))}
    # linkerd check (gateway-api-crd) needs HTTPRoute and GRPCRoute at v1.
    assert served(patched, "gateway.networking.k8s.io/v1", "HTTPRoute")
    assert served(patched, "gateway.networking.k8s.io/v1", "GRPCRoute")
    assert all(name.endswith(".gateway.networking.k8s.io") for _, name in patched)


def test_crds_serve_every_custom_resource_the_multicluster_chart_renders():
    crds = render("linkerd-crds", program_values.crds_values(LinkerdConfig()))
    objects = mc(mc_values())
    custom = {(o["apiVersion"], o["kind"]) for o in objects.values() if "linkerd.io/" in o["apiVersion"]}
    assert ("policy.linkerd.io/v1beta3", "Server") in custom
    for api_version, kind in custom:
        assert served(crds, api_version, kind), (api_version, kind)


# -- emissary ----------------------------------------------------------------------------------


def emissary_gateway(probe: str = "proxy") -> GatewayConfig:
    return GatewayConfig(type="emissary", emissary=EmissaryConfig(
        install=EmissaryInstall(version=emissary_upstream.CHART_VERSION), probe=probe))


def test_emissary_chart_renders_the_gateway_set_up():
    ns = "emissary"
    values = install_values(emissary_gateway(), LinkerdConfig(), ns, INSTALL_NAME)
    objects = render("oci://ghcr.io/emissary-ingress/emissary-ingress", values, namespace=ns,
                     version=emissary_upstream.CHART_VERSION, release=INSTALL_NAME)
    name = emissary_upstream.fullname(INSTALL_NAME, INSTALL_NAME)
    assert objects[("Service", name)] == chart_emulation.emissary_service(values, ns, INSTALL_NAME)
    assert ("ServiceAccount", emissary_upstream.service_account_name(INSTALL_NAME, INSTALL_NAME)) in objects
    deployment = objects[("Deployment", emissary_upstream.deployment_name(INSTALL_NAME, INSTALL_NAME))]
    pod = deployment["spec"]["template"]
    assert pod_annotations(emissary_gateway(), emissary_gateway().emissary).items() <= \
        pod["metadata"]["annotations"].items()
    assert emissary_upstream.pod_labels(INSTALL_NAME).items() <= pod["metadata"]["labels"].items()
    (container,) = pod["spec"]["containers"]
    assert container["image"] == emissary_upstream.EMISSARY_IMAGE
    # One container port per Service port, on its targetPort (templates/deployment.yaml).
    assert {(p["name"], p["containerPort"]) for p in container["ports"]} == \
        {(p["name"], p["targetPort"]) for p in values["service"]["ports"]} | {("admin", 8877)}
    listeners = {n for kind, n in objects if kind == "Listener"}
    assert listeners == set(emissary_upstream.default_listener_names(INSTALL_NAME, INSTALL_NAME))

    quiet = render("oci://ghcr.io/emissary-ingress/emissary-ingress", {**values, "createDefaultListeners": False},
                   namespace=ns, version=emissary_upstream.CHART_VERSION, release=INSTALL_NAME)
    assert not any(kind == "Listener" for kind, _ in quiet)


def test_emissary_crd_chart_serves_v3alpha1_only_by_default():
    objects = render("oci://ghcr.io/emissary-ingress/emissary-crds-chart", {"enableLegacyVersions": False},
                     namespace="emissary", version=emissary_upstream.CHART_VERSION)
    assert len(objects) == 14 and all(kind == "CustomResourceDefinition" for kind, _ in objects)
    for kind, crd in emissary_upstream.CRDS.items():
        spec = objects[("CustomResourceDefinition", crd["name"])]["spec"]
        versions = {v["name"]: (v["served"], v["storage"]) for v in spec["versions"]}
        assert versions == emissary_upstream.CRD_VERSIONS["default"][kind]
        assert spec["names"]["plural"] == crd["plural"]
        assert ("status" in spec["versions"][0].get("subresources", {})) == crd["status_subresource"]


# -- names, types, determinism, validity -------------------------------------------------------


def test_resource_names_and_types_follow_pulumi_kubernetes():
    config_map = cp()[("ConfigMap", "linkerd-config")]
    crd = render("linkerd-crds", {})[("CustomResourceDefinition", "servers.policy.linkerd.io")]
    server = mc(mc_values())[("Server", "linkerd-gateway")]
    assert chart_render.resource_name("east-linkerd-control-plane", config_map) == \
        "east-linkerd-control-plane:linkerd/linkerd-config"
    assert chart_render.resource_name("east-linkerd-crds", crd) == "east-linkerd-crds:servers.policy.linkerd.io"
    assert chart_render.resource_type(config_map) == "kubernetes:core/v1:ConfigMap"
    assert chart_render.resource_type(crd) == "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
    assert chart_render.resource_type(server) == "kubernetes:policy.linkerd.io/v1beta3:Server"

    cluster_scoped = {"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
                      "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
    for objects, ns in ((cp(cp_values(LinkerdConfig(ha=True))), L5D_NS), (mc(mc_values()), MC_NS)):
        for (kind, name), obj in objects.items():
            expected = f"p:{name}" if kind in cluster_scoped else f"p:{ns}/{name}"
            assert chart_render.resource_name("p", obj) == expected


def test_render_is_deterministic_and_leaves_the_values_alone():
    values = mc_values([("west", True), ("north", False)])
    snapshot = json.dumps(values, sort_keys=True)
    first = chart_render.render("linkerd-multicluster", VERSION, MC_NS, values, "east")
    assert chart_render.render("linkerd-multicluster", VERSION, MC_NS, values, "east") == first
    assert json.dumps(values, sort_keys=True) == snapshot
    first[0]["metadata"]["name"] = "mutated"
    assert chart_render.render("linkerd-multicluster", VERSION, MC_NS, values, "east")[0]["metadata"]["name"] != "mutated"


def test_version_bump_reaches_images_labels_and_linkerd_config():
    old, new = "2026.8.3", "2026.9.1"
    assert chart_render.linkerd_version(old) == upstream.LINKERD_TAG
    before, after = cp(version=old), cp(version=new)
    assert before[("ConfigMap", "linkerd-config")] != after[("ConfigMap", "linkerd-config")]
    images = {c["image"] for (kind, _), d in after.items() if kind == "Deployment"
              for c in d["spec"]["template"]["spec"]["containers"]}
    assert images and all(image.endswith(":edge-26.9.1") for image in images)
    crds_before, crds_after = render("linkerd-crds", {}, version=old), render("linkerd-crds", {}, version=new)
    assert all(crd["metadata"]["labels"]["helm.sh/chart"] == f"linkerd-crds-{new}" for crd in crds_after.values())
    assert all(crds_before[key] != crds_after[key] for key in crds_after)
    controllers = mc(mc_values(), version=new)
    (container,) = controllers[("Deployment", "controller-west")]["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith(":edge-26.9.1")


def test_the_oldest_packaged_version_renders_as_edge_26_1_1():
    """2026.1.1 (the upgrade tests' starting point, real tier: e2e/tests/test_chart_workflows.py):
    proxies as plain containers, only the service mirror's Server and AuthorizationPolicy, whose
    Server selects by expression; 2026.8.2 on as edge-26.8.3; versions in between not modelled."""
    old, new = mc(mc_values(), version="2026.1.1"), mc(mc_values(), version="2026.8.2")
    policies = {"Server", "AuthorizationPolicy"}
    assert {n for k, n in old if k in policies} == {"service-mirror", "linkerd-gateway"}
    assert {n for k, n in new if k in policies} == {"service-mirror", "linkerd-gateway", "linkerd-admin", "controller",
                                                    "local-service-mirror"}
    assert old[("Server", "service-mirror")]["spec"]["podSelector"]["matchExpressions"][0]["values"] == \
        ["linkerd-service-mirror", "controller"]
    assert old[("Deployment", "linkerd-gateway")]["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "gcr.io/google_containers/pause:3.2"
    destination = cp(version="2026.1.1")[("Deployment", "linkerd-destination")]["spec"]["template"]["spec"]
    assert destination["initContainers"] == [] and destination["containers"][0]["name"] == "linkerd-proxy"
    with pytest.raises(NotImplementedError, match="2026.5.0 is not modelled"):
        cp(version="2026.5.0")


def test_embedded_defaults_have_the_upstream_keys():
    for chart in upstream.CHARTS:
        defaults = chart_render.chart_defaults(chart, VERSION)
        assert extract.key_types(defaults) == upstream.VALUES_KEYS[chart], chart
    assert chart_render.chart_defaults("linkerd-control-plane", VERSION)["linkerdVersion"] == upstream.LINKERD_TAG


def test_built_in_objects_are_valid_kubernetes():
    validation = pytest.importorskip("validation")
    renders = [
        cp(cp_values(LinkerdConfig(ha=True))).values(),
        cp(cp_values(disableHeartBeat=False, heartbeatSchedule="0 0 * * *")).values(),
        mc(mc_values([("west", True), ("north", False)], linkerd=LinkerdConfig(ha=True),
                     remoteMirrorServiceAccount=True)).values(),
        render("linkerd-crds", program_values.crds_values(LinkerdConfig())).values(),
        render("oci://ghcr.io/emissary-ingress/emissary-ingress",
               install_values(emissary_gateway("envoy"), LinkerdConfig(), "emissary", INSTALL_NAME),
               namespace="emissary", version=emissary_upstream.CHART_VERSION, release=INSTALL_NAME).values(),
    ]
    built_in_groups = {"", "apps", "batch", "policy", "rbac.authorization.k8s.io", "apiextensions.k8s.io",
                       "admissionregistration.k8s.io", "networking.k8s.io"}
    checked = 0
    for objects in renders:
        for obj in objects:
            group = obj["apiVersion"].rpartition("/")[0]
            if group not in built_in_groups:
                continue  # custom resources (policy.linkerd.io, getambassador.io): no built-in schema
            assert validation.k8s_errors(obj) == [], (obj["kind"], obj["metadata"]["name"])
            checked += 1
    assert checked > 60
