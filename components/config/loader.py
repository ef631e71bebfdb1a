"""Reading the stack config as the Pulumi CLI passes it, and checking it, before any resource.

The one way into a `MeshConfig`, for the program (`load`) and for the tools (`read_stack_file`
then `parse`: tools/diagram.py, the fleet):

1. `from_cli_values`: the top-level keys as the CLI hands them over (a plain string raw, anything
   else as JSON text), read back to YAML values (`cli_value`); unknown top-level keys and a missing
   `clusters` are refused here;
2. private keys must be secret config (`_require_secret_keys`);
3. `parse`: nesting depth, then the schema (`schema.py`) with the charts' value keys
   (`chart_keys.py`) among its cross-field rules, then the supplied certificates
   (`supplied_certs.py`);
4. `load` only: the kubeconfig lookups the program makes later (`kubeconfig.py`).

Every refusal is a `ConfigError` naming each `linkerd-multicluster:` key to fix.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import pulumi
import yaml
from pydantic import ValidationError

from . import chart_keys, kubeconfig, supplied_certs
from .schema import MESH_CHECKS, PROJECT, TOP_LEVEL_KEYS, ConfigError, MeshCheck, MeshConfig, key_path, yaml_kind

MAX_DEPTH = 64
"""Deepest nesting of a config value (Helm values included) the program accepts."""

MODEL_CHECKS: tuple[MeshCheck, ...] = (chart_keys.mesh_problems,)
"""Rules about the whole mesh checked with the schema's own cross-field rules (`schema.MESH_CHECKS`)."""


_TYPE_ERRORS = {
    "dict_type": "a map (key: value entries)", "model_type": "a map (key: value entries)",
    "model_attributes_type": "a map (key: value entries)", "list_type": "a list",
    "string_type": "text", "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number", "bool_type": "true or false", "bool_parsing": "true or false",
}


