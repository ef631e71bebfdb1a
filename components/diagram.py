"""A Mermaid flowchart of a stack's mesh, for READMEs, pull-request descriptions and the
`topologyDiagram` stack output.

Drawn from the validated `MeshConfig` alone (no cloud state), so it is known in a first preview and
`tools/diagram.py` can print it for a stack file without running anything. What it shows:
- one subgraph per cluster of this stack, holding its gateway (hexagon: its type, fixed
  addresses, and Service type and port, or which Emissary; "no gateway" when `gateway.type: none`) and its exported Services with their mode (stadium shapes);
- one arrow per link, from the source (the cluster that mirrors) to the target (whose Services are
  mirrored), which is also the direction of the mirrored traffic: a solid arrow into the target's
  gateway for a gateway link, a dotted arrow to the target cluster for remote discovery (pods
  reached directly, when the target has no gateway);
- clusters of other stacks (a link's `targetStack`, or a source that this stack only grants access
  to) as dashed external nodes, labelled with their stack where the config names it. Whether such a
  link goes through a gateway is decided by that stack's config, so its arrow says so.

The output is deterministic (clusters, Services, links sorted), so a diff of it in a pull request
shows exactly the topology change. Node ids are positional (`c1`, `c1_gw`, `c1_e1`, `x1`) because
Mermaid ids cannot carry every character of a name; names appear only in labels.
"""
from __future__ import annotations

from .config.schema import ClusterConfig, GatewayConfig, LinkConfig, MeshConfig

GATEWAY = "gateway"
REMOTE_DISCOVERY = "remote discovery"
EXTERNAL = "kind set by target stack"
"""Label of a link whose target another stack installs: its gateway type is not in this config."""


def _text(value: str) -> str:
    """A label safe inside Mermaid's double quotes (its entity codes, not backslashes)."""
    return value.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def link_kind(config: MeshConfig, link: LinkConfig) -> str:
    """`gateway`, `remote discovery`, or `kind set by target stack` for a target this config does not hold."""
    target = config.clusters.get(link.target)
    if target is None:
        return EXTERNAL
    return GATEWAY if target.gateway.type != "none" else REMOTE_DISCOVERY


def _gateway_label(gateway: GatewayConfig) -> str:
    if gateway.type == "none":
        return "no gateway"
    if gateway.type == "emissary" and gateway.emissary is not None:
        existing, install = gateway.emissary.existing, gateway.emissary.install
        detail = (f"existing {existing.namespace}/{existing.name}" if existing is not None
                  else f"installed {install.version} in {install.namespace}" if install is not None else "")
    else:
        detail = f"{gateway.service_type} :{gateway.port}"
    where = " ".join(gateway.addresses)
    return f"{gateway.type} gateway {where + ' ' if where else ''}({detail})"


def _cluster_lines(node: str, name: str, cluster: ClusterConfig) -> list[str]:
    shape = ("{{", "}}") if cluster.gateway.type != "none" else ("[", "]")
    lines = [
        f'  subgraph {node}["{_text(name)}"]',
        f'    {node}_gw{shape[0]}"{_text(_gateway_label(cluster.gateway))}"{shape[1]}',
    ]
    exports = sorted(cluster.exports, key=lambda e: (e.namespace, e.service))
    for i, export in enumerate(exports, 1):
        lines.append(f'    {node}_e{i}(["{_text(f"{export.namespace}/{export.service} ({export.mode})")}"])')
    lines.append("  end")
    return lines


def mermaid(config: MeshConfig) -> str:
    """The Mermaid `flowchart` source of the mesh (see the module docstring), ending in a newline."""
    local = {name: f"c{i}" for i, name in enumerate(sorted(config.clusters), 1)}

    # Clusters named by links but installed elsewhere, with the stacks the config names for them.
    external_stacks: dict[str, set[str]] = {}
    for link in config.links:
        for end, stack in ((link.source, None), (link.target, link.target_stack)):
            if end not in config.clusters:
                external_stacks.setdefault(end, set())
                if stack:
                    external_stacks[end].add(stack)
    external = {name: f"x{i}" for i, name in enumerate(sorted(external_stacks), 1)}

    links = sorted(config.links, key=lambda l: (l.source, l.target))
    lines = [
        "flowchart LR",
        # After the diagram type: some Mermaid renderers reject anything before it.
        f"  %% linkerd-multicluster: {len(config.clusters)} cluster(s) in this stack, {len(links)} link(s); "
        "arrows point from the mirroring cluster to the one it mirrors",
    ]
    for name in sorted(config.clusters):
        lines += _cluster_lines(local[name], name, config.clusters[name])
    for name in sorted(external_stacks):
        stacks = sorted(external_stacks[name])
        where = f"stack {', '.join(stacks)}" if stacks else "another stack"
        lines.append(f'  {external[name]}["{_text(name)}<br/>({_text(where)})"]')

    for link in links:
        source = local.get(link.source) or external[link.source]
        kind = link_kind(config, link)
        if kind == GATEWAY:
            lines.append(f'  {source} -->|"{kind}"| {local[link.target]}_gw')
        elif kind == REMOTE_DISCOVERY:
            lines.append(f'  {source} -.->|"{kind}"| {local[link.target]}')
        else:
            lines.append(f'  {source} -->|"{kind}"| {external[link.target]}')

    if external:
        lines.append("  classDef external stroke-dasharray: 5 5")
        lines.append(f"  class {','.join(external[n] for n in sorted(external))} external")
    return "\n".join(lines) + "\n"
