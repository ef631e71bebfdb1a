"""The program's Gateway API CRDs (components/gateway_api.py) on the real engine, provider and
apiserver: `destroy` leaves them, the next `up` takes them back, and a cluster that already has
them (applied by someone else, same content) converges. Fast tier: tests/test_engine_model_rules.py
TestGatewayApiCrds."""
from __future__ import annotations

import os
import subprocess

import pytest
from pulumi import automation as auto


from components.config.schema import LinkerdConfig
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


def apply_as_someone_else(namespace: str) -> None:
    """The chart's Gateway API CRDs applied with kubectl first, rendered for `namespace` (their
    `linkerd.io/control-plane-ns` label says which)."""
    archive = os.path.join(os.environ["LINKERD_CHARTS"], "linkerd-crds-2026.8.3.tgz")
    rendered = subprocess.run(["helm", "template", "linkerd-crds", archive, "-n", namespace, "--set", "installGatewayAPI=true"],
                              capture_output=True, text=True, check=True).stdout
    docs = [d for d in rendered.split("\n---") if "group: gateway.networking.k8s.io" in d and "CustomResourceDefinition" in d]
    assert docs, "the chart rendered no Gateway API CRD"
    kubectl(CTX, "apply", "-f", "-", stdin="\n---".join(docs))


def test_a_cluster_that_already_has_them_converges():
    apply_as_someone_else("linkerd")  # the same content
    with stack_session("gateway-api-existing", program, lambda: delete_gateway_api_crds(CTX)) as stack:
        stack.up()
        assert stack.preview().changed() == {}


def test_other_content_is_a_field_conflict_naming_its_manager():
    """As the README says for `installGatewayApi`: set it to false and let that installer keep them."""
    apply_as_someone_else("other")
    with stack_session("gateway-api-conflict", program, lambda: delete_gateway_api_crds(CTX)) as stack:
        with pytest.raises(auto.CommandError, match='conflict with "kubectl-client-side-apply"'):
            stack.up()
