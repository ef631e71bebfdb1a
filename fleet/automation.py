"""The fleet's `Runner` on the Pulumi Automation API: the project directory as a local program
(`pulumi.automation.LocalWorkspace(work_dir=…)`), so every stack runs `__main__.py` with its own
`Pulumi.<stack>.yaml`, exactly as `pulumi up -s <stack>` in that directory would.

Written against pulumi 3.272's `pulumi/automation` (`_local_workspace.py`, `_stack.py`, `events.py`):
`Stack.up` is `pulumi up --yes --skip-preview` (the fleet previews first itself), `Stack.preview`
returns the engine's summary event's `resource_changes`, and both stream engine events, of which
the diagnostics carry the program's warnings and errors. NOT RUN against a real Pulumi CLI: the
real tier has the CLI, but a local program needs the Python language host, and the program needs
the pulumi-tls provider, both refused by the Go module proxy (e2e/REFUSED.md); its pure parts are
tested (tests/test_fleet.py).
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from components.config.schema import PROJECT

from .runner import Result
from .summary import fleet_changes


class CliMissing(Exception):
    """No usable Pulumi CLI: the Automation API drives the `pulumi` binary on the PATH."""


def diagnostics(events: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(warnings, errors) of a run, from its engine events (`EngineEvent.diagnostic_event`)."""
    warnings, errors = [], []
    for event in events:
        diagnostic = getattr(event, "diagnostic_event", None)
        if diagnostic is None or diagnostic.ephemeral:
            continue
        message = diagnostic.message.strip()
        if diagnostic.severity == "warning":
            warnings.append(message)
        elif diagnostic.severity == "error":
            errors.append(message)
    return tuple(dict.fromkeys(warnings)), tuple(dict.fromkeys(errors))


def config_value(value: object) -> str:
    """A value as `pulumi config set --path` takes it on its command line: text as it is, numbers
    and booleans as JSON (the CLI stores `--path` values that look like them as such)."""
    return value if isinstance(value, str) else json.dumps(value)


class AutomationRunner:
    def __init__(self, work_dir: Path, organization: Optional[str] = None, policy_packs: Sequence[str] = (),
                 on_output: Optional[Callable[[str], None]] = None):
        from pulumi import automation as auto

        self.auto = auto
        self.organization = organization
        self.policy_packs = list(policy_packs) or None
        self.on_output = on_output
        try:
            self.workspace = auto.LocalWorkspace(work_dir=str(work_dir))
        except (OSError, subprocess.CalledProcessError, auto.errors.InvalidVersionError) as e:  # no CLI, or too old
            raise CliMissing(f"the Pulumi CLI could not be run ({e}); install it (3.272.0 or later) and "
                             "put `pulumi` on the PATH") from None

    def _name(self, stack: str) -> str:
        # On Pulumi Cloud a stack of another organization than the user's is `<org>/<stack>`.
        return f"{self.organization}/{stack}" if self.organization else stack

    def _select(self, stack: str):
        return self.auto.Stack.select(self._name(stack), self.workspace)

    def ensure_stack(self, stack: str) -> bool:
        try:
            self._select(stack)
            return False
        except self.auto.errors.StackNotFoundError:
            self.auto.Stack.create(self._name(stack), self.workspace)
            return True

    def preview(self, stack: str) -> Result:
        return self._run(stack, lambda s, on_event: s.preview(
            on_event=on_event, color="never", policy_packs=self.policy_packs, on_output=self.on_output).change_summary)

    def up(self, stack: str) -> Result:
        return self._run(stack, lambda s, on_event: s.up(
            on_event=on_event, color="never", policy_packs=self.policy_packs, on_output=self.on_output).summary.resource_changes)

    def _run(self, stack: str, run: Callable[[Any, Callable[[Any], None]], Any]) -> Result:
        events: list[Any] = []
        try:
            changes = run(self._select(stack), events.append) or {}
        except self.auto.errors.CommandError as e:
            warnings, errors = diagnostics(events)
            return Result(warnings=warnings, error="\n".join(errors) or str(e))
        warnings, _ = diagnostics(events)
        return Result(changes=fleet_changes(changes), warnings=warnings)

    def set_config(self, stack: str, key: str, value: object) -> None:
        full = f"{PROJECT}:{key}"
        if value is None:
            self.workspace.remove_config(self._name(stack), full, path=True)
        else:
            self.workspace.set_config(self._name(stack), full,
                                      self.auto.ConfigValue(value=config_value(value)), path=True)
