"""The tier itself: what the program's workflows rely on from a cluster is really there (a Ready
Node, Pods that become Ready, token Secrets filled by the controller manager, LoadBalancer
addresses), and nothing started here can reach beyond this machine's loopback."""
from __future__ import annotations

import errno
import os
import socket
import subprocess

import pytest

from real import kubectl, kubectl_json, wait_for

CLUSTERS = os.environ["LMC_E2E_CLUSTERS"].split(",")


@pytest.mark.parametrize("context", CLUSTERS)
def test_each_cluster_has_its_context_ready_nodes_and_its_own_api_server(context):
    nodes = kubectl_json(context, "get", "nodes")["items"]
    assert len(nodes) == 3  # `ha` spreads three replicas over distinct hosts
    for node in nodes:
        assert {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"] == "True"
    server = kubectl(context, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}").stdout
    assert server.startswith("https://127.0.0.") and server.endswith(":6443")


def test_a_deployment_becomes_available_and_its_service_gets_endpoints():
    ctx = CLUSTERS[0]
    kubectl(ctx, "create", "namespace", "tier-check")
    kubectl(ctx, "-n", "tier-check", "create", "deployment", "web", "--image=example.invalid/web:1", "--port=80")
    kubectl(ctx, "-n", "tier-check", "expose", "deployment", "web", "--port=80")
    kubectl(ctx, "-n", "tier-check", "rollout", "status", "deployment/web", "--timeout=90s")
    wait_for("endpoints of tier-check/web", lambda: any(
        e.get("addresses") for s in kubectl_json(ctx, "-n", "tier-check", "get", "endpointslices", "-l",
                                                  "kubernetes.io/service-name=web")["items"]
        for e in s.get("endpoints") or []))
    kubectl(ctx, "delete", "namespace", "tier-check", "--wait=false")


def test_service_account_token_secrets_are_filled():
    ctx = CLUSTERS[0]
    kubectl(ctx, "create", "serviceaccount", "tier-token")
    kubectl(ctx, "apply", "-f", "-", stdin="""
apiVersion: v1
kind: Secret
metadata: {name: tier-token, annotations: {kubernetes.io/service-account.name: tier-token}}
type: kubernetes.io/service-account-token
""")
    wait_for("the token of Secret tier-token", lambda: bool(
        kubectl_json(ctx, "get", "secret", "tier-token").get("data", {}).get("token")))
    kubectl(ctx, "delete", "secret,serviceaccount", "tier-token")


def test_load_balancer_services_get_an_address():
    ctx = CLUSTERS[-1]
    kubectl(ctx, "create", "service", "loadbalancer", "tier-lb", "--tcp=4143:4143")
    wait_for("an address for tier-lb", lambda: bool(
        kubectl_json(ctx, "get", "service", "tier-lb")["status"].get("loadBalancer", {}).get("ingress")))
    kubectl(ctx, "delete", "service", "tier-lb")


def test_only_loopback_exists_and_nothing_leaves_this_machine():
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert [line.split(":")[1].strip() for line in links] == ["lo"]
    # A Service address and a documentation (TEST-NET) address: no route, refused at once.
    for address in ("10.96.0.1", "192.0.2.1"):
        with pytest.raises(OSError) as err:
            socket.create_connection((address, 443), timeout=3)
        assert err.value.errno == errno.ENETUNREACH, (address, err.value)
