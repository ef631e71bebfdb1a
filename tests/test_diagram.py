"""The topology diagram (components/diagram.py) and its CLI (tools/diagram.py)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from components.config.loader import parse, read_stack_file
from components.diagram import mermaid

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("diagram_cli", ROOT / "tools" / "diagram.py")
cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cli)

TWO_CLUSTERS = {
    "clusters": {
        "east": {"context": "east", "exports": [{"namespace": "test", "service": "foobar"}]},
        "west": {"context": "west", "exports": [{"namespace": "test", "service": "frontend"}]},
    },
    "links": [{"source": "west", "target": "east"}, {"source": "east", "target": "west"}],
}

TWO_CLUSTERS_DIAGRAM = """\
flowchart LR
  %% linkerd-multicluster: 2 cluster(s) in this stack, 2 link(s); arrows point from the mirroring cluster to the one it mirrors
  subgraph c1["east"]
    c1_gw{{"linkerd gateway (LoadBalancer :4143)"}}
    c1_e1(["test/foobar (gateway)"])
  end
  subgraph c2["west"]
    c2_gw{{"linkerd gateway (LoadBalancer :4143)"}}
    c2_e1(["test/frontend (gateway)"])
  end
  c1 -->|"gateway"| c2_gw
  c2 -->|"gateway"| c1_gw
