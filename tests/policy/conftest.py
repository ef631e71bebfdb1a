"""The pack runs once for all policy tests: as `pulumi preview` and as `pulumi up` start it."""
from __future__ import annotations

from typing import Iterator

import pytest

from policy_harness import PolicyPackProcess
from policy_stacks import Pki, make_pki


@pytest.fixture(scope="session")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="session")
def preview() -> Iterator[PolicyPackProcess]:
    """The pack as `pulumi preview` starts it (PULUMI_DRY_RUN=true)."""
    with PolicyPackProcess(dry_run=True) as pack:
        yield pack


@pytest.fixture(scope="session")
def update() -> Iterator[PolicyPackProcess]:
    """The pack as `pulumi up` starts it (PULUMI_DRY_RUN=false)."""
    with PolicyPackProcess(dry_run=False) as pack:
        yield pack
