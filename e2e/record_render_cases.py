"""A pytest plugin for the fast tier: records every chart render the fast tests ask of the chart
emulation (tests/harness/chart_render.py), so that the real tier can render the same values with
`helm template` and compare (e2e/tests/test_chart_emulation.py).

    PYTHONPATH=e2e LMC_RENDER_CASES=e2e/tests/render_cases.json scripts/test -p record_render_cases

(the whole fast tier, about 30 min on the 2-core build machine; a run that stops early records
what it reached, and files run separately can be merged, the cases being a set). The cases are
deduplicated; certificate PEMs in values become the token `<PEM n>` (n numbers distinct PEMs
within one case), because only their place matters to a render and the fast tests mint new ones
per run. Private keys never reach a chart render (the program refuses them in values).
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----\n?", re.S)


def normalise(values: Any, seen: dict[str, str]) -> Any:
    if isinstance(values, dict):
        return {k: normalise(v, seen) for k, v in values.items()}
    if isinstance(values, list):
        return [normalise(v, seen) for v in values]
    if isinstance(values, str) and "-----BEGIN" in values:
        def token(m: re.Match) -> str:
            return seen.setdefault(m.group(0).strip(), f"<PEM {len(seen) + 1}>")
        return PEM.sub(lambda m: token(m) + ("\n" if m.group(0).endswith("\n") else ""), values)
    return values


class Recorder:
    def __init__(self, path: Path):
        self.path = path
        self.cases: dict[str, dict] = {}

    def wrap(self, render):
        def recording(chart: str, version: str, namespace: str, values: dict, release_name: str):
            from harness import chart_render

            case = {"chart": chart_render.chart_basename(chart, str(version)), "version": str(version),
                    "namespace": namespace, "release_name": release_name, "values": normalise(values, {})}
            try:
                objects = render(chart, version, namespace, values, release_name)
            except (ValueError, NotImplementedError) as e:  # a refusal the fast test expects
                case["refused"] = type(e).__name__
                raise
            finally:
                self.cases.setdefault(json.dumps(case, sort_keys=True), case)
            return objects
        return recording


_recorder: Recorder | None = None


def pytest_configure(config):
    global _recorder
    target = os.environ.get("LMC_RENDER_CASES")
    if not target:
        raise pytest.UsageError("record_render_cases: set LMC_RENDER_CASES to the JSON file to write")
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from harness import chart_render

    _recorder = Recorder(Path(target))
    chart_render.render = _recorder.wrap(chart_render.render)


def pytest_unconfigure(config):
    if _recorder is None:
        return
    cases = sorted(_recorder.cases.values(), key=lambda c: (c["chart"], c["version"], json.dumps(c, sort_keys=True)))
    _recorder.path.write_text(json.dumps(cases, indent=1, sort_keys=True) + "\n")
