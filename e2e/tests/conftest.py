"""The real tier's tests run inside `scripts/e2e run` (control planes up, KUBECONFIG, PATH,
PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, LINKERD_CHARTS set). Outside it they cannot run at
all, and say so instead of passing."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "e2e" / "tests"))
sys.path.insert(0, str(ROOT / "tests"))


def pytest_configure(config):
    if not os.environ.get("LMC_E2E_WORK"):
        raise pytest.UsageError("the real-tier tests run inside the tier: scripts/e2e test (or scripts/e2e run -- pytest e2e/tests)")
