"""What the fleet needs from Pulumi, as a small interface: the Automation API implements it for
the real CLI (`automation.py`), the tests on the engine model (`tests/harness/fleet_runner.py`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Protocol

CHANGE_KINDS = ("create", "update", "replace", "delete")


@dataclass(frozen=True)
class Result:
    """What one `preview` or `up` of one stack reported."""

    changes: dict[str, int] = field(default_factory=dict)
    """Resources per kind of change (`create`, `update`, `replace`, `delete`); zero counts left out."""
    warnings: tuple[str, ...] = ()
    error: Optional[str] = None
    """The error that stopped it (the program's or the engine's message), None if it succeeded."""

    @property
    def has_changes(self) -> bool:
        return any(self.changes.get(k) for k in CHANGE_KINDS)


class Runner(Protocol):
    def ensure_stack(self, stack: str) -> bool:
        """`pulumi stack init` unless the stack exists; True if it was created."""

    def preview(self, stack: str) -> Result:
        ...

    def up(self, stack: str) -> Result:
        """`pulumi up` without its own preview: the fleet previewed the stack just before."""

    def set_config(self, stack: str, key: str, value: object) -> None:
        """Set (or, with None, remove) `linkerd-multicluster:<key>` (a `--path` key) in the
        stack's settings file, so the change is in `Pulumi.<stack>.yaml` for review."""
