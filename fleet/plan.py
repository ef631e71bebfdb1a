"""The plan the fleet prints before it acts (and all that `--dry-run` prints)."""
from __future__ import annotations

from typing import Optional

from .order import AFTER_STEP, ConfigEdit
from .stacks import Fleet


def describe_fleet(fleet: Fleet) -> list[str]:
    width = max(len(n) for n in fleet.stacks)
    lines = [f"Fleet of {len(fleet.stacks)} stack(s):"]
    for name, stack in fleet.stacks.items():
        if stack.owns_trust:
            role = "owns its trust anchor" + (f"; signs for {', '.join(stack.members)}" if stack.members else "")
        else:
            role = f"member of {stack.anchor or stack.from_stack + ' (outside the fleet)'}"
        links = f"; links to {', '.join(stack.link_targets)}" if stack.link_targets else ""
        lines.append(f"  {name:<{width}}  {role}{links}")
    for reference, named_by in fleet.outside.items():
        lines.append(f"  outside the fleet: {reference} (named by {', '.join(named_by)}); run it yourself")
    return lines


def up_plan(fleet: Fleet, order: list[str], max_rounds: int, first_time: list[str]) -> str:
    lines = describe_fleet(fleet) + [
        "Plan: create the stacks that do not exist (pulumi stack init), then rounds of: preview each stack, "
        "and up it where the preview shows changes, in the order",
        f"  {' -> '.join(order)}",
        f"until one preview of every stack after the last up is empty (at most {max_rounds} rounds).",
        f"From nothing (no stack deployed yet) that is {len(first_time)} up(s): {', '.join(first_time) or 'none'}.",
    ]
    return "\n".join(lines) + "\n"


def _edit(edit: ConfigEdit) -> str:
    return f"remove {edit.key}" if edit.value is None else f"set {edit.key}: {edit.value}"


def rotate_plan(fleet: Fleet, anchor: str, steps: list[tuple[str, list[ConfigEdit]]], order: list[str],
                between: Optional[str], max_rounds: int) -> str:
    trust = fleet.stacks[anchor].config.trust
    lines = describe_fleet(fleet) + [
        f"Plan: rotate the anchor of {anchor} (now trust.rotation: {trust.rotation or 'none'}, "
        f"anchorGeneration: {trust.anchor_generation}), one step at a time:"]
    for i, (step, edits) in enumerate(steps, 1):
        change = "; ".join(_edit(e) for e in edits) or "nothing to set (the step runs again)"
        lines.append(f"  {i}. {step}: in Pulumi.{anchor}.yaml {change}; then {' -> '.join(order)} "
                     f"until converged (at most {max_rounds} rounds)")
        lines.append(f"     then: {AFTER_STEP[step]}"
                     + (f" [{between}]" if between and i < len(steps) else ""))
    return "\n".join(lines) + "\n"
