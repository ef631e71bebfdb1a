"""Upstream Linkerd facts, extracted into this project's own format.

The tests must run from a fresh clone, where `../shared/reference` does not exist, so every
upstream fact a test relies on lives here as project data: `edge_26_8_3` (hand-written facts
plus the generated `edge_26_8_3.values.json`). `extract` turns upstream files into that format;
`tests/test_upstream_drift.py` uses it to prove the fixtures still match upstream whenever the
reference copy is present.
"""
