"""Gateway choices: the bundled gateway (LoadBalancer, NodePort, fixed addresses), an existing or
installed Emissary, no gateway; export modes. Each shipped example in examples/gateways runs."""
from __future__ import annotations

from functools import cache

import jsonschema

import pytest

from components.config.schema import ConfigError
from harness.engine import Engine, EngineError
from harness.program import ROOT, Run, config_file, run_program, stack_file_config
from scenarios import CHART, LINK, SECRET, SERVICE_PATCH, deps, east
from upstream import emissary as upstream_emissary
from upstream import linkerd_policy
from validation import k8s_errors, link_errors

EXAMPLES = ROOT / "examples" / "gateways"
DEPLOYMENT_PATCH = "kubernetes:apps/v1:DeploymentPatch"
EMISSARY_KINDS = {"Host", "Mapping"}


@cache
def example(name: str, preview: bool = False) -> Run:
    return run_program(config_file(EXAMPLES / f"Pulumi.{name}.yaml"), stack=name, preview=preview)


def link_spec(run: Run, source="west", target="east") -> dict:
    return run.monitor.one(LINK, f"{source}-to-{target}-link").inputs["spec"]


def custom(run: Run, group: str) -> list:
    return [r for r in run.monitor.registrations if r.typ.startswith(f"kubernetes:{group}/")]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("Pulumi.*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_gateway_example_runs_and_its_links_validate(path):
    run = example(path.stem.removeprefix("Pulumi."))
    links = run.monitor.by_type(LINK)
    assert links
    for link in links:
        assert link_errors(link.inputs) == [], link.name
    for r in run.monitor.registrations:
        if r.typ.startswith(("kubernetes:core/v1:", "kubernetes:rbac.authorization.k8s.io/v1:")) and not r.read \
                and not r.typ.endswith("Patch"):
            assert k8s_errors(r.inputs) == [], r.name


class TestBundledGateway:
    def test_nodeport_gateway_links_through_node_addresses_and_node_ports(self):
        run = example("gateway-linkerd-nodeport")
        values = run.monitor.one(CHART, "east-linkerd-multicluster").inputs["values"]
        assert values["gateway"]["serviceType"] == "NodePort" and values["gateway"]["enabled"] is True
        spec = link_spec(run)
        # link-gen: the mc-gateway/mc-probe node ports, and the addresses given (a NodePort has none)
        assert (spec["gatewayAddress"], spec["gatewayPort"], spec["probeSpec"]["port"]) == ("192.0.2.11,192.0.2.12", "30143", "30191")

    def test_nodeport_without_addresses_fails_with_the_fix(self):
        cfg = config_file(EXAMPLES / "Pulumi.gateway-linkerd-nodeport.yaml")
        del cfg["clusters"]["east"]["gateway"]["addresses"]
        with pytest.raises(Exception, match="NodePort gateway has no address of its own; set gateway.addresses"):
            run_program(cfg)

    def test_fixed_addresses_override_the_load_balancer(self):
        cfg = stack_file_config("east")
        cfg["clusters"]["east"]["gateway"] = {"addresses": ["gw.east.example.com"]}
        run = east(config=cfg)
        assert run.outputs["gateways"]["east"]["address"] == "gw.east.example.com"


class TestExistingEmissary:
    def test_only_patches_what_the_seed_patches(self):
        run = example("gateway-emissary-existing")
        [deployment] = run.monitor.by_type(DEPLOYMENT_PATCH)
        assert (deployment.inputs["metadata"]["namespace"], deployment.inputs["metadata"]["name"]) == ("ambassador", "ambassador")
        assert deployment.inputs["spec"] == {"template": {"metadata": {"annotations": {
            "linkerd.io/inject": "enabled",
            "config.linkerd.io/enable-gateway": "true",
            "config.linkerd.io/proxy-require-identity-inbound-ports": "4143",
        }}}}
        service = [p for p in run.monitor.by_type(SERVICE_PATCH) if p.inputs["metadata"]["name"] == "ambassador"]
        [service] = service
        assert service.inputs["metadata"]["annotations"] == {
            "mirror.linkerd.io/gateway-identity": "ambassador.ambassador.serviceaccount.identity.linkerd.cluster.local",
            "mirror.linkerd.io/probe-path": "/ready",
            "mirror.linkerd.io/probe-period": "3",
        }
        assert {p["name"]: (p["port"], p["targetPort"]) for p in service.inputs["spec"]["ports"]} == {
            "mc-gateway": (4143, 4143), "mc-probe": (4191, 4191)}
        # patches, not ownership: nothing forces fields away from Emissary's own manager
        for patch in (deployment, service):
            assert "pulumi.com/patchForce" not in (patch.inputs["metadata"].get("annotations") or {})

    def test_patched_service_keeps_emissarys_own_ports_and_becomes_the_gateway(self):
        run = example("gateway-emissary-existing")
        live = run.mocks.world.services[("east", "ambassador/ambassador")]
        assert [p["name"] for p in live["spec"]["ports"]] == ["http", "https", "mc-gateway", "mc-probe"]
        spec = link_spec(run)
        assert spec["gatewayAddress"] == "203.0.113.50"  # Emissary's own load balancer, no second one
        assert spec["gatewayIdentity"] == "ambassador.ambassador.serviceaccount.identity.linkerd.cluster.local"

    def test_multicluster_chart_runs_without_its_gateway(self):
        run = example("gateway-emissary-existing")
        values = run.monitor.one(CHART, "east-linkerd-multicluster").inputs["values"]
        assert values["gateway"] == {"enabled": False}

    def test_patches_wait_for_the_proxy_injector(self):
        run = example("gateway-emissary-existing")
        [deployment] = run.monitor.by_type(DEPLOYMENT_PATCH)
        assert (CHART, "east-linkerd-control-plane") in deps(run, deployment)

    @pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])
    def test_an_emissary_that_is_not_there_fails_clearly_and_nothing_stray_is_created(self, preview):
        """A patch is server-side apply and would create a stray Deployment/Service; the read
        before it fails first, naming the object and the read (`east-emissary-*-exists`)."""
        cfg = config_file(EXAMPLES / "Pulumi.gateway-emissary-existing.yaml")
        cfg["clusters"]["east"]["gateway"]["emissary"]["existing"]["name"] = "ambasador"
        engine = Engine()
        engine.init("dev")
        with pytest.raises(EngineError, match=r"east-emissary-(deployment|service)-exists \(cluster 'east'\): "
                                              r"resource 'ambassador/ambasador' does not exist"):
            (engine.preview if preview else engine.up)("dev", cfg)
        assert not [k for k in engine.world.objects if "ambasador" in k[2]]

    def test_no_policy_objects_under_the_default_inbound_policy(self):
        assert custom(example("gateway-emissary-existing"), "policy.linkerd.io") == []


