"""Print the Mermaid topology diagram of a stack, from its settings file alone.

    .venv/bin/python tools/diagram.py Pulumi.east.yaml               # Mermaid source
    .venv/bin/python tools/diagram.py --markdown examples/Pulumi.mesh.yaml   # inside a ```mermaid fence

Reads the `linkerd-multicluster:<key>` entries of the file's `config:` map (nested YAML, as
`pulumi config set --path` writes them, or JSON text) through the program's own loader
(`components.config.loader.read_stack_file`, then `parse`: what `load` does without a kubeconfig)
and prints `components.diagram.mermaid`: the same text as the stack's `topologyDiagram` output.
No Pulumi CLI, cluster or kubeconfig is needed.

Exit status: 0 on success, 2 when the file cannot be read or its configuration is invalid (the
message names the file and the keys to fix).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `.venv/bin/python tools/diagram.py` from anywhere: find `components`
    sys.path.insert(0, str(ROOT))

from components.config.loader import parse, read_stack_file  # noqa: E402
from components.config.schema import ConfigError  # noqa: E402
from components.diagram import mermaid  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the Mermaid topology diagram of a stack settings file.")
    parser.add_argument("stack_file", type=Path, help="a Pulumi.<stack>.yaml of this project")
    parser.add_argument("--markdown", action="store_true", help="wrap the diagram in a ```mermaid fence")
    args = parser.parse_args(argv)

    try:
        config = parse(read_stack_file(args.stack_file))
    except ConfigError as e:
        print(f"error: {args.stack_file}: {e}", file=sys.stderr)
        return 2
    diagram = mermaid(config)
    print(f"```mermaid\n{diagram}```" if args.markdown else diagram, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
