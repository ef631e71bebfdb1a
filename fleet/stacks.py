"""The fleet as its stack files describe it: which stack owns the trust, who is a member, who links
to whom. Read with the program's own loader, so a stack the program would refuse is refused here
before anything runs, with the same message."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python -m fleet` from another directory: find `components`
    sys.path.insert(0, str(ROOT))

from components.config.loader import parse, read_stack_file  # noqa: E402
from components.config.schema import PROJECT, ConfigError, MeshConfig  # noqa: E402
from components.config.supplied_certs import CertificateConfigError  # noqa: E402

__all__ = ["FleetConfigError", "Stack", "Fleet", "load_fleet", "stack_files", "from_configs"]


class FleetConfigError(Exception):
    """A stack file the fleet cannot use (unreadable, invalid, or naming stacks in a way it cannot follow)."""


@dataclass(frozen=True)
class Stack:
    name: str
    """The stack's name (`east`), as in `Pulumi.east.yaml` and `pulumi up -s east`."""
    config: MeshConfig
    from_stack: Optional[str] = None
    """`trust.fromStack` as written (fully qualified): this stack is a member of that one."""
    anchor: Optional[str] = None
    """The short name of that stack, when it is in the fleet."""
    members: tuple[str, ...] = ()
    """Short names of this stack's members (`trust.members`), in the order listed there."""
    link_targets: tuple[str, ...] = ()
    """Short names of the stacks this stack links to (`links[].targetStack`)."""

    @property
    def owns_trust(self) -> bool:
        return self.from_stack is None


@dataclass(frozen=True)
class Fleet:
    stacks: dict[str, Stack]
    """By short name, in the order given (command line, or stack files by name)."""
    outside: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Stacks the config names that are not in the fleet, with who names them (fully qualified)."""

    def anchors(self) -> list[str]:
        return [n for n, s in self.stacks.items() if s.owns_trust]

    def members_of(self, anchor: str) -> list[str]:
        """Members in the anchor's `trust.members` order (the docs' order for its examples),
        then any stack whose `fromStack` names it without being listed (its run will say so)."""
        listed = [m for m in self.stacks[anchor].members if m in self.stacks]
        return listed + [n for n, s in self.stacks.items() if s.anchor == anchor and n not in listed]


def short_name(reference: str) -> Optional[str]:
    """`org/linkerd-multicluster/east` -> `east`; None for another project's stack. The organization
    is not compared: on a local backend it is always `organization`, and the fleet runs in one
    backend, where a project's stack names are unique."""
    _, project, stack = reference.split("/")
    return stack if project == PROJECT else None


def _mask_secure(value: Any) -> tuple[Any, bool]:
    """`{secure: …}` values replaced by a placeholder: the fleet reads only trust and links, and
    must not need the passphrase to plan."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return "[secret]", True
        pairs = {k: _mask_secure(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_mask_secure(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def parse_stack_config(raw: dict[str, Any], where: str) -> MeshConfig:
    masked, had_secrets = _mask_secure(raw)
    try:
        try:
            return parse(masked)
        except CertificateConfigError:
            if not had_secrets:
                raise
            # A secret key cannot be checked without decrypting it; the program checks it when it runs.
            return MeshConfig.model_validate(masked)
    except Exception as e:  # ConfigError, or pydantic's ValidationError from the fallback
        raise FleetConfigError(f"{where}: {e}") from None


def stack_files(directory: Path) -> dict[str, Path]:
    """`Pulumi.<stack>.yaml` of the project directory, by stack name, sorted (as the CI workflow finds them)."""
    return {p.name[len("Pulumi."):-len(".yaml")]: p for p in sorted(directory.glob("Pulumi.*.yaml"))}


def from_configs(configs: dict[str, MeshConfig]) -> Fleet:
    """The fleet of these stacks (by short name, in the order given)."""
    outside: dict[str, list[str]] = {}
    stacks = {}

    def resolve(reference: str, named_by: str) -> Optional[str]:
        name = short_name(reference)
        if name is None or name not in configs:
            outside.setdefault(reference, []).append(named_by)
            return None
        return name

    for name, config in configs.items():
        trust = config.trust
        anchor = resolve(trust.from_stack, name) if trust.from_stack else None
        members = tuple(m for m in (resolve(member.stack, name) for member in trust.members) if m is not None)
        targets = []
        for link in config.links:
            if link.target_stack is not None:
                target = resolve(link.target_stack, name)
                if target is not None and target not in targets:
                    targets.append(target)
        stacks[name] = Stack(name, config, trust.from_stack, anchor, members, tuple(targets))
    return Fleet(stacks, {k: tuple(v) for k, v in outside.items()})


def load_fleet(directory: Path, names: Optional[list[str]] = None) -> Fleet:
    """The stacks named (or every `Pulumi.<stack>.yaml` of `directory`), each read and validated."""
    files = stack_files(directory)
    if names:
        missing = [n for n in names if n not in files]
        if missing:
            raise FleetConfigError(f"no stack file for {', '.join(missing)} in {directory} "
                                   f"(found: {', '.join(files) or 'none'})")
        files = {n: files[n] for n in names}
    if not files:
        raise FleetConfigError(f"no Pulumi.<stack>.yaml in {directory}")
    configs = {}
    for name, path in files.items():
        try:
            configs[name] = parse_stack_config(read_stack_file(path), path.name)
        except ConfigError as e:  # the file cannot be read, or its keys cannot be read back
            raise FleetConfigError(f"{path.name}: {e}") from None
    return from_configs(configs)
