"""Pure decisions of the fleet: the order of a round, what a rotation step changes, and what a
hold-back message of the program says. No Pulumi call here; `converge.py` runs what this decides.

Why this order (docs/stacks.md, "Per-cluster stacks", and docs/trust.md, "Keys stay home"): a member publishes its issuer
request, the anchor's stack signs it, the member installs with that certificate; a stack that links
to another stack's cluster can create the Link once that stack has installed its cluster and
granted the access. So within one round the members go first (their requests are then signed in
the same round), the anchor's stack last; and among the members, a link's target before its
source where a cycle allows it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .stacks import Fleet

# -- the order of a round ----------------------------------------------------------------------

def deploy_order(fleet: Fleet) -> list[str]:
    """The order in which one round of `fleet up` visits the stacks.

    Hard rule: every member before its anchor's stack. Soft rule: a link's target stack before
    its source, so the source's Link can be created in the same round. Links form cycles (a full
    mesh links both ways), and a stack placed before one of its targets needs one more round for
    that link; when every remaining stack still waits for a target, the one placed is the one
    the most remaining stacks link to (a hub then costs one extra `up`, not one per spoke), ties
    in the anchor's `trust.members` order. Links to the own anchor's stack need no rule: it
    installs its clusters in its first round, before any member can.
    """
    preference = _preference(fleet)
    placed: list[str] = []
    remaining = list(preference)

    def soft_targets(name: str) -> set[str]:
        stack = fleet.stacks[name]
        return {t for t in stack.link_targets if t != stack.anchor and t in fleet.stacks}

    while remaining:
        ready = [n for n in remaining
                 if all(m in placed for m in fleet.members_of(n) if fleet.stacks[n].owns_trust)]
        free = [n for n in ready if soft_targets(n) <= set(placed)]
        if free:
            pick = free[0]
        else:
            def awaited(n: str) -> int:
                return sum(1 for r in remaining if r != n and n in soft_targets(r))
            pick = max(ready, key=lambda n: (awaited(n), -preference.index(n)))
        placed.append(pick)
        remaining.remove(pick)
    return placed


def _preference(fleet: Fleet) -> list[str]:
    """Members in their anchor's `trust.members` order, then the stacks that own their trust,
    then the rest, each group in the fleet's order."""
    out: list[str] = []
    for anchor in fleet.anchors():
        out += [m for m in fleet.members_of(anchor) if m not in out]
    out += [n for n in fleet.anchors() if n not in out]
    out += [n for n in fleet.stacks if n not in out]
    return out


def rotation_order(fleet: Fleet, anchor: str) -> list[str]:
    """A rotation step: the anchor's stack, then every member (docs/trust.md, "Rotating the trust anchor")."""
    return [anchor, *fleet.members_of(anchor)]


def rotation_anchor(fleet: Fleet, wanted: Optional[str] = None) -> str:
    """The stack whose anchor is rotated: `wanted`, or the only stack of the fleet with members."""
    candidates = [n for n in fleet.anchors() if fleet.members_of(n)]
    if wanted is not None:
        if wanted not in fleet.stacks or not fleet.stacks[wanted].owns_trust:
            raise ValueError(f"stack {wanted!r} does not own a trust anchor in this fleet (it has trust.fromStack, "
                             "or is not in the fleet)")
        candidates = [wanted]
    if len(candidates) != 1:
        found = ", ".join(candidates) or "none"
        raise ValueError(f"name the stack whose anchor to rotate with --anchor (stacks with trust.members: {found})")
    anchor = candidates[0]
    missing = [m.stack for m in fleet.stacks[anchor].config.trust.members if m.stack in fleet.outside]
    if missing:
        raise ValueError(f"members of {anchor} outside the fleet: {', '.join(missing)}; a rotation step is held back "
                         "until every member has run, so add their stacks to the fleet")
    return anchor


# -- rotation steps ----------------------------------------------------------------------------

