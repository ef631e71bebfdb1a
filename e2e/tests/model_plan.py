"""The fast tier's engine model, asked for its plan, in a process of its own (the model installs
Pulumi mocks, which must not meet the Automation API's runtime in the test process).

    python e2e/tests/model_plan.py CONFIGS_JSON
CONFIGS_JSON: a list of stack configs (`linkerd-multicluster:` keys, as in a stack file). The
model runs `pulumi stack init` and an `up` of each config but the last, then a preview of the
last, and prints that preview's plan: {"<type>::<name>": op} for every resource (with `--up`
after CONFIGS_JSON: the plan of an `up` of the last instead, whose chart values are known, as they
are in a preview of e2e/tests/install_program.py, which mints its certificates beforehand).
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from harness.engine import Engine  # noqa: E402


def main(configs: list[dict], up: bool = False) -> None:
    engine = Engine()
    engine.init("model")
    for config in configs[:-1]:
        engine.up("model", config, skip_preview=True)
    run = (engine.up if up else engine.preview)("model", configs[-1])
    print(json.dumps({f"{s.typ}::{s.name}": s.op for s in run.steps}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), up=sys.argv[2:] == ["--up"])
