"""The fleet's `Runner` on the engine model: what `fleet/automation.py` does with the Pulumi CLI,
done on `engine.Engine` with each stack's config held in memory (as its stack file would be)."""
from __future__ import annotations

import copy
from typing import Any

from fleet.runner import Result

from .engine import Engine


class EngineRunner:
    def __init__(self, engine: Engine, configs: dict[str, dict[str, Any]]):
        self.engine = engine
        self.configs = configs
        """Each stack's `linkerd-multicluster:` keys, by stack name; `set_config` edits them."""
        self.calls: list[tuple[str, str]] = []
        """(operation, stack) in the order the fleet asked for them."""

    def ensure_stack(self, stack: str) -> bool:
        self.calls.append(("init", stack))
        created = self.engine.fq(stack) not in self.engine.stacks
        self.engine.init(stack)
        return created

    def preview(self, stack: str) -> Result:
        self.calls.append(("preview", stack))
        return self._run(stack, preview=True)

    def up(self, stack: str) -> Result:
        self.calls.append(("up", stack))
        return self._run(stack, preview=False)

    def _run(self, stack: str, preview: bool) -> Result:
        try:
            if preview:
                run = self.engine.preview(stack, self.configs[stack])
            else:  # the Automation API's `up` is `pulumi up --skip-preview`
                run = self.engine.up(stack, self.configs[stack], skip_preview=True)
        except Exception as e:  # noqa: BLE001 - the CLI reports any failure as the run's error
            return Result(error=str(e))
        changes = {op: len(names) for op, names in run.plan().items()}
        return Result(changes=changes, warnings=tuple(run.warnings))

    def set_config(self, stack: str, key: str, value: object) -> None:
        self.calls.append(("config", stack))
        node = self.configs[stack]
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)

    def ups(self) -> list[str]:
        return [s for op, s in self.calls if op == "up"]