STEPS = ("add-anchor", "reissue-issuers", "finish")
"""The three steps of an anchor rotation (docs/trust.md, "Rotating the trust anchor")."""

AFTER_STEP = {
    "add-anchor": "restart workloads in every cluster: their proxies must load the bundle with the new anchor",
    "reissue-issuers": "wait for proxies to renew their certificates (24 h issuance lifetime)",
    "finish": "restart workloads in every cluster again: the old anchor has left the bundle",
}
"""What docs/trust.md says to do after each step, before the next one."""


@dataclass(frozen=True)
class ConfigEdit:
    key: str
    """A `pulumi config set --path` key under the project namespace, e.g. `trust.rotation`."""
    value: object
    """The new value; None removes the key."""


def step_edits(rotation: Optional[str], generation: int, step: str) -> list[ConfigEdit]:
    """The stack-file edits that move the anchor's stack from its current rotation state to `step`
    (none when it is there already: the step is run again). Steps are never skipped: that is the
    outage linkerd/linkerd2#4287 describes, and the program refuses a skipped step 2 anyway."""
    if step not in STEPS:
        raise ValueError(f"unknown rotation step {step!r}; the steps are {', '.join(STEPS)}")
    current = rotation or "none"
    if step == "add-anchor":
        if rotation is None:
            return [ConfigEdit("trust.rotation", "add-anchor")]
        if rotation == "add-anchor":
            return []
    elif step == "reissue-issuers":
        if rotation == "add-anchor":
            return [ConfigEdit("trust.rotation", "reissue-issuers")]
        if rotation == "reissue-issuers":
            return []
    elif rotation == "reissue-issuers":
        return [ConfigEdit("trust.anchorGeneration", generation + 1), ConfigEdit("trust.rotation", None)]
    previous = STEPS[STEPS.index(step) - 1] if step != "add-anchor" else None
    needs = f"after {previous}" if previous else "with no rotation in progress"
    raise ValueError(f"rotation step {step} runs {needs}; the anchor's stack is at trust.rotation: {current}")


def rotation_plan(rotation: Optional[str], generation: int, steps: list[str]) -> list[tuple[str, list[ConfigEdit]]]:
    """Each step with its edits, the state carried from one step to the next: the whole sequence
    is checked before the first edit is made."""
    out = []
    for step in steps:
        edits = step_edits(rotation, generation, step)
        for edit in edits:
            if edit.key == "trust.rotation":
                rotation = edit.value  # type: ignore[assignment]
            else:
                generation = int(edit.value)  # type: ignore[call-overload]
        out.append((step, edits))
    return out


def remaining_steps(rotation: Optional[str]) -> list[str]:
    """`rotate --all`: every step from the current state (the current step is run again: it may
    not have gone through every member)."""
    if rotation is None:
        return list(STEPS)
    return list(STEPS[STEPS.index(rotation):])


# -- what the program says -----------------------------------------------------------------------

# components/trust_exchange.py gate_on_members: "trust rotation held back (<step>): <stack> does not
# trust the new anchor yet (…); <stack> still runs cluster … . Run `pulumi up` on those stacks …"
_HELD_BACK = re.compile(r"trust rotation held back \((?P<step>[^)]*)\): (?P<why>.*?)\. Run `pulumi up` on those stacks",
                        re.S)
_STACK_REF = re.compile(r"(?<![\w./-])[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?![\w/-])")


@dataclass(frozen=True)
class HeldBack:
    step: str
    lagging: tuple[str, ...]
    """The stacks named as lagging, fully qualified."""
    message: str


def held_back(message: str) -> Optional[HeldBack]:
    """The program's hold-back, if `message` is one: an expected state while a rotation converges
    (the lagging members run, then the anchor's stack again), not an error."""
    m = _HELD_BACK.search(message)
    if m is None:
        return None
    return HeldBack(m.group("step"), tuple(dict.fromkeys(_STACK_REF.findall(m.group("why")))),
                    " ".join(m.group(0).split()))
