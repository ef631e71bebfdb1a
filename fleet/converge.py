"""Rounds of preview-then-up, in a given order, until every stack's preview is empty.

A stack is run (`up`) only when its preview shows changes, so a round costs no `up` for a stack
that has nothing to do, and the fleet stops as soon as one preview of every stack, taken after the
last `up` of any stack, is empty (a stack reads its peers' outputs, and its own previous ones, so an
`up` anywhere can give any stack new work). The number of rounds is bounded: a stack whose preview
never empties is reported instead of looping.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from .order import HeldBack, held_back
from .runner import Result, Runner

DEFAULT_MAX_ROUNDS = 6
"""A first deployment needs three rounds of `up`s and one of previews; a rotation step held back by
a lagging member one more. Twice as many would mean something that never converges."""


class FleetError(Exception):
    """A real error: the stack, the step and the message, and what ran before it."""

    def __init__(self, stack: str, step: str, message: str, report: "Report"):
        super().__init__(f"{stack}: {step} failed: {message}")
        self.stack, self.step, self.message, self.report = stack, step, message, report


@dataclass
class Report:
    ups: list[str] = field(default_factory=list)
    """The stacks `up` ran on, in order."""
    previews: int = 0
    rounds: int = 0
    warnings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Each stack's warnings from its latest preview or up."""
    held: dict[str, HeldBack] = field(default_factory=dict)
    """Hold-backs met on the way (by stack), each resolved before the fleet converged."""
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


class Progress:
    """One line per event: elapsed time, command step, round, stack, what happens."""

    def __init__(self, write: Callable[[str], None] = print, clock: Callable[[], float] = time.monotonic):
        self.write, self.clock, self.start, self.step = write, clock, clock(), ""

    def __call__(self, message: str, round_: Optional[int] = None, stack: Optional[str] = None) -> None:
        where = " · ".join(p for p in (self.step, f"round {round_}" if round_ else "", stack or "") if p)
        self.write(f"[{self.clock() - self.start:7.1f}s] {where + ': ' if where else ''}{message}")


def describe(changes: dict[str, int]) -> str:
    return ", ".join(f"{n} to {k}" for k, n in changes.items() if n) or "no changes"


def converge(runner: Runner, order: list[str], *, max_rounds: int = DEFAULT_MAX_ROUNDS,
             progress: Optional[Progress] = None, report: Optional[Report] = None) -> Report:
    """Run the stacks of `order` round by round until every preview is empty; raise FleetError at
    the first real error. A program hold-back (`trust rotation held back (…)`) is a state to wait
    out: the stacks it names run in this round, the held stack again in the next."""
    progress = progress or Progress(lambda _: None)
    report = report or Report()
    updates = 0  # `up`s so far; a preview taken at this count is still current
    clean_at: dict[str, int] = {}
    for round_ in range(1, max_rounds + 1):
        report.rounds += 1
        held: dict[str, HeldBack] = {}
        ran = False
        for stack in order:
            if clean_at.get(stack) == updates:
                continue
            progress("preview", round_, stack)
            preview = runner.preview(stack)
            report.previews += 1
            if _stopped(stack, "preview", preview, held, report, progress, round_):
                continue
            if not preview.has_changes:
                clean_at[stack] = updates
                progress("no changes", round_, stack)
                continue
            progress(f"up ({describe(preview.changes)})", round_, stack)
            result = runner.up(stack)
            updates += 1
            report.ups.append(stack)
            ran = True
            if _stopped(stack, "up", result, held, report, progress, round_):
                continue
            progress("done", round_, stack)
        if not held and all(clean_at.get(s) == updates for s in order):
            progress(f"converged: {len(report.ups)} up(s) ({', '.join(report.ups) or 'none'}), "
                     f"{report.previews} preview(s), {round_} round(s), {report.seconds:.0f}s")
            return report
        if not ran and held:
            stack, why = next(iter(held.items()))
            raise FleetError(stack, "preview", f"{why.message}, and no stack of the fleet has anything left to "
                             "run: run the stacks it names (are they in the fleet?)", report)
    pending = [s for s in order if clean_at.get(s) != updates]
    raise FleetError(", ".join(pending), f"round {max_rounds}",
                     f"still not converged after {max_rounds} rounds (--max-rounds): these previews show changes "
                     "after every up; run `pulumi preview --diff` on them to see which", report)


def _stopped(stack: str, step: str, result: Result, held: dict[str, HeldBack], report: Report,
             progress: Progress, round_: int) -> bool:
    """Whether `result` stops this stack for this round: a hold-back (recorded) or a real error
    (raised)."""
    report.warnings[stack] = result.warnings
    if result.error is None:
        return False
    why = held_back(result.error)
    if why is None:
        raise FleetError(stack, f"{step} (round {round_})", result.error.strip(), report)
    held[stack] = report.held[stack] = why
    progress(f"held back ({why.step}), waiting for {', '.join(why.lagging) or 'its members'}", round_, stack)
    return True
