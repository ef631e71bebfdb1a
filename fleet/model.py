"""What a first deployment will run, predicted from the config alone: the trust-and-link protocol as
a few facts per stack, behind the same `Runner` interface, driven by the same `converge`. The plan
prints it; the tests hold it to what the engine model really runs.

The facts, from docs/trust.md's "Keys stay home" and components/mesh.py: a member's first `up`
publishes its issuer requests; the anchor's stack installs its own clusters at once and signs every
request published so far; a member installs once its request is signed; an installed stack grants
access to every stack that links to it; a stack links to a target stack once that stack is
installed and has granted it.
"""
from __future__ import annotations

from .converge import converge
from .runner import Result
from .stacks import Fleet


class ProtocolModel:
    def __init__(self, fleet: Fleet):
        self.fleet = fleet
        self.published: set[str] = set()
        self.signed: set[str] = set()
        self.installed: set[str] = set()
        self.granted: set[tuple[str, str]] = set()
        """(target stack, source stack)."""
        self.linked: set[tuple[str, str]] = set()
        """(source stack, target stack)."""

    def _sources(self, target: str) -> set[str]:
        return {n for n, s in self.fleet.stacks.items() if target in s.link_targets}

    def _next(self, name: str) -> dict[str, set]:
        """What an `up` of `name` would add to each fact, now."""
        stack = self.fleet.stacks[name]
        new: dict[str, set] = {"published": set(), "signed": set(), "installed": set(), "granted": set(),
                               "linked": set()}
        if stack.owns_trust:
            new["installed"] = {name} - self.installed
            new["signed"] = {m for m in self.fleet.members_of(name) if m in self.published} - self.signed
        else:
            new["published"] = {name} - self.published
            if name in self.signed:
                new["installed"] = {name} - self.installed
        if name in self.installed or new["installed"]:
            new["granted"] = {(name, s) for s in self._sources(name)} - self.granted
            new["linked"] = {(name, t) for t in stack.link_targets
                             if t in self.installed and (t, name) in self.granted} - self.linked
        return new

    def preview(self, stack: str) -> Result:
        changes = sum(len(v) for v in self._next(stack).values())
        return Result(changes={"create": changes} if changes else {})

    def up(self, stack: str) -> Result:
        for fact, added in self._next(stack).items():
            getattr(self, fact).update(added)
        return Result()

    def ensure_stack(self, stack: str) -> bool:
        return False

    def set_config(self, stack: str, key: str, value: object) -> None:
        raise NotImplementedError("the model predicts deployments, not config changes")


def first_deployment(fleet: Fleet, order: list[str], max_rounds: int) -> list[str]:
    """The `up`s `fleet up` runs on stacks that were never deployed."""
    return converge(ProtocolModel(fleet), order, max_rounds=max_rounds).ups
