"""`fleet up`, `fleet rotate` and `fleet preview` on any `Runner` (the CLI wires the Automation
API's; the tests the engine model's)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from .converge import DEFAULT_MAX_ROUNDS, Progress, Report, converge
from .model import first_deployment
from .order import AFTER_STEP, deploy_order, remaining_steps, rotation_anchor, rotation_order, rotation_plan
from .plan import rotate_plan, up_plan
from .runner import Result, Runner
from .stacks import Fleet

Pause = Callable[[str, str], bool]
"""Called between two rotation steps with the step done and what to do now; False stops there."""


def up(runner: Runner, fleet: Fleet, *, progress: Progress, write: Callable[[str], None] = print,
       max_rounds: int = DEFAULT_MAX_ROUNDS, dry_run: bool = False) -> Optional[Report]:
    order = deploy_order(fleet)
    write(up_plan(fleet, order, max_rounds, first_deployment(fleet, order, max_rounds)))
    if dry_run:
        return None
    report = Report()
    progress.step = "up"
    for stack in order:  # every stack before any run: a StackReference to a missing stack fails
        if runner.ensure_stack(stack):
            progress("created (pulumi stack init)", stack=stack)
    return converge(runner, order, max_rounds=max_rounds, progress=progress, report=report)


@dataclass
class RotationReport:
    steps_done: list[str] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    stopped_before: Optional[str] = None
    """The step the user chose not to start yet (a pause answered with stop)."""

    @property
    def ups(self) -> list[str]:
        return [s for r in self.reports for s in r.ups]


def rotate(runner: Runner, fleet: Fleet, steps: Optional[list[str]], *, progress: Progress, pause: Pause,
           write: Callable[[str], None] = print, anchor: Optional[str] = None, between: Optional[str] = None,
           max_rounds: int = DEFAULT_MAX_ROUNDS, dry_run: bool = False) -> Optional[RotationReport]:
    """`steps` None: every step from the current one (`--all`)."""
    anchor = rotation_anchor(fleet, anchor)
    trust = fleet.stacks[anchor].config.trust
    planned = rotation_plan(trust.rotation, trust.anchor_generation,
                            steps if steps is not None else remaining_steps(trust.rotation))
    order = rotation_order(fleet, anchor)
    write(rotate_plan(fleet, anchor, planned, order, between, max_rounds))
    if dry_run:
        return None
    done = RotationReport()
    for i, (step, edits) in enumerate(planned):
        progress.step = f"rotate {step}"
        for edit in edits:
            runner.set_config(anchor, edit.key, edit.value)
            progress(f"Pulumi.{anchor}.yaml: " + (f"removed {edit.key}" if edit.value is None
                                                  else f"{edit.key}: {edit.value}"), stack=anchor)
        done.reports.append(converge(runner, order, max_rounds=max_rounds, progress=progress))
        done.steps_done.append(step)
        if i + 1 < len(planned) and not pause(step, AFTER_STEP[step]):
            done.stopped_before = planned[i + 1][0]
            break
    if done.stopped_before is None:
        write(f"next: {AFTER_STEP[done.steps_done[-1]]}")
    return done


def preview(runner: Runner, fleet: Fleet, *, progress: Progress) -> dict[str, Result]:
    """Every stack's preview, in deployment order; a failure is kept in its row, not raised."""
    progress.step = "preview"
    results = {}
    for stack in deploy_order(fleet):
        progress("preview", stack=stack)
        results[stack] = runner.preview(stack)
    return results
