"""Shared test set-up: the project root on sys.path (as the Pulumi CLI runs __main__.py), and an
environment that cannot leak the developer's own kubeconfig or PULUMI_K8S_* settings into the
recorded provider inputs."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

KUBECONFIG = ROOT / "tests" / "fixtures" / "kubeconfig.yaml"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    for key in list(os.environ):
        if key.startswith("PULUMI_K8S_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("KUBECONFIG", str(KUBECONFIG))