"""


def stack_file(tmp_path: Path, config: dict, name: str = "Pulumi.test.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"config": {f"linkerd-multicluster:{k}": v for k, v in config.items()}}))
    return path


# -- the diagram ------------------------------------------------------------------------------------
def test_two_cluster_mesh():
    assert mermaid(parse(TWO_CLUSTERS)) == TWO_CLUSTERS_DIAGRAM


def test_output_does_not_depend_on_the_order_of_the_config():
    shuffled = {
        "clusters": {
            "west": TWO_CLUSTERS["clusters"]["west"],
            "east": {"context": "east", "exports": [{"namespace": "zz", "service": "last"},
                                                    {"namespace": "test", "service": "foobar"}]},
        },
        "links": list(reversed(TWO_CLUSTERS["links"])),
    }
    text = mermaid(parse(shuffled))
    east = text[text.index('subgraph c1["east"]'):text.index("  end")]
    assert east.index("test/foobar") < east.index("zz/last")
    assert text.index("c1 -->") < text.index("c2 -->")


def test_gateway_less_target_emissary_gateway_and_fixed_addresses():
    config = parse({
        "clusters": {
            "east": {"context": "east", "gateway": {"type": "none"},
                     "exports": [{"namespace": "test", "service": "foobar", "mode": "remote-discovery"}]},
            "north": {"context": "north", "gateway": {"type": "emissary", "emissary": {
                "existing": {"namespace": "ambassador", "name": "ambassador"}}}},
            "west": {"context": "west", "gateway": {"serviceType": "NodePort", "addresses": ["192.0.2.1", "192.0.2.2"], "port": 30143}},
        },
        "links": [{"source": "west", "target": "east"}, {"source": "east", "target": "north"},
                  {"source": "east", "target": "west"}],
    })
    lines = mermaid(config).splitlines()
    assert '    c1_gw["no gateway"]' in lines
    assert '    c1_e1(["test/foobar (remote-discovery)"])' in lines
    assert '    c2_gw{{"emissary gateway (existing ambassador/ambassador)"}}' in lines
    assert '    c3_gw{{"linkerd gateway 192.0.2.1 192.0.2.2 (NodePort :30143)"}}' in lines
    # Remote discovery: dotted, to the cluster (no gateway); gateway links: solid, into the gateway.
    assert '  c3 -.->|"remote discovery"| c1' in lines
    assert '  c1 -->|"gateway"| c2_gw' in lines
    assert '  c1 -->|"gateway"| c3_gw' in lines


def test_clusters_of_other_stacks_are_external_nodes():
    config = parse({
        "clusters": {"east": {"context": "east", "exports": [{"namespace": "test", "service": "foobar"}]}},
        "links": [{"source": "west", "target": "east"},
                  {"source": "east", "target": "north", "targetStack": "acme/linkerd-multicluster/north"}],
    })
    lines = mermaid(config).splitlines()
    assert '  x1["north<br/>(stack acme/linkerd-multicluster/north)"]' in lines
    assert '  x2["west<br/>(another stack)"]' in lines
    assert '  x2 -->|"gateway"| c1_gw' in lines            # west mirrors east through east's gateway
    assert '  c1 -->|"kind set by target stack"| x1' in lines  # north's gateway is not in this config
    assert lines[-2:] == ["  classDef external stroke-dasharray: 5 5", "  class x1,x2 external"]


def test_labels_cannot_break_out_of_their_quotes():
    config = parse({"clusters": {"east": {"context": "east", "gateway": {"addresses": ['gw"]; x["pwned']}}}})
    assert 'gw#quot;]; x[#quot;pwned' in mermaid(config)
    assert '"pwned' not in mermaid(config)


def test_topology_key_is_expanded_before_drawing():
    config = parse({"clusters": {n: {"context": n} for n in ("a", "b", "c")}, "topology": {"hub": "a"}})
    arrows = [l for l in mermaid(config).splitlines() if "-->" in l]
    assert arrows == ['  c1 -->|"gateway"| c2_gw', '  c1 -->|"gateway"| c3_gw',
                      '  c2 -->|"gateway"| c1_gw', '  c3 -->|"gateway"| c1_gw']


# -- the CLI -----------------------------------------------------------------------------------------
def test_cli_runs_from_the_repo_root_on_a_shipped_stack_file():
    proc = subprocess.run([sys.executable, "tools/diagram.py", "Pulumi.east.yaml"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == mermaid(parse(read_stack_file(ROOT / "Pulumi.east.yaml")))
    assert proc.stdout.startswith("flowchart LR\n")


@pytest.mark.parametrize("stack", ["Pulumi.east.yaml", "Pulumi.west.yaml", "examples/Pulumi.mesh.yaml",
                                   *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").rglob("Pulumi.*.yaml"))])
def test_every_shipped_stack_file_draws_as_the_readme_runs_it(stack):
    """`verify: none` and other plain strings stay strings, as the CLI passes them to the program."""
    proc = subprocess.run([sys.executable, "tools/diagram.py", "--markdown", stack], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("```mermaid\nflowchart LR\n")


def test_cli_prints_the_diagram_and_a_markdown_fence(tmp_path, capsys):
    path = stack_file(tmp_path, TWO_CLUSTERS)
    assert cli.main([str(path)]) == 0
    assert capsys.readouterr().out == TWO_CLUSTERS_DIAGRAM
    assert cli.main(["--markdown", str(path)]) == 0
    assert capsys.readouterr().out == f"```mermaid\n{TWO_CLUSTERS_DIAGRAM}```"


def test_cli_accepts_json_text_values(tmp_path, capsys):
    import json

    path = tmp_path / "Pulumi.json.yaml"
    path.write_text(yaml.safe_dump({"config": {
        "linkerd-multicluster:clusters": json.dumps(TWO_CLUSTERS["clusters"]),
        "linkerd-multicluster:links": json.dumps(TWO_CLUSTERS["links"]),
        "kubernetes:context": "ignored",  # another namespace's setting
    }}))
    assert cli.main([str(path)]) == 0
    assert capsys.readouterr().out == TWO_CLUSTERS_DIAGRAM


@pytest.mark.parametrize("content, message", [
    (None, "cannot read it"),
    ("config: [not, a, map]\n", "`config:` map"),
    ("config:\n  linkerd-multicluster:clusters: {east: {context: east}\n", "not valid YAML"),
    ("config:\n  linkerd-multicluster:clustres: {}\n", "linkerd-multicluster:clustres: unknown key"),
    ("config:\n  linkerd-multicluster:links: []\n", "linkerd-multicluster:clusters: required key is missing"),
    ("config:\n  linkerd-multicluster:clusters: {East: {context: east}}\n", "cluster name 'East'"),
    ("config:\n  linkerd-multicluster:clusters: {east: {context: east}}\n"
     "  linkerd-multicluster:links: [{source: east, target: west}]\n", "links[0].target"),
])
def test_cli_invalid_stack_file_exits_2_naming_the_file(tmp_path, capsys, content, message):
    path = tmp_path / "Pulumi.bad.yaml"
    if content is not None:
        path.write_text(content)
    assert cli.main([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: {path}: ")
    assert message in captured.err