def _format_errors(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = key_path(e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if not loc:  # cross-field rules: each line already starts with its key path
            lines.extend(f"  {PROJECT}:{line}" for line in msg.splitlines())
            continue
        key = f"{PROJECT}:{loc}"
        if e["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling against docs/configuration.md"
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif e["type"] in _TYPE_ERRORS:
            msg = f"must be {_TYPE_ERRORS[e['type']]}, not {yaml_kind(e.get('input'))}; see docs/configuration.md"
        lines.append(f"  {key}: {msg}")
    return "invalid stack configuration:\n" + "\n".join(lines)


def parse(raw: dict[str, Any]) -> MeshConfig:
    """Validate a dict of top-level keys (as the stack file holds them) into a `MeshConfig`.

    Then the supplied certificates and keys, which must be readable, Linkerd-compatible, match
    each other, and chain to the bundle (`supplied_certs.CertificateConfigError`)."""
    deep = [f"  {PROJECT}:{key_path(path)}: nested more than {MAX_DEPTH} levels deep; no value of "
            "this program (Helm values included) is"
            for key, value in raw.items() if (path := _too_deep(value, [key])) is not None]
    if deep:
        raise ConfigError("invalid stack configuration:\n" + "\n".join(deep))
    try:
        mesh = MeshConfig.model_validate(raw, context={MESH_CHECKS: MODEL_CHECKS})
    except ValidationError as err:
        raise ConfigError(_format_errors(err)) from None
    supplied_certs.check(mesh)
    return mesh


def _too_deep(value: Any, path: list) -> Optional[list]:
    """The path at which `value` is nested deeper than MAX_DEPTH, if it is (no recursion)."""
    stack = [(value, path)]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            return path
        if isinstance(value, dict):
            stack.extend((v, path + [k]) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, path + [i]) for i, v in enumerate(value))
    return None


def load() -> MeshConfig:
    """Read and validate this stack's config. Creates `pulumi.Config` lazily (see mocks notes)."""
    cfg = pulumi.Config(PROJECT)
    prefix = f"{PROJECT}:"
    raw = from_cli_values([k[len(prefix):] for k in pulumi.runtime.config.CONFIG.get() if k.startswith(prefix)],
                          cfg.get)
    _require_secret_keys(raw, lambda top: pulumi.runtime.is_config_secret(f"{prefix}{top}"),
                         _settings_file_config(None))
    mesh = parse(raw)
    kubeconfig.check(mesh)
    for warning in mesh.warnings():
        pulumi.log.warn(warning)
    return mesh


def from_cli_values(keys: Iterable[str], get: Callable[[str], Optional[str]]) -> dict[str, Any]:
    """The stack's top-level values as the stack file holds them, from the config as the Pulumi
    CLI passes it: `keys` names every key set under `linkerd-multicluster:` (without the prefix),
    `get(key)` gives a top-level key's text, or None (`cli_value` reads it back)."""
    prefix = f"{PROJECT}:"
    unknown = sorted(k for k in keys if k not in TOP_LEVEL_KEYS)
    if unknown:
        raise ConfigError(
            "invalid stack configuration:\n"
            + "\n".join(f"  {prefix}{key_path([k])}: unknown key; known keys are {', '.join(TOP_LEVEL_KEYS)}"
                        for k in unknown)
        )
    raw: dict[str, Any] = {}
    for key in TOP_LEVEL_KEYS:
        value = cli_value(get(key), f"{prefix}{key}")
        if value is not None:
            raw[key] = value
    if "clusters" not in raw:
        raise ConfigError(
            f"invalid stack configuration:\n  {prefix}clusters: required key is missing; "
            "list the clusters this stack installs (see Pulumi.east.yaml)"
        )
    return raw


class SettingsFileError(ConfigError):
    """A stack settings file that cannot be read, or holds no `config:` map."""


def read_stack_file(path: Path) -> dict[str, Any]:
    """A `Pulumi.<stack>.yaml`'s config as `load` would get it from the Pulumi CLI in that stack,
    read back and checked the same way (unknown keys, CLI values, private keys as secret config):
    the dict `parse` takes. For the tools, which run without the CLI, a cluster or a kubeconfig:
    `{secure: …}` values stay maps (they cannot be decrypted here), and no kubeconfig is read.

    The CLI hands a plain string over raw and anything else as JSON text; the values here take
    the same path through `cli_value`, so a tool sees what the program sees (`verify: none` stays
    a string, a JSON-text map becomes a map)."""
    try:
        doc = yaml.safe_load(path.read_text())
    except OSError as e:
        raise SettingsFileError(f"cannot read it: {e.strerror or e}") from None
    except ValueError as e:  # not UTF-8 text
        raise SettingsFileError(f"cannot read it: {e}") from None
    except yaml.YAMLError as e:
        raise SettingsFileError(f"not valid YAML: {e}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict) or not isinstance(doc.get("config", {}), dict):
        raise SettingsFileError("expected a stack settings file with a `config:` map")
    settings = _project_entries(doc.get("config") or {})
    # default=str: a YAML date (`2026-08-03` unquoted) is text to the CLI, not a crash here
    as_passed = {k: v if isinstance(v, str) else json.dumps(v, default=str) for k, v in settings.items()}
    raw = from_cli_values(as_passed, as_passed.get)
    # The CLI marks a top-level key secret when any value under it is (PULUMI_CONFIG_SECRET_KEYS).
    _require_secret_keys(raw, lambda top: _holds_secure(settings.get(top)), settings)
    return raw


def _holds_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_holds_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secure(v) for v in value)
    return False


def cli_value(text: Optional[str], key: str) -> Any:
    """One top-level config value as the Pulumi CLI passes it, back to the YAML value it was.

    The CLI hands a plain YAML string over *raw* and everything else (map, list, bool, number) as
    JSON text (pulumi/pulumi sdk/go/common/resource/config/object.go, `MarshalString`). So
    `topology: full-mesh` arrives as `full-mesh`, `protect: false` as `false` and a map as `{...}`.
    Text that is not JSON is therefore a plain string; text that starts like a JSON map or list
    but does not parse is an error (a string that looks like one is never a valid value here).
    """
    if text is None:
        return None
    try:
        # NaN/Infinity are not JSON (the CLI never sends them): such text is a plain string.
        return json.loads(text, parse_constant=_not_json)
    except RecursionError:
        raise ConfigError(f"invalid stack configuration:\n  {key}: nested too deeply") from None
    except ValueError as e:
        if text.lstrip()[:1] in ("{", "["):
            raise ConfigError(f"invalid stack configuration:\n  {key}: not valid YAML/JSON ({e})") from None
        return text


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _require_secret_keys(raw: dict[str, Any], top_is_secret: Callable[[str], bool],
                         settings: Optional[dict[str, Any]]) -> None:
    """A private key in plaintext stack config would be committed with Pulumi.<stack>.yaml.

    Every `keyPem`, at any depth (wherever a wrong shape puts it), must be secure. The CLI reports
    secrecy per *top-level* key only (PULUMI_CONFIG_SECRET_KEYS; one `pulumi config set --secret
    --path 'clusters.a.issuer.keyPem'` makes all of `clusters` secret), so a second cluster's key
    set without `--secret` would pass that check. Where the stack's settings file is at hand (the
    CLI runs the program in the project directory), each key's own entry must therefore be a
    `secure:` value there too. Helm values are left to chart_keys.py, which refuses private keys
    there whether secret or not; a key pasted into a certificate field is refused by the
    certificate checks.

    `top_is_secret(key)`: whether the CLI passes top-level `key` as secret; `settings`: this
    project's keys of the settings file (`_settings_file_config`), None if there is none.
    """
    problems = []
    for top, value in raw.items():
        top_secret = top_is_secret(top)
        for path in _private_key_places(value, [top]):
            if top_secret and (settings is None or _is_secure_in(settings, path)):
                continue
            where = key_path(path)
            problems.append(f"  {PROJECT}:{where}: a private key must be secret config; set it with "
                            f"`pulumi config set --secret --path '{where}' -- \"$(cat key.pem)\"`")
    if problems:
        raise ConfigError("invalid stack configuration:\n" + "\n".join(problems))


def _settings_file_config(path: Optional[Path]) -> Optional[dict[str, Any]]:
    """This project's keys in `Pulumi.<stack>.yaml` of the working directory, None if there is no
    such file or it cannot be read (config may come from elsewhere, e.g. a Pulumi ESC environment)."""
    if path is None:
        path = Path.cwd() / f"Pulumi.{pulumi.get_stack()}.yaml"
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, ValueError, yaml.YAMLError):
        return None
    config = doc.get("config") if isinstance(doc, dict) else None
    if not isinstance(config, dict):
        return None
    return _project_entries(config)


def _project_entries(config: dict) -> dict[str, Any]:
    """This project's keys of a settings file's `config:` map, without the `linkerd-multicluster:`
    prefix (other projects' and providers' settings, e.g. `kubernetes:context`, are left out)."""
    prefix = f"{PROJECT}:"
    return {k[len(prefix):]: v for k, v in config.items() if isinstance(k, str) and k.startswith(prefix)}


def _is_secure_in(settings: dict[str, Any], path: list) -> bool:
    """Whether the settings file holds the value at `path` as `{secure: <ciphertext>}`."""
    node: Any = settings
    for part in path:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return isinstance(node, dict) and set(node) == {"secure"}


def _private_key_places(value: Any, path: list) -> list[list]:
    found, stack = [], [(value, path)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "extraValues":
                    continue
                if k == "keyPem" and isinstance(v, str) and v.strip():
                    found.append(path + [k])
                else:
                    stack.append((v, path + [k]))
        elif isinstance(value, list):
            stack.extend((v, path + [i]) for i, v in enumerate(value))
    return sorted(found, key=str)
