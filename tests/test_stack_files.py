"""Every `Pulumi.<stack>.yaml` in the repository runs as the Pulumi CLI runs it: config passed
CLI-exact (plain strings raw, the rest JSON), on the engine model, in the order its README or
header says (`pulumi stack init` for each stack of a folder, then `pulumi up` on each until the
folder converges), after which a preview of every stack shows no change.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.engine import Engine
from harness.program import ROOT, config_file

FILES = sorted(p for p in ROOT.rglob("Pulumi.*.yaml")
               if ".venv" not in p.parts and "policy" not in p.parts)


def referenced(cfg: dict) -> set[str]:
    """Stack names (last segment) this stack's StackReferences read."""
    refs = {(cfg.get("trust") or {}).get("fromStack")} | {l.get("targetStack") for l in cfg.get("links") or []}
    return {r.rsplit("/", 1)[1] for r in refs if r}


def scenarios() -> list[list[Path]]:
    """Files deployed together: those linked by stack references, within one folder (the others
    are alternatives to each other, e.g. the same cluster installed by different examples)."""
    groups: list[list[Path]] = []
    for folder in sorted({p.parent for p in FILES}):
        files = {p.name.removeprefix("Pulumi.").removesuffix(".yaml"): p for p in FILES if p.parent == folder}
        edges = {name: referenced(config_file(path)) & set(files) for name, path in files.items()}
        seen: set[str] = set()
        for name in sorted(files):
            if name in seen:
                continue
            group, todo = set(), [name]
            while todo:
                n = todo.pop()
                if n not in group:
                    group.add(n)
                    todo += list(edges[n]) + [m for m, e in edges.items() if n in e]
            seen |= group
            groups.append([files[n] for n in sorted(group)])
    return groups


SCENARIOS = scenarios()


def test_every_stack_file_is_in_exactly_one_scenario() -> None:
    assert sorted(p for group in SCENARIOS for p in group) == FILES and len(FILES) >= 12


def run_order(stacks: dict[str, dict]) -> list[str]:
    """One round, as the stack files' headers say: the member stacks (trust.fromStack), which
    publish their issuer requests, then the stacks that own their trust and sign them."""
    return sorted(stacks, key=lambda name: ("fromStack" not in (stacks[name].get("trust") or {}), name))


@pytest.mark.parametrize("files", SCENARIOS, ids=lambda g: "+".join(str(p.relative_to(ROOT)) for p in g))
def test_each_scenario_deploys_converges_and_then_previews_no_change(files: list[Path]) -> None:
    stacks = {p.name.removeprefix("Pulumi.").removesuffix(".yaml"): config_file(p) for p in files}
    engine = Engine()
    engine.init(*stacks)
    order = run_order(stacks)
    # Members install once the anchor's stack has signed them (round 2). With three stacks, the
    # first member's link to the second waits for the second's install: one more run of it, as
    # the three-cluster headers say.
    rounds = [order] if len(stacks) == 1 else [order, order] + ([order[:1]] if len(stacks) > 2 else [])
    runs = {}
    for names in rounds:
        for name in names:
            runs[name] = engine.up(name, stacks[name], skip_preview=True)
    for name, run in runs.items():
        assert [w for w in run.warnings if "skipped" in w or "waits" in w] == [], (name, run.warnings)
        assert all(l["established"] for l in run.outputs["links"] if l["installedHere"]), name
    for name, cfg in stacks.items():
        assert engine.preview(name, cfg).plan() == {}, name
