"""Print the Mermaid topology diagram of a stack, from its settings file alone.

    .venv/bin/python tools/diagram.py Pulumi.east.yaml               # Mermaid source
    .venv/bin/python tools/diagram.py --markdown examples/Pulumi.mesh.yaml   # inside a ```mermaid fence

Reads the `linkerd-multicluster:<key>` entries of the file's `config:` map (nested YAML, as
`pulumi config set --path` writes them, or JSON text), validates them exactly as the program does
(`components.config.parse`) and prints `components.diagram.mermaid`: the same text as the stack's
`topologyDiagram` output. No Pulumi CLI, cluster or kubeconfig is needed.

Exit status: 0 on success, 2 when the file cannot be read or its configuration is invalid (the
message names the file and the keys to fix).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `.venv/bin/python tools/diagram.py` from anywhere: find `components`
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from components.config import PROJECT, TOP_LEVEL_KEYS, ConfigError, cli_value, parse  # noqa: E402
from components.diagram import mermaid  # noqa: E402


class StackFileError(Exception):
    """The stack file is unreadable or does not hold a valid configuration."""


def read_stack_config(path: Path) -> dict[str, Any]:
    """The file's `linkerd-multicluster:` keys as plain objects, checked like `config.load` does."""
    try:
        doc = yaml.safe_load(path.read_text())
    except OSError as e:
        raise StackFileError(f"cannot read it: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise StackFileError(f"not valid YAML: {e}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict) or not isinstance(doc.get("config", {}), dict):
        raise StackFileError("expected a stack settings file with a `config:` map")

    prefix = f"{PROJECT}:"
    raw: dict[str, Any] = {}
    problems = []
    for key, value in (doc.get("config") or {}).items():
        if not isinstance(key, str) or not key.startswith(prefix):
            continue  # other projects' or providers' settings (e.g. kubernetes:context)
        name = key[len(prefix):]
        if name not in TOP_LEVEL_KEYS:
            problems.append(f"  {key}: unknown key; known keys are {', '.join(TOP_LEVEL_KEYS)}")
            continue
        # The value as the Pulumi CLI hands it to the program (a plain string raw, anything else
        # as JSON text), read back by the program's own `cli_value`: the tool sees what the
        # program sees, e.g. `verify: none` stays a string and a JSON-text map becomes a map.
        try:
            value = cli_value(value if isinstance(value, str) else json.dumps(value), key)
        except ConfigError as e:
            problems.append("  " + str(e).splitlines()[-1].strip())
            continue
        raw[name] = value
    if problems:
        raise StackFileError("invalid stack configuration:\n" + "\n".join(problems))
    if "clusters" not in raw:
        raise StackFileError(
            f"invalid stack configuration:\n  {prefix}clusters: required key is missing; "
            "list the clusters this stack installs"
        )
    return raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the Mermaid topology diagram of a stack settings file.")
    parser.add_argument("stack_file", type=Path, help="a Pulumi.<stack>.yaml of this project")
    parser.add_argument("--markdown", action="store_true", help="wrap the diagram in a ```mermaid fence")
    args = parser.parse_args(argv)

    try:
        config = parse(read_stack_config(args.stack_file))
    except (StackFileError, ConfigError) as e:
        print(f"error: {args.stack_file}: {e}", file=sys.stderr)
        return 2
    diagram = mermaid(config)
    print(f"```mermaid\n{diagram}```" if args.markdown else diagram, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
