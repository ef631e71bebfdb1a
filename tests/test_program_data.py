"""The chart key list the program ships (components/data/values_keys.json, used to check users'
extraValues) agrees with upstream: with the test fixtures always, with ../shared when present."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from upstream import edge_26_8_3 as upstream

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = json.loads((ROOT / "components" / "data" / "values_keys.json").read_text())


def shipped_paths(chart: str) -> set[str]:
    """The shipped key paths in the fixtures' notation (keys with dots in brackets)."""
    from upstream.extract import join_path

    return {join_path(k["path"]) for k in SHIPPED["charts"][chart]}
REFERENCE = ROOT.parent / "shared" / "reference" / "linkerd" / "edge-26.8.3"


def test_shipped_key_list_is_for_the_default_chart_version():
    from components.config.schema import LinkerdConfig

    assert SHIPPED["chartVersion"] == LinkerdConfig().version == upstream.CHART_VERSION


@pytest.mark.parametrize("chart", upstream.CHARTS)
def test_every_upstream_values_key_is_accepted(chart):
    """A key the chart has must never be refused as a typo."""
    missing = set(upstream.VALUES_KEYS[chart]) - shipped_paths(chart)
    assert missing == set()


@pytest.mark.parametrize("chart", upstream.CHARTS)
def test_every_shipped_key_is_one_the_chart_reads(chart):
    unknown = shipped_paths(chart) - set(upstream.known_value_paths(chart))
    assert unknown == set()


def test_regenerating_from_the_reference_gives_the_shipped_file():
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference not present (fresh clone): regeneration needs it")
    spec = importlib.util.spec_from_file_location("extract_values_keys", ROOT / "tools" / "extract_values_keys.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.extract(REFERENCE) == SHIPPED["charts"]
