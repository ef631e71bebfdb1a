"""The program's Gateway API CRDs (components/gateway_api.py) on the real engine, provider and
apiserver: `destroy` leaves them, the next `up` takes them back, and a cluster that already has
them (applied by someone else, same content) converges. Fast tier: tests/test_engine_model_rules.py
TestGatewayApiCrds."""
from __future__ import annotations

import os
import subprocess


from components.config import LinkerdConfig
from components.gateway_api import GatewayApiCrds
from real import delete_gateway_api_crds, exists, kubectl, provider, stack_session

CTX = "east"
HTTPROUTES = "httproutes.gateway.networking.k8s.io"


def program():
    GatewayApiCrds(f"{CTX}-gateway-api", LinkerdConfig(repository=os.environ["LINKERD_CHARTS"]), provider(CTX))


def test_destroy_then_up_converges():
    with stack_session("gateway-api-destroy-up", program, lambda: delete_gateway_api_crds(CTX)) as stack:
        stack.up()
        assert exists(CTX, "crd", HTTPROUTES)
        assert stack.preview().changed() == {}
        stack.destroy()
        assert exists(CTX, "crd", HTTPROUTES), "destroy relinquishes the CRDs, it does not delete them"
        stack.up()
        assert stack.preview().changed() == {}


def test_a_cluster_that_already_has_them_converges():
    archive = os.path.join(os.environ["LINKERD_CHARTS"], "linkerd-crds-2026.8.3.tgz")
    rendered = subprocess.run(["helm", "template", "gateway-api", archive, "--set", "installGatewayAPI=true"],
                              capture_output=True, text=True, check=True).stdout
    docs = [d for d in rendered.split("\n---") if "group: gateway.networking.k8s.io" in d and "CustomResourceDefinition" in d]
    assert docs, "the chart rendered no Gateway API CRD"
    kubectl(CTX, "apply", "-f", "-", stdin="\n---".join(docs))  # someone else's install, first
    with stack_session("gateway-api-existing", program, lambda: delete_gateway_api_crds(CTX)) as stack:
        stack.up()
        assert stack.preview().changed() == {}