class TestRestrictiveDefaultPolicy:
    def config(self, **existing) -> dict:
        cfg = config_file(EXAMPLES / "Pulumi.gateway-emissary-existing.yaml")
        cfg["linkerd"] = {"extraValues": {"controlPlane": {"proxy": {"defaultInboundPolicy": "cluster-authenticated"}}}}
        cfg["clusters"]["east"]["gateway"]["emissary"]["existing"].update(existing)
        return cfg

    def test_recreates_the_gateway_policy_for_emissary_pods(self):
        run = run_program(self.config(podLabels={"app.kubernetes.io/name": "ambassador"}))
        policy = {(r.inputs["kind"], r.inputs["metadata"]["name"]): r.inputs for r in custom(run, "policy.linkerd.io")}
        for obj in policy.values():
            schema = linkerd_policy.schema_for(obj)
            errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(obj)]
            assert errors == [], (obj["kind"], errors)
        servers = {n: p["spec"] for (k, n), p in policy.items() if k == "Server"}
        assert {s["port"] for s in servers.values()} == {linkerd_policy.PROXY_PORT_NAME, linkerd_policy.PROXY_ADMIN_PORT_NAME}
        assert all(s["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "ambassador"}} for s in servers.values())
        mtls = policy[("MeshTLSAuthentication", "linkerd-multicluster-gateway-any-meshed")]["spec"]
        net = policy[("NetworkAuthentication", "linkerd-multicluster-gateway-source-cluster")]["spec"]
        assert mtls == {"identities": ["*"]} and net == {"networks": [{"cidr": "0.0.0.0/0"}, {"cidr": "::/0"}]}
        authz = [p for (k, _), p in policy.items() if k == "AuthorizationPolicy"]
        assert len(authz) == 2 and all(len(a["spec"]["requiredAuthenticationRefs"]) == 2 for a in authz)

    def test_without_pod_labels_it_is_a_config_error(self):
        with pytest.raises(ConfigError, match=r"clusters.east.gateway.emissary.existing.podLabels: needed"):
            run_program(self.config())


class TestInstalledEmissary:
    def test_installs_crds_then_the_chart_pinned_from_oci(self):
        run = example("gateway-emissary-install")
        crds = run.monitor.one(CHART, "east-emissary-crds").inputs
        chart = run.monitor.one(CHART, "east-emissary-chart")
        assert crds["chart"] == "oci://ghcr.io/emissary-ingress/emissary-crds-chart" and crds["version"] == "4.1.0"
        assert chart.inputs["chart"] == "oci://ghcr.io/emissary-ingress/emissary-ingress" and chart.inputs["version"] == "4.1.0"
        assert {(CHART, "east-emissary-crds"), (CHART, "east-linkerd-control-plane")} <= deps(run, chart)

    def test_chart_values_make_it_the_gateway(self):
        chart = example("gateway-emissary-install").monitor.one(CHART, "east-emissary-chart").inputs
        values = chart["values"]
        assert values["podAnnotations"]["config.linkerd.io/enable-gateway"] == "true"
        ports = {p["name"]: (p["port"], p["targetPort"]) for p in values["service"]["ports"]}
        # Envoy's 80 -> 8080 doubles as the probe port; public HTTPS kept (the list replaces the default)
        assert ports == {"mc-probe": (80, 8080), "https": (443, 8443), "mc-gateway": (4143, 4143)}
        assert values["service"]["annotations"]["mirror.linkerd.io/probe-path"] == "/-/ambassador/ready"
        assert values["createDefaultListeners"] is True  # Envoy listens only where a Listener says

    def test_chart_values_are_emissarys_own_keys(self):
        values = example("gateway-emissary-install").monitor.one(CHART, "east-emissary-chart").inputs["values"]
        known = {**upstream_emissary.CHART_VALUES_KEYS, **{k: (t, None) for k, t in upstream_emissary.TEMPLATE_ONLY_VALUES_KEYS.items()}}

        def paths(d, prefix=""):
            for k, v in d.items():
                path = f"{prefix}{k}"
                if path in known:
                    yield path, v
                elif isinstance(v, dict):
                    yield from paths(v, path + ".")
                else:
                    yield path, v

        for path, value in paths(values):
            assert path in known, f"{path} is not a value of the emissary-ingress chart"
        for item in values["service"]["ports"]:
            assert set(item) <= set(upstream_emissary.SERVICE_PORT_ITEM_KEYS), item
            assert isinstance(item["targetPort"], int), "the chart turns targetPort into a containerPort"
        # every Service port becomes a container port: duplicates fail server-side apply
        targets = [p["targetPort"] for p in values["service"]["ports"]]
        assert len(targets) == len(set(targets)), targets

    def test_link_reads_the_service_the_chart_names_and_policy_selects_its_pods(self):
        cfg = config_file(EXAMPLES / "Pulumi.gateway-emissary-install.yaml")
        cfg["clusters"]["east"]["gateway"]["emissary"]["probe"] = "proxy"  # envoy + deny is refused
        cfg["linkerd"] = {"extraValues": {"controlPlane": {"proxy": {"defaultInboundPolicy": "deny"}}}}
        run = run_program(cfg)
        chart = run.monitor.one(CHART, "east-emissary-chart").inputs
        name = upstream_emissary.service_name(chart["name"], chart["values"].get("fullnameOverride"))
        [read] = [r for r in run.monitor.reads() if r.name == "east-gateway-service"]
        assert read.read_id == f"emissary/{name}"
        servers = [r.inputs for r in custom(run, "policy.linkerd.io") if r.inputs["kind"] == "Server"]
        assert servers and all(s["spec"]["podSelector"]["matchLabels"] == upstream_emissary.selector_labels(chart["name"]) for s in servers)

    def test_envoy_probe_objects_and_the_link_use_them(self):
        run = example("gateway-emissary-install")
        kinds = {r.inputs["kind"]: r.inputs for r in custom(run, "getambassador.io")}
        assert set(kinds) == EMISSARY_KINDS
        mapping = kinds["Mapping"]["spec"]
        assert (mapping["prefix"], mapping["rewrite"], mapping["service"]) == (
            "/-/ambassador/ready", "/ambassador/v0/check_ready", "localhost:8877")
        assert kinds["Host"]["spec"]["requestPolicy"] == {"insecure": {"action": "Route"}}
        # the Host selects the Mapping by label, and the hostnames match (Emissary needs both)
        assert kinds["Mapping"]["metadata"]["labels"].items() >= kinds["Host"]["spec"]["mappingSelector"]["matchLabels"].items()
        spec = link_spec(run)
        assert (spec["probeSpec"]["path"], spec["probeSpec"]["port"]) == ("/-/ambassador/ready", "80")
        assert spec["gatewayIdentity"] == "emissary-ingress.emissary.serviceaccount.identity.linkerd.cluster.local"

    @pytest.mark.parametrize("name", ["gateway-emissary-install", "gateway-emissary-existing"])
    def test_emissary_objects_validate_against_the_v3alpha1_schemas(self, name):
        cfg = config_file(EXAMPLES / f"Pulumi.{name}.yaml")
        cfg["clusters"]["east"]["gateway"]["emissary"]["probe"] = "envoy"
        run = run_program(cfg)
        objects = custom(run, "getambassador.io")
        assert {o.inputs["kind"] for o in objects} == EMISSARY_KINDS
        for o in objects:
            schema = upstream_emissary.SCHEMAS[o.inputs["kind"]]
            errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(o.inputs)]
            assert errors == [], (o.name, errors)


class TestNoGateway:
    def test_links_carry_no_gateway_fields_and_controllers_no_probe(self):
        run = example("gateway-none")
        for link in run.monitor.by_type(LINK):
            assert not {"gatewayAddress", "gatewayPort", "gatewayIdentity", "probeSpec"} & set(link.inputs["spec"])
        for c in ("east", "west"):
            values = run.monitor.one(CHART, f"{c}-linkerd-multicluster").inputs["values"]
            assert values["gateway"] == {"enabled": False}
            assert all(e["gateway"] == {"enabled": False} for e in values["controllers"])
        assert [r for r in run.monitor.reads() if r.name.endswith("-gateway-service")] == []  # no gateway to read

    def test_the_user_is_told_what_remote_discovery_needs(self):
        warnings = example("gateway-none").warnings
        assert len(warnings) == 2 and all("flat pod network" in w for w in warnings)

    def test_export_modes_use_their_labels(self):
        run = example("gateway-none")
        labels = {(p.provider_name, p.inputs["metadata"]["name"]): p.inputs["metadata"]["labels"] for p in run.monitor.by_type(SERVICE_PATCH)}
        assert labels[("east", "foobar")] == {"mirror.linkerd.io/exported": "remote-discovery"}
        assert labels[("east", "frontend")] == {"mirror.linkerd.io/federated": "member"}
        assert labels[("west", "frontend")] == {"mirror.linkerd.io/federated": "member"}

    def test_credentials_still_carry_the_domains_remote_discovery_needs(self):
        run = example("gateway-none")
        meta = run.monitor.one(SECRET, "west-to-east-linkerd-credentials").inputs["metadata"]
        assert meta["annotations"]["multicluster.linkerd.io/trust-domain"] == "cluster.local"


def test_switching_east_to_an_existing_emissary_changes_only_the_gateway_and_wests_link():
    """The issue's 'done when': one config block changes in east; west's preview shows only its Link."""
    from scenarios import cached, west

    east_before = cached("east")
    cfg = stack_file_config("east")
    cfg["clusters"]["east"]["gateway"] = {"type": "emissary", "emissary": {"existing": {"namespace": "ambassador", "name": "ambassador"}}}
    east_after = east(config=cfg)

    def inputs(run):
        return {(r.typ, r.name): r.wire for r in run.monitor.registrations if not r.read}

    before, after = inputs(east_before), inputs(east_after)
    changed = {k for k in before.keys() & after.keys() if before[k] != after[k]}
    added = set(after) - set(before)
    assert changed == {(CHART, "east-linkerd-multicluster")}
    assert {t for t, _ in added} - {"linkerd-multicluster:gateway:EmissaryGateway"} == {DEPLOYMENT_PATCH, SERVICE_PATCH}
    assert set(before) - set(after) == set()

    west_before, west_after = inputs(west()), inputs(west(east_config=cfg))
    assert {k for k in west_before if west_before[k] != west_after.get(k)} == {(LINK, "west-to-east-link")}


def test_gateway_type_needs_its_block():
    with pytest.raises(ConfigError, match=r"clusters.east.gateway: .*needs an `emissary` block"):
        run_program({"clusters": {"east": {"context": "east", "gateway": {"type": "emissary"}}}})
    with pytest.raises(ConfigError, match="set exactly one of `existing`"):
        run_program({"clusters": {"east": {"context": "east", "gateway": {"type": "emissary", "emissary": {}}}}})
